/**
 * A compile cache for TypeScript spec modules, so that loading a spec costs a few `stat`s and one
 * `import()` instead of starting tsx (about 180 ms) on every run.
 *
 * On the first load, the spec and its local imports are bundled by esbuild into one ES module
 * (`packages: "external"`: every bare import, such as `@estimator/core`, stays an import), written
 * INSIDE the nearest `node_modules/.cache/estimator/specs/` above the spec. Node resolves bare
 * imports by walking up from the importing file, and from there it walks through exactly the
 * `node_modules` folders the spec itself would see, so they resolve to the same packages. Beside
 * the module, a manifest lists every local input (from esbuild's metafile) with its size, mtime and
 * SHA-256, plus the spec's `tsconfig.json` chain. On later loads, the inputs are `stat`ed; when each
 * has its recorded size and mtime (or, if touched, still its recorded content), the cached module
 * is imported directly: no esbuild, no tsx.
 *
 * What keeps the meaning of the spec:
 * - `import.meta.url`, `import.meta.filename` and `import.meta.dirname` are replaced in each local
 *   file by that file's own values before bundling, so `new URL("./data", import.meta.url)` names
 *   the same file as under tsx. (Those files are compiled one by one with the text of the nearest
 *   `tsconfig.json`, without its `extends`.)
 * - A spec that uses what an ES module bundle cannot reproduce — CommonJS (`require`, `__dirname`,
 *   `__filename`, `module.exports`), `import.meta.resolve`, an `import()` esbuild cannot follow,
 *   `.cts` files — is not cached: the caller loads it with tsx, which keeps Node's semantics.
 *
 * Every failure (no `node_modules` above the spec, a read-only folder, a compile error, a warning)
 * is a reason to load with tsx instead; nothing here throws. `ESTIMATOR_NO_SPEC_CACHE=1` turns the
 * cache off.
 *
 * @internal
 */
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

/** Bumped when the cached module or the manifest changes shape. */
const FORMAT = 1

interface Input {
  readonly path: string
  readonly size: number
  readonly mtimeMs: number
  readonly sha256: string
}

interface Manifest {
  readonly format: number
  readonly spec: string
  readonly mode: Mode
  readonly inputs: ReadonlyArray<Input>
}

/**
 * The result of {@link prepare}: the URL of a cached module (found fresh, or just built), or why
 * the spec is loaded without the cache.
 *
 * @internal
 */
export type Outcome =
  | { readonly _tag: "Fresh"; readonly url: string; readonly mode: Mode }
  | { readonly _tag: "Built"; readonly url: string; readonly mode: Mode }
  | { readonly _tag: "Unavailable"; readonly reason: string }

const unavailable = (reason: string): Outcome => ({ _tag: "Unavailable", reason })

const sha256 = (data: string | Buffer): string => crypto.createHash("sha256").update(data).digest("hex")

/**
 * The cache folder for a spec: `node_modules/.cache/estimator/specs` in the nearest folder above
 * the spec that has a `node_modules` folder, or `undefined` when there is none.
 *
 * @internal
 */
export const directoryFor = (specFile: string): string | undefined => {
  let directory = path.dirname(specFile)
  while (true) {
    const candidate = path.join(directory, "node_modules")
    try {
      if (fs.statSync(candidate).isDirectory()) return path.join(candidate, ".cache", "estimator", "specs")
    } catch {
      // not here; go up
    }
    const parent = path.dirname(directory)
    if (parent === directory) return undefined
    directory = parent
  }
}

const entryName = (specFile: string): string => {
  const stem = path.basename(specFile).replace(/[^A-Za-z0-9._-]/g, "_")
  return `${stem}-${sha256(specFile).slice(0, 16)}`
}

const isFresh = (input: Input): boolean => {
  try {
    const stat = fs.statSync(input.path)
    if (stat.size !== input.size) return false
    if (stat.mtimeMs === input.mtimeMs) return true
    // Touched (a checkout, a formatter that changed nothing): the content decides.
    return sha256(fs.readFileSync(input.path)) === input.sha256
  } catch {
    return false
  }
}

/**
 * The cached module of `specFile` when it is up to date, without compiling anything.
 *
 * @internal
 */
