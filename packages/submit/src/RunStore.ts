/**
 * The run store: what every executing backend keeps about a run, on disk, so that `status`,
 * `logs`, `wait`, `cancel` and `runs` work from any process, after the one that started the run
 * is gone.
 *
 * **Layout.** `<root>/<run id>/` holds
 * - `run.json` — the {@link RunRecord}: run id, backend, spec, the plan's JSON envelope, the
 *   status and its history with timestamps, exit code, reason, the backend's ids (process ids,
 *   container ids, the Azure ML job's ARM id) — never a secret value;
 * - `logs/` — one file per process (`process-<i>.log`, i = the rank for one-process-per-rank
 *   launches) and the interleaved `combined.log` (lines prefixed `[rank N]` when a run has
 *   several processes), see {@link logPath};
 * - `outputs/` — the job's `ESTIMATOR_OUTPUT_DIR`, kept whatever the outcome;
 * - `snapshot/` — the copy of the source directory the job runs in (local and docker);
 * - `cancel-request.json` — present once someone asked to cancel (see {@link Store.requestCancel}).
 *
 * **Root.** {@link root}: `$ESTIMATOR_HOME/runs` when `ESTIMATOR_HOME` is set, else
 * `<cwd>/.estimator/runs`. A plan's run directory already names its store
 * ({@link forPlan}).
 *
 * **Writes are atomic and serial.** `run.json` is only ever replaced by writing a temporary file
 * in the same directory, flushing it and renaming it over the old one, so a reader in any process
 * sees a whole record, old or new, never a torn one. Every change is a read-modify-write made
 * under a lock file (`run.json.lock`, created with `O_EXCL`; a lock left by a dead process of this
 * host, or older than 30 s, is taken over), so concurrent updates from several processes — the
 * process that runs the job recording statuses, another asking to cancel — are applied one after
 * the other and none is lost.
 *
 * **Cancelling from another process** is a request, not a write of the final status:
 * `requestCancel` writes `cancel-request.json` (atomically) and records `CancelRequested`; the
 * process that owns the job (its `pid` in the record) is signalled by the backend, and it also
 * polls for the request file, stops the job and records `Canceled` itself.
 *
 * **Secrets.** A store made with a `Redactor` ({@link make}) passes everything it writes through
 * it, so a secret value that reached a record (an error message, a reason) is stored as
 * `<redacted>`.
 *
 * This module also holds the errors of executing a run that every backend shares
 * ({@link RunError}) and the resolution of a plan's secrets ({@link resolveSecrets}).
 *
 * @since 0.1.0
 */
import { type Estimator, Secret } from "@estimator/core"
import { FileSystem } from "@effect/platform"
import { Clock, Data, Effect, Either, Option } from "effect"
import * as os from "node:os"
import * as path from "node:path"
import type * as Backend from "./Backend.js"
import * as lifecycle from "./internal/lifecycle.js"
import * as internal from "./internal/runStore.js"
import * as Plan from "./Plan.js"
import * as Redact from "./Redact.js"
import type * as Snapshot from "./Snapshot.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * A JSON value (for backend-specific details).
 *
 * @category models
 * @since 0.1.0
 */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/**
 * One status change: the status, when (ISO-8601), and why (for `Failed`, `Canceled`).
 *
 * @category models
 * @since 0.1.0
 */
export interface StatusEntry {
  readonly status: Backend.Status
  readonly at: string
  readonly reason?: string
}

/**
 * One process of a run: its index (the rank for one-process-per-rank launches), argv (secrets
 * never appear in argv), pid once started, and how it ended.
 *
 * @category models
 * @since 0.1.0
 */
export interface ProcessEntry {
  readonly index: number
  readonly argv: ReadonlyArray<string>
  readonly pid?: number
  readonly exitCode?: number
  readonly signal?: string
}

/**
 * A summary of the run's snapshot (the full report is `snapshot-report.json` beside `run.json`).
 *
 * @category models
 * @since 0.1.0
 */
export interface SnapshotSummary {
  readonly fileCount: number
  readonly bytes: number
  readonly excludedCount: number
  readonly ignoreFile: ".amlignore" | ".gitignore" | null
  readonly contentHash?: string
}

