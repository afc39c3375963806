/**
 * Running a docker plan and following the run by its id, from any process, with the run store
 * (`RunStore`) as the shared memory.
 *
 * - `execute`: record the run (`NotStarted`, `Preparing`), resolve its secrets, reach the engine,
 *   copy the snapshot, make sure the image exists (checked again now: built from the plan's
 *   Dockerfile when absent, its base image pulled when absent — or one clear error when it cannot
 *   be), create the container (the plan's body with the secrets resolved), start it (`Running`),
 *   return its handle.
 * - `wait`: until the container exits (killing it at the run's deadline: `Canceled`, with why),
 *   then `finalize`.
 * - `finalize` (by whichever process sees the container stopped first: `wait`, `status`,
 *   `cancel`, `logs`): the container's whole output into `logs/` (redacted), the terminal status
 *   from the exit code (`Canceled` when a cancel was requested), then the container is removed.
 *   Outputs are on a host bind, so they stay. Idempotent: several processes may finalize a run.
 * - `cancel`: request it in the store (`CancelRequested`), kill the container (found by its
 *   `estimator.run-id` label), finalize: `Canceled`.
 * - `logs`: the stored log of a finished run, or the engine's (followed) for a running one.
 *
 * Secret values live only in the memory of a process that resolves them; a process that cannot
 * resolve a run's secrets leaves its container's output in the engine (details `logs:
 * "pending"`) rather than store it unredacted, and a later `status`/`logs` where they resolve
 * collects it.
 *
 * @internal
 */
import type { Estimator } from "@estimator/core"
import { FileSystem } from "@effect/platform"
import { Chunk, Duration, Effect, Either, Option, Stream } from "effect"
import * as os from "node:os"
import * as path from "node:path"
import type { Readable } from "node:stream"
import type * as Backend from "../Backend.js"
import type * as Plan from "../Plan.js"
import * as Redact from "../Redact.js"
import * as RunStore from "../RunStore.js"
import * as Snapshot from "../Snapshot.js"
import * as build from "./dockerBuild.js"
import * as client from "./dockerClient.js"
import { BuildFailed, EngineError, type RunError } from "./dockerErrors.js"
import * as dockerLogs from "./dockerLogs.js"
import * as lifecycle from "./lifecycle.js"
import * as runStore from "./runStore.js"

// -------------------------------------------------------------------------------------
// settings, progress, details
// -------------------------------------------------------------------------------------

/**
 * What the docker backend reports while it executes.
 *
 * @internal
 */
export type Progress =
  | { readonly _tag: "ImageCached"; readonly tag: string }
  | { readonly _tag: "BuildStarted"; readonly tag: string }
  | { readonly _tag: "BuildOutput"; readonly line: string }
  | { readonly _tag: "BuildFinished"; readonly tag: string; readonly seconds: number }
  | { readonly _tag: "ContainerStarted"; readonly runId: string; readonly containerId: string }

/** @internal */
export interface Settings {
  readonly dockerHost: string
  /** Absolute: where runs are looked up by id. */
  readonly runsDirectory: string
  /** The network of image builds (`host`, so a pip index on 127.0.0.1 is reachable). */
  readonly buildNetwork: string
  readonly onProgress: (event: Progress) => void
  /** What to do about a missing image (see `Docker.Options.baseImage`). */
  readonly imageHint: (image: string) => string
  /** How often to look again while another process prepares the run. */
  readonly pollInterval?: Duration.DurationInput
  /** Whether interrupting `wait` (Ctrl-C) cancels the run. */
  readonly cancelOnInterrupt: boolean
}

/**
 * What the docker backend keeps in a run record's `details`.
 *
 * @internal
 */
export interface Details {
  readonly containerName: string
  readonly image: { readonly tag: string; readonly built?: boolean; readonly buildSeconds?: number }
  /** ISO time after which the run is killed (`maxRunDurationSeconds` after it started). */
  readonly deadline?: string
  readonly maxRunDurationSeconds?: number
  /** `collected` once the container's output is in `logs/` and the container is removed. */
  readonly logs: "pending" | "collected"
  /** The `ContainerCreate` body sent to the engine, secrets redacted. */
  readonly create?: RunStore.Json
}

