/**
 * The `Backend` service: one interface for every way of running a spec — `dry-run`, `local`,
 * `docker`, `azureml` — in two halves. `plan` is read-only (it may read the spec's files and
 * ask the Docker engine whether an image exists, nothing else) and returns the exact requests or
 * commands the backend would issue; `execute` performs them. `status`, `logs`, `wait` and
 * `cancel` follow a run by its id. `capabilities` says, field by field, what the backend honours:
 * a spec field it cannot honour is a plan error naming the field and the backends that can.
 *
 * This module holds the vocabulary shared by every backend: names, capabilities, the plan
 * context, run handles and the status vocabulary (Azure ML's, for every backend). The layers
 * live in `DryRun`, `Local`, `Docker` and `AzureMl`.
 *
 * @since 0.1.0
 */
import type { Estimator } from "@estimator/core"
import { Clock, Context, Data, Effect, Random, Stream } from "effect"
import * as internalCapabilities from "./internal/capabilities.js"
import type * as Plan from "./Plan.js"
import type * as PlanError from "./PlanError.js"
import type * as AzureMl from "./AzureMl.js"
import type * as Docker from "./Docker.js"
import type * as RunStore from "./RunStore.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The backends, as `--backend` names them.
 *
 * @category models
 * @since 0.1.0
 */
export type BackendName = "dry-run" | "local" | "docker" | "azureml"

/**
 * Every backend name, in a stable order.
 *
 * @category models
 * @since 0.1.0
 */
export const names: ReadonlyArray<BackendName> = ["dry-run", "local", "docker", "azureml"]

/**
 * The backends that run jobs (every one but `dry-run`); plan issues name these as the backends
 * that can honour a field.
 *
 * @category models
 * @since 0.1.0
 */
export const executingNames: ReadonlyArray<Exclude<BackendName, "dry-run">> = ["local", "docker", "azureml"]

/**
 * How a backend treats a feature of a spec: `supported` (honoured), `ignored` (the spec is planned
 * but the feature has no effect there; the plan carries a warning saying so) or `unsupported`
 * (a plan error naming the field and the backends that support it).
 *
 * @category models
 * @since 0.1.0
 */
export type Support = "supported" | "ignored" | "unsupported"

/**
 * A feature a spec can use, by the field that turns it on. See {@link features} for when a spec
 * uses each one.
 *
 * @category models
 * @since 0.1.0
 */
export type Feature =
  | "compute.local"
  | "compute.cluster"
  | "compute.serverless"
  | "nodeCount"
  | "processCountPerNode"
  | "tensorFlowTasks"
  | "gpu"
  | "environment.noDocker"
  | "environment.image"
  | "environment.registryCredentials"
  | "environment.build"
  | "environment.registered"
  | "environment.packages"
  | "shmSize"
  | "dockerArgs"
  | "maxRunDuration"
  | "secretEnvironmentVariables"
  | "command"
  | "commandWithoutWordCharacter"
  | "argumentWithTemplate"
  | "inputs.localPath"
  | "inputs.datastore"
  | "inputs.dataAsset"
  | "inputs.uri"
  | "inputs.literal"
  | "inputs.literalWithoutWordCharacter"
  | "outputs.destination"
  | "outputs.asset"
  | "sourceDirectoryDatastore"


/**
 * How one backend treats one feature, and why (the note is part of the plan issue's message).
 *
 * @category models
 * @since 0.1.0
 */
export interface Capability {
  readonly support: Support
  readonly note: string
}

/**
 * What a backend honours: one entry per feature.
 *
 * @category models
 * @since 0.1.0
 */
export type Capabilities = { readonly [F in Feature]: Capability }

/**
 * Every feature, with the condition under which a spec uses it.
 *
 * @category models
 * @since 0.1.0
 */
export const features: { readonly [F in Feature]: string } = internalCapabilities.features

/**
 * The capability table of every backend.
 *
 * @category models
 * @since 0.1.0
 */
