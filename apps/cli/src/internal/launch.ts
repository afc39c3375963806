/**
 * Which build `bin/estimator.js` runs: the bundle `dist/bundle/estimator.js` (made by
 * `scripts/bundle.mjs`; it starts about three times faster) while it is newer than every file it
 * was built from, else the plain build `dist/main.js`. So a stale bundle is never used, and
 * `ESTIMATOR_NO_BUNDLE=1` forces the plain build. Only `node:fs`, to keep the check cheap.
 *
 * @internal
 */
import * as fs from "node:fs"

/**
 * Whether `bundle` exists and no file listed in `inputsFile` (a JSON array of paths) is newer
 * than it or missing.
 *
 * @internal
 */
export const isFresh = (bundle: string | URL, inputsFile: string | URL): boolean => {
  try {
    const built = fs.statSync(bundle).mtimeMs
    const inputs: unknown = JSON.parse(fs.readFileSync(inputsFile, "utf8"))
    return Array.isArray(inputs) && inputs.every((file) => typeof file === "string" && fs.statSync(file).mtimeMs <= built)
  } catch {
    return false
  }
}

/**
 * The URL of the module to run; `here` is the URL of `dist/internal/launch.js`.
 *
 * @internal
 */
export const entry = (env: { readonly [name: string]: string | undefined } = process.env, here: string = import.meta.url): string => {
  const bundle = new URL("../bundle/estimator.js", here)
  const useBundle = (env["ESTIMATOR_NO_BUNDLE"] ?? "") === "" && isFresh(bundle, new URL("../bundle/inputs.json", here))
  return (useBundle ? bundle : new URL("../main.js", here)).href
}

