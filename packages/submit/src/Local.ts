/**
 * The `local` backend: runs the entry script as processes of this machine's Python (Azure ML
 * v1's `compute_target="local", use_docker=False`), the embedded default of `estimator run`.
 *
 * The plan lists every process: its argv (the interpreter, the script and the rendered
 * arguments exactly, never re-parsed by a shell; `mpirun -np N ...` for MPI, one process per rank
 * for PyTorch and TensorFlow, each with its rank variables), its working directory (the run's
 * snapshot of the source directory, `.estimator/runs/<run id>/snapshot`, created by `execute`)
 * and the variables it adds to the inherited environment (the job's, its secrets as
 * `<redacted>`, and the run contract's `ESTIMATOR_*`). Inputs are local files used in place;
 * outputs go to the run store.
 *
 * What it cannot honour (more than one node, an image, a build context, a registered
 * environment, docker arguments, remote data) is a plan error; what it ignores by nature
 * (packages — nothing is installed —, a GPU request, a shared memory size, the compute) is a
 * warning. `environment.docker` (true by default) is not a warning: running outside a container
 * is what this backend is for. `toProcesses` and `compile` are pure; `plan` reads the spec's files.
 *
 * **Running** (`execute`, the second half of `run = execute(plan(spec))`):
 * 1. the run record is created in the run store (`RunStore`, status `NotStarted`), then
 *    `Preparing`: the plan's secrets are resolved (`Secret.fromEnv` from the inherited
 *    environment, `Secret.fromFile` from the file; a missing one fails the run before it starts,
 *    naming the secret's source), the programs are looked up on `PATH` (`mpirun` missing is an
 *    error saying how to install Open MPI), the source directory is copied to the run's
 *    `snapshot/` (`Snapshot.copy`: `.amlignore`, else `.gitignore`; the report is kept as
 *    `snapshot-report.json`) and each named output's folder is created;
 * 2. a small **supervisor** (a detached `node` process, in its own session) receives the job on
 *    its standard input — argv exactly as planned, no shell; the inherited environment, plus
 *    `PYTHONUNBUFFERED=1` unless set (so logs stream live), plus the plan's variables with the
 *    secrets' values — starts every process in its own process group, records their pids and
 *    `Running`, writes their output (redacted) to `logs/`, enforces `maxRunDurationSeconds`
 *    (the process groups are killed; `Canceled`, reason `exceeded maxRunDurationSeconds=N`),
 *    watches for cancel requests, and records the end: `Completed`, `Failed` (exit code of
 *    the first process that failed; the others are stopped) or `Canceled`. Outputs and logs are
 *    kept whatever the end;
 * 3. `execute` returns once the job is `Running` (or has ended). The supervisor owns the job, so
 *    the calling process may exit: that is `estimator run --detach`. In the foreground the
 *    caller follows with `logs(runId, { follow: true })` and `wait(runId)`.
 *
 * With `Options.supervisor: "in-process"` (`estimator run` in the foreground) step 2 happens in
 * the calling process instead: no supervisor process is started, and `logs`, `wait` and `cancel`
 * in that process see new output, the end and a stop as they happen instead of polling the run
 * store. The record says so (`details.supervisor`); the job ends with that process.
 *
 * `status`, `logs`, `wait` and `cancel` read the run store (`Options.runsDirectory`), so they
 * work from any process and after the one that started the run is gone; a run whose supervisor
 * died without recording an end is then recorded as `Failed` (or `Canceled` when a cancel was
 * asked). `cancel` writes a cancel request, records `CancelRequested`, sends `SIGTERM` to the
 * supervisor and waits for `Canceled`; the supervisor stops the process groups (`SIGTERM`, then
 * `SIGKILL` after `killGraceMillis`). Interrupting `wait` — Ctrl-C in `estimator run`, which
 * `NodeRuntime.runMain` turns into an interruption — cancels the run (`cancelOnInterrupt`);
 * the job's processes never see the terminal's `SIGINT` themselves, being in their own session.
 *
 * @since 0.1.0
 */