/** The label that finds a run's container. @internal */
export const RUN_ID_LABEL = "estimator.run-id"
/** The label that says where a run's record is. @internal */
export const RUN_DIRECTORY_LABEL = "estimator.run-directory"
/** The label on images this backend builds. @internal */
export const BUILT_BY_LABEL = "estimator.built-by"

const BUILD_TAIL_LINES = 20

type Env = FileSystem.FileSystem

const now = (): string => new Date().toISOString()

/** @internal */
export const detailsOf = (record: RunStore.RunRecord): Details => record.details as unknown as Details

const withDetails = (record: RunStore.RunRecord, part: Partial<Details>): RunStore.RunRecord => ({
  ...record,
  details: { ...(record.details ?? {}), ...(part as { readonly [key: string]: RunStore.Json }) }
})

const isTerminal = (status: Backend.Status): boolean => status === "Completed" || status === "Failed" || status === "Canceled"

// Nothing more to do for the run: it ended and its output is stored (or it never had a container).
const isFinished = (record: RunStore.RunRecord): boolean =>
  isTerminal(record.status) && (detailsOf(record).logs === "collected" || record.externalId === undefined)

const executorAlive = (record: RunStore.RunRecord): boolean => record.pid === undefined || !sameHost(record) || lifecycle.isAlive(record.pid)

const sameHost = (record: RunStore.RunRecord): boolean => record.host === os.hostname()


// -------------------------------------------------------------------------------------
// execute
// -------------------------------------------------------------------------------------

/**
 * The create body sent to the engine: the plan's, with each secret variable's value resolved,
 * `mpirun` asked to tag each line with its rank (`OMPI_MCA_orte_tag_output=1`, the variable form
 * of `--tag-output`), and the run directory as a label.
 *
 * @internal
 */
export const containerBody = (
  plan: Plan.DockerPlan,
  resolved: { readonly [variable: string]: string }
): Plan.ContainerCreate & { readonly name: string } => {
  const container = plan.containers[0]!
  const create = container.create
  const env = create.Env.map((entry) => {
    const name = entry.slice(0, entry.indexOf("="))
    const value = Object.prototype.hasOwnProperty.call(resolved, name) ? resolved[name] : undefined
    return value === undefined ? entry : `${name}=${value}`
  })
  const mpi = create.Cmd[0] === "mpirun" && !env.some((entry) => entry.startsWith("OMPI_MCA_orte_tag_output="))
  return {
    ...create,
    name: container.name,
    Env: mpi ? [...env, "OMPI_MCA_orte_tag_output=1"] : env,
    Labels: { ...create.Labels, [RUN_DIRECTORY_LABEL]: plan.run.runDirectory }
  }
}

const tail = (lines: ReadonlyArray<string>): ReadonlyArray<string> => lines.filter((line) => line.trim() !== "").slice(-BUILD_TAIL_LINES)

const writeText = (target: string, text: string): Effect.Effect<void, RunStore.RunStoreError, Env> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    yield* fs.makeDirectory(path.dirname(target), { recursive: true }).pipe(Effect.ignore)
    // runStore.writeAtomic cannot write nothing (the platform's writeAll fails on zero bytes).
    if (text === "") {
      return yield* fs.writeFileString(target, "").pipe(
        Effect.mapError((cause) => new RunStore.RunStoreError({ path: target, operation: "write", reason: cause.message }))
      )
    }
    yield* runStore.writeAtomic(target, text).pipe(
      Effect.mapError((failure) => new RunStore.RunStoreError({ path: failure.target, operation: failure.operation, reason: failure.reason }))
    )
  })

