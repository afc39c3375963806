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
 * No registry is assumed: Azure ML's base images (the default CPU and GPU images among them)
 * can be stood in for by a local image (`Options.baseImage`, `ESTIMATOR_DOCKER_BASE_IMAGE`), a
 * substitution the plan shows as a warning; any other missing image is pulled, and when that
 * fails the run fails with one message saying how to provide it.
 *
 * `execute` performs the plan through `dockerode`: it records the run in the run store
 * (`RunStore`), copies the snapshot (`Snapshot.copy`), builds the image unless the engine has the
 * tag (re-checked at that moment; progress through `Options.onProgress`, the log in
 * `logs/build.log`; builds use the host network so a pip index on 127.0.0.1 is reachable),
 * creates the container from the plan's body with the secrets resolved — only there — and starts
 * it. `wait`, `status`, `logs` and `cancel` follow the run by its id from any process: the
 * container carries the label `estimator.run-id`; whoever sees it stopped first stores its output
 * (redacted; `[rank N] ` in front of each MPI rank's lines, from `mpirun`'s tagged output) and
 * its end (exit code 0 `Completed`, else `Failed`; `Canceled` after a cancel or past
 * `maxRunDurationSeconds`, with the reason), then removes it. Outputs are on a host bind, so
 * they stay whatever the outcome. `run` is the attached form: it streams the output and cancels
 * the run when interrupted (Ctrl-C).
 *
 * `toImage`, `toContainerCreate` and `compile` are pure; `plan` reads the spec's files (and the
 * build context) and asks the engine whether the image exists.
 *
 * @since 0.1.0
 */
import { Estimator, type Validation } from "@estimator/core"
import { LaunchPlan } from "@estimator/distributed"
import { BaseImages, Dockerfile, Hash, type ResolvedEnvironment } from "@estimator/env"
import { FileSystem } from "@effect/platform"
import { Cause, Config, Effect, Either, Exit, Layer, Option, Stream } from "effect"
import * as path from "node:path"
import * as Backend from "./Backend.js"
import * as contract from "./internal/contract.js"
import * as dockerEngine from "./internal/dockerEngine.js"
import * as dockerErrors from "./internal/dockerErrors.js"
import * as dockerRun from "./internal/dockerRun.js"
import type * as jobEnvironment from "./internal/environment.js"
import * as internalPrepare from "./internal/prepare.js"
import * as paths from "./internal/paths.js"
import * as record from "./internal/record.js"
import { parseSize } from "./internal/units.js"
import type * as Plan from "./Plan.js"
import * as PlanError from "./PlanError.js"
import * as RunStore from "./RunStore.js"

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
  /**
   * Build `FROM` this image instead of the environment's base image, whatever it is (see
   * `Dockerfile.Options`); the plan warns (`base-image-overridden`).
   */
  readonly baseImageOverride?: string
  /**
   * A local stand-in for Azure ML's base images (`mcr.microsoft.com/azureml/...`, the default
   * CPU and GPU images among them), which a machine without a registry cannot pull: an
   * environment built on one of them is built `FROM` this image instead, and the plan warns
   * (`base-image-substituted`). Other images are used as they are. Default: the
   * `ESTIMATOR_DOCKER_BASE_IMAGE` config value, else none.
   */
  readonly baseImage?: string
  /**
   * Install pip packages from this index (see `Dockerfile.Options`). Default: the
   * `ESTIMATOR_PIP_INDEX_URL` config value, else pip's own default.
   */
  readonly pipIndexUrl?: string
  /** Whether the base image has conda (default: `BaseImages.hasConda`). */
  readonly condaAvailable?: boolean
  /** Add `azureml-defaults` to pip lists as v1 did for Azure ML (default `false`: it is not needed locally). */
  readonly azuremlDefaults?: boolean
  /** Whether an image tag exists; `PlanContext.imageExists` wins over it, the engine check is the default. */
  readonly imageExists?: Backend.ImageCheck
  /** The engine address (default: `DOCKER_HOST`, else `unix:///var/run/docker.sock`). */
  readonly dockerHost?: string
  /**
   * Where `status`, `logs`, `wait` and `cancel` look runs up by id: `<runsDirectory>/<run id>`
   * (default `.estimator/runs`, relative to the working directory). A run whose record is
   * elsewhere is still found while its container exists (its label names the run directory).
   */
  readonly runsDirectory?: string
  /** The network mode of image builds (default `host`, so a pip index on 127.0.0.1 is reachable). */
  readonly buildNetwork?: string
  /** Called with each step of `execute`: image cached, build started, each build output line, build finished, container started. */
  readonly onProgress?: (event: Progress) => void
  /** Whether interrupting `wait` (Ctrl-C in `estimator run`) cancels the run (default `true`, as the local backend). */
  readonly cancelOnInterrupt?: boolean
}

