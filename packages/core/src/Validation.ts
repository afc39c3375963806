/**
 * `validate` checks a decoded spec against every field rule and every cross-field rule of the
 * Azure ML SDK v1 estimators that still has a meaning in the spec, and returns **all** issues at
 * once, errors and warnings, each with the path of the field, a stable code, a message that says
 * what is wrong and why, and a hint that says how to fix it. Pure: no IO.
 *
 * v1 rules that are not carried over, and why: "either compute target or VM size" (a spec always
 * has a compute; it defaults to `Local`), HDInsight targets (not modelled), `use_gpu`,
 * `shm_size` and `environment_variables` next to `environment_definition` (in the spec they are
 * run settings that every backend applies on top of a registered environment, as Azure ML v2 does).
 *
 * @since 0.1.0
 */
import type * as Data from "./Data.js"
import type * as EstimatorModel from "./Estimator.js"
import * as Framework from "./Framework.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * @category models
 * @since 0.1.0
 */
export type Severity = "error" | "warning"

/**
 * One problem with a spec. `path` is the JSON path of the field (`environment.condaFile`,
 * `inputs.mnist`, `arguments[3]`); `code` is stable and meant for tools and tests.
 *
 * @category models
 * @since 0.1.0
 */
export interface Issue {
  readonly path: string
  readonly code: string
  readonly message: string
  readonly hint?: string
  readonly severity: Severity
}

// -------------------------------------------------------------------------------------
// rules
// -------------------------------------------------------------------------------------

const error = (path: string, code: string, message: string, hint?: string): Issue =>
  hint === undefined ? { path, code, message, severity: "error" } : { path, code, message, hint, severity: "error" }

const warning = (path: string, code: string, message: string, hint?: string): Issue =>
  hint === undefined ? { path, code, message, severity: "warning" } : { path, code, message, hint, severity: "warning" }

type Rule = (spec: EstimatorModel.Estimator) => ReadonlyArray<Issue>

const isPositiveInteger = (n: number): boolean => Number.isInteger(n) && n > 0

const SHM_SIZE = /^\d+[bBkKmMgG]$/
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/
const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/
const COMMAND_REFERENCE = /\$\{\{\s*(inputs|outputs)\.([^\s}]+)\s*\}\}/g
const RESERVED_ENV_PREFIX = "ESTIMATOR_"

const positiveInteger = (path: string, value: number, what: string, v1Message: string): ReadonlyArray<Issue> =>
  isPositiveInteger(value)
    ? []
    : [error(path, "not-positive-integer", `${path} is ${value}: ${v1Message} ${what} must be a whole number of at least 1.`, `Set ${path} to 1 or more.`)]

const entryRule: Rule = (spec) => {
  const hasScript = spec.entryScript !== undefined
  const hasCommand = spec.command !== undefined
  if (hasScript && hasCommand) {
    return [error("command", "entry-conflict", "Both entryScript and command are set: a job runs one or the other.", "Remove command to run the entry script with its arguments, or remove entryScript to run the command.")]
  }
  if (!hasScript && !hasCommand) {
    return [error("entryScript", "entry-missing", "Neither entryScript nor command is set: the job has nothing to run.", "Set entryScript to the Python script to run (relative to sourceDirectory), or command to a shell command.")]
  }
  const issues: Array<Issue> = []
  if (spec.entryScript !== undefined) {
    const script = spec.entryScript
    if (script.trim() === "") {
      issues.push(error("entryScript", "entry-script-empty", "entryScript is empty.", "Set entryScript to the script's path relative to sourceDirectory, e.g. \"train.py\"."))
    } else if (script.startsWith("-")) {
      issues.push(error("entryScript", "entry-script-option", `entryScript "${script}" starts with "-", so the interpreter would read it as an option.`, `Give it as "./${script}", or rename the script.`))
    } else if (script.startsWith("/") || script.split(/[\\/]/).includes("..")) {
      issues.push(error("entryScript", "entry-script-outside-source", `entryScript "${script}" is not inside the source directory: only the source directory is snapshotted and shipped.`, "Give the script's path relative to sourceDirectory, without a leading / or ../ segments."))
    }
  }
  if (spec.command !== undefined && spec.command.trim() === "") {
    issues.push(error("command", "command-empty", "command is empty.", "Set command to the shell command to run, or use entryScript instead."))
  }
  if (spec.command !== undefined && spec.arguments.length > 0) {
    issues.push(error("arguments", "arguments-with-command", "arguments are set but the job runs a command, which does not take them.", "Write the arguments into command (use ${{inputs.name}} for inputs), or run an entryScript instead."))
  }
  return issues
}