/** Build the plan's image unless the engine has it (checked now, not at plan time); what happened. */
const ensureImage = (
  engine: client.Engine,
  plan: Plan.DockerPlan,
  store: RunStore.Store,
  settings: Settings,
  registryPassword: string | undefined
): Effect.Effect<Details["image"], RunError, Env> =>
  Effect.gen(function*() {
    const runId = plan.run.runId
    const tag = plan.image.tag
    if (yield* build.exists(engine, tag)) {
      settings.onProgress({ _tag: "ImageCached", tag })
      return { tag, built: false }
    }
    const log: Array<string> = []
    const onLine = (line: string) => {
      log.push(line)
      settings.onProgress({ _tag: "BuildOutput", line })
    }
    const logFile = path.join(store.logsPath(runId), dockerLogs.BUILD_LOG)
    const keepLog = Effect.ignore(Effect.suspend(() => writeText(logFile, log.map((line) => `${Redact.string(store.redactor, line)}\n`).join(""))))
    const started = Date.now()
    settings.onProgress({ _tag: "BuildStarted", tag })
    const registry = plan.registry
    const credentials = registry?.username !== undefined && registryPassword !== undefined
      ? { username: registry.username, password: registryPassword, serveraddress: registry.address }
      : undefined
    yield* Effect.forEach(
      build.fromImages(plan.image.dockerfile).filter((image) => !image.includes("$")),
      (image) => build.ensure(engine, image, settings.imageHint(image), onLine, credentials),
      { discard: true }
    ).pipe(Effect.tapError(() => keepLog))
    const context = yield* build.context(plan.image, plan.imageBuild)
    const outcome = yield* build.build(engine, {
      tag,
      archive: context.archive,
      dockerfile: context.dockerfile,
      network: settings.buildNetwork,
      labels: { [BUILT_BY_LABEL]: "estimator" },
      onLine
    }).pipe(Effect.ensuring(keepLog))
    if (outcome._tag === "Failed") {
      return yield* Effect.fail(new BuildFailed({ tag, reason: outcome.reason, tail: tail(log), log: logFile }))
    }
    const seconds = Math.round((Date.now() - started) / 100) / 10
    settings.onProgress({ _tag: "BuildFinished", tag, seconds })
    return { tag, built: true, buildSeconds: seconds }
  })

const REGISTRY_PASSWORD = "registry password"

/**
 * Run a docker plan: returns once its container runs. When something stops it first, the run
 * record says `Failed` with the same reason as the error.
 *
 * @internal
 */
