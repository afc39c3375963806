/**
 * Spec → Azure ML CLI v2 command-job YAML. See `AzureMlYaml.ts` for the mapping and the decisions.
 *
 * @internal
 */
import { Estimator } from "@estimator/core"
import type { Validation } from "@estimator/core"
import { Conda } from "@estimator/env"
import { Either } from "effect"
import type { ImportIssue, ToYamlOptions } from "../AzureMlYaml.js"
import { parseEntryScript, renderEntryScript } from "./azureMlYamlCommand.js"
import { condaDocument, condaSpecificationOf, frameworkVariablesFirst, resolveForExport } from "./azureMlYamlEnvironment.js"
import * as Path from "./azureMlYamlPath.js"
import { hasScheme, renderDataSource, renderEnvironmentReference } from "./azureMlYamlRefs.js"
import {
  RESUME_FROM_INPUT,
  SCHEMA_URL,
  TAG_BACKEND,
  TAG_FRAMEWORK,
  TAG_FRAMEWORK_DEFAULTED,
  TAG_GPU,
  TAG_PREFIX
} from "./azureMlYamlShared.js"
import { stringify } from "./azureMlYamlSyntax.js"

type Issues = Array<ImportIssue>

const issue = (path: string, code: string, message: string, hint?: string): ImportIssue =>
  hint === undefined ? { path, code, message } : { path, code, message, hint }

const noYamlKey = (issues: Issues, path: string, what: string, hint: string): void => {
  issues.push(issue(path, "no-yaml-equivalent", `${path} cannot be written to Azure ML YAML: ${what}`, hint))
}

const AZURE_REFERENCE = /\$\{\{|(?<!\{)\{(inputs|outputs|search_space)\.[^}]*\}(?!\})/

const define = <A>(target: { [key: string]: A }, key: string, value: A): void => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

const isPositiveInteger = (n: number): boolean => Number.isInteger(n) && n > 0

/** Writes spec paths (relative to the spec's base) as YAML paths (relative to the YAML's folder). */
const makeYamlPath = (baseDirectory: string | undefined) => {
  const base = Path.normalize(baseDirectory === undefined || baseDirectory === "" ? "." : baseDirectory)
  return (issues: Issues, field: string, path: string): string | undefined => {
    if (base === "." || Path.isAbsolute(path)) return path
    const result = Path.relative(base, path)
    if (result === undefined) {
      issues.push(issue(field, "path-not-expressible", `${field} "${path}" cannot be written relative to the YAML's folder "${base}" without knowing more folder names.`, "Pass a baseDirectory of the same kind as the spec's paths (both relative to the same folder, or both absolute)."))
    }
    return result
  }
}

const entryCommand = (issues: Issues, spec: Estimator.Estimator): string | undefined => {
  if (spec.entryScript !== undefined && spec.command !== undefined) {
    issues.push(issue("command", "entry-conflict", "Both entryScript and command are set; a command job runs one command.", "Remove one of them."))
    return undefined
  }
  if (spec.command !== undefined) {
    if (spec.arguments.length > 0) {
      noYamlKey(issues, "arguments", "a command job has one command and no separate arguments.", "Write the arguments into command (with ${{inputs.name}} for inputs), or use entryScript.")
    }
    if (spec.resumeFrom !== undefined) {
      noYamlKey(issues, "resumeFrom", "resumeFrom appends --resume-from to the entry script's arguments, and a command has none.", `Add the input ${RESUME_FROM_INPUT} and write --resume-from \${{inputs.${RESUME_FROM_INPUT}}} into the command, or use entryScript.`)
    }
    if (/(?<!\{)\{(inputs|outputs)\.[^}]*\}(?!\})/.test(spec.command)) {
      issues.push(issue("command", "single-brace-reference", "command contains {inputs.x} or {outputs.x}, which Azure ML rewrites to ${{...}}, so the job would not run the spec's command.", "Write ${{inputs.name}} / ${{outputs.name}}, or quote the braces differently."))
    }
    return spec.command
  }
  if (spec.entryScript === undefined) {
    issues.push(issue("entryScript", "entry-missing", "Neither entryScript nor command is set: the job has nothing to run.", "Set entryScript or command."))
    return undefined
  }
  const args = Estimator.effectiveArguments(spec)
  let ok = true
  if (AZURE_REFERENCE.test(spec.entryScript)) {
    ok = false
    issues.push(issue("entryScript", "azure-expression-in-literal", "entryScript contains ${{ or {inputs./{outputs., which Azure ML would substitute.", "Rename the script."))
  }
  args.forEach((argument, index) => {
    if (typeof argument === "string" && AZURE_REFERENCE.test(argument)) {
      ok = false
      issues.push(issue(`arguments[${index}]`, "azure-expression-in-literal", `arguments[${index}] is the text "${argument}", but Azure ML substitutes \${{...}} and {inputs.x} in the command even inside quotes, so the script would not receive it as written.`, "Use Data.input(name) / Data.outputRef(name) for references, or change the text."))
    } else if (typeof argument === "number" && !Number.isFinite(argument)) {
      ok = false
      issues.push(issue(`arguments[${index}]`, "invalid-argument", `arguments[${index}] is ${argument}, which is not a number a command line can carry.`))
    } else if (typeof argument === "object" && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(argument.name)) {
      ok = false
      issues.push(issue(`arguments[${index}]`, "invalid-reference", `arguments[${index}] refers to "${argument.name}", which cannot be written as \${{${argument._tag === "InputRef" ? "inputs" : "outputs"}.${argument.name}}}.`, "Name inputs and outputs with letters, digits and underscores."))
    }
  })
  if (!ok) return undefined
  const command = renderEntryScript(spec.entryScript, args)
  const back = parseEntryScript(command)
  if (back === undefined || back.entryScript !== spec.entryScript) {
    issues.push(issue("entryScript", "entry-script-not-expressible", `entryScript "${spec.entryScript}" cannot be written as python <script>: Azure ML YAML would read the command back differently (a script must be a relative path inside sourceDirectory, not start with '-', and not be a notebook).`, "Rename the script, or write a command instead."))
    return undefined
  }
  return command
}

