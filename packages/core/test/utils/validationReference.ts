/**
 * The rules of `Validation.validate` as they were first written (one straightforward pass per rule
 * over the spec's fields), kept as the reference that the faster implementation must agree with.
 */
import type * as Data from "../../src/Data.js"
import type * as EstimatorModel from "../../src/Estimator.js"
import * as Framework from "../../src/Framework.js"
import type { Issue } from "../../src/Validation.js"

const error = (path: string, code: string, message: string, hint?: string): Issue =>
  hint === undefined ? { path, code, message, severity: "error" } : { path, code, message, hint, severity: "error" }

const warning = (path: string, code: string, message: string, hint?: string): Issue =>
  hint === undefined ? { path, code, message, severity: "warning" } : { path, code, message, hint, severity: "warning" }

/** A rule adds the issues it finds to `issues`, in a stable order. */
type Rule = (spec: EstimatorModel.Estimator, issues: Array<Issue>) => void

const isPositiveInteger = (n: number): boolean => Number.isInteger(n) && n > 0

const SHM_SIZE = /^\d+[bBkKmMgG]$/
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/
const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/
const COMMAND_REFERENCE = /\$\{\{\s*(inputs|outputs)\.([^\s}]+)\s*\}\}/g
const RESERVED_ENV_PREFIX = "ESTIMATOR_"
const hasOwn = Object.prototype.hasOwnProperty

const positiveInteger = (issues: Array<Issue>, path: string, value: number, what: string, v1Message: string): void => {
  if (!isPositiveInteger(value)) {
    issues.push(error(path, "not-positive-integer", `${path} is ${value}: ${v1Message} ${what} must be a whole number of at least 1.`, `Set ${path} to 1 or more.`))
  }
}

const entryRule: Rule = (spec, issues) => {
  const hasScript = spec.entryScript !== undefined
  const hasCommand = spec.command !== undefined
  if (hasScript && hasCommand) {
    issues.push(error("command", "entry-conflict", "Both entryScript and command are set: a job runs one or the other.", "Remove command to run the entry script with its arguments, or remove entryScript to run the command."))
    return
  }
  if (!hasScript && !hasCommand) {
    issues.push(error("entryScript", "entry-missing", "Neither entryScript nor command is set: the job has nothing to run.", "Set entryScript to the Python script to run (relative to sourceDirectory), or command to a shell command."))
    return
  }
  if (spec.entryScript !== undefined) {
    const script = spec.entryScript
    if (script.trim() === "") {
      issues.push(error("entryScript", "entry-script-empty", "entryScript is empty.", "Set entryScript to the script's path relative to sourceDirectory, e.g. \"train.py\"."))
    } else if (script.startsWith("-")) {
      issues.push(error("entryScript", "entry-script-option", `entryScript "${script}" starts with "-", so the interpreter would read it as an option.`, `Give it as "./${script}", or rename the script.`))
    } else if (script.startsWith("/") || (script.includes("..") && script.split(/[\\/]/).includes(".."))) {
      issues.push(error("entryScript", "entry-script-outside-source", `entryScript "${script}" is not inside the source directory: only the source directory is snapshotted and shipped.`, "Give the script's path relative to sourceDirectory, without a leading / or ../ segments."))
    }
  }
  if (spec.command !== undefined && spec.command.trim() === "") {
    issues.push(error("command", "command-empty", "command is empty.", "Set command to the shell command to run, or use entryScript instead."))
  }
  if (spec.command !== undefined && spec.arguments.length > 0) {
    issues.push(error("arguments", "arguments-with-command", "arguments are set but the job runs a command, which does not take them.", "Write the arguments into command (use ${{inputs.name}} for inputs), or run an entryScript instead."))
  }
}

const sourceDirectoryRule: Rule = (spec, issues) => {
  if (spec.sourceDirectory.trim() === "") {
    issues.push(error("sourceDirectory", "source-directory-empty", "sourceDirectory is empty.", "Set sourceDirectory to the folder with the training code (\".\" for the current folder)."))
  }
}

