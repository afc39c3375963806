/**
 * The `docker` backend: runs the job in a container on this machine, through the Docker Engine
 * API. The image is built from the spec's environment (the Dockerfile rendered by
 * `@estimator/env`, framework packages included, or the spec's own build context), tagged by the
 * environment's content hash and reused when the engine already has it.
 *
 * The plan holds the image (`tag`, `build` — false when the engine already has the tag, true
 * with a warning when the engine cannot be asked — and the Dockerfile) and one container per
 * node — always one, since a single machine is a single node — as the exact `ContainerCreate`
 * body (API 1.41): the argv (`python3 <script> <args>`, `mpirun --allow-run-as-root ...` for MPI,
 * `python3 -m torch.distributed.run ...` for PyTorch), the variables (`KEY=value`, secrets as
 * `KEY=<redacted>` until `execute` resolves them, the run contract with container paths), the
 * working directory (the run's snapshot, mounted at `/estimator/workspace`), labels, and
 * `HostConfig`: shared memory in bytes, the binds (snapshot and outputs read-write — the
 * snapshot is the run's own copy —, inputs read-only) and GPUs through `DeviceRequests`.
 *
 * `toImage`, `toContainerCreate` and `compile` are pure; `plan` reads the spec's files (and the
 * build context) and asks the engine whether the image exists.
 *
 * @since 0.1.0
 */
import { Estimator } from "@estimator/core"
import { LaunchPlan } from "@estimator/distributed"
import { Dockerfile, Hash, type ResolvedEnvironment } from "@estimator/env"
import { FileSystem } from "@effect/platform"
import { Config, Effect, Either, Layer, Option } from "effect"
import * as path from "node:path"
import * as Backend from "./Backend.js"
import * as contract from "./internal/contract.js"
import * as dockerEngine from "./internal/dockerEngine.js"
import * as internalPrepare from "./internal/prepare.js"
import { parseSize } from "./internal/units.js"
import type * as Plan from "./Plan.js"
import * as PlanError from "./PlanError.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * Options of the docker backend.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The interpreter inside the image (default `python3`). */
  readonly python?: string
  /** Build `FROM` this image instead of the environment's base image (see `Dockerfile.Options`). */
  readonly baseImageOverride?: string
  /** Install pip packages from this index (see `Dockerfile.Options`). */
  readonly pipIndexUrl?: string
  /** Whether the base image has conda (default: `BaseImages.hasConda`). */
  readonly condaAvailable?: boolean
  /** Add `azureml-defaults` to pip lists as v1 did for Azure ML (default `false`: it is not needed locally). */
  readonly azuremlDefaults?: boolean
  /** Whether an image tag exists; `PlanContext.imageExists` wins over it, the engine check is the default. */
  readonly imageExists?: Backend.ImageCheck
  /** The engine address (default: `DOCKER_HOST`, else `unix:///var/run/docker.sock`). */
  readonly dockerHost?: string
}

/**
 * What the compile step knows from outside: the build context's files (for a spec with
 * `environment.build`) and whether the engine has the image (`undefined` when it could not be
 * asked; `reason` says why).
 *
 * @category models
 * @since 0.1.0
 */
export interface Facts {
  readonly buildContext?: { readonly [relativePath: string]: Uint8Array }
  readonly imageExists: boolean | { readonly unknown: string }
}

/**
 * The image half of a docker plan.
 *
 * @category models
 * @since 0.1.0
 */
export interface Image {
  readonly tag: string
  readonly dockerfile: string
  readonly build: Plan.DockerBuild
  readonly registry?: Estimator.Registry
  readonly warnings: ReadonlyArray<PlanError.PlanIssue>
}

/**
 * The working directory of the container: the run's snapshot is mounted here.
 *
 * @category models
 * @since 0.1.0
 */
export const WORKING_DIRECTORY = "/estimator/workspace"

/**
 * `ESTIMATOR_OUTPUT_DIR` in the container (the run's `outputs/` folder).
 *
 * @category models
 * @since 0.1.0
 */
export const OUTPUT_DIRECTORY = "/estimator/outputs"

/**
 * Inputs are mounted at `/estimator/inputs/<name>` (a file input at `/estimator/inputs/<name>/<file name>`).
 *
 * @category models
 * @since 0.1.0
 */
export const INPUTS_DIRECTORY = "/estimator/inputs"

/**
 * `--gpus all`.
 *
 * @category models
 * @since 0.1.0
 */
export const ALL_GPUS: Plan.DeviceRequest = { Driver: "nvidia", Count: -1, Capabilities: [["gpu"]] }

