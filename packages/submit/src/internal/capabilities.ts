/**
 * The capability tables of the backends, how a spec uses each feature, and the check that turns
 * a spec and a table into plan errors (unsupported features) and warnings (ignored features).
 * The tables are the single source of truth: the issues' `backends` lists are read from them.
 *
 * @internal
 */
import { Estimator } from "@estimator/core"
import type { Data, Validation } from "@estimator/core"
import type { BackendName, Capabilities, Capability, Feature, Support } from "../Backend.js"
import type { PlanIssue } from "../PlanError.js"

/** @internal */
export const features: { readonly [F in Feature]: string } = {
  "compute.local": "compute is Local",
  "compute.cluster": "compute is a named cluster",
  "compute.serverless": "compute is serverless (vmSize, vmPriority)",
  nodeCount: "nodeCount is more than 1",
  processCountPerNode: "processCountPerNode is more than 1",
  tensorFlowTasks: "a TensorFlow job puts more than one task (worker or parameter server) on a node",
  gpu: "gpu is true",
  "environment.noDocker": "environment.docker is false",
  "environment.image": "environment.image is set",
  "environment.registryCredentials": "environment.image.registry has a password",
  "environment.build": "environment.build is set",
  "environment.registered": "environment.registered is set",
  "environment.packages": "packages are to be installed: conda or pip packages, a conda or requirements file, or a framework's packages (without userManagedPython)",
  shmSize: "shmSize is set",
  dockerArgs: "dockerArgs is set",
  maxRunDuration: "maxRunDurationSeconds is set",
  secretEnvironmentVariables: "secretEnvironmentVariables is not empty",
  command: "command is set instead of entryScript",
  commandWithoutWordCharacter: "command has no letter, digit or underscore",
  argumentWithTemplate: "a literal argument contains ${{, Azure ML's reference syntax",
  "inputs.localPath": "an input reads a local file or folder",
  "inputs.datastore": "an input (or resumeFrom) reads a datastore path",
  "inputs.dataAsset": "an input reads a registered data asset",
  "inputs.uri": "an input reads a URI",
  "inputs.literal": "an input is a literal value",
  "inputs.literalWithoutWordCharacter": "a literal input's value has no letter, digit or underscore",
  "outputs.destination": "an output has a destination (datastore path or URI)",
  "outputs.asset": "an output has an assetName or assetVersion",
  sourceDirectoryDatastore: "sourceDirectoryDatastore is set"
}

const supported = (note: string): Capability => ({ support: "supported", note })
const ignored = (note: string): Capability => ({ support: "ignored", note })
const unsupported = (note: string): Capability => ({ support: "unsupported", note })

const NO_REMOTE_DATA = "it does not download remote data; only local files and folders (Data.fromLocal) and literals can be inputs"

const local: Capabilities = {
  "compute.local": supported("the job runs on this machine"),
  "compute.cluster": ignored("the local backend runs the job on this machine, not on the cluster"),
  "compute.serverless": ignored("the local backend runs the job on this machine, not on serverless compute"),
  nodeCount: unsupported("the local backend runs every process on this machine, which is a single node"),
  processCountPerNode: supported("MPI ranks are started by a local mpirun; PyTorch and TensorFlow ranks as one process each"),
  tensorFlowTasks: supported("every task is its own process on this machine"),
  gpu: ignored("the local backend requests no GPU: the script sees whatever GPUs this machine has"),
  "environment.noDocker": supported("the script runs with the machine's Python"),
  "environment.image": unsupported("the local backend runs the machine's Python, outside any container image"),
  "environment.registryCredentials": unsupported("the local backend pulls no image"),
  "environment.build": unsupported("the local backend builds no image"),
  "environment.registered": unsupported("a registered environment exists only in Azure ML"),
  "environment.packages": ignored("the local backend installs nothing: the machine's Python must already have these packages"),
  shmSize: ignored("a local process uses the host's /dev/shm; a shared memory size applies to containers only"),
  dockerArgs: unsupported("the local backend starts no container"),
  maxRunDuration: supported("the process is stopped at the limit"),
  secretEnvironmentVariables: supported("values are resolved when the run starts and never shown"),
  command: supported("run with /bin/sh -c"),
  commandWithoutWordCharacter: supported("run with /bin/sh -c"),
  argumentWithTemplate: supported("arguments are passed as they are"),
  "inputs.localPath": supported("used in place"),
  "inputs.datastore": unsupported(`the local backend cannot read datastores: ${NO_REMOTE_DATA}`),
  "inputs.dataAsset": unsupported(`the local backend cannot read data assets: ${NO_REMOTE_DATA}`),
  "inputs.uri": unsupported(`the local backend cannot read URIs: ${NO_REMOTE_DATA}`),
  "inputs.literal": supported("passed as ESTIMATOR_INPUT_<NAME> and in arguments"),
  "inputs.literalWithoutWordCharacter": supported("passed as it is"),
  "outputs.destination": unsupported("the local backend keeps outputs in the run store (.estimator/runs/<run id>/outputs) and cannot write them to a datastore or URI"),
  "outputs.asset": unsupported("the local backend registers no data assets"),
  sourceDirectoryDatastore: ignored("the local backend keeps the snapshot on this machine")
}