const sourceDirectoryRule: Rule = (spec) =>
  spec.sourceDirectory.trim() === ""
    ? [error("sourceDirectory", "source-directory-empty", "sourceDirectory is empty.", "Set sourceDirectory to the folder with the training code (\".\" for the current folder).")]
    : []

const layoutRule: Rule = (spec) => {
  const issues: Array<Issue> = [
    ...positiveInteger("nodeCount", spec.nodeCount, "The node count", "Node count should be at least 1."),
    ...positiveInteger("processCountPerNode", spec.processCountPerNode, "The process count per node", "Process count per node should be at least 1.")
  ]
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
  return issues
}

const computeRule: Rule = (spec) => {
  const compute = spec.compute
  if (compute._tag === "Cluster" && compute.name.trim() === "") {
    return [error("compute.name", "compute-name-empty", "compute.name is empty.", "Give the name of the Azure ML compute cluster, e.g. cluster(\"cpu-cluster\").")]
  }
  if (compute._tag === "Serverless" && compute.vmSize !== undefined && compute.vmSize.trim() === "") {
    return [error("compute.vmSize", "vm-size-empty", "compute.vmSize is empty.", "Give an Azure VM size, e.g. serverless(\"Standard_DS3_v2\").")]
  }
  return []
}

const environmentRule: Rule = (spec) => {
  const env = spec.environment
  const issues: Array<Issue> = []
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
    const conflicts: ReadonlyArray<readonly [string, boolean]> = [
      ["environment.pipPackages", env.pipPackages.length > 0],
      ["environment.pipRequirementsFile", env.pipRequirementsFile !== undefined],
      ["environment.condaPackages", env.condaPackages.length > 0],
      ["environment.condaFile", env.condaFile !== undefined],
      ["environment.image", env.image !== undefined],
      ["environment.build", env.build !== undefined],
      ["environment.userManagedPython", env.userManagedPython]
    ]
    for (const [path, present] of conflicts) {
      if (present) {
        issues.push(error(path, "registered-environment-conflict", `${path} is set together with the registered environment "${env.registered.name}", which already defines the whole environment (If environment_definition parameter is specified, the following parameters cannot be specified: pip_packages, pip_requirements_file, conda_packages, conda_dependencies_file, custom_docker_image, image_registry_details, user_managed).`, `Remove ${path}, or drop withEnvironmentRef and describe the environment inline.`))
      }
    }
    if (env.registered.name.trim() === "") {
      issues.push(error("environment.registered.name", "environment-name-empty", "environment.registered.name is empty.", "Give the registered environment's name."))
    }
    if (env.registered.version !== undefined && env.registered.label !== undefined) {
      issues.push(error("environment.registered.label", "version-and-label", "environment.registered has both a version and a label.", "Keep either version (a fixed version) or label (e.g. \"latest\")."))
    }
  }
  if (env.condaFile !== undefined) {
    const conflicts: ReadonlyArray<readonly [string, boolean]> = [
      ["environment.pipPackages", env.pipPackages.length > 0],
      ["environment.pipRequirementsFile", env.pipRequirementsFile !== undefined],
      ["environment.condaPackages", env.condaPackages.length > 0]
    ]
    for (const [path, present] of conflicts) {
      if (present) {
        issues.push(error(path, "conda-file-conflict", `${path} is set together with environment.condaFile "${env.condaFile}", which replaces the whole conda specification (If conda_dependencies_file parameter is specified, the following parameters cannot be specified: pip_packages, pip_requirements_file, conda_packages).`, `Move the packages into ${env.condaFile}, or remove the conda file.`))
      }
    }
  }
  if (env.userManagedPython) {
    const conflicts: ReadonlyArray<readonly [string, boolean]> = [
      ["environment.condaPackages", env.condaPackages.length > 0],
      ["environment.condaFile", env.condaFile !== undefined],
      ["environment.pipPackages", env.pipPackages.length > 0],
      ["environment.pipRequirementsFile", env.pipRequirementsFile !== undefined]
    ]
    for (const [path, present] of conflicts) {
      if (present) {
        issues.push(error(path, "user-managed-with-packages", `${path} is set but the Python environment is user-managed, so nothing would install it (If user_managed is True, then conda_packages, conda_dependencies_file, pip_packages or pip_requirements_file cannot be specified).`, `Remove ${path} and install it in the image, or remove withUserManagedPython.`))
      }
    }
  }
  const packageLists = [["environment.condaPackages", env.condaPackages], ["environment.pipPackages", env.pipPackages]] as const
  for (const [path, list] of packageLists) {
    list.forEach((name, index) => {
      if (name.trim() === "") issues.push(error(`${path}[${index}]`, "package-empty", `${path}[${index}] is an empty package name.`, "Remove the empty entry."))
    })
  }
  return issues
}

