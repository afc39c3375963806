/**
 * Loads the `<spec>` argument of a command into decoded specs.
 *
 * - `.ts`, `.mts`, `.cts` modules are loaded with `tsx` (imported lazily, only for them); `.js`,
 *   `.mjs`, `.cjs` with Node's `import()`. The default export must be an `Estimator` or an array
 *   of them. A module resolves its imports from its own folder, so a spec inside a project that
 *   depends on `@estimator/core` (or inside this repository) can import it. While a module loads,
 *   its `console.log` output goes to standard error, so `--json` output stays one document.
 * - `.json`, `.yaml` and `.yml` files hold one spec or an array of specs.
 * - `-` reads one spec (or an array) as JSON from standard input.
 *
 * Every spec goes through `Estimator.decode`, and each failure keeps the path of the field.
 *
 * Relative paths in a spec (`sourceDirectory`, a build context, local inputs) are relative to
 * **the folder of the spec file** (the current directory for standard input), so a spec means the
 * same thing wherever the command is run from. The loaded specs are as written;
 * `Loaded.baseDirectory` is that folder, {@link resolveSourceDirectory} makes the source directory
 * absolute and {@link rebase} moves the paths to another folder (for `export`).
 *
 * @since 0.1.0
 */
import { Estimator } from "@estimator/core"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { pathToFileURL } from "node:url"
import { Io } from "./Io.js"
import * as specModule from "./internal/specModule.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * One spec of a loaded file: its label for messages (`job.ts`, `job.ts[1]`) and either the
 * decoded spec or every decode error.
 *
 * @category models
 * @since 0.1.0
 */
export interface Entry {
  readonly label: string
  readonly index?: number
  readonly result: Either.Either<Estimator.Estimator, ReadonlyArray<Estimator.DecodeError>>
}

/**
 * What a `<spec>` argument held.
 *
 * @category models
 * @since 0.1.0
 */
export interface Loaded {
  /** The argument as the user wrote it (`-` for standard input). */
  readonly source: string
  /** The absolute path of the file; absent for standard input. */
  readonly file?: string
  /** The folder relative paths in the spec are resolved against. */
  readonly baseDirectory: string
  /** Whether the file held an array of specs (then `--json` output is an array too). */
  readonly isArray: boolean
  readonly entries: ReadonlyArray<Entry>
}

/**
 * The spec file's kind, from its extension.
 *
 * @category models
 * @since 0.1.0
 */
export type Kind = "typescript" | "javascript" | "json" | "yaml" | "stdin"

const kinds: { readonly [extension: string]: Kind } = {
  ".ts": "typescript",
  ".mts": "typescript",
  ".cts": "typescript",
  ".js": "javascript",
  ".mjs": "javascript",
  ".cjs": "javascript",
  ".json": "json",
  ".yaml": "yaml",
  ".yml": "yaml"
}

// -------------------------------------------------------------------------------------
// errors
// -------------------------------------------------------------------------------------

/**
 * The spec file does not exist, or is not a readable file.
 *
 * @category errors
 * @since 0.1.0
 */
export class SpecNotReadable extends Data.TaggedError("SpecNotReadable")<{
  readonly source: string
  readonly message: string
  readonly hint: string
}> {}

/**
 * The spec file's extension is not one the loader knows.
 *
 * @category errors
 * @since 0.1.0
 */
export class UnsupportedSpecFile extends Data.TaggedError("UnsupportedSpecFile")<{
  readonly source: string
  readonly message: string
  readonly hint: string
}> {}

/**
 * A JSON or YAML spec file is not well-formed; `problems` lists each syntax error.
 *
 * @category errors
 * @since 0.1.0
 */
export class SpecSyntaxError extends Data.TaggedError("SpecSyntaxError")<{
  readonly source: string
  readonly message: string
  readonly hint: string
  readonly problems: ReadonlyArray<string>
}> {}

/**
 * A spec module could not be loaded: it threw, did not compile, or imports something missing.
 *
 * @category errors
 * @since 0.1.0
 */
