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

/**
 * The fields of the spec that the rules read, each read once, in one object of one shape (absent
 * optional fields are `undefined`). Specs come in as many shapes as there are combinations of
 * optional fields, so reading a field of the spec itself by name is slow; the rules read this.
 */
type Fields = Pick<
  EstimatorModel.Estimator,
  | "sourceDirectory"
  | "arguments"
  | "compute"
  | "nodeCount"
  | "processCountPerNode"
  | "distribution"
  | "gpu"
  | "environmentVariables"
  | "secretEnvironmentVariables"
  | "inputs"
  | "outputs"
  | "tags"
> & {
  readonly environment: EnvironmentFields
  readonly entryScript: string | undefined
  readonly command: string | undefined
  readonly shmSize: string | undefined
  readonly maxRunDurationSeconds: number | undefined
  readonly resumeFrom: Data.DatastorePath | undefined
  readonly sourceDirectoryDatastore: string | undefined
  readonly framework: Framework.Framework | undefined
  readonly name: string | undefined
  readonly experimentName: string | undefined
} & EntryFlags

/** The fields of the spec's environment, read once as the spec's are: environments come in several shapes too. */
interface EnvironmentFields {
  readonly docker: boolean
  readonly userManagedPython: boolean
  readonly condaPackages: ReadonlyArray<string>
  readonly pipPackages: ReadonlyArray<string>
  readonly condaFile: string | undefined
  readonly pipRequirementsFile: string | undefined
  readonly image: EstimatorModel.Image | undefined
  readonly build: EstimatorModel.BuildContext | undefined
  readonly registered: EstimatorModel.RegisteredEnvironment | undefined
}

/**
 * Which records have an entry that a rule reports, found in one pass over each record: a rule
 * walks a record (again) only when it is flagged, to report its issues in the rule's own order, so
 * a spec whose entries are all fine has each record read once.
 */
interface EntryFlags {
  /** A plain environment variable with an invalid or reserved name, or a NUL in its value. */
  readonly variablesFlagged: boolean
  /** A secret environment variable with an invalid or reserved name, the name of a plain variable too, or an invalid source. */
  readonly secretsFlagged: boolean
  /** An input with an invalid name, a literal value with a NUL, or a data source with an issue. */
  readonly inputsFlagged: boolean
  /** An output with an invalid name. */
  readonly outputsFlagged: boolean
  /** A tag with an empty name. */
  readonly tagsFlagged: boolean
}

/**
 * One pass over the spec's own keys: `spec[key]` in a `for ... in` loop is read through the
 * engine's enumeration cache, which stays fast whatever the spec's shape. A spec is plain data
 * (its fields are its own enumerable properties).
 */
const fieldsOf = (spec: EstimatorModel.Estimator): Fields => {
  const fields = spec as unknown as { readonly [key: string]: unknown }
  let sourceDirectory, args, compute, nodeCount, processCountPerNode, distribution, gpu, environment, environmentVariables, secretEnvironmentVariables, inputs, outputs, tags
  let entryScript, command, shmSize, maxRunDurationSeconds, resumeFrom, sourceDirectoryDatastore, framework, name, experimentName
  for (const key in fields) {
    const value = fields[key]
    switch (key) {
      case "sourceDirectory": sourceDirectory = value; break
      case "arguments": args = value; break
      case "compute": compute = value; break
      case "nodeCount": nodeCount = value; break
      case "processCountPerNode": processCountPerNode = value; break
      case "distribution": distribution = value; break
      case "gpu": gpu = value; break
      case "environment": environment = value; break
      case "environmentVariables": environmentVariables = value; break
      case "secretEnvironmentVariables": secretEnvironmentVariables = value; break
      case "inputs": inputs = value; break
      case "outputs": outputs = value; break
      case "tags": tags = value; break
      case "entryScript": entryScript = value; break
      case "command": command = value; break
      case "shmSize": shmSize = value; break
      case "maxRunDurationSeconds": maxRunDurationSeconds = value; break
      case "resumeFrom": resumeFrom = value; break
      case "sourceDirectoryDatastore": sourceDirectoryDatastore = value; break
      case "framework": framework = value; break
      case "name": name = value; break
      case "experimentName": experimentName = value; break
    }
  }
  const variables = environmentVariables as EstimatorModel.Estimator["environmentVariables"]
  return {
    sourceDirectory,
    arguments: args,
    compute,
    nodeCount,
    processCountPerNode,
    distribution,
    gpu,
    environment: environmentFieldsOf(environment as EstimatorModel.Environment),
    environmentVariables,
    secretEnvironmentVariables,
    inputs,
    outputs,
    tags,
    entryScript,
    command,
    shmSize,
    maxRunDurationSeconds,
    resumeFrom,
    sourceDirectoryDatastore,
    framework,
    name,
    experimentName,
    variablesFlagged: variablesFlagged(variables),
    secretsFlagged: secretsFlagged(secretEnvironmentVariables as EstimatorModel.Estimator["secretEnvironmentVariables"], variables),
    inputsFlagged: inputsFlagged(inputs as EstimatorModel.Estimator["inputs"]),
    outputsFlagged: outputsFlagged(outputs as EstimatorModel.Estimator["outputs"]),
    tagsFlagged: tagsFlagged(tags as EstimatorModel.Estimator["tags"])
  } as Fields
}

