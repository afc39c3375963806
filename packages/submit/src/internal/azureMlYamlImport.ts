/**
 * Azure ML CLI v2 command-job YAML → spec. See `AzureMlYaml.ts` for the mapping and the decisions.
 *
 * @internal
 */
import type { Data, Estimator, Framework } from "@estimator/core"
import { Conda } from "@estimator/env"
import type { FromYamlOptions, ImportIssue, Imported } from "../AzureMlYaml.js"
import { parseEntryScript } from "./azureMlYamlCommand.js"
import { builtDifferences, exactPackages, type InlineConda, withoutFrameworkVariables, withoutImpliedImage } from "./azureMlYamlEnvironment.js"
import * as Path from "./azureMlYamlPath.js"
import { hasScheme, parseDataPath, parseEnvironmentReference } from "./azureMlYamlRefs.js"
import { parse, type Position, type YamlPath } from "./azureMlYamlSyntax.js"
import {
  DATA_TYPES,
  FRAMEWORK_NAMES,
  INPUT_MODES,
  OUTPUT_MODES,
  RESUME_FROM_INPUT,
  TAG_BACKEND,
  TAG_FRAMEWORK,
  TAG_FRAMEWORK_DEFAULTED,
  TAG_GPU,
  TAG_PREFIX
} from "./azureMlYamlShared.js"

// -------------------------------------------------------------------------------------
// issues
// -------------------------------------------------------------------------------------

const formatPath = (path: YamlPath): string =>
  path.reduce<string>((text, segment) => (typeof segment === "number" ? `${text}[${segment}]` : text === "" ? segment : `${text}.${segment}`), "")

class Collector {
  readonly errors: Array<ImportIssue> = []
  readonly warnings: Array<ImportIssue> = []
  constructor(private readonly locate: (path: YamlPath, atKey?: boolean) => Position | undefined) {}

  private make(path: YamlPath, code: string, message: string, hint: string | undefined, atKey: boolean): ImportIssue {
    const position = this.locate(path, atKey)
    return {
      path: formatPath(path),
      code,
      message: position === undefined ? message : `${message} (line ${position.line}, column ${position.column})`,
      ...(hint === undefined ? {} : { hint }),
      ...(position === undefined ? {} : { line: position.line, column: position.column })
    }
  }

  error(path: YamlPath, code: string, message: string, hint?: string): void {
    this.errors.push(this.make(path, code, message, hint, false))
  }

  keyError(path: YamlPath, code: string, message: string, hint?: string): void {
    this.errors.push(this.make(path, code, message, hint, true))
  }

  warning(path: YamlPath, code: string, message: string, hint?: string): void {
    this.warnings.push(this.make(path, code, message, hint, false))
  }
}

// -------------------------------------------------------------------------------------
// reading values
// -------------------------------------------------------------------------------------

type Mapping = { readonly [key: string]: unknown }

const isMapping = (u: unknown): u is Mapping => typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof Date)

const describe = (u: unknown): string =>
  u === null ? "null" : Array.isArray(u) ? "a list" : u instanceof Date ? "a date" : typeof u === "object" ? "a mapping" : `${typeof u} ${JSON.stringify(u)}`

const editDistance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length] ?? 0
}

const suggestion = (key: string, known: ReadonlyArray<string>): string | undefined => {
  const best = known
    .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate) }))
    .sort((x, y) => x.distance - y.distance)[0]
  return best !== undefined && best.distance <= 2 ? best.candidate : undefined
}

interface KeyRules {
  /** Keys this importer reads. */
  readonly supported: ReadonlyArray<string>
  /** Keys Azure ML knows here that the spec cannot express, with the reason. */
  readonly unsupported: { readonly [key: string]: string }
}

/** Report every key of `mapping` that is not read: known-but-unsupported keys and unknown keys. */
const checkKeys = (collector: Collector, path: YamlPath, mapping: Mapping, rules: KeyRules): void => {
  for (const key of Object.keys(mapping)) {
    if (rules.supported.includes(key)) continue
    const where = formatPath([...path, key])
    const reason = Object.hasOwn(rules.unsupported, key) ? rules.unsupported[key] : undefined
    if (reason !== undefined) {
      collector.keyError(
        [...path, key],
        "unsupported-key",
        `${where} is not supported: ${reason}`,
        `Remove ${where} to import the job; the spec has no equivalent, and it is never dropped silently.`
      )
    } else {
      const close = suggestion(key, rules.supported)
      collector.keyError(
        [...path, key],
        "unknown-key",
        `${where} is not a key of an Azure ML command job${path.length === 0 ? "" : ` at ${formatPath(path)}`}.`,
        close === undefined ? `Known keys here: ${rules.supported.join(", ")}.` : `Did you mean ${close}?`
      )
    }
  }
}

/** Set an own property, also for keys such as `__proto__` that plain assignment would not create. */
const define = <A>(target: { [key: string]: A }, key: string, value: A): void => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

const readString = (collector: Collector, path: YamlPath, value: unknown): string | undefined => {
  if (typeof value === "string") return value
  collector.error(path, "expected-string", `${formatPath(path)} must be a string, not ${describe(value)}.`, "Quote the value if YAML reads it as a number, boolean or date.")
  return undefined
}

const readMapping = (collector: Collector, path: YamlPath, value: unknown, allowNull: boolean): Mapping | undefined => {
  if (value === null && allowNull) return {}
  if (isMapping(value)) return value
  collector.error(path, "expected-mapping", `${formatPath(path)} must be a mapping, not ${describe(value)}.`)
  return undefined
}

const readPositiveInteger = (collector: Collector, path: YamlPath, value: unknown): number | undefined => {
  if (typeof value === "number" && Number.isInteger(value) && value > 0) return value
  collector.error(path, "expected-positive-integer", `${formatPath(path)} must be a whole number of at least 1, not ${describe(value)}.`)
  return undefined
}