/**
 * What `execute` reports as it goes (`Options.onProgress`): the image was already built, a
 * build started, one line of build output, the build finished, the container started.
 *
 * @category models
 * @since 0.1.0
 */
export type Progress = dockerRun.Progress

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
  const substitution = environment._tag === "Image" ? baseImageSubstitution(environment, options) : undefined
  const rendered = Dockerfile.render(environment, {
    ...(substitution === undefined ? {} : { baseImageOverride: substitution.image }),
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
    warnings: [
      ...(substitution === undefined ? [] : [substitution.warning]),
      ...rendered.right.warnings.map((w) => PlanError.fromIssue(w, ["docker"]))
    ]
  })
}

/**
 * Whether an image is one of Azure ML's base images (`mcr.microsoft.com/azureml/...`), which
 * {@link Options.baseImage} stands in for.
 *
 * @category guards
 * @since 0.1.0
 */
export const isAzureMlImage = (image: string): boolean => BaseImages.parseReference(image).repository.startsWith("mcr.microsoft.com/azureml/")

const baseImageSubstitution = (
  environment: ResolvedEnvironment.ImageEnvironment,
  options: Options
): { readonly image: string; readonly warning: PlanError.PlanIssue } | undefined => {
  const original = BaseImages.qualify(environment.baseImage, environment.registry?.address)
  if (options.baseImageOverride !== undefined) {
    if (options.baseImageOverride === original) return undefined
    return {
      image: options.baseImageOverride,
      warning: {
        path: "environment.image",
        code: "base-image-overridden",
        message: `The image is built FROM ${options.baseImageOverride} (baseImageOverride) instead of the environment's base image ${original}.`,
        hint: "Remove baseImageOverride to build from the environment's own base image.",
        severity: "warning",
        backends: ["docker"]
      }
    }
  }
  if (options.baseImage === undefined || options.baseImage === original || !isAzureMlImage(original)) return undefined
  return {
    image: options.baseImage,
    warning: {
      path: "environment.image",
      code: "base-image-substituted",
      message: `Azure ML's base image ${original} is replaced by the local image ${options.baseImage} (ESTIMATOR_DOCKER_BASE_IMAGE / Docker.Options.baseImage): the run uses that image's Python and libraries, not Azure ML's.`,
      hint: "Unset ESTIMATOR_DOCKER_BASE_IMAGE to build from Azure ML's image (it must then be present or pullable), or name an image with withImage.",
      severity: "warning",
      backends: ["docker"]
    }
  }
}

const hasOwn = Object.prototype.hasOwnProperty

const locations = (prepared: Plan.Prepared): contract.Locations => {
  const spec = internalPrepare.viewOf(prepared)
  const inputs = contract.literalInputLocations(spec)
  const localInputs = prepared.localInputs
  for (const name in localInputs) {
    if (!hasOwn.call(localInputs, name)) continue
    const local = localInputs[name] as Plan.LocalInput
    if (local.kind === "directory") inputs[name] = { _tag: "Path", path: `${INPUTS_DIRECTORY}/${name}` }
    if (local.kind === "file") inputs[name] = { _tag: "Path", path: `${INPUTS_DIRECTORY}/${name}/${path.basename(local.path)}` }
  }
  const outputs = record.empty<string>()
  for (const name in spec.outputs) {
    if (hasOwn.call(spec.outputs, name)) outputs[name] = `${OUTPUT_DIRECTORY}/${name}`
  }
  return { outputDirectory: OUTPUT_DIRECTORY, outputs, inputs }
}