import type { Estimator } from "@estimator/core"
import { LaunchPlan } from "@estimator/distributed"
import { FileSystem } from "@effect/platform"
import { Chunk, Effect, Either, Layer, Option, Stream } from "effect"
import { spawn } from "node:child_process"
import * as nodeFs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { TextDecoder } from "node:util"
import * as Backend from "./Backend.js"
import * as contract from "./internal/contract.js"
import * as lifecycle from "./internal/lifecycle.js"
import * as localRun from "./internal/localRun.js"
import * as paths from "./internal/paths.js"
import * as record from "./internal/record.js"
import { which } from "./internal/localRun.js"
import * as internalPrepare from "./internal/prepare.js"
import type * as Plan from "./Plan.js"
import * as PlanError from "./PlanError.js"
import * as Redact from "./Redact.js"
import * as RunStore from "./RunStore.js"
import * as Snapshot from "./Snapshot.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * Options of the local backend.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The Python interpreter (default `python3`). */
  readonly python?: string
  /** Extra `mpirun` flags (default `["--oversubscribe"]`, so more ranks than cores still start). */
  readonly mpirunFlags?: ReadonlyArray<string>
  /**
   * The environment the job's processes inherit and `Secret.fromEnv` reads (default
   * `process.env`).
   */
  readonly environment?: { readonly [name: string]: string | undefined }
  /**
   * Where `status`, `logs`, `wait` and `cancel` look runs up by id (default
   * `RunStore.root()`: `$ESTIMATOR_HOME/runs`, else `<cwd>/.estimator/runs`). `execute` writes
   * where the plan says (`PlanContext.runsDirectory`): plan with the same directory.
   */
  readonly runsDirectory?: string
  /** How often `wait`, `logs --follow` and `cancel` read the record (default 200 ms). */
  readonly pollIntervalMillis?: number
  /** How long stopped processes get between `SIGTERM` and `SIGKILL` (default 5000 ms). */
  readonly killGraceMillis?: number
  /** Whether interrupting `wait` (Ctrl-C in `estimator run`) cancels the run (default `true`). */
  readonly cancelOnInterrupt?: boolean
  /**
   * Who owns a run that `execute` starts: `"detached"` (default), a supervisor process of its
   * own, so this process may exit and the run goes on (`estimator run --detach`); or
   * `"in-process"`, this process itself — no second process to start, and `logs`, `wait` and
   * `cancel` in this process see output, the end and a stop at once instead of polling the run
   * store (`estimator run` in the foreground). An in-process run ends with this process: its
   * processes are killed when it exits, and another process that finds it so records it
   * `Failed`. Other processes follow and cancel it as any run.
   */
  readonly supervisor?: "detached" | "in-process"
}

/**
 * The capabilities of the local backend.
 *
 * @category models
 * @since 0.1.0
 */
export const capabilities: Backend.Capabilities = Backend.capabilityTable.local

// -------------------------------------------------------------------------------------
// compiling
// -------------------------------------------------------------------------------------

const hasOwn = Object.prototype.hasOwnProperty

const locations = (prepared: Plan.Prepared): contract.Locations & { readonly snapshot: string } => {
  const outputDirectory = paths.join(prepared.runDirectory, "outputs")
  const spec = internalPrepare.viewOf(prepared)
  const inputs = contract.literalInputLocations(spec)
  const localInputs = prepared.localInputs
  for (const name in localInputs) {
    if (!hasOwn.call(localInputs, name)) continue
    const local = localInputs[name] as Plan.LocalInput
    if (local.kind !== "missing") inputs[name] = { _tag: "Path", path: local.path }
  }
  const outputs = record.empty<string>()
  for (const name in spec.outputs) {
    if (hasOwn.call(spec.outputs, name)) outputs[name] = paths.join(outputDirectory, name)
  }
  return { snapshot: paths.join(prepared.runDirectory, "snapshot"), outputDirectory, outputs, inputs }
}

const DEFAULT_MPIRUN_FLAGS: ReadonlyArray<string> = ["--oversubscribe"]

/**
 * The processes of a local run (assumes the spec passed the capability check): argv, working
 * directory and variables (`plain` are the job's plain variables, framework's included).
 *
 * @category compiling
 * @since 0.1.0
 */