const layoutRule: Rule = (spec, issues) => {
  positiveInteger(issues, "nodeCount", spec.nodeCount, "The node count", "Node count should be at least 1.")
  positiveInteger(issues, "processCountPerNode", spec.processCountPerNode, "The process count per node", "Process count per node should be at least 1.")
  const distribution = spec.distribution
  if (distribution._tag === "None" && (spec.nodeCount > 1 || spec.processCountPerNode > 1)) {
    issues.push(error(
      "distribution",
      "distribution-required",
      `nodeCount is ${spec.nodeCount} and processCountPerNode is ${spec.processCountPerNode} but no distribution is set: more than one process needs a launcher ('distributed_backend' or 'distributed_training' must be specified when node_count > 1 or process_count_per_node > 1).`,
      "Add withMpi(nodes, processesPerNode), withPyTorchDistribution({...}) or withTensorFlow(workers, parameterServers), or set nodeCount and processCountPerNode back to 1."
    ))
  }
  if (distribution._tag === "TensorFlow") {
    if (!isPositiveInteger(distribution.workerCount)) {
      issues.push(error("distribution.workerCount", "not-positive-integer", `distribution.workerCount is ${distribution.workerCount}: a parameter-server job needs at least one worker.`, "Set workerCount to 1 or more."))
    }
    if (!(Number.isInteger(distribution.parameterServerCount) && distribution.parameterServerCount >= 0)) {
      issues.push(error("distribution.parameterServerCount", "not-non-negative-integer", `distribution.parameterServerCount is ${distribution.parameterServerCount}: it must be a whole number of 0 or more.`, "Set parameterServerCount to 0 or more."))
    }
    if (spec.processCountPerNode > 1) {
      issues.push(error("processCountPerNode", "processes-per-node-with-tensorflow", `processCountPerNode is ${spec.processCountPerNode}, but parameter-server TensorFlow runs one task per process and counts tasks with workerCount and parameterServerCount.`, "Set processCountPerNode to 1 and size the job with withTensorFlow(workers, parameterServers)."))
    }
  }
  if (spec.nodeCount > 1 && spec.compute._tag === "Local") {
    issues.push(error("nodeCount", "multi-node-local", `nodeCount is ${spec.nodeCount} but compute is Local: Compute target should be AmlCompute for distributed training (node_count > 1).`, "Use withCompute(cluster(\"<cluster name>\")) or serverless(\"<vm size>\") for multi-node jobs, or set nodeCount to 1 to run on this machine."))
  }
}

const computeRule: Rule = (spec, issues) => {
  const compute = spec.compute
  if (compute._tag === "Cluster" && compute.name.trim() === "") {
    issues.push(error("compute.name", "compute-name-empty", "compute.name is empty.", "Give the name of the Azure ML compute cluster, e.g. cluster(\"cpu-cluster\")."))
  } else if (compute._tag === "Serverless" && compute.vmSize !== undefined && compute.vmSize.trim() === "") {
    issues.push(error("compute.vmSize", "vm-size-empty", "compute.vmSize is empty.", "Give an Azure VM size, e.g. serverless(\"Standard_DS3_v2\")."))
  }
}

