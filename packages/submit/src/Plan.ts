/**
 * What a backend would do for a spec, as data: the Azure ML REST requests, the Docker image and
 * `ContainerCreate` bodies, the local processes, or (dry run) the resolved environment and launch
 * layout. A plan is what `estimator plan` prints and what `execute` performs.
 *
 * A plan holds two things: the **envelope** (`backend`, `warnings` and the backend's requests or
 * commands — exactly what `plan --format json` prints, see {@link toJson}) and the **run**
 * information that `execute` needs but the envelope does not show (the run id, the spec, where
 * the snapshot goes, which variables are secrets, what to upload). Secret values never appear
 * in a plan: variables fed from a `Secret` show `Secret.REDACTED` and `execute` resolves them.
 *
 * {@link prepare} is the first half of every plan, done once: it decodes and validates the spec and
 * reads the files it names (through the `FileSystem` service). Each backend's `compile` turns the
 * prepared spec into its plan; `DryRun.planEvery` does it for every backend. Nothing else in this
 * module performs IO.
 *
 * @since 0.1.0
 */
import type { Estimator, Secret, Validation } from "@estimator/core"
import type { ResolvedEnvironment } from "@estimator/env"
import type { RankLayout } from "@estimator/distributed"
import type { FileSystem } from "@effect/platform"
import type { Effect } from "effect"
import type { BackendName, PlanContext, Workspace } from "./Backend.js"
import * as internalPrepare from "./internal/prepare.js"
import type * as PlanError from "./PlanError.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * Environment variables, by name.
 *
 * @category models
 * @since 0.1.0
 */
export interface Variables {
  readonly [name: string]: string
}

/**
 * A validated spec with everything the pure compile steps read: the run id, the absolute
 * directories, the text of the conda and requirements files it names, what its local inputs
 * are on disk, the workspace, and the warnings found so far.
 *
 * @category models
 * @since 0.1.0
 */
export interface Prepared {
  readonly spec: Estimator.Estimator
  readonly runId: string
  /** SHA-256 of the spec's canonical JSON. */
  readonly specHash: string
  readonly baseDirectory: string
  readonly sourceDirectory: string
  /** `<runsDirectory>/<runId>`: holds `snapshot/`, `outputs/`, `logs/` and `run.json`. */
  readonly runDirectory: string
  /** Texts of `environment.condaFile` and `environment.pipRequirementsFile`, keyed as the spec writes them. */
  readonly files: { readonly [relativePath: string]: string }
  /** Local inputs (`Data.fromLocal`): absolute path and what is there. */
  readonly localInputs: { readonly [name: string]: LocalInput }
  readonly workspace?: Workspace
  readonly warnings: ReadonlyArray<Validation.Issue>
}

/**
 * A local input as found on disk when planning.
 *
 * @category models
 * @since 0.1.0
 */
export interface LocalInput {
  readonly path: string
  readonly kind: "file" | "directory" | "missing"
}

/**
 * What `execute` needs that the envelope does not show.
 *
 * @category models
 * @since 0.1.0
 */
export interface RunInfo {
  readonly runId: string
  readonly specHash: string
  readonly spec: Estimator.Estimator
  readonly sourceDirectory: string
  readonly runDirectory: string
  /** The variables whose value comes from a secret (shown as `Secret.REDACTED` in the plan). */
  readonly secrets: { readonly [variable: string]: Secret.Secret }
}

interface Common<B extends BackendName> {
  readonly backend: B
  readonly warnings: ReadonlyArray<Validation.Issue>
  readonly run: RunInfo
}

/**
 * One process of a local run: argv (program first), working directory, and the variables it
 * adds to the inherited environment (secrets redacted).
 *
 * @category models
 * @since 0.1.0
 */
export interface LocalProcess {
  readonly argv: ReadonlyArray<string>
  readonly cwd: string
  readonly env: Variables
}

/**
 * The `local` plan.
 *
 * @category models
 * @since 0.1.0
 */
export interface LocalPlan extends Common<"local"> {
  readonly processes: ReadonlyArray<LocalProcess>
}

/**
 * A GPU request of the Docker Engine API (`--gpus all`).
 *
 * @category models
 * @since 0.1.0
 */
export interface DeviceRequest {
  readonly Driver: string
  readonly Count: number
  readonly Capabilities: ReadonlyArray<ReadonlyArray<string>>
}

/**
 * The part of the Docker Engine API (1.41) `ContainerCreate` body that plans use.
 *
 * @category models
 * @since 0.1.0
 */
export interface ContainerCreate {
  readonly Image: string
  readonly Cmd: ReadonlyArray<string>
  /** `KEY=value`; secrets as `KEY=<redacted>` until `execute` resolves them. */
  readonly Env: ReadonlyArray<string>
  readonly WorkingDir: string
  readonly Labels: { readonly [label: string]: string }
  readonly HostConfig: {
    /** Bytes. */
    readonly ShmSize: number
    /** `host:container[:ro]`. */
    readonly Binds: ReadonlyArray<string>
    readonly Init: boolean
    readonly DeviceRequests?: ReadonlyArray<DeviceRequest>
  }
}

/**
 * The image a docker run uses: its tag (the environment's content hash), whether it must be
 * built (it is not in the engine yet, or the engine could not be asked), and the Dockerfile.
 *
 * @category models
 * @since 0.1.0
 */
export interface DockerImage {
  readonly tag: string
  readonly build: boolean
  readonly dockerfile: string
}

/**
 * How `execute` builds the image: from the rendered Dockerfile and its files, or from the spec's
 * build context (absolute path, Dockerfile relative to it).
 *
 * @category models
 * @since 0.1.0
 */