export const lookup = (specFile: string): Outcome => {
  const directory = directoryFor(specFile)
  if (directory === undefined) return unavailable(`there is no node_modules folder above ${specFile} to keep the compiled spec in`)
  const name = entryName(specFile)
  let manifest: Manifest
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(directory, `${name}.json`), "utf8")) as Manifest
  } catch {
    return unavailable("not compiled yet")
  }
  if (manifest.format !== FORMAT || manifest.spec !== specFile) return unavailable("compiled by another version")
  const stale = manifest.inputs.find((input) => !isFresh(input))
  if (stale !== undefined) return unavailable(`${stale.path} changed`)
  return { _tag: "Fresh", url: pathToFileURL(path.join(directory, `${name}.mjs`)).href, mode: manifest.mode }
}

/** The nearest tsconfig.json above `file` and the files it extends by relative path. */
const tsconfigChain = (file: string): ReadonlyArray<string> => {
  let directory = path.dirname(file)
  let nearest: string | undefined
  while (nearest === undefined) {
    const candidate = path.join(directory, "tsconfig.json")
    if (fs.existsSync(candidate)) nearest = candidate
    const parent = path.dirname(directory)
    if (parent === directory) break
    directory = parent
  }
  const chain: Array<string> = []
  let current = nearest
  while (current !== undefined && !chain.includes(current) && chain.length < 8) {
    chain.push(current)
    const extended = /"extends"\s*:\s*"(\.{1,2}\/[^"]+)"/.exec(fs.readFileSync(current, "utf8"))?.[1]
    if (extended === undefined) break
    const next = path.resolve(path.dirname(current), extended)
    current = fs.existsSync(next) ? next : fs.existsSync(`${next}.json`) ? `${next}.json` : undefined
  }
  return chain
}

// What an ES module bundle cannot reproduce. Checked in the text of each local input: a false
// alarm only means the spec is loaded with tsx.
const unsupported: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(?:__dirname|__filename)\b/, "__dirname/__filename"],
  [/\brequire\s*[.(]/, "require"],
  [/\bmodule\.exports\b|\bexports\.[A-Za-z_$]/, "CommonJS exports"],
  [/\bimport\.meta\.resolve\b/, "import.meta.resolve"]
]

const isLocal = (file: string): boolean => !file.split(path.sep).includes("node_modules")

const loaderOf = (file: string): "ts" | "tsx" | "js" | "jsx" => {
  const extension = path.extname(file).toLowerCase()
  return extension === ".tsx" ? "tsx" : extension === ".jsx" ? "jsx" : /^\.[cm]?ts$/.test(extension) ? "ts" : "js"
}

