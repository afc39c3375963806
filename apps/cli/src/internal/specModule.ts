/**
 * Importing a spec module: TypeScript from the compile cache (`specCache.ts`) when it can be
 * used, else through `tsx` (loaded only then); JavaScript through Node. The module's
 * `console.log` output goes to standard error while it loads (so `--json` output stays one
 * document). `ESTIMATOR_DEBUG=1` says on standard error how each TypeScript spec was loaded, and
 * why not from the cache.
 *
 * @internal
 */
import { pathToFileURL } from "node:url"
import * as specCache from "./specCache.js"

/** @internal */
export const isTypeScript = (file: string): boolean => /\.[cm]?ts$/i.test(file)

const withConsoleOnStderr = async <A>(load: () => Promise<A>): Promise<A> => {
  const saved = { log: console.log, info: console.info, debug: console.debug }
  console.log = console.error
  console.info = console.error
  console.debug = console.error
  try {
    return await load()
  } finally {
    Object.assign(console, saved)
  }
}

const debug = (message: string): void => {
  if ((process.env["ESTIMATOR_DEBUG"] ?? "") !== "" && process.env["ESTIMATOR_DEBUG"] !== "0") {
    process.stderr.write(`estimator debug: ${message}\n`)
  }
}

/**
 * The module namespace of the spec module `file` (an absolute path).
 *
 * @internal
 */
export const importModule = (file: string): Promise<unknown> =>
  withConsoleOnStderr(async () => {
    const url = pathToFileURL(file).href
    if (!isTypeScript(file)) return import(url)
    const cached = await specCache.prepare(file)
    if (cached._tag === "Unavailable") {
      debug(`${file}: loading with tsx, not from the compile cache: ${cached.reason}`)
    } else {
      debug(`${file}: loading the compiled spec ${cached._tag === "Fresh" ? "from the cache" : "just compiled into the cache"} (${cached.mode}): ${cached.url}`)
      try {
        return await import(cached.url)
      } catch (error) {
        // The error is reported as tsx reports it, with the spec's own file and line.
        debug(`${file}: the compiled spec failed to load (${error instanceof Error ? error.message : String(error)}); loading with tsx`)
      }
    }
    const { tsImport } = await import("tsx/esm/api")
    return tsImport(url, import.meta.url)
  })
