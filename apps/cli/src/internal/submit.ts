/**
 * The one place where the command calls `@estimator/submit`: planning a spec with a backend,
 * exporting it as Azure ML YAML and importing Azure ML YAML. The commands see only the small
 * API below. Each submit module is imported lazily, and only the backend that is asked for, so
 * `validate` never loads submit and a plan loads one backend.
 *
 * @internal
 */
import type { Estimator } from "@estimator/core"
import type * as SubmitAzureMl from "@estimator/submit/AzureMl"
import type * as SubmitBackend from "@estimator/submit/Backend"
import type * as SubmitDocker from "@estimator/submit/Docker"
import type * as SubmitPlan from "@estimator/submit/Plan"
import type * as SubmitPlanError from "@estimator/submit/PlanError"
import type * as SubmitRunStore from "@estimator/submit/RunStore"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import type { BackendName, RunBackendName } from "../Args.js"
import type { Problem } from "../Render.js"

/** The plan envelope of DESIGN §4 as JSON: `backend`, `warnings` and the backend's lists. @internal */
export interface PlanEnvelope {
  readonly backend: string
  readonly warnings: ReadonlyArray<unknown>
  readonly [key: string]: unknown
}

/** An Azure ML workspace, as `--workspace config.json` names it. @internal */
export interface Workspace {
  readonly subscriptionId: string
  readonly resourceGroup: string
  readonly workspaceName: string
}

/** The workspace could not be resolved: `WorkspaceMissing`'s message, and whether anything was found. @internal */
export class WorkspaceUnavailable extends Data.TaggedError("WorkspaceUnavailable")<{
  readonly message: string
  /** Some field was found, or a source was given or found but is broken: not simply unconfigured. */
  readonly partial: boolean
}> {}

/**
 * The Azure ML workspace: `--workspace FILE` (`file`, relative to `cwd`), else the
 * `AZUREML_*` variables over a `config.json` found from `cwd` (see submit's `Workspace.load`).
 *
 * @internal
 */
export const loadWorkspace = (options: {
  readonly file?: string
  readonly cwd: string
  readonly env: { readonly [name: string]: string | undefined }
}): Effect.Effect<Workspace, WorkspaceUnavailable, FileSystem.FileSystem> =>
  Effect.flatMap(Effect.promise(() => import("@estimator/submit/Workspace")), (SubmitWorkspace) =>
    SubmitWorkspace.load({
      cwd: options.cwd,
      environment: options.env,
      ...(options.file === undefined ? {} : { file: options.file })
    }).pipe(
      Effect.map((resolved) => resolved.workspace),
      Effect.mapError((error) =>
        new WorkspaceUnavailable({
          message: error.message,
          partial: options.file !== undefined || error.problems.length > 0 || error.missing.length < SubmitWorkspace.fields.length
        })
      )
    ))

/** A backend refused the spec (or the file to import): what and why, with every problem. @internal */
export class SubmitRejected extends Data.TaggedError("SubmitRejected")<{
  readonly message: string
  readonly hint?: string
  readonly problems: ReadonlyArray<Problem>
  readonly warnings: ReadonlyArray<Problem>
}> {}

const asError = (issue: Omit<Problem, "severity">): Problem => ({ ...issue, severity: "error" })
const asWarning = (issue: Omit<Problem, "severity">): Problem => ({ ...issue, severity: "warning" })

/** What a plan reads besides the spec (see submit's `Backend.PlanContext`). @internal */
export interface PlanContext {
  readonly baseDirectory: string
  readonly runsDirectory: string
  readonly workspace?: Workspace
}

type BackendLayer = Layer.Layer<SubmitBackend.Backend, never, FileSystem.FileSystem>

/** A backend's plan half. */
type Planner = (
  spec: Estimator.Estimator,
  context: SubmitBackend.PlanContext
) => Effect.Effect<SubmitPlan.Plan, SubmitPlanError.PlanError, FileSystem.FileSystem>

const fromLayer = (layer: BackendLayer): Effect.Effect<Planner> =>
  Effect.map(Effect.promise(() => import("@estimator/submit/Backend")), (Backend) => (spec, context) =>
    Backend.plan(spec, context).pipe(Effect.provide(layer)))