const environmentFieldsOf = (environment: EstimatorModel.Environment): EnvironmentFields => {
  const fields = environment as unknown as { readonly [key: string]: unknown }
  let docker, userManagedPython, condaPackages, pipPackages, condaFile, pipRequirementsFile, image, build, registered
  for (const key in fields) {
    const value = fields[key]
    switch (key) {
      case "docker": docker = value; break
      case "userManagedPython": userManagedPython = value; break
      case "condaPackages": condaPackages = value; break
      case "pipPackages": pipPackages = value; break
      case "condaFile": condaFile = value; break
      case "pipRequirementsFile": pipRequirementsFile = value; break
      case "image": image = value; break
      case "build": build = value; break
      case "registered": registered = value; break
    }
  }
  return { docker, userManagedPython, condaPackages, pipPackages, condaFile, pipRequirementsFile, image, build, registered } as EnvironmentFields
}

const isVariableName = (name: string): boolean => isIdentifier(name) && !hasReservedPrefix(name)

const variablesFlagged = (variables: EstimatorModel.Estimator["environmentVariables"]): boolean => {
  for (const name in variables) {
    if (hasOwn.call(variables, name) && (!isVariableName(name) || (variables[name] as string).includes(NUL))) return true
  }
  return false
}

const secretsFlagged = (secrets: EstimatorModel.Estimator["secretEnvironmentVariables"], variables: object): boolean => {
  for (const name in secrets) {
    if (hasOwn.call(secrets, name) && (!isVariableName(name) || name in variables || secretSourceIssue(name, secrets[name] as Secret) !== undefined)) return true
  }
  return false
}

const inputsFlagged = (inputs: EstimatorModel.Estimator["inputs"]): boolean => {
  for (const name in inputs) {
    if (!hasOwn.call(inputs, name)) continue
    const input = inputs[name] as Data.Input
    if (!isIdentifier(name) || (input._tag === "Literal" && literalHasNul(input)) || (input._tag === "Data" && sourceIssue(name, input.source) !== undefined)) return true
  }
  return false
}

const outputsFlagged = (outputs: EstimatorModel.Estimator["outputs"]): boolean => {
  for (const name in outputs) {
    if (hasOwn.call(outputs, name) && !isIdentifier(name)) return true
  }
  return false
}

const tagsFlagged = (tags: EstimatorModel.Estimator["tags"]): boolean => {
  for (const key in tags) {
    if (hasOwn.call(tags, key) && key.trim() === "") return true
  }
  return false
}

/** A rule adds the issues it finds to `issues`, in a stable order. */
type Rule = (spec: Fields, issues: Array<Issue>) => void

const isPositiveInteger = (n: number): boolean => Number.isInteger(n) && n > 0

const RESERVED_ENV_PREFIX = "ESTIMATOR_"
const hasOwn = Object.prototype.hasOwnProperty

// Character classes of ASCII characters, a bit each, for the name checks below: one table load per
// character instead of a chain of range tests (names are short, and their characters random enough
// that the tests' branches are mispredicted).
const LETTER = 1
const DIGIT = 2
const UNDERSCORE = 4
const HYPHEN = 8
const PLUS_OR_DOT = 16

