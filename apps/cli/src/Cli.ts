/**
 * The `estimator` program as one Effect: parse the arguments, run the command, write its output,
 * and return the exit code (0 success, 1 invalid spec or input, 2 usage error). Every failure,
 * expected or not, ends as a message on standard error with what went wrong and how to fix it,
 * never as a stack trace. `--json` output is exactly one JSON document on standard output.
 *
 * @since 0.1.0
 */
import { Estimator, JsonSchema, Validation } from "@estimator/core"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Args from "./Args.js"
import { Io } from "./Io.js"
import * as Render from "./Render.js"
import * as SpecLoader from "./SpecLoader.js"
import * as AzureMlFiles from "./internal/azureMlFiles.js"
import * as Submit from "./internal/submit.js"
import * as Workspace from "./internal/workspace.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The exit codes of every command.
 *
 * @category models
 * @since 0.1.0
 */
export const ExitCode = {
  /** The command did what was asked (a valid spec, a plan, an export). */
  Success: 0,
  /** The spec or another input is invalid or unreadable. */
  Invalid: 1,
  /** The command line is wrong (unknown command or flag, missing argument). */
  Usage: 2
} as const

/**
 * @category models
 * @since 0.1.0
 */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/**
 * A command stopped: the message for standard error and the exit code.
 *
 * @category errors
 * @since 0.1.0
 */
export class CommandFailed extends Data.TaggedError("CommandFailed")<{
  readonly exitCode: ExitCode
  readonly message: string
  readonly details?: ReadonlyArray<string>
  readonly hint?: string
}> {}

/**
 * What the commands need from the environment.
 *
 * @category models
 * @since 0.1.0
 */
export type Requirements = Io | FileSystem.FileSystem | Path.Path

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

const invalid = (message: string, hint?: string, details?: ReadonlyArray<string>): CommandFailed =>
  new CommandFailed({
    exitCode: ExitCode.Invalid,
    message,
    ...(hint === undefined ? {} : { hint }),
    ...(details === undefined ? {} : { details })
  })

const printJson = (value: unknown) =>
  Effect.flatMap(Io, (io) => io.stdout(`${JSON.stringify(value, null, 2)}\n`))

const fromLoadError = (error: SpecLoader.SpecLoadError | SpecLoader.SpecDecodeError): CommandFailed => {
  switch (error._tag) {
    case "SpecSyntaxError":
      return invalid(error.message, error.hint, error.problems)
    case "SpecDecodeError":
      return invalid(
        error.message,
        error.hint,
        error.failures.flatMap((failure) =>
          failure.errors.map((e) => `${failure.label}: ${e.path === "" ? "(spec)" : e.path}: ${e.message}`)
        )
      )
    default:
      return invalid(error.message, error.hint)
  }
}

/** Print a rejection's problems and warnings, then fail with its message. */
const rejected = (error: Submit.SubmitRejected, source: string) =>
  Effect.gen(function*() {
    const io = yield* Io
    const s = Render.style(io.stderrColour)
    yield* io.stderr(Render.problems(source, [...error.problems, ...error.warnings], s))
    return yield* invalid(error.message, error.hint)
  })

const loadSpecs = (source: string) =>
  SpecLoader.load(source).pipe(
    Effect.flatMap((loaded) =>
      Either.match(SpecLoader.specsOf(loaded), {
        onLeft: (error) => Effect.fail(error),
        onRight: (specs) => Effect.succeed({ loaded, specs })
      })
    ),
    Effect.mapError(fromLoadError)
  )

const labelOf = (loaded: SpecLoader.Loaded, index: number): string =>
  loaded.isArray ? `${loaded.source}[${index}]` : loaded.source

/** Fail when any spec has validation errors, after printing every issue of every spec. */
const requireValid = (loaded: SpecLoader.Loaded, specs: ReadonlyArray<Estimator.Estimator>, action: string) =>
  Effect.gen(function*() {
    const io = yield* Io
    const s = Render.style(io.stderrColour)
    const reports = specs.map((spec, index) => ({ label: labelOf(loaded, index), issues: Validation.validate(spec) }))
    const bad = reports.filter((r) => Validation.hasErrors(r.issues))
    if (bad.length === 0) return
    for (const report of bad) yield* io.stderr(Render.validation(report.label, report.issues, s))
    return yield* invalid(
      `${bad.map((r) => r.label).join(", ")} ${bad.length === 1 ? "is" : "are"} not valid, so there is nothing to ${action}`,
      "Fix the errors listed above (estimator validate shows them too), then run the command again."
    )
  })

// -------------------------------------------------------------------------------------
// commands
// -------------------------------------------------------------------------------------