export const capabilityTable: { readonly [B in BackendName]: Capabilities } = internalCapabilities.table

/**
 * An Azure ML workspace, by the three parts of its ARM id.
 *
 * @category models
 * @since 0.1.0
 */
export interface Workspace {
  readonly subscriptionId: string
  readonly resourceGroup: string
  readonly workspaceName: string
}

/**
 * Asks the Docker engine whether an image tag exists locally; fails when the engine cannot be
 * reached (the plan then says the image will be built, with a warning).
 *
 * @category models
 * @since 0.1.0
 */
export type ImageCheck = (tag: string) => Effect.Effect<boolean, EngineUnavailable>

/**
 * What a plan reads besides the spec.
 *
 * - `baseDirectory`: the directory the spec's relative paths start from (`sourceDirectory`, local
 *   inputs); usually the spec file's directory.
 * - `workspace`: the Azure ML workspace; when absent, paths and ARM ids keep the placeholders
 *   `{subscriptionId}`, `{resourceGroupName}` and `{workspaceName}`.
 * - `runsDirectory`: the run store, relative to `baseDirectory` unless absolute (default
 *   `.estimator/runs`).
 * - `runId`: the run id generator (default {@link generateRunId}); inject a constant for
 *   deterministic plans.
 * - `imageExists`: for `docker`, whether an image is already built (default: ask the engine).
 *
 * @category models
 * @since 0.1.0
 */
export interface PlanContext {
  readonly baseDirectory: string
  readonly workspace?: Workspace
  readonly runsDirectory?: string
  readonly runId?: Effect.Effect<string>
  readonly imageExists?: ImageCheck
}

/**
 * The status vocabulary of every backend (Azure ML's job statuses).
 *
 * @category models
 * @since 0.1.0
 */
export type Status =
  | "NotStarted"
  | "Queued"
  | "Preparing"
  | "Running"
  | "Finalizing"
  | "CancelRequested"
  | "Completed"
  | "Failed"
  | "Canceled"
  | "NotResponding"

/**
 * Every status, in lifecycle order.
 *
 * @category models
 * @since 0.1.0
 */
export const statuses: ReadonlyArray<Status> = [
  "NotStarted",
  "Queued",
  "Preparing",
  "Running",
  "Finalizing",
  "CancelRequested",
  "Completed",
  "Failed",
  "Canceled",
  "NotResponding"
]

/**
 * A run's status at a point in time. `reason` explains `Failed` and `Canceled` (e.g. the timeout).
 *
 * @category models
 * @since 0.1.0
 */
export interface RunStatus {
  readonly runId: string
  readonly backend: BackendName
  readonly status: Status
  /** ISO-8601 time of the observation. */
  readonly at: string
  readonly exitCode?: number
  readonly reason?: string
}

/**
 * What `execute` returns: the run id (the key of the run store), the backend, the run's
 * directory in the run store, and the backend's own id for it (the ARM id of an Azure ML job,
 * a container id, a process id).
 *
 * @category models
 * @since 0.1.0
 */
export interface RunHandle {
  readonly runId: string
  readonly backend: BackendName
  readonly runDirectory: string
  readonly externalId?: string
}

/**
 * Options of `logs`.
 *
 * @category models
 * @since 0.1.0
 */
export interface LogsOptions {
  /** Keep streaming until the run ends. */
  readonly follow?: boolean
}

// -------------------------------------------------------------------------------------
// errors
// -------------------------------------------------------------------------------------

/**
 * The Docker engine could not be reached (socket missing, daemon down, unexpected answer).
 *
 * @category errors
 * @since 0.1.0
 */
export class EngineUnavailable extends Data.TaggedError("EngineUnavailable")<{ readonly reason: string }> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `The Docker engine could not be reached: ${this.reason}. Start Docker (or set DOCKER_HOST), then retry.`
  }
}

/**
 * The operation is not available yet for this backend.
 *
 * @category errors
 * @since 0.1.0
 */
