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
 * Why `bundle` cannot be used — it is missing, `inputsFile` (a JSON array of paths) is unreadable,
 * or a file it lists is newer than the bundle or missing — or `undefined` when it is fresh.
 *
 * @internal
 */
export const staleness = (bundle: string | URL, inputsFile: string | URL): string | undefined => {
  let built: number
  try {
    built = fs.statSync(bundle).mtimeMs
  } catch {
    return "the bundle is missing (npm run build makes it)"
  }
  let inputs: unknown
  try {
    inputs = JSON.parse(fs.readFileSync(inputsFile, "utf8"))
  } catch {
    return "its list of inputs is missing or unreadable"
  }
  if (!Array.isArray(inputs)) return "its list of inputs is not a list"
  for (const file of inputs) {
    if (typeof file !== "string") return "its list of inputs is not a list of paths"
    try {
      if (fs.statSync(file).mtimeMs > built) return `${file} is newer than the bundle (npm run build -w @estimator/cli rebuilds it)`
    } catch {
      return `${file} is missing`
    }
  }
  return undefined
}

/**
 * Whether `bundle` exists and no file listed in `inputsFile` (a JSON array of paths) is newer
 * than it or missing.
 *
 * @internal
 */
export const isFresh = (bundle: string | URL, inputsFile: string | URL): boolean => staleness(bundle, inputsFile) === undefined

/**
 * The URL of the module to run; `here` is the URL of `dist/internal/launch.js`. With
 * `ESTIMATOR_DEBUG` set, says on standard error why the plain build is run.
 *
 * @internal
 */
export const entry = (env: { readonly [name: string]: string | undefined } = process.env, here: string = import.meta.url): string => {
  const bundle = new URL("../bundle/estimator.js", here)
  const reason = (env["ESTIMATOR_NO_BUNDLE"] ?? "") !== "" ? "ESTIMATOR_NO_BUNDLE is set" : staleness(bundle, new URL("../bundle/inputs.json", here))
  if (reason !== undefined && (env["ESTIMATOR_DEBUG"] ?? "") !== "" && env["ESTIMATOR_DEBUG"] !== "0") {
    process.stderr.write(`estimator debug: running the plain build dist/main.js, not the bundle: ${reason}\n`)
  }
  return (reason === undefined ? bundle : new URL("../main.js", here)).href
}