export const execute = (plan: Plan.DockerPlan, settings: Settings): Effect.Effect<Backend.RunHandle, RunError, Env> =>
  Effect.gen(function*() {
    const run = plan.run
    const runId = run.runId
    const container = plan.containers[0]
    if (container === undefined || plan.containers.length !== 1) {
      return yield* Effect.fail(new EngineError({ operation: "run the plan", reason: `the plan has ${plan.containers.length} containers; the docker backend runs exactly one` }))
    }
    const details: Details = {
      containerName: container.name,
      image: { tag: plan.image.tag },
      ...(run.spec.maxRunDurationSeconds === undefined ? {} : { maxRunDurationSeconds: run.spec.maxRunDurationSeconds }),
      logs: "pending"
    }
    let store = RunStore.forPlan(plan)
    yield* store.create(RunStore.fromPlan(plan, details as unknown as { readonly [key: string]: RunStore.Json }))
    yield* store.update(runId, (record) => lifecycle.apply({ ...record, pid: process.pid }, { status: "Preparing", at: now() }))
    let containerId: string | undefined
    let engine: client.Engine | undefined

    const steps = Effect.gen(function*() {
      const resolved = yield* RunStore.resolveSecrets({
        ...run.secrets,
        ...(plan.registry?.password === undefined ? {} : { [REGISTRY_PASSWORD]: plan.registry.password })
      })
      store = RunStore.forPlan(plan, { redactor: Redact.make(Object.values(resolved)) })
      const { [REGISTRY_PASSWORD]: registryPassword, ...variables } = resolved
      engine = yield* client.connect(settings.dockerHost)
      const connected = engine
      const report = yield* Snapshot.copy(run.sourceDirectory, store.snapshotPath(runId), {
        exclude: [{ path: settings.runsDirectory, rule: "the run store" }, { path: store.root, rule: "the run store" }]
      })
      const image = yield* ensureImage(connected, plan, store, settings, registryPassword)
      const snapshot = { fileCount: report.fileCount, bytes: report.bytes, excludedCount: report.excluded.length, ignoreFile: report.ignoreFile }
      if (Option.isSome(yield* store.cancelRequest(runId))) {
        yield* store.update(runId, (record) =>
          lifecycle.apply(withDetails({ ...record, snapshot }, { image }), { status: "Canceled", at: now(), reason: "Canceled before its container started." }))
        return
      }
      const body = containerBody(plan, variables)
      const created = yield* client.call(connected, `create the container ${container.name}`, () => connected.docker.createContainer(body as never))
      containerId = created.id
      yield* client.call(connected, `start the container ${container.name}`, () => created.start())
      const started = new Date()
      const seconds = run.spec.maxRunDurationSeconds
      const recorded = yield* store.update(runId, (record) => {
        const next = withDetails({ ...record, snapshot, externalId: created.id, containerIds: [created.id] }, {
          image,
          create: Redact.json(store.redactor, body) as unknown as RunStore.Json,
          ...(seconds === undefined ? {} : { deadline: new Date(started.getTime() + seconds * 1000).toISOString() })
        })
        return next.status === "CancelRequested" ? next : lifecycle.apply(next, { status: "Running", at: started.toISOString() })
      })
      settings.onProgress({ _tag: "ContainerStarted", runId, containerId: created.id })
      // A cancel requested while the container was being created found no container to kill (a
      // later one finds it by its label): honour it here.
      if (recorded.status === "CancelRequested") yield* kill(connected, created.id)
    })

    yield* steps.pipe(
      Effect.tapError((error) => Effect.ignore(store.appendStatus(runId, "Failed", { reason: error.message }))),
      Effect.onInterrupt(() =>
        Effect.gen(function*() {
          if (engine !== undefined && containerId !== undefined) {
            const connected = engine
            const id = containerId
            yield* Effect.ignore(client.call(connected, "remove the container", () => connected.docker.getContainer(id).remove({ force: true })))
          }
          yield* Effect.ignore(store.appendStatus(runId, "Canceled", { reason: "Interrupted before the run started." }))
        }))
    )
    return {
      runId,
      backend: "docker" as const,
      runDirectory: run.runDirectory,
      ...(containerId === undefined ? {} : { externalId: containerId })
    }
  })

// -------------------------------------------------------------------------------------
// following a run
// -------------------------------------------------------------------------------------

interface Located {
  readonly store: RunStore.Store
  readonly record: RunStore.RunRecord
}

interface ContainerSummary {
  readonly Id: string
  readonly Labels: { readonly [label: string]: string }
}

const findContainer = (engine: client.Engine, runId: string): Effect.Effect<ContainerSummary | undefined, RunError> =>
  client.call(engine, `list the containers of run ${runId}`, () => engine.docker.listContainers({ all: true, filters: { label: [`${RUN_ID_LABEL}=${runId}`] } })).pipe(
    Effect.map((list) => list[0] as ContainerSummary | undefined)
  )

/**
 * The record of a run, by id: in the runs directory, else where its container's label says.
 *
 * @internal
 */
export const locate = (runId: string, settings: Settings): Effect.Effect<Located, RunError, Env> =>
  Effect.gen(function*() {
    const store = RunStore.make(settings.runsDirectory)
    const record = yield* Effect.either(store.read(runId))
    if (Either.isRight(record)) return { store, record: record.right }
    if (record.left._tag !== "RunNotFound") return yield* Effect.fail(record.left)
    const engine = yield* Effect.option(client.connect(settings.dockerHost))
    if (Option.isSome(engine)) {
      const labelled = (yield* Effect.orElseSucceed(findContainer(engine.value, runId), () => undefined))?.Labels[RUN_DIRECTORY_LABEL]
      if (labelled !== undefined) {
        const elsewhere = RunStore.make(path.dirname(labelled))
        const found = yield* Effect.option(elsewhere.read(runId))
        if (Option.isSome(found)) return { store: elsewhere, record: found.value }
      }
    }
    return yield* Effect.fail(record.left)
  })

