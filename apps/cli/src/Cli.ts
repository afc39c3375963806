/**
 * The `estimator` program as one Effect: parse the arguments, run the command, write its output,
 * and return the exit code (0 success, 1 invalid spec or input or a failed run, 2 usage error,
 * 130 a canceled run). Every failure, expected or not, ends as a message on standard error with
 * what went wrong and how to fix it, never as a stack trace. `--json` output is exactly one JSON
 * document on standard output.
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
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import * as Args from "./Args.js"
import { Io } from "./Io.js"
import * as Render from "./Render.js"
import * as SpecLoader from "./SpecLoader.js"
import * as AzureMlFiles from "./internal/azureMlFiles.js"
import * as RunView from "./internal/runView.js"
import * as Submit from "./internal/submit.js"

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
  /** The command did what was asked (a valid spec, a plan, an export, a run that completed). */
  Success: 0,
  /** The spec or another input is invalid or unreadable. */
  Invalid: 1,
  /** The run ended `Failed` (or could not be started or followed). */
  Failed: 1,
  /** The command line is wrong (unknown command or flag, missing argument). */
  Usage: 2,
  /** The run ended `Canceled` (Ctrl-C, `estimator cancel`, or its maximum duration). */
  Canceled: 130
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

/**
 * The azureml workspace (see submit's `Workspace.load`). `required`: a missing one fails (exit 1,
 * what is missing and how to provide it); otherwise only a named `--workspace` file must resolve,
 * and a workspace that is not configured at all leaves the plan its placeholders.
 */
const resolveWorkspace = (file: string | undefined, required: boolean) =>
  Effect.gen(function*() {
    const io = yield* Io
    const s = Render.style(io.stderrColour)
    return yield* Submit.loadWorkspace({ cwd: io.cwd, env: io.env, ...(file === undefined ? {} : { file }) }).pipe(
      Effect.catchAll((error) => {
        if (required || file !== undefined) return Effect.fail(invalid(error.message))
        const note = error.partial
          ? io.stderr(`${s.yellow("warning")}: ${error.message} The plan keeps the workspace placeholders.\n`)
          : Effect.void
        return Effect.as(note, undefined)
      })
    )
  })