export class SpecModuleError extends Data.TaggedError("SpecModuleError")<{
  readonly source: string
  readonly message: string
  readonly hint: string
}> {}

/**
 * A spec module's default export is missing or is not an `Estimator` (or an array of them).
 *
 * @category errors
 * @since 0.1.0
 */
export class NotAnEstimator extends Data.TaggedError("NotAnEstimator")<{
  readonly source: string
  readonly message: string
  readonly hint: string
}> {}

/**
 * The file holds no spec at all (an empty array, an empty document).
 *
 * @category errors
 * @since 0.1.0
 */
export class EmptySpec extends Data.TaggedError("EmptySpec")<{
  readonly source: string
  readonly message: string
  readonly hint: string
}> {}

/**
 * One or more specs of a file failed to decode; every error of every spec is listed.
 *
 * @category errors
 * @since 0.1.0
 */
export class SpecDecodeError extends Data.TaggedError("SpecDecodeError")<{
  readonly source: string
  readonly message: string
  readonly hint: string
  readonly failures: ReadonlyArray<{ readonly label: string; readonly errors: ReadonlyArray<Estimator.DecodeError> }>
}> {}

/**
 * Why a `<spec>` argument could not be loaded.
 *
 * @category errors
 * @since 0.1.0
 */
export type SpecLoadError = SpecNotReadable | UnsupportedSpecFile | SpecSyntaxError | SpecModuleError | NotAnEstimator | EmptySpec

// -------------------------------------------------------------------------------------
// pure helpers
// -------------------------------------------------------------------------------------

/**
 * The kind of a spec argument, from its extension (`-` is standard input).
 *
 * @category utils
 * @since 0.1.0
 */
export const kindOf = (source: string): Kind | undefined => {
  if (source === "-") return "stdin"
  const match = /\.[^./\\]+$/.exec(source)
  return match === null ? undefined : kinds[match[0].toLowerCase()]
}

/**
 * A short description of a value, for "got ..." messages.
 *
 * @category utils
 * @since 0.1.0
 */
export const describeValue = (value: unknown): string => {
  if (value === undefined) return "undefined"
  if (value === null) return "null"
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === "function") return `a function${value.name ? ` (${value.name})` : ""}`
  if (typeof value === "object") {
    if (typeof (value as { then?: unknown }).then === "function") return "a Promise"
    const tag = (value as { _tag?: unknown })._tag
    return typeof tag === "string" ? `an object with _tag "${tag}"` : "an object"
  }
  return `${typeof value} ${JSON.stringify(value)}`
}

const hintForValue = (value: unknown): string => {
  if (typeof value === "function") {
    return "Export the spec itself, not a function that makes it: export default makeJob()."
  }
  if (typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function") {
    return "Await it in the module: export default await makeJob()."
  }
  return "Export a spec built with @estimator/core: export default pipe(Estimator.make({ entryScript: \"train.py\" }), ...)."
}

/**
 * The spec with a relative `sourceDirectory` resolved against `baseDirectory` (the spec file's
 * folder), so it names the same folder from any working directory.
 *
 * @category utils
 * @since 0.1.0
 */
export const resolveSourceDirectory = (
  spec: Estimator.Estimator,
  baseDirectory: string,
  path: Path.Path
): Estimator.Estimator =>
  path.isAbsolute(spec.sourceDirectory)
    ? spec
    : { ...spec, sourceDirectory: path.resolve(baseDirectory, spec.sourceDirectory) }

/**
 * `target` as a path relative to the folder `from` (POSIX separators, `.` for `from` itself), or
 * `target` itself when the two share nothing but the file system root (`../../../opt/data`
 * says less than `/opt/data`).
 *
 * @category utils
 * @since 0.1.0
 */
export const relativePath = (from: string, target: string, path: Path.Path): string => {
  const relative = path.relative(from, target)
  if (relative === "") return "."
  const up = relative.split(path.sep).filter((segment) => segment === "..").length
  const depth = path.resolve(from).split(path.sep).filter((segment) => segment !== "").length
  if (up > 0 && up >= depth) return path.resolve(target)
  return relative.split(path.sep).join("/")
}