const planner = (backend: BackendName): Effect.Effect<Planner> => {
  switch (backend) {
    case "dry-run":
      return Effect.flatMap(Effect.promise(() => import("@estimator/submit/DryRun")), (module) => fromLayer(module.layer))
    case "local":
      return Effect.flatMap(Effect.promise(() => import("@estimator/submit/Local")), (module) => fromLayer(module.layer))
    case "docker":
      // The layer, not Docker.plan: it reads the backend's configuration (ESTIMATOR_DOCKER_BASE_IMAGE, ...).
      return Effect.flatMap(Effect.promise(() => import("@estimator/submit/Docker")), (module) => fromLayer(module.layer))
    case "azureml":
      // Only the plan half (what the azureml layer's plan calls): the bundle leaves out the
      // Azure SDK clients that executing needs, about 2 MB to load.
      return Effect.map(Effect.promise(() => import("./azureMlPlan.js")), (module) => module.plan)
  }
}

/**
 * Plan `spec` with `backend`, as the JSON envelope of DESIGN §4.
 *
 * @internal
 */
export const plan = (
  spec: Estimator.Estimator,
  backend: BackendName,
  context: PlanContext
): Effect.Effect<PlanEnvelope, SubmitRejected, FileSystem.FileSystem> =>
  Effect.flatMap(planner(backend), (planFn) => planWith(spec, planFn, context)).pipe(Effect.map((planned) => planned.envelope))

/** A plan: the value a backend executes, and its JSON envelope. @internal */
export interface Planned {
  readonly plan: SubmitPlan.Plan
  readonly envelope: PlanEnvelope
}

const planWith = (
  spec: Estimator.Estimator,
  planFn: Planner,
  context: PlanContext
): Effect.Effect<Planned, SubmitRejected, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const Plan = yield* Effect.promise(() => import("@estimator/submit/Plan"))
    const planned = yield* planFn(spec, context).pipe(
      Effect.mapError((error) =>
        new SubmitRejected({
          message: error._tag === "Unsupported"
            ? `the ${error.backend} backend cannot honour ${error.issues.length === 1 ? "a field" : `${error.issues.length} fields`} of this spec`
            : `the spec cannot be planned for ${error.backend} (${error.issues.length} problem${error.issues.length === 1 ? "" : "s"})`,
          hint: error._tag === "Unsupported"
            ? "Remove those fields, or plan with one of the backends named for each."
            : "Fix each problem listed above, then plan again.",
          problems: error.issues,
          warnings: error.warnings.map(asWarning)
        })
      )
    )
    return { plan: planned, envelope: Plan.toJson(planned) as PlanEnvelope }
  })

/**
 * The spec as an Azure ML CLI v2 command-job YAML, written for the current directory. `files`
 * are its conda and requirements files, keyed by the paths as the spec writes them.
 *
 * @internal
 */
export const toAzureMlYaml = (
  spec: Estimator.Estimator,
  files: { readonly [relativePath: string]: string } = {}
): Effect.Effect<string, SubmitRejected> =>
  Effect.gen(function*() {
    const AzureMlYaml = yield* Effect.promise(() => import("@estimator/submit/AzureMlYaml"))
    const result = AzureMlYaml.toYaml(spec, { files })
    if (result._tag === "Right") return result.right
    return yield* new SubmitRejected({
      message: `the spec cannot be written as Azure ML YAML (${result.left.length} field${result.left.length === 1 ? "" : "s"} it cannot carry)`,
      hint: "Change or remove those fields, or export --format json instead.",
      problems: result.left.map(asError),
      warnings: []
    })
  })

/**
 * Read an Azure ML command-job YAML into a spec. `files` are the contents of the files it refers
 * to, keyed by their path relative to the YAML; `baseDirectory` is the YAML's folder as the spec's
 * paths should start from.
 *
 * @internal
 */
