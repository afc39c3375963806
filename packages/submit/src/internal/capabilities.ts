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
 * One place where a spec uses a feature: the field's path and what it holds (rendered only for
 * the issues that quote it).
 *
 * @internal
 */
export interface Usage {
  readonly feature: Feature
  readonly path: string
  readonly what: () => string
}

const WORD_CHARACTER = /[A-Za-z0-9_]/

const renderLiteral = (value: string | number | boolean): string =>
  Estimator.renderArgument(value, () => "")

const usage = (feature: Feature, path: string, what: () => string): Usage => ({ feature, path, what })

/**
 * Every use of a feature in a (valid) spec, in field order.
 *
 * @internal
 */
export const usages = (spec: Estimator.Estimator): ReadonlyArray<Usage> => {
  const out: Array<Usage> = []
  const compute = spec.compute
  switch (compute._tag) {
    case "Local":
      out.push(usage("compute.local", "compute", () => "compute is Local"))
      break
    case "Cluster":
      out.push(usage("compute.cluster", "compute", () => `compute is the cluster "${compute.name}"`))
      break
    case "Serverless":
      out.push(usage("compute.serverless", "compute", () => `compute is serverless ${compute.vmSize ?? "(default instance type)"}${compute.vmPriority === undefined ? "" : ` (${compute.vmPriority})`}`))
      break
  }
  if (spec.nodeCount > 1) out.push(usage("nodeCount", "nodeCount", () => `nodeCount is ${spec.nodeCount}`))
  if (spec.processCountPerNode > 1) out.push(usage("processCountPerNode", "processCountPerNode", () => `processCountPerNode is ${spec.processCountPerNode}`))
  const distribution = spec.distribution
  if (distribution._tag === "TensorFlow") {
    const tasks = distribution.workerCount + distribution.parameterServerCount
    if (tasks > spec.nodeCount) {
      out.push(usage("tensorFlowTasks", "distribution", () => `the TensorFlow job has ${distribution.workerCount} worker(s) and ${distribution.parameterServerCount} parameter server(s) on ${spec.nodeCount} node(s)`))
    }
  }
  if (spec.gpu) out.push(usage("gpu", "gpu", () => "gpu is true"))
  const environment = spec.environment
  if (!environment.docker) out.push(usage("environment.noDocker", "environment.docker", () => "environment.docker is false"))
  const image = environment.image
  if (image !== undefined) {
    out.push(usage("environment.image", "environment.image", () => `environment.image is "${image.name}"`))
    const registry = image.registry
    if (registry?.password !== undefined) {
      out.push(usage("environment.registryCredentials", "environment.image.registry.password", () => `the registry ${registry.address} has a password`))
    }
  }
  const build = environment.build
  if (build !== undefined) out.push(usage("environment.build", "environment.build", () => `environment.build is the context "${build.context}"`))
  const registered = environment.registered
  if (registered !== undefined) out.push(usage("environment.registered", "environment.registered", () => `environment.registered is "${registered.name}"`))
  if (!environment.userManagedPython && registered === undefined) {
    if (environment.condaPackages.length > 0) out.push(usage("environment.packages", "environment.condaPackages", () => `environment.condaPackages lists ${environment.condaPackages.join(", ")}`))
    if (environment.pipPackages.length > 0) out.push(usage("environment.packages", "environment.pipPackages", () => `environment.pipPackages lists ${environment.pipPackages.join(", ")}`))
    const condaFile = environment.condaFile
    if (condaFile !== undefined) out.push(usage("environment.packages", "environment.condaFile", () => `environment.condaFile is "${condaFile}"`))
    const requirementsFile = environment.pipRequirementsFile
    if (requirementsFile !== undefined) out.push(usage("environment.packages", "environment.pipRequirementsFile", () => `environment.pipRequirementsFile is "${requirementsFile}"`))
    const framework = spec.framework
    if (framework !== undefined && condaFile === undefined && build === undefined) {
      out.push(usage("environment.packages", "framework", () => `the ${framework.name} ${framework.version} framework installs its packages`))
    }
  }
  const shmSize = spec.shmSize
  if (shmSize !== undefined) out.push(usage("shmSize", "shmSize", () => `shmSize is "${shmSize}"`))
  const dockerArgs = spec.dockerArgs
  if (dockerArgs !== undefined) out.push(usage("dockerArgs", "dockerArgs", () => `dockerArgs is "${dockerArgs}"`))
  const maxRunDuration = spec.maxRunDurationSeconds
  if (maxRunDuration !== undefined) out.push(usage("maxRunDuration", "maxRunDurationSeconds", () => `maxRunDurationSeconds is ${maxRunDuration}`))
  for (const name of Object.keys(spec.secretEnvironmentVariables)) {
    out.push(usage("secretEnvironmentVariables", `secretEnvironmentVariables.${name}`, () => `${name} is a secret environment variable`))
  }
  const command = spec.command
  if (command !== undefined) {
    out.push(usage("command", "command", () => "the job runs a command"))
    if (!WORD_CHARACTER.test(command)) out.push(usage("commandWithoutWordCharacter", "command", () => `command ${JSON.stringify(command)} has no letter, digit or underscore`))
  }
  const args = spec.arguments
  for (let index = 0; index < args.length; index++) {
    const argument = args[index]
    if (typeof argument === "string" && argument.includes("${{")) {
      out.push(usage("argumentWithTemplate", `arguments[${index}]`, () => `arguments[${index}] contains "\${{"`))
    }
  }
  const inputs = spec.resumeFrom === undefined ? spec.inputs : Estimator.effectiveInputs(spec)
  for (const name of Object.keys(inputs)) {
    const input = inputs[name] as Data.Input
    const fromResume = spec.resumeFrom !== undefined && name === Estimator.RESUME_FROM_INPUT && !(name in spec.inputs)
    const path = fromResume ? "resumeFrom" : `inputs.${name}`
    const label = fromResume ? "resumeFrom" : `the input "${name}"`
    if (input._tag === "Literal") {
      out.push(usage("inputs.literal", path, () => `${label} is a literal`))
      const literal = renderLiteral(input.value)
      if (!WORD_CHARACTER.test(literal)) {
        out.push(usage("inputs.literalWithoutWordCharacter", path, () => `${label} is the literal ${JSON.stringify(literal)}, which has no letter, digit or underscore`))
      }
      continue
    }
    const source = input.source
    switch (source._tag) {
      case "LocalPath":
        out.push(usage("inputs.localPath", path, () => `${label} reads the local path "${source.path}"`))
        break
      case "Datastore":
        out.push(usage("inputs.datastore", path, () => `${label} reads ${source.datastore}:${source.path}`))
        break
      case "DataAsset":
        out.push(usage("inputs.dataAsset", path, () => `${label} reads the data asset "${source.name}"`))
        break
      case "Uri":
        out.push(usage("inputs.uri", path, () => `${label} reads ${source.uri}`))
        break
    }
  }
  for (const name of Object.keys(spec.outputs)) {
    const output = spec.outputs[name] as Data.Output
    if (output.destination !== undefined) out.push(usage("outputs.destination", `outputs.${name}.destination`, () => `the output "${name}" has a destination`))
    if (output.assetName !== undefined || output.assetVersion !== undefined) {
      out.push(usage("outputs.asset", `outputs.${name}.${output.assetName !== undefined ? "assetName" : "assetVersion"}`, () => `the output "${name}" names a data asset`))
    }
  }
  const sourceDatastore = spec.sourceDirectoryDatastore
  if (sourceDatastore !== undefined) {
    out.push(usage("sourceDirectoryDatastore", "sourceDirectoryDatastore", () => `sourceDirectoryDatastore is "${sourceDatastore}"`))
  }
  return out
}