const plan = (invocation: Extract<Args.Invocation, { _tag: "Plan" }>) =>
  Effect.gen(function*() {
    const io = yield* Io
    const { loaded, specs } = yield* loadSpecs(invocation.spec)
    yield* requireValid(loaded, specs, "plan")
    const workspace = invocation.backend === "azureml" ? yield* resolveWorkspace(invocation.workspace, false) : undefined
    const path = yield* Path.Path
    const context: Submit.PlanContext = {
      baseDirectory: loaded.baseDirectory,
      runsDirectory: yield* Submit.runsRoot(io.cwd, io.env),
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

/**
 * The spec's conda and requirements files, read from its source directory (relative to the spec's
 * folder) and keyed by the path as the spec writes it, as plans key them. A missing one is exit 1.
 */
const environmentFiles = (spec: Estimator.Estimator, baseDirectory: string, label: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const files: Record<string, string> = {}
    const named = [
      ["environment.condaFile", spec.environment.condaFile],
      ["environment.pipRequirementsFile", spec.environment.pipRequirementsFile]
    ] as const
    for (const [field, relative] of named) {
      if (relative === undefined) continue
      const absolute = path.resolve(baseDirectory, spec.sourceDirectory, relative)
      files[relative] = yield* fs.readFileString(absolute).pipe(
        Effect.mapError((error) =>
          invalid(
            error._tag === "SystemError" && error.reason === "NotFound"
              ? `${label}: ${field} ${relative} does not exist (looked for ${absolute})`
              : `${label}: cannot read ${field} ${absolute}: ${error.message}`,
            `Create the file, or fix ${field}: it is relative to the source directory (${path.resolve(baseDirectory, spec.sourceDirectory)}).`
          )
        )
      )
    }
    return files
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
      Effect.flatMap(environmentFiles(specs[index] ?? spec, loaded.baseDirectory, labelOf(loaded, index)), (files) =>
        Submit.toAzureMlYaml(spec, files).pipe(Effect.catchAll((error) => rejected(error, labelOf(loaded, index))))))
    yield* io.stdout(documents.map((d) => (d.endsWith("\n") ? d : `${d}\n`)).join("---\n"))
    return ExitCode.Success
  })

type ImportInvocation = Extract<Args.Invocation, { _tag: "Import" }>

/** The text to import and the folder its relative paths start from (the current directory for standard input). */
const readImportText = (invocation: ImportInvocation, what: string) =>
  Effect.gen(function*() {
    const io = yield* Io
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const absolute = invocation.file === "-" ? undefined : path.resolve(io.cwd, invocation.file)
    const text = absolute === undefined
      ? yield* io.stdin.pipe(Effect.mapError((e) => invalid(`cannot read standard input: ${e.message}`, `Pipe the ${what} into the command, or give its file.`)))
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
    return {
      text,
      directory: absolute === undefined ? io.cwd : path.dirname(absolute),
      source: absolute === undefined ? "<stdin>" : invocation.file
    }
  })

const importAzureMlYaml = (invocation: ImportInvocation) =>
  Effect.gen(function*() {
    const io = yield* Io
    const path = yield* Path.Path
    const { text, directory: yamlDirectory, source } = yield* readImportText(invocation, "YAML")
    const files = yield* AzureMlFiles.read(text, yamlDirectory)
    const relativeBase = SpecLoader.relativePath(io.cwd, yamlDirectory, path)
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
      Effect.catchAll((error) =>
        invocation.json
          ? printJson({ errors: error.problems, warnings: error.warnings }).pipe(Effect.zipRight(invalid(error.message, error.hint)))
          : rejected(error, source)
      )
    )
    const spec = imported.spec
    const warnings = [...imported.warnings, ...Validation.validate(spec)]
    if (invocation.json) {
      yield* printJson({ spec: Estimator.encode(spec), warnings })
      return ExitCode.Success
    }
    if (warnings.length > 0) yield* io.stderr(Render.problems(source, warnings, Render.style(io.stderrColour)))
    yield* printJson(Estimator.encode(spec))
    return ExitCode.Success
  })

const importV1 = (invocation: ImportInvocation) =>
  Effect.gen(function*() {
    const io = yield* Io
    const path = yield* Path.Path
    const { text, directory, source } = yield* readImportText(invocation, "JSON of the v1 call")
    const V1Import = yield* Effect.promise(() => import("@estimator/frameworks/V1Import"))
    const s = Render.style(io.stderrColour)
    const imported = V1Import.fromJson(text)
    if (imported._tag === "Left") {
      const { errors, warnings } = imported.left
      if (invocation.json) yield* printJson({ errors, warnings })
      else yield* io.stderr(Render.problems(source, [...errors, ...warnings], s))
      return yield* invalid(
        `${source} is not a v1 estimator call`,
        "Write the call as JSON, { \"class\": \"Estimator\", \"args\": { ... } }, or a JSON array of such calls (see packages/frameworks/docs/v1-migration.md)."
      )
    }
    const { batch, results } = imported.right
    if (results.length === 0) {
      return yield* invalid(`${source} is an empty list: there is no v1 call to import`, "Put at least one call in the list: [{ \"class\": \"Estimator\", \"args\": { ... } }].")
    }
    // The call's paths (source_directory) are relative to the folder of the file; written out
    // relative to the current directory, where the spec is expected to be saved.
    const outcomes = results.map((result) =>
      result._tag === "Right"
        ? { spec: Estimator.encode(SpecLoader.rebase(result.right.spec, directory, io.cwd, path)), errors: [], warnings: result.right.warnings }
        : { spec: undefined, errors: result.left.errors, warnings: result.left.warnings }
    )
    const failed = outcomes.flatMap((outcome, index) => (outcome.spec === undefined ? [index] : []))
    const label = (index: number) => (batch ? `${source}[${index}]` : source)
    if (invocation.json) {
      const documents = outcomes.map((o) => (o.spec === undefined ? { errors: o.errors, warnings: o.warnings } : { spec: o.spec, warnings: o.warnings }))
      yield* printJson(batch ? documents : documents[0])
    } else {
      for (const [index, outcome] of outcomes.entries()) {
        const issues = [...outcome.errors, ...outcome.warnings]
        if (issues.length > 0) yield* io.stderr(Render.problems(label(index), issues, s))
      }
      if (failed.length === 0) yield* printJson(batch ? outcomes.map((o) => o.spec) : outcomes[0]?.spec)
    }
    if (failed.length === 0) return ExitCode.Success
    return yield* invalid(
      batch
        ? `${failed.length} of ${results.length} v1 calls in ${source} cannot be imported (${failed.map((i) => `[${i}]`).join(", ")})${invocation.json ? "" : ", so no spec is printed"}`
        : `${source} cannot be imported: v1 rejects the call`,
      "Fix each argument listed with its path (errors are what v1 itself raised, or what the spec cannot hold), then import again."
    )
  })