/**
 * The stored record of a run (`run.json`).
 *
 * - `createdAt`: when `execute` created the record (status `NotStarted`); `startedAt`: when the
 *   job started (`Running`); `endedAt`: when it reached a terminal status.
 * - `status` is the last entry of `statusHistory`; `reason` explains a `Failed` or `Canceled` end;
 *   `exitCode` is the job's exit code (the first non-zero one of several processes).
 * - `host`: the machine whose processes `pid` and `processes` name; `pid`: the process that owns
 *   the job (the local backend's supervisor) — it is signalled to cancel.
 * - `externalId`: the backend's id of the run (supervisor pid, container id, Azure ML ARM id);
 *   `containerIds`: docker's containers; `details`: anything else a backend keeps.
 *
 * @category models
 * @since 0.1.0
 */
export interface RunRecord {
  readonly recordVersion: 1
  readonly runId: string
  readonly backend: Backend.BackendName
  readonly spec: Estimator.Estimator
  readonly specHash: string
  readonly plan: Plan.Json
  readonly sourceDirectory: string
  readonly runDirectory: string
  readonly host: string
  readonly status: Backend.Status
  readonly statusHistory: ReadonlyArray<StatusEntry>
  readonly createdAt: string
  readonly startedAt?: string
  readonly endedAt?: string
  readonly reason?: string
  readonly exitCode?: number
  readonly pid?: number
  readonly processes?: ReadonlyArray<ProcessEntry>
  readonly containerIds?: ReadonlyArray<string>
  readonly externalId?: string
  readonly snapshot?: SnapshotSummary
  readonly details?: { readonly [key: string]: Json }
}

/**
 * What `create` needs: see {@link fromPlan}.
 *
 * @category models
 * @since 0.1.0
 */
export interface CreateInput {
  readonly runId: string
  readonly backend: Backend.BackendName
  readonly spec: Estimator.Estimator
  readonly specHash: string
  readonly plan: Plan.Json
  readonly sourceDirectory: string
  /** The process that owns the run from now on (default: none recorded). */
  readonly pid?: number
  readonly details?: { readonly [key: string]: Json }
}

/**
 * A status change for `appendStatus`: the reason and exit code go to the record (the time is
 * the clock's now unless given).
 *
 * @category models
 * @since 0.1.0
 */
export interface StatusDetails {
  readonly reason?: string
  readonly exitCode?: number
  readonly at?: string
}

/**
 * A request to cancel a run (`cancel-request.json`).
 *
 * @category models
 * @since 0.1.0
 */
export interface CancelRequest {
  readonly at: string
  readonly pid: number
  readonly host: string
  readonly reason: string
}

/**
 * A run store at one root. Every operation needs a `FileSystem`.
 *
 * - `create` makes `<root>/<run id>/` with `logs/` and `outputs/` and writes the record with
 *   status `NotStarted`; fails if the run exists.
 * - `read` / `list` read records (`list`: newest first — by `createdAt`, then run id — skipping
 *   directories without a readable record).
 * - `update(runId, f)` applies `f` to the current record under the lock and writes the result
 *   atomically; `appendStatus` is an `update` following the lifecycle rules (a terminal status is
 *   final, `Running` sets `startedAt`, a terminal status sets `endedAt`).
 * - `requestCancel` writes the cancel request and records `CancelRequested` (no effect on a
 *   finished run); `cancelRequest` reads the request, if any.
 * - paths: `runDirectory`, `recordPath`, `logsPath`, `logPath(runId, name)`, `outputsPath`,
 *   `snapshotPath`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Store {
  readonly root: string
  readonly redactor: Redact.Redactor
  readonly create: (input: CreateInput) => Effect.Effect<RunRecord, RunStoreError, FileSystem.FileSystem>
  readonly read: (runId: string) => Effect.Effect<RunRecord, RunNotFound | RunStoreError, FileSystem.FileSystem>
  readonly update: (
    runId: string,
    f: (record: RunRecord) => RunRecord
  ) => Effect.Effect<RunRecord, RunNotFound | RunStoreError, FileSystem.FileSystem>
  readonly appendStatus: (
    runId: string,
    status: Backend.Status,
    details?: StatusDetails
  ) => Effect.Effect<RunRecord, RunNotFound | RunStoreError, FileSystem.FileSystem>
  readonly list: Effect.Effect<ReadonlyArray<RunRecord>, RunStoreError, FileSystem.FileSystem>
  readonly requestCancel: (runId: string, reason: string) => Effect.Effect<RunRecord, RunNotFound | RunStoreError, FileSystem.FileSystem>
  readonly cancelRequest: (runId: string) => Effect.Effect<Option.Option<CancelRequest>, never, FileSystem.FileSystem>
  readonly writeJson: (runId: string, name: string, value: unknown) => Effect.Effect<void, RunStoreError, FileSystem.FileSystem>
  readonly runDirectory: (runId: string) => string
  readonly recordPath: (runId: string) => string
  readonly logsPath: (runId: string) => string
  readonly logPath: (runId: string, name: LogName) => string
  readonly outputsPath: (runId: string) => string
  readonly snapshotPath: (runId: string) => string
}

/**
 * A log of a run: the interleaved log, or one process's.
 *
 * @category models
 * @since 0.1.0
 */