/**
 * The binds of a run: the snapshot and the outputs read-write, each existing local input
 * read-only. Docker's `host:container[:mode]` syntax cannot carry a host path with a `:`; such a
 * path is an `Unsupported` issue.
 *
 * @category compiling
 * @since 0.1.0
 */
export const toBinds = (prepared: Plan.Prepared): Either.Either<ReadonlyArray<string>, PlanError.PlanError> =>
  bindsAt(prepared, locations(prepared))

const bindsAt = (prepared: Plan.Prepared, where: contract.Locations): Either.Either<ReadonlyArray<string>, PlanError.PlanError> => {
  const binds: Array<string> = []
  let colons: Array<PlanError.PlanIssue> | undefined
  const bind = (field: string, host: string, container: string, mode: "" | ":ro") => {
    if (host.includes(":")) {
      ;(colons ??= []).push(issue(field, "path-not-bindable", `The path ${host} contains ':', which Docker's bind syntax (host:container) cannot carry.`, "Move or rename it so that the path has no ':'.", ["local", "azureml"]))
    } else {
      binds.push(`${host}:${container}${mode}`)
    }
  }
  bind("runsDirectory", paths.join(prepared.runDirectory, "snapshot"), WORKING_DIRECTORY, "")
  bind("runsDirectory", paths.join(prepared.runDirectory, "outputs"), OUTPUT_DIRECTORY, "")
  const localInputs = prepared.localInputs
  for (const name in localInputs) {
    if (!hasOwn.call(localInputs, name)) continue
    const location = where.inputs[name]
    if (location?._tag === "Path") bind(`inputs.${name}.source.path`, (localInputs[name] as Plan.LocalInput).path, location.path, ":ro")
  }
  if (colons !== undefined) return Either.left(new PlanError.Unsupported({ backend: "docker", issues: colons, warnings: prepared.warnings }))
  return Either.right(binds)
}

const DOCKER_MPIRUN_FLAGS: ReadonlyArray<string> = ["--allow-run-as-root", "--oversubscribe"]

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
): Either.Either<Plan.ContainerCreate, PlanError.PlanError> => {
  const spec = internalPrepare.viewOf(prepared)
  const where = locations(prepared)
  const { env, launch } = contract.singleHostLaunch(spec, plain, prepared.runId, where, {
    python: options.python ?? LaunchPlan.DEFAULT_PYTHON,
    mpirunFlags: DOCKER_MPIRUN_FLAGS
  })
  if (launch._tag === "Left") return Either.left(internalPrepare.launchError("docker", launch.left, prepared))
  const plan = launch.right
  const process: LaunchPlan.Process | undefined = plan._tag === "TensorFlow" ? plan.ranks[0] : plan.nodes[0]?.processes[0]
  if (process === undefined) {
    return Either.left(invalid(prepared, [issue("distribution", "nothing-to-run", "The launch plan has no process for the container.", "Check the distribution's counts.")]))
  }
  const binds = bindsAt(prepared, where)
  if (Either.isLeft(binds)) return Either.left(binds.left)
  const labels = record.empty<string>()
  labels["estimator.run-id"] = prepared.runId
  labels["estimator.spec-hash"] = prepared.specHash
  if (spec.name !== undefined) labels["estimator.name"] = spec.name
  if (spec.experimentName !== undefined) labels["estimator.experiment-name"] = spec.experimentName
  if (spec.displayName !== undefined) labels["estimator.display-name"] = spec.displayName
  const tags = spec.tags
  for (const key in tags) if (hasOwn.call(tags, key)) labels[`estimator.tag.${key}`] = tags[key] as string
  const variables = contract.merge(env, process.env)
  const Env: Array<string> = []
  for (const name in variables) Env.push(`${name}=${variables[name]}`)
  const hostConfig: Plan.ContainerCreate["HostConfig"] = {
    ShmSize: parseSize(Estimator.effectiveShmSize(spec)) ?? 0,
    Binds: binds.right,
    Init: true
  }
  return Either.right({
    Image: imageTag,
    Cmd: process.argv,
    Env,
    WorkingDir: WORKING_DIRECTORY,
    Labels: labels,
    HostConfig: spec.gpu ? { ...hostConfig, DeviceRequests: [ALL_GPUS] } : hostConfig
  })
}

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
): Either.Either<Plan.DockerPlan, PlanError.PlanError> => {
  const parts = compileImage(prepared, internalPrepare.memoOf(prepared), options, facts.buildContext)
  return Either.isLeft(parts) ? Either.left(parts.left) : compileWithImage(prepared, parts.right, facts, options)
}