const charClasses = new Uint8Array(128)
for (let c = 0; c < 128; c++) {
  const char = String.fromCharCode(c)
  charClasses[c] = (/[A-Za-z]/.test(char) ? LETTER : 0) | (/[0-9]/.test(char) ? DIGIT : 0) | (char === "_" ? UNDERSCORE : 0) | (char === "-" ? HYPHEN : 0) | (char === "+" || char === "." ? PLUS_OR_DOT : 0)
}

/** The classes of the character at `i` of `s` (none for a character beyond ASCII). */
const classesAt = (s: string, i: number): number => {
  const c = s.charCodeAt(i)
  return c < 128 ? (charClasses[c] as number) : 0
}

/** Whether every character of `s` from `start` on is of one of `classes`. */
const allOf = (s: string, start: number, classes: number): boolean => {
  for (let i = start; i < s.length; i++) {
    if ((classesAt(s, i) & classes) === 0) return false
  }
  return true
}

/** `/^[A-Za-z_][A-Za-z0-9_]*$/` */
const isIdentifier = (s: string): boolean =>
  s.length > 0 && (classesAt(s, 0) & (LETTER | UNDERSCORE)) !== 0 && allOf(s, 1, LETTER | DIGIT | UNDERSCORE)

/** `/^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/` */
const isJobName = (s: string): boolean =>
  s.length > 0 && s.length <= 255 && (classesAt(s, 0) & (LETTER | DIGIT)) !== 0 && allOf(s, 1, LETTER | DIGIT | UNDERSCORE | HYPHEN)

/** `/^\d+[bBkKmMgG]$/` */
const isShmSize = (s: string): boolean => {
  if (s.length < 2 || !"bBkKmMgG".includes(s.charAt(s.length - 1))) return false
  for (let i = 0; i < s.length - 1; i++) {
    if ((classesAt(s, i) & DIGIT) === 0) return false
  }
  return true
}

/** `/^[A-Za-z][A-Za-z0-9+.-]*:/` */
const hasScheme = (uri: string): boolean => {
  if (uri.length === 0 || (classesAt(uri, 0) & LETTER) === 0) return false
  for (let i = 1; i < uri.length; i++) {
    if (uri.charCodeAt(i) === 58) return true // ":"
    if ((classesAt(uri, i) & (LETTER | DIGIT | PLUS_OR_DOT | HYPHEN)) === 0) return false
  }
  return false
}

/** `name.toUpperCase().startsWith("ESTIMATOR_")` for a name of ASCII letters, digits and underscores. */
const hasReservedPrefix = (name: string): boolean => {
  if (name.length < RESERVED_ENV_PREFIX.length) return false
  for (let i = 0; i < RESERVED_ENV_PREFIX.length; i++) {
    if (asciiUpperCase(name.charCodeAt(i)) !== RESERVED_ENV_PREFIX.charCodeAt(i)) return false
  }
  return true
}

const COMMAND_REFERENCE = /\$\{\{\s*(inputs|outputs)\.([^\s}]+)\s*\}\}/g

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

const registeredConflict = (issues: Array<Issue>, path: string, registered: string): void => {
  issues.push(error(path, "registered-environment-conflict", `${path} is set together with the registered environment "${registered}", which already defines the whole environment (If environment_definition parameter is specified, the following parameters cannot be specified: pip_packages, pip_requirements_file, conda_packages, conda_dependencies_file, custom_docker_image, image_registry_details, user_managed).`, `Remove ${path}, or drop withEnvironmentRef and describe the environment inline.`))
}

const condaFileConflict = (issues: Array<Issue>, path: string, condaFile: string): void => {
  issues.push(error(path, "conda-file-conflict", `${path} is set together with environment.condaFile "${condaFile}", which replaces the whole conda specification (If conda_dependencies_file parameter is specified, the following parameters cannot be specified: pip_packages, pip_requirements_file, conda_packages).`, `Move the packages into ${condaFile}, or remove the conda file.`))
}

const userManagedConflict = (issues: Array<Issue>, path: string): void => {
  issues.push(error(path, "user-managed-with-packages", `${path} is set but the Python environment is user-managed, so nothing would install it (If user_managed is True, then conda_packages, conda_dependencies_file, pip_packages or pip_requirements_file cannot be specified).`, `Remove ${path} and install it in the image, or remove withUserManagedPython.`))
}