const reread = (located: Located): Effect.Effect<Located, RunError, Env> =>
  Effect.map(located.store.read(located.record.runId), (record) => ({ store: located.store, record }))

const containerOf = (engine: client.Engine, record: RunStore.RunRecord): Effect.Effect<string | undefined, RunError> =>
  Effect.map(findContainer(engine, record.runId), (found) => found?.Id ?? record.externalId)

interface State {
  /** Created but never started. */
  readonly created: boolean
  readonly running: boolean
  readonly exitCode: number
  readonly oomKilled: boolean
}

const inspect = (engine: client.Engine, id: string): Effect.Effect<State | undefined, RunError> =>
  client.call(engine, "inspect the container", () => engine.docker.getContainer(id).inspect()).pipe(
    Effect.map((info): State => ({
      created: info.State.Status === "created",
      running: info.State.Running || info.State.Restarting,
      exitCode: info.State.ExitCode,
      oomKilled: info.State.OOMKilled
    })),
    Effect.catchIf(client.isNotFound, () => Effect.succeed(undefined))
  )

const outcome = (record: RunStore.RunRecord, state: State): { readonly status: Backend.Status; readonly details: RunStore.StatusDetails } => {
  const cancel = [...record.statusHistory].reverse().find((entry) => entry.status === "CancelRequested")
  if (state.exitCode === 0) return { status: "Completed", details: { exitCode: 0 } }
  if (cancel !== undefined) return { status: "Canceled", details: { exitCode: state.exitCode, reason: cancel.reason ?? "Canceled by request." } }
  const reason = state.oomKilled
    ? `The container ran out of memory and was killed (exit code ${state.exitCode}).`
    : state.exitCode === 137
    ? "The job was killed (SIGKILL, exit code 137) by something other than estimator."
    : `The job exited with code ${state.exitCode}.`
  return { status: "Failed", details: { exitCode: state.exitCode, reason } }
}

const redactorOf = (record: RunStore.RunRecord): Effect.Effect<Either.Either<Redact.Redactor, RunStore.SecretUnavailable>, never, Env> =>
  Effect.either(Effect.map(RunStore.resolveSecrets((record.spec as Estimator.Estimator).secretEnvironmentVariables ?? {}), (values) => Redact.make(Object.values(values))))

const fetchLogs = (engine: client.Engine, id: string, redactor: Redact.Redactor): Effect.Effect<ReadonlyArray<dockerLogs.LogLine>, RunError> =>
  client.call(engine, "read the container's output", () => engine.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false })).pipe(
    Effect.map((data) => dockerLogs.readAll(Buffer.isBuffer(data) ? data : Buffer.from(String(data)), redactor))
  )

/**
 * 404: the container is removed; 409: it is not running, or it is dead or being removed (by
 * another process finalizing the same run, which keeps its output first).
 */
const goneOrEnded = (error: RunError): boolean => client.isNotFound(error) || (error._tag === "EngineError" && error.statusCode === 409)

const kill = (engine: client.Engine, id: string) =>
  client.call(engine, "kill the container", () => engine.docker.getContainer(id).kill()).pipe(
    Effect.catchIf(goneOrEnded, () => Effect.void)
  )

const waitExit = (engine: client.Engine, id: string) =>
  client.call(engine, "wait for the container", (signal) => engine.docker.getContainer(id).wait({ abortSignal: signal })).pipe(
    Effect.asVoid,
    Effect.catchIf(client.isNotFound, () => Effect.void)
  )

const removeContainer = (engine: client.Engine, id: string) =>
  client.call(engine, "remove the container", () => engine.docker.getContainer(id).remove({ force: true })).pipe(
    Effect.catchIf(goneOrEnded, () => Effect.void)
  )

const DISAPPEARED = "The run's container disappeared before its end was recorded (was it removed with docker rm?); its output is lost."

/**
 * Once the container `id` has stopped: keep its output, record how it ended, remove it. Returns
 * the record, or `undefined` while the container still runs.
 *
 * @internal
 */