const environmentRule: Rule = (spec, issues) => {
  const env = spec.environment
  if (!env.docker && env.image !== undefined) {
    issues.push(error("environment.image", "docker-off-with-image", "environment.image is set but Docker is off: If use_docker parameter is set to false, custom_docker_image or custom_docker_base_image parameter is not allowed.", "Remove withoutDocker to run in the image, or remove the image to run without a container."))
  }
  if (!env.docker && env.build !== undefined) {
    issues.push(error("environment.build", "docker-off-with-build", "environment.build is set but Docker is off: a build context only makes sense for a container.", "Remove withoutDocker, or remove the build context."))
  }
  if (env.image !== undefined && env.build !== undefined) {
    issues.push(error("environment.build", "image-and-build", "Both environment.image and environment.build are set: the image comes either from a name or from a build context.", "Keep one of withImage(...) and withBuildContext(...)."))
  }
  if (env.image !== undefined && env.image.name.trim() === "") {
    issues.push(error("environment.image.name", "image-name-empty", "environment.image.name is empty.", "Give the image name, e.g. \"mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04\"."))
  }
  const registry = env.image?.registry
  if (registry !== undefined && registry.password !== undefined && registry.username === undefined) {
    issues.push(error("environment.image.registry.username", "registry-username-missing", "The registry has a password but no username.", "Add the username of the registry's credentials."))
  }
  if (env.registered !== undefined) {
    const registered = env.registered
    const conflict = (path: string, present: boolean) => {
      if (present) {
        issues.push(error(path, "registered-environment-conflict", `${path} is set together with the registered environment "${registered.name}", which already defines the whole environment (If environment_definition parameter is specified, the following parameters cannot be specified: pip_packages, pip_requirements_file, conda_packages, conda_dependencies_file, custom_docker_image, image_registry_details, user_managed).`, `Remove ${path}, or drop withEnvironmentRef and describe the environment inline.`))
      }
    }
    conflict("environment.pipPackages", env.pipPackages.length > 0)
    conflict("environment.pipRequirementsFile", env.pipRequirementsFile !== undefined)
    conflict("environment.condaPackages", env.condaPackages.length > 0)
    conflict("environment.condaFile", env.condaFile !== undefined)
    conflict("environment.image", env.image !== undefined)
    conflict("environment.build", env.build !== undefined)
    conflict("environment.userManagedPython", env.userManagedPython)
    if (registered.name.trim() === "") {
      issues.push(error("environment.registered.name", "environment-name-empty", "environment.registered.name is empty.", "Give the registered environment's name."))
    }
    if (registered.version !== undefined && registered.label !== undefined) {
      issues.push(error("environment.registered.label", "version-and-label", "environment.registered has both a version and a label.", "Keep either version (a fixed version) or label (e.g. \"latest\")."))
    }
  }
  if (env.condaFile !== undefined) {
    const condaFile = env.condaFile
    const conflict = (path: string, present: boolean) => {
      if (present) {
        issues.push(error(path, "conda-file-conflict", `${path} is set together with environment.condaFile "${condaFile}", which replaces the whole conda specification (If conda_dependencies_file parameter is specified, the following parameters cannot be specified: pip_packages, pip_requirements_file, conda_packages).`, `Move the packages into ${condaFile}, or remove the conda file.`))
      }
    }
    conflict("environment.pipPackages", env.pipPackages.length > 0)
    conflict("environment.pipRequirementsFile", env.pipRequirementsFile !== undefined)
    conflict("environment.condaPackages", env.condaPackages.length > 0)
  }
  if (env.userManagedPython) {
    const conflict = (path: string, present: boolean) => {
      if (present) {
        issues.push(error(path, "user-managed-with-packages", `${path} is set but the Python environment is user-managed, so nothing would install it (If user_managed is True, then conda_packages, conda_dependencies_file, pip_packages or pip_requirements_file cannot be specified).`, `Remove ${path} and install it in the image, or remove withUserManagedPython.`))
      }
    }
    conflict("environment.condaPackages", env.condaPackages.length > 0)
    conflict("environment.condaFile", env.condaFile !== undefined)
    conflict("environment.pipPackages", env.pipPackages.length > 0)
    conflict("environment.pipRequirementsFile", env.pipRequirementsFile !== undefined)
  }
  emptyPackages(issues, "environment.condaPackages", env.condaPackages)
  emptyPackages(issues, "environment.pipPackages", env.pipPackages)
}

const emptyPackages = (issues: Array<Issue>, path: string, list: ReadonlyArray<string>): void => {
  for (let index = 0; index < list.length; index++) {
    if ((list[index] as string).trim() === "") issues.push(error(`${path}[${index}]`, "package-empty", `${path}[${index}] is an empty package name.`, "Remove the empty entry."))
  }
}

const shmSizeRule: Rule = (spec, issues) => {
  if (spec.shmSize !== undefined && !SHM_SIZE.test(spec.shmSize)) {
    issues.push(error("shmSize", "invalid-shm-size", `shmSize "${spec.shmSize}" is not a size: it must be digits followed by a unit b, k, m or g (as Docker's --shm-size).`, "Write it like \"2g\" or \"512m\"."))
  }
}

const durationRule: Rule = (spec, issues) => {
  if (spec.maxRunDurationSeconds !== undefined && !isPositiveInteger(spec.maxRunDurationSeconds)) {
    issues.push(error("maxRunDurationSeconds", "invalid-duration", `maxRunDurationSeconds is ${spec.maxRunDurationSeconds}: a run duration must be a whole number of seconds, at least 1.`, "Set it to the limit in seconds (3600 for an hour), or remove it for no limit."))
  }
}

const variableNames = (issues: Array<Issue>, field: string, variables: object): void => {
  for (const name in variables) {
    if (!hasOwn.call(variables, name)) continue
    if (!IDENTIFIER.test(name)) {
      issues.push(error(`${field}.${name}`, "invalid-env-name", `The environment variable name "${name}" is not valid: names are letters, digits and underscores, not starting with a digit.`, "Rename it, e.g. \"MY_SETTING\"."))
    } else if (name.toUpperCase().startsWith(RESERVED_ENV_PREFIX)) {
      issues.push(error(`${field}.${name}`, "reserved-env-name", `The environment variable "${name}" uses the prefix ESTIMATOR_, which the run contract reserves (ESTIMATOR_RUN_ID, ESTIMATOR_OUTPUT_DIR, ESTIMATOR_INPUT_<NAME>).`, "Choose a name without the ESTIMATOR_ prefix."))
    }
  }
}