const environmentRule: Rule = (spec, issues) => {
  const env = spec.environment
  const { docker, userManagedPython, condaPackages, pipPackages, condaFile, pipRequirementsFile, image, build, registered } = env
  if (!docker && image !== undefined) {
    issues.push(error("environment.image", "docker-off-with-image", "environment.image is set but Docker is off: If use_docker parameter is set to false, custom_docker_image or custom_docker_base_image parameter is not allowed.", "Remove withoutDocker to run in the image, or remove the image to run without a container."))
  }
  if (!docker && build !== undefined) {
    issues.push(error("environment.build", "docker-off-with-build", "environment.build is set but Docker is off: a build context only makes sense for a container.", "Remove withoutDocker, or remove the build context."))
  }
  if (image !== undefined && build !== undefined) {
    issues.push(error("environment.build", "image-and-build", "Both environment.image and environment.build are set: the image comes either from a name or from a build context.", "Keep one of withImage(...) and withBuildContext(...)."))
  }
  if (image !== undefined && image.name.trim() === "") {
    issues.push(error("environment.image.name", "image-name-empty", "environment.image.name is empty.", "Give the image name, e.g. \"mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04\"."))
  }
  const registry = image?.registry
  if (registry !== undefined && hasPasswordWithoutUsername(registry)) {
    issues.push(error("environment.image.registry.username", "registry-username-missing", "The registry has a password but no username.", "Add the username of the registry's credentials."))
  }
  if (registered !== undefined) {
    const name = registered.name
    if (pipPackages.length > 0) registeredConflict(issues, "environment.pipPackages", name)
    if (pipRequirementsFile !== undefined) registeredConflict(issues, "environment.pipRequirementsFile", name)
    if (condaPackages.length > 0) registeredConflict(issues, "environment.condaPackages", name)
    if (condaFile !== undefined) registeredConflict(issues, "environment.condaFile", name)
    if (image !== undefined) registeredConflict(issues, "environment.image", name)
    if (build !== undefined) registeredConflict(issues, "environment.build", name)
    if (userManagedPython) registeredConflict(issues, "environment.userManagedPython", name)
    if (name.trim() === "") {
      issues.push(error("environment.registered.name", "environment-name-empty", "environment.registered.name is empty.", "Give the registered environment's name."))
    }
    if (registered.version !== undefined && registered.label !== undefined) {
      issues.push(error("environment.registered.label", "version-and-label", "environment.registered has both a version and a label.", "Keep either version (a fixed version) or label (e.g. \"latest\")."))
    }
  }
  if (condaFile !== undefined) {
    if (pipPackages.length > 0) condaFileConflict(issues, "environment.pipPackages", condaFile)
    if (pipRequirementsFile !== undefined) condaFileConflict(issues, "environment.pipRequirementsFile", condaFile)
    if (condaPackages.length > 0) condaFileConflict(issues, "environment.condaPackages", condaFile)
  }
  if (userManagedPython) {
    if (condaPackages.length > 0) userManagedConflict(issues, "environment.condaPackages")
    if (condaFile !== undefined) userManagedConflict(issues, "environment.condaFile")
    if (pipPackages.length > 0) userManagedConflict(issues, "environment.pipPackages")
    if (pipRequirementsFile !== undefined) userManagedConflict(issues, "environment.pipRequirementsFile")
  }
  emptyPackages(issues, "environment.condaPackages", condaPackages)
  emptyPackages(issues, "environment.pipPackages", pipPackages)
}

/** `registry.password !== undefined && registry.username === undefined`, read in one pass (registries come in several shapes). */
const hasPasswordWithoutUsername = (registry: EstimatorModel.Registry): boolean => {
  const fields = registry as unknown as { readonly [key: string]: unknown }
  let password, username
  for (const key in fields) {
    if (key === "password") password = fields[key]
    else if (key === "username") username = fields[key]
  }
  return password !== undefined && username === undefined
}

const emptyPackages = (issues: Array<Issue>, path: string, list: ReadonlyArray<string>): void => {
  for (let index = 0; index < list.length; index++) {
    if ((list[index] as string).trim() === "") issues.push(error(`${path}[${index}]`, "package-empty", `${path}[${index}] is an empty package name.`, "Remove the empty entry."))
  }
}