const importFile = (invocation: ImportInvocation) =>
  invocation.from === "v1" ? importV1(invocation) : importAzureMlYaml(invocation)

// -------------------------------------------------------------------------------------
// running
// -------------------------------------------------------------------------------------

const fromRunFailed = (error: Submit.RunFailed, details?: ReadonlyArray<string>): CommandFailed =>
  new CommandFailed({ exitCode: ExitCode.Failed, message: error.message, ...(details === undefined ? {} : { details }) })

const exitCodeOf = (status: string): ExitCode =>
  status === "Completed" ? ExitCode.Success : status === "Canceled" ? ExitCode.Canceled : ExitCode.Failed

/**
 * Shows azureml upload progress: on a terminal one line updated in place per upload, else one
 * line when each upload is done. The lines name no account, container, key or SAS.
 */
const uploadReporter = (io: Io["Type"], write: (text: string) => void) => {
  const finished = new Set<string>()
  return (progress: Submit.UploadProgress): void => {
    if (finished.has(progress.field)) return
    const done = RunView.uploadDone(progress)
    if (done) finished.add(progress.field)
    if (io.stderrTerminal) write(`\r\u001b[2K${RunView.uploadLine(progress)}${done ? "\n" : ""}`)
    else if (done) write(`${RunView.uploadLine(progress)}\n`)
  }
}

