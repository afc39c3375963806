/**
 * The PyTorch preset (Azure ML SDK v1 `azureml.train.dnn.PyTorch`): the supported versions, the
 * default, `pytorch(version)` for `pipe`, the v1 Docker image's dependency table and the
 * environment a version implies, including `NCCL_TREE_THRESHOLD=0`, which v1 always set to work
 * around Horovod/NCCL 2.4 hangs. Nothing in this module performs IO.
 *
 * @since 0.1.0
 */
import { Estimator, Framework } from "@estimator/core"
import type * as Dependencies from "./Dependencies.js"
import type * as FrameworkEnvironment from "./FrameworkEnvironment.js"
import { common, environments, gpuOnly, image, PYTHON } from "./internal/data.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The framework's name in the spec.
 *
 * @category models
 * @since 0.1.0
 */
export const FRAMEWORK_NAME = "PyTorch" as const satisfies Framework.FrameworkName

/**
 * A supported PyTorch version ("1.4", not "1.4.0").
 *
 * @category models
 * @since 0.1.0
 */
export type Version = Framework.PyTorchVersion

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
 * The environment variables every PyTorch job gets.
 *
 * @category models
 * @since 0.1.0
 */
export const ENVIRONMENT_VARIABLES: { readonly [name: string]: string } = { NCCL_TREE_THRESHOLD: "0" }

// -------------------------------------------------------------------------------------
// presets
// -------------------------------------------------------------------------------------

/**
 * Train with PyTorch `version`; without a version, the default (and `validate` warns, as v1 did).
 *
 * @example
 * pipe(Estimator.make({ entryScript: "train.py" }), Estimator.withGpu, pytorch("1.6"))
 *
 * @category presets
 * @since 0.1.0
 */
export const pytorch = (version?: Version): (self: Estimator.Estimator) => Estimator.Estimator =>
  Estimator.withFramework(Framework.make(FRAMEWORK_NAME, version))

// -------------------------------------------------------------------------------------
// accessors
// -------------------------------------------------------------------------------------

const documented: { readonly [V in Version]: { readonly cuda: string; readonly horovod: string; readonly torch: string; readonly torchvision: string } } = {
  "1.0": { cuda: "10.0", horovod: "0.18.1", torch: "1.0", torchvision: "0.4.1" },
  "1.1": { cuda: "10.0", horovod: "0.18.1", torch: "1.1", torchvision: "0.4.1" },
  "1.2": { cuda: "10.0", horovod: "0.18.1", torch: "1.2", torchvision: "0.4.1" },
  "1.3": { cuda: "10.0", horovod: "0.18.1", torch: "1.3.1", torchvision: "0.4.1" },
  "1.4": { cuda: "10.1", horovod: "0.18.1", torch: "1.4.0", torchvision: "0.5.0" },
  "1.5": { cuda: "10.1", horovod: "0.19.1", torch: "1.5.0", torchvision: "0.5.0" },
  "1.6": { cuda: "10.1", horovod: "0.19.5", torch: "1.6.0", torchvision: "0.5.0" }
}

/**
 * The dependency table of the v1 PyTorch image, as the docstring lists it.
 *
 * @category accessors
 * @since 0.1.0
 */
export const dependencies = (version: Version): Dependencies.DependencyTable => {
  const row = documented[version]
  return {
    framework: FRAMEWORK_NAME,
    version,
    os: "Ubuntu 16.04",
    confirmed: true,
    dependencies: [
      common("Python", PYTHON),
      gpuOnly("CUDA", row.cuda),
      gpuOnly("cuDNN", "7.6.3"),
      gpuOnly("NCCL", "2.4.8"),
      common("azureml-defaults", "Latest"),
      common("OpenMpi", "3.1.2"),
      common("horovod", row.horovod),
      common("miniconda", "4.5.11"),
      common("torch", row.torch),
      common("torchvision", row.torchvision),
      common("git", "2.7.4"),
      common("tensorboard", "1.14"),
      common("future", "0.17.1")
    ]
  }
}

const MKL = "mkl==2018.0.3"
const TENSORBOARD = "tensorboard==1.14.0"
const FUTURE = "future==0.17.1"

// Pins of the AzureML-PyTorch-<version> curated environments (September 2020). Their listing names
// tensorboard and future only for 1.1 and 1.2; for 1.3–1.6 they follow the docstring table.
const pins: { readonly [V in Version]: ReadonlyArray<string> } = {
  "1.0": ["torch==1.0", "torchvision==0.2.1", MKL, "horovod==0.16.1"],
  "1.1": ["torch==1.1", "torchvision==0.2.1", MKL, "horovod==0.16.1", TENSORBOARD, FUTURE],
  "1.2": ["torch==1.2", "torchvision==0.4.0", MKL, "horovod==0.16.1", TENSORBOARD, FUTURE],
  "1.3": ["torch==1.3", "torchvision==0.4.1", MKL, "horovod==0.18.1", TENSORBOARD, FUTURE],
  "1.4": ["torch==1.4.0", "torchvision==0.5.0", MKL, "horovod==0.18.1", TENSORBOARD, FUTURE],
  "1.5": ["torch==1.5.0", "torchvision==0.5.0", MKL, "horovod==0.19.1", TENSORBOARD, FUTURE],
  "1.6": ["torch==1.6.0", "torchvision==0.5.0", MKL, "horovod==0.19.1", TENSORBOARD, FUTURE]
}

const OPENMPI_CPU = image("openmpi3.1.2-ubuntu16.04")
const CUDA_10_0 = image("openmpi3.1.2-cuda10.0-cudnn7-ubuntu16.04")
const CUDA_10_1 = image("openmpi3.1.2-cuda10.1-cudnn7-ubuntu18.04")

const images: { readonly [V in Version]: { readonly cpu: string; readonly gpu: string } } = {
  "1.0": { cpu: OPENMPI_CPU, gpu: CUDA_10_0 },
  "1.1": { cpu: OPENMPI_CPU, gpu: CUDA_10_0 },
  "1.2": { cpu: OPENMPI_CPU, gpu: CUDA_10_0 },
  "1.3": { cpu: image("intelmpi2018.3-ubuntu16.04"), gpu: CUDA_10_0 },
  "1.4": { cpu: OPENMPI_CPU, gpu: CUDA_10_1 },
  "1.5": { cpu: OPENMPI_CPU, gpu: CUDA_10_1 },
  "1.6": { cpu: OPENMPI_CPU, gpu: CUDA_10_1 }
}

const buildEnvironment = (version: Version, gpu: boolean): FrameworkEnvironment.FrameworkEnvironment => ({
  baseImage: gpu ? images[version].gpu : images[version].cpu,
  confirmed: true,
  condaPackages: [`python=${PYTHON}`],
  pipPackages: pins[version],
  environmentVariables: ENVIRONMENT_VARIABLES,
  curatedEnvironment: `AzureML-PyTorch-${version}-${gpu ? "GPU" : "CPU"}`
})

/**
 * The environment PyTorch `version` implies on CPU or GPU (v1's full-build path, with the
 * `AzureML-PyTorch-<version>-<CPU|GPU>` curated environment as the source of images and pins).
 *
 * @category accessors
 * @since 0.1.0
 */
export const environment: (version: Version, gpu: boolean) => FrameworkEnvironment.FrameworkEnvironment = environments(
  supportedVersions,
  buildEnvironment
)
