/**
 * Function helpers shared by the DSL packages. `dual` makes a function callable data-first
 * (`f(self, a)`) or data-last (`pipe(self, f(a))`), as Effect's `Function.dual` does; `core`
 * cannot depend on `effect`, and fp-ts keeps its own `dual` internal.
 *
 * @since 0.1.0
 */
import * as internal from "./internal/dual.js"

/**
 * Build a dual function from its data-first body: by arity (`dual(2, (self, a) => ...)`), or by a
 * predicate on the arguments when the last parameters are optional or variadic.
 *
 * @example
 * const withName: {
 *   (name: string): (self: Job) => Job
 *   (self: Job, name: string): Job
 * } = dual(2, (self: Job, name: string): Job => ({ ...self, name }))
 *
 * @category combinators
 * @since 0.1.0
 */
export const dual: typeof internal.dual = internal.dual