const shmSizeRule: Rule = (spec, issues) => {
  const shmSize = spec.shmSize
  if (shmSize !== undefined && !isShmSize(shmSize)) {
    issues.push(error("shmSize", "invalid-shm-size", `shmSize "${shmSize}" is not a size: it must be digits followed by a unit b, k, m or g (as Docker's --shm-size).`, "Write it like \"2g\" or \"512m\"."))
  }
}

const durationRule: Rule = (spec, issues) => {
  const seconds = spec.maxRunDurationSeconds
  if (seconds !== undefined && !isPositiveInteger(seconds)) {
    issues.push(error("maxRunDurationSeconds", "invalid-duration", `maxRunDurationSeconds is ${seconds}: a run duration must be a whole number of seconds, at least 1.`, "Set it to the limit in seconds (3600 for an hour), or remove it for no limit."))
  }
}

const variableNames = (issues: Array<Issue>, field: string, variables: object): void => {
  for (const name in variables) {
    if (!hasOwn.call(variables, name)) continue
    if (!isIdentifier(name)) {
      issues.push(error(`${field}.${name}`, "invalid-env-name", `The environment variable name "${name}" is not valid: names are letters, digits and underscores, not starting with a digit.`, "Rename it, e.g. \"MY_SETTING\"."))
    } else if (hasReservedPrefix(name)) {
      issues.push(error(`${field}.${name}`, "reserved-env-name", `The environment variable "${name}" uses the prefix ESTIMATOR_, which the run contract reserves (ESTIMATOR_RUN_ID, ESTIMATOR_OUTPUT_DIR, ESTIMATOR_INPUT_<NAME>).`, "Choose a name without the ESTIMATOR_ prefix."))
    }
  }
}

const environmentVariablesRule: Rule = (spec, issues) => {
  const variables = spec.environmentVariables
  const secrets = spec.secretEnvironmentVariables
  if (spec.variablesFlagged) variableNames(issues, "environmentVariables", variables)
  if (!spec.secretsFlagged) return
  variableNames(issues, "secretEnvironmentVariables", secrets)
  for (const name in secrets) {
    if (hasOwn.call(secrets, name) && name in variables) {
      issues.push(error(`secretEnvironmentVariables.${name}`, "env-name-conflict", `"${name}" is both a plain and a secret environment variable.`, "Keep only one of withEnv and withSecretEnv for this name."))
    }
  }
  for (const name in secrets) {
    if (!hasOwn.call(secrets, name)) continue
    const issue = secretSourceIssue(name, secrets[name] as Secret)
    if (issue !== undefined) issues.push(issue)
  }
}

type Secret = EstimatorModel.Estimator["secretEnvironmentVariables"][string]

const secretSourceIssue = (name: string, secret: Secret): Issue | undefined => {
  if (secret.source === "env" && !isIdentifier(secret.name)) {
    return error(`secretEnvironmentVariables.${name}.name`, "invalid-secret-source", `The secret for "${name}" reads the environment variable "${secret.name}", which is not a valid name.`, "Use Secret.fromEnv(\"VARIABLE_NAME\").")
  }
  if (secret.source === "file" && secret.path.trim() === "") {
    return error(`secretEnvironmentVariables.${name}.path`, "invalid-secret-source", `The secret for "${name}" reads a file with an empty path.`, "Use Secret.fromFile(\"/path/to/secret\").")
  }
  return undefined
}

const dataNames = (issues: Array<Issue>, kind: "inputs" | "outputs", entries: object): void => {
  for (const name in entries) {
    if (hasOwn.call(entries, name) && !isIdentifier(name)) {
      issues.push(error(`${kind}.${name}`, kind === "inputs" ? "invalid-input-name" : "invalid-output-name", `The ${kind === "inputs" ? "input" : "output"} name "${name}" is not valid: names are letters, digits and underscores, not starting with a digit (they become \${{${kind}.${name}}} and ESTIMATOR_${kind === "inputs" ? "INPUT" : "OUTPUT"}_<NAME>).`, "Rename it, e.g. \"training_data\"."))
    }
  }
}