export class NotImplemented extends Data.TaggedError("NotImplemented")<{
  readonly backend: BackendName
  readonly operation: "execute" | "status" | "logs" | "wait" | "cancel"
}> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `The ${this.backend} backend cannot ${this.operation} runs yet: only plan is implemented. Use "estimator plan --backend ${this.backend}" to see what it would do.`
  }
}

/**
 * `execute` was given a plan made by another backend.
 *
 * @category errors
 * @since 0.1.0
 */
export class WrongBackend extends Data.TaggedError("WrongBackend")<{
  readonly backend: BackendName
  readonly planBackend: BackendName
}> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `The ${this.backend} backend was given a plan made by the ${this.planBackend} backend; plan the spec with --backend ${this.backend} first.`
  }
}

/**
 * The dry-run backend only plans.
 *
 * @category errors
 * @since 0.1.0
 */
export class NotExecutable extends Data.TaggedError("NotExecutable")<{ readonly backend: BackendName }> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `The ${this.backend} backend only plans: it never runs a job. Choose --backend local, docker or azureml to run it.`
  }
}

/**
 * What `execute`, `status`, `logs`, `wait` and `cancel` can fail with: the errors above, and
 * those of executing and following a run on any backend (`RunStore.RunError`: run not found,
 * run store unreadable, a secret or program missing, a start failure, a snapshot failure) and
 * the Docker engine's (`Docker.RunError`: daemon unreachable, engine error, image unavailable,
 * build failed), and Azure ML's (`AzureMl.ExecuteError`, `AzureMl.FollowError`: workspace missing,
 * authentication, ARM errors, transport, upload).
 *
 * @category errors
 * @since 0.1.0
 */
export type BackendError = NotImplemented | WrongBackend | NotExecutable | RunStore.RunError | Docker.RunError | AzureMl.ExecuteError | AzureMl.FollowError

// -------------------------------------------------------------------------------------
// tags
// -------------------------------------------------------------------------------------

/**
 * What every backend implements.
 *
 * @category models
 * @since 0.1.0
 */
export interface Service {
  readonly name: BackendName
  readonly capabilities: Capabilities
  /** Read-only: the exact requests or commands the backend would issue, or every reason it cannot. */
  readonly plan: (spec: Estimator.Estimator, context: PlanContext) => Effect.Effect<Plan.Plan, PlanError.PlanError>
  readonly execute: (plan: Plan.Plan) => Effect.Effect<RunHandle, BackendError>
  readonly status: (runId: string) => Effect.Effect<RunStatus, BackendError>
  readonly logs: (runId: string, options?: LogsOptions) => Stream.Stream<string, BackendError>
  readonly wait: (runId: string) => Effect.Effect<RunStatus, BackendError>
  readonly cancel: (runId: string) => Effect.Effect<RunStatus, BackendError>
}

/**
 * The backend service.
 *
 * @example
 * Backend.plan(spec, { baseDirectory: "." }).pipe(Effect.provide(Local.layer), Effect.provide(NodeContext.layer))
 *
 * @category tags
 * @since 0.1.0
 */
export class Backend extends Context.Tag("@estimator/submit/Backend")<Backend, Service>() {}

// -------------------------------------------------------------------------------------
// accessors
// -------------------------------------------------------------------------------------

/**
 * The capabilities of the backend in context.
 *
 * @category accessors
 * @since 0.1.0
 */
export const capabilities: Effect.Effect<Capabilities, never, Backend> = Effect.map(Backend, (backend) => backend.capabilities)

/**
 * Plan `spec` with the backend in context.
 *
 * @category accessors
 * @since 0.1.0
 */
export const plan = (
  spec: Estimator.Estimator,
  context: PlanContext
): Effect.Effect<Plan.Plan, PlanError.PlanError, Backend> => Effect.flatMap(Backend, (backend) => backend.plan(spec, context))