const docker: Capabilities = {
  "compute.local": supported("the job runs in a container on this machine"),
  "compute.cluster": ignored("the docker backend runs the job in a container on this machine, not on the cluster"),
  "compute.serverless": ignored("the docker backend runs the job in a container on this machine, not on serverless compute"),
  nodeCount: unsupported("the docker backend runs one container on this machine, which is a single node"),
  processCountPerNode: supported("mpirun (MPI) or torchrun (PyTorch) inside the container starts the ranks"),
  tensorFlowTasks: unsupported("the docker backend runs one container with one launcher; parameter-server training needs a process per task"),
  gpu: supported("every GPU is passed to the container (DeviceRequests, NVIDIA runtime)"),
  "environment.noDocker": unsupported("the docker backend always runs the job in a container"),
  "environment.image": supported("the image is the base of the job's image"),
  "environment.registryCredentials": supported("the password is resolved when the image is pulled and never shown"),
  "environment.build": supported("the image is built from the build context"),
  "environment.registered": unsupported("a registered environment is built by Azure ML; there is no Dockerfile for it on this machine"),
  "environment.packages": supported("installed in the image built from the rendered Dockerfile"),
  shmSize: supported("HostConfig.ShmSize"),
  dockerArgs: unsupported("the docker backend creates containers through the Engine API, which takes no docker CLI arguments"),
  maxRunDuration: supported("the container is stopped at the limit"),
  secretEnvironmentVariables: supported("values are resolved when the container is created and never shown"),
  command: supported("run with /bin/sh -c in the container"),
  commandWithoutWordCharacter: supported("run with /bin/sh -c in the container"),
  argumentWithTemplate: supported("arguments are passed as they are"),
  "inputs.localPath": supported("bind-mounted read-only"),
  "inputs.datastore": unsupported(`the docker backend cannot read datastores: ${NO_REMOTE_DATA}`),
  "inputs.dataAsset": unsupported(`the docker backend cannot read data assets: ${NO_REMOTE_DATA}`),
  "inputs.uri": unsupported(`the docker backend cannot read URIs: ${NO_REMOTE_DATA}`),
  "inputs.literal": supported("passed as ESTIMATOR_INPUT_<NAME> and in arguments"),
  "inputs.literalWithoutWordCharacter": supported("passed as it is"),
  "outputs.destination": unsupported("the docker backend keeps outputs in the run store (.estimator/runs/<run id>/outputs) and cannot write them to a datastore or URI"),
  "outputs.asset": unsupported("the docker backend registers no data assets"),
  sourceDirectoryDatastore: ignored("the docker backend keeps the snapshot on this machine")
}

const azureml: Capabilities = {
  "compute.local": unsupported("the azureml backend runs jobs on workspace compute, not on this machine"),
  "compute.cluster": supported("computeId is the cluster's ARM id"),
  "compute.serverless": supported("resources.instanceType and queueSettings.jobTier"),
  nodeCount: supported("resources.instanceCount"),
  processCountPerNode: supported("distribution.processCountPerInstance"),
  tensorFlowTasks: supported("Azure ML starts every task and sets TF_CONFIG"),
  gpu: supported("the GPU base image; the compute must have GPUs"),
  "environment.noDocker": unsupported("Azure ML runs every command job in a container"),
  "environment.image": supported("the anonymous environment's image"),
  "environment.registryCredentials": unsupported("Azure ML environments take no registry credentials: the workspace must be able to pull the image itself (e.g. an attached container registry)"),
  "environment.build": supported("the build context is uploaded and built by Azure ML"),
  "environment.registered": supported("environmentId refers to it"),
  "environment.packages": supported("the anonymous environment's conda file"),
  shmSize: supported("resources.shmSize"),
  dockerArgs: supported("resources.dockerArgs"),
  maxRunDuration: supported("limits.timeout"),
  secretEnvironmentVariables: unsupported("Azure ML command jobs have no secret environment variables: a value would be stored in clear text in the job definition"),
  command: supported("the job's command, verbatim"),
  commandWithoutWordCharacter: unsupported("the Azure ML REST API requires a command with at least one letter, digit or underscore"),
  argumentWithTemplate: unsupported("Azure ML replaces ${{...}} anywhere in the job's command, even inside quotes, so the argument would not arrive intact"),
  "inputs.localPath": supported("uploaded to the workspace's default blob datastore when the run starts"),
  "inputs.datastore": supported("an azureml://datastores/... URI"),
  "inputs.dataAsset": supported("an azureml:<name>:<version> reference"),
  "inputs.uri": supported("the URI as it is"),
  "inputs.literal": supported("a literal job input"),
  "inputs.literalWithoutWordCharacter": unsupported("the Azure ML REST API requires a literal input value with at least one letter, digit or underscore"),
  "outputs.destination": supported("the output's uri"),
  "outputs.asset": unsupported("api-version 2024-04-01 has no output asset name or version"),
  sourceDirectoryDatastore: supported("the snapshot is uploaded to that datastore")
}