/**
 * The capabilities of the docker backend.
 *
 * @category models
 * @since 0.1.0
 */
export const capabilities: Backend.Capabilities = Backend.capabilityTable.docker

// -------------------------------------------------------------------------------------
// compiling
// -------------------------------------------------------------------------------------

const invalid = (prepared: Plan.Prepared, issues: ReadonlyArray<PlanError.PlanIssue>): PlanError.PlanError =>
  new PlanError.InvalidSpec({ backend: "docker", issues, warnings: prepared.warnings })

const issue = (fieldPath: string, code: string, message: string, hint: string, backends: ReadonlyArray<Backend.BackendName> = []): PlanError.PlanIssue => ({
  path: fieldPath,
  code,
  message,
  hint,
  severity: "error",
  backends
})

/**
 * The image of a docker run: for an image environment the rendered Dockerfile and its files,
 * tagged by the content hash of both; for a build context the context's own Dockerfile, tagged
 * by the hash of every file of the context (`buildContext`, relative paths).
 *
 * @category compiling
 * @since 0.1.0
 */
export const toImage = (
  prepared: Plan.Prepared,
  environment: ResolvedEnvironment.ResolvedEnvironment,
  options: Options = {},
  buildContext?: { readonly [relativePath: string]: Uint8Array }
): Either.Either<Image, PlanError.PlanError> => {
  if (environment._tag === "Build") {
    const context = path.resolve(prepared.sourceDirectory, environment.context)
    const dockerfileBytes = buildContext?.[environment.dockerfile]
    if (buildContext === undefined || dockerfileBytes === undefined) {
      return Either.left(invalid(prepared, [issue("environment.build", "dockerfile-missing", `The build context ${context} has no ${environment.dockerfile}.`, `Add ${environment.dockerfile} to ${context}, or fix environment.build (the context is relative to the source directory).`)]))
    }
    const dockerfile = new TextDecoder().decode(dockerfileBytes)
    return Either.right({
      tag: Hash.imageTag(environment, { dockerfile, files: buildContext }),
      dockerfile,
      build: { _tag: "Context", context, dockerfile: environment.dockerfile },
      warnings: []
    })
  }
  const rendered = Dockerfile.render(environment, {
    ...(options.baseImageOverride === undefined ? {} : { baseImageOverride: options.baseImageOverride }),
    ...(options.pipIndexUrl === undefined ? {} : { pipIndexUrl: options.pipIndexUrl }),
    ...(options.condaAvailable === undefined ? {} : { condaAvailable: options.condaAvailable })
  })
  if (rendered._tag === "Left") return Either.left(invalid(prepared, rendered.left.map((i) => PlanError.fromIssue(i))))
  const registry = environment._tag === "Image" ? environment.registry : undefined
  return Either.right({
    tag: Hash.imageTag(environment, rendered.right),
    dockerfile: rendered.right.dockerfile,
    build: { _tag: "Rendered", files: rendered.right.files },
    ...(registry === undefined ? {} : { registry }),
    warnings: rendered.right.warnings.map((w) => PlanError.fromIssue(w, ["docker"]))
  })
}

const locations = (prepared: Plan.Prepared): contract.Locations => {
  const inputs: Record<string, contract.InputLocation> = {}
  for (const [name, input] of Object.entries(prepared.spec.inputs)) {
    if (input._tag === "Literal") inputs[name] = { _tag: "Literal", value: contract.literalValue(input.value) }
  }
  for (const [name, local] of Object.entries(prepared.localInputs)) {
    if (local.kind === "directory") inputs[name] = { _tag: "Path", path: `${INPUTS_DIRECTORY}/${name}` }
    if (local.kind === "file") inputs[name] = { _tag: "Path", path: `${INPUTS_DIRECTORY}/${name}/${path.basename(local.path)}` }
  }
  return {
    outputDirectory: OUTPUT_DIRECTORY,
    outputs: Object.fromEntries(Object.keys(prepared.spec.outputs).map((name) => [name, `${OUTPUT_DIRECTORY}/${name}`])),
    inputs
  }
}

/**
 * The binds of a run: the snapshot and the outputs read-write, each existing local input
 * read-only. Docker's `host:container[:mode]` syntax cannot carry a host path with a `:`; such a
 * path is an `Unsupported` issue.
 *
 * @category compiling
 * @since 0.1.0
 */
