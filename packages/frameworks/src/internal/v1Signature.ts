/**
 * The signatures the v1 importer checks calls against: each estimator class's keyword
 * parameters (reference §1), the object types its arguments may hold (`{"type": ...}`) and their
 * fields, and v1's texts that are reused by several rules. No IO.
 *
 * @internal
 */
import type { V1Class } from "../V1Import.js"

// -------------------------------------------------------------------------------------
// parameters
// -------------------------------------------------------------------------------------

const ESTIMATOR = [
  "source_directory",
  "compute_target",
  "vm_size",
  "vm_priority",
  "entry_script",
  "script_params",
  "node_count",
  "process_count_per_node",
  "distributed_backend",
  "distributed_training",
  "use_gpu",
  "use_docker",
  "custom_docker_base_image",
  "custom_docker_image",
  "image_registry_details",
  "user_managed",
  "conda_packages",
  "pip_packages",
  "conda_dependencies_file_path",
  "pip_requirements_file_path",
  "conda_dependencies_file",
  "pip_requirements_file",
  "environment_variables",
  "environment_definition",
  "inputs",
  "source_directory_data_store",
  "shm_size",
  "resume_from",
  "max_run_duration_seconds"
] as const

const PRIVATE = ["_disable_validation", "_show_lint_warnings", "_show_package_warnings"] as const

const DNN = [...ESTIMATOR, "framework_version", "_enable_optimized_mode", ...PRIVATE] as const

const TENSORFLOW = [
  ...ESTIMATOR.slice(0, ESTIMATOR.indexOf("process_count_per_node") + 1),
  "worker_count",
  "parameter_server_count",
  ...ESTIMATOR.slice(ESTIMATOR.indexOf("process_count_per_node") + 1),
  "framework_version",
  "_enable_optimized_mode",
  ...PRIVATE
] as const

const SKLEARN = [
  "source_directory",
  "compute_target",
  "vm_size",
  "vm_priority",
  "entry_script",
  "script_params",
  "use_docker",
  "custom_docker_image",
  "image_registry_details",
  "user_managed",
  "conda_packages",
  "pip_packages",
  "conda_dependencies_file_path",
  "pip_requirements_file_path",
  "conda_dependencies_file",
  "pip_requirements_file",
  "environment_variables",
  "environment_definition",
  "inputs",
  "shm_size",
  "resume_from",
  "max_run_duration_seconds",
  "framework_version",
  "_enable_optimized_mode",
  ...PRIVATE
] as const

/** Every keyword parameter of each class, in the order of its signature. @internal */
export const parameters: { readonly [C in V1Class]: ReadonlyArray<string> } = {
  Estimator: [...ESTIMATOR, ...PRIVATE],
  Chainer: DNN,
  PyTorch: DNN,
  TensorFlow: TENSORFLOW,
  SKLearn: SKLEARN
}

/** Every parameter name any class takes. @internal */
export const allParameters: ReadonlyArray<string> = [...new Set(Object.values(parameters).flat())]

/** The classes in a stable order. @internal */
export const classes: ReadonlyArray<V1Class> = ["Estimator", "Chainer", "PyTorch", "TensorFlow", "SKLearn"]

/** The private parameters' defaults per class (they only steered v1's client-side checks). @internal */
export const privateDefaults = (cls: V1Class): { readonly [name: string]: boolean } =>
  cls === "Estimator"
    ? { _disable_validation: false, _show_lint_warnings: true, _show_package_warnings: false }
    : { _disable_validation: true, _show_lint_warnings: false, _show_package_warnings: false, _enable_optimized_mode: false }

/** `_SUPPORTED_BACKENDS` of each class (SKLearn takes no `distributed_backend`). @internal */
export const supportedBackends: { readonly [C in V1Class]: ReadonlyArray<string> } = {
  Estimator: ["mpi"],
  Chainer: ["mpi"],
  PyTorch: ["mpi", "gloo", "nccl"],
  TensorFlow: ["mpi", "ps"],
  SKLearn: []
}

// -------------------------------------------------------------------------------------
// object types
// -------------------------------------------------------------------------------------

/** What a field of an object holds. @internal */
export type FieldKind = "string" | "nullableString" | "int" | "nullableInt" | "bool" | "dataPath" | "forbiddenSecret"