/** What a docker plan needs before asking the engine anything: the fields ignored, the job's environment, the image. */
interface ImageParts {
  readonly memo: internalPrepare.Memo
  readonly ignored: ReadonlyArray<Validation.Issue>
  readonly environment: jobEnvironment.JobEnvironment
  readonly image: Image
}

const compileImage = (
  prepared: Plan.Prepared,
  memo: internalPrepare.Memo,
  options: Options,
  buildContext: Facts["buildContext"]
): Either.Either<ImageParts, PlanError.PlanError> => {
  const ignored = internalPrepare.checkCapabilities("docker", prepared, memo)
  if (Either.isLeft(ignored)) return Either.left(ignored.left)
  const environment = internalPrepare.environmentOf("docker", prepared, { azuremlDefaults: options.azuremlDefaults ?? false }, memo)
  if (Either.isLeft(environment)) return Either.left(environment.left)
  const image = toImage(prepared, environment.right.environment, options, buildContext)
  if (Either.isLeft(image)) return Either.left(image.left)
  return Either.right({ memo, ignored: ignored.right, environment: environment.right, image: image.right })
}

const compileWithImage = (
  prepared: Plan.Prepared,
  parts: ImageParts,
  facts: Facts,
  options: Options
): Either.Either<Plan.DockerPlan, PlanError.PlanError> => {
  const image = parts.image
  const create = toContainerCreate(prepared, parts.environment.variables, image.tag, options)
  if (Either.isLeft(create)) return Either.left(create.left)
  const unknown = typeof facts.imageExists === "object" ? facts.imageExists.unknown : undefined
  const warnings = internalPrepare.concat(prepared.warnings, parts.ignored, parts.environment.warnings, image.warnings)
  if (unknown !== undefined) {
    warnings.push({
      path: "environment",
      code: "image-check-failed",
      message: `Whether the image ${image.tag} is already built could not be checked (${unknown}), so the plan builds it.`,
      hint: "Start the Docker engine (or set DOCKER_HOST) before running.",
      severity: "warning"
    })
  }
  return Either.right({
    backend: "docker",
    warnings,
    image: { tag: image.tag, build: facts.imageExists !== true, dockerfile: image.dockerfile },
    containers: [{ name: containerName(prepared.runId), create: create.right }],
    imageBuild: image.build,
    ...(image.registry === undefined ? {} : { registry: image.registry }),
    run: internalPrepare.runInfo(prepared, parts.memo)
  })
}

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
 * The docker plan of a prepared spec (see `Plan.prepare`): check the capabilities, read the
 * build context, ask whether the image exists (`PlanContext.imageExists`, else
 * `Options.imageExists`, else the engine), compile.
 *
 * @category compiling
 * @since 0.1.0
 */
export const planPrepared = (
  prepared: Plan.Prepared,
  context: Backend.PlanContext,
  options: Options = {}
): Effect.Effect<Plan.DockerPlan, PlanError.PlanError, FileSystem.FileSystem> => Effect.suspend(() => planPreparedNow(prepared, context, options))

/**
 * {@link planPrepared}, its pure part done now: an `Exit` when nothing needs to be read (the
 * capability check fails, or the image check answers at once).
 *
 * @internal
 */