export type DockerBuild =
  | { readonly _tag: "Rendered"; readonly files: { readonly [name: string]: string } }
  | { readonly _tag: "Context"; readonly context: string; readonly dockerfile: string }

/**
 * The `docker` plan.
 *
 * @category models
 * @since 0.1.0
 */
export interface DockerPlan extends Common<"docker"> {
  readonly image: DockerImage
  readonly containers: ReadonlyArray<{ readonly name: string; readonly create: ContainerCreate }>
  readonly imageBuild: DockerBuild
  /** Credentials to pull the base image (the password stays a `Secret` reference). */
  readonly registry?: Estimator.Registry
}

/**
 * One Azure ML REST request (ARM). `path` keeps `{subscriptionId}`-style placeholders when no
 * workspace was given, and `{snapshotHash}`-style placeholders for what only `execute` knows
 * (see {@link Upload}).
 *
 * @category models
 * @since 0.1.0
 */
export interface HttpRequest {
  readonly method: "PUT"
  readonly path: string
  readonly apiVersion: string
  readonly body: unknown
}

/**
 * A local file or folder that `execute` uploads before sending the requests: the code snapshot,
 * a build context, or a local input. Its content hash replaces `placeholder` everywhere in the
 * requests; `{storageAccount}` and `{storageContainer}` become the datastore's blob container.
 *
 * @category models
 * @since 0.1.0
 */
export interface Upload {
  readonly kind: "code" | "buildContext" | "input"
  /** The spec field it comes from (`sourceDirectory`, `environment.build`, `inputs.<name>`). */
  readonly field: string
  readonly localPath: string
  readonly datastore: string
  readonly placeholder: string
}

/**
 * The `azureml` plan.
 *
 * @category models
 * @since 0.1.0
 */
export interface AzureMlPlan extends Common<"azureml"> {
  readonly requests: ReadonlyArray<HttpRequest>
  readonly uploads: ReadonlyArray<Upload>
  readonly jobName: string
}

/**
 * The process layout of a job, backend-neutral.
 *
 * @category models
 * @since 0.1.0
 */
export interface Launch {
  readonly nodeCount: number
  readonly processCountPerNode: number
  readonly worldSize: number
  readonly distribution: Estimator.Distribution
  readonly ranks: ReadonlyArray<RankLayout.RankLayout>
}

/**
 * The `dry-run` plan: the validated spec, its resolved environment (framework included), its
 * job variables (secrets redacted) and its launch layout.
 *
 * @category models
 * @since 0.1.0
 */
export interface DryRunPlan extends Common<"dry-run"> {
  readonly spec: Estimator.Estimator
  readonly environment: ResolvedEnvironment.ResolvedEnvironment
  readonly environmentVariables: Variables
  readonly launch: Launch
}

/**
 * @category models
 * @since 0.1.0
 */
export type Plan = DryRunPlan | LocalPlan | DockerPlan | AzureMlPlan

/**
 * The `plan --format json` envelope of each backend (DESIGN §4).
 *
 * @category models
 * @since 0.1.0
 */
export type Json =
  | {
    readonly backend: "azureml"
    readonly warnings: ReadonlyArray<Validation.Issue>
    readonly requests: ReadonlyArray<HttpRequest>
  }
  | {
    readonly backend: "docker"
    readonly warnings: ReadonlyArray<Validation.Issue>
    readonly image: DockerImage
    readonly containers: ReadonlyArray<{ readonly name: string; readonly create: ContainerCreate }>
  }
  | {
    readonly backend: "local"
    readonly warnings: ReadonlyArray<Validation.Issue>
    readonly processes: ReadonlyArray<LocalProcess>
  }
  | {
    readonly backend: "dry-run"
    readonly warnings: ReadonlyArray<Validation.Issue>
    readonly spec: Estimator.Estimator
    readonly environment: ResolvedEnvironment.ResolvedEnvironment
    readonly environmentVariables: Variables
    readonly launch: Launch
  }

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Prepare a spec once for any backend: decode and validate it (every issue at once), draw the
 * run id, resolve the directories and read what it names on disk. Compile the result for a
 * backend with `DryRun.compile`, `Local.compile`, `Docker.compile` or `AzureMl.compile` (the same
 * plan as that backend's `plan`), or use `DryRun.planEvery` for all of them. A spec that cannot
 * be prepared is refused by every backend alike: the `InvalidSpec` names `backend`
 * (default `dry-run`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const prepare = (
  spec: Estimator.Estimator,
  context: PlanContext,
  backend: BackendName = "dry-run"
): Effect.Effect<Prepared, PlanError.PlanError, FileSystem.FileSystem> => internalPrepare.prepare(backend, spec, context)

// -------------------------------------------------------------------------------------
// codecs
// -------------------------------------------------------------------------------------

/**
 * The plan's envelope, exactly the keys DESIGN §4 lists for its backend.
 *
 * @category codecs
 * @since 0.1.0
 */
export const toJson = (plan: Plan): Json => {
  switch (plan.backend) {
    case "azureml":
      return { backend: plan.backend, warnings: plan.warnings, requests: plan.requests }
    case "docker":
      return { backend: plan.backend, warnings: plan.warnings, image: plan.image, containers: plan.containers }
    case "local":
      return { backend: plan.backend, warnings: plan.warnings, processes: plan.processes }
    case "dry-run":
      return {
        backend: plan.backend,
        warnings: plan.warnings,
        spec: plan.spec,
        environment: plan.environment,
        environmentVariables: plan.environmentVariables,
        launch: plan.launch
      }
  }
}
