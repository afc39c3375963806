/**
 * Every framework in one list, as plain data for docs, the CLI and tools: supported versions,
 * the default, the distributions each accepts (from `@estimator/core`), and per version the CPU
 * and GPU environments (images, packages, variables) and the dependency table. Nothing in this
 * module performs IO.
 *
 * @since 0.1.0
 */
import { Framework } from "@estimator/core"
import * as Chainer from "./Chainer.js"
import type * as Dependencies from "./Dependencies.js"
import type * as FrameworkEnvironment from "./FrameworkEnvironment.js"
import * as PyTorch from "./PyTorch.js"
import * as SKLearn from "./SKLearn.js"
import * as TensorFlow from "./TensorFlow.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * One supported version of a framework. `gpu` is absent when the framework has no GPU environment.
 *
 * @category models
 * @since 0.1.0
 */
export interface VersionEntry<N extends Framework.FrameworkName = Framework.FrameworkName> {
  readonly version: Framework.SupportedVersion<N>
  readonly isDefault: boolean
  readonly cpu: FrameworkEnvironment.FrameworkEnvironment
  readonly gpu?: FrameworkEnvironment.FrameworkEnvironment
  readonly dependencies: Dependencies.DependencyTable
}

/**
 * One framework: its name in the spec, the preset's name in this package, its versions and rules.
 *
 * @category models
 * @since 0.1.0
 */
export interface Entry<N extends Framework.FrameworkName = Framework.FrameworkName> {
  readonly name: N
  readonly preset: "chainer" | "pytorch" | "tensorflow" | "sklearn"
  readonly supportedVersions: ReadonlyArray<Framework.SupportedVersion<N>>
  readonly defaultVersion: Framework.SupportedVersion<N>
  readonly allowedDistributions: ReadonlyArray<"Mpi" | "PyTorch" | "TensorFlow">
  readonly gpu: boolean
  readonly versions: ReadonlyArray<VersionEntry<N>>
}

/**
 * An entry of any framework, discriminated by `name`.
 *
 * @category models
 * @since 0.1.0
 */
export type AnyEntry = { readonly [N in Framework.FrameworkName]: Entry<N> }[Framework.FrameworkName]

// -------------------------------------------------------------------------------------
// the catalogue
// -------------------------------------------------------------------------------------

const entry = <N extends Framework.FrameworkName>(
  name: N,
  preset: Entry["preset"],
  cpu: (version: Framework.SupportedVersion<N>) => FrameworkEnvironment.FrameworkEnvironment,
  gpu: ((version: Framework.SupportedVersion<N>) => FrameworkEnvironment.FrameworkEnvironment) | undefined,
  dependencies: (version: Framework.SupportedVersion<N>) => Dependencies.DependencyTable
): Entry<N> => {
  const supportedVersions: ReadonlyArray<Framework.SupportedVersion<N>> = Framework.supportedVersions[name]
  const defaultVersion = Framework.defaultVersions[name]
  return {
    name,
    preset,
    supportedVersions,
    defaultVersion,
    allowedDistributions: Framework.allowedDistributions[name],
    gpu: gpu !== undefined,
    versions: supportedVersions.map((version) => ({
      version,
      isDefault: version === defaultVersion,
      cpu: cpu(version),
      ...(gpu === undefined ? {} : { gpu: gpu(version) }),
      dependencies: dependencies(version)
    }))
  }
}

/**
 * Each framework by its name.
 *
 * @category models
 * @since 0.1.0
 */
export const byName: { readonly [N in Framework.FrameworkName]: Entry<N> } = {
  Chainer: entry("Chainer", "chainer", (v) => Chainer.environment(v, false), (v) => Chainer.environment(v, true), Chainer.dependencies),
  PyTorch: entry("PyTorch", "pytorch", (v) => PyTorch.environment(v, false), (v) => PyTorch.environment(v, true), PyTorch.dependencies),
  TensorFlow: entry("TensorFlow", "tensorflow", (v) => TensorFlow.environment(v, false), (v) => TensorFlow.environment(v, true), TensorFlow.dependencies),
  SKLearn: entry("SKLearn", "sklearn", (v) => SKLearn.environment(v, false), undefined, SKLearn.dependencies)
}

/**
 * Every framework, in core's order (`Framework.names`).
 *
 * @category models
 * @since 0.1.0
 */
export const frameworks: ReadonlyArray<AnyEntry> = Framework.names.map((name): AnyEntry => byName[name])

/**
 * The entry of `version` of framework `name`, if that version is supported.
 *
 * @category accessors
 * @since 0.1.0
 */
export const findVersion = <N extends Framework.FrameworkName>(name: N, version: string): VersionEntry<N> | undefined =>
  (byName[name].versions as ReadonlyArray<VersionEntry<N>>).find((entry) => entry.version === version)