/** Records with at most this many names compare them pairwise; larger ones through upper-case copies in a map. */
const MAX_PAIRWISE = 16

/**
 * Names that differ only in case; each is reported with the last name before it that it collides
 * with. A record's few names are compared pairwise, without making upper-case copies of them.
 */
const collisions = (issues: Array<Issue>, entries: object, kind: string): void => {
  let count = 0
  for (const name in entries) {
    if (hasOwn.call(entries, name) && ++count > MAX_PAIRWISE) return collisionsByUpperCase(issues, entries, kind)
  }
  if (count < 2) return
  for (const name in entries) {
    if (!hasOwn.call(entries, name)) continue
    let other: string | undefined
    for (const previous in entries) {
      if (previous === name) break
      if (hasOwn.call(entries, previous) && sameUpperCase(previous, name)) other = previous
    }
    if (other !== undefined) collision(issues, kind, other, name)
  }
}

const collisionsByUpperCase = (issues: Array<Issue>, entries: object, kind: string): void => {
  const seen = new Map<string, string>()
  for (const name in entries) {
    if (!hasOwn.call(entries, name)) continue
    const upper = name.toUpperCase()
    const other = seen.get(upper)
    if (other !== undefined) collision(issues, kind, other, name)
    seen.set(upper, name)
  }
}

const collision = (issues: Array<Issue>, kind: string, other: string, name: string): void => {
  issues.push(error(`${kind}.${name}`, "name-collision", `The ${kind} "${other}" and "${name}" differ only in case, so they would share the environment variable for their path.`, "Rename one of them."))
}

/** `a.toUpperCase() === b.toUpperCase()`, without the copies while the characters are ASCII (whose upper case is one character). */
const sameUpperCase = (a: string, b: string): boolean => {
  if (a.length !== b.length) return !(isAscii(a) && isAscii(b)) && a.toUpperCase() === b.toUpperCase()
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x >= 128 || y >= 128) return a.toUpperCase() === b.toUpperCase()
    if (x !== y && asciiUpperCase(x) !== asciiUpperCase(y)) return false
  }
  return true
}

const asciiUpperCase = (c: number): number => (c >= 97 && c <= 122 ? c - 32 : c)

const isAscii = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 128) return false
  }
  return true
}

/**
 * Whether `name` is one of the own enumerable keys of `entries`. The names are compared: looking up
 * a string that is not yet a property name (a value read from the spec) first hashes it.
 */
const hasKey = (entries: object, name: string): boolean => {
  for (const key in entries) {
    if (key === name && hasOwn.call(entries, key)) return true
  }
  return false
}

const isKnown = (spec: Fields, kind: "inputs" | "outputs", name: string): boolean =>
  kind === "inputs"
    ? hasKey(spec.inputs, name) || (spec.resumeFrom !== undefined && name === "MODEL_LOCATION")
    : hasKey(spec.outputs, name)

const dataRule: Rule = (spec, issues) => {
  const inputs = spec.inputs
  if (spec.inputsFlagged) dataNames(issues, "inputs", inputs)
  if (spec.outputsFlagged) dataNames(issues, "outputs", spec.outputs)
  collisions(issues, inputs, "inputs")
  collisions(issues, spec.outputs, "outputs")
  if (spec.inputsFlagged) {
    for (const name in inputs) {
      if (!hasOwn.call(inputs, name)) continue
      const input = inputs[name] as Data.Input
      if (input._tag === "Data") {
        const issue = sourceIssue(name, input.source)
        if (issue !== undefined) issues.push(issue)
      }
    }
  }
  if (spec.resumeFrom !== undefined && "MODEL_LOCATION" in inputs) {
    issues.push(error("inputs.MODEL_LOCATION", "resume-from-input-conflict", "resumeFrom adds the input MODEL_LOCATION, but an input of that name already exists.", "Rename the input MODEL_LOCATION, or remove resumeFrom."))
  }
  const args = spec.arguments
  for (let index = 0; index < args.length; index++) {
    const argument = args[index]
    if (typeof argument === "object") {
      const kind = argument._tag === "InputRef" ? "inputs" : "outputs"
      if (!isKnown(spec, kind, argument.name)) {
        issues.push(error(`arguments[${index}]`, kind === "inputs" ? "unknown-input-reference" : "unknown-output-reference", `arguments[${index}] refers to the ${kind === "inputs" ? "input" : "output"} "${argument.name}", which is not defined.`, `Add it with ${kind === "inputs" ? "withInput" : "withOutput"}("${argument.name}", ...), or fix the name.`))
      }
    }
  }
  const command = spec.command
  if (command !== undefined && command.includes("${{")) {
    // `exec` from the start rather than `matchAll`, which copies the regular expression on every call.
    COMMAND_REFERENCE.lastIndex = 0
    for (let match = COMMAND_REFERENCE.exec(command); match !== null; match = COMMAND_REFERENCE.exec(command)) {
      const kind = match[1] as "inputs" | "outputs"
      const name = match[2] ?? ""
      if (!isKnown(spec, kind, name)) {
        issues.push(error("command", kind === "inputs" ? "unknown-input-reference" : "unknown-output-reference", `command refers to \${{${kind}.${name}}}, which is not defined.`, `Add it with ${kind === "inputs" ? "withInput" : "withOutput"}("${name}", ...), or fix the name.`))
      }
    }
  }
}