const runSpec = (invocation: Extract<Args.Invocation, { _tag: "Run" }>) =>
  Effect.gen(function*() {
    const io = yield* Io
    const path = yield* Path.Path
    const s = Render.style(io.stderrColour)
    const { loaded, specs } = yield* loadSpecs(invocation.spec)
    const [only] = specs
    if (only === undefined || specs.length > 1) {
      return yield* invalid(
        `${loaded.source} holds ${specs.length} specs; estimator run runs one`,
        "Export a single spec from the module (or write one spec per JSON file), then run it."
      )
    }
    yield* requireValid(loaded, specs, "run")
    const workspace = invocation.backend === "azureml" ? yield* resolveWorkspace(invocation.workspace, true) : undefined
    const root = yield* Submit.runsRoot(io.cwd, io.env)
    // Docker and azureml report progress through callbacks: written in this program's runtime.
    const runSync = Runtime.runSync(yield* Effect.runtime<never>())
    const runner = yield* Submit.runner(invocation.backend, {
      runsDirectory: root,
      env: io.env,
      foreground: !invocation.detach,
      onProgress: (step) => runSync(io.stderr(RunView.progress(step, s))),
      onUploadProgress: uploadReporter(io, (text) => runSync(io.stderr(text)))
    })
    const spec = SpecLoader.resolveSourceDirectory(only, loaded.baseDirectory, path)
    const context: Submit.PlanContext = { baseDirectory: loaded.baseDirectory, runsDirectory: root, ...(workspace === undefined ? {} : { workspace }) }
    const planned = yield* runner.plan(spec, context).pipe(
      Effect.catchAll((error) => rejected(error, loaded.source))
    )
    const warnings = planned.envelope.warnings as ReadonlyArray<Render.Problem>
    if (warnings.length > 0) yield* io.stderr(Render.problems(loaded.source, warnings, s))
    const runId = planned.plan.run.runId
    const record = Submit.readRecord(root, runId).pipe(Effect.map((r) => RunView.summary(r)))
    const handle = yield* runner.execute(planned.plan).pipe(
      Effect.mapError((error) => fromRunFailed(error, [`run ${runId} did not start; its record is in ${planned.plan.run.runDirectory}`]))
    )
    if (invocation.detach) {
      const started = yield* record.pipe(Effect.mapError((error) => fromRunFailed(error)))
      if (invocation.json) {
        yield* printJson(started)
      } else {
        yield* io.stdout(`${handle.runId}\n`)
        yield* io.stderr(
          `run ${handle.runId} is ${started.status} on ${handle.backend}; follow it with: estimator logs ${handle.runId} --follow\n`
        )
      }
      return ExitCode.Success
    }
    const remote = handle.backend === "azureml"
    yield* io.stderr(
      s.dim(`run ${handle.runId} on ${handle.backend}: the job's output follows (${remote ? "Ctrl-C stops following; the job goes on" : "Ctrl-C cancels the run"})\n`)
    )
    const write = invocation.json ? io.stderr : io.stdout
    const followLogs = runner.logs(handle.runId, true).pipe(
      Stream.runForEach((line) => write(`${line}\n`)),
      Effect.catchAll((error) => io.stderr(`${s.yellow("warning")}: the job's output cannot be followed: ${error.message}\n`))
    )
    const [, final] = yield* Effect.all([followLogs, runner.wait(handle.runId)], { concurrency: 2 }).pipe(
      Effect.mapError((error) => fromRunFailed(error)),
      Effect.onInterrupt(() =>
        io.stderr(
          remote
            ? `\nstopped following run ${handle.runId}; the job goes on in Azure ML: estimator status ${handle.runId}, or estimator cancel ${handle.runId}\n`
            : `\nrun ${handle.runId} ${s.yellow("Canceled")} (interrupted); its logs and outputs are kept in ${handle.runDirectory}\n`
        )
      )
    )
    const ended = yield* record.pipe(Effect.orElseSucceed(() => undefined))
    if (invocation.json) {
      yield* printJson(ended ?? { runId: handle.runId, backend: handle.backend, status: final.status, runDirectory: handle.runDirectory })
    } else if (ended !== undefined) {
      yield* io.stderr(RunView.ended(ended, s))
    } else {
      yield* io.stderr(`run ${handle.runId} ${final.status}\n`)
    }
    return exitCodeOf(final.status)
  })

/** The run store, the record of `runId` and the runner of its backend. */
const existingRun = (runId: string) =>
  Effect.gen(function*() {
    const io = yield* Io
    const root = yield* Submit.runsRoot(io.cwd, io.env)
    const record = yield* Submit.readRecord(root, runId).pipe(Effect.mapError((error) => fromRunFailed(error)))
    if (record.backend !== "local" && record.backend !== "docker" && record.backend !== "azureml") {
      return yield* invalid(
        `run ${runId} ran on ${record.backend}, which this version of estimator cannot follow`,
        `Its record is in ${record.runDirectory}.`
      )
    }
    const runner = yield* Submit.runner(record.backend, { runsDirectory: root, env: io.env })
    return { root, record, runner }
  })

