/**
 * A test kit for code that plans and runs specs, with no side effects:
 *
 * - {@link recording}: a `Backend` layer that plans with a real planner over an in-memory file
 *   system, "executes" by recording the plan (the run completes at once), and lets the test read
 *   every call it received.
 * - {@link fileSystem}: an in-memory, read-only `FileSystem` layer (optionally treating every
 *   unknown path as existing), for plans that read the spec's files.
 * - {@link arbitraries}: fast-check arbitraries of specs that pass `Validation.validate` without
 *   errors (conda and requirements files, when used, are named {@link arbitraries.CONDA_FILE} and
 *   {@link arbitraries.REQUIREMENTS_FILE}; strings never hold NUL).
 * - {@link planAll}: every backend's plan envelope, or its plan error, for snapshot tests.
 *
 * @since 0.1.0
 */
import { type Estimator, Function as CoreFunction } from "@estimator/core"
import { Error as PlatformError, FileSystem } from "@effect/platform"
import { Clock, Effect, Either, Exit, Layer, Option, Ref, Stream } from "effect"
import * as path from "node:path"
import * as AzureMl from "./AzureMl.js"
import * as Backend from "./Backend.js"
import * as Docker from "./Docker.js"
import * as DryRun from "./DryRun.js"
import * as internalArbitraries from "./internal/arbitraries.js"
import * as paths from "./internal/paths.js"
import * as Local from "./Local.js"
import * as Plan from "./Plan.js"
import * as PlanError from "./PlanError.js"

// -------------------------------------------------------------------------------------
// file system
// -------------------------------------------------------------------------------------

/**
 * Options of {@link fileSystem}.
 *
 * @category models
 * @since 0.1.0
 */
export interface FileSystemOptions {
  /** File contents by path (relative paths are resolved against the process's directory). */
  readonly files?: { readonly [path: string]: string }
  /**
   * Treat every path not in `files` as existing: a file when its name has an extension, else a
   * directory (default `false`). Reading an unknown file still fails with `NotFound`.
   */
  readonly assumeExists?: boolean
}

const notFound = (method: string, target: string): PlatformError.PlatformError => {
  // The fields are valid by construction: skip the schema check. A missing file is an answer, not
  // a fault, so the error carries no stack (capturing one is most of its cost); the limit is
  // restored at once.
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return new PlatformError.SystemError({ reason: "NotFound", module: "FileSystem", method, pathOrDescriptor: target, description: "no such file or directory" }, { disableValidation: true })
  } finally {
    Error.stackTraceLimit = limit
  }
}

const info = (type: FileSystem.File.Type, size: number): FileSystem.File.Info => ({
  type,
  mtime: Option.none(),
  atime: Option.none(),
  birthtime: Option.none(),
  dev: 0,
  ino: Option.none(),
  mode: type === "Directory" ? 0o755 : 0o644,
  nlink: Option.none(),
  uid: Option.none(),
  gid: Option.none(),
  rdev: Option.none(),
  size: FileSystem.Size(size),
  blksize: Option.none(),
  blocks: Option.none()
})

/**
 * An in-memory, read-only `FileSystem` with these files (their folders exist too). Only the
 * reading operations are implemented (`exists`, `stat`, `readFile`, `readFileString`,
 * `readDirectory`); the others fail.
 *
 * @example
 * Testing.fileSystem({ files: { "/project/src/train.py": "print('hi')" } })
 *
 * @category layers
 * @since 0.1.0
 */
export const fileSystem = (options: FileSystemOptions = {}): Layer.Layer<FileSystem.FileSystem> => {
  const files = new Map(Object.entries(options.files ?? {}).map(([file, content]) => [path.resolve(file), content]))
  const directories = new Set<string>()
  for (const file of files.keys()) {
    for (let dir = path.dirname(file); !directories.has(dir); dir = path.dirname(dir)) {
      directories.add(dir)
      if (dir === path.dirname(dir)) break
    }
  }
  const kind = (absolute: string): "File" | "Directory" | undefined => {
    if (files.has(absolute)) return "File"
    if (directories.has(absolute)) return "Directory"
    if (options.assumeExists === true) return path.extname(absolute) === "" ? "Directory" : "File"
    return undefined
  }
  // A missing path gets the same error every time it is asked for (a value: sharing it is safe).
  // Failures are exits, as answers are: a planner goes on at once, without a fiber step.
  const missingFor = (method: string) => CoreFunction.memoizeString((target: string) => Exit.fail(notFound(method, target)))
  const missing = { stat: missingFor("stat"), readFile: missingFor("readFile"), readFileString: missingFor("readFileString") }
  const directoryInfo = Effect.succeed(info("Directory", 0))
  const emptyFileInfo = Effect.succeed(info("File", 0))
  const read = (method: "readFile" | "readFileString", target: string): Effect.Effect<string, PlatformError.PlatformError> => {
    const content = files.get(paths.absolute(target))
    return content === undefined ? missing[method](target) : Effect.succeed(content)
  }
  return FileSystem.layerNoop({
    exists: (target) => Effect.succeed(kind(paths.absolute(target)) !== undefined),
    stat: (target) => {
      const absolute = paths.absolute(target)
      const type = kind(absolute)
      if (type === undefined) return missing.stat(target)
      if (type === "Directory") return directoryInfo
      const content = files.get(absolute)
      return content === undefined || content === "" ? emptyFileInfo : Effect.succeed(info(type, Buffer.byteLength(content)))
    },
    readFileString: (target) => read("readFileString", target),
    readFile: (target) => Effect.map(read("readFile", target), (content) => new TextEncoder().encode(content)),
    readDirectory: (target, readOptions) => {
      const absolute = paths.absolute(target)
      if (kind(absolute) !== "Directory") return Exit.fail(notFound("readDirectory", target))
      const entries = new Set<string>()
      for (const candidate of [...files.keys(), ...directories]) {
        if (!candidate.startsWith(`${absolute}${path.sep}`)) continue
        const relative = path.relative(absolute, candidate)
        if (readOptions?.recursive === true) entries.add(relative)
        else entries.add(relative.split(path.sep)[0] ?? relative)
      }
      return Effect.succeed([...entries].sort())
    }
  })
}

