/**
 * An `Estimator` is an immutable description of one training job: what to run, on what compute,
 * in which environment, with which framework, distribution and data. It can express every
 * parameter of the Azure ML SDK v1 `Estimator`, `Chainer`, `PyTorch`, `TensorFlow` and `SKLearn`
 * constructors, plus what v2 users expect (outputs, names, tags, description).
 *
 * The spec is plain JSON-serialisable data: no classes, no functions, no `undefined`. Optional
 * fields are absent, never `undefined`. Nothing in this module performs IO; the interpreters in
 * `@estimator/submit` give an `Estimator` its meaning, and `Validation.validate` says what is wrong
 * with one.
 *
 * @since 0.1.0
 */
import * as E from "fp-ts/lib/Either.js"
import { pipe } from "fp-ts/lib/function.js"
import type * as Data from "./Data.js"
import type * as Framework from "./Framework.js"
import * as internalCodec from "./internal/codec.js"
import { dual } from "./internal/dual.js"
import type * as Secret from "./Secret.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The version of the spec format. Bumped on any incompatible change.
 *
 * @category models
 * @since 0.1.0
 */
export const SPEC_VERSION = 1 as const

/**
 * Where the job runs: on the submitting machine, on a named Azure ML compute cluster, or on
 * serverless compute created for the run (v1 `vm_size` + `vm_priority`; without a VM size, Azure
 * ML's default instance type for serverless jobs, as a v2 job without `compute` gets).
 *
 * @category models
 * @since 0.1.0
 */
export type Compute =
  | { readonly _tag: "Local" }
  | { readonly _tag: "Cluster"; readonly name: string }
  | { readonly _tag: "Serverless"; readonly vmSize?: string; readonly vmPriority?: VmPriority }

/**
 * v1's `vm_priority` values.
 *
 * @category models
 * @since 0.1.0
 */
export type VmPriority = "dedicated" | "lowpriority"

/**
 * How the processes of a job are launched and find each other. The layout (nodes and processes
 * per node) lives in `nodeCount` and `processCountPerNode`; `TensorFlow` is parameter-server
 * training with its own task counts.
 *
 * @category models
 * @since 0.1.0
 */
export type Distribution =
  | { readonly _tag: "None" }
  | { readonly _tag: "Mpi" }
  | { readonly _tag: "PyTorch"; readonly backend: PyTorchBackend }
  | { readonly _tag: "TensorFlow"; readonly workerCount: number; readonly parameterServerCount: number }

/**
 * The collective communication backend of a PyTorch job (v1 `Nccl()` / `Gloo()`).
 *
 * @category models
 * @since 0.1.0
 */
export type PyTorchBackend = "nccl" | "gloo"

/**
 * A private container registry and its credentials (v1 `ContainerRegistry`).
 *
 * @category models
 * @since 0.1.0
 */
export interface Registry {
  readonly address: string
  readonly username?: string
  readonly password?: Secret.Secret
}

/**
 * A container image, optionally from a private registry.
 *
 * @category models
 * @since 0.1.0
 */
export interface Image {
  readonly name: string
  readonly registry?: Registry
}

/**
 * A Docker build context (a folder with a Dockerfile) that defines the image. `context` is
 * resolved against the spec's base directory (like `sourceDirectory`); `dockerfile` is relative
 * to the context (default `Dockerfile`).
 *
 * @category models
 * @since 0.1.0
 */
export interface BuildContext {
  readonly context: string
  readonly dockerfile?: string
}

/**
 * An environment registered in a workspace or a registry (v1 `environment_definition`). It
 * replaces everything else about the environment.
 *
 * @category models
 * @since 0.1.0
 */
export interface RegisteredEnvironment {
  readonly name: string
  readonly version?: string
  readonly label?: string
  readonly registry?: string
}

/**
 * What the job's software environment is made of. With none of `image`, `build`, `registered`
 * set, the default CPU or GPU base image is used (see `@estimator/env`).
 *
 * @category models
 * @since 0.1.0
 */
export interface Environment {
  readonly docker: boolean
  readonly userManagedPython: boolean
  readonly condaPackages: ReadonlyArray<string>
  readonly pipPackages: ReadonlyArray<string>
  readonly condaFile?: string
  readonly pipRequirementsFile?: string
  readonly image?: Image
  readonly build?: BuildContext
  readonly registered?: RegisteredEnvironment
}