export const toBinds = (prepared: Plan.Prepared): Either.Either<ReadonlyArray<string>, PlanError.PlanError> => {
  const where = locations(prepared)
  const binds: Array<readonly [field: string, host: string, container: string, mode: "" | ":ro"]> = [
    ["runsDirectory", path.join(prepared.runDirectory, "snapshot"), WORKING_DIRECTORY, ""],
    ["runsDirectory", path.join(prepared.runDirectory, "outputs"), OUTPUT_DIRECTORY, ""]
  ]
  for (const [name, local] of Object.entries(prepared.localInputs)) {
    const location = where.inputs[name]
    if (location?._tag === "Path") binds.push([`inputs.${name}.source.path`, local.path, location.path, ":ro"])
  }
  const colons = binds.filter(([, host]) => host.includes(":"))
  if (colons.length > 0) {
    return Either.left(new PlanError.Unsupported({
      backend: "docker",
      issues: colons.map(([field, host]) => issue(field, "path-not-bindable", `The path ${host} contains ':', which Docker's bind syntax (host:container) cannot carry.`, "Move or rename it so that the path has no ':'.", ["local", "azureml"])),
      warnings: prepared.warnings
    }))
  }
  return Either.right(binds.map(([, host, container, mode]) => `${host}:${container}${mode}`))
}

/**
 * The `ContainerCreate` body of the run's (single) container, for the image `imageTag`; `plain`
 * are the job's plain variables (framework's included). Assumes the capability check passed.
 *
 * @category compiling
 * @since 0.1.0
 */
export const toContainerCreate = (
  prepared: Plan.Prepared,
  plain: Plan.Variables,
  imageTag: string,
  options: Options = {}
): Either.Either<Plan.ContainerCreate, PlanError.PlanError> =>
  Either.gen(function*() {
    const spec = prepared.spec
    const where = locations(prepared)
    const env = contract.jobVariables(spec, plain, prepared.runId, where)
    const { noPython, scriptArgv } = contract.program(spec, where)
    const launch = LaunchPlan.plan(spec, {
      nodeHosts: ["localhost"],
      scriptArgv,
      noPython,
      python: options.python ?? LaunchPlan.DEFAULT_PYTHON,
      mpirunFlags: ["--allow-run-as-root", "--oversubscribe"],
      forwardEnvironment: Object.keys(env)
    })
    if (launch._tag === "Left") return yield* Either.left(internalPrepare.launchError("docker", launch.left, prepared))
    const plan = launch.right
    const process: LaunchPlan.Process | undefined = plan._tag === "TensorFlow" ? plan.ranks[0] : plan.nodes[0]?.processes[0]
    if (process === undefined) {
      return yield* Either.left(invalid(prepared, [issue("distribution", "nothing-to-run", "The launch plan has no process for the container.", "Check the distribution's counts.")]))
    }
    const binds = yield* toBinds(prepared)
    const labels: Record<string, string> = {
      "estimator.run-id": prepared.runId,
      "estimator.spec-hash": prepared.specHash
    }
    if (spec.name !== undefined) labels["estimator.name"] = spec.name
    if (spec.experimentName !== undefined) labels["estimator.experiment-name"] = spec.experimentName
    if (spec.displayName !== undefined) labels["estimator.display-name"] = spec.displayName
    for (const [key, value] of Object.entries(spec.tags)) labels[`estimator.tag.${key}`] = value
    return {
      Image: imageTag,
      Cmd: process.argv,
      Env: Object.entries({ ...env, ...process.env }).map(([name, value]) => `${name}=${value}`),
      WorkingDir: WORKING_DIRECTORY,
      Labels: labels,
      HostConfig: {
        ShmSize: parseSize(Estimator.effectiveShmSize(spec)) ?? 0,
        Binds: binds,
        Init: true,
        ...(spec.gpu ? { DeviceRequests: [ALL_GPUS] } : {})
      }
    }
  })

/**
 * The container name of a run.
 *
 * @category compiling
 * @since 0.1.0
 */
export const containerName = (runId: string): string => `estimator-${runId}`

/**
 * The docker plan of a prepared spec, given the facts read from outside, or every reason there
 * is none.
 *
 * @category compiling
 * @since 0.1.0
 */
