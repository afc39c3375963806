/**
 * `dual` builds a function that can be called data-first (`f(self, a)`) or data-last
 * (`pipe(self, f(a))`). The same helper as `@estimator/core`'s (which keeps it internal); this
 * package must not depend on `effect` either.
 *
 * @internal
 */
export const dual: {
  <DataLast extends (...args: Array<any>) => any, DataFirst extends (...args: Array<any>) => any>(
    arity: Parameters<DataFirst>["length"],
    body: DataFirst
  ): DataLast & DataFirst
  <DataLast extends (...args: Array<any>) => any, DataFirst extends (...args: Array<any>) => any>(
    isDataFirst: (args: IArguments) => boolean,
    body: DataFirst
  ): DataLast & DataFirst
} = (arityOrPredicate: number | ((args: IArguments) => boolean), body: (...args: Array<any>) => any): any => {
  const isDataFirst = typeof arityOrPredicate === "number"
    ? (args: IArguments) => args.length >= arityOrPredicate
    : arityOrPredicate
  return function(this: unknown) {
    if (isDataFirst(arguments)) return body.apply(this, arguments as unknown as Array<unknown>)
    const args = Array.from(arguments)
    return (self: unknown) => body(self, ...args)
  }
}