/**
 * One script argument: a literal, or a reference to an input or output that each backend
 * replaces by its path. Booleans are written as Python writes them (`True`/`False`), as v1 did.
 *
 * @category models
 * @since 0.1.0
 */
export type Argument = string | number | boolean | Data.InputReference | Data.OutputReference

/**
 * A training job.
 *
 * @category models
 * @since 0.1.0
 */
export interface Estimator {
  readonly _tag: "Estimator"
  readonly specVersion: typeof SPEC_VERSION
  /** The folder with the training code, resolved against the spec's base directory (the folder of the spec file). */
  readonly sourceDirectory: string
  /** The Python script to run, relative to `sourceDirectory`. Exactly one of `entryScript` and `command`. */
  readonly entryScript?: string
  /** A shell command to run instead of an entry script (Azure ML v2 `command`). */
  readonly command?: string
  readonly arguments: ReadonlyArray<Argument>
  readonly compute: Compute
  readonly nodeCount: number
  readonly processCountPerNode: number
  readonly distribution: Distribution
  readonly gpu: boolean
  readonly environment: Environment
  readonly environmentVariables: { readonly [name: string]: string }
  readonly secretEnvironmentVariables: { readonly [name: string]: Secret.Secret }
  readonly inputs: { readonly [name: string]: Data.Input }
  readonly outputs: { readonly [name: string]: Data.Output }
  readonly tags: { readonly [name: string]: string }
  /** Docker `--shm-size`; absent means the v1 default of `2g`. */
  readonly shmSize?: string
  /** Extra `docker run` arguments (Azure ML v2 `resources.docker_args`). */
  readonly dockerArgs?: string
  readonly maxRunDurationSeconds?: number
  readonly resumeFrom?: Data.DatastorePath
  readonly sourceDirectoryDatastore?: string
  readonly framework?: Framework.Framework
  readonly name?: string
  readonly displayName?: string
  readonly experimentName?: string
  readonly description?: string
}

/**
 * The shared memory size used when a spec does not set one (v1 `_DEFAULT_SHM_SIZE`).
 *
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_SHM_SIZE = "2g"

/**
 * The input name v1 gives the checkpoint of `resume_from`.
 *
 * @category models
 * @since 0.1.0
 */
export const RESUME_FROM_INPUT = "MODEL_LOCATION"

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * @category constructors
 * @since 0.1.0
 */
export type MakeOptions =
  & { readonly sourceDirectory?: string; readonly arguments?: ReadonlyArray<Argument> }
  & ({ readonly entryScript: string } | { readonly command: string })

/**
 * The default environment: Docker on, managed Python, no extra packages, default base image.
 *
 * @category constructors
 * @since 0.1.0
 */
export const defaultEnvironment: Environment = {
  docker: true,
  userManagedPython: false,
  condaPackages: [],
  pipPackages: [],
}

/**
 * A single-process CPU job on the local machine in the default environment.
 *
 * @example
 * Estimator.make({ entryScript: "train.py", sourceDirectory: "./src" })
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: MakeOptions): Estimator => ({
  _tag: "Estimator",
  specVersion: SPEC_VERSION,
  sourceDirectory: options.sourceDirectory ?? ".",
  ...("entryScript" in options ? { entryScript: options.entryScript } : { command: options.command }),
  arguments: options.arguments ?? [],
  compute: local,
  nodeCount: 1,
  processCountPerNode: 1,
  distribution: { _tag: "None" },
  gpu: false,
  environment: defaultEnvironment,
  environmentVariables: {},
  secretEnvironmentVariables: {},
  inputs: {},
  outputs: {},
  tags: {}
})

/**
 * The submitting machine.
 *
 * @category constructors
 * @since 0.1.0
 */
export const local: Compute = { _tag: "Local" }

/**
 * A named Azure ML compute cluster.
 *
 * @category constructors
 * @since 0.1.0
 */
export const cluster = (name: string): Compute => ({ _tag: "Cluster", name })

/**
 * Serverless compute created for the run: of `vmSize`, or of Azure ML's default instance type.
 *
 * @category constructors
 * @since 0.1.0
 */
export const serverless = (vmSize?: string, vmPriority?: VmPriority): Compute => ({
  _tag: "Serverless",
  ...(vmSize === undefined ? {} : { vmSize }),
  ...(vmPriority === undefined ? {} : { vmPriority })
})

