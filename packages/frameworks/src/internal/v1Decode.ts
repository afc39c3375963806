/**
 * The first stage of the v1 importer, what Python does before the estimator's body runs: check
 * the call's shape (class, keyword names, value types, object types and their fields) and turn
 * the JSON into typed v1 arguments, with Python's defaults filled in. Errors here are Python's
 * `TypeError`s and the helper classes' own errors and deprecation warnings. No IO.
 *
 * @internal
 */
import type { Estimator, Validation } from "@estimator/core"
import type { Json, JsonObject, V1Class } from "../V1Import.js"
import { describe, error, field, index, key, pythonFloat, pythonNumber, pythonRepr, warning } from "./v1Json.js"
import {
  accepts,
  allParameters,
  classes,
  closest,
  distributedDeprecation,
  type FieldKind,
  objectTypes,
  parameters
} from "./v1Signature.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/** @internal */
export type ComputeArg =
  | { readonly kind: "local" }
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "object"; readonly type: string; readonly name: string }

/** @internal */
export type DistributedArg =
  | { readonly type: "Mpi"; readonly processCountPerNode: number }
  | { readonly type: "MpiConfiguration"; readonly processCountPerNode: number; readonly nodeCount: number | null }
  | { readonly type: "ParameterServer" | "TensorflowConfiguration"; readonly workerCount: number; readonly parameterServerCount: number }
  | { readonly type: "Gloo" | "Nccl" }
  | {
    readonly type: "PyTorchConfiguration"
    readonly backend: Estimator.PyTorchBackend
    readonly processCount: number | null
    readonly nodeCount: number | null
  }

/** @internal */
export interface DatastorePathArg {
  readonly datastore: string
  readonly path: string
}

/** A data object, with the path of the JSON it came from. @internal */
export type DataArg =
  | {
    readonly type: "DataReference"
    readonly at: string
    readonly datastore: string
    readonly path: string
    readonly mode: "mount" | "download" | "upload"
    readonly name: string | null
    readonly pathOnCompute: string | null
    readonly overwrite: boolean | null
  }
  | { readonly type: "Datastore"; readonly at: string; readonly datastore: string }
  | {
    readonly type: "DatasetConsumptionConfig"
    readonly at: string
    readonly name: string
    readonly mode: "mount" | "download" | "direct"
    readonly dataset: string | null
    readonly version: string | null
    readonly pathOnCompute: string | null
  }
  | { readonly type: "OutputFileDatasetConfig"; readonly at: string; readonly name: string; readonly destination: DatastorePathArg | null }

/** One item of the flattened `script_params` list, before `None` and `""` are removed. @internal */
export type ArgItem =
  | { readonly kind: "value"; readonly path: string; readonly value: Estimator.Argument | null }
  | { readonly kind: "data"; readonly path: string; readonly data: DataArg }

/** @internal */
export interface RegistryArg {
  readonly address: string
  readonly username: string | null
  readonly passwordEnv: string | null
}

/** @internal */
export type ResumeFromArg = { readonly kind: "DataPath"; readonly path: DatastorePathArg } | { readonly kind: "wrong"; readonly found: string }

/** The v1 arguments with Python's defaults; `null` is Python's `None`. @internal */
export interface Args {
  readonly source_directory: string
  readonly compute_target: ComputeArg | null
  readonly vm_size: string | null
  readonly vm_priority: string | null
  readonly entry_script: string | null
  readonly script_params: ReadonlyArray<ArgItem> | null
  readonly node_count: number
  readonly process_count_per_node: number
  readonly distributed_backend: string | null
  readonly distributed_training: DistributedArg | null
  readonly use_gpu: boolean
  readonly use_docker: boolean
  readonly custom_docker_base_image: string | null
  readonly custom_docker_image: string | null
  readonly image_registry_details: RegistryArg | null
  readonly user_managed: boolean
  readonly conda_packages: ReadonlyArray<string> | null
  readonly pip_packages: ReadonlyArray<string> | null
  readonly conda_dependencies_file_path: string | null
  readonly pip_requirements_file_path: string | null
  readonly conda_dependencies_file: string | null
  readonly pip_requirements_file: string | null
  readonly environment_variables: ReadonlyArray<readonly [string, string]> | null
  readonly environment_definition: { readonly name: string; readonly version: string | null } | null
  readonly inputs: ReadonlyArray<DataArg> | null
  readonly source_directory_data_store: string | null
  readonly shm_size: string | null
  readonly resume_from: ResumeFromArg | null
  readonly max_run_duration_seconds: number | null
  readonly framework_version: string | null
  readonly worker_count: number
  readonly parameter_server_count: number
  readonly privates: { readonly [name: string]: boolean }
}

