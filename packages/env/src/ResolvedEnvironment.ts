/**
 * A `ResolvedEnvironment` is a job's software environment after every choice has been made: which
 * base image (the spec's, or v1's default CPU/GPU image), which conda or pip packages to install
 * on it, or which build context or registered environment to use instead, whether the job runs in
 * a container at all, and the environment variables the environment itself adds (frameworks add
 * e.g. `NCCL_TREE_THRESHOLD`). Every backend consumes this value: the Docker backend renders a
 * Dockerfile from it, the Azure ML backend an environment version, `Hash` a cache key.
 *
 * The value is plain, readonly, JSON-serialisable data (a registry password stays a `Secret`
 * reference). The job's own environment variables (`Estimator.environmentVariables`) are run
 * settings, not part of the environment, so {@link fromEstimator} leaves them out.
 * Nothing in this module performs IO: file contents are passed in.
 *
 * @since 0.1.0
 */
import type { Estimator } from "@estimator/core"
import { Validation } from "@estimator/core"
import * as E from "fp-ts/lib/Either.js"
import * as BaseImages from "./BaseImages.js"
import * as Conda from "./Conda.js"
import { dual } from "@estimator/core/Function"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The image's Python is used as it is; nothing is installed (v1 `user_managed=True`).
 *
 * @category models
 * @since 0.1.0
 */
export interface UserManaged {
  readonly _tag: "UserManaged"
}

/**
 * A conda environment is created from `specification` (v1's way for every managed environment).
 *
 * @category models
 * @since 0.1.0
 */
export interface CondaPython {
  readonly _tag: "Conda"
  readonly specification: Conda.CondaSpecification
}

/**
 * Pip lines (requirements and pip options) are installed with the image's own Python and pip.
 *
 * @category models
 * @since 0.1.0
 */
export interface PipPython {
  readonly _tag: "Pip"
  readonly packages: ReadonlyArray<string>
}

/**
 * How the Python packages of an image environment are provided.
 *
 * @category models
 * @since 0.1.0
 */
export type Python = UserManaged | CondaPython | PipPython

/**
 * A private container registry and its credentials (the password is a `Secret` reference).
 *
 * @category models
 * @since 0.1.0
 */
export type Registry = Estimator.Registry

interface Common {
  /** `false` runs the job on the host (v1 `use_docker=False`); only the local process backend can. */
  readonly docker: boolean
  /** Variables the environment sets in every process of the job (not part of the image). */
  readonly environmentVariables: { readonly [name: string]: string }
}

/**
 * A base image, optionally from a private registry, with packages installed on it.
 *
 * @category models
 * @since 0.1.0
 */
export interface ImageEnvironment extends Common {
  readonly _tag: "Image"
  readonly baseImage: string
  readonly registry?: Registry
  readonly python: Python
}

/**
 * An image built from a Docker build context; `context` is relative to the source directory and
 * `dockerfile` relative to `context`.
 *
 * @category models
 * @since 0.1.0
 */
export interface BuildEnvironment extends Common {
  readonly _tag: "Build"
  readonly context: string
  readonly dockerfile: string
}

/**
 * An environment registered in an Azure ML workspace or registry (v1 `environment_definition`);
 * only Azure ML can materialise it.
 *
 * @category models
 * @since 0.1.0
 */
export interface RegisteredEnvironment extends Common {
  readonly _tag: "Registered"
  readonly name: string
  readonly version?: string
  readonly label?: string
  readonly registry?: string
}

/**
 * The environment after all choices are made.
 *
 * @category models
 * @since 0.1.0
 */
export type ResolvedEnvironment = ImageEnvironment | BuildEnvironment | RegisteredEnvironment

/**
 * The Dockerfile name used when a build context names none.
 *
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_DOCKERFILE = "Dockerfile"

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Install nothing.
 *
 * @category constructors
 * @since 0.1.0
 */
export const userManaged: Python = { _tag: "UserManaged" }

/**
 * Create a conda environment from `specification`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const conda = (specification: Conda.CondaSpecification): Python => ({ _tag: "Conda", specification })

/**
 * Install pip lines with the image's own pip.
 *
 * @category constructors
 * @since 0.1.0
 */
export const pip = (packages: ReadonlyArray<string>): Python => ({ _tag: "Pip", packages })

/**
 * An image environment: Docker on, no variables, and the default conda specification unless
 * `python` says otherwise.
 *
 * @example
 * ResolvedEnvironment.image({ baseImage: BaseImages.DEFAULT_CPU_IMAGE, python: ResolvedEnvironment.pip(["numpy"]) })
 *
 * @category constructors
 * @since 0.1.0
 */
export const image = (options: {
  readonly baseImage: string
  readonly registry?: Registry
  readonly python?: Python
  readonly docker?: boolean
  readonly environmentVariables?: { readonly [name: string]: string }
}): ImageEnvironment => ({
  _tag: "Image",
  docker: options.docker ?? true,
  environmentVariables: options.environmentVariables ?? {},
  baseImage: options.baseImage,
  ...(options.registry === undefined ? {} : { registry: options.registry }),
  python: options.python ?? conda(Conda.defaultSpecification)
})