export const planPreparedNow = (
  prepared: Plan.Prepared,
  context: Backend.PlanContext,
  options: Options = {}
): Effect.Effect<Plan.DockerPlan, PlanError.PlanError, FileSystem.FileSystem> => {
  const memo = internalPrepare.memoOf(prepared)
  // Capability errors first: there is no image to look for when the spec cannot run here.
  const ignored = internalPrepare.checkCapabilities("docker", prepared, memo)
  if (Either.isLeft(ignored)) return Exit.fail(ignored.left)
  const environment = internalPrepare.environmentOf("docker", prepared, { azuremlDefaults: options.azuremlDefaults ?? false }, memo)
  if (Either.isLeft(environment)) return Exit.fail(environment.left)
  const resolved = environment.right.environment
  return resolved._tag === "Build"
    ? Effect.flatMap(readBuildContext(prepared, resolved.context), (buildContext) => withImage(prepared, memo, context, options, buildContext))
    : withImage(prepared, memo, context, options, undefined)
}

/** The rest of {@link planPrepared}: the image, whether the engine has it, the plan. */
const withImage = (
  prepared: Plan.Prepared,
  memo: internalPrepare.Memo,
  context: Backend.PlanContext,
  options: Options,
  buildContext: { readonly [relativePath: string]: Uint8Array } | undefined
): Effect.Effect<Plan.DockerPlan, PlanError.PlanError> => {
  const parts = compileImage(prepared, memo, options, buildContext)
  if (Either.isLeft(parts)) return Exit.fail(parts.left)
  const check = context.imageExists ?? options.imageExists ?? dockerEngine.imageExists(options.dockerHost ?? dockerEngine.DEFAULT_DOCKER_HOST)
  return internalPrepare.andThenExit(check(parts.right.image.tag), (exit) => {
    let imageExists: Facts["imageExists"]
    if (Exit.isSuccess(exit)) {
      imageExists = exit.value
    } else {
      const failure = Cause.failureOrCause(exit.cause)
      if (Either.isRight(failure)) return Effect.failCause(failure.right as Cause.Cause<never>)
      imageExists = { unknown: failure.left.reason }
    }
    const planned = compileWithImage(prepared, parts.right, { imageExists, ...(buildContext === undefined ? {} : { buildContext }) }, options)
    return Either.isRight(planned) ? Effect.succeed(planned.right) : Exit.fail(planned.left)
  })
}

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
  Effect.flatMap(internalPrepare.prepare("docker", spec, context), (prepared) => planPrepared(prepared, context, options))

// -------------------------------------------------------------------------------------
// errors
// -------------------------------------------------------------------------------------

/**
 * The engine answered a request with an error (e.g. a bind it cannot mount, a name in use).
 *
 * @category errors
 * @since 0.1.0
 */
export const EngineError = dockerErrors.EngineError

/**
 * @category errors
 * @since 0.1.0
 */
export type EngineError = dockerErrors.EngineError

/**
 * An image the run needs (the base image of the build, a custom image) is not in the engine and
 * could not be pulled; the message says how to provide it.
 *
 * @category errors
 * @since 0.1.0
 */
export const ImageUnavailable = dockerErrors.ImageUnavailable

/**
 * @category errors
 * @since 0.1.0
 */
export type ImageUnavailable = dockerErrors.ImageUnavailable

/**
 * The image build failed; the message carries the last lines of the build log, and the whole
 * log is the run's `logs/build.log`.
 *
 * @category errors
 * @since 0.1.0
 */
export const BuildFailed = dockerErrors.BuildFailed

/**
 * @category errors
 * @since 0.1.0
 */
export type BuildFailed = dockerErrors.BuildFailed

/**
 * What running a docker plan and following its run can fail with: the run store's errors, the
 * engine out of reach (`Backend.EngineUnavailable`: "Docker daemon not reachable at ..."), and
 * the errors above.
 *
 * @category errors
 * @since 0.1.0
 */
export type RunError = dockerErrors.RunError

// -------------------------------------------------------------------------------------
// running
// -------------------------------------------------------------------------------------

/**
 * The labels of what the docker backend creates: `estimator.run-id` on containers (how `cancel`
 * and `status` find a run's container from any process), `estimator.run-directory` on
 * containers, `estimator.built-by=estimator` on the images it builds.
 *
 * @category models
 * @since 0.1.0
 */
export const labels = {
  runId: dockerRun.RUN_ID_LABEL,
  runDirectory: dockerRun.RUN_DIRECTORY_LABEL,
  builtBy: dockerRun.BUILT_BY_LABEL
} as const