/** @internal */
export interface Decoded {
  readonly cls: V1Class
  readonly args: Args
  /** The parameters the call passed (with any value, valid or not). */
  readonly given: ReadonlySet<string>
  /** The parameters whose value could not be decoded (each has an error); their defaults stand in. */
  readonly invalid: ReadonlySet<string>
  /** Whether some `script_params` key is integer-like, which `JSON.parse` would have reordered. */
  readonly reorderableKeys: boolean
}

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

type Issues = Array<Validation.Issue>

const typeError = (issues: Issues, path: string, expected: string, json: Json, hint?: string) =>
  issues.push(error(path, "v1-invalid-argument-type", `${path} must be ${expected}, but it is ${describe(json)}.`, hint ?? `Write ${path} as ${expected}.`))

const asString = (issues: Issues, path: string, json: Json, nullable: boolean): string | null | undefined => {
  if (json._tag === "String") return json.value
  if (json._tag === "Null" && nullable) return null
  typeError(issues, path, nullable ? "a string or null" : "a string", json)
  return undefined
}

const asInt = (issues: Issues, path: string, json: Json, nullable: boolean): number | null | undefined => {
  if (json._tag === "Number" && Number.isSafeInteger(json.value)) return json.value
  if (json._tag === "Null" && nullable) return null
  typeError(issues, path, nullable ? "an integer or null" : "an integer", json)
  return undefined
}

const asBool = (issues: Issues, path: string, json: Json): boolean | undefined => {
  if (json._tag === "Boolean") return json.value
  typeError(issues, path, "true or false", json)
  return undefined
}

const asStringList = (issues: Issues, path: string, json: Json): ReadonlyArray<string> | null | undefined => {
  if (json._tag === "Null") return null
  if (json._tag !== "Array") {
    typeError(issues, path, "a list of strings or null", json)
    return undefined
  }
  let ok = true
  const items = json.items.map((item, i) => {
    if (item._tag === "String") return item.value
    typeError(issues, index(path, i), "a string", item)
    ok = false
    return ""
  })
  return ok ? items : undefined
}

/** Report every repeated key anywhere in `json`; in the keyword arguments at `argsPath` it is Python's SyntaxError. */
const duplicates = (issues: Issues, path: string, json: Json, argsPath: string): void => {
  if (json._tag === "Array") json.items.forEach((item, i) => duplicates(issues, index(path, i), item, argsPath))
  if (json._tag !== "Object") return
  const seen = new Set<string>()
  for (const [name, value] of json.entries) {
    if (seen.has(name)) {
      issues.push(error(
        key(path, name),
        "v1-duplicate-key",
        path === argsPath ? `keyword argument repeated: ${name}` : `The key "${name}" is repeated in ${path || "the call"}.`,
        "Keep one of the entries."
      ))
    }
    seen.add(name)
    duplicates(issues, key(path, name), value, argsPath)
  }
}

type FieldValue = string | number | boolean | null | DatastorePathArg

interface TypedObject {
  readonly type: string
  readonly at: string
  readonly fields: { readonly [name: string]: FieldValue }
}

/**
 * Check a `{"type": ...}` object: a known type, known fields of the right kinds, required fields
 * present. `undefined` (with issues) when it is not usable; `{ wrongType }` when it is a known type
 * that this position does not accept (the caller knows v1's message for that).
 */