/**
 * A build-context environment (`dockerfile` defaults to `Dockerfile`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const build = (context: string, dockerfile: string = DEFAULT_DOCKERFILE): BuildEnvironment => ({
  _tag: "Build",
  docker: true,
  environmentVariables: {},
  context,
  dockerfile
})

/**
 * A registered environment.
 *
 * @category constructors
 * @since 0.1.0
 */
export const registered = (reference: Estimator.RegisteredEnvironment): RegisteredEnvironment => ({
  _tag: "Registered",
  docker: true,
  environmentVariables: {},
  ...reference
})

// -------------------------------------------------------------------------------------
// guards
// -------------------------------------------------------------------------------------

/**
 * @category guards
 * @since 0.1.0
 */
export const isResolvedEnvironment = (u: unknown): u is ResolvedEnvironment => {
  if (typeof u !== "object" || u === null) return false
  const tag = (u as { _tag?: unknown })._tag
  return (tag === "Image" || tag === "Build" || tag === "Registered") && typeof (u as { docker?: unknown }).docker === "boolean"
}

// -------------------------------------------------------------------------------------
// combinators
// -------------------------------------------------------------------------------------

/**
 * Use `baseImage` (and its registry) for an image environment, e.g. a framework's image. Build and
 * registered environments define their own image and are returned unchanged.
 *
 * @example
 * pipe(resolved, ResolvedEnvironment.withBaseImage("mcr.microsoft.com/azureml/openmpi4.1.0-cuda11.3-cudnn8-ubuntu20.04"))
 *
 * @category combinators
 * @since 0.1.0
 */
export const withBaseImage: {
  (baseImage: string, registry?: Registry): (self: ResolvedEnvironment) => ResolvedEnvironment
  (self: ResolvedEnvironment, baseImage: string, registry?: Registry): ResolvedEnvironment
} = dual(
  (args) => isResolvedEnvironment(args[0]),
  (self: ResolvedEnvironment, baseImage: string, registry?: Registry): ResolvedEnvironment => {
    if (self._tag !== "Image") return self
    // Without a registry on either side there is nothing to remove (a copy is cheaper than a rest).
    if (registry === undefined && !Object.hasOwn(self, "registry")) return { ...self, baseImage }
    const { registry: _, ...rest } = self
    return registry === undefined ? { ...rest, baseImage } : { ...rest, baseImage, registry }
  }
)

/**
 * Set how Python packages are provided, for an image environment (others are returned unchanged).
 *
 * @category combinators
 * @since 0.1.0
 */
export const withPython: {
  (python: Python): (self: ResolvedEnvironment) => ResolvedEnvironment
  (self: ResolvedEnvironment, python: Python): ResolvedEnvironment
} = dual(2, (self: ResolvedEnvironment, python: Python): ResolvedEnvironment =>
  self._tag === "Image" ? { ...self, python } : self)

/**
 * Add conda packages and pip lines that are not already there (what is there wins, so the user's
 * pins override a framework's; see `Conda.addPackages`). A pip environment that gets conda
 * packages becomes a conda one on the default Python. User-managed, build and registered
 * environments install nothing and are returned unchanged.
 *
 * @example
 * pipe(resolved, ResolvedEnvironment.withPackages([], ["torch==1.6.0", "torchvision==0.5.0"]))
 *
 * @category combinators
 * @since 0.1.0
 */
export const withPackages: {
  (conda: ReadonlyArray<string>, pip: ReadonlyArray<string>): (self: ResolvedEnvironment) => ResolvedEnvironment
  (self: ResolvedEnvironment, conda: ReadonlyArray<string>, pip: ReadonlyArray<string>): ResolvedEnvironment
} = dual(3, (self: ResolvedEnvironment, condaPackages: ReadonlyArray<string>, pipPackages: ReadonlyArray<string>): ResolvedEnvironment => {
  if (self._tag !== "Image") return self
  const python = pythonWithPackages(self.python, condaPackages, pipPackages)
  return python === self.python ? self : { ...self, python }
})

/**
 * {@link withPackages} for the Python of an image environment: a user-managed Python is left as
 * it is, a pip list with conda packages to add becomes a conda specification.
 *
 * @category combinators
 * @since 0.1.0
 */
export const pythonWithPackages = (python: Python, condaPackages: ReadonlyArray<string>, pipPackages: ReadonlyArray<string>): Python => {
  switch (python._tag) {
    case "UserManaged":
      return python
    case "Conda":
      return conda(Conda.addPackages(python.specification, condaPackages, pipPackages))
    case "Pip":
      return condaPackages.length > 0
        ? conda(Conda.addPackages(Conda.fromPip(python.packages), condaPackages, pipPackages))
        : pip(Conda.mergePip(python.packages, pipPackages))
  }
}

