/**
 * The second stage of the v1 importer, what the estimator's constructor does: v1's rules in v1's
 * order (reference §2.1, then `script_params`, data and `resume_from` (§2.3–2.5), then the
 * framework rules of §2.2), and the spec that the run configuration v1 built corresponds to
 * (§3). Every issue is collected; nothing stops at the first error. No IO.
 *
 * @internal
 */
import { Data, Estimator, Framework, Secret } from "@estimator/core"
import type { Validation } from "@estimator/core"
import type { ArgItem, DataArg, Decoded, DistributedArg } from "./v1Decode.js"
import { error, isUnder, key, warning } from "./v1Json.js"
import { classDeprecation, distributedFrameworks, privateDefaults, supportedBackends } from "./v1Signature.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/** Where a part of the spec came from in the call, to give core's issues the call's paths. @internal */
export interface Origin {
  readonly spec: string
  readonly v1: string
  /** Append the rest of a longer spec path (`environment.pipPackages[2]` → `args.pip_packages[2]`). */
  readonly keepRemainder: boolean
}

/** @internal */
export interface Converted {
  readonly spec: Estimator.Estimator
  readonly issues: ReadonlyArray<Validation.Issue>
  readonly origins: ReadonlyArray<Origin>
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

/** A stable input name for a datastore path: `workspaceblobstore` + `mnist/train` → `workspaceblobstore_mnist_train`. @internal */
export const derivedName = (datastore: string, path: string): string => {
  const name = `${datastore}_${path}`.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^_+|_+$/g, "")
  return name === "" ? "data" : /^[0-9]/.test(name) ? `_${name}` : name
}

const sanitize = (name: string): string => {
  const cleaned = name.replace(/[^A-Za-z0-9_]+/g, "_")
  return cleaned === "" ? "data" : /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned
}

const isCurrentDirectory = (path: string): boolean => path === "" || path === "/" || path === "." || path === "./"

// -------------------------------------------------------------------------------------
// conversion
// -------------------------------------------------------------------------------------

interface Layout {
  readonly distribution: Estimator.Distribution
  readonly processCountPerNode: number
  readonly origin: string
  readonly processOrigin: string
}