const readNonNegativeInteger = (collector: Collector, path: YamlPath, value: unknown): number | undefined => {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value
  collector.error(path, "expected-non-negative-integer", `${formatPath(path)} must be a whole number of 0 or more, not ${describe(value)}.`)
  return undefined
}

const readStringMap = (collector: Collector, path: YamlPath, value: unknown): { [name: string]: string } => {
  const mapping = readMapping(collector, path, value, true)
  const result: { [name: string]: string } = {}
  if (mapping === undefined) return result
  for (const [key, item] of Object.entries(mapping)) {
    const text = readString(collector, [...path, key], item)
    if (text !== undefined) define(result, key, text)
  }
  return result
}

const readEnum = <A extends string>(collector: Collector, path: YamlPath, value: unknown, allowed: ReadonlyArray<A>): A | undefined => {
  const text = readString(collector, path, value)
  if (text === undefined) return undefined
  const found = allowed.find((candidate) => candidate === text.toLowerCase())
  if (found === undefined) {
    collector.error(path, "invalid-value", `${formatPath(path)} is "${text}"; it must be one of ${allowed.join(", ")}.`)
  }
  return found
}

// -------------------------------------------------------------------------------------
// paths
// -------------------------------------------------------------------------------------

/**
 * How paths written in the YAML (relative to its folder) become spec paths: relative to the same
 * base as `sourceDirectory` (the YAML's folder is `baseDirectory`).
 */
interface Paths {
  readonly base: string
  /** A folder or file of the YAML as the spec writes it (verbatim when the base is `.`). */
  readonly fromYaml: (path: string) => string
}

const makePaths = (baseDirectory: string | undefined): Paths => {
  const base = Path.normalize(baseDirectory === undefined || baseDirectory === "" ? "." : baseDirectory)
  return { base, fromYaml: (path) => (base === "." ? path : Path.join(base, path)) }
}

const fileLookup = (files: { readonly [relativePath: string]: string } | undefined) => {
  if (files === undefined) return undefined
  const byPath = new Map<string, string>()
  for (const [key, content] of Object.entries(files)) byPath.set(Path.normalize(key), content)
  return (path: string): string | undefined => byPath.get(Path.normalize(path))
}

// -------------------------------------------------------------------------------------
// sections
// -------------------------------------------------------------------------------------

const TOP_LEVEL: KeyRules = {
  supported: [
    "$schema", "type", "name", "display_name", "experiment_name", "description", "tags", "command", "code",
    "environment", "environment_variables", "distribution", "compute", "resources", "limits", "inputs", "outputs",
    "queue_settings"
  ],
  unsupported: {
    services: "interactive services (JupyterLab, VS Code, TensorBoard, SSH) are not part of the spec.",
    identity: "the job identity (user identity, managed identity, AML token) is chosen by the backend that submits the job, not by the spec.",
    properties: "free-form job properties are not part of the spec (use tags).",
    parameters: "parameters are not part of a command job spec (use inputs).",
    notification_setting: "job notifications are not part of the spec.",
    status: "the status is a read-only field of a submitted job.",
    id: "the id is a read-only field of a submitted job.",
    creation_context: "the creation context is a read-only field of a submitted job.",
    trial: "a trial belongs to a sweep job.",
    jobs: "child jobs belong to a pipeline job.",
    search_space: "a search space belongs to a sweep job.",
    component: "components belong to pipeline jobs."
  }
}

const SINGLE_BRACE = /(?<!\{)\{(inputs|outputs)\.([^}]*)\}(?!\})/g
const EXPRESSION = /\$\{\{([^}]*)\}\}/g

const readCommand = (collector: Collector, value: unknown): string | undefined => {
  if (value === undefined) {
    collector.error(["command"], "command-missing", "command is missing: a command job needs the command to run.", "Add command: python <script.py> <args>.")
    return undefined
  }
  const text = readString(collector, ["command"], value)
  if (text === undefined) return undefined
  SINGLE_BRACE.lastIndex = 0
  const rewritten = text.replace(SINGLE_BRACE, (_, kind: string, name: string) => `\${{${kind}.${name}}}`)
  if (rewritten !== text) {
    collector.warning(
      ["command"],
      "single-brace-reference",
      "command uses {inputs.x} / {outputs.x}: Use of {} for parameters is deprecated, instead use ${{}}. It was rewritten to ${{...}}, as the Azure ML SDK does.",
      "Write ${{inputs.name}} and ${{outputs.name}} in the YAML."
    )
  }
  for (const match of rewritten.matchAll(EXPRESSION)) {
    const expression = (match[1] ?? "").trim()
    if (/^(inputs|outputs)\.[A-Za-z_][A-Za-z0-9_]*$/.test(expression)) continue
    const hint = expression.startsWith("search_space.")
      ? "${{search_space...}} belongs to a sweep job's trial: import the trial with the values filled in as inputs."
      : expression.startsWith("parent.")
      ? "${{parent...}} belongs to a step of a pipeline job."
      : "A command job's command can refer to ${{inputs.<name>}} and ${{outputs.<name>}} only."
    collector.error(["command"], "unsupported-expression", `command contains \${{${expression}}}, which a command job cannot resolve.`, hint)
  }
  return rewritten
}

interface EnvironmentResult {
  /** The environment as written; `image` and the packages are settled once the tags are read. */
  readonly environment: Estimator.Environment
  /** The inline conda specification, when `conda_file` is one. */
  readonly inline?: InlineConda
}

const ENVIRONMENT_KEYS: KeyRules = {
  supported: ["image", "conda_file", "build", "os_type"],
  unsupported: {
    name: "an inline environment is anonymous; Azure ML ignores its name (register it and refer to azureml:<name>:<version> instead).",
    version: "an inline environment is anonymous; Azure ML ignores its version (register it and refer to azureml:<name>:<version> instead).",
    description: "the spec does not describe environments.",
    tags: "the spec does not tag environments.",
    inference_config: "inference routes belong to deployments, not training jobs.",
    datastore: "the spec does not choose the datastore for environment uploads."
  }
}