interface EnvironmentYaml {
  readonly environment: unknown
  /** The job's plain variables: the framework's, then the spec's. */
  readonly variables: { readonly [name: string]: string }
}

const fromValidation = (issues: ReadonlyArray<Validation.Issue>): ReadonlyArray<ImportIssue> =>
  issues.map((found) => issue(found.path, found.code, found.message, found.hint))

/**
 * The environment the azureml plan registers for the spec, as YAML: a registered environment or a
 * build context as they are, else the image (the spec's, the framework's or the default one) with
 * the conda file the spec names or the conda specification it builds, written inline.
 */
const environmentYaml = (
  issues: Issues,
  spec: Estimator.Estimator,
  yamlPath: (issues: Issues, field: string, path: string) => string | undefined,
  files: ToYamlOptions["files"]
): EnvironmentYaml | undefined => {
  const env = spec.environment
  const before = issues.length
  if (!env.docker) {
    noYamlKey(issues, "environment.docker", "Azure ML runs every command job in a container.", "Remove withoutDocker for export (it only matters for the local backend).")
  }
  const registry = env.image?.registry
  if (registry?.password !== undefined) {
    noYamlKey(issues, "environment.image.registry.password", "a registry password is a secret, and Azure ML YAML has no place for secrets (it would be stored in clear text).", "Connect the registry to the workspace (or use its managed identity) and drop the registry credentials for export.")
  } else if (registry !== undefined) {
    noYamlKey(issues, "environment.image.registry", "Azure ML YAML has no registry credentials; the image name carries the registry address.", "Put the registry address into the image name and connect the registry to the workspace.")
  }
  const packageField = env.condaPackages.length > 0
    ? "environment.condaPackages"
    : env.pipPackages.length > 0
    ? "environment.pipPackages"
    : env.pipRequirementsFile !== undefined
    ? "environment.pipRequirementsFile"
    : undefined
  let shape: { readonly _tag: "Fixed"; readonly environment: unknown } | { readonly _tag: "Image"; readonly condaFile?: string }
  if (env.registered !== undefined) {
    const conflicts: ReadonlyArray<readonly [string, boolean]> = [
      ["environment.image", env.image !== undefined],
      ["environment.build", env.build !== undefined],
      ["environment.condaFile", env.condaFile !== undefined],
      ["environment.condaPackages", env.condaPackages.length > 0],
      ["environment.pipPackages", env.pipPackages.length > 0],
      ["environment.pipRequirementsFile", env.pipRequirementsFile !== undefined],
      ["environment.userManagedPython", env.userManagedPython]
    ]
    for (const [path, present] of conflicts) {
      if (present) noYamlKey(issues, path, "it is set together with a registered environment, and an Azure ML environment reference stands alone.", `Remove ${path}, or describe the environment inline instead of withEnvironmentRef.`)
    }
    const reference = renderEnvironmentReference(env.registered)
    if (reference._tag === "Invalid") {
      issues.push(issue("environment.registered", "invalid-environment-reference", reference.message, reference.hint))
      return undefined
    }
    shape = { _tag: "Fixed", environment: reference.reference }
  } else if (env.build !== undefined) {
    if (env.image !== undefined) {
      issues.push(issue("environment.build", "image-and-build", "Both environment.image and environment.build are set; Azure ML takes one.", "Keep one of withImage and withBuildContext."))
    }
    if (env.condaFile !== undefined || packageField !== undefined) {
      noYamlKey(issues, env.condaFile !== undefined ? "environment.condaFile" : packageField ?? "environment", "Azure ML installs no conda specification on top of a build context.", "Install the packages in the Dockerfile.")
    } else if (!env.userManagedPython) {
      noYamlKey(issues, "environment.userManagedPython", "it is false, but Azure ML uses an image built from a context as is, installing nothing.", "Use withUserManagedPython (the Dockerfile installs what the script needs).")
    }
    if (hasScheme(env.build.context)) {
      issues.push(issue("environment.build.context", "path-not-expressible", `The build context "${env.build.context}" would be read as a URL.`, "Write it as ./<folder>."))
    }
    const context = yamlPath(issues, "environment.build.context", env.build.context)
    if (context === undefined) return undefined
    shape = { _tag: "Fixed", environment: { build: env.build.dockerfile === undefined ? { path: context } : { path: context, dockerfile_path: env.build.dockerfile } } }
  } else if (env.userManagedPython) {
    if (env.condaFile !== undefined || packageField !== undefined) {
      noYamlKey(issues, env.condaFile !== undefined ? "environment.condaFile" : packageField ?? "environment", "the Python environment is user-managed, so nothing would install it.", "Remove the packages, or remove withUserManagedPython.")
    }
    shape = { _tag: "Image" }
  } else if (env.condaFile !== undefined) {
    if (packageField !== undefined) {
      noYamlKey(issues, packageField, "packages next to a conda file would need merging into it.", "Move the packages into the conda file.")
    }
    if (files !== undefined && Conda.lookup(files, env.condaFile) === undefined) {
      issues.push(issue("environment.condaFile", "file-not-found", `The conda file "${env.condaFile}" was not found among the files given with the spec.`, "Pass its content in options.files, keyed by environment.condaFile as the spec writes it (or pass no files to refer to it unread)."))
    }
    const condaFile = yamlPath(issues, "environment.condaFile", Path.join(Path.normalize(spec.sourceDirectory), env.condaFile))
    if (condaFile !== undefined && hasScheme(condaFile)) {
      issues.push(issue("environment.condaFile", "path-not-expressible", `The conda file "${condaFile}" would be read as a URL.`, "Rename the file or its folder."))
    }
    if (condaFile === undefined) return undefined
    shape = { _tag: "Image", condaFile }
  } else {
    const requirements = env.pipRequirementsFile
    if (requirements !== undefined && (files === undefined || Conda.lookup(files, requirements) === undefined)) {
      issues.push(issue("environment.pipRequirementsFile", "file-not-found", `The requirements file "${requirements}" is needed to write its packages into the YAML's conda specification, and it was not among the files given with the spec.`, "Pass its content in options.files, keyed by environment.pipRequirementsFile as the spec writes it."))
    }
    shape = { _tag: "Image" }
  }
  if (issues.length > before) return undefined

  const resolved = resolveForExport(spec, files ?? {})
  if (Either.isLeft(resolved)) {
    issues.push(...fromValidation(resolved.left))
    return undefined
  }
  const variables = frameworkVariablesFirst(resolved.right.variables, spec.gpu, spec.framework)
  if (shape._tag === "Fixed") return { environment: shape.environment, variables }
  const environment = resolved.right.environment
  if (environment._tag !== "Image") return undefined
  const image = environment.baseImage
  if (shape.condaFile !== undefined) return { environment: { image, conda_file: shape.condaFile }, variables }
  const conda = condaSpecificationOf(environment)
  return { environment: conda === undefined ? { image } : { image, conda_file: condaDocument(conda) }, variables }
}

