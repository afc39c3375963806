/**
 * A bounded cache for pure functions of a string (a file's text, a package line): environments
 * and package names repeat across the jobs of a project, so the same conda file is parsed and the
 * same package named again and again. Keyed on content only, never on an object's identity.
 *
 * @internal
 */

/** Longer keys (a huge file) are not kept: hashing them costs little, holding them does. */
const MAX_KEY_LENGTH = 16_384

/**
 * A cache of the last `size` values computed (oldest out first): `cached(key, compute)` returns
 * the value kept for `key`, else computes and keeps it. `compute` must give the same value for
 * the same key, and callers must not mutate what it returns.
 *
 * @internal
 */
export const cache = <A>(size = 256): (key: string, compute: () => A) => A => {
  const values = new Map<string, A>()
  return (key, compute) => {
    const hit = values.get(key)
    return hit !== undefined ? hit : keep(values, size, key, compute())
  }
}

const keep = <A>(values: Map<string, A>, size: number, key: string, value: A): A => {
  if (key.length <= MAX_KEY_LENGTH && value !== undefined) {
    if (values.size >= size) values.delete(values.keys().next().value as string)
    values.set(key, value)
  }
  return value
}

/**
 * `f` with its last `size` results kept (see {@link cache}); a hit costs one look-up.
 *
 * @internal
 */
export const memoize = <A>(f: (key: string) => A, size = 256): (key: string) => A => {
  const values = new Map<string, A>()
  return (key) => {
    const hit = values.get(key)
    return hit !== undefined ? hit : keep(values, size, key, f(key))
  }
}