const dryRun: Capabilities = Object.fromEntries(
  Object.keys(features).map((feature) => [feature, supported("planned only: the dry run prints the spec, its environment and its launch layout")])
) as unknown as Capabilities

/** @internal */
export const table: { readonly [B in BackendName]: Capabilities } = {
  "dry-run": dryRun,
  local,
  docker,
  azureml
}

const EXECUTING: ReadonlyArray<BackendName> = ["local", "docker", "azureml"]

const supporting = Object.fromEntries(
  (Object.keys(features) as ReadonlyArray<Feature>).map((feature) => [feature, EXECUTING.filter((backend) => table[backend][feature].support === "supported")])
) as unknown as { readonly [F in Feature]: ReadonlyArray<BackendName> }

/**
 * The backends (other than dry-run) whose table says `supported` for `feature`.
 *
 * @internal
 */
export const supportingBackends = (feature: Feature): ReadonlyArray<BackendName> => supporting[feature]

/**
 * One place where a spec uses a feature: the field's path and what it holds, as the issues quote it.
 *
 * @internal
 */
export interface Usage {
  readonly feature: Feature
  readonly path: string
  readonly what: string
}

/**
 * The features some executing backend does not simply support: only their uses can become an
 * issue, so only they are looked for.
 */
const reportable = Object.fromEntries(
  (Object.keys(features) as ReadonlyArray<Feature>).map((feature) => [feature, EXECUTING.some((backend) => table[backend][feature].support !== "supported")])
) as unknown as { readonly [F in Feature]: boolean }

const WORD_CHARACTER = /[A-Za-z0-9_]/

const hasOwn = Object.prototype.hasOwnProperty

const renderLiteral = (value: string | number | boolean): string =>
  Estimator.renderArgument(value, () => "")

/**
 * Every use of a reportable feature in a (valid) spec, in field order.
 *
 * @internal
 */