/** @internal */
export const convert = (decoded: Decoded, prefix: string, exactOrder: boolean): Converted => {
  const { args: a, cls, given, invalid } = decoded
  const argsPath = key(prefix, "args")
  const p = (name: string) => key(argsPath, name)
  const issues: Array<Validation.Issue> = []
  const origins: Array<Origin> = []
  const origin = (spec: string, v1: string, keepRemainder = true) => origins.push({ spec, v1, keepRemainder })
  const isFramework = cls !== "Estimator"
  const present = (name: string) => given.has(name) && !invalid.has(name)

  issues.push(warning(
    key(prefix, "class"),
    "v1-estimator-deprecated",
    classDeprecation[cls],
    "Nothing to do for the import: the imported spec is the job this call described, and replaces both the estimator and ScriptRunConfig."
  ))

  // TensorFlow's own parameters, checked before the shared rules.
  if (cls === "TensorFlow") {
    for (const name of ["worker_count", "parameter_server_count"] as const) {
      if (a[name] !== 1) {
        issues.push(warning(p(name), "v1-deprecated-parameter", `'${name}' parameter will be deprecated. Please use it as part of 'distributed_training' parameter.`, `Use "distributed_training": {"type": "ParameterServer", "worker_count": ..., "parameter_server_count": ...} instead.`))
      }
    }
    if ((a.worker_count !== 1 || a.parameter_server_count !== 1) && a.distributed_backend === null && !invalid.has("distributed_backend")) {
      const name = a.worker_count !== 1 ? "worker_count" : "parameter_server_count"
      issues.push(warning(p(name), "v1-parameter-needs-distributed-backend", `'worker_count' and 'parameter_server_count' parameters will be used only in combination with 'distributed_backend' parameter. As these parameters are to be deprecated, please use 'distributed_training' parameter and set them on that object.`, "Without distributed_backend='ps' (or a ParameterServer object) they have no effect, in v1 and here."))
    }
  }

  // §2.1 rule 1: the deprecated *_path parameters. The placeholders {conda}/{pip} name the one in effect.
  const files = (name: "conda_dependencies_file" | "pip_requirements_file", what: string) => {
    const current = a[name]
    const deprecated = a[`${name}_path`]
    if (current !== null && current !== "" && deprecated !== null && deprecated !== "") {
      issues.push(warning(p(`${name}_path`), "v1-deprecated-parameter-ignored", `Either '${name}' or '${name}_path' should be used. '${name}' will take precedence since '${name}_path' will be deprecated.`, `Remove ${name}_path: the ${what} file "${current}" is used.`))
    } else if (deprecated !== null && deprecated !== "") {
      issues.push(warning(p(`${name}_path`), "v1-deprecated-parameter", `'${name}_path' parameter will be deprecated. Please use '${name}' instead`, `Rename ${name}_path to ${name}; the import already uses "${deprecated}".`))
    }
    const used = current !== null && current !== "" ? name : deprecated !== null && deprecated !== "" ? `${name}_path` : name
    const file = current !== null && current !== "" ? current : deprecated !== null && deprecated !== "" ? deprecated : undefined
    return { used, file }
  }
  const conda = files("conda_dependencies_file", "conda")
  const pip = files("pip_requirements_file", "pip requirements")

  // Rule 2: process_count_per_node.
  if (a.process_count_per_node !== 1) {
    issues.push(warning(p("process_count_per_node"), "v1-deprecated-parameter", "'process_count_per_node' parameter will be deprecated. Please use it as part of 'distributed_training' parameter.", "Use \"distributed_training\": {\"type\": \"MpiConfiguration\", \"process_count_per_node\": ...} instead."))
    if (a.distributed_backend === null && !invalid.has("distributed_backend")) {
      issues.push(warning(p("process_count_per_node"), "v1-parameter-needs-distributed-backend", "'process_count_per_node' parameter will be used only in combination with 'distributed_backend' parameter. As both these parameters are to be deprecated, please use 'distributed_training' parameter and set 'process_count_per_node' on that object.", "Set it on the distributed_training object (Mpi or MpiConfiguration)."))
    }
  }

  // Rule 3: use_docker=False.
  const image = a.custom_docker_image !== null && a.custom_docker_image !== "" ? { name: a.custom_docker_image, param: "custom_docker_image" } : a.custom_docker_base_image !== null && a.custom_docker_base_image !== "" ? { name: a.custom_docker_base_image, param: "custom_docker_base_image" } : undefined
  if (present("use_docker") && !a.use_docker) {
    issues.push(warning(p("use_docker"), "v1-deprecated-parameter", "'use_docker' parameter will be deprecated. Please use 'environment_definition' instead.", "Nothing to do for the import: the spec runs without a container (Estimator.withoutDocker), which only the local backend can honour."))
    if (image !== undefined) {
      issues.push(error(p(image.param), "v1-docker-disabled-with-image", "If use_docker parameter is set to false, custom_docker_image or custom_docker_base_image parameter is not allowed", `Remove ${image.param} to run without a container, or remove use_docker=False to run in the image.`))
    }
  }

  const truthyList = (list: ReadonlyArray<unknown> | null) => list !== null && list.length > 0
  // With environment_definition v1 used the registered environment as it is: rule 4 does not check
  // custom_docker_base_image or use_docker, and nothing applies them.
  const registeredEnvironment = a.environment_definition !== null
  const appliedImage = registeredEnvironment ? undefined : image
  const truthyString = (s: string | null) => s !== null && s !== ""

  // Rule 4: environment_definition replaces the whole environment.
  if (a.environment_definition !== null) {
    const message = `If environment_definition parameter is specified, the following parameters cannot be specified: pip_packages, ${pip.used}, conda_packages, ${conda.used}, custom_docker_image, image_registry_details, use_gpu, user_managed, shm_size, environment_variables`
    const conflicts: ReadonlyArray<readonly [string, boolean]> = [
      ["pip_packages", truthyList(a.pip_packages)],
      ["pip_requirements_file", truthyString(a.pip_requirements_file)],
      ["pip_requirements_file_path", truthyString(a.pip_requirements_file_path)],
      ["conda_packages", truthyList(a.conda_packages)],
      ["conda_dependencies_file", truthyString(a.conda_dependencies_file)],
      ["conda_dependencies_file_path", truthyString(a.conda_dependencies_file_path)],
      ["custom_docker_image", truthyString(a.custom_docker_image)],
      ["image_registry_details", a.image_registry_details !== null],
      ["use_gpu", a.use_gpu],
      ["user_managed", a.user_managed],
      ["shm_size", truthyString(a.shm_size)],
      ["environment_variables", truthyList(a.environment_variables)]
    ]
    for (const [name, conflict] of conflicts) {
      if (conflict) {
        issues.push(error(p(name), "v1-environment-definition-conflict", message, `Remove ${name} and put it into the registered environment "${a.environment_definition.name}", or remove environment_definition and describe the environment with these parameters.`))
      }
    }
  }

  // Rule 5: a conda file replaces the conda specification.
  if (conda.file !== undefined) {
    const message = `If ${conda.used} parameter is specified, the following parameters cannot be specified: pip_packages, ${pip.used}, conda_packages`
    const conflicts: ReadonlyArray<readonly [string, boolean]> = [
      ["pip_packages", truthyList(a.pip_packages)],
      [pip.used, pip.file !== undefined],
      ["conda_packages", truthyList(a.conda_packages)]
    ]
    for (const [name, conflict] of conflicts) {
      if (conflict) issues.push(error(p(name), "v1-conda-file-conflict", message, `Move the packages of ${name} into ${conda.file}, or remove ${conda.used}.`))
    }
  }

  // Rule 6: counts.
  if (a.node_count < 1) {
    issues.push(error(p("node_count"), "v1-node-count-too-small", "Node count should be at least 1.", "Set node_count to 1 or more."))
  }
  if (a.process_count_per_node < 1) {
    issues.push(error(p("process_count_per_node"), "v1-process-count-too-small", "Process count per node should be at least 1.", "Set process_count_per_node to 1 or more."))
  }

  // Rule 7: distributed_backend.
  const training = a.distributed_training
  let backend: string | undefined
  if (a.distributed_backend !== null) {
    issues.push(warning(p("distributed_backend"), "v1-deprecated-parameter", "'distributed_backend' parameter will be deprecated. Please use 'distributed_training' instead.", "Use \"distributed_training\": {\"type\": \"MpiConfiguration\", ...} (or ParameterServer, Nccl, Gloo) instead."))
    const supported = supportedBackends[cls]
    const lower = a.distributed_backend.toLowerCase()
    if (!supported.includes(lower)) {
      issues.push(error(p("distributed_backend"), "v1-unsupported-backend", `Unsupported distributed backend value: ${a.distributed_backend}. Supported backend(s): ${supported.join(", ")}.`, `Use ${supported.map((s) => `'${s}'`).join(" or ")}, or better a distributed_training object.`))
    } else if (supported.length === 1 && supported[0] === "mpi" && training !== null && training.type !== "MpiConfiguration") {
      if (training.type === "Mpi") {
        // v1's quirk: 'mpi' with an Mpi() object was rejected although both ask for MPI.
        issues.push(warning(p("distributed_backend"), "v1-mpi-backend-with-mpi-object", `v1 rejected this combination with "Unsupported distributed backend value: ${a.distributed_backend}. Supported backend: mpi." although distributed_backend='mpi' and the Mpi object ask for the same thing; the import accepts it and uses the Mpi object's process_count_per_node.`, "Remove distributed_backend: it is deprecated and the Mpi object says the same."))
        backend = lower
      } else {
        issues.push(error(p("distributed_backend"), "v1-unsupported-backend", `Unsupported distributed backend value: ${a.distributed_backend}. Supported backend: mpi.`, `distributed_backend='${a.distributed_backend}' and the ${training.type} object in distributed_training ask for different launchers: keep one (distributed_backend is deprecated).`))
      }
    } else {
      backend = lower
    }
  }

  // Rule 8: which estimator a helper class may be used with.
  if (training !== null) {
    const frameworks = distributedFrameworks[training.type]
    if (frameworks !== undefined && !frameworks.includes(cls.toLowerCase())) {
      issues.push(error(key(p("distributed_training"), "type"), "v1-unsupported-distributed-training", `Unsupported framework for ${training.type} distributed training type. Supported frameworks are: ${frameworks.join(", ")}`, `Use ${training.type} with ${frameworks.filter((f) => f !== "lightgbm").map((f) => (f === "estimator" ? "Estimator" : f === "pytorch" ? "PyTorch" : f === "tensorflow" ? "TensorFlow" : "Chainer")).join(", ")}, or a distribution ${cls} supports (${cls === "Chainer" ? "Mpi" : cls === "PyTorch" ? "Mpi, Nccl, Gloo" : "Mpi, ParameterServer"}).`))
    }
  }

  // Rule 9: a user-managed Python installs nothing.
  if (a.user_managed) {
    const message = `If user_managed is True, then conda_packages, ${conda.used}, pip_packages or ${pip.used} cannot be specified.`
    const conflicts: ReadonlyArray<readonly [string, boolean]> = [
      ["conda_packages", truthyList(a.conda_packages)],
      [conda.used, conda.file !== undefined],
      ["pip_packages", truthyList(a.pip_packages)],
      [pip.used, pip.file !== undefined]
    ]
    for (const [name, conflict] of conflicts) {
      if (conflict) issues.push(error(p(name), "v1-user-managed-conflict", message, `Install the packages in the image and remove ${name}, or remove user_managed.`))
    }
  }

  // Rule 10: more than one process needs a launcher.
  const noBackend = a.distributed_backend === null && !invalid.has("distributed_backend")
  const noTraining = training === null && !invalid.has("distributed_training")
  if (noBackend && noTraining && (a.node_count > 1 || a.process_count_per_node > 1)) {
    issues.push(error(
      p(a.node_count > 1 ? "node_count" : "process_count_per_node"),
      "v1-distribution-required",
      "'distributed_backend' or 'distributed_training' must be specified when node_count > 1 or process_count_per_node > 1.",
      "Add \"distributed_training\": {\"type\": \"MpiConfiguration\", \"process_count_per_node\": ...} (or the framework's Nccl/Gloo/ParameterServer), or set the counts back to 1."
    ))
  }

  // Rules 11–13: the compute target.
  const target = a.compute_target
  if (target !== null && target.kind === "object" && target.type === "HDInsightCompute") {
    issues.push(error(key(p("compute_target"), "type"), "v1-unsupported-compute-type", "Unsupported compute target type. Type=HDInsight", "Estimators cannot run on HDInsight: use an AmlCompute cluster, \"local\" or a vm_size."))
  }
  if (a.vm_size === null && target === null && !invalid.has("vm_size") && !invalid.has("compute_target")) {
    issues.push(error(p("compute_target"), "v1-compute-missing", "Either compute target or VM size should be specified.", "Add \"compute_target\": \"local\" (this machine), a cluster {\"type\": \"AmlCompute\", \"name\": ...}, or \"vm_size\" for compute created for the run."))
  }
  if (a.node_count > 1 && target !== null && !(target.kind === "object" && target.type === "AmlCompute") && !(target.kind === "name" && target.name === "")) {
    const hint = target.kind === "local"
      ? "Run multi-node jobs on a cluster: \"compute_target\": {\"type\": \"AmlCompute\", \"name\": ...}, or set node_count to 1."
      : target.kind === "name"
      ? `A cluster given by its name is a string to v1, not an AmlCompute object: write {"type": "AmlCompute", "name": "${target.name}"} if "${target.name}" is an AmlCompute cluster.`
      : target.type === "ComputeTarget"
      ? `ComputeTarget(workspace, name) returns the concrete class; if "${target.name}" is an AmlCompute cluster write {"type": "AmlCompute", "name": "${target.name}"}.`
      : `${target.type} targets cannot run multi-node jobs: use an AmlCompute cluster, or set node_count to 1.`
    issues.push(error(p("compute_target"), "v1-distributed-compute-not-amlcompute", "Compute target should be AmlCompute for distributed training (node_count > 1).", hint))
  }

  // Rule 14: custom_docker_base_image.
  if (truthyString(a.custom_docker_base_image)) {
    if (truthyString(a.custom_docker_image)) {
      issues.push(error(p("custom_docker_base_image"), "v1-custom-docker-base-image-conflict", "'custom_docker_base_image' parameter will be deprecated. Please use 'custom_docker_image' only.", "Remove custom_docker_base_image and keep custom_docker_image."))
    } else {
      issues.push(warning(p("custom_docker_base_image"), "v1-deprecated-parameter", "'custom_docker_base_image' parameter will be deprecated. Please use 'custom_docker_image' instead.", `Rename it to custom_docker_image; the import already uses "${a.custom_docker_base_image}" as the image.`))
    }
  }

  // §2.3–2.5: script_params, data, resume_from.
  const inputs: Record<string, Data.Input> = {}
  const outputs: Record<string, Data.Output> = {}
  const explicitNames = new Set<string>()
  const register = (data: DataArg): Data.InputReference | Data.OutputReference | undefined => {
    let name: string
    let explicit: boolean
    let value: { readonly kind: "input"; readonly input: Data.Input } | { readonly kind: "output"; readonly output: Data.Output }
    switch (data.type) {
      case "DataReference": {
        const path = isCurrentDirectory(data.path) ? "" : data.path
        explicit = data.name !== null
        name = data.name ?? (path === "" ? data.datastore : derivedName(data.datastore, path))
        value = data.mode === "upload"
          ? { kind: "output", output: Data.output({ mode: "upload", destination: Data.datastorePath(data.datastore, path) }) }
          : { kind: "input", input: Data.fromDatastore(data.datastore, path, { mode: data.mode === "mount" ? "ro_mount" : "download" }) }
        if (data.pathOnCompute !== null) {
          issues.push(warning(key(data.at, "path_on_compute"), "v1-parameter-ignored", `path_on_compute "${data.pathOnCompute}" is not carried over: each backend chooses where the data appears and passes that path to the script (in its arguments and in ESTIMATOR_INPUT_<NAME>).`, "Read the path from the script's arguments instead of a fixed location, then remove path_on_compute."))
        }
        if (data.overwrite !== null) {
          issues.push(warning(key(data.at, "overwrite"), "v1-parameter-ignored", "overwrite is not carried over: outputs uploaded by the backend replace files of the same name.", "Remove overwrite."))
        }
        break
      }
      case "Datastore":
        explicit = true
        name = data.datastore
        value = { kind: "input", input: Data.fromDatastore(data.datastore, "") }
        break
      case "DatasetConsumptionConfig":
        explicit = true
        name = data.name
        value = {
          kind: "input",
          input: Data.fromAsset(data.dataset ?? data.name, {
            mode: data.mode === "mount" ? "ro_mount" : data.mode,
            ...(data.version === null ? {} : { version: data.version })
          })
        }
        if (data.pathOnCompute !== null) {
          issues.push(warning(key(data.at, "path_on_compute"), "v1-parameter-ignored", `path_on_compute "${data.pathOnCompute}" is not carried over: each backend chooses where the data appears and passes that path to the script.`, "Read the path from the script's arguments, then remove path_on_compute."))
        }
        break
      case "OutputFileDatasetConfig":
        explicit = true
        name = data.name
        value = { kind: "output", output: Data.output(data.destination === null ? {} : { destination: Data.datastorePath(data.destination.datastore, data.destination.path) }) }
        break
    }
    if (!IDENTIFIER.test(name)) {
      const renamed = sanitize(name)
      issues.push(warning(data.at, "v1-input-renamed", `The data name "${name}" is not a valid input name here (letters, digits and underscores, not starting with a digit), so the import names it "${renamed}"; the script still receives its path in the same argument.`, `Rename it to "${renamed}" in the call to make this warning go away.`))
      name = renamed
    }
    const same = (existing: Data.Input | Data.Output | undefined, candidate: Data.Input | Data.Output) => JSON.stringify(existing) === JSON.stringify(candidate)
    const candidate = value.kind === "input" ? value.input : value.output
    const existing = inputs[name] ?? outputs[name]
    if (existing !== undefined && !same(existing, candidate)) {
      if (explicit || explicitNames.has(name)) {
        issues.push(error(data.at, "v1-input-name-conflict", `The data name "${name}" is already used by different data (v1 would silently keep only the last one).`, "Give each data object its own name (data_reference_name, or the name of as_named_input)."))
        return undefined
      }
      let n = 2
      while (inputs[`${name}_${n}`] !== undefined || outputs[`${name}_${n}`] !== undefined) n++
      name = `${name}_${n}`
    }
    if (explicit) explicitNames.add(name)
    if (value.kind === "input") {
      inputs[name] = value.input
      origin(`inputs.${name}`, data.at, false)
      return Data.input(name)
    }
    outputs[name] = value.output
    origin(`outputs.${name}`, data.at, false)
    return Data.outputRef(name)
  }

  const resume = a.resume_from
  const scriptParamsPath = p("script_params")
  const resumeKey = key(scriptParamsPath, "--resume-from")
  let items: ReadonlyArray<ArgItem> = a.script_params ?? []
  if (resume !== null && resume.kind === "DataPath" && items.some((item) => item.path === resumeKey)) {
    issues.push(warning(resumeKey, "v1-resume-from-replaces-param", "resume_from sets script_params[\"--resume-from\"], replacing this entry; v1 kept the key's place in the arguments, the import puts --resume-from at the end.", "Remove \"--resume-from\" from script_params: resume_from provides it."))
    items = items.filter((item) => !isUnder(item.path, resumeKey))
  }
  const argumentsList: Array<Estimator.Argument> = []
  for (const item of items) {
    if (item.kind === "value") {
      // list_remove_empty_items: None and "" go, False and 0 stay.
      if (item.value === null || item.value === "") continue
      origin(`arguments[${argumentsList.length}]`, item.path)
      argumentsList.push(item.value)
    } else {
      const reference = register(item.data)
      if (reference !== undefined) {
        origin(`arguments[${argumentsList.length}]`, item.path)
        argumentsList.push(reference)
      }
    }
  }
  for (const data of a.inputs ?? []) register(data)
  if (resume !== null && resume.kind === "wrong") {
    issues.push(error(p("resume_from"), "v1-resume-from-type", `resume_from parameter should be of type DataPath. Found ${resume.found}.`, "Write it as {\"type\": \"DataPath\", \"datastore\": \"<datastore>\", \"path\": \"<checkpoint folder>\"}."))
  }
  if (decoded.reorderableKeys && !exactOrder) {
    issues.push(warning(scriptParamsPath, "v1-script-params-order", "script_params has integer-like keys, which JavaScript objects list before the others: the argument order may differ from the file's.", "Import from the JSON text (V1Import.fromJson) to keep the file's order."))
  }

  // §2.2: the framework version.
  let framework: Framework.Framework | undefined
  if (isFramework) {
    const name = cls
    const supported = Framework.supportedVersions[name] as ReadonlyArray<string>
    if (a.framework_version === null) {
      framework = Framework.make(name)
      if (!invalid.has("framework_version") && !a.user_managed && supported.length > 1) {
        issues.push(warning(p("framework_version"), "v1-framework-version-defaulted", `framework_version is not specified, defaulting to version ${framework.version}.`, `Pin it: "framework_version": "${framework.version}" (supported: ${supported.join(", ")}).`))
      }
    } else {
      framework = { name, version: a.framework_version }
      if (!supported.includes(a.framework_version)) {
        issues.push(error(
          p("framework_version"),
          "v1-unsupported-framework-version",
          `${name} ${a.framework_version} is not currently supported by the ${name} estimator. Check https://docs.microsoft.com/python/api/azureml-train-core/azureml.train.dnn?view=azure-ml-py for all supported versions. To use ${name} ${a.framework_version}, switch to the generic Estimator class for your experiment.`,
          `Use one of ${supported.join(", ")} (exactly as written), or switch to "class": "Estimator" and install ${name} ${a.framework_version} with pip_packages or a custom image.`
        ))
      }
    }
    if (a.environment_definition !== null || conda.file !== undefined) {
      const field = a.environment_definition !== null ? "environment_definition" : conda.used
      issues.push(warning(p(field), "v1-framework-packages-not-installed", `If environment_definition or ${conda.used} is specified, Azure ML will not install any framework related packages on behalf of the user.`, `Make sure ${name} is in ${field === "environment_definition" ? "the registered environment" : "the conda file"}.`))
    }
    if (a.privates["_enable_optimized_mode"] === true) {
      const reasons: Array<string> = []
      if (!(target !== null && target.kind === "object" && target.type === "AmlCompute")) reasons.push("Optimized mode is not supported for non-AmlCompute targets.")
      if (a.environment_definition !== null || truthyString(a.custom_docker_image)) reasons.push("Optimized mode is not supported when environment_definition or custom_docker_image is provided.")
      if (a.entry_script !== null && a.entry_script.toLowerCase().endsWith(".ipynb")) reasons.push("Optimized mode is not supported when entry_script is a notebook file(.ipynb).")
      for (const reason of reasons) issues.push(error(p("_enable_optimized_mode"), "v1-optimized-mode-unsupported", reason, "Remove _enable_optimized_mode."))
      if (reasons.length === 0) {
        issues.push(warning(p("_enable_optimized_mode"), "v1-optimized-mode-ignored", "Optimized mode (a private preview that started from prebuilt framework images in a private registry) is not reproduced: the job gets the framework's full environment instead.", "Remove _enable_optimized_mode."))
      }
    }
  }

  // The layout and the distribution (§3.4: the backend first, then distributed_training overwrites).
  let fromBackend: Layout | undefined
  if (backend !== undefined) {
    const at = p("distributed_backend")
    fromBackend = backend === "mpi"
      ? { distribution: { _tag: "Mpi" }, processCountPerNode: a.process_count_per_node, origin: at, processOrigin: p("process_count_per_node") }
      : backend === "ps"
      ? { distribution: { _tag: "TensorFlow", workerCount: a.worker_count, parameterServerCount: a.parameter_server_count }, processCountPerNode: 1, origin: at, processOrigin: at }
      : { distribution: { _tag: "PyTorch", backend: backend as Estimator.PyTorchBackend }, processCountPerNode: 1, origin: at, processOrigin: at }
  }
  const fromTraining = training === null ? undefined : trainingLayout(training, a.node_count, p("distributed_training"), cls, issues)
  const noneLayout: Layout = { distribution: { _tag: "None" }, processCountPerNode: a.process_count_per_node, origin: p(a.node_count > 1 ? "node_count" : "process_count_per_node"), processOrigin: p("process_count_per_node") }
  const layout = fromTraining ?? fromBackend ?? noneLayout
  if (fromTraining !== undefined && fromBackend !== undefined && JSON.stringify([fromTraining.distribution, fromTraining.processCountPerNode]) !== JSON.stringify([fromBackend.distribution, fromBackend.processCountPerNode])) {
    issues.push(warning(p("distributed_backend"), "v1-distributed-backend-overridden", `distributed_backend='${a.distributed_backend}' and distributed_training are both given; as in v1, distributed_training decides (${describeLayout(fromTraining)}).`, "Remove distributed_backend: it is deprecated."))
  }
  if (a.process_count_per_node !== 1 && layout.processOrigin !== p("process_count_per_node") && layout !== noneLayout) {
    issues.push(warning(p("process_count_per_node"), "v1-parameter-ignored", `process_count_per_node=${a.process_count_per_node} has no effect here, as in v1: it only applies with distributed_backend='mpi' and no distributed_training object (the job runs ${layout.processCountPerNode} process(es) per node).`, "Remove it, or set the count on the distributed_training object."))
  }
  if (cls === "TensorFlow" && (a.worker_count !== 1 || a.parameter_server_count !== 1) && backend !== undefined && !(backend === "ps" && fromTraining === undefined)) {
    issues.push(warning(p(a.worker_count !== 1 ? "worker_count" : "parameter_server_count"), "v1-parameter-ignored", "worker_count and parameter_server_count have no effect here, as in v1: they only apply with distributed_backend='ps' and no distributed_training object.", "Remove them, or set them on a ParameterServer object."))
  }

  // The compute.
  let compute: Estimator.Compute = Estimator.local
  if (target !== null) {
    compute = target.kind === "local" ? Estimator.local : Estimator.cluster(target.name)
    origin("compute", p("compute_target"))
    origin("compute.name", target.kind === "object" ? key(p("compute_target"), "name") : p("compute_target"), false)
    if (a.vm_size !== null) {
      issues.push(warning(p("vm_size"), "v1-parameter-ignored", `vm_size "${a.vm_size}" has no effect with a compute_target, as in v1 (it only sizes compute created for the run).`, "Remove vm_size (and vm_priority)."))
    }
  } else if (a.vm_size !== null) {
    origin("compute", p("vm_size"))
    if (a.vm_priority !== null && a.vm_priority !== "dedicated" && a.vm_priority !== "lowpriority") {
      issues.push(error(p("vm_priority"), "v1-invalid-vm-priority", `vm_priority "${a.vm_priority}" is not 'dedicated' or 'lowpriority' (v1 passed it on unchecked and Azure ML rejected it at submission).`, "Use \"dedicated\" or \"lowpriority\"."))
      compute = Estimator.serverless(a.vm_size)
    } else {
      compute = Estimator.serverless(a.vm_size, a.vm_priority ?? undefined)
    }
    origin("compute.vmPriority", p("vm_priority"))
  }
  if (a.vm_priority !== null && a.vm_size === null) {
    issues.push(warning(p("vm_priority"), "v1-parameter-ignored", `vm_priority "${a.vm_priority}" has no effect without vm_size, as in v1.`, "Remove vm_priority, or add vm_size to create compute for the run."))
  }
  origin("compute.vmSize", p("vm_size"))

  // What the import adds to v1's rules.
  if (registeredEnvironment && image !== undefined && image.param === "custom_docker_base_image") {
    issues.push(warning(p("custom_docker_base_image"), "v1-parameter-ignored", "custom_docker_base_image has no effect with environment_definition, as in v1 (which did not check it): the registered environment decides the image.", "Remove custom_docker_base_image, or set the image in the registered environment."))
  }
  if (registeredEnvironment && present("use_docker") && !a.use_docker) {
    issues.push(warning(p("use_docker"), "v1-parameter-ignored", "use_docker=False has no effect with environment_definition, as in v1 (which did not check it): the registered environment runs in its container.", "Remove use_docker."))
  }
  if (a.entry_script !== null && a.entry_script.toLowerCase().endsWith(".ipynb")) {
    issues.push(error(p("entry_script"), "v1-notebook-entry-script", `entry_script "${a.entry_script}" is a notebook: v1 ran notebooks through azureml-contrib-notebook (papermill), which this project does not reproduce; it runs Python scripts.`, `Convert it to a script (jupyter nbconvert --to script ${a.entry_script}) and point entry_script at the .py file.`))
  }
  const registry = a.image_registry_details
  if (registry !== null && image === undefined && a.environment_definition === null) {
    issues.push(error(p("image_registry_details"), "v1-registry-without-image", "image_registry_details is given without custom_docker_image: v1 would have looked for its default base image in that private registry, which fails when the image is built.", "Add custom_docker_image with the image in that registry, or remove image_registry_details."))
  }
  if (image !== undefined && image.param === "custom_docker_base_image" && isFramework && !truthyString(a.custom_docker_image)) {
    issues.push(warning(p("custom_docker_base_image"), "v1-custom-docker-base-image-honoured", `${cls} replaced an image given only as custom_docker_base_image by its framework image (a v1 bug); the import uses "${image.name}" as you asked.`, "Rename it to custom_docker_image, which v1 honoured too."))
  }
  if (truthyString(a.shm_size) && a.environment_definition === null) {
    issues.push(warning(p("shm_size"), "v1-shm-size-applied", `shm_size "${a.shm_size}" is applied. Late v1 releases could silently run an estimator with the default 2g instead (the estimator set the deprecated DockerSection value, while the DockerConfiguration of the submitted run kept its default).`, "Nothing to do if the job needs this size; remove shm_size to get the 2g default."))
  }
  if (cls === "PyTorch" && a.environment_variables !== null && a.environment_variables.some(([name]) => name === "NCCL_TREE_THRESHOLD")) {
    issues.push(warning(key(p("environment_variables"), "NCCL_TREE_THRESHOLD"), "v1-nccl-tree-threshold-kept", "v1's PyTorch estimator overwrote NCCL_TREE_THRESHOLD with '0' (a workaround for Horovod/NCCL 2.4 hangs); the import keeps your value.", "Remove it to get the framework's NCCL_TREE_THRESHOLD=0."))
  }
  const defaultsOfPrivates = privateDefaults(cls)
  for (const [name, value] of Object.entries(a.privates)) {
    if (name !== "_enable_optimized_mode" && value !== defaultsOfPrivates[name]) {
      issues.push(warning(p(name), "v1-private-parameter-ignored", `${name}=${value ? "True" : "False"} only changed v1's client-side checks (script linting and package warnings), not the job; it is not carried over.`, `Remove ${name}.`))
    }
  }

  // The spec.
  const registered = a.environment_definition
  const environment: Estimator.Environment = {
    docker: registeredEnvironment || a.use_docker,
    userManagedPython: a.user_managed,
    condaPackages: a.conda_packages ?? [],
    pipPackages: a.pip_packages ?? [],
    ...(conda.file === undefined ? {} : { condaFile: conda.file }),
    ...(pip.file === undefined ? {} : { pipRequirementsFile: pip.file }),
    ...(appliedImage === undefined ? {} : {
      image: registry === null ? { name: appliedImage.name } : {
        name: appliedImage.name,
        registry: {
          address: registry.address,
          ...(registry.username === null ? {} : { username: registry.username }),
          ...(registry.passwordEnv === null ? {} : { password: Secret.fromEnv(registry.passwordEnv) })
        }
      }
    }),
    ...(registered === null ? {} : { registered: registered.version === null ? { name: registered.name } : { name: registered.name, version: registered.version } })
  }
  const spec: Estimator.Estimator = {
    _tag: "Estimator",
    specVersion: Estimator.SPEC_VERSION,
    sourceDirectory: a.source_directory,
    ...(a.entry_script === null ? {} : { entryScript: a.entry_script }),
    arguments: argumentsList,
    compute,
    nodeCount: a.node_count,
    processCountPerNode: layout.processCountPerNode,
    distribution: layout.distribution,
    gpu: a.use_gpu,
    environment,
    environmentVariables: Object.fromEntries(a.environment_variables ?? []),
    secretEnvironmentVariables: {},
    inputs,
    outputs,
    tags: {},
    ...(truthyString(a.shm_size) ? { shmSize: a.shm_size! } : {}),
    ...(a.max_run_duration_seconds === null ? {} : { maxRunDurationSeconds: a.max_run_duration_seconds }),
    ...(resume !== null && resume.kind === "DataPath" ? { resumeFrom: Data.datastorePath(resume.path.datastore, isCurrentDirectory(resume.path.path) ? "" : resume.path.path) } : {}),
    ...(a.source_directory_data_store === null ? {} : { sourceDirectoryDatastore: a.source_directory_data_store }),
    ...(framework === undefined ? {} : { framework })
  }

  origin("sourceDirectory", p("source_directory"))
  origin("entryScript", p("entry_script"))
  origin("command", p("entry_script"))
  origin("arguments", scriptParamsPath)
  origin("nodeCount", p("node_count"))
  origin("processCountPerNode", layout.processOrigin)
  origin("distribution", layout.origin, false)
  origin("gpu", p("use_gpu"))
  origin("environment", argsPath)
  origin("environment.docker", p("use_docker"))
  origin("environment.userManagedPython", p("user_managed"))
  origin("environment.condaPackages", p("conda_packages"))
  origin("environment.pipPackages", p("pip_packages"))
  origin("environment.condaFile", p(conda.used), false)
  origin("environment.pipRequirementsFile", p(pip.used), false)
  if (appliedImage !== undefined) origin("environment.image", p(appliedImage.param), false)
  origin("environment.image.registry", p("image_registry_details"))
  origin("environment.registered", p("environment_definition"))
  origin("environmentVariables", p("environment_variables"))
  origin("shmSize", p("shm_size"))
  origin("maxRunDurationSeconds", p("max_run_duration_seconds"))
  origin("resumeFrom", p("resume_from"), false)
  origin("inputs.MODEL_LOCATION", p("resume_from"), false)
  origin("sourceDirectoryDatastore", p("source_directory_data_store"), false)
  origin("framework", p("framework_version"), false)
  origin("inputs", argsPath, false)
  origin("outputs", argsPath, false)

  return { spec, issues, origins }
}