const INLINE_CONDA_KEYS = ["name", "channels", "dependencies"]

/**
 * An inline conda specification, and the packages it lists as the spec keeps them when it is not
 * one the spec builds exactly (the dependencies as written, without the `pip` before the pip list).
 */
const readInlineConda = (
  collector: Collector,
  path: YamlPath,
  conda: Mapping
): { readonly inline: InlineConda; readonly condaPackages: ReadonlyArray<string>; readonly pipPackages: ReadonlyArray<string> } | undefined => {
  const hint = "Move the conda specification into a file and refer to it with conda_file: <path>."
  const extra = Object.keys(conda).filter((key) => !INLINE_CONDA_KEYS.includes(key))
  if (extra.length > 0) {
    collector.error([...path, extra[0] ?? ""], "unsupported-key", `${formatPath([...path, extra[0] ?? ""])} is not supported: an inline conda specification can only give ${INLINE_CONDA_KEYS.join(", ")} (the spec keeps conda and pip package names, nothing else).`, hint)
    return undefined
  }
  let ok = true
  const name = conda["name"] === undefined ? undefined : readString(collector, [...path, "name"], conda["name"])
  if (conda["name"] !== undefined && name === undefined) ok = false
  let channels: ReadonlyArray<string> | undefined
  if (conda["channels"] !== undefined) {
    const list: unknown = conda["channels"]
    if (!Array.isArray(list) || !list.every((item): item is string => typeof item === "string")) {
      ok = false
      collector.error([...path, "channels"], "expected-list", `${formatPath([...path, "channels"])} must be a list of channel names.`)
    } else if (list.length !== Conda.DEFAULT_CHANNELS.length || list.some((channel, index) => channel !== Conda.DEFAULT_CHANNELS[index])) {
      ok = false
      collector.error([...path, "channels"], "unsupported-value", `${formatPath([...path, "channels"])} is [${list.join(", ")}], but the spec installs its packages from [${Conda.DEFAULT_CHANNELS.join(", ")}] only.`, hint)
    } else {
      channels = list
    }
  }
  const dependencies = conda["dependencies"] ?? []
  if (!Array.isArray(dependencies)) {
    collector.error([...path, "dependencies"], "expected-list", `${formatPath([...path, "dependencies"])} must be a list.`)
    return undefined
  }
  const written: Array<string> = []
  let pipPackages: Array<string> | undefined
  dependencies.forEach((dependency: unknown, index) => {
    if (typeof dependency === "string") {
      written.push(dependency)
    } else if (isMapping(dependency) && Object.keys(dependency).length === 1 && Array.isArray(dependency["pip"]) && pipPackages === undefined) {
      const pip: ReadonlyArray<unknown> = dependency["pip"]
      if (pip.every((item): item is string => typeof item === "string")) {
        pipPackages = [...pip]
      } else {
        ok = false
        collector.error([...path, "dependencies", index, "pip"], "expected-string", "Every pip package must be a string.")
      }
    } else {
      ok = false
      collector.error([...path, "dependencies", index], "unsupported-conda-dependency", `${formatPath([...path, "dependencies", index])} is neither a package name nor the one {pip: [...]} list.`, hint)
    }
  })
  if (!ok) return undefined
  const pipIndex = dependencies.findIndex((dependency: unknown) => typeof dependency !== "string")
  const condaPackages = pipIndex > 0 && dependencies[pipIndex - 1] === "pip" ? written.filter((_, index) => index !== pipIndex - 1) : written
  const inline: InlineConda = {
    ...(name === undefined ? {} : { name }),
    ...(channels === undefined ? {} : { channels }),
    dependencies: written,
    pip: pipPackages ?? []
  }
  return { inline, condaPackages, pipPackages: pipPackages ?? [] }
}

/**
 * The environment once `gpu` and the framework are known: an image the spec would pick anyway is
 * no image, an inline conda specification becomes the fewest packages that rebuild it exactly (or,
 * when none does, its packages as written, with a warning that says how the built one differs).
 */
const settleEnvironment = (
  collector: Collector,
  read: EnvironmentResult,
  gpu: boolean,
  framework: Framework.Framework | undefined
): Estimator.Environment => {
  const written = read.environment
  if (written.registered !== undefined || written.build !== undefined) return written
  const environment = withoutImpliedImage(written, gpu, framework)
  if (read.inline === undefined) return environment
  const exact = exactPackages(read.inline, environment, gpu, framework)
  if (exact !== undefined) return { ...environment, ...exact }
  const differ = builtDifferences(read.inline, environment, gpu, framework)
  collector.warning(
    ["environment", "conda_file"],
    "conda-specification-differs",
    `The inline conda specification is not one the spec builds: the spec keeps its packages, and the environment it builds from them differs${differ.length === 0 ? "" : ` (${differ.join("; ")})`}.`,
    "To keep the YAML's conda specification exactly, put it in a file and refer to it with conda_file: <path>."
  )
  return environment
}