const shmSizeRule: Rule = (spec) =>
  spec.shmSize === undefined || SHM_SIZE.test(spec.shmSize)
    ? []
    : [error("shmSize", "invalid-shm-size", `shmSize "${spec.shmSize}" is not a size: it must be digits followed by a unit b, k, m or g (as Docker's --shm-size).`, "Write it like \"2g\" or \"512m\".")]

const durationRule: Rule = (spec) =>
  spec.maxRunDurationSeconds === undefined || isPositiveInteger(spec.maxRunDurationSeconds)
    ? []
    : [error("maxRunDurationSeconds", "invalid-duration", `maxRunDurationSeconds is ${spec.maxRunDurationSeconds}: a run duration must be a whole number of seconds, at least 1.`, "Set it to the limit in seconds (3600 for an hour), or remove it for no limit.")]

const environmentVariablesRule: Rule = (spec) => {
  const issues: Array<Issue> = []
  const check = (field: string, names: ReadonlyArray<string>) => {
    for (const name of names) {
      const path = `${field}.${name}`
      if (!IDENTIFIER.test(name)) {
        issues.push(error(path, "invalid-env-name", `The environment variable name "${name}" is not valid: names are letters, digits and underscores, not starting with a digit.`, "Rename it, e.g. \"MY_SETTING\"."))
      } else if (name.toUpperCase().startsWith(RESERVED_ENV_PREFIX)) {
        issues.push(error(path, "reserved-env-name", `The environment variable "${name}" uses the prefix ESTIMATOR_, which the run contract reserves (ESTIMATOR_RUN_ID, ESTIMATOR_OUTPUT_DIR, ESTIMATOR_INPUT_<NAME>).`, "Choose a name without the ESTIMATOR_ prefix."))
      }
    }
  }
  check("environmentVariables", Object.keys(spec.environmentVariables))
  check("secretEnvironmentVariables", Object.keys(spec.secretEnvironmentVariables))
  for (const name of Object.keys(spec.secretEnvironmentVariables)) {
    if (name in spec.environmentVariables) {
      issues.push(error(`secretEnvironmentVariables.${name}`, "env-name-conflict", `"${name}" is both a plain and a secret environment variable.`, "Keep only one of withEnv and withSecretEnv for this name."))
    }
  }
  for (const [name, secret] of Object.entries(spec.secretEnvironmentVariables)) {
    if (secret.source === "env" && !IDENTIFIER.test(secret.name)) {
      issues.push(error(`secretEnvironmentVariables.${name}.name`, "invalid-secret-source", `The secret for "${name}" reads the environment variable "${secret.name}", which is not a valid name.`, "Use Secret.fromEnv(\"VARIABLE_NAME\")."))
    }
    if (secret.source === "file" && secret.path.trim() === "") {
      issues.push(error(`secretEnvironmentVariables.${name}.path`, "invalid-secret-source", `The secret for "${name}" reads a file with an empty path.`, "Use Secret.fromFile(\"/path/to/secret\")."))
    }
  }
  return issues
}