/**
 * The spec's relative local paths — `sourceDirectory`, `environment.build.context` and local
 * inputs (`Data.fromLocal`) — moved from `from` to `to`: each names the same file or folder when
 * read against `to`. Absolute paths are kept as they are. Output is POSIX-style (`/`), `.` for
 * `to` itself.
 *
 * @category utils
 * @since 0.1.0
 */
export const rebase = (spec: Estimator.Estimator, from: string, to: string, path: Path.Path): Estimator.Estimator => {
  const move = (p: string): string => (path.isAbsolute(p) ? p : relativePath(to, path.resolve(from, p), path))
  const build = spec.environment.build
  const inputs = Object.fromEntries(
    Object.entries(spec.inputs).map(([name, input]) =>
      [name, input._tag === "Data" && input.source._tag === "LocalPath" ? { ...input, source: { ...input.source, path: move(input.source.path) } } : input]
    )
  )
  return {
    ...spec,
    sourceDirectory: move(spec.sourceDirectory),
    environment: build === undefined ? spec.environment : { ...spec.environment, build: { ...build, context: move(build.context) } },
    inputs
  }
}

const entryLabel = (source: string, index: number | undefined): string =>
  index === undefined ? source : `${source}[${index}]`

const decodeEntries = (
  source: string,
  value: unknown
): { readonly isArray: boolean; readonly entries: ReadonlyArray<Entry> } => {
  const decodeOne = (item: unknown, index: number | undefined): Entry => {
    const result = Estimator.decode(item)
    const label = entryLabel(source, index)
    const decoded = result._tag === "Right" ? Either.right(result.right) : Either.left(result.left)
    return index === undefined ? { label, result: decoded } : { label, index, result: decoded }
  }
  return Array.isArray(value)
    ? { isArray: true, entries: value.map((item, index) => decodeOne(item, index)) }
    : { isArray: false, entries: [decodeOne(value, undefined)] }
}

/**
 * Every decoded spec of a load, or a {@link SpecDecodeError} listing every decode error of every
 * spec that failed.
 *
 * @category utils
 * @since 0.1.0
 */
export const specsOf = (loaded: Loaded): Either.Either<ReadonlyArray<Estimator.Estimator>, SpecDecodeError> => {
  const failures = loaded.entries.flatMap((entry) =>
    entry.result._tag === "Left" ? [{ label: entry.label, errors: entry.result.left }] : []
  )
  if (failures.length === 0) {
    return Either.right(loaded.entries.flatMap((entry) => (entry.result._tag === "Right" ? [entry.result.right] : [])))
  }
  const count = failures.reduce((n, f) => n + f.errors.length, 0)
  return Either.left(
    new SpecDecodeError({
      source: loaded.source,
      message: `${loaded.source} is not a well-formed spec (${count} problem${count === 1 ? "" : "s"})`,
      hint: "Fix each field listed above; `estimator schema` prints the JSON Schema of the spec.",
      failures
    })
  )
}

// -------------------------------------------------------------------------------------
// loading
// -------------------------------------------------------------------------------------

const errorMessage = (error: unknown): string => {
  if (error instanceof Error) return error.message
  if (typeof error === "string") return error
  try {
    return JSON.stringify(error) ?? String(error)
  } catch {
    return String(error)
  }
}

const moduleErrorHint = (message: string, file: string): string => {
  const missingPackage = /Cannot find (?:package|module) '([^']+)'/.exec(message)
  if (missingPackage !== null) {
    return `The module imports "${missingPackage[1]}", which cannot be found from ${file}. Spec modules resolve imports from their own folder: put the spec inside a project that depends on it (npm install ${missingPackage[1]}), or fix the import.`
  }
  if (/Transform failed|SyntaxError|Expected|Unexpected/.test(message)) {
    return "Fix the syntax error at the location shown."
  }
  return "The error comes from the module's own code while it was loading: fix it there (or set up what it expects), then run the command again."
}