const readEnvironment = (
  collector: Collector,
  value: unknown,
  paths: Paths,
  sourceDirectory: string,
  file: ((path: string) => string | undefined) | undefined
): EnvironmentResult | undefined => {
  const base: Estimator.Environment = { docker: true, userManagedPython: false, condaPackages: [], pipPackages: [] }
  if (value === undefined) {
    collector.error(["environment"], "environment-missing", "environment is missing: Azure ML needs the environment a command job runs in.", "Add environment: azureml:<name>@latest, or an inline {image: ..., conda_file: ...}.")
    return undefined
  }
  if (typeof value === "string") {
    if (value.startsWith("/")) {
      collector.error(["environment"], "unsupported-environment", `environment "${value}" is an ARM id, which names an environment in one particular workspace.`, "Write azureml:<name>:<version> or azureml:<name>@latest.")
      return undefined
    }
    const registered = parseEnvironmentReference(value)
    if (registered === undefined) {
      collector.error(["environment"], "invalid-environment", `environment "${value}" is not an environment reference.`, "Write azureml:<name>:<version>, azureml:<name>@<label>, or azureml://registries/<registry>/environments/<name>/versions/<version> (or /labels/<label>).")
      return undefined
    }
    if (registered.version === undefined && registered.label === undefined && !registered.name.startsWith("AzureML-")) {
      collector.warning(["environment"], "environment-version-missing", `environment "${value}" has no version or label; Azure ML accepts that only for curated environments (AzureML-...).`, `Write azureml:${registered.name}@latest or azureml:${registered.name}:<version>.`)
    }
    return { environment: { ...base, registered } }
  }
  const mapping = readMapping(collector, ["environment"], value, false)
  if (mapping === undefined) return undefined
  checkKeys(collector, ["environment"], mapping, ENVIRONMENT_KEYS)
  if (mapping["os_type"] !== undefined) {
    const os = readString(collector, ["environment", "os_type"], mapping["os_type"])
    if (os !== undefined && os.toLowerCase() !== "linux") {
      collector.error(["environment", "os_type"], "unsupported-os", `environment.os_type is "${os}": the spec describes Linux containers only.`, "Remove os_type or set it to linux.")
    }
  }
  const image = mapping["image"] === undefined ? undefined : readString(collector, ["environment", "image"], mapping["image"])
  const conda: unknown = mapping["conda_file"]
  const build: unknown = mapping["build"]
  if (image === undefined && build === undefined) {
    if (mapping["image"] === undefined) {
      collector.error(["environment"], "environment-image-missing", "environment has neither image nor build: an inline environment needs one of them.", "Add image: <docker image>, or build: {path: <docker context>}.")
    }
    return undefined
  }
  if (build !== undefined) {
    if (image !== undefined) {
      collector.error(["environment", "build"], "image-and-build", "environment has both image and build; Azure ML takes one (build is mutually exclusive with image).", "Keep either image or build.")
      return undefined
    }
    if (conda !== undefined) {
      collector.error(["environment", "conda_file"], "conda-with-build", "environment.conda_file goes with image, not with build: install the packages in the Dockerfile.", "Remove conda_file, or use image instead of build.")
      return undefined
    }
    const buildMapping = readMapping(collector, ["environment", "build"], build, false)
    if (buildMapping === undefined) return undefined
    checkKeys(collector, ["environment", "build"], buildMapping, { supported: ["path", "dockerfile_path"], unsupported: {} })
    const contextPath = readString(collector, ["environment", "build", "path"], buildMapping["path"])
    const dockerfile = buildMapping["dockerfile_path"] === undefined ? undefined : readString(collector, ["environment", "build", "dockerfile_path"], buildMapping["dockerfile_path"])
    if (contextPath === undefined) return undefined
    if (hasScheme(contextPath)) {
      collector.error(["environment", "build", "path"], "unsupported-build-context", `environment.build.path "${contextPath}" is a URL; the spec builds from a local Docker context folder.`, "Download the context and point build.path at the folder.")
      return undefined
    }
    if (file !== undefined) {
      const dockerfilePath = Path.join(contextPath, dockerfile ?? "Dockerfile")
      if (file(dockerfilePath) === undefined) {
        collector.error(["environment", "build", dockerfile === undefined ? "path" : "dockerfile_path"], "file-not-found", `The Dockerfile "${dockerfilePath}" of the build context was not found among the files given with the YAML.`, "Pass the Dockerfile's content in options.files, keyed by its path relative to the YAML.")
      }
    }
    return {
      environment: {
        ...base,
        userManagedPython: true,
        build: dockerfile === undefined ? { context: paths.fromYaml(contextPath) } : { context: paths.fromYaml(contextPath), dockerfile }
      }
    }
  }
  const imageName = image ?? ""
  if (conda === undefined) return { environment: { ...base, userManagedPython: true, image: { name: imageName } } }
  if (isMapping(conda)) {
    const read = readInlineConda(collector, ["environment", "conda_file"], conda)
    if (read === undefined) return undefined
    return {
      environment: { ...base, condaPackages: read.condaPackages, pipPackages: read.pipPackages, image: { name: imageName } },
      inline: read.inline
    }
  }
  const condaPath = readString(collector, ["environment", "conda_file"], conda)
  if (condaPath === undefined) return undefined
  if (hasScheme(condaPath)) {
    collector.error(["environment", "conda_file"], "unsupported-conda-file", `environment.conda_file "${condaPath}" is a URL; the spec reads conda files from local paths.`, "Download it next to the YAML and refer to it by its relative path.")
    return undefined
  }
  if (file !== undefined) {
    const content = file(condaPath)
    if (content === undefined) {
      collector.error(["environment", "conda_file"], "file-not-found", `The conda file "${condaPath}" was not found among the files given with the YAML.`, "Pass its content in options.files, keyed by its path relative to the YAML.")
    } else {
      const parsed = parse(content)
      if (parsed._tag === "Errors") {
        const first = parsed.errors[0]
        const where = first?.position === undefined ? "" : ` at line ${first.position.line}, column ${first.position.column}`
        collector.error(["environment", "conda_file"], "invalid-conda-file", `The conda file "${condaPath}" is not valid YAML${where}: ${first?.message ?? ""}`)
      } else if (!isMapping(parsed.parsed.value)) {
        collector.error(["environment", "conda_file"], "invalid-conda-file", `The conda file "${condaPath}" is not a conda environment specification (a mapping with dependencies).`)
      }
    }
  }
  const condaFile = Path.relative(sourceDirectory, paths.fromYaml(condaPath))
  if (condaFile === undefined) {
    collector.error(
      ["environment", "conda_file"],
      "path-not-expressible",
      `The conda file "${condaPath}" cannot be written relative to the source directory "${sourceDirectory}" (the spec's condaFile is relative to sourceDirectory) without knowing the name of the YAML's folder.`,
      "Pass the YAML's folder as baseDirectory (an absolute path, or one that includes the folder's name)."
    )
    return undefined
  }
  return { environment: { ...base, image: { name: imageName }, condaFile } }
}