// -------------------------------------------------------------------------------------
// recording backend
// -------------------------------------------------------------------------------------

/**
 * One call the recording backend received.
 *
 * @category models
 * @since 0.1.0
 */
export type Call =
  | { readonly _tag: "Plan"; readonly spec: Estimator.Estimator; readonly result: Either.Either<Plan.Plan, PlanError.PlanError> }
  | { readonly _tag: "Execute"; readonly plan: Plan.Plan }
  | { readonly _tag: "Status" | "Logs" | "Wait" | "Cancel"; readonly runId: string }

/**
 * Options of {@link recording}.
 *
 * @category models
 * @since 0.1.0
 */
export interface RecordingOptions {
  /** Whose planner to use and which name to report (default `dry-run`). */
  readonly backend?: Backend.BackendName
  /** The in-memory file system the planner reads (default: every path exists, no file content). */
  readonly fileSystem?: FileSystemOptions
  /** The log lines every run "prints". */
  readonly logLines?: ReadonlyArray<string>
}

/**
 * A recording backend and what it recorded.
 *
 * @category models
 * @since 0.1.0
 */
export interface Recording {
  readonly layer: Layer.Layer<Backend.Backend>
  readonly calls: Effect.Effect<ReadonlyArray<Call>>
  /** The plans made (successful ones only). */
  readonly planned: Effect.Effect<ReadonlyArray<Plan.Plan>>
  /** The plans executed. */
  readonly executed: Effect.Effect<ReadonlyArray<Plan.Plan>>
}

const plannerOf = (backend: Backend.BackendName) =>
(spec: Estimator.Estimator, context: Backend.PlanContext): Effect.Effect<Plan.Plan, PlanError.PlanError, FileSystem.FileSystem> => {
  switch (backend) {
    case "dry-run":
      return DryRun.plan(spec, context)
    case "local":
      return Local.plan(spec, context)
    case "docker":
      return Docker.plan(spec, { ...context, imageExists: context.imageExists ?? (() => Effect.succeed(false)) })
    case "azureml":
      return AzureMl.plan(spec, context)
  }
}

/**
 * A backend that plans with the real planner of `options.backend` over an in-memory file system
 * (the Docker engine is never asked: images are absent unless the context says otherwise), and
 * records every call. `execute` records the plan and the run is `Completed` at once; `status`,
 * `wait` report `Completed` (`Canceled` after `cancel`) for executed runs; `logs` streams
 * `options.logLines`.
 *
 * @example
 * Effect.gen(function*() {
 *   const recording = yield* Testing.recording()
 *   yield* program.pipe(Effect.provide(recording.layer))
 *   const executed = yield* recording.executed
 * })
 *
 * @category constructors
 * @since 0.1.0
 */