const CODES: { readonly [S in Exclude<Support, "supported">]: string } = {
  unsupported: "unsupported-by-backend",
  ignored: "ignored-by-backend"
}

/** Per backend and feature, the other backends that support it, as the hints name them. */
const elsewhere = Object.fromEntries(EXECUTING.concat(["dry-run"]).map((backend) => [
  backend,
  Object.fromEntries((Object.keys(features) as ReadonlyArray<Feature>).map((feature) => [feature, supporting[feature].filter((b) => b !== backend).join(" or ")]))
])) as unknown as { readonly [B in BackendName]: { readonly [F in Feature]: string } }

const issueFor = (backend: BackendName, usage: Usage, support: Exclude<Support, "supported">): PlanIssue => {
  const capability = table[backend][usage.feature]
  const others = elsewhere[backend][usage.feature]
  const hint = support === "unsupported"
    ? others !== ""
      ? `Use --backend ${others}, or change ${usage.path}.`
      : `Remove ${usage.path}: no backend can honour it.`
    : others !== ""
    ? `It takes effect with --backend ${others}.`
    : `Remove ${usage.path} to silence this warning.`
  return {
    path: usage.path,
    code: CODES[support],
    message: `${usage.what()}: ${capability.note}.`,
    hint,
    severity: support === "unsupported" ? "error" : "warning",
    backends: supporting[usage.feature]
  }
}

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
  const capabilities = table[backend]
  for (const usage of found) {
    const support = capabilities[usage.feature].support
    if (support === "unsupported") errors.push(issueFor(backend, usage, support))
    else if (support === "ignored") warnings.push(issueFor(backend, usage, support))
  }
  return { errors, warnings }
}