interface ComputeResult {
  readonly compute: Estimator.Compute
  readonly nodeCount: number
  readonly shmSize?: string
  readonly dockerArgs?: string
}

const RESOURCES_KEYS: KeyRules = {
  supported: ["instance_count", "instance_type", "shm_size", "docker_args"],
  unsupported: {
    locations: "the spec does not choose the regions of serverless compute.",
    max_instance_count: "elastic training (max_instance_count) is not part of the spec.",
    properties: "free-form resource properties are not part of the spec."
  }
}

const QUEUE_KEYS: KeyRules = {
  supported: ["job_tier"],
  unsupported: { priority: "the spec does not set a queue priority." }
}

const readCompute = (collector: Collector, root: Mapping): ComputeResult => {
  const resources = root["resources"] === undefined ? {} : readMapping(collector, ["resources"], root["resources"], true) ?? {}
  checkKeys(collector, ["resources"], resources, RESOURCES_KEYS)
  const nodeCount = resources["instance_count"] === undefined ? 1 : readPositiveInteger(collector, ["resources", "instance_count"], resources["instance_count"]) ?? 1
  const instanceType = resources["instance_type"] === undefined ? undefined : readString(collector, ["resources", "instance_type"], resources["instance_type"])
  const shmSize = resources["shm_size"] === undefined ? undefined : readString(collector, ["resources", "shm_size"], resources["shm_size"])
  const dockerArgs = resources["docker_args"] === undefined ? undefined : readString(collector, ["resources", "docker_args"], resources["docker_args"])
  const extras = { ...(shmSize === undefined ? {} : { shmSize }), ...(dockerArgs === undefined ? {} : { dockerArgs }) }

  let vmPriority: Estimator.VmPriority | undefined
  if (root["queue_settings"] !== undefined) {
    const queue = readMapping(collector, ["queue_settings"], root["queue_settings"], true) ?? {}
    checkKeys(collector, ["queue_settings"], queue, QUEUE_KEYS)
    if (queue["job_tier"] !== undefined) {
      const tier = readString(collector, ["queue_settings", "job_tier"], queue["job_tier"])
      if (tier !== undefined) {
        const lower = tier.toLowerCase()
        if (lower === "spot") vmPriority = "lowpriority"
        else if (lower === "standard") vmPriority = "dedicated"
        else {
          collector.error(["queue_settings", "job_tier"], "unsupported-value", `queue_settings.job_tier "${tier}" is not supported: the spec knows dedicated (standard) and low-priority (spot) VMs only.`, "Use job_tier: spot or standard, or remove it.")
        }
      }
    }
    if (root["compute"] !== undefined) {
      collector.error(["queue_settings"], "unsupported-combination", "queue_settings is supported only for serverless compute (no compute key): the spec's VM priority belongs to serverless compute.", "Remove queue_settings, or remove compute.")
    }
  }

  const computeValue: unknown = root["compute"]
  if (computeValue === undefined) {
    // As Azure ML: no compute is serverless compute, of resources.instance_type or the default type.
    return {
      compute: {
        _tag: "Serverless",
        ...(instanceType === undefined ? {} : { vmSize: instanceType }),
        ...(vmPriority === undefined ? {} : { vmPriority })
      },
      nodeCount,
      ...extras
    }
  }
  const computeText = readString(collector, ["compute"], computeValue)
  if (instanceType !== undefined) {
    collector.error(["resources", "instance_type"], "unsupported-combination", "resources.instance_type together with compute is not supported: the spec takes a VM size only for serverless compute (no compute key).", "Remove compute for serverless compute of this VM size, or remove instance_type to use the cluster's VMs.")
  }
  if (computeText === undefined) return { compute: { _tag: "Local" }, nodeCount, ...extras }
  if (computeText === "local") return { compute: { _tag: "Local" }, nodeCount, ...extras }
  if (computeText.startsWith("/") || computeText.startsWith("azureml:/")) {
    collector.error(["compute"], "unsupported-compute", `compute "${computeText}" is an ARM id, which names a compute in one particular workspace.`, "Write compute: azureml:<cluster name>.")
    return { compute: { _tag: "Local" }, nodeCount, ...extras }
  }
  const name = computeText.startsWith("azureml:") ? computeText.slice("azureml:".length) : computeText
  if (/[<>\s]/.test(name) || name === "") {
    collector.warning(["compute"], "compute-placeholder", `compute "${computeText}" does not look like a compute name (it is empty or has spaces or angle brackets): probably a placeholder to fill in.`, "Replace it with the name of a compute cluster of the workspace.")
  }
  return { compute: { _tag: "Cluster", name }, nodeCount, ...extras }
}

interface DistributionResult {
  readonly distribution: Estimator.Distribution
  readonly processCountPerNode: number
}

