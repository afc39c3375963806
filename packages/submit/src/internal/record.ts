/**
 * Records keyed by names the user chose (variables, inputs, outputs, labels). An object literal
 * that gets such keys one by one makes the engine create a hidden class for every new key
 * sequence, which costs several times the work itself; these records start in dictionary mode,
 * with the usual prototype, so they read, enumerate (in insertion order), compare and serialise
 * as any plain object.
 *
 * @internal
 */

/**
 * A new empty record.
 *
 * @internal
 */
export const empty = <V>(): Record<string, V> => Object.setPrototypeOf(Object.create(null), Object.prototype) as Record<string, V>

const hasOwn = Object.prototype.hasOwnProperty

/**
 * A new record with `source`'s own entries, in its order.
 *
 * @internal
 */
export const copy = <V>(source: { readonly [key: string]: V }): Record<string, V> => {
  const out = empty<V>()
  for (const key in source) if (hasOwn.call(source, key)) set(out, key, source[key] as V)
  return out
}

/**
 * `record[key] = value`, as an own entry even for the key `__proto__` (which assignment would
 * take as the prototype).
 *
 * @internal
 */
export const set = <V>(record: Record<string, V>, key: string, value: V): void => {
  if (key === "__proto__") Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true })
  else record[key] = value
}