export const toProcesses = (
  prepared: Plan.Prepared,
  plain: Plan.Variables,
  options: Options = {}
): Either.Either<ReadonlyArray<Plan.LocalProcess>, PlanError.PlanError> => {
  const where = locations(prepared)
  const { env, launch } = contract.singleHostLaunch(internalPrepare.viewOf(prepared), plain, prepared.runId, where, {
    python: options.python ?? LaunchPlan.DEFAULT_PYTHON,
    mpirunFlags: options.mpirunFlags ?? DEFAULT_MPIRUN_FLAGS
  })
  if (launch._tag === "Left") return Either.left(internalPrepare.launchError("local", launch.left, prepared))
  const plan = launch.right
  const processes: Array<Plan.LocalProcess> = []
  const add = (process: LaunchPlan.Process) => {
    processes.push({ argv: process.argv, cwd: where.snapshot, env: contract.merge(env, process.env) })
  }
  if (plan._tag === "PyTorch" || plan._tag === "TensorFlow") {
    for (const process of plan.ranks) add(process)
  } else {
    for (const node of plan.nodes) for (const process of node.processes) add(process)
  }
  return Either.right(processes)
}

/**
 * The local plan of a prepared spec, or every reason there is none.
 *
 * @category compiling
 * @since 0.1.0
 */
export const compile = (prepared: Plan.Prepared, options: Options = {}): Either.Either<Plan.LocalPlan, PlanError.PlanError> => {
  const memo = internalPrepare.memoOf(prepared)
  const ignored = internalPrepare.checkCapabilities("local", prepared, memo)
  if (Either.isLeft(ignored)) return Either.left(ignored.left)
  const environment = internalPrepare.environmentOf("local", prepared, { azuremlDefaults: false }, memo)
  if (Either.isLeft(environment)) return Either.left(environment.left)
  const processes = toProcesses(prepared, environment.right.variables, options)
  if (Either.isLeft(processes)) return Either.left(processes.left)
  return Either.right({
    backend: "local",
    warnings: internalPrepare.concat(prepared.warnings, ignored.right, environment.right.warnings),
    processes: processes.right,
    run: internalPrepare.runInfo(prepared, memo)
  })
}

/**
 * Plan `spec` for the local backend: decode, validate, read its files, compile.
 *
 * @category compiling
 * @since 0.1.0
 */
export const plan = (
  spec: Estimator.Estimator,
  context: Backend.PlanContext,
  options: Options = {}
): Effect.Effect<Plan.LocalPlan, PlanError.PlanError, FileSystem.FileSystem> =>
  Effect.flatMap(internalPrepare.prepare("local", spec, context), (prepared) => compile(prepared, options))

// -------------------------------------------------------------------------------------
// running
// -------------------------------------------------------------------------------------

const DEFAULT_POLL_MILLIS = 200
const DEFAULT_KILL_GRACE_MILLIS = 5000
/** How long `execute` waits for the supervisor to start the job. */
const START_TIMEOUT_MILLIS = 60_000
/** How long `cancel` waits for the run to end before deciding for itself. */
const CANCEL_TIMEOUT_EXTRA_MILLIS = 15_000

const PROGRAM_HINTS: { readonly [program: string]: string } = {
  mpirun: "The spec asks for more than one process per node (MPI), which the local backend launches with mpirun. Install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin), or run with --backend docker, whose image has it.",
  python3: "Install Python 3, or choose the interpreter with the local backend's python option."
}

const programHint = (program: string): string =>
  PROGRAM_HINTS[path.basename(program)] ?? `Install ${program}, or fix the spec's command.`

/**
 * The supervisor's entry point: next to this module when it runs from `dist`, else in the
 * installed package's `dist` (this module bundled into an application, or run from source).
 */
const supervisorScript = (): string => {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const sibling = path.join(here, "internal", "localRunMain.js")
  if (nodeFs.existsSync(sibling)) return sibling
  const manifest = createRequire(import.meta.url).resolve("@estimator/submit/package.json")
  return path.join(path.dirname(manifest), "dist", "internal", "localRunMain.js")
}

const describe = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "message" in cause ? String((cause as { message: unknown }).message) : String(cause)

const errorMessage = (error: Backend.BackendError): string => error.message

interface Running {
  readonly options: Options
  readonly fs: FileSystem.FileSystem
}

