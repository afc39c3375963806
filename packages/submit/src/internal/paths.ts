/**
 * `path.resolve` and `path.join` for the paths a plan builds many times over (a spec's folders
 * and files under a base directory): when both parts are already normal (absolute base, a plain
 * relative part with no `.`, `..` or empty segment), the result is the two joined by the
 * separator, with no normalisation pass; anything else goes to `node:path`, which decides.
 *
 * @internal
 */
import * as path from "node:path"

const POSIX = path.sep === "/"

/** A path with no empty, `.` or `..` segment and no separator at the end (`/` itself is normal). */
const ABNORMAL = /\/\/|(?:^|\/)\.\.?(?:\/|$)|.\/$/

const isNormalAbsolute = (p: string): boolean => p.charCodeAt(0) === 47 && !ABNORMAL.test(p)

const isNormalRelative = (p: string): boolean => p !== "" && p.charCodeAt(0) !== 47 && !ABNORMAL.test(p)

/**
 * `path.resolve(base, p)`.
 *
 * @internal
 */
export const resolve = (base: string, p: string): string => {
  if (POSIX) {
    if (isNormalAbsolute(p)) return p
    if (isNormalRelative(p) && isNormalAbsolute(base)) return base === "/" ? `/${p}` : `${base}/${p}`
  }
  return path.resolve(base, p)
}

/**
 * `path.join(base, p)` for an absolute `base`.
 *
 * @internal
 */
export const join = (base: string, p: string): string =>
  POSIX && isNormalRelative(p) && isNormalAbsolute(base) ? (base === "/" ? `/${p}` : `${base}/${p}`) : path.join(base, p)

/**
 * `path.resolve(p)`.
 *
 * @internal
 */
export const absolute = (p: string): string => (POSIX && isNormalAbsolute(p) ? p : path.resolve(p))