export const recording = (options: RecordingOptions = {}): Effect.Effect<Recording> =>
  Effect.gen(function*() {
    const name = options.backend ?? "dry-run"
    const calls = yield* Ref.make<ReadonlyArray<Call>>([])
    const canceled = yield* Ref.make<ReadonlySet<string>>(new Set())
    const record = (call: Call) => Ref.update(calls, (all) => [...all, call])
    const fs = fileSystem(options.fileSystem ?? { assumeExists: true })
    const planner = plannerOf(name)
    const executedRuns = Effect.map(Ref.get(calls), (all) =>
      new Map(all.flatMap((call) => (call._tag === "Execute" ? [[call.plan.run.runId, call.plan] as const] : []))))
    const statusOf = (runId: string) =>
      Effect.gen(function*() {
        const at = new Date(yield* Clock.currentTimeMillis).toISOString()
        const runs = yield* executedRuns
        const isCanceled = (yield* Ref.get(canceled)).has(runId)
        const status: Backend.Status = !runs.has(runId) ? "NotStarted" : isCanceled ? "Canceled" : "Completed"
        return { runId, backend: name, status, at, ...(status === "Completed" ? { exitCode: 0 } : {}) }
      })
    const service: Backend.Service = {
      name,
      capabilities: Backend.capabilityTable[name],
      plan: (spec, context) =>
        planner(spec, context).pipe(
          Effect.provide(fs),
          Effect.either,
          Effect.tap((result) => record({ _tag: "Plan", spec, result })),
          Effect.flatMap((result) => result)
        ),
      execute: (plan) =>
        plan.backend !== name
          ? Effect.fail(new Backend.WrongBackend({ backend: name, planBackend: plan.backend }))
          : Effect.as(record({ _tag: "Execute", plan }), { runId: plan.run.runId, backend: name, runDirectory: plan.run.runDirectory }),
      status: (runId) => Effect.zipRight(record({ _tag: "Status", runId }), statusOf(runId)),
      wait: (runId) => Effect.zipRight(record({ _tag: "Wait", runId }), statusOf(runId)),
      cancel: (runId) =>
        Effect.zipRight(
          Effect.zipRight(record({ _tag: "Cancel", runId }), Ref.update(canceled, (set) => new Set([...set, runId]))),
          statusOf(runId)
        ),
      logs: (runId) => Stream.unwrap(Effect.as(record({ _tag: "Logs", runId }), Stream.fromIterable(options.logLines ?? [])))
    }
    const all = Ref.get(calls)
    return {
      layer: Layer.succeed(Backend.Backend, service),
      calls: all,
      planned: Effect.map(all, (list) => list.flatMap((call) => (call._tag === "Plan" && Either.isRight(call.result) ? [call.result.right] : []))),
      executed: Effect.map(all, (list) => list.flatMap((call) => (call._tag === "Execute" ? [call.plan] : [])))
    }
  })

// -------------------------------------------------------------------------------------
// arbitraries
// -------------------------------------------------------------------------------------

/**
 * fast-check arbitraries: `estimator` (specs valid by `Validation.validate`), `supportedBy(backend)`
 * (those of them whose every field the backend honours), and the parts they are made of.
 *
 * @category constructors
 * @since 0.1.0
 */
export const arbitraries = {
  estimator: internalArbitraries.estimator,
  supportedBy: internalArbitraries.supportedBy,
  environment: internalArbitraries.environment,
  input: internalArbitraries.input,
  output: internalArbitraries.output,
  secret: internalArbitraries.secret,
  text: internalArbitraries.text,
  CONDA_FILE: internalArbitraries.CONDA_FILE,
  REQUIREMENTS_FILE: internalArbitraries.REQUIREMENTS_FILE
} as const

// -------------------------------------------------------------------------------------
// snapshots
// -------------------------------------------------------------------------------------

/**
 * A backend's plan envelope, or its plan error as data.
 *
 * @category models
 * @since 0.1.0
 */
export type PlanOutcome =
  | { readonly ok: Plan.Json }
  | { readonly error: ReturnType<typeof PlanError.toJson> }

/**
 * The context {@link planAll} uses unless told otherwise: base directory `/project`, run id
 * `testing-run`, no workspace, and a Docker engine without any image.
 *
 * @category constructors
 * @since 0.1.0
 */
export const defaultContext: Backend.PlanContext = {
  baseDirectory: "/project",
  runId: Effect.succeed("testing-run"),
  imageExists: () => Effect.succeed(false)
}

/**
 * Every backend's plan envelope (or plan error) for `spec`, keyed by backend name, for snapshot
 * tests (`DryRun.planEvery`: one preparation, the four plans share its run id; the Docker engine is
 * never asked). Reads the spec's files through the `FileSystem` in context (e.g. {@link fileSystem}).
 *
 * @category constructors
 * @since 0.1.0
 */
export const planAll = (
  spec: Estimator.Estimator,
  context: Backend.PlanContext = defaultContext
): Effect.Effect<{ readonly [B in Backend.BackendName]: PlanOutcome }, never, FileSystem.FileSystem> =>
  Effect.map(
    DryRun.planEvery(spec, context, { docker: { imageExists: () => Effect.succeed(false) } }),
    (plans) => ({
      "dry-run": outcome(plans["dry-run"]),
      local: outcome(plans.local),
      docker: outcome(plans.docker),
      azureml: outcome(plans.azureml)
    })
  )

const outcome = (result: Either.Either<Plan.Plan, PlanError.PlanError>): PlanOutcome =>
  Either.isRight(result) ? { ok: Plan.toJson(result.right) } : { error: PlanError.toJson(result.left) }