/** A run this process supervises (`supervisor: "in-process"`), and how often it changed. */
interface SupervisedHere {
  readonly stop: (reason: string) => void
  readonly done: Promise<void>
  readonly changes: { version: number }
  readonly listeners: Set<() => void>
}

const supervisedHere = new Map<string, SupervisedHere>()

const versionOf = (runId: string): number => supervisedHere.get(runId)?.changes.version ?? 0

/**
 * Waits until a run this process supervises changes after `since` (output, a status), at most
 * `millis`; only sleeps `millis` for any other run.
 */
const nextChange = (runId: string, since: number, millis: number): Effect.Effect<void> => {
  const here = supervisedHere.get(runId)
  if (here === undefined) return Effect.sleep(millis)
  if (here.changes.version !== since) return Effect.void
  return Effect.async<void>((resume) => {
    const wake = () => {
      clearTimeout(timer)
      here.listeners.delete(wake)
      resume(Effect.void)
    }
    const timer = setTimeout(wake, millis)
    here.listeners.add(wake)
    return Effect.sync(() => {
      clearTimeout(timer)
      here.listeners.delete(wake)
    })
  })
}

const provide = <A, E>(fs: FileSystem.FileSystem, effect: Effect.Effect<A, E, FileSystem.FileSystem>): Effect.Effect<A, E> =>
  Effect.provideService(effect, FileSystem.FileSystem, fs)

const storeOf = (options: Options): RunStore.Store => RunStore.make(options.runsDirectory ?? RunStore.root())

/** The record's status, after noticing a supervisor that died without recording an end. */
const reconcile = (store: RunStore.Store, runId: string) =>
  Effect.gen(function*() {
    const record = yield* store.read(runId)
    if (lifecycle.isTerminal(record.status) || record.pid === undefined || record.host !== os.hostname() || lifecycle.isAlive(record.pid)) {
      return record
    }
    // The owner wrote its last status before exiting: read again before deciding it died.
    const again = yield* store.read(runId)
    if (lifecycle.isTerminal(again.status)) return again
    for (const entry of again.processes ?? []) {
      if (entry.pid !== undefined) {
        try {
          process.kill(-entry.pid, "SIGKILL")
        } catch {
          // gone
        }
      }
    }
    const requested = again.statusHistory.some((entry) => entry.status === "CancelRequested")
    return yield* store.appendStatus(
      runId,
      requested ? "Canceled" : "Failed",
      { reason: requested ? "canceled by request (its supervisor had already exited)" : `the process that owned the run (pid ${again.pid}) exited without recording its end` }
    )
  })

const statusOf = ({ fs, options }: Running) => (runId: string): Effect.Effect<Backend.RunStatus, Backend.BackendError> =>
  provide(fs, Effect.map(reconcile(storeOf(options), runId), RunStore.toRunStatus))

const cancelRun = ({ fs, options }: Running, runId: string, reason: string): Effect.Effect<Backend.RunStatus, Backend.BackendError> =>
  provide(fs, Effect.gen(function*() {
    const store = storeOf(options)
    const record = yield* reconcile(store, runId)
    if (lifecycle.isTerminal(record.status)) return RunStore.toRunStatus(record)
    // The first request's reason stands (a cancel from another process that signalled this one).
    const requested = yield* store.cancelRequest(runId)
    if (Option.isNone(requested)) yield* store.requestCancel(runId, reason)
    const here = supervisedHere.get(runId)
    if (here !== undefined) {
      here.stop(Option.isSome(requested) ? requested.value.reason : reason)
      yield* Effect.promise(() => here.done)
      return RunStore.toRunStatus(yield* store.read(runId))
    }
    // Only a detached supervisor is signalled (its pid is the run's external id); a process still
    // preparing the run reads the request before it starts the supervisor, and a process that
    // supervises its run itself (which may be anything, with its own use of signals) polls for it.
    const signal = (owner: RunStore.RunRecord) => {
      const pid = owner.pid
      const detached = owner.details?.["supervisor"] !== "in-process"
      if (detached && pid !== undefined && pid !== process.pid && owner.externalId === String(pid) && owner.host === os.hostname()) {
        try {
          process.kill(pid, "SIGTERM")
        } catch {
          // gone: reconcile records the end
        }
      }
    }
    signal(record)
    const poll = options.pollIntervalMillis ?? DEFAULT_POLL_MILLIS
    const deadline = Date.now() + (options.killGraceMillis ?? DEFAULT_KILL_GRACE_MILLIS) + CANCEL_TIMEOUT_EXTRA_MILLIS
    for (;;) {
      const current = yield* reconcile(store, runId)
      if (lifecycle.isTerminal(current.status)) return RunStore.toRunStatus(current)
      if (current.externalId !== record.externalId) signal(current)
      if (Date.now() > deadline) return RunStore.toRunStatus(current)
      yield* Effect.sleep(poll)
    }
  }))