export const fromAzureMlYaml = (
  text: string,
  options: { readonly files: { readonly [relativePath: string]: string }; readonly baseDirectory: string }
): Effect.Effect<{ readonly spec: Estimator.Estimator; readonly warnings: ReadonlyArray<Problem> }, SubmitRejected> =>
  Effect.gen(function*() {
    const AzureMlYaml = yield* Effect.promise(() => import("@estimator/submit/AzureMlYaml"))
    const result = AzureMlYaml.fromYaml(text, options)
    if (result._tag === "Right") return { spec: result.right.spec, warnings: result.right.warnings.map(asWarning) }
    return yield* new SubmitRejected({
      message: `the YAML cannot be imported (${result.left.length} problem${result.left.length === 1 ? "" : "s"})`,
      hint: "Fix or remove each key listed above; every key is either carried over or reported, never dropped.",
      problems: result.left.map(asError),
      warnings: []
    })
  })

// -------------------------------------------------------------------------------------
// running
// -------------------------------------------------------------------------------------

/** The run store's root for a working directory: `$ESTIMATOR_HOME/runs`, else `<cwd>/.estimator/runs`. @internal */
export const runsRoot = (cwd: string, env: { readonly [name: string]: string | undefined }): Effect.Effect<string> =>
  Effect.map(Effect.promise(() => import("@estimator/submit/RunStore")), (RunStore) => RunStore.root(cwd, env))

/** A run could not be started, followed or canceled: the backend's message, which names the cause and the fix. @internal */
export class RunFailed extends Data.TaggedError("RunFailed")<{
  readonly message: string
  readonly notFound: boolean
}> {}

const runFailed = (error: unknown): RunFailed => {
  const tag = typeof error === "object" && error !== null ? (error as { readonly _tag?: unknown })._tag : undefined
  const message = typeof error === "object" && error !== null && "message" in error && String((error as { message: unknown }).message) !== ""
    ? String((error as { message: unknown }).message)
    : `${String(tag ?? error)}`
  return new RunFailed({ message, notFound: tag === "RunNotFound" })
}

/** A run's stored record (`run.json`). @internal */
export type RunRecord = SubmitRunStore.RunRecord

/** A run's status now, in the vocabulary every backend shares. @internal */
export type RunStatus = SubmitBackend.RunStatus

/** What `execute` returned. @internal */
export type RunHandle = SubmitBackend.RunHandle

/** A progress step of a docker run (image cached, build output, container started). @internal */
export type Progress = SubmitDocker.Progress

/** Progress of one azureml upload (`field`: `sourceDirectory`, `environment.build`, `inputs.<name>`). @internal */
export type UploadProgress = SubmitAzureMl.UploadProgress

/**
 * The environment variable holding a bearer token for the azureml backend instead of
 * `DefaultAzureCredential`: for tests and CI, read only by the command and never printed.
 *
 * @internal
 */
export const TOKEN_VARIABLE = "ESTIMATOR_AZUREML_TOKEN"

/** How the run commands reach a backend and the run store. @internal */
export interface RunnerOptions {
  readonly runsDirectory: string
  /** The command's environment (azureml: the endpoint and the token variables). */
  readonly env?: { readonly [name: string]: string | undefined }
  readonly onProgress?: (progress: Progress) => void
  readonly onUploadProgress?: (progress: UploadProgress) => void
  /**
   * The run is followed to its end by this process (`estimator run` without `--detach`): the
   * local backend then supervises it here instead of starting a supervisor process.
   */
  readonly foreground?: boolean
}

/**
 * The executing half of a backend, for `run`, `status`, `logs` and `cancel`. `wait` cancels the
 * run when it is interrupted (Ctrl-C).
 *
 * @internal
 */
export interface Runner {
  readonly name: RunBackendName
  readonly plan: (spec: Estimator.Estimator, context: PlanContext) => Effect.Effect<Planned, SubmitRejected, FileSystem.FileSystem>
  readonly execute: (plan: SubmitPlan.Plan) => Effect.Effect<RunHandle, RunFailed>
  readonly status: (runId: string) => Effect.Effect<RunStatus, RunFailed>
  readonly logs: (runId: string, follow: boolean) => Stream.Stream<string, RunFailed>
  readonly wait: (runId: string) => Effect.Effect<RunStatus, RunFailed>
  readonly cancel: (runId: string) => Effect.Effect<RunStatus, RunFailed>
}