const typedObject = (
  issues: Issues,
  path: string,
  json: Json,
  allowed: ReadonlyArray<string>
): TypedObject | { readonly wrongType: string } | undefined => {
  if (json._tag !== "Object") {
    typeError(issues, path, `an object such as {"type": "${allowed[0]}", ...}`, json)
    return undefined
  }
  const typeJson = field(json, "type")
  if (typeJson === undefined || typeJson._tag !== "String") {
    issues.push(error(
      key(path, "type"),
      "v1-missing-type",
      `${path} has no "type": objects are written {"type": "<v1 class>", ...} (one of ${allowed.join(", ")} here).`,
      `Add "type": "${allowed[0]}" (or the class the Python code constructed).`
    ))
    return undefined
  }
  const type = typeJson.value
  const schema = Object.hasOwn(objectTypes, type) ? objectTypes[type] : undefined
  if (schema === undefined) {
    const suggestion = closest(type, Object.keys(objectTypes))
    issues.push(error(
      key(path, "type"),
      "v1-unknown-type",
      `${path} has the type "${type}", which the v1 importer does not know.`,
      `${suggestion === undefined ? "" : `Did you mean "${suggestion}"? `}Types accepted here: ${allowed.join(", ")}.`
    ))
    return undefined
  }
  if (!allowed.includes(type)) return { wrongType: type }
  const fields: Record<string, FieldValue> = {}
  let ok = true
  for (const [name, value] of json.entries) {
    if (name === "type") continue
    const fieldPath = key(path, name)
    const kind: FieldKind | undefined = Object.hasOwn(schema.fields, name) ? schema.fields[name] : undefined
    if (kind === undefined) {
      const suggestion = closest(name, Object.keys(schema.fields))
      issues.push(error(
        fieldPath,
        "v1-unknown-field",
        `${type}.__init__() got an unexpected keyword argument '${name}'`,
        `${suggestion === undefined ? "" : `Did you mean "${suggestion}"? `}${type} takes ${Object.keys(schema.fields).map((f) => `"${f}"`).join(", ") || "no fields"}.`
      ))
      ok = false
      continue
    }
    const decoded = fieldValue(issues, fieldPath, value, kind, type)
    if (decoded === undefined) ok = false
    else fields[name] = decoded
  }
  for (const name of schema.required) {
    if (!(name in fields) && field(json, name) === undefined) {
      issues.push(error(key(path, name), "v1-missing-field", `${type} needs "${name}".`, `Add "${name}" to ${path}.`))
      ok = false
    }
  }
  return ok ? { type, at: path, fields } : undefined
}

const fieldValue = (issues: Issues, path: string, json: Json, kind: FieldKind, type: string): FieldValue | undefined => {
  switch (kind) {
    case "string":
      return asString(issues, path, json, false) ?? undefined
    case "nullableString":
      return asString(issues, path, json, true)
    case "int":
      return asInt(issues, path, json, false) ?? undefined
    case "nullableInt":
      return asInt(issues, path, json, true)
    case "bool":
      return asBool(issues, path, json)
    case "dataPath": {
      const object = typedObject(issues, path, json, ["DataPath"])
      if (object === undefined) return undefined
      if ("wrongType" in object) {
        issues.push(error(path, "v1-invalid-argument-type", `${path} must be a DataPath, but it is a ${object.wrongType} object.`, `Write ${path} as {"type": "DataPath", "datastore": ..., "path": ...}.`))
        return undefined
      }
      return dataPath(object)
    }
    case "forbiddenSecret":
      // The value is never read, stored or printed.
      issues.push(error(
        path,
        "v1-literal-password",
        `${type} has a literal "${path.split(".").pop() ?? "password"}": a password written into the call would be stored in the spec and shown in plans and logs.`,
        "Remove it and put the password's environment variable name in \"password_env\" instead (the spec keeps Secret.fromEnv(name) and the value is read only when the job runs). Change the password if the file was shared."
      ))
      return undefined
  }
}

const str = (object: TypedObject, name: string): string | null => {
  const value = object.fields[name]
  return typeof value === "string" ? value : null
}

const int = (object: TypedObject, name: string): number | null => {
  const value = object.fields[name]
  return typeof value === "number" ? value : null
}

const dataPath = (object: TypedObject): DatastorePathArg => ({ datastore: str(object, "datastore") ?? "", path: str(object, "path") ?? "" })

// -------------------------------------------------------------------------------------
// data objects
// -------------------------------------------------------------------------------------

const DATA_REFERENCE_MODES = ["mount", "download", "upload"] as const
const DATASET_MODES = ["mount", "download", "direct"] as const