export const finalize = (
  engine: client.Engine,
  store: RunStore.Store,
  runId: string,
  id: string
): Effect.Effect<RunStore.RunRecord | undefined, RunError, Env> =>
  Effect.gen(function*() {
    const state = yield* inspect(engine, id)
    if (state === undefined) {
      // Gone: another process finalized it (its record says so), or it was removed behind our back.
      const latest = yield* store.read(runId)
      if (isTerminal(latest.status)) return latest
      return yield* store.appendStatus(runId, "Failed", { reason: DISAPPEARED })
    }
    if (state.running) return undefined
    const record = yield* store.read(runId)
    if (isFinished(record)) return record
    if (state.created) {
      // Its process is about to start it, or ended before it could.
      if (executorAlive(record) && !isTerminal(record.status)) return undefined
      yield* removeContainer(engine, id)
      const cancelled = record.statusHistory.some((entry) => entry.status === "CancelRequested")
      return yield* store.appendStatus(runId, cancelled ? "Canceled" : "Failed", {
        reason: cancelled ? "Canceled before its container started." : `The process that started the run (pid ${record.pid ?? "?"}) ended before its container started.`
      })
    }
    const redactor = yield* redactorOf(record)
    let collected = false
    if (Either.isRight(redactor)) {
      // Gone or going: another process finalized the run at the same time (its record says so).
      const lines = yield* fetchLogs(engine, id, redactor.right).pipe(Effect.catchIf(goneOrEnded, () => Effect.succeed(undefined)))
      if (lines !== undefined) {
        yield* Effect.forEach(Object.entries(dockerLogs.files(lines)), ([file, text]) => writeText(path.join(store.logsPath(runId), file), text), { discard: true })
        collected = true
      }
    }
    const next = yield* store.update(runId, (current) => {
      const end = outcome(current, state)
      const ended = lifecycle.apply(current, { status: end.status, at: now(), ...end.details })
      return collected ? withDetails(ended, { logs: "collected" }) : ended
    })
    if (collected) yield* removeContainer(engine, id)
    return next
  })

const timeoutReason = (record: RunStore.RunRecord): string =>
  `The run exceeded its maximum duration of ${detailsOf(record).maxRunDurationSeconds ?? "?"} s (maxRunDurationSeconds) and was killed.`

const observe = (runId: string, settings: Settings, block: boolean): Effect.Effect<RunStore.RunRecord, RunError, Env> =>
  Effect.gen(function*() {
    const interval = settings.pollInterval ?? Duration.millis(200)
    for (;;) {
      const located = yield* locate(runId, settings)
      const record = located.record
      if (isFinished(record)) return record
      const engine = yield* client.connect(settings.dockerHost)
      const id = yield* containerOf(engine, record)
      if (id === undefined) {
        if (isTerminal(record.status)) return record
        if (record.externalId === undefined && executorAlive(record)) {
          // Another process is still preparing the run (snapshot, image build).
          if (!block) return record
          yield* Effect.sleep(interval)
          continue
        }
        const cancelled = record.statusHistory.some((entry) => entry.status === "CancelRequested")
        return yield* located.store.appendStatus(runId, cancelled ? "Canceled" : "Failed", {
          reason: cancelled
            ? "Canceled before its container started."
            : record.externalId !== undefined
            ? DISAPPEARED
            : `The process that started the run (pid ${record.pid ?? "?"}) ended before its container started.`
        })
      }
      const deadlineText = detailsOf(record).deadline
      const deadline = deadlineText === undefined ? undefined : Date.parse(deadlineText)
      if (!isTerminal(record.status) && deadline !== undefined && Date.now() >= deadline) {
        yield* located.store.requestCancel(runId, timeoutReason(record))
        yield* kill(engine, id)
        yield* waitExit(engine, id)
      } else if (block && !isTerminal(record.status)) {
        const exited = deadline === undefined
          ? yield* Effect.as(waitExit(engine, id), true)
          : yield* waitExit(engine, id).pipe(
            Effect.as(true),
            Effect.timeoutTo({ duration: Duration.millis(Math.max(0, deadline - Date.now())), onSuccess: (done) => done, onTimeout: () => false })
          )
        if (!exited) continue
      }
      const finished = yield* finalize(engine, located.store, runId, id)
      if (finished !== undefined) return finished
      if (!block) return (yield* reread(located)).record
      yield* Effect.sleep(interval)
    }
  })