const runnerLayer = (backend: RunBackendName, options: RunnerOptions): Effect.Effect<BackendLayer> => {
  switch (backend) {
    case "local":
      // Polled every 50 ms (not 200): the end of a run, and its last lines, show at once.
      return Effect.map(
        Effect.promise(() => import("@estimator/submit/Local")),
        (Local) =>
          Local.layerWith({
            runsDirectory: options.runsDirectory,
            pollIntervalMillis: 50,
            supervisor: options.foreground === true ? "in-process" : "detached"
          })
      )
    case "docker":
      return Effect.map(Effect.promise(() => import("@estimator/submit/Docker")), (Docker) =>
        Docker.layerWith({
          runsDirectory: options.runsDirectory,
          ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress })
        }))
    case "azureml":
      return Effect.gen(function*() {
        const [AzureMl, AzureMlClient, FetchHttpClient] = yield* Effect.promise(() =>
          Promise.all([import("@estimator/submit/AzureMl"), import("@estimator/submit/AzureMlClient"), import("@effect/platform/FetchHttpClient")])
        )
        const env = options.env ?? {}
        const endpoint = env[AzureMlClient.ENDPOINT_VARIABLE]
        const clientOptions = endpoint === undefined || endpoint === "" ? {} : { endpoint }
        const token = env[TOKEN_VARIABLE]
        const client = token === undefined || token === ""
          ? AzureMlClient.layerDefault(clientOptions)
          : AzureMlClient.layer(clientOptions).pipe(
            Layer.provide(FetchHttpClient.layer),
            Layer.provide(AzureMlClient.layerStaticToken(Redacted.make(token)))
          )
        return AzureMl.layerWith({
          runsDirectory: options.runsDirectory,
          ...(options.onUploadProgress === undefined ? {} : { onUploadProgress: options.onUploadProgress })
        }).pipe(Layer.provide(client))
      })
  }
}

/**
 * The runner of a backend (`local` and `docker` run here, `azureml` in an Azure ML workspace).
 *
 * @internal
 */
export const runner = (backend: RunBackendName, options: RunnerOptions): Effect.Effect<Runner, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const layer = yield* runnerLayer(backend, options)
    const Backend = yield* Effect.promise(() => import("@estimator/submit/Backend"))
    const service = yield* Effect.provide(Backend.Backend, layer)
    const cancel = (runId: string) => service.cancel(runId).pipe(Effect.mapError(runFailed))
    return {
      name: backend,
      plan: (spec, context) => Effect.flatMap(fromLayer(layer), (planFn) => planWith(spec, planFn, context)),
      execute: (planned) => service.execute(planned).pipe(Effect.mapError(runFailed)),
      status: (runId) => service.status(runId).pipe(Effect.mapError(runFailed)),
      logs: (runId, follow) => Stream.mapError(service.logs(runId, { follow }), runFailed),
      // The local backend cancels an interrupted wait itself (with its own reason); docker's does
      // not. An azureml job goes on when following it is interrupted, as with the v2 SDK.
      wait: (runId) =>
        backend === "local" || backend === "azureml"
          ? service.wait(runId).pipe(Effect.mapError(runFailed))
          : service.wait(runId).pipe(Effect.mapError(runFailed), Effect.onInterrupt(() => Effect.ignore(cancel(runId)))),
      cancel
    } satisfies Runner
  })

/**
 * The record of run `runId` in the store at `root`.
 *
 * @internal
 */
export const readRecord = (root: string, runId: string): Effect.Effect<RunRecord, RunFailed, FileSystem.FileSystem> =>
  Effect.flatMap(Effect.promise(() => import("@estimator/submit/RunStore")), (RunStore) =>
    RunStore.make(root).read(runId).pipe(Effect.mapError(runFailed)))

/**
 * Every run in the store at `root`, newest first.
 *
 * @internal
 */
export const listRecords = (root: string): Effect.Effect<ReadonlyArray<RunRecord>, RunFailed, FileSystem.FileSystem> =>
  Effect.flatMap(Effect.promise(() => import("@estimator/submit/RunStore")), (RunStore) =>
    RunStore.make(root).list.pipe(Effect.mapError(runFailed)))

/** Whether a status will not change again. @internal */
export const isTerminal = (status: string): boolean => status === "Completed" || status === "Failed" || status === "Canceled"