export const usages = (spec: Estimator.Estimator): ReadonlyArray<Usage> => {
  const out: Array<Usage> = []
  const use = (feature: Feature, path: string, what: string): void => {
    out.push({ feature, path, what })
  }
  const compute = spec.compute
  switch (compute._tag) {
    case "Local":
      if (reportable["compute.local"]) use("compute.local", "compute", "compute is Local")
      break
    case "Cluster":
      if (reportable["compute.cluster"]) use("compute.cluster", "compute", `compute is the cluster "${compute.name}"`)
      break
    case "Serverless":
      if (reportable["compute.serverless"]) use("compute.serverless", "compute", `compute is serverless ${compute.vmSize ?? "(default instance type)"}${compute.vmPriority === undefined ? "" : ` (${compute.vmPriority})`}`)
      break
  }
  const nodeCount = spec.nodeCount
  if (nodeCount > 1 && reportable.nodeCount) use("nodeCount", "nodeCount", `nodeCount is ${nodeCount}`)
  if (spec.processCountPerNode > 1 && reportable.processCountPerNode) use("processCountPerNode", "processCountPerNode", `processCountPerNode is ${spec.processCountPerNode}`)
  const distribution = spec.distribution
  if (distribution._tag === "TensorFlow" && distribution.workerCount + distribution.parameterServerCount > nodeCount && reportable.tensorFlowTasks) {
    use("tensorFlowTasks", "distribution", `the TensorFlow job has ${distribution.workerCount} worker(s) and ${distribution.parameterServerCount} parameter server(s) on ${nodeCount} node(s)`)
  }
  if (spec.gpu && reportable.gpu) use("gpu", "gpu", "gpu is true")
  const environment = spec.environment
  if (!environment.docker && reportable["environment.noDocker"]) use("environment.noDocker", "environment.docker", "environment.docker is false")
  const image = environment.image
  if (image !== undefined) {
    if (reportable["environment.image"]) use("environment.image", "environment.image", `environment.image is "${image.name}"`)
    const registry = image.registry
    if (registry?.password !== undefined && reportable["environment.registryCredentials"]) {
      use("environment.registryCredentials", "environment.image.registry.password", `the registry ${registry.address} has a password`)
    }
  }
  const build = environment.build
  if (build !== undefined && reportable["environment.build"]) use("environment.build", "environment.build", `environment.build is the context "${build.context}"`)
  const registered = environment.registered
  if (registered !== undefined && reportable["environment.registered"]) use("environment.registered", "environment.registered", `environment.registered is "${registered.name}"`)
  if (!environment.userManagedPython && registered === undefined && reportable["environment.packages"]) {
    if (environment.condaPackages.length > 0) use("environment.packages", "environment.condaPackages", `environment.condaPackages lists ${environment.condaPackages.join(", ")}`)
    if (environment.pipPackages.length > 0) use("environment.packages", "environment.pipPackages", `environment.pipPackages lists ${environment.pipPackages.join(", ")}`)
    const condaFile = environment.condaFile
    if (condaFile !== undefined) use("environment.packages", "environment.condaFile", `environment.condaFile is "${condaFile}"`)
    const requirementsFile = environment.pipRequirementsFile
    if (requirementsFile !== undefined) use("environment.packages", "environment.pipRequirementsFile", `environment.pipRequirementsFile is "${requirementsFile}"`)
    const framework = spec.framework
    if (framework !== undefined && condaFile === undefined && build === undefined) {
      use("environment.packages", "framework", `the ${framework.name} ${framework.version} framework installs its packages`)
    }
  }
  const shmSize = spec.shmSize
  if (shmSize !== undefined && reportable.shmSize) use("shmSize", "shmSize", `shmSize is "${shmSize}"`)
  const dockerArgs = spec.dockerArgs
  if (dockerArgs !== undefined && reportable.dockerArgs) use("dockerArgs", "dockerArgs", `dockerArgs is "${dockerArgs}"`)
  const maxRunDuration = spec.maxRunDurationSeconds
  if (maxRunDuration !== undefined && reportable.maxRunDuration) use("maxRunDuration", "maxRunDurationSeconds", `maxRunDurationSeconds is ${maxRunDuration}`)
  if (reportable.secretEnvironmentVariables) {
    for (const name in spec.secretEnvironmentVariables) {
      if (hasOwn.call(spec.secretEnvironmentVariables, name)) use("secretEnvironmentVariables", `secretEnvironmentVariables.${name}`, `${name} is a secret environment variable`)
    }
  }
  const command = spec.command
  if (command !== undefined) {
    if (reportable.command) use("command", "command", "the job runs a command")
    if (reportable.commandWithoutWordCharacter && !WORD_CHARACTER.test(command)) use("commandWithoutWordCharacter", "command", `command ${JSON.stringify(command)} has no letter, digit or underscore`)
  }
  if (reportable.argumentWithTemplate) {
    const args = spec.arguments
    for (let index = 0; index < args.length; index++) {
      const argument = args[index]
      if (typeof argument === "string" && argument.includes("${{")) use("argumentWithTemplate", `arguments[${index}]`, `arguments[${index}] contains "\${{"`)
    }
  }
  const inputs = spec.resumeFrom === undefined ? spec.inputs : Estimator.effectiveInputs(spec)
  for (const name in inputs) {
    if (!hasOwn.call(inputs, name)) continue
    const input = inputs[name] as Data.Input
    const fromResume = spec.resumeFrom !== undefined && name === Estimator.RESUME_FROM_INPUT && !hasOwn.call(spec.inputs, name)
    const path = fromResume ? "resumeFrom" : `inputs.${name}`
    const label = fromResume ? "resumeFrom" : `the input "${name}"`
    if (input._tag === "Literal") {
      if (reportable["inputs.literal"]) use("inputs.literal", path, `${label} is a literal`)
      if (reportable["inputs.literalWithoutWordCharacter"]) {
        const literal = renderLiteral(input.value)
        if (!WORD_CHARACTER.test(literal)) {
          use("inputs.literalWithoutWordCharacter", path, `${label} is the literal ${JSON.stringify(literal)}, which has no letter, digit or underscore`)
        }
      }
      continue
    }
    const source = input.source
    switch (source._tag) {
      case "LocalPath":
        if (reportable["inputs.localPath"]) use("inputs.localPath", path, `${label} reads the local path "${source.path}"`)
        break
      case "Datastore":
        if (reportable["inputs.datastore"]) use("inputs.datastore", path, `${label} reads ${source.datastore}:${source.path}`)
        break
      case "DataAsset":
        if (reportable["inputs.dataAsset"]) use("inputs.dataAsset", path, `${label} reads the data asset "${source.name}"`)
        break
      case "Uri":
        if (reportable["inputs.uri"]) use("inputs.uri", path, `${label} reads ${source.uri}`)
        break
    }
  }
  const outputs = spec.outputs
  for (const name in outputs) {
    if (!hasOwn.call(outputs, name)) continue
    const output = outputs[name] as Data.Output
    if (output.destination !== undefined && reportable["outputs.destination"]) use("outputs.destination", `outputs.${name}.destination`, `the output "${name}" has a destination`)
    if ((output.assetName !== undefined || output.assetVersion !== undefined) && reportable["outputs.asset"]) {
      use("outputs.asset", `outputs.${name}.${output.assetName !== undefined ? "assetName" : "assetVersion"}`, `the output "${name}" names a data asset`)
    }
  }
  const sourceDatastore = spec.sourceDirectoryDatastore
  if (sourceDatastore !== undefined && reportable.sourceDirectoryDatastore) {
    use("sourceDirectoryDatastore", "sourceDirectoryDatastore", `sourceDirectoryDatastore is "${sourceDatastore}"`)
  }
  return out
}

