/**
 * POSIX path arithmetic on strings, without the file system and without `process.cwd()`, so the
 * YAML import and export stay pure and give the same answer on every machine.
 *
 * @internal
 */

/** @internal */
export const isAbsolute = (path: string): boolean => path.startsWith("/")

/**
 * `a/./b/../c/` → `a/c`; leading `..` segments of a relative path are kept; `""` → `.`.
 *
 * @internal
 */
export const normalize = (path: string): string => {
  const absolute = isAbsolute(path)
  const stack: Array<string> = []
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue
    if (segment === "..") {
      const top = stack[stack.length - 1]
      if (top !== undefined && top !== "..") stack.pop()
      else if (!absolute) stack.push("..")
      continue
    }
    stack.push(segment)
  }
  const joined = stack.join("/")
  return absolute ? `/${joined}` : joined === "" ? "." : joined
}

/**
 * `path` resolved against `base` (an absolute `path` wins), normalized.
 *
 * @internal
 */
export const join = (base: string, path: string): string =>
  isAbsolute(path) ? normalize(path) : normalize(base === "" ? path : `${base}/${path}`)

const segments = (normalized: string): ReadonlyArray<string> =>
  normalized === "." || normalized === "/" ? [] : normalized.replace(/^\//, "").split("/")

/**
 * The path that leads from the folder `from` to `to` (both taken relative to the same base, or both
 * absolute). An absolute `to` is returned as is when `from` is relative. `undefined` when the answer
 * depends on folder names that are not in the strings: `from` climbs above the common base (`../a`
 * → `b` needs the name of the base folder), or `from` is absolute and `to` relative.
 *
 * @internal
 */
export const relative = (from: string, to: string): string | undefined => {
  const source = normalize(from)
  const target = normalize(to)
  if (isAbsolute(target) && !isAbsolute(source)) return target
  if (isAbsolute(source) !== isAbsolute(target)) return undefined
  const fromSegments = segments(source)
  const toSegments = segments(target)
  let common = 0
  while (common < fromSegments.length && common < toSegments.length && fromSegments[common] === toSegments[common]) {
    common++
  }
  const up = fromSegments.slice(common)
  if (up.includes("..")) return undefined
  const result = [...up.map(() => ".."), ...toSegments.slice(common)].join("/")
  return result === "" ? "." : result
}