export type LogName = "combined" | { readonly process: number }

// -------------------------------------------------------------------------------------
// errors
// -------------------------------------------------------------------------------------

/**
 * No run with this id in the store.
 *
 * @category errors
 * @since 0.1.0
 */
export class RunNotFound extends Data.TaggedError("RunNotFound")<{ readonly runId: string; readonly root: string }> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `No run ${this.runId} in ${this.root}. List the runs with "estimator runs" (run from the directory that holds .estimator/, or set ESTIMATOR_HOME).`
  }
}

/**
 * The run store could not be read or written.
 *
 * @category errors
 * @since 0.1.0
 */
export class RunStoreError extends Data.TaggedError("RunStoreError")<{
  readonly path: string
  readonly operation: string
  readonly reason: string
}> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `The run store could not ${this.operation} ${this.path}: ${this.reason}.`
  }
}

/**
 * A secret of the spec could not be resolved when the run started. Names the variable and the
 * secret's source (`env:NAME`, `file:/path`), never a value.
 *
 * @category errors
 * @since 0.1.0
 */
export class SecretUnavailable extends Data.TaggedError("SecretUnavailable")<{
  readonly variable: string
  readonly source: string
  readonly reason: string
  readonly hint: string
}> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `The secret for ${this.variable} (${this.source}) cannot be read: ${this.reason}. ${this.hint}`
  }
}

/**
 * A program the run needs (the interpreter, `mpirun`) is not on `PATH`.
 *
 * @category errors
 * @since 0.1.0
 */
export class ProgramNotFound extends Data.TaggedError("ProgramNotFound")<{
  readonly program: string
  readonly searched: string
  readonly hint: string
}> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `${this.program} was not found on PATH (${this.searched === "" ? "empty" : this.searched}). ${this.hint}`
  }
}

/**
 * The run could not be started (the process or container could not be created).
 *
 * @category errors
 * @since 0.1.0
 */
export class StartFailed extends Data.TaggedError("StartFailed")<{ readonly runId: string; readonly reason: string }> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `The run ${this.runId} could not start: ${this.reason}.`
  }
}

/**
 * What executing and following a run can fail with, on every backend.
 *
 * @category errors
 * @since 0.1.0
 */
export type RunError = RunNotFound | RunStoreError | SecretUnavailable | ProgramNotFound | StartFailed | Snapshot.SnapshotError

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * The environment variable that relocates the run store: `$ESTIMATOR_HOME/runs`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const HOME_VARIABLE = "ESTIMATOR_HOME"

