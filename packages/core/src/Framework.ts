/**
 * The framework catalogue that the spec itself needs: which frameworks exist, which versions each
 * supports (Azure ML SDK v1's last lists), the default version, and which distributions each
 * accepts. Images, packages and environment variables per version live in `@estimator/frameworks`;
 * this module holds only what validation and the types need.
 *
 * @since 0.1.0
 */

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The versions each framework supports, as v1's `get_supported_versions()` listed them.
 *
 * @category models
 * @since 0.1.0
 */
export const supportedVersions = {
  Chainer: ["5.1.0", "7.0.0"],
  PyTorch: ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6"],
  TensorFlow: ["1.10", "1.12", "1.13", "2.0", "2.1", "2.2"],
  SKLearn: ["0.20.3"]
} as const

/**
 * @category models
 * @since 0.1.0
 */
export type FrameworkName = keyof typeof supportedVersions

/**
 * The versions of framework `N`, as a string literal union (so `"1.0.0"` for Chainer does not compile).
 *
 * @category models
 * @since 0.1.0
 */
export type SupportedVersion<N extends FrameworkName> = (typeof supportedVersions)[N][number]

/**
 * @category models
 * @since 0.1.0
 */
export type ChainerVersion = SupportedVersion<"Chainer">
/**
 * @category models
 * @since 0.1.0
 */
export type PyTorchVersion = SupportedVersion<"PyTorch">
/**
 * @category models
 * @since 0.1.0
 */
export type TensorFlowVersion = SupportedVersion<"TensorFlow">
/**
 * @category models
 * @since 0.1.0
 */
export type SKLearnVersion = SupportedVersion<"SKLearn">

/**
 * The framework a job uses. `version` is a plain string in the data so that a JSON spec with an
 * unsupported version decodes and is then reported by `validate` with the supported list;
 * the typed constructors only accept supported versions.
 * `versionDefaulted` records that no version was asked for (v1 warns about it).
 *
 * @category models
 * @since 0.1.0
 */
export interface Framework {
  readonly name: FrameworkName
  readonly version: string
  readonly versionDefaulted?: boolean
}

/**
 * The framework names in a stable order.
 *
 * @category models
 * @since 0.1.0
 */
export const names: ReadonlyArray<FrameworkName> = ["Chainer", "PyTorch", "TensorFlow", "SKLearn"]

/**
 * The version v1 used when `framework_version` was not given.
 *
 * @category models
 * @since 0.1.0
 */
export const defaultVersions: { readonly [N in FrameworkName]: SupportedVersion<N> } = {
  Chainer: "5.1.0",
  PyTorch: "1.4",
  TensorFlow: "1.13",
  SKLearn: "0.20.3"
}

/**
 * The distribution kinds each framework accepts (v1's `_SUPPORTED_BACKENDS` and the
 * `Mpi`/`ParameterServer`/`Gloo`/`Nccl` framework lists). SKLearn accepts none: single-node CPU only.
 *
 * @category models
 * @since 0.1.0
 */
export const allowedDistributions: {
  readonly [N in FrameworkName]: ReadonlyArray<"Mpi" | "PyTorch" | "TensorFlow">
} = {
  Chainer: ["Mpi"],
  PyTorch: ["Mpi", "PyTorch"],
  TensorFlow: ["Mpi", "TensorFlow"],
  SKLearn: []
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A framework at a supported version, or at its default version when `version` is omitted.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = <N extends FrameworkName>(name: N, version?: SupportedVersion<N>): Framework =>
  version === undefined
    ? { name, version: defaultVersions[name], versionDefaulted: true }
    : { name, version }

// -------------------------------------------------------------------------------------
// guards
// -------------------------------------------------------------------------------------

/**
 * Whether `version` is one of the versions `name` supports (exact string match: "1.4", not "1.4.0").
 *
 * @category guards
 * @since 0.1.0
 */
export const isSupportedVersion = <N extends FrameworkName>(name: N, version: string): version is SupportedVersion<N> =>
  (supportedVersions[name] as ReadonlyArray<string>).includes(version)