// -------------------------------------------------------------------------------------
// guards
// -------------------------------------------------------------------------------------

/**
 * @category guards
 * @since 0.1.0
 */
export const isEstimator = (u: unknown): u is Estimator =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "Estimator"

// -------------------------------------------------------------------------------------
// combinators
// -------------------------------------------------------------------------------------

const withEnvironment = (self: Estimator, patch: Partial<Environment>): Estimator => ({
  ...self,
  environment: { ...self.environment, ...patch }
})

const appendUnique = (current: ReadonlyArray<string>, added: ReadonlyArray<string>): ReadonlyArray<string> => [
  ...current,
  ...added.filter((item, index) => !current.includes(item) && added.indexOf(item) === index)
]

/**
 * Run on a GPU (v1 `use_gpu=True`): the GPU base image, and GPUs passed to containers.
 *
 * @category combinators
 * @since 0.1.0
 */
export const withGpu = (self: Estimator): Estimator => ({ ...self, gpu: true })

/**
 * Distribute with MPI over `nodeCount` nodes and `processCountPerNode` processes per node.
 *
 * @example
 * pipe(Estimator.make({ entryScript: "train.py" }), Estimator.withMpi(2, 4))
 * Estimator.withMpi(estimator, 2, 4) // same value
 *
 * @category combinators
 * @since 0.1.0
 */
export const withMpi: {
  (nodeCount: number, processCountPerNode: number): (self: Estimator) => Estimator
  (self: Estimator, nodeCount: number, processCountPerNode: number): Estimator
} = dual(3, (self: Estimator, nodeCount: number, processCountPerNode: number): Estimator => ({
  ...self,
  nodeCount,
  processCountPerNode,
  distribution: { _tag: "Mpi" }
}))

/**
 * Options of {@link withPyTorchDistribution}.
 *
 * @category combinators
 * @since 0.1.0
 */
export interface PyTorchDistributionOptions {
  readonly nodeCount: number
  readonly processCountPerNode: number
  readonly backend?: PyTorchBackend
}

/**
 * Distribute with `torch.distributed` (v1 `Nccl()` / `Gloo()`, v2 `type: pytorch`); NCCL by default.
 *
 * @example
 * pipe(e, Estimator.withPyTorchDistribution({ nodeCount: 2, processCountPerNode: 4, backend: "gloo" }))
 *
 * @category combinators
 * @since 0.1.0
 */
export const withPyTorchDistribution: {
  (options: PyTorchDistributionOptions): (self: Estimator) => Estimator
  (self: Estimator, options: PyTorchDistributionOptions): Estimator
} = dual(2, (self: Estimator, options: PyTorchDistributionOptions): Estimator => ({
  ...self,
  nodeCount: options.nodeCount,
  processCountPerNode: options.processCountPerNode,
  distribution: { _tag: "PyTorch", backend: options.backend ?? "nccl" }
}))

/**
 * Parameter-server TensorFlow training with `workerCount` workers and `parameterServerCount`
 * parameter servers (v1 `ParameterServer`). As v1's `TensorflowConfiguration`, the node count
 * becomes the worker count, one process per node.
 *
 * @category combinators
 * @since 0.1.0
 */
export const withTensorFlow: {
  (workerCount: number, parameterServerCount: number): (self: Estimator) => Estimator
  (self: Estimator, workerCount: number, parameterServerCount: number): Estimator
} = dual(3, (self: Estimator, workerCount: number, parameterServerCount: number): Estimator => ({
  ...self,
  nodeCount: workerCount,
  processCountPerNode: 1,
  distribution: { _tag: "TensorFlow", workerCount, parameterServerCount }
}))

/**
 * Set the number of nodes, keeping the distribution.
 *
 * @category combinators
 * @since 0.1.0
 */
export const withNodes: {
  (nodeCount: number): (self: Estimator) => Estimator
  (self: Estimator, nodeCount: number): Estimator
} = dual(2, (self: Estimator, nodeCount: number): Estimator => ({ ...self, nodeCount }))

/**
 * Set the number of processes per node, keeping the distribution (v1 `process_count_per_node`).
 *
 * @category combinators
 * @since 0.1.0
 */