/** The issue of the source of the input `name`, at `inputs.<name>.source`, if it has one. */
const sourceIssue = (name: string, source: Data.DataSource): Issue | undefined => {
  switch (source._tag) {
    case "Datastore":
      return source.datastore.trim() === "" ? error(`inputs.${name}.source.datastore`, "datastore-empty", "The datastore name is empty.", "Give the datastore's name, e.g. \"workspaceblobstore\".") : undefined
    case "DataAsset":
      return source.version !== undefined && source.label !== undefined ? error(`inputs.${name}.source.label`, "version-and-label", "The data asset has both a version and a label.", "Keep either version or label.") : undefined
    case "Uri":
      return hasScheme(source.uri) ? undefined : error(`inputs.${name}.source.uri`, "invalid-uri", `"${source.uri}" is not a URI (it has no scheme such as https: or azureml:).`, "Use fromLocal(path) for a local path, or give the full URI.")
    case "LocalPath":
      return source.path.trim() === "" ? error(`inputs.${name}.source.path`, "local-path-empty", "The local path is empty.", "Give the file or folder's path.") : undefined
  }
}

const jobName = (issues: Array<Issue>, field: "name" | "experimentName", value: string | undefined): void => {
  if (value !== undefined && !isJobName(value)) {
    issues.push(error(field, `invalid-${field === "name" ? "job-name" : "experiment-name"}`, `${field} "${value}" is not valid: Azure ML names start with a letter or digit and contain only letters, digits, '-' and '_' (at most 255 characters).`, `Rename it, e.g. "${value.replace(/[^A-Za-z0-9_-]/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "job-1"}".`))
  }
}

// In JavaScript `object["__proto__"] = value` sets a prototype instead of an entry, so every
// program that copied such a name would silently lose it.
const reservedName = (issues: Array<Issue>, field: string, entries: object): void => {
  if (hasOwn.call(entries, "__proto__")) {
    issues.push(error(`${field}.__proto__`, "reserved-name", `The name "__proto__" in ${field} is reserved: JavaScript tools, this one included, cannot keep an entry of that name.`, "Choose another name."))
  }
}

const namesRule: Rule = (spec, issues) => {
  jobName(issues, "name", spec.name)
  jobName(issues, "experimentName", spec.experimentName)
  const tags = spec.tags
  if (spec.tagsFlagged) {
    for (const key in tags) {
      if (hasOwn.call(tags, key) && key.trim() === "") issues.push(error("tags", "tag-key-empty", "A tag has an empty name.", "Give every tag a name."))
    }
  }
  const datastore = spec.sourceDirectoryDatastore
  if (datastore !== undefined && datastore.trim() === "") {
    issues.push(error("sourceDirectoryDatastore", "datastore-empty", "sourceDirectoryDatastore is empty.", "Give the datastore's name, or remove it."))
  }
  reservedName(issues, "environmentVariables", spec.environmentVariables)
  reservedName(issues, "secretEnvironmentVariables", spec.secretEnvironmentVariables)
  reservedName(issues, "inputs", spec.inputs)
  reservedName(issues, "outputs", spec.outputs)
  reservedName(issues, "tags", tags)
}