const waitFor = (running: Running) => (runId: string): Effect.Effect<Backend.RunStatus, Backend.BackendError> => {
  const poll = running.options.pollIntervalMillis ?? DEFAULT_POLL_MILLIS
  const loop: Effect.Effect<Backend.RunStatus, Backend.BackendError> = Effect.suspend(() => {
    const since = versionOf(runId)
    return Effect.flatMap(statusOf(running)(runId), (status) =>
      lifecycle.isTerminal(status.status) ? Effect.succeed(status) : Effect.zipRight(nextChange(runId, since, poll), loop))
  })
  return running.options.cancelOnInterrupt === false
    ? loop
    : loop.pipe(Effect.onInterrupt(() => Effect.ignore(cancelRun(running, runId, "canceled: the process waiting for it was interrupted (Ctrl-C)"))))
}

interface LogState {
  readonly offset: number
  readonly pending: string
  readonly decoder: TextDecoder
}

const logsOf = (running: Running) => (runId: string, logOptions: Backend.LogsOptions = {}): Stream.Stream<string, Backend.BackendError> => {
  const { fs, options } = running
  const store = storeOf(options)
  const file = store.logPath(runId, "combined")
  const poll = options.pollIntervalMillis ?? DEFAULT_POLL_MILLIS
  const readFrom = (offset: number): Effect.Effect<Uint8Array, Backend.BackendError> =>
    Effect.try({
      try: () => {
        let fd: number
        try {
          fd = nodeFs.openSync(file, "r")
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Uint8Array(0)
          throw error
        }
        try {
          const size = nodeFs.fstatSync(fd).size
          if (size <= offset) return new Uint8Array(0)
          const buffer = Buffer.alloc(size - offset)
          const read = nodeFs.readSync(fd, buffer, 0, buffer.length, offset)
          return buffer.subarray(0, read)
        } finally {
          nodeFs.closeSync(fd)
        }
      },
      catch: (cause) => new RunStore.RunStoreError({ path: file, operation: "read", reason: describe(cause) })
    })
  const step = (state: LogState): Effect.Effect<readonly [Chunk.Chunk<string>, Option.Option<LogState>], Backend.BackendError> =>
    Effect.gen(function*() {
      const since = versionOf(runId)
      // Read the status before the bytes: what the run wrote before it ended is then all there.
      const ended = logOptions.follow === true ? lifecycle.isTerminal((yield* statusOf(running)(runId)).status) : true
      const bytes = yield* readFrom(state.offset)
      const text = state.pending + state.decoder.decode(bytes, { stream: !ended })
      const lines = text.split("\n")
      const rest = lines.pop() ?? ""
      if (ended) {
        const all = rest === "" ? lines : [...lines, rest]
        return [Chunk.fromIterable(all), Option.none()] as const
      }
      if (bytes.length === 0) yield* nextChange(runId, since, poll)
      return [Chunk.fromIterable(lines), Option.some({ ...state, offset: state.offset + bytes.length, pending: rest })] as const
    })
  return Stream.unwrap(Effect.map(provide(fs, store.read(runId)), () =>
    Stream.paginateChunkEffect<LogState, string, Backend.BackendError, never>(
      { offset: 0, pending: "", decoder: new TextDecoder("utf-8") },
      step
    )))
}