/**
 * Where in the spec module an error was thrown (`throws.ts:4:9`), from the first stack frame in
 * that file; the stack itself is never shown.
 *
 * @category utils
 * @since 0.1.0
 */
export const throwSite = (error: unknown, file: string): string | undefined => {
  const stack = error instanceof Error ? error.stack : undefined
  if (stack === undefined) return undefined
  const url = pathToFileURL(file).href
  const name = file.split(/[\\/]/).pop() ?? file
  for (const line of stack.split("\n")) {
    for (const prefix of [url, file]) {
      const at = line.indexOf(`${prefix}:`)
      if (at === -1) continue
      const position = /^:(\d+):(\d+)/.exec(line.slice(at + prefix.length))
      if (position !== null) return `${name}:${position[1]}:${position[2]}`
    }
  }
  return undefined
}

const importModule = (source: string, file: string) =>
  Effect.tryPromise({
    try: () => specModule.importModule(file),
    catch: (error) => {
      const message = errorMessage(error)
      const site = throwSite(error, file)
      return new SpecModuleError({
        source,
        message: `${source} could not be loaded: ${message}${site === undefined ? "" : ` (thrown at ${site})`}`,
        hint: moduleErrorHint(message, file)
      })
    }
  })

const defaultExport = (namespace: unknown): unknown => {
  const value = (namespace as { default?: unknown }).default
  // A TypeScript or CommonJS module compiled to CommonJS exposes `module.exports` as the default.
  if (typeof value === "object" && value !== null && (value as { __esModule?: unknown }).__esModule === true) {
    return (value as { default?: unknown }).default
  }
  return value
}

const fromModule = (source: string, file: string) =>
  Effect.gen(function*() {
    const namespace = yield* importModule(source, file)
    const value = defaultExport(namespace)
    if (value === undefined) {
      const named = Object.entries(namespace as object)
        .filter(([name, v]) => name !== "default" && Estimator.isEstimator(v))
        .map(([name]) => name)
      return yield* new NotAnEstimator({
        source,
        message: `${source} has no default export`,
        hint: named.length > 0
          ? `It exports ${named.join(", ")} by name; add: export default ${named[0]}`
          : "Add: export default pipe(Estimator.make({ entryScript: \"train.py\" }), ...)"
      })
    }
    const items = Array.isArray(value) ? value : [value]
    const wrong = items.flatMap((item, index) => (Estimator.isEstimator(item) ? [] : [{ item, index }]))
    if (wrong.length > 0) {
      const first = wrong[0]!
      const where = Array.isArray(value)
        ? `elements ${wrong.map((w) => `[${w.index}]`).join(", ")} of the default export are not Estimators (the first is ${describeValue(first.item)})`
        : `the default export is ${describeValue(value)}, not an Estimator`
      return yield* new NotAnEstimator({ source, message: `${source}: ${where}`, hint: hintForValue(first.item) })
    }
    if (items.length === 0) {
      return yield* new EmptySpec({
        source,
        message: `${source} exports an empty array: there is no spec to use`,
        hint: "Export at least one Estimator."
      })
    }
    return decodeEntries(source, value)
  })

/**
 * The 1-based line and column of a character offset.
 *
 * @category utils
 * @since 0.1.0
 */
export const lineAndColumn = (text: string, offset: number): { readonly line: number; readonly column: number } => {
  const before = text.slice(0, Math.max(0, offset))
  const lines = before.split("\n")
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 }
}

const jsonProblem = (text: string, error: unknown): string => {
  const message = errorMessage(error)
  const position = /at position (\d+)/.exec(message)
  if (position === null || /\(line \d+ column \d+\)/.test(message)) return message
  const { line, column } = lineAndColumn(text, Number(position[1]))
  return `line ${line}, column ${column}: ${message}`
}

const parseJson = (source: string, text: string) =>
  Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: (error) =>
      new SpecSyntaxError({
        source,
        message: `${source} is not valid JSON`,
        hint: "Fix the JSON syntax at the line and column shown.",
        problems: [jsonProblem(text, error)]
      })
  })