export const withProcessesPerNode: {
  (processCountPerNode: number): (self: Estimator) => Estimator
  (self: Estimator, processCountPerNode: number): Estimator
} = dual(2, (self: Estimator, processCountPerNode: number): Estimator => ({ ...self, processCountPerNode }))

/**
 * Set the distribution only (nodes and processes per node are kept).
 *
 * @category combinators
 * @since 0.1.0
 */
export const withDistribution: {
  (distribution: Distribution): (self: Estimator) => Estimator
  (self: Estimator, distribution: Distribution): Estimator
} = dual(2, (self: Estimator, distribution: Distribution): Estimator => ({ ...self, distribution }))

/**
 * Choose where the job runs.
 *
 * @example
 * pipe(e, Estimator.withCompute(Estimator.cluster("gpu-cluster")))
 * pipe(e, Estimator.withCompute(Estimator.serverless("Standard_NC6", "lowpriority")))
 *
 * @category combinators
 * @since 0.1.0
 */
export const withCompute: {
  (compute: Compute): (self: Estimator) => Estimator
  (self: Estimator, compute: Compute): Estimator
} = dual(2, (self: Estimator, compute: Compute): Estimator => ({ ...self, compute }))

/**
 * Use a custom base image (v1 `custom_docker_image`), optionally from a private registry whose
 * password is a `Secret`.
 *
 * @example
 * pipe(e, Estimator.withImage("myacr.azurecr.io/train:1", {
 *   address: "myacr.azurecr.io", username: "me", password: Secret.fromEnv("ACR_PASSWORD")
 * }))
 *
 * @category combinators
 * @since 0.1.0
 */
export const withImage: {
  (name: string, registry?: Registry): (self: Estimator) => Estimator
  (self: Estimator, name: string, registry?: Registry): Estimator
} = dual(
  (args) => isEstimator(args[0]),
  (self: Estimator, name: string, registry?: Registry): Estimator =>
    withEnvironment(self, { image: registry === undefined ? { name } : { name, registry } })
)

/**
 * Build the image from a Docker build context (a folder with a Dockerfile).
 *
 * @category combinators
 * @since 0.1.0
 */
export const withBuildContext: {
  (context: string, dockerfile?: string): (self: Estimator) => Estimator
  (self: Estimator, context: string, dockerfile?: string): Estimator
} = dual(
  (args) => isEstimator(args[0]),
  (self: Estimator, context: string, dockerfile?: string): Estimator =>
    withEnvironment(self, { build: dockerfile === undefined ? { context } : { context, dockerfile } })
)

/**
 * Add conda packages (v1 `conda_packages`); a package already listed is not added twice.
 *
 * @category combinators
 * @since 0.1.0
 */
export const withConda: {
  (packages: ReadonlyArray<string>): (self: Estimator) => Estimator
  (self: Estimator, packages: ReadonlyArray<string>): Estimator
} = dual(2, (self: Estimator, packages: ReadonlyArray<string>): Estimator =>
  withEnvironment(self, { condaPackages: appendUnique(self.environment.condaPackages, packages) }))

/**
 * Add pip packages (v1 `pip_packages`); a package already listed is not added twice.
 *
 * @category combinators
 * @since 0.1.0
 */
export const withPip: {
  (packages: ReadonlyArray<string>): (self: Estimator) => Estimator
  (self: Estimator, packages: ReadonlyArray<string>): Estimator
} = dual(2, (self: Estimator, packages: ReadonlyArray<string>): Estimator =>
  withEnvironment(self, { pipPackages: appendUnique(self.environment.pipPackages, packages) }))

/**
 * Use a conda environment file, relative to the source directory (v1 `conda_dependencies_file`).
 *
 * @category combinators
 * @since 0.1.0
 */
export const withCondaFile: {
  (path: string): (self: Estimator) => Estimator
  (self: Estimator, path: string): Estimator
} = dual(2, (self: Estimator, path: string): Estimator => withEnvironment(self, { condaFile: path }))

/**
 * Use a pip requirements file, relative to the source directory (v1 `pip_requirements_file`).
 *
 * @category combinators
 * @since 0.1.0
 */
export const withPipRequirements: {
  (path: string): (self: Estimator) => Estimator
  (self: Estimator, path: string): Estimator
} = dual(2, (self: Estimator, path: string): Estimator => withEnvironment(self, { pipRequirementsFile: path }))