const executeWith = (running: Running) => (plan: Plan.Plan): Effect.Effect<Backend.RunHandle, Backend.BackendError> => {
  if (plan.backend !== "local") return Effect.fail(new Backend.WrongBackend({ backend: "local", planBackend: plan.backend }))
  const { fs, options } = running
  const environment = options.environment ?? process.env
  const runId = plan.run.runId
  return provide(fs, Effect.gen(function*() {
    const unredacted = RunStore.forPlan(plan)
    yield* unredacted.create({
      ...RunStore.fromPlan(plan),
      pid: process.pid,
      ...(options.supervisor === "in-process" ? { details: { supervisor: "in-process" } } : {})
    })
    const failBeforeStart = (error: Backend.BackendError) =>
      Effect.zipRight(Effect.ignore(unredacted.appendStatus(runId, "Failed", { reason: errorMessage(error) })), Effect.fail(error))
    const interrupted = Effect.ignore(unredacted.appendStatus(runId, "Canceled", { reason: "interrupted before the job started" }))

    const prepared = yield* Effect.gen(function*() {
      yield* unredacted.appendStatus(runId, "Preparing")
      const secrets = yield* RunStore.resolveSecrets(plan.run.secrets, { environment })
      const redactor = Redact.make(Object.values(secrets))
      const store = RunStore.forPlan(plan, { redactor })
      const inherited: Record<string, string> = {}
      for (const [name, value] of Object.entries(environment)) if (value !== undefined) inherited[name] = value
      if (inherited["PYTHONUNBUFFERED"] === undefined) inherited["PYTHONUNBUFFERED"] = "1"
      const processes: Array<localRun.JobProcess> = plan.processes.map((process) => ({
        argv: process.argv,
        cwd: process.cwd,
        env: { ...inherited, ...process.env, ...Object.fromEntries(Object.keys(plan.run.secrets).map((name) => [name, secrets[name] ?? ""])) }
      }))
      // Programs on PATH are checked before copying anything; programs given by path, after.
      const checkPrograms = (byPath: boolean) =>
        Effect.forEach(processes, (process) => {
          const program = process.argv[0] ?? ""
          const searched = process.env["PATH"] ?? ""
          return program.includes("/") !== byPath || which(program, searched, process.cwd) !== undefined
            ? Effect.void
            : Effect.fail(new RunStore.ProgramNotFound({ program, searched, hint: programHint(program) }))
        }, { discard: true })
      yield* checkPrograms(false)
      const report = yield* Snapshot.copy(plan.run.sourceDirectory, store.snapshotPath(runId), {
        exclude: [{ path: store.root, rule: "the run store" }]
      })
      yield* store.writeJson(runId, "snapshot-report.json", report)
      yield* store.update(runId, (record) => ({
        ...record,
        snapshot: { fileCount: report.fileCount, bytes: report.bytes, excludedCount: report.excluded.length, ignoreFile: report.ignoreFile }
      }))
      for (const name of Object.keys(plan.run.spec.outputs)) {
        const directory = path.join(store.outputsPath(runId), name)
        yield* fs.makeDirectory(directory, { recursive: true }).pipe(
          Effect.mapError((cause) => new RunStore.RunStoreError({ path: directory, operation: "create", reason: describe(cause) }))
        )
      }
      yield* checkPrograms(true)
      return { store, secrets, processes }
    }).pipe(Effect.catchAll(failBeforeStart), Effect.onInterrupt(() => interrupted))

    const { store, secrets, processes } = prepared
    if (Option.isSome(yield* store.cancelRequest(runId))) {
      const record = yield* store.appendStatus(runId, "Canceled", { reason: "canceled before the job started" })
      return { runId, backend: "local" as const, runDirectory: plan.run.runDirectory, ...(record.externalId === undefined ? {} : { externalId: record.externalId }) }
    }

    const job: localRun.Job = {
      root: store.root,
      runId,
      processes,
      secrets: Object.values(secrets),
      ...(plan.run.spec.maxRunDurationSeconds === undefined ? {} : { maxRunDurationSeconds: plan.run.spec.maxRunDurationSeconds }),
      killGraceMillis: options.killGraceMillis ?? DEFAULT_KILL_GRACE_MILLIS
    }
    if (options.supervisor === "in-process") return yield* superviseHere(job, plan)
    const supervisorLog = path.join(store.runDirectory(runId), "supervisor.log")
    const supervisor = yield* Effect.try({
      try: () => {
        const log = nodeFs.openSync(supervisorLog, "a")
        try {
          const child = spawn(process.execPath, [supervisorScript()], {
            cwd: store.runDirectory(runId),
            detached: true,
            stdio: ["pipe", log, log],
            env: process.env
          })
          child.stdin?.end(JSON.stringify(job))
          return child
        } finally {
          nodeFs.closeSync(log)
        }
      },
      catch: (cause) => new RunStore.StartFailed({ runId, reason: `the supervisor could not be started: ${describe(cause)}` })
    }).pipe(Effect.catchAll(failBeforeStart))
    let exited: number | null | undefined
    supervisor.on("exit", (code) => {
      exited = code
    })
    supervisor.on("error", () => {
      exited = exited ?? -1
    })

    const poll = options.pollIntervalMillis ?? DEFAULT_POLL_MILLIS
    const deadline = Date.now() + START_TIMEOUT_MILLIS
    const started = yield* Effect.gen(function*() {
      for (;;) {
        const record = yield* store.read(runId)
        if (record.status !== "Preparing" && record.status !== "NotStarted") return record
        if (exited !== undefined || Date.now() > deadline) {
          const tail = nodeFs.existsSync(supervisorLog) ? nodeFs.readFileSync(supervisorLog, "utf8").trim().split("\n").slice(-5).join(" | ") : ""
          const reason = exited !== undefined
            ? `the supervisor exited (code ${exited}) before starting the job${tail === "" ? "" : `: ${Redact.string(store.redactor, tail)}`}`
            : `the supervisor did not start the job within ${START_TIMEOUT_MILLIS / 1000} s`
          supervisor.kill("SIGKILL")
          return yield* failBeforeStart(new RunStore.StartFailed({ runId, reason }))
        }
        yield* Effect.sleep(Math.min(poll, 50))
      }
    }).pipe(Effect.onInterrupt(() => Effect.ignore(cancelRun(running, runId, "canceled: the process starting it was interrupted (Ctrl-C)"))))
    supervisor.unref()
    return {
      runId,
      backend: "local" as const,
      runDirectory: plan.run.runDirectory,
      externalId: started.externalId ?? String(supervisor.pid)
    }
  }))
}