const environmentVariablesRule: Rule = (spec, issues) => {
  variableNames(issues, "environmentVariables", spec.environmentVariables)
  const secrets = spec.secretEnvironmentVariables
  variableNames(issues, "secretEnvironmentVariables", secrets)
  for (const name in secrets) {
    if (hasOwn.call(secrets, name) && name in spec.environmentVariables) {
      issues.push(error(`secretEnvironmentVariables.${name}`, "env-name-conflict", `"${name}" is both a plain and a secret environment variable.`, "Keep only one of withEnv and withSecretEnv for this name."))
    }
  }
  for (const name in secrets) {
    if (!hasOwn.call(secrets, name)) continue
    const secret = secrets[name] as EstimatorModel.Estimator["secretEnvironmentVariables"][string]
    if (secret.source === "env" && !IDENTIFIER.test(secret.name)) {
      issues.push(error(`secretEnvironmentVariables.${name}.name`, "invalid-secret-source", `The secret for "${name}" reads the environment variable "${secret.name}", which is not a valid name.`, "Use Secret.fromEnv(\"VARIABLE_NAME\")."))
    }
    if (secret.source === "file" && secret.path.trim() === "") {
      issues.push(error(`secretEnvironmentVariables.${name}.path`, "invalid-secret-source", `The secret for "${name}" reads a file with an empty path.`, "Use Secret.fromFile(\"/path/to/secret\")."))
    }
  }
}

const dataName = (issues: Array<Issue>, kind: "inputs" | "outputs", name: string): void => {
  if (!IDENTIFIER.test(name)) {
    issues.push(error(`${kind}.${name}`, kind === "inputs" ? "invalid-input-name" : "invalid-output-name", `The ${kind === "inputs" ? "input" : "output"} name "${name}" is not valid: names are letters, digits and underscores, not starting with a digit (they become \${{${kind}.${name}}} and ESTIMATOR_${kind === "inputs" ? "INPUT" : "OUTPUT"}_<NAME>).`, "Rename it, e.g. \"training_data\"."))
  }
}

const collisions = (issues: Array<Issue>, names: ReadonlyArray<string>, kind: string): void => {
  if (names.length < 2) return
  const seen = new Map<string, string>()
  for (const name of names) {
    const upper = name.toUpperCase()
    const other = seen.get(upper)
    if (other !== undefined) {
      issues.push(error(`${kind}.${name}`, "name-collision", `The ${kind} "${other}" and "${name}" differ only in case, so they would share the environment variable for their path.`, "Rename one of them."))
    }
    seen.set(upper, name)
  }
}

const dataRule: Rule = (spec, issues) => {
  const inputNames = Object.keys(spec.inputs)
  const outputNames = Object.keys(spec.outputs)
  for (const name of inputNames) dataName(issues, "inputs", name)
  for (const name of outputNames) dataName(issues, "outputs", name)
  collisions(issues, inputNames, "inputs")
  collisions(issues, outputNames, "outputs")
  for (const name of inputNames) {
    const input = spec.inputs[name] as Data.Input
    if (input._tag === "Data") sourceIssues(issues, `inputs.${name}.source`, input.source)
  }
  if (spec.resumeFrom !== undefined && "MODEL_LOCATION" in spec.inputs) {
    issues.push(error("inputs.MODEL_LOCATION", "resume-from-input-conflict", "resumeFrom adds the input MODEL_LOCATION, but an input of that name already exists.", "Rename the input MODEL_LOCATION, or remove resumeFrom."))
  }
  const isKnown = (kind: "inputs" | "outputs", name: string): boolean =>
    kind === "inputs"
      ? inputNames.includes(name) || (spec.resumeFrom !== undefined && name === "MODEL_LOCATION")
      : outputNames.includes(name)
  const args = spec.arguments
  for (let index = 0; index < args.length; index++) {
    const argument = args[index]
    if (typeof argument === "object") {
      const kind = argument._tag === "InputRef" ? "inputs" : "outputs"
      if (!isKnown(kind, argument.name)) {
        issues.push(error(`arguments[${index}]`, kind === "inputs" ? "unknown-input-reference" : "unknown-output-reference", `arguments[${index}] refers to the ${kind === "inputs" ? "input" : "output"} "${argument.name}", which is not defined.`, `Add it with ${kind === "inputs" ? "withInput" : "withOutput"}("${argument.name}", ...), or fix the name.`))
      }
    }
  }
  if (spec.command !== undefined && spec.command.includes("${{")) {
    for (const match of spec.command.matchAll(COMMAND_REFERENCE)) {
      const kind = match[1] as "inputs" | "outputs"
      const name = match[2] ?? ""
      if (!isKnown(kind, name)) {
        issues.push(error("command", kind === "inputs" ? "unknown-input-reference" : "unknown-output-reference", `command refers to \${{${kind}.${name}}}, which is not defined.`, `Add it with ${kind === "inputs" ? "withInput" : "withOutput"}("${name}", ...), or fix the name.`))
      }
    }
  }
}