const imageHint = (options: Options) => (image: string): string =>
  isAzureMlImage(image)
    ? `load it (docker load -i FILE), or stand in a local image for Azure ML's base images: set ESTIMATOR_DOCKER_BASE_IMAGE=IMAGE (Docker.layerWith({ baseImage: IMAGE })), e.g. estimator/python-mpi:bookworm, which bash .ci/provision.sh builds${options.baseImage === undefined ? "" : ` (the plan was made without it, or ${options.baseImage} is not present either)`}.`
    : `build it (docker build -t ${image} DIR) or load it (docker load -i FILE), then run again.`

const settingsOf = (options: Options): dockerRun.Settings => ({
  dockerHost: options.dockerHost ?? dockerEngine.DEFAULT_DOCKER_HOST,
  runsDirectory: path.resolve(options.runsDirectory ?? RunStore.root()),
  buildNetwork: options.buildNetwork ?? "host",
  onProgress: options.onProgress ?? (() => undefined),
  imageHint: imageHint(options),
  cancelOnInterrupt: options.cancelOnInterrupt ?? true
})

/**
 * Run a docker plan: record the run, resolve its secrets, copy the snapshot, build the image
 * unless the engine has the plan's tag (checked again now; `Options.onProgress` sees every build
 * line, `logs/build.log` keeps them), create the container from the plan's `ContainerCreate`
 * body with the secrets resolved, and start it. Returns when the container runs; follow it with
 * {@link wait}, {@link logs}, {@link status}. When something stops it before, the run record says
 * `Failed` with the error's message (a failed build: the build log's last lines). Interrupted, it
 * removes what it created and records `Canceled`.
 *
 * Options are used as given (see {@link withConfig} for the config-reading defaults).
 *
 * @category running
 * @since 0.1.0
 */
export const execute = (planned: Plan.DockerPlan, options: Options = {}): Effect.Effect<Backend.RunHandle, RunError, FileSystem.FileSystem> =>
  dockerRun.execute(planned, settingsOf(options))

/**
 * A run's status now (from the run store and the engine). A run whose container stopped is
 * finalized on the way — output kept in `logs/`, terminal status recorded, container removed —
 * and one past its maximum duration is killed first (`Canceled`, with the reason).
 *
 * @category running
 * @since 0.1.0
 */
export const status = (runId: string, options: Options = {}): Effect.Effect<Backend.RunStatus, RunError, FileSystem.FileSystem> =>
  dockerRun.status(runId, settingsOf(options))

/**
 * Wait for a run's end, killing it when it exceeds `maxRunDurationSeconds` (`Canceled`, with the
 * reason), and return its terminal status: `Completed` (exit code 0), `Failed` (the exit code
 * and why) or `Canceled`. Interrupting it (Ctrl-C in `estimator run`) cancels the run — the
 * container is killed and removed, the run `Canceled` — unless `Options.cancelOnInterrupt` is
 * `false`, in which case it only stops waiting.
 *
 * @category running
 * @since 0.1.0
 */
export const wait = (runId: string, options: Options = {}): Effect.Effect<Backend.RunStatus, RunError, FileSystem.FileSystem> =>
  dockerRun.wait(runId, settingsOf(options))

/**
 * Cancel a run, from any process: record the request, kill its container (found by its
 * `estimator.run-id` label), keep its output, remove it, record `Canceled`.
 *
 * @category running
 * @since 0.1.0
 */
export const cancel = (runId: string, options: Options = {}, reason?: string): Effect.Effect<Backend.RunStatus, RunError, FileSystem.FileSystem> =>
  dockerRun.cancel(runId, settingsOf(options), reason)

/**
 * A run's output lines, stdout and stderr interleaved as they came, `[rank N] ` in front of each
 * rank's lines in an MPI run, secrets redacted: the stored log of a finished run, the engine's
 * for a running one — with `follow`, live until the run ends.
 *
 * @category running
 * @since 0.1.0
 */
export const logs = (
  runId: string,
  logsOptions: Backend.LogsOptions = {},
  options: Options = {}
): Stream.Stream<string, RunError, FileSystem.FileSystem> =>
  dockerRun.logs(runId, settingsOf(options), logsOptions.follow === undefined ? {} : { follow: logsOptions.follow })

