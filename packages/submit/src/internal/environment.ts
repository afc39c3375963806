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
import * as record from "./record.js"

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
  if (effective.framework !== undefined) environment = withFramework(environment, effective, effective.framework, spec)
  const environmentVariables = environment.environmentVariables
  return Either.right({
    environment,
    // Nothing to merge: the spec's own (readonly) variables.
    variables: hasKeys(environmentVariables) ? { ...environmentVariables, ...spec.environmentVariables } : spec.environmentVariables,
    warnings: effective.warnings
  })
}

/**
 * The environment with the framework's packages, Python pin and variables, in one copy: what
 * `withPackages`, then the Python pin, then `withEnvironmentVariables` give.
 */
const withFramework = (
  environment: ResolvedEnvironment.ResolvedEnvironment,
  effective: FrameworkEnvironment.EffectivePackages,
  framework: FrameworkEnvironment.FrameworkEnvironment,
  spec: Estimator.Estimator
): ResolvedEnvironment.ResolvedEnvironment => {
  const variables = frameworkVariables(framework.environmentVariables, spec)
  if (environment._tag !== "Image") {
    return variables === undefined ? environment : ResolvedEnvironment.withEnvironmentVariables(environment, variables)
  }
  const python = withFrameworkPython(ResolvedEnvironment.pythonWithPackages(environment.python, effective.condaPackages, effective.pipPackages), spec, framework.condaPackages)
  return {
    ...environment,
    environmentVariables: variables === undefined ? environment.environmentVariables : { ...environment.environmentVariables, ...variables },
    python
  }
}

/** The framework's variables that the spec sets neither as a plain nor as a secret variable (`undefined`: none). */
const frameworkVariables = (
  variables: { readonly [name: string]: string },
  spec: Estimator.Estimator
): { readonly [name: string]: string } | undefined => {
  let kept: { [name: string]: string } | undefined
  for (const name of Object.keys(variables)) {
    if (name in spec.secretEnvironmentVariables || name in spec.environmentVariables) continue
    record.set(kept ??= {}, name, variables[name] as string)
  }
  return kept
}

const hasKeys = (record: object): boolean => {
  for (const _ in record) return true
  return false
}

/**
 * A framework's Python pin (e.g. Chainer's `python=3.6.2`) replaces the default Python, but never
 * a Python the user pinned or a conda file's.
 */
const withFrameworkPython = (
  python: ResolvedEnvironment.Python,
  spec: Estimator.Estimator,
  frameworkConda: ReadonlyArray<string>
): ResolvedEnvironment.Python => {
  if (python._tag !== "Conda" || spec.environment.condaFile !== undefined) return python
  const pin = firstPythonPin(frameworkConda)
  if (pin === undefined || firstPythonPin(spec.environment.condaPackages) !== undefined) return python
  return ResolvedEnvironment.conda({ ...python.specification, python: pin })
}

const firstPythonPin = (dependencies: ReadonlyArray<string>): string | undefined => {
  for (let i = 0; i < dependencies.length; i++) {
    const pin = Conda.pythonPin(dependencies[i] as string)
    if (pin !== undefined) return pin
  }
  return undefined
}
