/**
 * The Chainer preset (Azure ML SDK v1 `azureml.train.dnn.Chainer`): the supported versions, the
 * default, `chainer(version)` for `pipe`, the v1 Docker image's dependency table and the
 * environment a version implies. Nothing in this module performs IO.
 *
 * v1 only documented the base images of Chainer through its docstring (CUDA 9.0 and Intel MPI);
 * the images below are the closest documented ones and are marked `confirmed: false`.
 *
 * @since 0.1.0
 */
import { Estimator, Framework } from "@estimator/core"
import type * as Dependencies from "./Dependencies.js"
import type * as FrameworkEnvironment from "./FrameworkEnvironment.js"
import { common, curated, environments, gpuOnly, image, PYTHON } from "./internal/data.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The framework's name in the spec.
 *
 * @category models
 * @since 0.1.0
 */
export const FRAMEWORK_NAME = "Chainer" as const satisfies Framework.FrameworkName

/**
 * A supported Chainer version.
 *
 * @category models
 * @since 0.1.0
 */
export type Version = Framework.ChainerVersion

/**
 * The supported versions (the same array as core's catalogue).
 *
 * @category models
 * @since 0.1.0
 */
export const supportedVersions: ReadonlyArray<Version> = Framework.supportedVersions[FRAMEWORK_NAME]

/**
 * The version used when none is given.
 *
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_VERSION: Version = Framework.defaultVersions[FRAMEWORK_NAME]

/**
 * What 1.0.x-era v1 set for Chainer when the communicator was Intel MPI. Later releases are not
 * known to do so, and `NCCL_IB_DISABLE=1` turns InfiniBand off, so the preset does **not** set
 * them; add them with `Estimator.withEnv(LEGACY_MPI_ENVIRONMENT_VARIABLES)` to reproduce 1.0.x.
 *
 * @category models
 * @since 0.1.0
 */
export const LEGACY_MPI_ENVIRONMENT_VARIABLES: { readonly [name: string]: string } = {
  NCCL_SOCKET_IFNAME: "eth0",
  NCCL_IB_DISABLE: "1"
}

// -------------------------------------------------------------------------------------
// presets
// -------------------------------------------------------------------------------------

/**
 * Train with Chainer `version`; without a version, the default (and `validate` warns, as v1 did).
 *
 * @example
 * pipe(Estimator.make({ entryScript: "train.py" }), Estimator.withGpu, chainer("7.0.0"))
 *
 * @category presets
 * @since 0.1.0
 */
export const chainer = (version?: Version): (self: Estimator.Estimator) => Estimator.Estimator =>
  Estimator.withFramework(Framework.make(FRAMEWORK_NAME, version))

// -------------------------------------------------------------------------------------
// accessors
// -------------------------------------------------------------------------------------

/**
 * The dependency table of the v1 Chainer image. `cupy-cuda90` follows the Chainer version, as the
 * 5.1.0 curated environment pinned it; `mpi4py` comes from that environment.
 *
 * @category accessors
 * @since 0.1.0
 */
export const dependencies = (version: Version): Dependencies.DependencyTable => ({
  framework: FRAMEWORK_NAME,
  version,
  os: "Ubuntu 16.04",
  confirmed: false,
  dependencies: [
    common("Python", PYTHON),
    gpuOnly("CUDA", "9.0"),
    gpuOnly("cuDNN", "7.6.3"),
    gpuOnly("NCCL", "2.4.8"),
    common("IntelMpi", "2018.3.222"),
    common("horovod", "0.15.2"),
    common("miniconda", "4.5.11"),
    common("chainer", version),
    gpuOnly("cupy-cuda90", version),
    common("git", "2.7.4"),
    curated("mpi4py", "3.0.0")
  ]
})

const CPU_IMAGE = image("intelmpi2018.3-ubuntu16.04")
const GPU_IMAGE = image("intelmpi2018.3-cuda9.0-cudnn7-ubuntu16.04")

const buildEnvironment = (version: Version, gpu: boolean): FrameworkEnvironment.FrameworkEnvironment => ({
  baseImage: gpu ? GPU_IMAGE : CPU_IMAGE,
  confirmed: false,
  condaPackages: [`python=${PYTHON}`],
  pipPackages: [`chainer==${version}`, "mpi4py==3.0.0", ...(gpu ? [`cupy-cuda90==${version}`] : [])],
  environmentVariables: {},
  ...(version === "5.1.0" ? { curatedEnvironment: `AzureML-Chainer-5.1.0-${gpu ? "GPU" : "CPU"}` } : {})
})

/**
 * The environment Chainer `version` implies on CPU or GPU (v1's full-build path).
 *
 * @category accessors
 * @since 0.1.0
 */
export const environment: (version: Version, gpu: boolean) => FrameworkEnvironment.FrameworkEnvironment = environments(
  supportedVersions,
  buildEnvironment
)