/**
 * The run store's root for a working directory: `$ESTIMATOR_HOME/runs` (relative to `cwd` when
 * relative) when `ESTIMATOR_HOME` is set and not empty, else `<cwd>/.estimator/runs`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const root = (cwd: string = process.cwd(), environment: { readonly [name: string]: string | undefined } = process.env): string => {
  const home = environment[HOME_VARIABLE]
  return home !== undefined && home !== "" ? path.resolve(cwd, home, "runs") : path.resolve(cwd, ".estimator", "runs")
}

const now: Effect.Effect<string> = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis).toISOString())

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/

const describe = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "message" in cause ? String((cause as { message: unknown }).message) : String(cause)

const fromFileFailed = (failure: internal.FileFailed) => new RunStoreError({ path: failure.target, operation: failure.operation, reason: failure.reason })

const STATUSES: ReadonlyArray<string> = [
  "NotStarted", "Queued", "Preparing", "Running", "Finalizing", "CancelRequested", "Completed", "Failed", "Canceled", "NotResponding"
]

const isRecord = (u: unknown): u is RunRecord => {
  if (typeof u !== "object" || u === null) return false
  const r = u as { [key: string]: unknown }
  return r["recordVersion"] === 1 && typeof r["runId"] === "string" && typeof r["backend"] === "string" &&
    typeof r["status"] === "string" && STATUSES.includes(r["status"]) && Array.isArray(r["statusHistory"]) &&
    typeof r["createdAt"] === "string"
}

/**
 * A store at `root` (absolute, or relative to the current directory). With `redactor`, every
 * record and file it writes is redacted first.
 *
 * @example
 * const store = RunStore.make(RunStore.root())
 * const runs = yield* store.list
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (rootDirectory: string, options: { readonly redactor?: Redact.Redactor } = {}): Store => {
  const base = path.resolve(rootDirectory)
  const redactor = options.redactor ?? Redact.empty
  const runDirectory = (runId: string) => path.join(base, runId)
  const recordPath = (runId: string) => path.join(runDirectory(runId), "run.json")
  const logsPath = (runId: string) => path.join(runDirectory(runId), "logs")
  const logPath = (runId: string, name: LogName) =>
    path.join(logsPath(runId), name === "combined" ? "combined.log" : `process-${name.process}.log`)
  const outputsPath = (runId: string) => path.join(runDirectory(runId), "outputs")
  const snapshotPath = (runId: string) => path.join(runDirectory(runId), "snapshot")
  const cancelPath = (runId: string) => path.join(runDirectory(runId), "cancel-request.json")

  const serialize = (value: unknown) => `${JSON.stringify(Redact.json(redactor, value), null, 2)}\n`

  const write = (runId: string, record: RunRecord) =>
    internal.writeAtomic(recordPath(runId), serialize(record)).pipe(Effect.mapError(fromFileFailed))

  const read = (runId: string): Effect.Effect<RunRecord, RunNotFound | RunStoreError, FileSystem.FileSystem> =>
    Effect.gen(function*() {
      if (!RUN_ID.test(runId)) return yield* Effect.fail(new RunNotFound({ runId, root: base }))
      const fs = yield* FileSystem.FileSystem
      const text = yield* Effect.either(fs.readFileString(recordPath(runId)))
      if (Either.isLeft(text)) {
        const error = text.left
        return yield* Effect.fail(
          error._tag === "SystemError" && error.reason === "NotFound"
            ? new RunNotFound({ runId, root: base })
            : new RunStoreError({ path: recordPath(runId), operation: "read", reason: describe(error) })
        )
      }
      let parsed: unknown
      try {
        parsed = JSON.parse(text.right)
      } catch (cause) {
        return yield* Effect.fail(new RunStoreError({ path: recordPath(runId), operation: "read", reason: `not valid JSON (${describe(cause)})` }))
      }
      if (!isRecord(parsed)) {
        return yield* Effect.fail(new RunStoreError({ path: recordPath(runId), operation: "read", reason: "not a run record" }))
      }
      return parsed
    })

  const update = (runId: string, f: (record: RunRecord) => RunRecord) =>
    internal.withLock(
      `${recordPath(runId)}.lock`,
      Effect.gen(function*() {
        const current = yield* read(runId)
        const changed = f(current)
        if (changed === current) return current
        const next = Redact.json(redactor, changed)
        yield* write(runId, next)
        return next
      })
    ).pipe(Effect.mapError((error) => (error instanceof internal.FileFailed ? fromFileFailed(error) : error)))

  const appendStatus = (runId: string, status: Backend.Status, details: StatusDetails = {}) =>
    Effect.flatMap(details.at === undefined ? now : Effect.succeed(details.at), (at) =>
      update(runId, (record) =>
        lifecycle.apply(record, {
          status,
          at,
          ...(details.reason === undefined ? {} : { reason: details.reason }),
          ...(details.exitCode === undefined ? {} : { exitCode: details.exitCode })
        })))

  const create = (input: CreateInput): Effect.Effect<RunRecord, RunStoreError, FileSystem.FileSystem> =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const directory = runDirectory(input.runId)
      if (!RUN_ID.test(input.runId)) {
        return yield* Effect.fail(new RunStoreError({ path: directory, operation: "create", reason: "the run id is not a valid directory name" }))
      }
      const failed = (at: string) => (cause: unknown) => new RunStoreError({ path: at, operation: "create", reason: describe(cause) })
      yield* fs.makeDirectory(base, { recursive: true }).pipe(Effect.mapError(failed(base)))
      const made = yield* Effect.either(fs.makeDirectory(directory))
      if (Either.isLeft(made)) {
        const error = made.left
        return yield* Effect.fail(new RunStoreError({
          path: directory,
          operation: "create",
          reason: error._tag === "SystemError" && error.reason === "AlreadyExists" ? "a run with this id already exists" : describe(error)
        }))
      }
      yield* fs.makeDirectory(logsPath(input.runId)).pipe(Effect.mapError(failed(logsPath(input.runId))))
      yield* fs.makeDirectory(outputsPath(input.runId)).pipe(Effect.mapError(failed(outputsPath(input.runId))))
      const at = yield* now
      const record: RunRecord = {
        recordVersion: 1,
        runId: input.runId,
        backend: input.backend,
        spec: input.spec,
        specHash: input.specHash,
        plan: input.plan,
        sourceDirectory: input.sourceDirectory,
        runDirectory: directory,
        host: os.hostname(),
        status: "NotStarted",
        statusHistory: [{ status: "NotStarted", at }],
        createdAt: at,
        ...(input.pid === undefined ? {} : { pid: input.pid }),
        ...(input.details === undefined ? {} : { details: input.details })
      }
      yield* write(input.runId, record)
      return Redact.json(redactor, record)
    })

  const list: Effect.Effect<ReadonlyArray<RunRecord>, RunStoreError, FileSystem.FileSystem> = Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const entries = yield* Effect.either(fs.readDirectory(base))
    if (Either.isLeft(entries)) {
      const error = entries.left
      if (error._tag === "SystemError" && error.reason === "NotFound") return []
      return yield* Effect.fail(new RunStoreError({ path: base, operation: "list", reason: describe(error) }))
    }
    const records: Array<RunRecord> = []
    for (const name of entries.right) {
      if (!RUN_ID.test(name)) continue
      const record = yield* Effect.either(read(name))
      if (Either.isRight(record)) records.push(record.right)
    }
    return records.sort((a, b) =>
      a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0)
  })

  const requestCancel = (runId: string, reason: string) =>
    Effect.gen(function*() {
      const record = yield* read(runId)
      if (lifecycle.isTerminal(record.status)) return record
      const at = yield* now
      const request: CancelRequest = { at, pid: process.pid, host: os.hostname(), reason }
      yield* internal.writeAtomic(cancelPath(runId), serialize(request)).pipe(Effect.mapError(fromFileFailed))
      return yield* appendStatus(runId, "CancelRequested", { at, reason })
    })

  const cancelRequest = (runId: string): Effect.Effect<Option.Option<CancelRequest>, never, FileSystem.FileSystem> =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const text = yield* Effect.option(fs.readFileString(cancelPath(runId)))
      if (Option.isNone(text)) return Option.none()
      try {
        return Option.some(JSON.parse(text.value) as CancelRequest)
      } catch {
        return Option.none()
      }
    })

  const writeJson = (runId: string, name: string, value: unknown) =>
    internal.writeAtomic(path.join(runDirectory(runId), name), serialize(value)).pipe(Effect.mapError(fromFileFailed))

  return {
    root: base,
    redactor,
    create,
    read,
    update,
    appendStatus,
    list,
    requestCancel,
    cancelRequest,
    writeJson,
    runDirectory,
    recordPath,
    logsPath,
    logPath,
    outputsPath,
    snapshotPath
  }
}

/**
 * The store that holds a plan's run (the parent of `plan.run.runDirectory`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const forPlan = (plan: Plan.Plan, options: { readonly redactor?: Redact.Redactor } = {}): Store =>
  make(path.dirname(plan.run.runDirectory), options)

/**
 * What `create` needs, from a plan: its run id, backend, spec, spec hash, JSON envelope and
 * source directory.
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromPlan = (plan: Plan.Plan, details?: { readonly [key: string]: Json }): CreateInput => ({
  runId: plan.run.runId,
  backend: plan.backend,
  spec: plan.run.spec,
  specHash: plan.run.specHash,
  plan: Plan.toJson(plan),
  sourceDirectory: plan.run.sourceDirectory,
  ...(details === undefined ? {} : { details })
})

// -------------------------------------------------------------------------------------
// accessors
// -------------------------------------------------------------------------------------

/**
 * A record as a `RunStatus`: its current status, when it was reached, the exit code and reason.
 *
 * @category accessors
 * @since 0.1.0
 */