const describeLayout = (layout: Layout): string => {
  const d = layout.distribution
  switch (d._tag) {
    case "None":
      return "no distribution"
    case "Mpi":
      return `MPI with ${layout.processCountPerNode} process(es) per node`
    case "PyTorch":
      return `torch.distributed with ${d.backend}`
    case "TensorFlow":
      return `parameter servers with ${d.workerCount} worker(s) and ${d.parameterServerCount} parameter server(s)`
  }
}

const trainingLayout = (
  training: DistributedArg,
  nodeCount: number,
  at: string,
  cls: Decoded["cls"],
  issues: Array<Validation.Issue>
): Layout | undefined => {
  const ignoredNodeCount = (value: number | null) => {
    if (value !== null && value !== nodeCount) {
      issues.push(warning(key(at, "node_count"), "v1-parameter-ignored", `${training.type}.node_count=${value} has no effect: as in v1, the estimator's node_count (${nodeCount}) decides.`, "Remove it, or set the estimator's node_count."))
    }
  }
  switch (training.type) {
    case "Mpi":
      return { distribution: { _tag: "Mpi" }, processCountPerNode: training.processCountPerNode, origin: at, processOrigin: key(at, "process_count_per_node") }
    case "MpiConfiguration":
      ignoredNodeCount(training.nodeCount)
      return { distribution: { _tag: "Mpi" }, processCountPerNode: training.processCountPerNode, origin: at, processOrigin: key(at, "process_count_per_node") }
    case "ParameterServer":
    case "TensorflowConfiguration":
      if (training.type === "TensorflowConfiguration" && cls !== "TensorFlow") honoured(issues, at, cls, "TensorflowConfiguration")
      return { distribution: { _tag: "TensorFlow", workerCount: training.workerCount, parameterServerCount: training.parameterServerCount }, processCountPerNode: 1, origin: at, processOrigin: at }
    case "Gloo":
    case "Nccl":
      return { distribution: { _tag: "PyTorch", backend: training.type === "Gloo" ? "gloo" : "nccl" }, processCountPerNode: 1, origin: at, processOrigin: at }
    case "PyTorchConfiguration": {
      honoured(issues, at, cls, "PyTorchConfiguration")
      ignoredNodeCount(training.nodeCount)
      let perNode = 1
      if (training.processCount !== null) {
        if (nodeCount < 1 || training.processCount % nodeCount !== 0 || training.processCount < nodeCount) {
          issues.push(error(key(at, "process_count"), "v1-invalid-process-count", `process_count=${training.processCount} cannot be spread evenly over node_count=${nodeCount} nodes.`, "Make process_count a multiple of node_count (process_count = node_count × processes per node)."))
        } else {
          perNode = training.processCount / nodeCount
        }
      }
      return { distribution: { _tag: "PyTorch", backend: training.backend }, processCountPerNode: perNode, origin: at, processOrigin: training.processCount === null ? at : key(at, "process_count") }
    }
  }
}

const honoured = (issues: Array<Validation.Issue>, at: string, cls: Decoded["cls"], type: string) =>
  issues.push(warning(
    key(at, "type"),
    "v1-distributed-training-honoured",
    `v1's ${cls} estimator ignored a ${type} in distributed_training (no branch handled it, so the job ran without that distribution); the import applies it, since that is what the call asks for.`,
    `Check that the job expects this distribution; ${type} belongs to ScriptRunConfig's distributed_job_config in v1.`
  ))