const validate = (invocation: Extract<Args.Invocation, { _tag: "Validate" }>) =>
  Effect.gen(function*() {
    const io = yield* Io
    const loaded = yield* SpecLoader.load(invocation.spec).pipe(Effect.mapError(fromLoadError))
    const reports = loaded.entries.map((entry) => {
      const issues = Either.match(entry.result, {
        onLeft: (errors) => errors.map(Render.decodeIssue),
        onRight: (spec) => Validation.validate(spec)
      })
      return { label: entry.label, issues }
    })
    const valid = reports.every((r) => !Validation.hasErrors(r.issues))
    if (invocation.json) {
      const documents = reports.map((r) => ({
        spec: r.label,
        valid: !Validation.hasErrors(r.issues),
        errors: Validation.errors(r.issues).length,
        warnings: Validation.warnings(r.issues).length,
        issues: r.issues
      }))
      yield* printJson(loaded.isArray ? documents : documents[0])
    } else {
      const s = Render.style(io.stdoutColour)
      yield* io.stdout(reports.map((r) => Render.validation(r.label, r.issues, s)).join("\n"))
    }
    return valid ? ExitCode.Success : ExitCode.Invalid
  })

const readWorkspace = (file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const io = yield* Io
    const absolute = path.resolve(io.cwd, file)
    const text = yield* fs.readFileString(absolute).pipe(
      Effect.mapError((error) =>
        invalid(
          error._tag === "SystemError" && error.reason === "NotFound"
            ? `workspace file ${file} does not exist`
            : `cannot read workspace file ${file}: ${error.message}`,
          "Give the config.json of your Azure ML workspace (download it from the workspace's overview page in the Azure portal)."
        )
      )
    )
    return yield* Either.match(Workspace.parse(text), {
      onLeft: (problems) =>
        Effect.fail(invalid(`${file} is not an Azure ML workspace config`, Workspace.hint, problems)),
      onRight: Effect.succeed
    })
  })

const plan = (invocation: Extract<Args.Invocation, { _tag: "Plan" }>) =>
  Effect.gen(function*() {
    const io = yield* Io
    const { loaded, specs } = yield* loadSpecs(invocation.spec)
    yield* requireValid(loaded, specs, "plan")
    const workspace = invocation.workspace === undefined ? undefined : yield* readWorkspace(invocation.workspace)
    const path = yield* Path.Path
    const context: Submit.PlanContext = {
      baseDirectory: loaded.baseDirectory,
      runsDirectory: path.join(io.cwd, ".estimator", "runs"),
      ...(workspace === undefined ? {} : { workspace })
    }
    const envelopes = yield* Effect.forEach(specs, (spec, index) =>
      Submit.plan(SpecLoader.resolveSourceDirectory(spec, loaded.baseDirectory, path), invocation.backend, context).pipe(
        Effect.catchAll((error) => rejected(error, labelOf(loaded, index)))
      ))
    if (invocation.format === "json") {
      yield* printJson(loaded.isArray ? envelopes : envelopes[0])
    } else {
      const s = Render.style(io.stdoutColour)
      const trees = specs.map((spec, index) =>
        Render.plan(spec, envelopes[index] ?? { backend: invocation.backend, warnings: [] }, s, loaded.isArray ? labelOf(loaded, index) : undefined)
      )
      yield* io.stdout(trees.join("\n"))
    }
    return ExitCode.Success
  })

const exportSpec = (invocation: Extract<Args.Invocation, { _tag: "Export" }>) =>
  Effect.gen(function*() {
    const io = yield* Io
    const path = yield* Path.Path
    const { loaded, specs } = yield* loadSpecs(invocation.spec)
    yield* requireValid(loaded, specs, "export")
    const portable = specs.map((spec) => SpecLoader.rebase(spec, loaded.baseDirectory, io.cwd, path))
    if (invocation.format === "json") {
      yield* printJson(loaded.isArray ? portable.map(Estimator.encode) : Estimator.encode(portable[0]!))
      return ExitCode.Success
    }
    const documents = yield* Effect.forEach(portable, (spec, index) =>
      Submit.toAzureMlYaml(spec).pipe(Effect.catchAll((error) => rejected(error, labelOf(loaded, index)))))
    yield* io.stdout(documents.map((d) => (d.endsWith("\n") ? d : `${d}\n`)).join("---\n"))
    return ExitCode.Success
  })