/**
 * The image already has every package the script needs; install nothing (v1 `user_managed=True`).
 *
 * @category combinators
 * @since 0.1.0
 */
export const withUserManagedPython = (self: Estimator): Estimator => withEnvironment(self, { userManagedPython: true })

/**
 * Run without a container (v1 `use_docker=False`). Only the `local` backend can honour it.
 *
 * @category combinators
 * @since 0.1.0
 */
export const withoutDocker = (self: Estimator): Estimator => withEnvironment(self, { docker: false })

/**
 * Use an environment registered in the workspace or a registry (v1 `environment_definition`).
 *
 * @example
 * pipe(e, Estimator.withEnvironmentRef({ name: "AzureML-sklearn-1.5", label: "latest" }))
 *
 * @category combinators
 * @since 0.1.0
 */
export const withEnvironmentRef: {
  (environment: RegisteredEnvironment): (self: Estimator) => Estimator
  (self: Estimator, environment: RegisteredEnvironment): Estimator
} = dual(2, (self: Estimator, environment: RegisteredEnvironment): Estimator =>
  withEnvironment(self, { registered: environment }))

/**
 * Add environment variables (later values win).
 *
 * @category combinators
 * @since 0.1.0
 */
export const withEnv: {
  (variables: { readonly [name: string]: string }): (self: Estimator) => Estimator
  (self: Estimator, variables: { readonly [name: string]: string }): Estimator
} = dual(2, (self: Estimator, variables: { readonly [name: string]: string }): Estimator => ({
  ...self,
  environmentVariables: { ...self.environmentVariables, ...variables }
}))

/**
 * Add environment variables whose values are secrets, resolved only when the job executes.
 *
 * @example
 * pipe(e, Estimator.withSecretEnv({ WANDB_API_KEY: Secret.fromEnv("WANDB_API_KEY") }))
 *
 * @category combinators
 * @since 0.1.0
 */
export const withSecretEnv: {
  (variables: { readonly [name: string]: Secret.Secret }): (self: Estimator) => Estimator
  (self: Estimator, variables: { readonly [name: string]: Secret.Secret }): Estimator
} = dual(2, (self: Estimator, variables: { readonly [name: string]: Secret.Secret }): Estimator => ({
  ...self,
  secretEnvironmentVariables: { ...self.secretEnvironmentVariables, ...variables }
}))

/**
 * A v1 `script_params` value: a literal, an input/output reference, `null` or `""` (a bare flag),
 * or a list (expanded in place).
 *
 * @category combinators
 * @since 0.1.0
 */
export type ScriptParamValue = Argument | null | ReadonlyArray<Argument>

/**
 * v1's `script_params` → argv: in insertion order each key is appended, then its value, a list
 * value expanded element by element; `null` and `""` values are dropped, so `{ "--verbose": "" }`
 * becomes the bare flag `--verbose`; `true`, `false` and `0` are kept.
 *
 * @category combinators
 * @since 0.1.0
 */
export const scriptParamsToArguments = (params: { readonly [key: string]: ScriptParamValue }): ReadonlyArray<Argument> =>
  Object.entries(params)
    .flatMap(([key, value]): ReadonlyArray<Argument | null> => [key, ...(Array.isArray(value) ? value : [value as Argument | null])])
    .filter((item): item is Argument => item !== null && item !== "")

/**
 * Append v1-style `script_params` to the arguments (see {@link scriptParamsToArguments}).
 *
 * @example
 * pipe(e, Estimator.withScriptParams({ "--lr": 0.01, "--data": Data.input("mnist"), "--verbose": "" }))
 *
 * @category combinators
 * @since 0.1.0
 */
export const withScriptParams: {
  (params: { readonly [key: string]: ScriptParamValue }): (self: Estimator) => Estimator
  (self: Estimator, params: { readonly [key: string]: ScriptParamValue }): Estimator
} = dual(2, (self: Estimator, params: { readonly [key: string]: ScriptParamValue }): Estimator => ({
  ...self,
  arguments: [...self.arguments, ...scriptParamsToArguments(params)]
}))

/**
 * Append script arguments, exactly as given (no shell parsing).
 *
 * @example
 * pipe(e, Estimator.withArgs("--epochs", 10, "--name", "a b"))
 *
 * @category combinators
 * @since 0.1.0
 */