/**
 * The run's status now. A run whose container has stopped is finalized on the way, and one past
 * its deadline is killed first.
 *
 * @internal
 */
export const status = (runId: string, settings: Settings): Effect.Effect<Backend.RunStatus, RunError, Env> =>
  Effect.map(observe(runId, settings, false), RunStore.toRunStatus)

/** The reason recorded when an interrupted `wait` or `run` cancels the run. @internal */
export const INTERRUPTED = "Canceled: the process waiting for it was interrupted (Ctrl-C)."

/**
 * Wait for the run's end (killing it at its deadline) and return its terminal status.
 * Interrupted (Ctrl-C), it cancels the run when `settings.cancelOnInterrupt`, else it only stops
 * waiting.
 *
 * @internal
 */
export const wait = (runId: string, settings: Settings): Effect.Effect<Backend.RunStatus, RunError, Env> =>
  Effect.map(observe(runId, settings, true), RunStore.toRunStatus).pipe(
    Effect.onInterrupt(() => (settings.cancelOnInterrupt ? Effect.ignore(cancel(runId, settings, INTERRUPTED)) : Effect.void))
  )

/**
 * Cancel a run: request it in the store, kill its container, record `Canceled`. A run still
 * being prepared by another process is left `CancelRequested`: that process cancels it before
 * it starts its container.
 *
 * @internal
 */
export const cancel = (runId: string, settings: Settings, reason = "Canceled by request."): Effect.Effect<Backend.RunStatus, RunError, Env> =>
  Effect.gen(function*() {
    const located = yield* locate(runId, settings)
    if (isTerminal(located.record.status)) return yield* status(runId, settings)
    yield* located.store.requestCancel(runId, reason)
    const engine = yield* client.connect(settings.dockerHost)
    const id = yield* containerOf(engine, located.record)
    if (id !== undefined) {
      yield* kill(engine, id)
      yield* waitExit(engine, id)
    }
    return yield* status(runId, settings)
  })

// -------------------------------------------------------------------------------------
// logs
// -------------------------------------------------------------------------------------

const storedLines = (located: Located): Effect.Effect<ReadonlyArray<string>, never, Env> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* Effect.orElseSucceed(fs.readFileString(located.store.logPath(located.record.runId, "combined")), () => "")
    if (text === "") return []
    const lines = text.split("\n")
    if (lines[lines.length - 1] === "") lines.pop()
    return lines
  })

// Events, not the async iterator: a Readable's iterator cannot be closed while a read is pending
// (its `return` waits for the next chunk), so an interrupted follow would hang until output came.
const engineLines = (engine: client.Engine, id: string, redactor: Redact.Redactor): Stream.Stream<string, RunError> =>
  Stream.unwrap(Effect.map(
    client.call(engine, "follow the container's output", (signal) =>
      engine.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: true, abortSignal: signal } as never) as unknown as Promise<Readable>),
    (readable) => {
      const reader = new dockerLogs.Reader(redactor)
      return Stream.async<string, RunError>((emit) => {
        let done = false
        const end = () => {
          if (done) return
          done = true
          const rest = reader.end().map((line) => line.text)
          void (rest.length > 0 ? emit.chunk(Chunk.fromIterable(rest)).then(() => emit.end()) : emit.end())
        }
        readable.on("data", (chunk: Buffer) => void emit.chunk(Chunk.fromIterable(reader.push(chunk).map((line) => line.text))))
        readable.on("end", end)
        readable.on("close", end)
        readable.on("error", (cause) => {
          if (done) return
          done = true
          void emit.fail(new EngineError({ operation: "follow the container's output", reason: cause.message }))
        })
        return Effect.sync(() => readable.destroy())
      })
    }
  ))