const readDistribution = (collector: Collector, value: unknown, nodeCount: number): DistributionResult => {
  const none: DistributionResult = { distribution: { _tag: "None" }, processCountPerNode: 1 }
  if (value === undefined) return none
  const mapping = readMapping(collector, ["distribution"], value, false)
  if (mapping === undefined) return none
  const type = readString(collector, ["distribution", "type"], mapping["type"])
  if (type === undefined) return none
  const kind = type.toLowerCase()
  const processes = (): number =>
    mapping["process_count_per_instance"] === undefined
      ? 1
      : readPositiveInteger(collector, ["distribution", "process_count_per_instance"], mapping["process_count_per_instance"]) ?? 1
  switch (kind) {
    case "mpi":
      checkKeys(collector, ["distribution"], mapping, { supported: ["type", "process_count_per_instance"], unsupported: {} })
      return { distribution: { _tag: "Mpi" }, processCountPerNode: processes() }
    case "pytorch":
      checkKeys(collector, ["distribution"], mapping, { supported: ["type", "process_count_per_instance"], unsupported: {} })
      return { distribution: { _tag: "PyTorch", backend: "nccl" }, processCountPerNode: processes() }
    case "tensorflow": {
      checkKeys(collector, ["distribution"], mapping, { supported: ["type", "worker_count", "parameter_server_count"], unsupported: {} })
      const workerCount = mapping["worker_count"] === undefined ? nodeCount : readPositiveInteger(collector, ["distribution", "worker_count"], mapping["worker_count"]) ?? nodeCount
      const parameterServerCount = mapping["parameter_server_count"] === undefined ? 0 : readNonNegativeInteger(collector, ["distribution", "parameter_server_count"], mapping["parameter_server_count"]) ?? 0
      return { distribution: { _tag: "TensorFlow", workerCount, parameterServerCount }, processCountPerNode: 1 }
    }
    case "ray":
      collector.error(["distribution", "type"], "unsupported-value", "distribution.type ray is not supported: the spec launches MPI, PyTorch and TensorFlow jobs.", "Use mpi, pytorch or tensorflow, or start Ray from the command.")
      return none
    default:
      collector.error(["distribution", "type"], "invalid-value", `distribution.type "${type}" is not a distribution type; it must be one of mpi, pytorch, tensorflow.`)
      return none
  }
}

const readLimits = (collector: Collector, value: unknown): number | undefined => {
  if (value === undefined) return undefined
  const mapping = readMapping(collector, ["limits"], value, true) ?? {}
  checkKeys(collector, ["limits"], mapping, { supported: ["timeout"], unsupported: {} })
  return mapping["timeout"] === undefined ? undefined : readPositiveInteger(collector, ["limits", "timeout"], mapping["timeout"])
}

const INPUT_KEYS: KeyRules = {
  supported: ["type", "path", "mode"],
  unsupported: {
    optional: "inputs of a command job are bound; optional inputs belong to components.",
    description: "the spec does not describe inputs.",
    default: "defaults belong to component inputs; a job input has a value.",
    datastore: "the spec does not choose the datastore for input uploads.",
    path_on_compute: "the spec does not choose where inputs appear on the compute."
  }
}

const LITERAL_TYPES = ["string", "integer", "number", "boolean"]
const URI_LIKE = /^(https?|wasbs?|abfss?|adl|azureml):/

const readInputs = (collector: Collector, value: unknown, paths: Paths): { [name: string]: Data.Input } => {
  const inputs: { [name: string]: Data.Input } = {}
  if (value === undefined) return inputs
  const mapping = readMapping(collector, ["inputs"], value, true) ?? {}
  for (const [name, input] of Object.entries(mapping)) {
    const path = ["inputs", name]
    if (typeof input === "string" || typeof input === "number" || typeof input === "boolean") {
      if (typeof input === "number" && !Number.isFinite(input)) {
        collector.error(path, "invalid-value", `inputs.${name} is ${input}, which is not a number a job can take.`)
        continue
      }
      if (typeof input === "string" && URI_LIKE.test(input)) {
        collector.warning(path, "literal-looks-like-data", `inputs.${name} is the literal string "${input}", passed to the command as text; Azure ML does not read data from it.`, `To make it data, write inputs.${name}: {type: uri_file (or uri_folder), path: ${input}}.`)
      }
      define(inputs, name, { _tag: "Literal", value: input })
      continue
    }
    if (!isMapping(input)) {
      collector.error(path, "invalid-input", `inputs.${name} must be a literal (string, number, boolean) or a mapping {type, path, mode}, not ${describe(input)}.`)
      continue
    }
    const typeText = input["type"] === undefined ? "uri_folder" : readString(collector, [...path, "type"], input["type"])
    if (typeText !== undefined && LITERAL_TYPES.includes(typeText.toLowerCase())) {
      collector.error([...path, "type"], "unsupported-value", `inputs.${name}.type ${typeText} (a typed literal) is not supported in a command job.`, `Write the value directly: inputs.${name}: <value>.`)
      continue
    }
    checkKeys(collector, path, input, INPUT_KEYS)
    const type = typeText === undefined ? undefined : readEnum(collector, [...path, "type"], typeText, DATA_TYPES)
    const mode = input["mode"] === undefined ? "ro_mount" : readEnum(collector, [...path, "mode"], input["mode"], INPUT_MODES)
    if (input["path"] === undefined) {
      collector.error([...path, "path"], "input-path-missing", `inputs.${name} has no path: a data input needs one.`, "Add path: azureml://datastores/<datastore>/paths/<path>, azureml:<asset>@latest, a URL or a local path.")
      continue
    }
    const location = readString(collector, [...path, "path"], input["path"])
    if (type === undefined || mode === undefined || location === undefined) continue
    const parsed = parseDataPath(location)
    if (parsed._tag === "Invalid") {
      collector.error([...path, "path"], "invalid-data-path", parsed.message, parsed.hint)
      continue
    }
    const source: Data.DataSource = parsed.source._tag === "LocalPath" ? { _tag: "LocalPath", path: paths.fromYaml(parsed.source.path) } : parsed.source
    define(inputs, name, { _tag: "Data", type, source, mode })
  }
  return inputs
}

const OUTPUT_KEYS: KeyRules = {
  supported: ["type", "mode", "path", "name", "version"],
  unsupported: {
    description: "the spec does not describe outputs.",
    datastore: "the spec does not choose the datastore separately from the output's path.",
    path_on_compute: "the spec does not choose where outputs appear on the compute."
  }
}