/** Supervises the job in this process; returns once it is `Running` (or has ended). */
const superviseHere = (job: localRun.Job, plan: Plan.LocalPlan): Effect.Effect<Backend.RunHandle> => {
  const changes = { version: 0 }
  const listeners = new Set<() => void>()
  const onChange = () => {
    changes.version++
    for (const wake of [...listeners]) wake()
  }
  const supervision = localRun.start(job, { handleSignals: false, onChange })
  const done = supervision.done.then(() => {
    supervisedHere.delete(job.runId)
    onChange()
  })
  supervisedHere.set(job.runId, { stop: supervision.stop, done, changes, listeners })
  return Effect.as(Effect.promise(() => supervision.started), {
    runId: job.runId,
    backend: "local" as const,
    runDirectory: plan.run.runDirectory,
    externalId: String(process.pid)
  })
}

// -------------------------------------------------------------------------------------
// layers
// -------------------------------------------------------------------------------------

/**
 * The local backend as a service value (what {@link layerWith} provides).
 *
 * @category layers
 * @since 0.1.0
 */
export const make = (fs: FileSystem.FileSystem, options: Options = {}): Backend.Service => {
  const running: Running = { fs, options }
  return {
    name: "local",
    capabilities,
    plan: (spec, context) => plan(spec, context, options).pipe(Effect.provideService(FileSystem.FileSystem, fs)),
    execute: executeWith(running),
    status: statusOf(running),
    logs: logsOf(running),
    wait: waitFor(running),
    cancel: (runId) => cancelRun(running, runId, `canceled by request (process ${process.pid})`)
  }
}

/**
 * The local backend with options.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerWith = (options: Options = {}): Layer.Layer<Backend.Backend, never, FileSystem.FileSystem> =>
  Layer.effect(Backend.Backend, Effect.map(FileSystem.FileSystem, (fs) => make(fs, options)))

/**
 * The local backend with `python3`, its run store at `RunStore.root()`.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<Backend.Backend, never, FileSystem.FileSystem> = layerWith()