const parseYaml = (source: string, text: string) =>
  Effect.gen(function*() {
    const { YAML } = yield* Effect.promise(() => import("./internal/yaml.js"))
    const lineCounter = new YAML.LineCounter()
    const document = YAML.parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter })
    if (document.errors.length > 0) {
      return yield* new SpecSyntaxError({
        source,
        message: `${source} is not valid YAML`,
        hint: "Fix the YAML syntax at the line and column shown.",
        problems: document.errors.map((error) => {
          const position = lineCounter.linePos(error.pos[0])
          return `line ${position.line}, column ${position.col}: ${error.message}`
        })
      })
    }
    return document.toJS() as unknown
  })

const fromData = (source: string, value: unknown) =>
  value === undefined || value === null || (Array.isArray(value) && value.length === 0)
    ? Effect.fail(
      new EmptySpec({
        source,
        message: `${source} holds no spec (${value === undefined || value === null ? "it is empty" : "an empty array"})`,
        hint: "Write a spec there: estimator export <your spec module> --format json prints one."
      })
    )
    : Effect.succeed(decodeEntries(source, value))

const readSpecFile = (source: string, file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const io = yield* Io
    const info = yield* fs.stat(file).pipe(
      Effect.mapError((error) =>
        new SpecNotReadable({
          source,
          message: error._tag === "SystemError" && error.reason === "NotFound"
            ? `spec file ${source} does not exist`
            : `cannot read spec file ${source}: ${error.message}`,
          hint: `Check the path; relative paths are resolved against the current directory (${io.cwd}).`
        })
      )
    )
    if (info.type !== "File") {
      return yield* new SpecNotReadable({
        source,
        message: `${source} is a ${info.type.toLowerCase()}, not a spec file`,
        hint: "Give the spec file itself (a .ts, .js, .mjs, .json or .yaml file)."
      })
    }
    return file
  })

/**
 * Load the `<spec>` argument: a module, a JSON or YAML file, or `-` for JSON on standard input.
 *
 * @category loading
 * @since 0.1.0
 */
export const load = (source: string): Effect.Effect<Loaded, SpecLoadError, FileSystem.FileSystem | Path.Path | Io> =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    const io = yield* Io
    const kind = kindOf(source)
    if (kind === "stdin") {
      const text = yield* io.stdin.pipe(
        Effect.mapError((error) =>
          new SpecNotReadable({
            source,
            message: `cannot read the spec from standard input: ${error.message}`,
            hint: "Pipe a JSON spec into the command: cat job.json | estimator validate -"
          })
        )
      )
      if (text.trim() === "") {
        return yield* new EmptySpec({
          source,
          message: "standard input is empty: there is no spec to read",
          hint: "Pipe a JSON spec into the command: cat job.json | estimator validate -"
        })
      }
      const value = yield* parseJson("<stdin>", text)
      const decoded = yield* fromData("<stdin>", value)
      return { source, baseDirectory: io.cwd, ...decoded }
    }
    const file = path.resolve(io.cwd, source)
    yield* readSpecFile(source, file)
    if (kind === undefined) {
      return yield* new UnsupportedSpecFile({
        source,
        message: `${source} is not a spec file the command can read (unknown extension)`,
        hint: "Give a .ts, .mts, .js or .mjs module whose default export is an Estimator, a .json, .yaml or .yml spec, or - for JSON on standard input."
      })
    }
    const baseDirectory = path.dirname(file)
    if (kind === "typescript" || kind === "javascript") {
      const decoded = yield* fromModule(source, file)
      return { source, file, baseDirectory, ...decoded }
    }
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError((error) =>
        new SpecNotReadable({ source, message: `cannot read spec file ${source}: ${error.message}`, hint: "Check the file's permissions." })
      )
    )
    const value = kind === "json" ? yield* parseJson(source, text) : yield* parseYaml(source, text)
    const decoded = yield* fromData(source, value)
    return { source, file, baseDirectory, ...decoded }
  })