const dataObject = (issues: Issues, object: TypedObject): DataArg | undefined => {
  switch (object.type) {
    case "DataReference": {
      const mode = str(object, "mode") ?? "mount"
      if (!(DATA_REFERENCE_MODES as ReadonlyArray<string>).includes(mode)) {
        issues.push(error(key(object.at, "mode"), "v1-invalid-data-mode", `Invalid mode ${mode}. Only mount, download, upload are supported`, "Use \"mount\" (read-only mount), \"download\" or \"upload\" (an output)."))
        return undefined
      }
      const overwrite = object.fields["overwrite"]
      return {
        type: "DataReference",
        at: object.at,
        datastore: str(object, "datastore") ?? "",
        path: str(object, "path") ?? "",
        mode: mode as (typeof DATA_REFERENCE_MODES)[number],
        name: str(object, "data_reference_name"),
        pathOnCompute: str(object, "path_on_compute"),
        overwrite: typeof overwrite === "boolean" ? overwrite : null
      }
    }
    case "Datastore":
      return { type: "Datastore", at: object.at, datastore: str(object, "name") ?? "" }
    case "DatasetConsumptionConfig": {
      // as_named_input() alone gives mode "direct"; as_mount() / as_download() the others.
      const mode = (str(object, "mode") ?? "direct").toLowerCase()
      if (!(DATASET_MODES as ReadonlyArray<string>).includes(mode)) {
        issues.push(error(key(object.at, "mode"), "v1-invalid-data-mode", `Invalid mode ${mode} for a DatasetConsumptionConfig: as_mount() gives "mount", as_download() "download", as_named_input() alone "direct".`, "Use \"mount\", \"download\" or \"direct\"."))
        return undefined
      }
      return {
        type: "DatasetConsumptionConfig",
        at: object.at,
        name: str(object, "name") ?? "",
        mode: mode as (typeof DATASET_MODES)[number],
        dataset: str(object, "dataset"),
        version: str(object, "version"),
        pathOnCompute: str(object, "path_on_compute")
      }
    }
    case "OutputFileDatasetConfig": {
      const destination = object.fields["destination"]
      return {
        type: "OutputFileDatasetConfig",
        at: object.at,
        name: str(object, "name") ?? "",
        destination: typeof destination === "object" && destination !== null ? destination : null
      }
    }
    default:
      return undefined
  }
}

// -------------------------------------------------------------------------------------
// script_params
// -------------------------------------------------------------------------------------

/** A JSON number as a script argument: a number when JavaScript writes it as Python does, else Python's text. */
const numberArgument = (json: Extract<Json, { _tag: "Number" }>): Estimator.Argument => {
  const python = pythonNumber(json)
  return String(json.value) === python ? json.value : python
}

/** v1's `process_argument` on one value; a data object becomes a data item. */
const scriptValue = (issues: Issues, path: string, json: Json): ArgItem | undefined => {
  switch (json._tag) {
    case "Null":
      return { kind: "value", path, value: null }
    case "Boolean":
      return { kind: "value", path, value: json.value }
    case "Number":
      return { kind: "value", path, value: numberArgument(json) }
    case "String":
      return { kind: "value", path, value: json.value }
    default: {
      const object = typedObject(issues, path, json, accepts.script_params)
      if (object === undefined) return undefined
      if ("wrongType" in object) {
        issues.push(error(path, "v1-unsupported-type", `${path} is a ${object.wrongType} object, which script_params cannot pass to the script.`, `Pass data as a DataReference, Datastore, DatasetConsumptionConfig or OutputFileDatasetConfig.`))
        return undefined
      }
      const data = dataObject(issues, object)
      return data === undefined ? undefined : { kind: "data", path, data }
    }
  }
}