const computeYaml = (issues: Issues, spec: Estimator.Estimator): { [key: string]: unknown } => {
  const result: { [key: string]: unknown } = {}
  const resources: { [key: string]: unknown } = {}
  switch (spec.compute._tag) {
    case "Local":
      result["compute"] = "local"
      break
    case "Cluster":
      if (spec.compute.name === "" || spec.compute.name.includes("/")) {
        issues.push(issue("compute.name", "invalid-compute-name", `The cluster name "${spec.compute.name}" cannot be written as compute: azureml:<name>.`, "Give the compute cluster's name."))
      }
      result["compute"] = `azureml:${spec.compute.name}`
      break
    case "Serverless":
      if (spec.compute.vmSize === "") issues.push(issue("compute.vmSize", "vm-size-empty", "compute.vmSize is empty.", "Give an Azure VM size, e.g. Standard_DS3_v2."))
      if (spec.compute.vmSize !== undefined) resources["instance_type"] = spec.compute.vmSize
      if (spec.compute.vmPriority !== undefined) {
        result["queue_settings"] = { job_tier: spec.compute.vmPriority === "lowpriority" ? "spot" : "standard" }
      }
      break
  }
  if (!isPositiveInteger(spec.nodeCount)) {
    issues.push(issue("nodeCount", "not-positive-integer", `nodeCount is ${spec.nodeCount}; resources.instance_count must be a whole number of at least 1.`, "Set nodeCount to 1 or more."))
  } else if (spec.nodeCount !== 1) {
    resources["instance_count"] = spec.nodeCount
  }
  if (spec.shmSize !== undefined) resources["shm_size"] = spec.shmSize
  if (spec.dockerArgs !== undefined) resources["docker_args"] = spec.dockerArgs

  const distribution = spec.distribution
  const processes = spec.processCountPerNode
  if (!isPositiveInteger(processes)) {
    issues.push(issue("processCountPerNode", "not-positive-integer", `processCountPerNode is ${processes}; it must be a whole number of at least 1.`, "Set processCountPerNode to 1 or more."))
  }
  switch (distribution._tag) {
    case "None":
      if (processes > 1) {
        noYamlKey(issues, "processCountPerNode", "without a distribution Azure ML starts one process per node.", "Add a distribution (withMpi / withPyTorchDistribution), or set processCountPerNode to 1.")
      }
      break
    case "Mpi":
      result["distribution"] = { type: "mpi", process_count_per_instance: processes }
      break
    case "PyTorch":
      result["distribution"] = { type: "pytorch", process_count_per_instance: processes }
      break
    case "TensorFlow":
      if (processes !== 1) {
        noYamlKey(issues, "processCountPerNode", "TensorFlow parameter-server jobs run one task per process, counted by worker_count and parameter_server_count.", "Set processCountPerNode to 1.")
      }
      if (!isPositiveInteger(distribution.workerCount) || !(Number.isInteger(distribution.parameterServerCount) && distribution.parameterServerCount >= 0)) {
        issues.push(issue("distribution", "invalid-distribution", "distribution.workerCount must be at least 1 and parameterServerCount at least 0, whole numbers.", "Fix the counts."))
      }
      result["distribution"] = { type: "tensorflow", worker_count: distribution.workerCount, parameter_server_count: distribution.parameterServerCount }
      break
  }
  if (Object.keys(resources).length > 0) result["resources"] = resources
  if (spec.maxRunDurationSeconds !== undefined) {
    if (!isPositiveInteger(spec.maxRunDurationSeconds)) {
      issues.push(issue("maxRunDurationSeconds", "invalid-duration", `maxRunDurationSeconds is ${spec.maxRunDurationSeconds}; limits.timeout takes whole seconds, at least 1.`, "Set it to the limit in seconds."))
    }
    result["limits"] = { timeout: spec.maxRunDurationSeconds }
  }
  return result
}