const dataRule: Rule = (spec) => {
  const issues: Array<Issue> = []
  const checkName = (kind: "inputs" | "outputs", name: string) => {
    if (!IDENTIFIER.test(name)) {
      issues.push(error(`${kind}.${name}`, kind === "inputs" ? "invalid-input-name" : "invalid-output-name", `The ${kind === "inputs" ? "input" : "output"} name "${name}" is not valid: names are letters, digits and underscores, not starting with a digit (they become \${{${kind}.${name}}} and ESTIMATOR_${kind === "inputs" ? "INPUT" : "OUTPUT"}_<NAME>).`, "Rename it, e.g. \"training_data\"."))
    }
  }
  const inputNames = Object.keys(spec.inputs)
  const outputNames = Object.keys(spec.outputs)
  inputNames.forEach((name) => checkName("inputs", name))
  outputNames.forEach((name) => checkName("outputs", name))
  const collisions = (names: ReadonlyArray<string>, kind: string) => {
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
  collisions(inputNames, "inputs")
  collisions(outputNames, "outputs")
  for (const [name, input] of Object.entries(spec.inputs)) {
    if (input._tag === "Data") issues.push(...sourceIssues(`inputs.${name}.source`, input.source))
  }
  if (spec.resumeFrom !== undefined && "MODEL_LOCATION" in spec.inputs) {
    issues.push(error("inputs.MODEL_LOCATION", "resume-from-input-conflict", "resumeFrom adds the input MODEL_LOCATION, but an input of that name already exists.", "Rename the input MODEL_LOCATION, or remove resumeFrom."))
  }
  const known = { inputs: new Set([...inputNames, ...(spec.resumeFrom === undefined ? [] : ["MODEL_LOCATION"])]), outputs: new Set(outputNames) }
  spec.arguments.forEach((argument, index) => {
    if (typeof argument === "object") {
      const kind = argument._tag === "InputRef" ? "inputs" : "outputs"
      if (!known[kind].has(argument.name)) {
        issues.push(error(`arguments[${index}]`, kind === "inputs" ? "unknown-input-reference" : "unknown-output-reference", `arguments[${index}] refers to the ${kind === "inputs" ? "input" : "output"} "${argument.name}", which is not defined.`, `Add it with ${kind === "inputs" ? "withInput" : "withOutput"}("${argument.name}", ...), or fix the name.`))
      }
    }
  })
  if (spec.command !== undefined) {
    for (const match of spec.command.matchAll(COMMAND_REFERENCE)) {
      const kind = match[1] as "inputs" | "outputs"
      const name = match[2] ?? ""
      if (!known[kind].has(name)) {
        issues.push(error("command", kind === "inputs" ? "unknown-input-reference" : "unknown-output-reference", `command refers to \${{${kind}.${name}}}, which is not defined.`, `Add it with ${kind === "inputs" ? "withInput" : "withOutput"}("${name}", ...), or fix the name.`))
      }
    }
  }
  return issues
}

const sourceIssues = (path: string, source: Data.DataSource): ReadonlyArray<Issue> => {
  switch (source._tag) {
    case "Datastore":
      return source.datastore.trim() === ""
        ? [error(`${path}.datastore`, "datastore-empty", "The datastore name is empty.", "Give the datastore's name, e.g. \"workspaceblobstore\".")]
        : []
    case "DataAsset":
      return source.version !== undefined && source.label !== undefined
        ? [error(`${path}.label`, "version-and-label", "The data asset has both a version and a label.", "Keep either version or label.")]
        : []
    case "Uri":
      return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(source.uri)
        ? []
        : [error(`${path}.uri`, "invalid-uri", `"${source.uri}" is not a URI (it has no scheme such as https: or azureml:).`, "Use fromLocal(path) for a local path, or give the full URI.")]
    case "LocalPath":
      return source.path.trim() === ""
        ? [error(`${path}.path`, "local-path-empty", "The local path is empty.", "Give the file or folder's path.")]
        : []
  }
}

const namesRule: Rule = (spec) => {
  const issues: Array<Issue> = []
  const check = (field: "name" | "experimentName", value: string | undefined) => {
    if (value !== undefined && !JOB_NAME.test(value)) {
      issues.push(error(field, `invalid-${field === "name" ? "job-name" : "experiment-name"}`, `${field} "${value}" is not valid: Azure ML names start with a letter or digit and contain only letters, digits, '-' and '_' (at most 255 characters).`, `Rename it, e.g. "${value.replace(/[^A-Za-z0-9_-]/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "job-1"}".`))
    }
  }
  check("name", spec.name)
  check("experimentName", spec.experimentName)
  for (const key of Object.keys(spec.tags)) {
    if (key.trim() === "") issues.push(error("tags", "tag-key-empty", "A tag has an empty name.", "Give every tag a name."))
  }
  if (spec.sourceDirectoryDatastore !== undefined && spec.sourceDirectoryDatastore.trim() === "") {
    issues.push(error("sourceDirectoryDatastore", "datastore-empty", "sourceDirectoryDatastore is empty.", "Give the datastore's name, or remove it."))
  }
  return issues
}

const frameworkRule: Rule = (spec) => {
  const framework = spec.framework
  if (framework === undefined) return []
  const issues: Array<Issue> = []
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
  return issues
}

const NUL = "\u0000"

/** A NUL byte cannot pass through an argv or an environment block: the OS would cut the string there. */
const nulRule: Rule = (spec) => {
  const issues: Array<Issue> = []
  const fix = "Remove the NUL character (\\0): no process can receive it."
  spec.arguments.forEach((argument, index) => {
    if (typeof argument === "string" && argument.includes(NUL)) issues.push(error(`arguments[${index}]`, "nul-character", `arguments[${index}] contains a NUL character, which would cut the argument short.`, fix))
  })
  for (const [name, value] of Object.entries(spec.environmentVariables)) {
    if (value.includes(NUL)) issues.push(error(`environmentVariables.${name}`, "nul-character", `The value of ${name} contains a NUL character, which would cut it short.`, fix))
  }
  for (const [name, input] of Object.entries(spec.inputs)) {
    if (input._tag === "Literal" && typeof input.value === "string" && input.value.includes(NUL)) issues.push(error(`inputs.${name}.value`, "nul-character", `The literal input ${name} contains a NUL character, which would cut it short.`, fix))
  }
  for (const field of ["entryScript", "command"] as const) {
    if (spec[field]?.includes(NUL)) issues.push(error(field, "nul-character", `${field} contains a NUL character.`, fix))
  }
  return issues
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

// -------------------------------------------------------------------------------------
// validation
// -------------------------------------------------------------------------------------

/**
 * Every issue of the spec, errors and warnings, in a stable order.
 *
 * @example
 * const issues = Validation.validate(spec)
 * if (Validation.hasErrors(issues)) console.error(issues.map(Validation.format).join("\n"))
 *
 * @category validation
 * @since 0.1.0
 */
export const validate = (spec: EstimatorModel.Estimator): ReadonlyArray<Issue> => rules.flatMap((rule) => rule(spec))

/**
 * @category validation
 * @since 0.1.0
 */
export const errors = (issues: ReadonlyArray<Issue>): ReadonlyArray<Issue> => issues.filter((i) => i.severity === "error")

/**
 * @category validation
 * @since 0.1.0
 */
export const warnings = (issues: ReadonlyArray<Issue>): ReadonlyArray<Issue> => issues.filter((i) => i.severity === "warning")

/**
 * @category validation
 * @since 0.1.0
 */
export const hasErrors = (issues: ReadonlyArray<Issue>): boolean => issues.some((i) => i.severity === "error")

/**
 * One line for a human: `error entryScript [entry-missing]: ... (hint: ...)`.
 *
 * @category validation
 * @since 0.1.0
 */
export const format = (issue: Issue): string =>
  `${issue.severity} ${issue.path || "(spec)"} [${issue.code}]: ${issue.message}${issue.hint === undefined ? "" : `\n  fix: ${issue.hint}`}`