export const toRunStatus = (record: RunRecord): Backend.RunStatus => {
  const last = record.statusHistory[record.statusHistory.length - 1]
  return {
    runId: record.runId,
    backend: record.backend,
    status: record.status,
    at: last?.at ?? record.createdAt,
    ...(record.exitCode === undefined ? {} : { exitCode: record.exitCode }),
    ...(record.reason === undefined ? {} : { reason: record.reason })
  }
}

// -------------------------------------------------------------------------------------
// secrets
// -------------------------------------------------------------------------------------

/**
 * Resolves a plan's secrets (`plan.run.secrets`): `Secret.fromEnv` from `environment` (default
 * `process.env`), `Secret.fromFile` from the file (relative to `cwd`, default the current
 * directory; one trailing newline removed). The first one that cannot be read fails with
 * `SecretUnavailable`, naming its variable and source, never a value. Build the run's
 * `Redactor` from the values: `Redact.make(Object.values(resolved))`.
 *
 * @category secrets
 * @since 0.1.0
 */
export const resolveSecrets = (
  secrets: { readonly [variable: string]: Secret.Secret },
  options: { readonly environment?: { readonly [name: string]: string | undefined }; readonly cwd?: string } = {}
): Effect.Effect<{ readonly [variable: string]: string }, SecretUnavailable, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const environment = options.environment ?? process.env
    const resolved: Record<string, string> = {}
    for (const [variable, secret] of Object.entries(secrets)) {
      const source = Secret.describe(secret)
      if (secret.source === "env") {
        const value = environment[secret.name]
        if (value === undefined) {
          return yield* Effect.fail(new SecretUnavailable({
            variable,
            source,
            reason: `the environment variable ${secret.name} is not set`,
            hint: `Set ${secret.name} in the environment of the process that starts the run.`
          }))
        }
        resolved[variable] = value
      } else {
        const file = path.resolve(options.cwd ?? process.cwd(), secret.path)
        const text = yield* Effect.either(fs.readFileString(file))
        if (Either.isLeft(text)) {
          const error = text.left
          return yield* Effect.fail(new SecretUnavailable({
            variable,
            source,
            reason: error._tag === "SystemError" && error.reason === "NotFound" ? `${file} does not exist` : `${file} cannot be read (${error._tag === "SystemError" ? error.reason : "error"})`,
            hint: `Create ${file} with the secret's value, or point the secret at the right file.`
          }))
        }
        resolved[variable] = text.right.endsWith("\r\n") ? text.right.slice(0, -2) : text.right.endsWith("\n") ? text.right.slice(0, -1) : text.right
      }
    }
    return resolved
  })