/**
 * Execute a plan attached: each output line goes to `onLine` as it comes, and the result is the
 * run's terminal status. Interrupting it (Ctrl-C under `NodeRuntime.runMain`) cancels the run:
 * the container is killed and removed and the run is `Canceled`.
 *
 * @category running
 * @since 0.1.0
 */
export const run = (
  planned: Plan.DockerPlan,
  onLine: (line: string) => void,
  options: Options = {}
): Effect.Effect<Backend.RunStatus, RunError, FileSystem.FileSystem> =>
  dockerRun.runAttached(planned, settingsOf(options), onLine)

// -------------------------------------------------------------------------------------
// layers
// -------------------------------------------------------------------------------------

/**
 * The docker backend with options. Unset options come from config (environment variables):
 * `dockerHost` from `DOCKER_HOST` (else the default socket), `baseImage` from
 * `ESTIMATOR_DOCKER_BASE_IMAGE`, `pipIndexUrl` from `ESTIMATOR_PIP_INDEX_URL`, `runsDirectory`
 * from `ESTIMATOR_HOME` (`$ESTIMATOR_HOME/runs`, else `.estimator/runs`).
 *
 * @example
 * Docker.layerWith({ baseImage: "estimator/python-mpi:bookworm", pipIndexUrl: "http://127.0.0.1:8765/simple" })
 *
 * @category layers
 * @since 0.1.0
 */
export const layerWith = (options: Options = {}): Layer.Layer<Backend.Backend, never, FileSystem.FileSystem> =>
  Layer.effect(
    Backend.Backend,
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const configured = yield* withConfig(options)
      const provide = <A, E>(effect: Effect.Effect<A, E, FileSystem.FileSystem>) => Effect.provideService(effect, FileSystem.FileSystem, fs)
      return {
        name: "docker" as const,
        capabilities,
        plan: (spec, context) => provide(plan(spec, context, configured)),
        execute: (planned) =>
          planned.backend !== "docker"
            ? Effect.fail(new Backend.WrongBackend({ backend: "docker", planBackend: planned.backend }))
            : provide(execute(planned, configured)),
        status: (runId) => provide(status(runId, configured)),
        logs: (runId, logsOptions) => Stream.provideService(logs(runId, logsOptions, configured), FileSystem.FileSystem, fs),
        wait: (runId) => provide(wait(runId, configured)),
        cancel: (runId) => provide(cancel(runId, configured))
      } satisfies Backend.Service
    })
  )

const optionalConfig = (name: string): Effect.Effect<string | undefined> =>
  Config.option(Config.string(name)).pipe(
    Effect.map((value) => Option.getOrUndefined(Option.filter(value, (text) => text !== ""))),
    Effect.orElseSucceed(() => undefined)
  )

/**
 * The options with the unset ones read from config: `DOCKER_HOST`, `ESTIMATOR_DOCKER_BASE_IMAGE`,
 * `ESTIMATOR_PIP_INDEX_URL`, `ESTIMATOR_HOME` (see {@link layerWith}).
 *
 * @category configuration
 * @since 0.1.0
 */
export const withConfig = (options: Options = {}): Effect.Effect<Options> =>
  Effect.gen(function*() {
    const dockerHost = options.dockerHost ?? (yield* optionalConfig("DOCKER_HOST")) ?? dockerEngine.DEFAULT_DOCKER_HOST
    const baseImage = options.baseImage ?? (yield* optionalConfig("ESTIMATOR_DOCKER_BASE_IMAGE"))
    const pipIndexUrl = options.pipIndexUrl ?? (yield* optionalConfig("ESTIMATOR_PIP_INDEX_URL"))
    const home = yield* optionalConfig(RunStore.HOME_VARIABLE)
    const runsDirectory = options.runsDirectory ?? RunStore.root(process.cwd(), home === undefined ? {} : { [RunStore.HOME_VARIABLE]: home })
    return {
      ...options,
      dockerHost,
      runsDirectory,
      ...(baseImage === undefined ? {} : { baseImage }),
      ...(pipIndexUrl === undefined ? {} : { pipIndexUrl })
    }
  })

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