const inputsYaml = (
  issues: Issues,
  spec: Estimator.Estimator,
  yamlPath: (issues: Issues, field: string, path: string) => string | undefined
): { [name: string]: unknown } => {
  if (spec.resumeFrom !== undefined && Object.hasOwn(spec.inputs, RESUME_FROM_INPUT)) {
    issues.push(issue(`inputs.${RESUME_FROM_INPUT}`, "resume-from-input-conflict", `resumeFrom adds the input ${RESUME_FROM_INPUT}, but an input of that name already exists.`, `Rename the input ${RESUME_FROM_INPUT}, or remove resumeFrom.`))
  }
  const result: { [name: string]: unknown } = {}
  for (const [name, input] of Object.entries(Estimator.effectiveInputs(spec))) {
    const field = `inputs.${name}`
    if (input._tag === "Literal") {
      if (typeof input.value === "number" && !Number.isFinite(input.value)) {
        issues.push(issue(`${field}.value`, "invalid-value", `${field} is ${input.value}, which YAML cannot carry as a job input.`))
      }
      define(result, name, input.value)
      continue
    }
    if (input.optional !== undefined) {
      noYamlKey(issues, `${field}.optional`, "inputs of a command job are always bound; optional inputs belong to components.", "Remove optional for export.")
    }
    let path: string | undefined
    if (input.source._tag === "LocalPath") {
      if (hasScheme(input.source.path) || input.source.path.startsWith("azureml:")) {
        issues.push(issue(`${field}.source.path`, "local-path-not-expressible", `The local path "${input.source.path}" would be read as a URI or an asset reference.`, "Write it as ./<path>."))
      } else {
        path = yamlPath(issues, `${field}.source.path`, input.source.path)
      }
    } else {
      const rendered = renderDataSource(input.source)
      if (rendered._tag === "Invalid") issues.push(issue(`${field}.source`, "invalid-data-source", rendered.message, rendered.hint))
      else path = rendered.path
    }
    define(result, name, { type: input.type, path: path ?? "", mode: input.mode })
  }
  return result
}