const CODES: { readonly [S in Exclude<Support, "supported">]: string } = {
  unsupported: "unsupported-by-backend",
  ignored: "ignored-by-backend"
}

/** How each backend reports each feature it does not support: the code, the message's end and the hint around the field's path. */
interface Report {
  readonly support: Exclude<Support, "supported">
  readonly code: string
  readonly messageEnd: string
  readonly hintStart: string
  readonly hintEnd: string
  readonly backends: ReadonlyArray<BackendName>
}

const reportOf = (backend: BackendName, feature: Feature): Report | undefined => {
  const capability = table[backend][feature]
  const support = capability.support
  if (support === "supported") return undefined
  const others = supporting[feature].filter((b) => b !== backend).join(" or ")
  const [hintStart, hintEnd] = support === "unsupported"
    ? others !== "" ? [`Use --backend ${others}, or change `, "."] : ["Remove ", ": no backend can honour it."]
    : others !== "" ? [`It takes effect with --backend ${others}.`, ""] : ["Remove ", " to silence this warning."]
  return { support, code: CODES[support], messageEnd: `: ${capability.note}.`, hintStart, hintEnd, backends: supporting[feature] }
}

const reports = Object.fromEntries(EXECUTING.concat(["dry-run"]).map((backend) => [
  backend,
  Object.fromEntries((Object.keys(features) as ReadonlyArray<Feature>).map((feature) => [feature, reportOf(backend, feature)]))
])) as unknown as { readonly [B in BackendName]: { readonly [F in Feature]: Report | undefined } }

const issueFor = (usage: Usage, report: Report): PlanIssue => ({
  path: usage.path,
  code: report.code,
  message: usage.what + report.messageEnd,
  // "It takes effect with --backend ..." names no path; every other hint names the field.
  hint: report.hintEnd === "" ? report.hintStart : report.hintStart + usage.path + report.hintEnd,
  severity: report.support === "unsupported" ? "error" : "warning",
  backends: report.backends
})

/**
 * The errors (unsupported features) and warnings (ignored features) of `spec` for `backend`.
 *
 * @internal
 */
export const check = (
  backend: BackendName,
  spec: Estimator.Estimator
): { readonly errors: ReadonlyArray<PlanIssue>; readonly warnings: ReadonlyArray<Validation.Issue> } =>
  checkUsages(backend, usages(spec))

/**
 * {@link check} on the usages of a spec, so that checking several backends finds them once.
 *
 * @internal
 */
export const checkUsages = (
  backend: BackendName,
  found: ReadonlyArray<Usage>
): { readonly errors: ReadonlyArray<PlanIssue>; readonly warnings: ReadonlyArray<Validation.Issue> } => {
  const errors: Array<PlanIssue> = []
  const warnings: Array<PlanIssue> = []
  const backendReports = reports[backend]
  for (let i = 0; i < found.length; i++) {
    const usage = found[i] as Usage
    const report = backendReports[usage.feature]
    if (report !== undefined) (report.support === "unsupported" ? errors : warnings).push(issueFor(usage, report))
  }
  return { errors, warnings }
}