/**
 * Add variables that the environment sets in every process of the job (later values win).
 * They are applied when the job runs and do not change the image or its hash.
 *
 * @example
 * pipe(resolved, ResolvedEnvironment.withEnvironmentVariables({ NCCL_TREE_THRESHOLD: "0" }))
 *
 * @category combinators
 * @since 0.1.0
 */
export const withEnvironmentVariables: {
  (variables: { readonly [name: string]: string }): (self: ResolvedEnvironment) => ResolvedEnvironment
  (self: ResolvedEnvironment, variables: { readonly [name: string]: string }): ResolvedEnvironment
} = dual(2, (self: ResolvedEnvironment, variables: { readonly [name: string]: string }): ResolvedEnvironment => ({
  ...self,
  environmentVariables: { ...self.environmentVariables, ...variables }
}))

// -------------------------------------------------------------------------------------
// compiling
// -------------------------------------------------------------------------------------

/**
 * Options of {@link fromEstimator}.
 *
 * @category models
 * @since 0.1.0
 */
export interface FromEstimatorOptions {
  /** See `Conda.FromEstimatorOptions.azuremlDefaults` (default `true`, as v1). */
  readonly azuremlDefaults?: boolean
  /**
   * The spec is known to pass `Validation.validate` without errors (a planner has just checked
   * it), so its environment rules are not checked again (default `false`).
   */
  readonly validated?: boolean
}

const PACKAGE_FIELDS = ["environment.condaPackages", "environment.pipPackages", "environment.condaFile", "environment.pipRequirementsFile"] as const

const hasPackageField = (environment: Estimator.Environment, field: typeof PACKAGE_FIELDS[number]): boolean => {
  switch (field) {
    case "environment.condaPackages":
      return environment.condaPackages.length > 0
    case "environment.pipPackages":
      return environment.pipPackages.length > 0
    case "environment.condaFile":
      return environment.condaFile !== undefined
    case "environment.pipRequirementsFile":
      return environment.pipRequirementsFile !== undefined
  }
}

/**
 * Resolve a spec's environment as v1's `_update_environment` did (reference §3.3):
 * - a registered environment (`environment_definition`) is used as it is;
 * - a build context builds the image, which must then install its own packages;
 * - otherwise the spec's image, or v1's default CPU/GPU image (`BaseImages.defaultImage(spec.gpu)`),
 *   with its registry, and either nothing installed (user-managed) or the conda specification of
 *   `Conda.fromEstimator` (a conda file replaces the packages; requirements and pip packages merge).
 *
 * `files` holds the text of the conda file and requirements file the spec names (the caller reads
 * them). The result carries no environment variables: the spec's are run settings, and frameworks
 * add their own with {@link withEnvironmentVariables}. Every error is returned at once: the spec's
 * environment errors from `Validation.validate`, missing or malformed files, and packages next to a
 * build context.
 *
 * @category compiling
 * @since 0.1.0
 */
export const fromEstimator = (
  spec: Estimator.Estimator,
  files: Conda.SourceFiles,
  options: FromEstimatorOptions = {}
): E.Either<ReadonlyArray<Validation.Issue>, ResolvedEnvironment> => {
  const environment = spec.environment
  const issues: Array<Validation.Issue> = options.validated === true
    ? []
    : Validation.errors(Validation.validate(spec)).filter((issue) => issue.path === "environment" || issue.path.startsWith("environment."))
  const docker = environment.docker

  if (environment.registered !== undefined) {
    return issues.length > 0 ? E.left(issues) : E.right({ _tag: "Registered", docker, environmentVariables: {}, ...environment.registered })
  }

  const build = environment.build
  if (build !== undefined) {
    for (const path of PACKAGE_FIELDS) {
      if (hasPackageField(environment, path)) {
        issues.push({
          path,
          code: "build-context-with-packages",
          message: `${path} is set together with the build context "${build.context}": packages are not installed on top of an image built from a Dockerfile.`,
          hint: `Install them in ${build.context}/${build.dockerfile ?? DEFAULT_DOCKERFILE}, or remove the build context and use a base image.`,
          severity: "error"
        })
      }
    }
    return issues.length > 0
      ? E.left(issues)
      : E.right({ _tag: "Build", docker, environmentVariables: {}, context: build.context, dockerfile: build.dockerfile ?? DEFAULT_DOCKERFILE })
  }

  let python: Python = userManaged
  if (!environment.userManagedPython) {
    const specification = Conda.fromEstimator(environment, files, {
      sourceDirectory: spec.sourceDirectory,
      azuremlDefaults: options.azuremlDefaults ?? true
    })
    if (E.isLeft(specification)) issues.push(...specification.left)
    else python = conda(specification.right)
  }
  if (issues.length > 0) return E.left(issues)
  const image = environment.image
  const baseImage = image?.name ?? BaseImages.defaultImage(spec.gpu)
  const registry = image?.registry
  return E.right(
    registry === undefined
      ? { _tag: "Image", docker, environmentVariables: {}, baseImage, python }
      : { _tag: "Image", docker, environmentVariables: {}, baseImage, registry, python }
  )
}