const scriptParams = (issues: Issues, path: string, json: Json): ReadonlyArray<ArgItem> | null | undefined => {
  if (json._tag === "Null") return null
  if (json._tag !== "Object") {
    typeError(issues, path, "an object (a Python dict of argument to value) or null", json)
    return undefined
  }
  const items: Array<ArgItem> = []
  let ok = true
  const push = (item: ArgItem | undefined) => {
    if (item === undefined) ok = false
    else items.push(item)
  }
  for (const [name, value] of json.entries) {
    const valuePath = key(path, name)
    push({ kind: "value", path: valuePath, value: name })
    if (value._tag === "Array") {
      // convert_dict_to_list: a list is expanded; an element that is itself iterable becomes str(element).
      value.items.forEach((element, i) => {
        const elementPath = index(valuePath, i)
        if (element._tag === "Array" || (element._tag === "Object" && field(element, "type") === undefined)) {
          const repr = pythonRepr(element)
          if (repr === undefined) {
            issues.push(error(elementPath, "v1-invalid-script-param", `${elementPath} is a nested list or dict holding a typed object: v1 would pass its Python repr (an object address) to the script.`, "Move the data object up to be the list's own element, or give it its own key."))
            ok = false
          } else {
            push({ kind: "value", path: elementPath, value: repr })
          }
        } else {
          push(scriptValue(issues, elementPath, element))
        }
      })
    } else if (value._tag === "Object" && field(value, "type") === undefined) {
      // A dict is iterable over its keys, so v1 passed the keys alone.
      issues.push(warning(valuePath, "v1-dict-script-param", `${valuePath} is a dict without "type": v1 iterated it and passed only its keys (${value.entries.map(([k]) => k).join(", ") || "none"}) to the script, and so does the import.`, "If it was meant as a data object, add its \"type\"; if the values matter, pass them as a list or a string."))
      for (const [dictKey] of value.entries) push({ kind: "value", path: key(valuePath, dictKey), value: dictKey })
    } else {
      push(scriptValue(issues, valuePath, value))
    }
  }
  return ok ? items : undefined
}

// -------------------------------------------------------------------------------------
// parameters
// -------------------------------------------------------------------------------------

const computeTarget = (issues: Issues, path: string, json: Json): ComputeArg | null | undefined => {
  if (json._tag === "Null") return null
  if (json._tag === "String") return json.value === "local" ? { kind: "local" } : { kind: "name", name: json.value }
  const object = typedObject(issues, path, json, accepts.compute_target)
  if (object === undefined) return undefined
  if ("wrongType" in object) {
    issues.push(error(path, "v1-invalid-argument-type", `${path} must be "local", a cluster name or a compute object, but it is a ${object.wrongType} object.`, "Write it as \"local\", \"<cluster name>\" or {\"type\": \"AmlCompute\", \"name\": \"<cluster name>\"}."))
    return undefined
  }
  return { kind: "object", type: object.type, name: str(object, "name") ?? "" }
}

const distributedTraining = (issues: Issues, path: string, json: Json): DistributedArg | null | undefined => {
  if (json._tag === "Null") return null
  const object = typedObject(issues, path, json, accepts.distributed_training)
  if (object === undefined) return undefined
  if ("wrongType" in object) {
    issues.push(error(path, "v1-invalid-argument-type", `${path} must be a distributed-training object, but it is a ${object.wrongType} object.`, `Use one of ${accepts.distributed_training.join(", ")}.`))
    return undefined
  }
  const deprecation = distributedDeprecation[object.type]
  if (deprecation !== undefined) {
    issues.push(warning(key(path, "type"), "v1-distributed-type-deprecated", deprecation, "Nothing to do for the import: the spec's distribution is the equivalent of the new configuration classes."))
  }
  switch (object.type) {
    case "Mpi":
      return { type: "Mpi", processCountPerNode: int(object, "process_count_per_node") ?? 1 }
    case "MpiConfiguration":
      return { type: "MpiConfiguration", processCountPerNode: int(object, "process_count_per_node") ?? 1, nodeCount: int(object, "node_count") }
    case "ParameterServer":
    case "TensorflowConfiguration":
      return { type: object.type, workerCount: int(object, "worker_count") ?? 1, parameterServerCount: int(object, "parameter_server_count") ?? 1 }
    case "Gloo":
    case "Nccl":
      return { type: object.type }
    default: {
      const backend = str(object, "communication_backend") ?? "Nccl"
      const lower = backend.toLowerCase()
      if (lower !== "nccl" && lower !== "gloo") {
        issues.push(error(key(path, "communication_backend"), "v1-unsupported-backend", `${backend} is not a supported backend. 'communication_backend' must be 'Nccl' or 'Gloo'.`, "Set communication_backend to \"Nccl\" (GPUs) or \"Gloo\" (CPUs)."))
        return undefined
      }
      return { type: "PyTorchConfiguration", backend: lower, processCount: int(object, "process_count"), nodeCount: int(object, "node_count") }
    }
  }
}