const importFile = (invocation: Extract<Args.Invocation, { _tag: "Import" }>) =>
  Effect.gen(function*() {
    if (invocation.from === "v1") {
      return yield* new CommandFailed({
        exitCode: ExitCode.Usage,
        message: "import --from v1 is not implemented yet in this version of estimator",
        hint: "Only --from azureml-yaml is available for now; v1 estimator calls will be importable in a later release."
      })
    }
    const io = yield* Io
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const absolute = invocation.file === "-" ? undefined : path.resolve(io.cwd, invocation.file)
    const text = absolute === undefined
      ? yield* io.stdin.pipe(Effect.mapError((e) => invalid(`cannot read standard input: ${e.message}`, "Pipe the YAML into the command, or give its file.")))
      : yield* fs.readFileString(absolute).pipe(
        Effect.mapError((error) =>
          invalid(
            error._tag === "SystemError" && error.reason === "NotFound"
              ? `${invocation.file} does not exist`
              : `cannot read ${invocation.file}: ${error.message}`,
            `Check the path; relative paths are resolved against the current directory (${io.cwd}).`
          )
        )
      )
    const yamlDirectory = absolute === undefined ? io.cwd : path.dirname(absolute)
    const files = yield* AzureMlFiles.read(text, yamlDirectory)
    const relativeBase = SpecLoader.relativePath(io.cwd, yamlDirectory, path)
    const source = absolute === undefined ? "<stdin>" : invocation.file
    // Paths come out relative to the current directory; when the YAML's folder cannot be named
    // that way (a conda file outside a source directory above it), they come out absolute.
    const imported = yield* Submit.fromAzureMlYaml(text, { files, baseDirectory: relativeBase }).pipe(
      Effect.catchIf(
        (error) => error.problems.some((p) => p.code === "path-not-expressible"),
        () => Submit.fromAzureMlYaml(text, { files, baseDirectory: yamlDirectory })
      ),
      Effect.mapError((error) =>
        new Submit.SubmitRejected({
          message: error.message,
          ...(error.hint === undefined ? {} : { hint: error.hint }),
          warnings: error.warnings,
          problems: error.problems.map((p) => (p.code === "file-not-found" ? { ...p, hint: AzureMlFiles.missingFileHint(yamlDirectory) } : p))
        })
      ),
      Effect.catchAll((error) => rejected(error, source))
    )
    const spec = imported.spec
    const warnings = [...imported.warnings, ...Validation.validate(spec)]
    if (warnings.length > 0) yield* io.stderr(Render.problems(source, warnings, Render.style(io.stderrColour)))
    yield* printJson(Estimator.encode(spec))
    return ExitCode.Success
  })

const schema = printJson(JsonSchema.estimator()).pipe(Effect.as(ExitCode.Success))

/** The version in this package's package.json, found by walking up from this module (built or bundled). */
const version = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const io = yield* Io
  let directory = path.dirname(yield* path.fromFileUrl(new URL(import.meta.url)))
  while (true) {
    const file = path.join(directory, "package.json")
    if (yield* fs.exists(file)) {
      const manifest = JSON.parse(yield* fs.readFileString(file)) as { readonly name?: string; readonly version?: string }
      if (manifest.name === "@estimator/cli" && manifest.version !== undefined) {
        yield* io.stdout(`${manifest.version}\n`)
        return ExitCode.Success
      }
    }
    const parent = path.dirname(directory)
    if (parent === directory) return yield* invalid("cannot find the package.json of @estimator/cli to read the version")
    directory = parent
  }
}).pipe(Effect.catchTag("SystemError", "BadArgument", (error) => Effect.fail(invalid(`cannot read the version: ${error.message}`))))

const dispatch = (invocation: Args.Invocation): Effect.Effect<ExitCode, CommandFailed, Requirements> => {
  switch (invocation._tag) {
    case "Help":
      return Effect.flatMap(Io, (io) => io.stdout(Args.help(invocation.command))).pipe(Effect.as(ExitCode.Success))
    case "Version":
      return version
    case "Validate":
      return validate(invocation)
    case "Plan":
      return plan(invocation)
    case "Export":
      return exportSpec(invocation)
    case "Import":
      return importFile(invocation)
    case "Schema":
      return schema
  }
}

// -------------------------------------------------------------------------------------
// program
// -------------------------------------------------------------------------------------

const report = (failure: Render.Failure) =>
  Effect.flatMap(Io, (io) => io.stderr(Render.failure(failure, Render.style(io.stderrColour))))

const defectMessage = (cause: Cause.Cause<unknown>): string => {
  const defect = Cause.squash(cause)
  return defect instanceof Error ? defect.message : String(defect)
}

/**
 * Run the command line `argv` (the arguments after the program name) and return the exit code.
 * Never fails: every error has been written to standard error by then.
 *
 * @example
 * Cli.run(["validate", "job.ts", "--json"]).pipe(Effect.provide(layers))
 *
 * @category program
 * @since 0.1.0
 */
export const run = (argv: ReadonlyArray<string>): Effect.Effect<ExitCode, never, Requirements> => {
  const parsed = Args.parse(argv)
  if (parsed._tag === "Error") {
    const { error } = parsed
    return report({ message: error.message, hint: error.hint }).pipe(Effect.as(ExitCode.Usage))
  }
  return dispatch(parsed.invocation).pipe(
    Effect.catchTag("CommandFailed", (failure) =>
      report({
        message: failure.message,
        ...(failure.details === undefined ? {} : { details: failure.details }),
        ...(failure.hint === undefined ? {} : { hint: failure.hint })
      }).pipe(Effect.as(failure.exitCode))),
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.succeed(ExitCode.Invalid)
        : report({
          message: `unexpected internal error: ${defectMessage(cause)}`,
          hint: "This is a bug in estimator, not in your spec. Please report it with the command you ran."
        }).pipe(Effect.as(ExitCode.Invalid)))
  )
}