/**
 * The run's output lines (both streams, `[rank N] ` in front of a rank's lines): the stored log
 * of a finished run; for a running one the engine's output so far, and with `follow` as it comes
 * until the run ends (which is then finalized).
 *
 * @internal
 */
export const logs = (runId: string, settings: Settings, options: { readonly follow?: boolean } = {}): Stream.Stream<string, RunError, Env> =>
  Stream.unwrap(Effect.gen(function*() {
    const located = yield* locate(runId, settings)
    const record = located.record
    const stored = Stream.flatMap(Stream.fromEffect(storedLines(located)), Stream.fromIterable)
    if (isFinished(record)) return stored
    const engine = yield* Effect.either(client.connect(settings.dockerHost))
    if (Either.isLeft(engine)) return isTerminal(record.status) ? stored : Stream.fail(engine.left)
    const id = yield* containerOf(engine.right, record)
    if (id === undefined) {
      if (options.follow !== true || isTerminal(record.status) || !executorAlive(record)) return stored
      // Still being prepared by another process: look again shortly.
      yield* Effect.sleep(settings.pollInterval ?? Duration.millis(200))
      return logs(runId, settings, options)
    }
    const redactor = yield* redactorOf(record)
    if (Either.isLeft(redactor)) return Stream.fail(redactor.left)
    if (options.follow !== true) {
      return Stream.unwrap(fetchLogs(engine.right, id, redactor.right).pipe(
        Effect.map((lines) => Stream.fromIterable(lines.map((line) => line.text))),
        // Finalized by another process meanwhile: its output is in the stored log now.
        Effect.catchIf(goneOrEnded, () => Effect.map(reread(located), (again) => Stream.flatMap(Stream.fromEffect(storedLines(again)), Stream.fromIterable)))
      ))
    }
    let emitted = 0
    const live = engineLines(engine.right, id, redactor.right).pipe(
      Stream.tap(() => Effect.sync(() => emitted++)),
      Stream.catchAll(() => Stream.empty)
    )
    // The engine ends the stream when the container stops. If a concurrent finalize removed the
    // container first and cut the stream short, the rest comes from the stored log.
    const rest = Stream.unwrap(Effect.gen(function*() {
      const finished = yield* observe(runId, settings, true)
      const all = yield* storedLines({ store: located.store, record: finished })
      return Stream.fromIterable(all.slice(emitted))
    }))
    return Stream.concat(live, rest)
  }))

// -------------------------------------------------------------------------------------
// attached run
// -------------------------------------------------------------------------------------

/**
 * Execute, send each output line to `onLine` as it comes, wait for the end. Interrupting it
 * (Ctrl-C) cancels the run: the container is killed and removed, the run is `Canceled`.
 *
 * @internal
 */
export const runAttached = (
  plan: Plan.DockerPlan,
  settings: Settings,
  onLine: (line: string) => void
): Effect.Effect<Backend.RunStatus, RunError, Env> =>
  Effect.gen(function*() {
    const handle = yield* execute(plan, settings)
    const runId = handle.runId
    let emitted = 0
    const follow = Effect.gen(function*() {
      if (handle.externalId === undefined) return
      const engine = yield* client.connect(settings.dockerHost)
      const redactor = yield* redactorOf((yield* locate(runId, settings)).record)
      if (Either.isLeft(redactor)) return
      yield* Stream.runForEach(
        engineLines(engine, handle.externalId, redactor.right).pipe(Stream.catchAll(() => Stream.empty)),
        (line) => Effect.sync(() => {
          emitted++
          onLine(line)
        })
      )
    })
    const [, final] = yield* Effect.all([follow, wait(runId, { ...settings, cancelOnInterrupt: false })], { concurrency: "unbounded" }).pipe(
      Effect.onInterrupt(() => Effect.ignore(cancel(runId, settings, INTERRUPTED)))
    )
    // The engine ends the live stream when the container stops; if the container was removed
    // before the stream was drained, the rest comes from the stored log.
    const stored = yield* storedLines(yield* locate(runId, settings))
    for (const line of stored.slice(emitted)) onLine(line)
    return final
  })