const outputsYaml = (issues: Issues, spec: Estimator.Estimator): { [name: string]: unknown } => {
  const result: { [name: string]: unknown } = {}
  for (const [name, output] of Object.entries(spec.outputs)) {
    const field = `outputs.${name}`
    const entry: { [key: string]: unknown } = { type: output.type, mode: output.mode }
    if (output.destination !== undefined) {
      const rendered = renderDataSource(output.destination)
      if (rendered._tag === "Invalid") issues.push(issue(`${field}.destination`, "invalid-data-source", rendered.message, rendered.hint))
      else if (rendered.path.startsWith("azureml:") && !rendered.path.startsWith("azureml://")) {
        issues.push(issue(`${field}.destination`, "invalid-data-source", "An output destination must be a datastore path or a URI.", "Use Data.datastorePath(...)."))
      } else entry["path"] = rendered.path
    }
    if (output.assetName !== undefined) entry["name"] = output.assetName
    if (output.assetVersion !== undefined) entry["version"] = output.assetVersion
    define(result, name, entry)
  }
  return result
}

const tagsYaml = (issues: Issues, spec: Estimator.Estimator): { [name: string]: string } => {
  const tags: { [name: string]: string } = {}
  for (const [key, value] of Object.entries(spec.tags)) {
    if (key.startsWith(TAG_PREFIX)) {
      issues.push(issue(`tags.${key}`, "reserved-tag", `The tag "${key}" uses the prefix "${TAG_PREFIX}", which the YAML export reserves for spec fields that Azure ML has no key for.`, "Rename the tag."))
    }
    define(tags, key, value)
  }
  if (spec.gpu) tags[TAG_GPU] = "true"
  if (spec.distribution._tag === "PyTorch" && spec.distribution.backend !== "nccl") tags[TAG_BACKEND] = spec.distribution.backend
  const framework = spec.framework
  if (framework !== undefined) {
    if (/\s/.test(framework.version) || framework.version === "") {
      issues.push(issue("framework.version", "invalid-framework-version", `framework.version "${framework.version}" is empty or has spaces.`))
    }
    tags[TAG_FRAMEWORK] = `${framework.name} ${framework.version}`
    if (framework.versionDefaulted !== undefined) tags[TAG_FRAMEWORK_DEFAULTED] = String(framework.versionDefaulted)
  }
  return tags
}