const runStatus = (invocation: Extract<Args.Invocation, { _tag: "Status" }>) =>
  Effect.gen(function*() {
    const io = yield* Io
    const { root, runner } = yield* existingRun(invocation.runId)
    // The backend's status notices a job whose supervisor or container ended unrecorded.
    yield* runner.status(invocation.runId).pipe(Effect.mapError((error) => fromRunFailed(error)))
    const run = RunView.summary(yield* Submit.readRecord(root, invocation.runId).pipe(Effect.mapError((error) => fromRunFailed(error))))
    if (invocation.json) yield* printJson(run)
    else yield* io.stdout(RunView.details(run, Render.style(io.stdoutColour)))
    return ExitCode.Success
  })

const runLogs = (invocation: Extract<Args.Invocation, { _tag: "Logs" }>) =>
  Effect.gen(function*() {
    const io = yield* Io
    const { runner } = yield* existingRun(invocation.runId)
    yield* runner.logs(invocation.runId, invocation.follow).pipe(
      Stream.runForEach((line) => io.stdout(`${line}\n`)),
      Effect.mapError((error) => fromRunFailed(error))
    )
    return ExitCode.Success
  })

const runCancel = (invocation: Extract<Args.Invocation, { _tag: "Cancel" }>) =>
  Effect.gen(function*() {
    const io = yield* Io
    const s = Render.style(io.stdoutColour)
    const { root, record, runner } = yield* existingRun(invocation.runId)
    if (Submit.isTerminal(record.status)) {
      yield* io.stdout(`run ${invocation.runId} had already ended: ${RunView.statusLine(RunView.summary(record), s)}\n`)
      return ExitCode.Success
    }
    const status = yield* runner.cancel(invocation.runId).pipe(Effect.mapError((error) => fromRunFailed(error)))
    const run = RunView.summary(yield* Submit.readRecord(root, invocation.runId).pipe(Effect.mapError((error) => fromRunFailed(error))))
    if (!Submit.isTerminal(status.status)) {
      return yield* new CommandFailed({
        exitCode: ExitCode.Failed,
        message: `run ${invocation.runId} was asked to cancel but is still ${status.status}`,
        hint: `Check it with: estimator status ${invocation.runId}; its processes may need to be stopped by hand.`
      })
    }
    yield* io.stdout(`run ${invocation.runId} ${RunView.statusLine(run, s)}\n`)
    return ExitCode.Success
  })

const listRuns = (invocation: Extract<Args.Invocation, { _tag: "Runs" }>) =>
  Effect.gen(function*() {
    const io = yield* Io
    const root = yield* Submit.runsRoot(io.cwd, io.env)
    const records = yield* Submit.listRecords(root).pipe(Effect.mapError((error) => fromRunFailed(error)))
    // A run that looks unfinished is asked for its status, which records an end nobody recorded.
    const current = yield* Effect.forEach(records, (record) =>
      // azureml runs are not asked: listing never goes to the network (estimator status <id> does).
      Submit.isTerminal(record.status) || (record.backend !== "local" && record.backend !== "docker")
        ? Effect.succeed(record)
        : Submit.runner(record.backend, { runsDirectory: root }).pipe(
          Effect.flatMap((runner) => runner.status(record.runId)),
          Effect.zipRight(Submit.readRecord(root, record.runId)),
          Effect.orElseSucceed(() => record)
        ))
    const runs = current.map((record) => RunView.summary(record))
    if (invocation.json) yield* printJson(runs)
    else yield* io.stdout(RunView.table(runs, Render.style(io.stdoutColour)))
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
    case "Run":
      return runSpec(invocation)
    case "Status":
      return runStatus(invocation)
    case "Logs":
      return runLogs(invocation)
    case "Cancel":
      return runCancel(invocation)
    case "Runs":
      return listRuns(invocation)
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
