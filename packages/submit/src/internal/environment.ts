/**
 * A spec's environment with its framework merged in: `@estimator/env` resolves the spec's own
 * environment, `@estimator/frameworks` says what the framework adds (its base image when the spec
 * brings none, its packages, its variables), and the two are combined here. Also the job's plain
 * environment variables (framework's, then the spec's, which win).
 *
 * @internal
 */
import type { Estimator, Validation } from "@estimator/core"
import { Conda, ResolvedEnvironment } from "@estimator/env"
import * as FrameworkEnvironment from "@estimator/frameworks/FrameworkEnvironment"
import { Either } from "effect"
import type * as Plan from "../Plan.js"

/** @internal */
export interface JobEnvironment {
  readonly environment: ResolvedEnvironment.ResolvedEnvironment
  /** The job's plain variables: the framework's, then the spec's (secrets excluded). */
  readonly variables: Plan.Variables
  readonly warnings: ReadonlyArray<Validation.Issue>
}

/**
 * Resolve the environment of a spec (`validated`: it passed validation, so its environment rules
 * are not checked again); `azuremlDefaults` adds `azureml-defaults` to pip
 * lists as v1 did (wanted on Azure ML, not in a local image).
 *
 * @internal
 */
export const resolve = (
  spec: Estimator.Estimator,
  files: { readonly [relativePath: string]: string },
  options: { readonly azuremlDefaults: boolean; readonly validated?: boolean }
): Either.Either<JobEnvironment, ReadonlyArray<Validation.Issue>> => {
  const resolved = ResolvedEnvironment.fromEstimator(spec, files, { azuremlDefaults: options.azuremlDefaults, validated: options.validated ?? false })
  if (resolved._tag === "Left") return Either.left(resolved.left)
  const effective = FrameworkEnvironment.effectivePackages(spec)
  let environment = resolved.right
  if (effective.baseImage !== undefined) environment = ResolvedEnvironment.withBaseImage(environment, effective.baseImage)
  if (effective.framework !== undefined) {
    environment = ResolvedEnvironment.withPackages(environment, effective.condaPackages, effective.pipPackages)
    environment = withFrameworkPython(environment, spec, effective.framework.condaPackages)
    const frameworkVariables = Object.fromEntries(
      Object.entries(effective.framework.environmentVariables).filter(([name]) =>
        !(name in spec.secretEnvironmentVariables) && !(name in spec.environmentVariables)
      )
    )
    environment = ResolvedEnvironment.withEnvironmentVariables(environment, frameworkVariables)
  }
  return Either.right({
    environment,
    variables: { ...environment.environmentVariables, ...spec.environmentVariables },
    warnings: effective.warnings
  })
}

/**
 * A framework's Python pin (e.g. Chainer's `python=3.6.2`) replaces the default Python, but never
 * a Python the user pinned or a conda file's.
 */
const withFrameworkPython = (
  environment: ResolvedEnvironment.ResolvedEnvironment,
  spec: Estimator.Estimator,
  frameworkConda: ReadonlyArray<string>
): ResolvedEnvironment.ResolvedEnvironment => {
  const pin = frameworkConda.map(Conda.pythonPin).find((version) => version !== undefined)
  const userPinned = spec.environment.condaFile !== undefined ||
    spec.environment.condaPackages.some((dependency) => Conda.pythonPin(dependency) !== undefined)
  if (pin === undefined || userPinned || environment._tag !== "Image" || environment.python._tag !== "Conda") return environment
  return ResolvedEnvironment.withPython(environment, ResolvedEnvironment.conda({ ...environment.python.specification, python: pin }))
}