const sourceIssues = (issues: Array<Issue>, path: string, source: Data.DataSource): void => {
  switch (source._tag) {
    case "Datastore":
      if (source.datastore.trim() === "") issues.push(error(`${path}.datastore`, "datastore-empty", "The datastore name is empty.", "Give the datastore's name, e.g. \"workspaceblobstore\"."))
      return
    case "DataAsset":
      if (source.version !== undefined && source.label !== undefined) issues.push(error(`${path}.label`, "version-and-label", "The data asset has both a version and a label.", "Keep either version or label."))
      return
    case "Uri":
      if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(source.uri)) issues.push(error(`${path}.uri`, "invalid-uri", `"${source.uri}" is not a URI (it has no scheme such as https: or azureml:).`, "Use fromLocal(path) for a local path, or give the full URI."))
      return
    case "LocalPath":
      if (source.path.trim() === "") issues.push(error(`${path}.path`, "local-path-empty", "The local path is empty.", "Give the file or folder's path."))
      return
  }
}

const jobName = (issues: Array<Issue>, field: "name" | "experimentName", value: string | undefined): void => {
  if (value !== undefined && !JOB_NAME.test(value)) {
    issues.push(error(field, `invalid-${field === "name" ? "job-name" : "experiment-name"}`, `${field} "${value}" is not valid: Azure ML names start with a letter or digit and contain only letters, digits, '-' and '_' (at most 255 characters).`, `Rename it, e.g. "${value.replace(/[^A-Za-z0-9_-]/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "job-1"}".`))
  }
}

const namesRule: Rule = (spec, issues) => {
  jobName(issues, "name", spec.name)
  jobName(issues, "experimentName", spec.experimentName)
  for (const key in spec.tags) {
    if (hasOwn.call(spec.tags, key) && key.trim() === "") issues.push(error("tags", "tag-key-empty", "A tag has an empty name.", "Give every tag a name."))
  }
  if (spec.sourceDirectoryDatastore !== undefined && spec.sourceDirectoryDatastore.trim() === "") {
    issues.push(error("sourceDirectoryDatastore", "datastore-empty", "sourceDirectoryDatastore is empty.", "Give the datastore's name, or remove it."))
  }
  // In JavaScript `object["__proto__"] = value` sets a prototype instead of an entry, so every
  // program that copied such a name would silently lose it.
  const named = { environmentVariables: spec.environmentVariables, secretEnvironmentVariables: spec.secretEnvironmentVariables, inputs: spec.inputs, outputs: spec.outputs, tags: spec.tags }
  for (const [field, entries] of Object.entries(named)) {
    if (hasOwn.call(entries, "__proto__")) {
      issues.push(error(`${field}.__proto__`, "reserved-name", `The name "__proto__" in ${field} is reserved: JavaScript tools, this one included, cannot keep an entry of that name.`, "Choose another name."))
    }
  }
}