export const compile = (
  prepared: Plan.Prepared,
  facts: Facts,
  options: Options = {}
): Either.Either<Plan.DockerPlan, PlanError.PlanError> =>
  Either.gen(function*() {
    const ignored = yield* internalPrepare.checkCapabilities("docker", prepared)
    const environment = yield* internalPrepare.environmentOf("docker", prepared, { azuremlDefaults: options.azuremlDefaults ?? false })
    const image = yield* toImage(prepared, environment.environment, options, facts.buildContext)
    const create = yield* toContainerCreate(prepared, environment.variables, image.tag, options)
    const unknown = typeof facts.imageExists === "object" ? facts.imageExists.unknown : undefined
    const engineWarnings = unknown === undefined ? [] : [{
      path: "environment",
      code: "image-check-failed",
      message: `Whether the image ${image.tag} is already built could not be checked (${unknown}), so the plan builds it.`,
      hint: "Start the Docker engine (or set DOCKER_HOST) before running.",
      severity: "warning" as const
    }]
    return {
      backend: "docker" as const,
      warnings: [...prepared.warnings, ...ignored, ...environment.warnings, ...image.warnings, ...engineWarnings],
      image: { tag: image.tag, build: facts.imageExists !== true, dockerfile: image.dockerfile },
      containers: [{ name: containerName(prepared.runId), create }],
      imageBuild: image.build,
      ...(image.registry === undefined ? {} : { registry: image.registry }),
      run: internalPrepare.runInfo(prepared)
    }
  })

const readBuildContext = (
  prepared: Plan.Prepared,
  context: string
): Effect.Effect<{ readonly [relativePath: string]: Uint8Array }, PlanError.PlanError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const directory = path.resolve(prepared.sourceDirectory, context)
    const unreadable = (cause: { readonly message: string }) =>
      invalid(prepared, [issue("environment.build.context", "build-context-unreadable", `The build context ${directory} cannot be read: ${cause.message}.`, "Check that environment.build.context names a readable folder (relative to the source directory).")])
    const entries = yield* Effect.mapError(fs.readDirectory(directory, { recursive: true }), unreadable)
    const files: Record<string, Uint8Array> = {}
    for (const entry of [...entries].sort()) {
      const absolute = path.join(directory, entry)
      const info = yield* Effect.mapError(fs.stat(absolute), unreadable)
      if (info.type === "File") files[entry.split(path.sep).join("/")] = yield* Effect.mapError(fs.readFile(absolute), unreadable)
    }
    return files
  })

/**
 * Plan `spec` for the docker backend: decode, validate, read its files (and build context), ask
 * whether the image exists, compile.
 *
 * @category compiling
 * @since 0.1.0
 */
export const plan = (
  spec: Estimator.Estimator,
  context: Backend.PlanContext,
  options: Options = {}
): Effect.Effect<Plan.DockerPlan, PlanError.PlanError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const prepared = yield* internalPrepare.prepare("docker", spec, context)
    // Capability errors first: there is no image to look for when the spec cannot run here.
    yield* internalPrepare.checkCapabilities("docker", prepared)
    const environment = yield* internalPrepare.environmentOf("docker", prepared, { azuremlDefaults: options.azuremlDefaults ?? false })
    const buildContext = environment.environment._tag === "Build"
      ? yield* readBuildContext(prepared, environment.environment.context)
      : undefined
    const image = yield* toImage(prepared, environment.environment, options, buildContext)
    const check = context.imageExists ?? options.imageExists ?? dockerEngine.imageExists(options.dockerHost ?? dockerEngine.DEFAULT_DOCKER_HOST)
    const imageExists = yield* check(image.tag).pipe(
      Effect.catchAll((cause) => Effect.succeed({ unknown: cause.reason }))
    )
    return yield* compile(prepared, { imageExists, ...(buildContext === undefined ? {} : { buildContext }) }, options)
  })

// -------------------------------------------------------------------------------------
// layers
// -------------------------------------------------------------------------------------

/**
 * The docker backend with options; the engine address comes from `options.dockerHost`, else
 * the `DOCKER_HOST` config value, else the default socket.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerWith = (options: Options = {}): Layer.Layer<Backend.Backend, never, FileSystem.FileSystem> =>
  Layer.effect(
    Backend.Backend,
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const configured = yield* Config.option(Config.string("DOCKER_HOST")).pipe(Effect.orElseSucceed(() => Option.none<string>()))
      const dockerHost = options.dockerHost ?? Option.getOrElse(configured, () => dockerEngine.DEFAULT_DOCKER_HOST)
      return Backend.planOnly("docker", (spec, context) =>
        plan(spec, context, { ...options, dockerHost }).pipe(Effect.provideService(FileSystem.FileSystem, fs)))
    })
  )

/**
 * The docker backend with default options.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<Backend.Backend, never, FileSystem.FileSystem> = layerWith()

/**
 * Ask the engine at `dockerHost` (`unix:///...` or `tcp://host:port`) whether it has an image:
 * `GET /images/<tag>/json`. The default image check of the docker backend.
 *
 * @category constructors
 * @since 0.1.0
 */
export const engineImageCheck = (dockerHost: string = dockerEngine.DEFAULT_DOCKER_HOST): Backend.ImageCheck =>
  dockerEngine.imageExists(dockerHost)
