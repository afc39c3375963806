/**
 * Function helpers shared by the DSL packages. `dual` makes a function callable data-first
 * (`f(self, a)`) or data-last (`pipe(self, f(a))`), as Effect's `Function.dual` does; `core`
 * cannot depend on `effect`, and fp-ts keeps its own `dual` internal. `memoizeString` and
 * `stringCache` keep the last results of a pure function of a string (parsing a file's text,
 * naming a package). No IO.
 *
 * @since 0.1.0
 */
import * as internal from "./internal/dual.js"
import * as memo from "./internal/memo.js"

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

/**
 * A cache of the last `size` values computed (default 256, oldest out first), keyed on a string
 * (keys over 16 KiB are computed, not kept): `cached(key, compute)` returns the value kept for
 * `key`, else computes and keeps it. `compute` must give the same value for the same key, and
 * callers must not mutate what it returns.
 *
 * @category constructors
 * @since 0.1.0
 */
export const stringCache: <A>(size?: number) => (key: string, compute: () => A) => A = memo.cache

/**
 * A pure function of a string with its last `size` results kept (see {@link stringCache}).
 *
 * @example
 * const parse = memoizeString((text: string) => text.split("\n"))
 *
 * @category combinators
 * @since 0.1.0
 */
export const memoizeString: <A>(f: (key: string) => A, size?: number) => (key: string) => A = memo.memoize