/**
 * Execute a plan with the backend in context.
 *
 * @category accessors
 * @since 0.1.0
 */
export const execute = (plan: Plan.Plan): Effect.Effect<RunHandle, BackendError, Backend> =>
  Effect.flatMap(Backend, (backend) => backend.execute(plan))

/**
 * @category accessors
 * @since 0.1.0
 */
export const status = (runId: string): Effect.Effect<RunStatus, BackendError, Backend> =>
  Effect.flatMap(Backend, (backend) => backend.status(runId))

/**
 * @category accessors
 * @since 0.1.0
 */
export const wait = (runId: string): Effect.Effect<RunStatus, BackendError, Backend> =>
  Effect.flatMap(Backend, (backend) => backend.wait(runId))

/**
 * @category accessors
 * @since 0.1.0
 */
export const cancel = (runId: string): Effect.Effect<RunStatus, BackendError, Backend> =>
  Effect.flatMap(Backend, (backend) => backend.cancel(runId))

/**
 * The log lines of a run, from the backend in context.
 *
 * @category accessors
 * @since 0.1.0
 */
export const logs = (runId: string, options?: LogsOptions): Effect.Effect<Stream.Stream<string, BackendError>, never, Backend> =>
  Effect.map(Backend, (backend) => backend.logs(runId, options))

// -------------------------------------------------------------------------------------
// guards
// -------------------------------------------------------------------------------------

/**
 * @category guards
 * @since 0.1.0
 */
export const isBackendName = (u: unknown): u is BackendName => typeof u === "string" && (names as ReadonlyArray<string>).includes(u)

/**
 * Whether a run in this status will not change again. `NotResponding` is not terminal: Azure ML
 * runs may leave it.
 *
 * @category guards
 * @since 0.1.0
 */
export const isTerminal = (status: Status): boolean => status === "Completed" || status === "Failed" || status === "Canceled"

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const RUN_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"

const pad = (n: number, width = 2): string => String(n).padStart(width, "0")

/**
 * A fresh run id, `yyyyMMdd-HHmmss-xxxxxxxx` (UTC time, then 8 random lower-case letters and
 * digits): sortable by time, a valid directory name and a valid Azure ML job name. Reads
 * effect's `Clock` and `Random`, so `TestClock` and a seeded `Random` make it deterministic.
 *
 * @category constructors
 * @since 0.1.0
 */
export const generateRunId: Effect.Effect<string> = Effect.gen(function*() {
  const millis = yield* Clock.currentTimeMillis
  const date = new Date(millis)
  const stamp = `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}-${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`
  let suffix = ""
  for (let i = 0; i < 8; i++) {
    suffix += RUN_ID_ALPHABET[yield* Random.nextIntBetween(0, RUN_ID_ALPHABET.length)]
  }
  return `${stamp}-${suffix}`
})

/**
 * A service whose `execute`, `status`, `logs`, `wait` and `cancel` fail with `NotImplemented`
 * (`NotExecutable` for the dry run; `WrongBackend` for a plan of another backend), around a
 * `plan`. Backends whose run half is not written yet use it.
 *
 * @category constructors
 * @since 0.1.0
 */
export const planOnly = (
  name: BackendName,
  planFn: Service["plan"]
): Service => {
  const notImplemented = (operation: NotImplemented["operation"]): BackendError =>
    name === "dry-run" ? new NotExecutable({ backend: name }) : new NotImplemented({ backend: name, operation })
  return {
    name,
    capabilities: capabilityTable[name],
    plan: planFn,
    execute: (plan) =>
      plan.backend !== name
        ? Effect.fail(new WrongBackend({ backend: name, planBackend: plan.backend }))
        : Effect.fail(notImplemented("execute")),
    status: () => Effect.fail(notImplemented("status")),
    logs: () => Stream.fail(notImplemented("logs")),
    wait: () => Effect.fail(notImplemented("wait")),
    cancel: () => Effect.fail(notImplemented("cancel"))
  }
}