export const withArgs: {
  (...args: ReadonlyArray<Argument>): (self: Estimator) => Estimator
  (self: Estimator, ...args: ReadonlyArray<Argument>): Estimator
} = dual(
  (args) => isEstimator(args[0]),
  (self: Estimator, ...args: ReadonlyArray<Argument>): Estimator => ({ ...self, arguments: [...self.arguments, ...args] })
)

/**
 * Add (or replace) the input `name`.
 *
 * @example
 * pipe(e, Estimator.withInput("mnist", Data.fromDatastore("workspaceblobstore", "mnist")))
 *
 * @category combinators
 * @since 0.1.0
 */
export const withInput: {
  (name: string, input: Data.Input): (self: Estimator) => Estimator
  (self: Estimator, name: string, input: Data.Input): Estimator
} = dual(3, (self: Estimator, name: string, input: Data.Input): Estimator => ({
  ...self,
  inputs: { ...self.inputs, [name]: input }
}))

/**
 * Add (or replace) the output `name`.
 *
 * @category combinators
 * @since 0.1.0
 */
export const withOutput: {
  (name: string, output: Data.Output): (self: Estimator) => Estimator
  (self: Estimator, name: string, output: Data.Output): Estimator
} = dual(3, (self: Estimator, name: string, output: Data.Output): Estimator => ({
  ...self,
  outputs: { ...self.outputs, [name]: output }
}))

/**
 * Resume from a checkpoint on a datastore (v1 `resume_from`): it becomes the input
 * `MODEL_LOCATION`, and `--resume-from <its path>` is appended to the arguments.
 *
 * @category combinators
 * @since 0.1.0
 */
export const withResumeFrom: {
  (checkpoint: Data.DatastorePath): (self: Estimator) => Estimator
  (self: Estimator, checkpoint: Data.DatastorePath): Estimator
} = dual(2, (self: Estimator, checkpoint: Data.DatastorePath): Estimator => ({ ...self, resumeFrom: checkpoint }))

/**
 * Stop the run after `seconds` (v1 `max_run_duration_seconds`, v2 `limits.timeout`).
 *
 * @category combinators
 * @since 0.1.0
 */
export const withMaxRunDuration: {
  (seconds: number): (self: Estimator) => Estimator
  (self: Estimator, seconds: number): Estimator
} = dual(2, (self: Estimator, seconds: number): Estimator => ({ ...self, maxRunDurationSeconds: seconds }))

/**
 * Set the container's shared memory size, e.g. `"8g"` (v1 `shm_size`).
 *
 * @category combinators
 * @since 0.1.0
 */
export const withShmSize: {
  (size: string): (self: Estimator) => Estimator
  (self: Estimator, size: string): Estimator
} = dual(2, (self: Estimator, size: string): Estimator => ({ ...self, shmSize: size }))

/**
 * Set the framework. Presets such as `chainer("7.0.0")` in `@estimator/frameworks` call this.
 *
 * @category combinators
 * @since 0.1.0
 */
export const withFramework: {
  (framework: Framework.Framework): (self: Estimator) => Estimator
  (self: Estimator, framework: Framework.Framework): Estimator
} = dual(2, (self: Estimator, framework: Framework.Framework): Estimator => ({ ...self, framework }))

/**
 * Add tags (later values win).
 *
 * @category combinators
 * @since 0.1.0
 */
export const withTags: {
  (tags: { readonly [name: string]: string }): (self: Estimator) => Estimator
  (self: Estimator, tags: { readonly [name: string]: string }): Estimator
} = dual(2, (self: Estimator, tags: { readonly [name: string]: string }): Estimator => ({
  ...self,
  tags: { ...self.tags, ...tags }
}))

/**
 * Name the job (the Azure ML job name; a client-generated name is used when absent).
 *
 * @category combinators
 * @since 0.1.0
 */
export const withName: {
  (name: string): (self: Estimator) => Estimator
  (self: Estimator, name: string): Estimator
} = dual(2, (self: Estimator, name: string): Estimator => ({ ...self, name }))

/**
 * @category combinators
 * @since 0.1.0
 */
export const withDisplayName: {
  (displayName: string): (self: Estimator) => Estimator
  (self: Estimator, displayName: string): Estimator
} = dual(2, (self: Estimator, displayName: string): Estimator => ({ ...self, displayName }))

/**
 * @category combinators
 * @since 0.1.0
 */