const writeAtomically = (file: string, content: string): void => {
  const temporary = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`
  fs.writeFileSync(temporary, content)
  fs.renameSync(temporary, file)
}

// Package code that depends on where its own file is: bundled into the cache, it would look
// next to the cached module instead. Such packages stay imports (see `Mode`).
const locationSensitive = /\b(?:__dirname|__filename)\b|\bimport\.meta\b|\brequire\.resolve\b/

/**
 * How the spec was compiled: `bundled` (the spec, its local files and the packages it imports,
 * resolved from the spec's folder as Node would, in one module: one file to load instead of
 * hundreds) or `packages-external` (only the spec and its local files; bare imports stay imports,
 * resolved by Node from the cache folder, which sees the same `node_modules` as the spec). The
 * second is used when a package the spec imports depends on its own file's location, ships a
 * native addon, or cannot be bundled.
 *
 * @internal
 */
export type Mode = "bundled" | "packages-external"

// npm, pnpm and yarn rewrite these on every install: a change means packages may have moved.
const INSTALL_RECORDS = [".package-lock.json", ".modules.yaml", ".yarn-state.yml"]

const installRecords = (specFile: string): ReadonlyArray<string> => {
  const records: Array<string> = []
  let directory = path.dirname(specFile)
  while (true) {
    for (const record of INSTALL_RECORDS) {
      const file = path.join(directory, "node_modules", record)
      if (fs.existsSync(file)) records.push(file)
    }
    const parent = path.dirname(directory)
    if (parent === directory) return records
    directory = parent
  }
}

// CommonJS packages bundled into an ES module still call require() for Node built-ins.
const REQUIRE_BANNER = "import { createRequire as __estimatorCreateRequire } from \"node:module\"; const require = __estimatorCreateRequire(import.meta.url);"

type Compiled =
  | { readonly _tag: "Compiled"; readonly code: string; readonly inputs: ReadonlyArray<string> }
  | { readonly _tag: "Unavailable"; readonly reason: string }

const packageRoot = (file: string): string | undefined => {
  let directory = path.dirname(file)
  while (true) {
    if (fs.existsSync(path.join(directory, "package.json"))) return directory
    const parent = path.dirname(directory)
    if (parent === directory) return undefined
    directory = parent
  }
}

const isBare = (specifier: string): boolean => !/^(?:\.{1,2}(?:\/|$)|\/|[A-Za-z]:[\\/]|file:|node:|data:)/.test(specifier)

const compile = async (esbuild: typeof import("esbuild"), specFile: string, outfile: string, mode: Mode): Promise<Compiled> => {
  const problems: Array<string> = []
  const locationDependent: Array<string> = []
  // Where the packages the spec imports live (a workspace package's real path has no node_modules).
  const packageRoots = new Set<string>()
  const isPackage = (file: string): boolean =>
    !isLocal(file) || [...packageRoots].some((root) => file.startsWith(root + path.sep))
  const plugin: import("esbuild").Plugin = {
    name: "estimator-spec-cache",
    setup(build) {
      if (mode === "bundled") {
        build.onResolve({ filter: /.*/ }, async (args) => {
          if (args.pluginData === "estimator-resolving" || !isBare(args.path) || args.path.startsWith("#")) return undefined
          const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: "estimator-resolving" })
          if (resolved.errors.length === 0 && !resolved.external && path.isAbsolute(resolved.path)) {
            const root = packageRoot(resolved.path)
            if (root !== undefined) packageRoots.add(root)
          }
          return undefined
        })
      }
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        const source = await fs.promises.readFile(args.path, "utf8")
        if (isPackage(args.path)) {
          if (locationSensitive.test(source)) locationDependent.push(args.path)
          return undefined
        }
        for (const [pattern, what] of unsupported) {
          if (pattern.test(source)) problems.push(`${args.path} uses ${what}`)
        }
        if (!source.includes("import.meta")) return undefined
        const tsconfig = tsconfigChain(args.path)[0]
        const transformed = await esbuild.transform(source, {
          loader: loaderOf(args.path),
          sourcefile: args.path,
          format: "esm",
          platform: "node",
          target: "node20",
          ...(tsconfig === undefined ? {} : { tsconfigRaw: fs.readFileSync(tsconfig, "utf8") }),
          define: {
            "import.meta.url": JSON.stringify(pathToFileURL(args.path).href),
            "import.meta.filename": JSON.stringify(args.path),
            "import.meta.dirname": JSON.stringify(path.dirname(args.path))
          }
        })
        return { contents: transformed.code, loader: "js" }
      })
    }
  }
  let result: import("esbuild").BuildResult<{ write: false; metafile: true }>
  try {
    result = await esbuild.build({
      entryPoints: [specFile],
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      // Node's resolution: no "module" condition or main field, which only bundlers read.
      conditions: [],
      mainFields: ["main"],
      ...(mode === "packages-external" ? { packages: "external" as const } : { banner: { js: REQUIRE_BANNER } }),
      metafile: true,
      write: false,
      outfile,
      logLevel: "silent",
      absWorkingDir: path.dirname(specFile),
      plugins: [plugin]
    })
  } catch (error) {
    return unavailable(`esbuild cannot compile it (${error instanceof Error ? error.message.split("\n").slice(0, 3).join(" ") : String(error)})`) as Compiled
  }
  if (problems.length > 0) return unavailable(problems.join("; ")) as Compiled
  if (locationDependent.length > 0) return unavailable(`${locationDependent[0]} depends on its own location`) as Compiled
  if (result.warnings.length > 0) return unavailable(`esbuild warns: ${result.warnings.map((w) => w.text).join("; ")}`) as Compiled
  const files = Object.entries(result.metafile.inputs)
  const commonJs = files.find(([input, meta]) => meta.format === "cjs" && !isPackage(path.resolve(path.dirname(specFile), input)))
  if (commonJs !== undefined) return unavailable(`${commonJs[0]} is a CommonJS module`) as Compiled
  const output = result.outputFiles[0]
  if (output === undefined) return unavailable("esbuild wrote nothing") as Compiled
  return { _tag: "Compiled", code: output.text, inputs: files.map(([input]) => path.resolve(path.dirname(specFile), input)) }
}

/**
 * Remove the entries of specs that no longer exist (run when something is compiled, so the
 * cache does not grow with every spec file ever loaded from a temporary folder).
 *
 * @internal
 */
export const prune = (directory: string): void => {
  let names: ReadonlyArray<string>
  try {
    names = fs.readdirSync(directory)
  } catch {
    return
  }
  for (const name of names) {
    if (!name.endsWith(".json")) continue
    const manifestFile = path.join(directory, name)
    try {
      const spec = (JSON.parse(fs.readFileSync(manifestFile, "utf8")) as Partial<Manifest>).spec
      if (typeof spec === "string" && fs.existsSync(spec)) continue
      fs.rmSync(manifestFile, { force: true })
      fs.rmSync(manifestFile.replace(/\.json$/, ".mjs"), { force: true })
    } catch {
      // another process is writing or removing it
    }
  }
}

/**
 * Compile `specFile` into the cache and return its URL, or why it cannot be cached: `bundled`
 * first, `packages-external` when the packages cannot be bundled.
 *
 * @internal
 */
export const build = async (specFile: string): Promise<Outcome> => {
  const directory = directoryFor(specFile)
  if (directory === undefined) return unavailable(`there is no node_modules folder above ${specFile} to keep the compiled spec in`)
  if (/\.cts$/i.test(specFile)) return unavailable(`${specFile} is a CommonJS module (.cts)`)
  let esbuild: typeof import("esbuild")
  try {
    esbuild = await import("esbuild")
  } catch (error) {
    return unavailable(`esbuild cannot be loaded (${error instanceof Error ? error.message : String(error)})`)
  }
  const name = entryName(specFile)
  const outfile = path.join(directory, `${name}.mjs`)
  const bundled = await compile(esbuild, specFile, outfile, "bundled")
  const compiled = bundled._tag === "Compiled" ? bundled : await compile(esbuild, specFile, outfile, "packages-external")
  if (compiled._tag === "Unavailable") {
    return unavailable(bundled._tag === "Unavailable" && bundled.reason !== compiled.reason ? `${compiled.reason} (bundled: ${bundled.reason})` : compiled.reason)
  }
  const mode: Mode = compiled === bundled ? "bundled" : "packages-external"
  try {
    const inputPaths = [...compiled.inputs, ...tsconfigChain(specFile), ...installRecords(specFile)]
    const inputs = [...new Set(inputPaths)].map((file): Input => {
      const content = fs.readFileSync(file)
      const stat = fs.statSync(file)
      return { path: file, size: stat.size, mtimeMs: stat.mtimeMs, sha256: sha256(content) }
    })
    fs.mkdirSync(directory, { recursive: true })
    prune(directory)
    // The module first, then the manifest that vouches for it.
    writeAtomically(outfile, compiled.code)
    const manifest: Manifest = { format: FORMAT, spec: specFile, mode, inputs }
    writeAtomically(path.join(directory, `${name}.json`), `${JSON.stringify(manifest, null, 2)}\n`)
    return { _tag: "Built", url: pathToFileURL(outfile).href, mode }
  } catch (error) {
    return unavailable(`cannot write the cache in ${directory} (${error instanceof Error ? error.message : String(error)})`)
  }
}

/**
 * The URL to import for `specFile`: the cached module when fresh, else a fresh compile; or why
 * the spec must be loaded with tsx. Never throws.
 *
 * @internal
 */
export const prepare = async (specFile: string, env: { readonly [name: string]: string | undefined } = process.env): Promise<Outcome> => {
  if ((env["ESTIMATOR_NO_SPEC_CACHE"] ?? "") !== "") return unavailable("ESTIMATOR_NO_SPEC_CACHE is set")
  try {
    const found = lookup(specFile)
    if (found._tag === "Fresh") return found
    if (found._tag === "Unavailable" && found.reason.startsWith("there is no node_modules")) return found
    return await build(specFile)
  } catch (error) {
    return unavailable(error instanceof Error ? error.message : String(error))
  }
}
