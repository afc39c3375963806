/**
 * The scikit-learn preset (Azure ML SDK v1 `azureml.train.sklearn.SKLearn`): one version, the
 * `sklearn(version)` preset for `pipe`, the v1 Docker image's dependency table and the environment
 * it implies. SKLearn is single-node CPU only: `validate` rejects it with a GPU or a distribution,
 * and there is no GPU environment. Nothing in this module performs IO.
 *
 * @since 0.1.0
 */
import { Estimator, Framework } from "@estimator/core"
import type * as Dependencies from "./Dependencies.js"
import type * as FrameworkEnvironment from "./FrameworkEnvironment.js"
import { common, environments, image, PYTHON } from "./internal/data.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The framework's name in the spec.
 *
 * @category models
 * @since 0.1.0
 */
export const FRAMEWORK_NAME = "SKLearn" as const satisfies Framework.FrameworkName

/**
 * A supported scikit-learn version.
 *
 * @category models
 * @since 0.1.0
 */
export type Version = Framework.SKLearnVersion

/**
 * The supported versions (the same array as core's catalogue).
 *
 * @category models
 * @since 0.1.0
 */
export const supportedVersions: ReadonlyArray<Version> = Framework.supportedVersions[FRAMEWORK_NAME]

/**
 * The version used when none is given. It is the only one, so v1 did not warn about defaulting.
 *
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_VERSION: Version = Framework.defaultVersions[FRAMEWORK_NAME]

// -------------------------------------------------------------------------------------
// presets
// -------------------------------------------------------------------------------------

/**
 * Train with scikit-learn `version` (single-node CPU only).
 *
 * @example
 * pipe(Estimator.make({ entryScript: "train.py" }), sklearn())
 *
 * @category presets
 * @since 0.1.0
 */
export const sklearn = (version?: Version): (self: Estimator.Estimator) => Estimator.Estimator =>
  Estimator.withFramework(Framework.make(FRAMEWORK_NAME, version))

// -------------------------------------------------------------------------------------
// accessors
// -------------------------------------------------------------------------------------

/**
 * The dependency table of the v1 SKLearn image, as the docstring lists it.
 *
 * @category accessors
 * @since 0.1.0
 */
export const dependencies = (version: Version): Dependencies.DependencyTable => ({
  framework: FRAMEWORK_NAME,
  version,
  os: "Ubuntu 16.04",
  confirmed: true,
  dependencies: [
    common("Python", PYTHON),
    common("azureml-defaults", "Latest"),
    common("IntelMpi", "2018.3.222"),
    common("scikit-learn", version),
    common("numpy", "1.16.2"),
    common("miniconda", "4.5.11"),
    common("scipy", "1.2.1"),
    common("joblib", "0.13.2"),
    common("git", "2.7.4")
  ]
})

const cpuEnvironment = (version: Version): FrameworkEnvironment.FrameworkEnvironment => ({
  baseImage: image("intelmpi2018.3-ubuntu16.04"),
  confirmed: false,
  condaPackages: [`python=${PYTHON}`],
  pipPackages: [`scikit-learn==${version}`, "scipy==1.2.1", "joblib==0.13.2"],
  environmentVariables: {},
  curatedEnvironment: `AzureML-Scikit-learn-${version}`
})

const cpuEnvironments = environments(supportedVersions, cpuEnvironment)

/**
 * The environment scikit-learn `version` implies on CPU, with the pins of the
 * `AzureML-Scikit-learn-0.20.3` curated environment; its base image was never captured, so the
 * Intel MPI image of the `AzureML-Tutorial` environment (v1's suggested replacement) stands in
 * (`confirmed: false`). There is no GPU environment: `undefined` for `gpu = true`.
 *
 * @category accessors
 * @since 0.1.0
 */
export function environment(version: Version, gpu: false): FrameworkEnvironment.FrameworkEnvironment
export function environment(version: Version, gpu: boolean): FrameworkEnvironment.FrameworkEnvironment | undefined
export function environment(version: Version, gpu: boolean): FrameworkEnvironment.FrameworkEnvironment | undefined {
  return gpu ? undefined : cpuEnvironments(version, false)
}