const registry = (issues: Issues, path: string, json: Json): RegistryArg | null | undefined => {
  if (json._tag === "Null") return null
  const object = typedObject(issues, path, json, accepts.image_registry_details)
  if (object === undefined) return undefined
  if ("wrongType" in object) {
    issues.push(error(path, "v1-invalid-argument-type", `${path} must be a ContainerRegistry, but it is a ${object.wrongType} object.`, "Write it as {\"type\": \"ContainerRegistry\", \"address\": ..., \"username\": ..., \"password_env\": ...}."))
    return undefined
  }
  return { address: str(object, "address") ?? "", username: str(object, "username"), passwordEnv: str(object, "password_env") }
}

const environmentDefinition = (issues: Issues, path: string, json: Json): Args["environment_definition"] | undefined => {
  if (json._tag === "Null") return null
  const object = typedObject(issues, path, json, accepts.environment_definition)
  if (object === undefined) return undefined
  if ("wrongType" in object) {
    issues.push(error(path, "v1-invalid-argument-type", `${path} must be an Environment, but it is a ${object.wrongType} object.`, "Write it as {\"type\": \"Environment\", \"name\": ..., \"version\": ...}."))
    return undefined
  }
  return { name: str(object, "name") ?? "", version: str(object, "version") }
}

const inputs = (issues: Issues, path: string, json: Json): ReadonlyArray<DataArg> | null | undefined => {
  if (json._tag === "Null") return null
  if (json._tag !== "Array") {
    typeError(issues, path, "a list of data objects or null", json)
    return undefined
  }
  const items: Array<DataArg> = []
  let ok = true
  json.items.forEach((item, i) => {
    const itemPath = index(path, i)
    const object = typedObject(issues, itemPath, item, [...accepts.inputs, "OutputFileDatasetConfig", "DataPath"])
    if (object === undefined) {
      ok = false
      return
    }
    if ("wrongType" in object || object.type === "OutputFileDatasetConfig" || object.type === "DataPath") {
      const type = "wrongType" in object ? object.wrongType : object.type
      issues.push(error(itemPath, "v1-unsupported-type", `Type ${type} is not supported for inputs.`, "inputs takes DataReference, Datastore and DatasetConsumptionConfig objects; pass outputs through script_params."))
      ok = false
      return
    }
    const data = dataObject(issues, object)
    if (data === undefined) ok = false
    else items.push(data)
  })
  return ok ? items : undefined
}

const datastore = (issues: Issues, path: string, json: Json): string | null | undefined => {
  if (json._tag === "Null") return null
  const object = typedObject(issues, path, json, accepts.source_directory_data_store)
  if (object === undefined) return undefined
  if ("wrongType" in object) {
    issues.push(error(path, "v1-invalid-argument-type", `${path} must be a Datastore, but it is a ${object.wrongType} object.`, "Write it as {\"type\": \"Datastore\", \"name\": \"<datastore>\"}."))
    return undefined
  }
  return str(object, "name")
}

const resumeFrom = (issues: Issues, path: string, json: Json): ResumeFromArg | null | undefined => {
  if (json._tag === "Null") return null
  if (json._tag !== "Object") return { kind: "wrong", found: json._tag === "String" ? "str" : json._tag === "Number" ? (json.float ? "float" : "int") : json._tag === "Boolean" ? "bool" : "list" }
  const object = typedObject(issues, path, json, Object.keys(objectTypes))
  if (object === undefined) return undefined
  if ("wrongType" in object) return { kind: "wrong", found: object.wrongType }
  if (object.type !== "DataPath") return { kind: "wrong", found: object.type }
  return { kind: "DataPath", path: dataPath(object) }
}

const environmentVariables = (issues: Issues, path: string, json: Json): Args["environment_variables"] | undefined => {
  if (json._tag === "Null") return null
  if (json._tag !== "Object") {
    typeError(issues, path, "an object of variable names to string values, or null", json)
    return undefined
  }
  let ok = true
  const entries = json.entries.map(([name, value]): readonly [string, string] => {
    if (value._tag === "String") return [name, value.value]
    const suggestion = value._tag === "Number" ? `"${value.float ? pythonFloat(value.value) : value.literal}"` : value._tag === "Boolean" ? `"${value.value ? "True" : "False"}"` : "a string"
    typeError(issues, key(path, name), "a string", value, `Write the value as ${suggestion}: environment variables are strings.`)
    ok = false
    return [name, ""]
  })
  return ok ? entries : undefined
}