const readOutputs = (collector: Collector, value: unknown): { [name: string]: Data.Output } => {
  const outputs: { [name: string]: Data.Output } = {}
  if (value === undefined) return outputs
  const mapping = readMapping(collector, ["outputs"], value, true) ?? {}
  for (const [name, output] of Object.entries(mapping)) {
    const path = ["outputs", name]
    const fields = readMapping(collector, path, output, true)
    if (fields === undefined) continue
    checkKeys(collector, path, fields, OUTPUT_KEYS)
    const type = fields["type"] === undefined ? "uri_folder" : readEnum(collector, [...path, "type"], fields["type"], DATA_TYPES)
    const mode = fields["mode"] === undefined ? "rw_mount" : readEnum(collector, [...path, "mode"], fields["mode"], OUTPUT_MODES)
    const assetName = fields["name"] === undefined ? undefined : readString(collector, [...path, "name"], fields["name"])
    const assetVersion = fields["version"] === undefined
      ? undefined
      : typeof fields["version"] === "number" && Number.isInteger(fields["version"])
      ? String(fields["version"])
      : readString(collector, [...path, "version"], fields["version"])
    let destination: Data.DatastorePath | Data.Uri | undefined
    if (fields["path"] !== undefined) {
      const location = readString(collector, [...path, "path"], fields["path"])
      if (location !== undefined) {
        const parsed = parseDataPath(location)
        if (parsed._tag === "Source" && (parsed.source._tag === "Datastore" || parsed.source._tag === "Uri")) {
          destination = parsed.source
        } else {
          collector.error([...path, "path"], "invalid-output-path", `outputs.${name}.path "${location}" is not a place Azure ML can write to.`, "Use azureml://datastores/<datastore>/paths/<path> or a storage URI; leave path out for the default datastore.")
          continue
        }
      }
    }
    if (type === undefined || mode === undefined) continue
    define(outputs, name, {
      type,
      mode,
      ...(destination === undefined ? {} : { destination }),
      ...(assetName === undefined ? {} : { assetName }),
      ...(assetVersion === undefined ? {} : { assetVersion })
    })
  }
  return outputs
}

interface TagResult {
  readonly tags: { [name: string]: string }
  readonly gpu: boolean
  readonly framework?: Framework.Framework
  readonly backend?: Estimator.PyTorchBackend
}

const readTags = (collector: Collector, value: unknown): TagResult => {
  const all = value === undefined ? {} : readStringMap(collector, ["tags"], value)
  const tags: { [name: string]: string } = {}
  let gpu = false
  let framework: { name: Framework.FrameworkName; version: string } | undefined
  let versionDefaulted: boolean | undefined
  let backend: Estimator.PyTorchBackend | undefined
  for (const [key, tag] of Object.entries(all)) {
    const path = ["tags", key]
    if (!key.startsWith(TAG_PREFIX)) {
      define(tags, key, tag)
    } else if (key === TAG_GPU) {
      if (tag === "true" || tag === "false") gpu = tag === "true"
      else collector.error(path, "invalid-reserved-tag", `tags.${key} is "${tag}"; it must be "true" or "false".`)
    } else if (key === TAG_FRAMEWORK) {
      const match = /^(\S+) (\S+)$/.exec(tag)
      const name = FRAMEWORK_NAMES.find((candidate) => candidate === match?.[1])
      if (match === null || name === undefined) {
        collector.error(path, "invalid-reserved-tag", `tags.${key} is "${tag}"; it must be "<framework> <version>" with a framework among ${FRAMEWORK_NAMES.join(", ")}.`, "Write e.g. \"PyTorch 1.6\".")
      } else {
        framework = { name, version: match[2] ?? "" }
      }
    } else if (key === TAG_FRAMEWORK_DEFAULTED) {
      if (tag === "true" || tag === "false") versionDefaulted = tag === "true"
      else collector.error(path, "invalid-reserved-tag", `tags.${key} is "${tag}"; it must be "true" or "false".`)
    } else if (key === TAG_BACKEND) {
      if (tag === "nccl" || tag === "gloo") backend = tag
      else collector.error(path, "invalid-reserved-tag", `tags.${key} is "${tag}"; it must be "nccl" or "gloo".`)
    } else {
      collector.error(path, "unknown-reserved-tag", `tags.${key} uses the prefix "${TAG_PREFIX}", which is reserved for spec fields that Azure ML YAML has no key for (${[TAG_GPU, TAG_FRAMEWORK, TAG_FRAMEWORK_DEFAULTED, TAG_BACKEND].join(", ")}).`, "Rename the tag.")
    }
  }
  if (versionDefaulted !== undefined && framework === undefined) {
    collector.error(["tags", TAG_FRAMEWORK_DEFAULTED], "invalid-reserved-tag", `tags.${TAG_FRAMEWORK_DEFAULTED} is set without tags.${TAG_FRAMEWORK}.`)
  }
  return {
    tags,
    gpu,
    ...(framework === undefined ? {} : { framework: versionDefaulted === undefined ? framework : { ...framework, versionDefaulted } }),
    ...(backend === undefined ? {} : { backend })
  }
}

// -------------------------------------------------------------------------------------
// the job
// -------------------------------------------------------------------------------------

const refuseJobType = (collector: Collector, type: string): void => {
  const kind = type.toLowerCase()
  if (kind === "sweep") {
    collector.error(["type"], "sweep-not-supported", "sweep jobs are not supported: import the trial's command job instead (the trial: section as a command job, with the sweep's inputs and compute and one value per search-space parameter).", "Run sweeps with Azure ML directly, or write one spec per trial.")
  } else if (kind === "pipeline") {
    collector.error(["type"], "pipeline-not-supported", "pipeline jobs are not supported: import each step under jobs: as its own command job instead.", "Write one command-job YAML (or spec) per pipeline step.")
  } else {
    collector.error(["type"], "job-type-not-supported", `jobs of type "${type}" are not supported: only command jobs (type: command) can be imported.`)
  }
}