export const withExperimentName: {
  (experimentName: string): (self: Estimator) => Estimator
  (self: Estimator, experimentName: string): Estimator
} = dual(2, (self: Estimator, experimentName: string): Estimator => ({ ...self, experimentName }))

/**
 * @category combinators
 * @since 0.1.0
 */
export const withDescription: {
  (description: string): (self: Estimator) => Estimator
  (self: Estimator, description: string): Estimator
} = dual(2, (self: Estimator, description: string): Estimator => ({ ...self, description }))

/**
 * Back the source directory with a datastore (v1 `source_directory_data_store`).
 *
 * @category combinators
 * @since 0.1.0
 */
export const withSourceDirectoryDatastore: {
  (datastore: string): (self: Estimator) => Estimator
  (self: Estimator, datastore: string): Estimator
} = dual(2, (self: Estimator, datastore: string): Estimator => ({ ...self, sourceDirectoryDatastore: datastore }))

// -------------------------------------------------------------------------------------
// accessors
// -------------------------------------------------------------------------------------

/**
 * The arguments the script receives, with v1's `resume_from` appended (`--resume-from` and a
 * reference to the `MODEL_LOCATION` input) at the end.
 *
 * @category accessors
 * @since 0.1.0
 */
export const effectiveArguments = (self: Estimator): ReadonlyArray<Argument> =>
  self.resumeFrom === undefined
    ? self.arguments
    : [...self.arguments, "--resume-from", { _tag: "InputRef", name: RESUME_FROM_INPUT }]

/**
 * The inputs the job gets, with the `resume_from` checkpoint as the `MODEL_LOCATION` input.
 *
 * @category accessors
 * @since 0.1.0
 */
export const effectiveInputs = (self: Estimator): { readonly [name: string]: Data.Input } =>
  self.resumeFrom === undefined
    ? self.inputs
    : { ...self.inputs, [RESUME_FROM_INPUT]: { _tag: "Data", type: "uri_folder", source: self.resumeFrom, mode: "ro_mount" } }

/**
 * The shared memory size in effect (`2g` when unset).
 *
 * @category accessors
 * @since 0.1.0
 */
export const effectiveShmSize = (self: Estimator): string => self.shmSize ?? DEFAULT_SHM_SIZE

/**
 * How many processes the job runs in all.
 *
 * @category accessors
 * @since 0.1.0
 */
export const worldSize = (self: Estimator): number =>
  self.distribution._tag === "TensorFlow"
    ? self.distribution.workerCount + self.distribution.parameterServerCount
    : self.nodeCount * self.processCountPerNode

/**
 * A script argument as the script receives it. References are rendered by `resolve`
 * (each backend knows where an input lives); booleans as Python's `str()` writes them.
 *
 * @category accessors
 * @since 0.1.0
 */
export const renderArgument = (
  argument: Argument,
  resolve: (reference: Data.InputReference | Data.OutputReference) => string
): string => {
  switch (typeof argument) {
    case "string":
      return argument
    case "number":
      return String(argument)
    case "boolean":
      return argument ? "True" : "False"
    default:
      return resolve(argument)
  }
}

// -------------------------------------------------------------------------------------
// codecs
// -------------------------------------------------------------------------------------

/**
 * One reason a value is not a well-formed spec: where (a JSON path such as
 * `environment.pipPackages[2]`) and what was expected.
 *
 * @category codecs
 * @since 0.1.0
 */
export interface DecodeError {
  readonly path: string
  readonly message: string
}

/**
 * Decode an unknown value (parsed JSON or YAML) into a spec. Wrong types and unknown fields are
 * errors (never dropped), each with its path. Decoding checks shape only: run
 * `Validation.validate` for the rules.
 *
 * @category codecs
 * @since 0.1.0
 */
export const decode = (input: unknown): E.Either<ReadonlyArray<DecodeError>, Estimator> => {
  const decoded = internalCodec.decodeFast(input)
  return decoded !== undefined ? E.right(decoded) : pipe(internalCodec.Estimator.decode(input), E.mapLeft(internalCodec.report))
}

/**
 * The spec as plain JSON data (the identity on a decoded spec; listed for symmetry).
 *
 * @category codecs
 * @since 0.1.0
 */
export const encode = (self: Estimator): Estimator => internalCodec.Estimator.encode(self)