/** The fields of each object type the JSON form knows, and which are required. @internal */
export const objectTypes: {
  readonly [type: string]: { readonly fields: { readonly [name: string]: FieldKind }; readonly required: ReadonlyArray<string> }
} = {
  AmlCompute: { fields: { name: "string" }, required: ["name"] },
  ComputeTarget: { fields: { name: "string" }, required: ["name"] },
  RemoteCompute: { fields: { name: "string" }, required: ["name"] },
  HDInsightCompute: { fields: { name: "string" }, required: ["name"] },
  Mpi: { fields: { process_count_per_node: "int" }, required: [] },
  MpiConfiguration: { fields: { process_count_per_node: "int", node_count: "int" }, required: [] },
  ParameterServer: { fields: { worker_count: "int", parameter_server_count: "int" }, required: [] },
  TensorflowConfiguration: { fields: { worker_count: "int", parameter_server_count: "int" }, required: [] },
  Gloo: { fields: {}, required: [] },
  Nccl: { fields: {}, required: [] },
  PyTorchConfiguration: {
    fields: { communication_backend: "string", process_count: "nullableInt", node_count: "int" },
    required: []
  },
  DataReference: {
    fields: {
      datastore: "string",
      path: "nullableString",
      mode: "string",
      data_reference_name: "nullableString",
      path_on_compute: "nullableString",
      overwrite: "bool"
    },
    required: ["datastore"]
  },
  Datastore: { fields: { name: "string" }, required: ["name"] },
  DatasetConsumptionConfig: {
    fields: { name: "string", mode: "string", dataset: "string", version: "string", path_on_compute: "nullableString" },
    required: ["name"]
  },
  OutputFileDatasetConfig: { fields: { name: "string", destination: "dataPath" }, required: ["name"] },
  DataPath: { fields: { datastore: "string", path: "nullableString" }, required: ["datastore"] },
  Environment: { fields: { name: "string", version: "nullableString" }, required: ["name"] },
  ContainerRegistry: {
    fields: { address: "string", username: "nullableString", password_env: "nullableString", password: "forbiddenSecret" },
    required: ["address"]
  }
}

/** The object types each parameter (or script_params value) accepts. @internal */
export const accepts = {
  compute_target: ["AmlCompute", "ComputeTarget", "RemoteCompute", "HDInsightCompute"],
  distributed_training: ["Mpi", "MpiConfiguration", "ParameterServer", "TensorflowConfiguration", "Gloo", "Nccl", "PyTorchConfiguration"],
  image_registry_details: ["ContainerRegistry"],
  environment_definition: ["Environment"],
  inputs: ["DataReference", "Datastore", "DatasetConsumptionConfig"],
  source_directory_data_store: ["Datastore"],
  script_params: ["DataReference", "Datastore", "DatasetConsumptionConfig", "OutputFileDatasetConfig"],
  resume_from: ["DataPath"]
} as const

// -------------------------------------------------------------------------------------
// texts
// -------------------------------------------------------------------------------------

/** v1's deprecation warning for each class. Chainer's is inferred from the others. @internal */
export const classDeprecation: { readonly [C in V1Class]: string } = {
  Estimator: "'Estimator' is deprecated. Please use 'ScriptRunConfig' from 'azureml.core.script_run_config' with your own defined environment or an Azure ML curated environment.",
  Chainer: "'Chainer' estimator is deprecated. Please use 'ScriptRunConfig' from 'azureml.core.script_run_config' with your own defined environment or one of the Azure ML Chainer curated environments.",
  PyTorch: "'PyTorch' estimator is deprecated. Please use 'ScriptRunConfig' from 'azureml.core.script_run_config' with your own defined environment or one of the Azure ML PyTorch curated environments.",
  TensorFlow: "'TensorFlow' estimator is deprecated. Please use 'ScriptRunConfig' from 'azureml.core.script_run_config' with your own defined environment or one of the Azure ML TensorFlow curated environments.",
  SKLearn: "'SKLearn' estimator is deprecated. Please use 'ScriptRunConfig' from 'azureml.core.script_run_config' with your own defined environment or the AzureML-Tutorial curated environment."
}

/** v1's deprecation warnings for the distributed-training helper classes. @internal */
export const distributedDeprecation: { readonly [type: string]: string } = {
  Mpi: "'Mpi' is deprecated. Please use 'azureml.core.runconfig.MpiConfiguration' with 'ScriptRunConfig' from 'azureml.core.runconfig'.",
  ParameterServer: "'ParameterServer' is deprecated. Use the :class:`azureml.core.runconfig.TensorflowConfiguration` class.",
  Gloo: "'Gloo' is deprecated. Please use 'azureml.core.runconfig.PyTorchConfiguration' with 'ScriptRunConfig' from 'azureml.core.runconfig, and set the 'PyTorchConfiguration' 'communication_backend' parameter to 'Gloo'.",
  Nccl: "'Nccl' is deprecated. Please use 'azureml.core.runconfig.PyTorchConfiguration' with 'ScriptRunConfig' from 'azureml.core.runconfig, and set the 'PyTorchConfiguration' 'communication_backend' parameter to 'Nccl'."
}

/** The classes whose `validate()` accepts each helper class (`lightgbm` is not an estimator here). @internal */
export const distributedFrameworks: { readonly [type: string]: ReadonlyArray<string> } = {
  Mpi: ["pytorch", "tensorflow", "chainer", "estimator", "lightgbm"],
  ParameterServer: ["tensorflow", "estimator"],
  Gloo: ["pytorch", "estimator"],
  Nccl: ["pytorch", "estimator"]
}

/** The Levenshtein distance, for "did you mean" hints. @internal */
export const distance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}

/** The closest of `candidates` to `name`, if it is close enough to be a typo. @internal */
export const closest = (name: string, candidates: ReadonlyArray<string>): string | undefined => {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined
}
