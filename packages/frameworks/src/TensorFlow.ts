/**
 * The TensorFlow preset (Azure ML SDK v1 `azureml.train.dnn.TensorFlow`): the supported versions,
 * the default, `tensorflow(version)` for `pipe`, the v1 Docker image's dependency table and the
 * environment a version implies (`tensorflow` on CPU, `tensorflow-gpu` on GPU). Nothing in this
 * module performs IO.
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
export const FRAMEWORK_NAME = "TensorFlow" as const satisfies Framework.FrameworkName

/**
 * A supported TensorFlow version ("2.2", not "2.2.0").
 *
 * @category models
 * @since 0.1.0
 */
export type Version = Framework.TensorFlowVersion

/**
 * The supported versions (the same array as core's catalogue).
 *
 * @category models
 * @since 0.1.0
 */
export const supportedVersions: ReadonlyArray<Version> = Framework.supportedVersions[FRAMEWORK_NAME]

/**
 * The version used when none is given (1.13, although v1's docstring said "the latest").
 *
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_VERSION: Version = Framework.defaultVersions[FRAMEWORK_NAME]

// -------------------------------------------------------------------------------------
// presets
// -------------------------------------------------------------------------------------

/**
 * Train with TensorFlow `version`; without a version, the default (and `validate` warns, as v1 did).
 *
 * @example
 * pipe(Estimator.make({ entryScript: "train.py" }), Estimator.withTensorFlow(2, 1), tensorflow("2.2"))
 *
 * @category presets
 * @since 0.1.0
 */
export const tensorflow = (version?: Version): (self: Estimator.Estimator) => Estimator.Estimator =>
  Estimator.withFramework(Framework.make(FRAMEWORK_NAME, version))

// -------------------------------------------------------------------------------------
// accessors
// -------------------------------------------------------------------------------------

type Mpi = "IntelMpi" | "OpenMpi"

const documented: {
  readonly [V in Version]: { readonly cuda: string; readonly mpi: Mpi; readonly horovod: string; readonly tensorflow: string }
} = {
  "1.10": { cuda: "9.0", mpi: "IntelMpi", horovod: "0.15.2", tensorflow: "1.10.0" },
  "1.12": { cuda: "9.0", mpi: "IntelMpi", horovod: "0.15.2", tensorflow: "1.12.0" },
  "1.13": { cuda: "10.0", mpi: "IntelMpi", horovod: "0.16.1", tensorflow: "1.13.1" },
  "2.0": { cuda: "10.0", mpi: "OpenMpi", horovod: "0.18.1", tensorflow: "2.0.0" },
  "2.1": { cuda: "10.0", mpi: "OpenMpi", horovod: "0.19.1", tensorflow: "2.1.0" },
  "2.2": { cuda: "10.0", mpi: "OpenMpi", horovod: "0.19.5", tensorflow: "2.2.0" }
}

/**
 * The dependency table of the v1 TensorFlow image, as the docstring lists it (v1 images extend
 * Ubuntu 16.04, v2 images Ubuntu 18.04).
 *
 * @category accessors
 * @since 0.1.0
 */
export const dependencies = (version: Version): Dependencies.DependencyTable => {
  const row = documented[version]
  return {
    framework: FRAMEWORK_NAME,
    version,
    os: version.startsWith("1.") ? "Ubuntu 16.04" : "Ubuntu 18.04",
    confirmed: true,
    dependencies: [
      common("Python", PYTHON),
      gpuOnly("CUDA", row.cuda),
      gpuOnly("cuDNN", "7.6.3"),
      gpuOnly("NCCL", "2.4.8"),
      common("azureml-defaults", "Latest"),
      common("azureml-dataset-runtime[fuse,pandas]", "Latest"),
      row.mpi === "IntelMpi" ? common("IntelMpi", "2018.3.222") : common("OpenMpi", "3.1.2"),
      common("horovod", row.horovod),
      common("miniconda", "4.5.11"),
      common("tensorflow", row.tensorflow),
      common("git", "2.7.4")
    ]
  }
}

// Pins of the AzureML-TensorFlow-<version> curated environments (September 2020).
const pins: { readonly [V in Version]: { readonly cpu: string; readonly gpu: string; readonly horovod: string } } = {
  "1.10": { cpu: "1.10", gpu: "1.10.0", horovod: "0.15.2" },
  "1.12": { cpu: "1.12", gpu: "1.12.0", horovod: "0.15.2" },
  "1.13": { cpu: "1.13.1", gpu: "1.13.1", horovod: "0.16.1" },
  "2.0": { cpu: "2.0", gpu: "2.0.0", horovod: "0.18.1" },
  "2.1": { cpu: "2.1.0", gpu: "2.1.0", horovod: "0.19.1" },
  "2.2": { cpu: "2.2.0", gpu: "2.2.0", horovod: "0.19.1" }
}

const INTELMPI_CPU = image("intelmpi2018.3-ubuntu16.04")
const OPENMPI_CPU = image("openmpi3.1.2-ubuntu18.04")

// TF 2.2's GPU image has CUDA 10.1 although its docstring table says 10.0; the image is what ran.
const images: { readonly [V in Version]: { readonly cpu: string; readonly gpu: string } } = {
  "1.10": { cpu: INTELMPI_CPU, gpu: image("intelmpi2018.3-cuda9.0-cudnn7-ubuntu16.04") },
  "1.12": { cpu: INTELMPI_CPU, gpu: image("intelmpi2018.3-cuda9.0-cudnn7-ubuntu16.04") },
  "1.13": { cpu: INTELMPI_CPU, gpu: image("intelmpi2018.3-cuda10.0-cudnn7-ubuntu16.04") },
  "2.0": { cpu: OPENMPI_CPU, gpu: image("openmpi3.1.2-cuda10.0-cudnn7-ubuntu18.04") },
  "2.1": { cpu: OPENMPI_CPU, gpu: image("openmpi3.1.2-cuda10.0-cudnn7-ubuntu18.04") },
  "2.2": { cpu: OPENMPI_CPU, gpu: image("openmpi3.1.2-cuda10.1-cudnn7-ubuntu18.04") }
}

const buildEnvironment = (version: Version, gpu: boolean): FrameworkEnvironment.FrameworkEnvironment => {
  const pin = pins[version]
  return {
    baseImage: gpu ? images[version].gpu : images[version].cpu,
    confirmed: true,
    condaPackages: [`python=${PYTHON}`],
    pipPackages: [gpu ? `tensorflow-gpu==${pin.gpu}` : `tensorflow==${pin.cpu}`, `horovod==${pin.horovod}`],
    environmentVariables: {},
    curatedEnvironment: `AzureML-TensorFlow-${version}-${gpu ? "GPU" : "CPU"}`
  }
}

/**
 * The environment TensorFlow `version` implies on CPU or GPU (v1's full-build path, with the
 * `AzureML-TensorFlow-<version>-<CPU|GPU>` curated environment as the source of images and pins).
 *
 * @category accessors
 * @since 0.1.0
 */
export const environment: (version: Version, gpu: boolean) => FrameworkEnvironment.FrameworkEnvironment = environments(
  supportedVersions,
  buildEnvironment
)