/** @internal */
export const importYaml = (text: string, options: FromYamlOptions): { readonly errors: ReadonlyArray<ImportIssue> } | Imported => {
  const parsed = parse(text)
  if (parsed._tag === "Errors") {
    return {
      errors: parsed.errors.map((error): ImportIssue => ({
        path: "",
        code: "yaml-syntax",
        message: error.position === undefined
          ? `The YAML is malformed: ${error.message}`
          : `The YAML is malformed at line ${error.position.line}, column ${error.position.column}: ${error.message}`,
        hint: "Fix the YAML syntax (indentation, quotes, brackets, duplicate keys) at that place.",
        ...(error.position === undefined ? {} : { line: error.position.line, column: error.position.column })
      }))
    }
  }
  const collector = new Collector(parsed.parsed.locate)
  const root = parsed.parsed.value
  if (!isMapping(root)) {
    collector.error([], "not-a-job", `The YAML is ${describe(root)}, not a job: an Azure ML job file is a mapping of keys such as command, code, environment.`)
    return { errors: collector.errors }
  }
  if (root["type"] !== undefined) {
    const type = readString(collector, ["type"], root["type"])
    if (type === undefined) return { errors: collector.errors }
    if (type.toLowerCase() !== "command") {
      refuseJobType(collector, type)
      return { errors: collector.errors }
    }
  }
  checkKeys(collector, [], root, TOP_LEVEL)
  if (root["$schema"] !== undefined) readString(collector, ["$schema"], root["$schema"])

  const paths = makePaths(options.baseDirectory)
  const file = fileLookup(options.files)

  let sourceDirectory = paths.base
  if (root["code"] === undefined) {
    collector.warning(["code"], "code-missing", `code is not set: the spec's sourceDirectory is the YAML's folder ("${paths.base}"), which backends snapshot and upload.`, "Set code to the folder with the job's files (code: src), or to an empty folder if the command needs none.")
  } else {
    const code = readString(collector, ["code"], root["code"])
    if (code !== undefined) {
      if (hasScheme(code)) {
        collector.error(["code"], "unsupported-code", `code "${code}" is not a local folder (a registered code asset, a git URL or a datastore path); the spec snapshots a local source directory.`, "Check the code out locally and point code at the folder.")
      } else {
        sourceDirectory = paths.fromYaml(code)
      }
    }
  }

  const command = readCommand(collector, root["command"])
  const environment = readEnvironment(collector, root["environment"], paths, Path.normalize(sourceDirectory), file)
  const compute = readCompute(collector, root)
  const layout = readDistribution(collector, root["distribution"], compute.nodeCount)
  const maxRunDurationSeconds = readLimits(collector, root["limits"])
  const inputs = readInputs(collector, root["inputs"], paths)
  const outputs = readOutputs(collector, root["outputs"])
  const writtenVariables = root["environment_variables"] === undefined ? {} : readStringMap(collector, ["environment_variables"], root["environment_variables"])
  const tagResult = readTags(collector, root["tags"])
  const optionalString = (key: string): string | undefined => (root[key] === undefined ? undefined : readString(collector, [key], root[key]))
  const name = optionalString("name")
  const displayName = optionalString("display_name")
  const experimentName = optionalString("experiment_name")
  const description = optionalString("description")

  let distribution = layout.distribution
  if (tagResult.backend !== undefined) {
    if (distribution._tag === "PyTorch") distribution = { _tag: "PyTorch", backend: tagResult.backend }
    else collector.error(["tags", TAG_BACKEND], "invalid-reserved-tag", `tags.${TAG_BACKEND} is set but distribution.type is not pytorch.`, "Remove the tag, or set distribution.type: pytorch.")
  }

  if (collector.errors.length > 0 || command === undefined || environment === undefined) return { errors: collector.errors }
  const settled = settleEnvironment(collector, environment, tagResult.gpu, tagResult.framework)
  const environmentVariables = withoutFrameworkVariables(writtenVariables, tagResult.gpu, tagResult.framework)

  let entry: { readonly entryScript: string; readonly arguments: ReadonlyArray<Estimator.Argument> } | { readonly command: string; readonly arguments: ReadonlyArray<Estimator.Argument> } =
    parseEntryScript(command) ?? { command, arguments: [] }
  let resumeFrom: Data.DatastorePath | undefined
  if ("entryScript" in entry) {
    const args = entry.arguments
    const last = args[args.length - 1]
    const checkpoint = inputs[RESUME_FROM_INPUT]
    if (
      args.length >= 2 && args[args.length - 2] === "--resume-from" &&
      typeof last === "object" && last._tag === "InputRef" && last.name === RESUME_FROM_INPUT &&
      checkpoint?._tag === "Data" && checkpoint.type === "uri_folder" && checkpoint.mode === "ro_mount" &&
      checkpoint.optional === undefined && checkpoint.source._tag === "Datastore"
    ) {
      resumeFrom = checkpoint.source
      delete inputs[RESUME_FROM_INPUT]
      entry = { entryScript: entry.entryScript, arguments: args.slice(0, -2) }
    }
  }

  const spec: Estimator.Estimator = {
    _tag: "Estimator",
    specVersion: 1,
    sourceDirectory,
    ...entry,
    compute: compute.compute,
    nodeCount: compute.nodeCount,
    processCountPerNode: layout.processCountPerNode,
    distribution,
    gpu: tagResult.gpu,
    environment: settled,
    environmentVariables,
    secretEnvironmentVariables: {},
    inputs,
    outputs,
    tags: tagResult.tags,
    ...(compute.shmSize === undefined ? {} : { shmSize: compute.shmSize }),
    ...(compute.dockerArgs === undefined ? {} : { dockerArgs: compute.dockerArgs }),
    ...(maxRunDurationSeconds === undefined ? {} : { maxRunDurationSeconds }),
    ...(resumeFrom === undefined ? {} : { resumeFrom }),
    ...(tagResult.framework === undefined ? {} : { framework: tagResult.framework }),
    ...(name === undefined ? {} : { name }),
    ...(displayName === undefined ? {} : { displayName }),
    ...(experimentName === undefined ? {} : { experimentName }),
    ...(description === undefined ? {} : { description })
  }
  return { spec, warnings: collector.warnings }
}