/** @internal */
export const exportYaml = (spec: Estimator.Estimator, options: ToYamlOptions): { readonly errors: ReadonlyArray<ImportIssue> } | { readonly yaml: string } => {
  const issues: Issues = []
  const yamlPath = makeYamlPath(options.baseDirectory)
  for (const name of Object.keys(spec.secretEnvironmentVariables)) {
    noYamlKey(issues, `secretEnvironmentVariables.${name}`, "Azure ML YAML has no secret environment variables: a value written there is stored with the job in clear text.", "Remove it for export, and have the script read the secret from the workspace's Key Vault (or use an identity).")
  }
  if (spec.sourceDirectoryDatastore !== undefined) {
    noYamlKey(issues, "sourceDirectoryDatastore", "Azure ML v2 uploads code from a local folder and has no source-directory datastore.", "Remove withSourceDirectoryDatastore for export.")
  }
  const command = entryCommand(issues, spec)
  const code = yamlPath(issues, "sourceDirectory", spec.sourceDirectory)
  if (code !== undefined && hasScheme(code)) {
    issues.push(issue("sourceDirectory", "invalid-source-directory", `sourceDirectory "${code}" would be read as a URI or a registered code asset.`, "Write it as ./<folder>."))
  }
  const environment = environmentYaml(issues, spec, yamlPath, options.files)
  const compute = computeYaml(issues, spec)
  const inputs = inputsYaml(issues, spec, yamlPath)
  const outputs = outputsYaml(issues, spec)
  const tags = tagsYaml(issues, spec)
  if (issues.length > 0) return { errors: issues }

  const document: { [key: string]: unknown } = { $schema: SCHEMA_URL, type: "command" }
  if (spec.name !== undefined) document["name"] = spec.name
  if (spec.displayName !== undefined) document["display_name"] = spec.displayName
  if (spec.experimentName !== undefined) document["experiment_name"] = spec.experimentName
  if (spec.description !== undefined) document["description"] = spec.description
  if (Object.keys(tags).length > 0) document["tags"] = tags
  document["code"] = code
  document["command"] = command
  document["environment"] = environment?.environment
  const variables = environment?.variables ?? spec.environmentVariables
  if (Object.keys(variables).length > 0) document["environment_variables"] = variables
  for (const key of ["compute", "distribution", "resources", "limits", "queue_settings"]) {
    if (compute[key] !== undefined) document[key] = compute[key]
  }
  if (Object.keys(inputs).length > 0) document["inputs"] = inputs
  if (Object.keys(spec.outputs).length > 0) document["outputs"] = outputs
  return { yaml: stringify(document) }
}