/** Each framework's supported versions as the messages list them. */
const supportedLists = Object.fromEntries(Framework.names.map((name) => [name, Framework.supportedVersions[name].join(", ")])) as { readonly [N in Framework.FrameworkName]: string }

const frameworkRule: Rule = (spec, issues) => {
  const framework = spec.framework
  if (framework === undefined) return
  const name = framework.name
  const version = framework.version
  const supported = Framework.supportedVersions[name]
  const environment = spec.environment
  if (!(supported as ReadonlyArray<string>).includes(version)) {
    issues.push(error(
      "framework.version",
      "unsupported-framework-version",
      `${name} ${version} is not currently supported by the ${name} estimator. Check https://docs.microsoft.com/python/api/azureml-train-core/azureml.train.dnn?view=azure-ml-py for all supported versions. To use ${name} ${version}, switch to the generic Estimator class for your experiment.`,
      `Use one of ${supportedLists[name]}, or drop the framework preset and install ${name} ${version} yourself (withPip / withCondaFile / withImage).`
    ))
  } else if (framework.versionDefaulted === true && !environment.userManagedPython && supported.length > 1) {
    issues.push(warning("framework.version", "framework-version-defaulted", `framework_version is not specified, defaulting to version ${version}.`, `Pin the version, e.g. ${name.toLowerCase()}("${version}"); supported: ${supportedLists[name]}.`))
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
  const condaFile = environment.condaFile
  const registered = environment.registered
  if (condaFile !== undefined || registered !== undefined) {
    const field = registered !== undefined ? "environment.registered" : "environment.condaFile"
    issues.push(warning(field, "framework-packages-not-installed", `If environment_definition or conda_dependencies_file is specified, Azure ML will not install any framework related packages on behalf of the user: ${name} ${version} must be in ${field === "environment.registered" ? "the registered environment" : "the conda file"}.`, `Make sure ${name} is listed there, or remove the framework preset.`))
  }
}

const NUL = "\u0000"

const literalHasNul = (input: Data.LiteralInput): boolean => typeof input.value === "string" && input.value.includes(NUL)

/** A NUL byte cannot pass through an argv or an environment block: the OS would cut the string there. */
const nulRule: Rule = (spec, issues) => {
  const fix = "Remove the NUL character (\\0): no process can receive it."
  const args = spec.arguments
  for (let index = 0; index < args.length; index++) {
    const argument = args[index]
    if (typeof argument === "string" && argument.includes(NUL)) issues.push(error(`arguments[${index}]`, "nul-character", `arguments[${index}] contains a NUL character, which would cut the argument short.`, fix))
  }
  if (spec.variablesFlagged) {
    const variables = spec.environmentVariables
    for (const name in variables) {
      if (hasOwn.call(variables, name) && (variables[name] as string).includes(NUL)) issues.push(error(`environmentVariables.${name}`, "nul-character", `The value of ${name} contains a NUL character, which would cut it short.`, fix))
    }
  }
  if (spec.inputsFlagged) {
    const inputs = spec.inputs
    for (const name in inputs) {
      if (!hasOwn.call(inputs, name)) continue
      const input = inputs[name] as Data.Input
      if (input._tag === "Literal" && literalHasNul(input)) issues.push(error(`inputs.${name}.value`, "nul-character", `The literal input ${name} contains a NUL character, which would cut it short.`, fix))
    }
  }
  if (spec.entryScript?.includes(NUL)) issues.push(error("entryScript", "nul-character", "entryScript contains a NUL character.", fix))
  if (spec.command?.includes(NUL)) issues.push(error("command", "nul-character", "command contains a NUL character.", fix))
}

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
export const validate = (spec: EstimatorModel.Estimator): ReadonlyArray<Issue> => {
  const fields = fieldsOf(spec)
  const issues: Array<Issue> = []
  nulRule(fields, issues)
  sourceDirectoryRule(fields, issues)
  entryRule(fields, issues)
  computeRule(fields, issues)
  layoutRule(fields, issues)
  environmentRule(fields, issues)
  shmSizeRule(fields, issues)
  durationRule(fields, issues)
  environmentVariablesRule(fields, issues)
  dataRule(fields, issues)
  namesRule(fields, issues)
  frameworkRule(fields, issues)
  return issues
}

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