const frameworkRule: Rule = (spec, issues) => {
  const framework = spec.framework
  if (framework === undefined) return
  const name = framework.name
  const supported = Framework.supportedVersions[name]
  if (!Framework.isSupportedVersion(name, framework.version)) {
    issues.push(error(
      "framework.version",
      "unsupported-framework-version",
      `${name} ${framework.version} is not currently supported by the ${name} estimator. Check https://docs.microsoft.com/python/api/azureml-train-core/azureml.train.dnn?view=azure-ml-py for all supported versions. To use ${name} ${framework.version}, switch to the generic Estimator class for your experiment.`,
      `Use one of ${supported.join(", ")}, or drop the framework preset and install ${name} ${framework.version} yourself (withPip / withCondaFile / withImage).`
    ))
  } else if (framework.versionDefaulted === true && !spec.environment.userManagedPython && supported.length > 1) {
    issues.push(warning("framework.version", "framework-version-defaulted", `framework_version is not specified, defaulting to version ${framework.version}.`, `Pin the version, e.g. ${name.toLowerCase()}("${framework.version}"); supported: ${supported.join(", ")}.`))
  }
  const distribution = spec.distribution
  if (name === "SKLearn") {
    if (spec.gpu) {
      issues.push(error("gpu", "sklearn-gpu", "gpu is set but the SKLearn estimator only supports single-node CPU training.", "Remove withGpu, or use another framework (or none) for GPU training."))
    }
    if (distribution._tag !== "None" || spec.nodeCount > 1 || spec.processCountPerNode > 1) {
      issues.push(error("distribution", "sklearn-distributed", "The job is distributed but the SKLearn estimator only supports single-node CPU training.", "Remove the distribution and set nodeCount and processCountPerNode to 1, or use the generic estimator (no framework)."))
    }
  } else if (distribution._tag !== "None" && !Framework.allowedDistributions[name].includes(distribution._tag)) {
    const v1Type = distribution._tag === "TensorFlow" ? "ParameterServer" : distribution._tag === "PyTorch" ? (distribution.backend === "gloo" ? "Gloo" : "Nccl") : "Mpi"
    const frameworks = Framework.names.filter((n) => Framework.allowedDistributions[n].includes(distribution._tag))
    issues.push(error(
      "distribution",
      "distribution-not-supported-by-framework",
      `${name} does not support ${distribution._tag} distribution: Unsupported framework for ${v1Type} distributed training type. Supported frameworks are: ${[...frameworks.map((n) => n.toLowerCase()), "estimator"].join(", ")}.`,
      `Use one of ${Framework.allowedDistributions[name].join(", ")} with ${name}, or drop the framework preset.`
    ))
  }
  if (spec.environment.condaFile !== undefined || spec.environment.registered !== undefined) {
    const field = spec.environment.registered !== undefined ? "environment.registered" : "environment.condaFile"
    issues.push(warning(field, "framework-packages-not-installed", `If environment_definition or conda_dependencies_file is specified, Azure ML will not install any framework related packages on behalf of the user: ${name} ${framework.version} must be in ${field === "environment.registered" ? "the registered environment" : "the conda file"}.`, `Make sure ${name} is listed there, or remove the framework preset.`))
  }
}

const NUL = "\u0000"

/** A NUL byte cannot pass through an argv or an environment block: the OS would cut the string there. */
const nulRule: Rule = (spec, issues) => {
  const fix = "Remove the NUL character (\\0): no process can receive it."
  const args = spec.arguments
  for (let index = 0; index < args.length; index++) {
    const argument = args[index]
    if (typeof argument === "string" && argument.includes(NUL)) issues.push(error(`arguments[${index}]`, "nul-character", `arguments[${index}] contains a NUL character, which would cut the argument short.`, fix))
  }
  const variables = spec.environmentVariables
  for (const name in variables) {
    if (hasOwn.call(variables, name) && (variables[name] as string).includes(NUL)) issues.push(error(`environmentVariables.${name}`, "nul-character", `The value of ${name} contains a NUL character, which would cut it short.`, fix))
  }
  const inputs = spec.inputs
  for (const name in inputs) {
    if (!hasOwn.call(inputs, name)) continue
    const input = inputs[name] as Data.Input
    if (input._tag === "Literal" && typeof input.value === "string" && input.value.includes(NUL)) issues.push(error(`inputs.${name}.value`, "nul-character", `The literal input ${name} contains a NUL character, which would cut it short.`, fix))
  }
  if (spec.entryScript?.includes(NUL)) issues.push(error("entryScript", "nul-character", "entryScript contains a NUL character.", fix))
  if (spec.command?.includes(NUL)) issues.push(error("command", "nul-character", "command contains a NUL character.", fix))
}

const rules: ReadonlyArray<Rule> = [
  nulRule,
  sourceDirectoryRule,
  entryRule,
  computeRule,
  layoutRule,
  environmentRule,
  shmSizeRule,
  durationRule,
  environmentVariablesRule,
  dataRule,
  namesRule,
  frameworkRule
]

export const validate = (spec: EstimatorModel.Estimator): ReadonlyArray<Issue> => {
  const issues: Array<Issue> = []
  for (const rule of rules) rule(spec, issues)
  return issues
}