// -------------------------------------------------------------------------------------
// the call
// -------------------------------------------------------------------------------------

const defaults: Args = {
  source_directory: ".",
  compute_target: null,
  vm_size: null,
  vm_priority: null,
  entry_script: null,
  script_params: null,
  node_count: 1,
  process_count_per_node: 1,
  distributed_backend: null,
  distributed_training: null,
  use_gpu: false,
  use_docker: true,
  custom_docker_base_image: null,
  custom_docker_image: null,
  image_registry_details: null,
  user_managed: false,
  conda_packages: null,
  pip_packages: null,
  conda_dependencies_file_path: null,
  pip_requirements_file_path: null,
  conda_dependencies_file: null,
  pip_requirements_file: null,
  environment_variables: null,
  environment_definition: null,
  inputs: null,
  source_directory_data_store: null,
  shm_size: null,
  resume_from: null,
  max_run_duration_seconds: null,
  framework_version: null,
  worker_count: 1,
  parameter_server_count: 1,
  privates: {}
}

const decodeParameter = (issues: Issues, name: string, path: string, json: Json): Partial<Args> | undefined => {
  const set = <K extends keyof Args>(k: K, value: Args[K] | undefined): Partial<Args> | undefined =>
    value === undefined ? undefined : ({ [k]: value } as Partial<Args>)
  switch (name) {
    case "source_directory": {
      const value = asString(issues, path, json, true)
      return value === undefined ? undefined : { source_directory: value === null || value === "" ? "." : value }
    }
    case "vm_size":
    case "vm_priority":
    case "entry_script":
    case "distributed_backend":
    case "custom_docker_base_image":
    case "custom_docker_image":
    case "conda_dependencies_file_path":
    case "pip_requirements_file_path":
    case "conda_dependencies_file":
    case "pip_requirements_file":
    case "shm_size":
      return set(name, asString(issues, path, json, true))
    case "framework_version":
      if (json._tag === "Number") {
        typeError(issues, path, "a string", json, `Write the version as a string, e.g. "${json.literal}": v1 compares versions as strings.`)
        return undefined
      }
      return set(name, asString(issues, path, json, true))
    case "node_count":
    case "process_count_per_node":
    case "worker_count":
    case "parameter_server_count":
      return set(name, asInt(issues, path, json, false) ?? undefined)
    case "max_run_duration_seconds":
      return set(name, asInt(issues, path, json, true))
    case "use_gpu":
    case "use_docker":
    case "user_managed":
      return set(name, asBool(issues, path, json))
    case "conda_packages":
    case "pip_packages":
      return set(name, asStringList(issues, path, json))
    case "compute_target":
      return set(name, computeTarget(issues, path, json))
    case "script_params":
      return set(name, scriptParams(issues, path, json))
    case "distributed_training":
      return set(name, distributedTraining(issues, path, json))
    case "image_registry_details":
      return set(name, registry(issues, path, json))
    case "environment_variables":
      return set(name, environmentVariables(issues, path, json))
    case "environment_definition":
      return set(name, environmentDefinition(issues, path, json))
    case "inputs":
      return set(name, inputs(issues, path, json))
    case "source_directory_data_store":
      return set(name, datastore(issues, path, json))
    case "resume_from":
      return set(name, resumeFrom(issues, path, json))
    default: {
      const value = asBool(issues, path, json)
      return value === undefined ? undefined : { privates: { [name]: value } }
    }
  }
}

const unexpectedHint = (cls: V1Class, name: string): string => {
  const takers = classes.filter((c) => parameters[c].includes(name))
  if (cls === "SKLearn" && ["node_count", "process_count_per_node", "distributed_backend", "distributed_training", "use_gpu"].includes(name)) {
    return `The SKLearn estimator only supports single-node CPU training. For ${name === "use_gpu" ? "GPU" : "distributed"} training use the generic Estimator class with pip_packages=["scikit-learn==0.20.3"] (or a framework that supports it), or remove ${name}.`
  }
  if (name === "custom_docker_base_image") return "SKLearn takes custom_docker_image (custom_docker_base_image is its deprecated name in the other classes)."
  return `Only ${takers.join(", ")} take${takers.length === 1 ? "s" : ""} ${name}: remove it, or change "class".`
}

