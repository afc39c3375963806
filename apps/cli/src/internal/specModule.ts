/**
 * Importing a spec module: TypeScript through `tsx` (loaded only for them), JavaScript through
 * Node, with the module's `console.log` output sent to standard error while it loads (so
 * `--json` output stays one document).
 *
 * @internal
 */
import { pathToFileURL } from "node:url"

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

/**
 * The module namespace of the spec module `file` (an absolute path).
 *
 * @internal
 */
export const importModule = (file: string): Promise<unknown> =>
  withConsoleOnStderr(async () => {
    const url = pathToFileURL(file).href
    if (isTypeScript(file)) {
      const { tsImport } = await import("tsx/esm/api")
      return tsImport(url, import.meta.url)
    }
    return import(url)
  })