/**
 * Decode one call: `{ "class": ..., "args": { ... } }` (plus an optional `"source"` describing
 * where the call came from, which is not used). Issues are in the order Python meets them.
 *
 * @internal
 */
export const decode = (json: Json, prefix: string, issues: Issues): Decoded | undefined => {
  duplicates(issues, prefix, json, key(prefix, "args"))
  if (json._tag !== "Object") {
    issues.push(error(prefix, "v1-invalid-call", `A v1 call must be an object { "class": ..., "args": { ... } }, but it is ${describe(json)}.`, "Write the call as { \"class\": \"Estimator\", \"args\": { \"source_directory\": \".\", ... } }."))
    return undefined
  }
  for (const [name] of json.entries) {
    if (name !== "class" && name !== "args" && name !== "source") {
      issues.push(error(key(prefix, name), "v1-unknown-field", `A v1 call has "class", "args" and an optional "source", not "${name}".`, `Move "${name}" into "args" if it is a keyword argument, or remove it.`))
    }
  }
  const classJson = field(json, "class")
  const classPath = key(prefix, "class")
  let cls: V1Class | undefined
  if (classJson === undefined) {
    issues.push(error(classPath, "v1-unknown-class", "The call has no \"class\".", `Add "class": one of ${classes.join(", ")}.`))
  } else if (classJson._tag !== "String" || !(classes as ReadonlyArray<string>).includes(classJson.value)) {
    const name = classJson._tag === "String" ? classJson.value : undefined
    const suggestion = name === undefined ? undefined : closest(name, classes)
    issues.push(error(
      classPath,
      "v1-unknown-class",
      name === undefined ? `"class" must be a string, but it is ${describe(classJson)}.` : `"${name}" is not a v1 estimator class.`,
      `${suggestion === undefined ? "" : `Did you mean "${suggestion}"? `}Use one of ${classes.join(", ")} (ScriptRunConfig calls are not imported: write the spec directly).`
    ))
  } else {
    cls = classJson.value as V1Class
  }
  const argsPath = key(prefix, "args")
  const argsJson = field(json, "args")
  if (argsJson === undefined || argsJson._tag !== "Object") {
    issues.push(error(argsPath, "v1-invalid-call", argsJson === undefined ? "The call has no \"args\"." : `"args" must be an object of keyword arguments, but it is ${describe(argsJson)}.`, "Add \"args\": { \"source_directory\": \".\", \"entry_script\": \"train.py\", ... }."))
    return undefined
  }
  if (cls === undefined) return undefined
  return decodeArgs(cls, argsJson, argsPath, issues)
}

const decodeArgs = (cls: V1Class, argsJson: JsonObject, argsPath: string, issues: Issues): Decoded => {
  const accepted = parameters[cls]
  let args: Args = defaults
  const given = new Set<string>()
  const invalid = new Set<string>()
  let reorderableKeys = false
  for (const [name, value] of argsJson.entries) {
    const path = key(argsPath, name)
    if (!accepted.includes(name)) {
      if (allParameters.includes(name)) {
        issues.push(error(path, "v1-unexpected-keyword", `__init__() got an unexpected keyword argument '${name}': ${cls} does not take ${name}.`, unexpectedHint(cls, name)))
      } else {
        const suggestion = closest(name, accepted)
        issues.push(error(path, "v1-unknown-argument", `__init__() got an unexpected keyword argument '${name}': no v1 estimator class takes ${name}.`, `${suggestion === undefined ? "Remove it" : `Did you mean "${suggestion}"?`} ${cls} takes: ${accepted.join(", ")}.`))
      }
      continue
    }
    given.add(name)
    if (name === "script_params" && value._tag === "Object") {
      reorderableKeys = value.entries.length > 1 && value.entries.some(([k]) => /^(?:0|[1-9]\d*)$/.test(k))
    }
    const patch = decodeParameter(issues, name, path, value)
    if (patch === undefined) invalid.add(name)
    else args = { ...args, ...patch, privates: { ...args.privates, ...patch.privates } }
  }
  if (!given.has("source_directory")) {
    issues.push(error(key(argsPath, "source_directory"), "v1-missing-argument", "__init__() missing 1 required positional argument: 'source_directory'", "Add \"source_directory\": the folder with the training code (\".\" for the current folder)."))
  }
  return { cls, args, given, invalid, reorderableKeys }
}
