/**
 * The swagger side of the workspace emulator: loads the official Azure ML REST swagger
 * (`shared/azureml/rest/2024-04-01`, beside the repository clone) once per process, finds the
 * documented operation for a concrete request path, and checks what `SwaggerCheck` does not:
 * path parameters (pattern, length), query parameters (required ones such as `api-version`,
 * types, unknown names) and which response definition each status documents.
 *
 * Bodies are checked by `SwaggerCheck` itself (`checkOperation` for requests, `check` with
 * `{ request: false }` for responses).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as SwaggerCheck from "../../src/testing/SwaggerCheck.js"

/** The swagger version folder: `<repo>/../shared/azureml/rest/2024-04-01` (repo = /work/main). */
export const defaultSwaggerDirectory = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../../shared/azureml/rest/2024-04-01"
)

/** A definition named by a `$ref`, with the file that holds it. */
export interface DefinitionRef {
  readonly file: string
  readonly name: string
}

export interface SwaggerParameter {
  readonly name: string
  readonly in: string
  readonly required: boolean
  readonly type?: string
  readonly pattern?: string
  readonly minLength?: number
  readonly maxLength?: number
  readonly enum?: ReadonlyArray<unknown>
}

export interface SwaggerOperation {
  readonly file: string
  readonly method: string
  readonly template: string
  readonly segments: ReadonlyArray<string>
  readonly operationId: string
  readonly parameters: ReadonlyArray<SwaggerParameter>
  /** Documented response definition by status code (`undefined` for a response without a body). */
  readonly responses: ReadonlyMap<string, DefinitionRef | undefined>
  readonly bodyDefinition: DefinitionRef | undefined
  readonly longRunning: boolean
}

export interface Swagger {
  readonly check: SwaggerCheck.SwaggerCheck
  readonly operations: ReadonlyArray<SwaggerOperation>
}

export interface Issue {
  readonly path: string
  readonly message: string
}

type Json = Readonly<Record<string, unknown>>

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)
const asArray = (value: unknown): ReadonlyArray<unknown> => (Array.isArray(value) ? value : [])

const COMMON_TYPES_UPSTREAM = "../../../../../common-types/"
const OPERATION_FILES = ["mfe.json", "machineLearningServices.json"] as const
const METHODS = new Set(["get", "put", "post", "patch", "delete", "head"])

const cache = new Map<string, Swagger>()

/**
 * Loads (once per folder and process) the swagger checker and the operation index. Throws with
 * an explanation when the shared swagger data is missing.
 */
export const loadSwagger = (directory: string = defaultSwaggerDirectory): Swagger => {
  const resolved = path.resolve(directory)
  const cached = cache.get(resolved)
  if (cached !== undefined) return cached
  if (!fs.existsSync(path.join(resolved, "mfe.json"))) {
    throw new Error(
      `Azure ML workspace emulator: the official swagger is required but ${resolved}/mfe.json is missing. ` +
        "It is the shared folder azureml/rest/2024-04-01 that sits beside the repository clone (../shared)."
    )
  }
  const documents = new Map<string, Json>()
  const read = (file: string): Json => {
    const existing = documents.get(file)
    if (existing !== undefined) return existing
    const parsed: unknown = JSON.parse(fs.readFileSync(path.join(resolved, file), "utf8"))
    if (!isObject(parsed)) throw new Error(`Azure ML workspace emulator: ${file} is not a JSON object`)
    documents.set(file, parsed)
    return parsed
  }
  const operations = OPERATION_FILES.flatMap((file) => indexOperations(file, read))
  const swagger: Swagger = { check: SwaggerCheck.load(resolved), operations }
  cache.set(resolved, swagger)
  return swagger
}

const resolveRef = (ref: string, fromFile: string): { readonly file: string; readonly pointer: string } => {
  const hash = ref.indexOf("#")
  const filePart = hash === -1 ? ref : ref.slice(0, hash)
  const pointer = hash === -1 ? "" : ref.slice(hash + 1)
  if (filePart === "") return { file: fromFile, pointer }
  if (filePart.startsWith(COMMON_TYPES_UPSTREAM)) {
    return { file: `common-types/${filePart.slice(COMMON_TYPES_UPSTREAM.length)}`, pointer }
  }
  return { file: path.posix.normalize(filePart), pointer }
}

const definitionRef = (schema: unknown, fromFile: string): DefinitionRef | undefined => {
  const ref = isObject(schema) ? schema["$ref"] : undefined
  if (typeof ref !== "string") return undefined
  const { file, pointer } = resolveRef(ref, fromFile)
  const match = /^\/definitions\/([^/]+)$/.exec(pointer)
  return match?.[1] === undefined ? undefined : { file, name: match[1] }
}

const indexOperations = (file: string, read: (file: string) => Json): Array<SwaggerOperation> => {
  const document = read(file)
  const resolveParameter = (parameter: unknown): Json | undefined => {
    if (!isObject(parameter)) return undefined
    const ref = parameter["$ref"]
    if (typeof ref !== "string") return parameter
    const { file: target, pointer } = resolveRef(ref, file)
    let node: unknown = read(target)
    for (const token of pointer.split("/").slice(1)) node = isObject(node) ? node[token] : undefined
    return isObject(node) ? node : undefined
  }
  const operations: Array<SwaggerOperation> = []
  for (const [template, pathItem] of Object.entries(isObject(document["paths"]) ? document["paths"] : {})) {
    if (!isObject(pathItem)) continue
    for (const [method, operation] of Object.entries(pathItem)) {
      if (!METHODS.has(method) || !isObject(operation)) continue
      const parameters = [...asArray(pathItem["parameters"]), ...asArray(operation["parameters"])]
        .map(resolveParameter)
        .filter((parameter): parameter is Json => parameter !== undefined)
      const responses = new Map<string, DefinitionRef | undefined>()
      for (const [status, response] of Object.entries(isObject(operation["responses"]) ? operation["responses"] : {})) {
        responses.set(status, isObject(response) ? definitionRef(response["schema"], file) : undefined)
      }
      const body = parameters.find((parameter) => parameter["in"] === "body")
      operations.push({
        file,
        method: method.toUpperCase(),
        template,
        segments: segmentsOf(template),
        operationId: typeof operation["operationId"] === "string" ? operation["operationId"] : `${method} ${template}`,
        parameters: parameters.map(toParameter),
        responses,
        bodyDefinition: body === undefined ? undefined : definitionRef(body["schema"], file),
        longRunning: operation["x-ms-long-running-operation"] === true
      })
    }
  }
  return operations
}

const toParameter = (raw: Json): SwaggerParameter => {
  const { type, pattern, minLength, maxLength } = raw
  return {
    name: String(raw["name"]),
    in: String(raw["in"]),
    required: raw["required"] === true,
    ...(typeof type === "string" ? { type } : {}),
    ...(typeof pattern === "string" ? { pattern } : {}),
    ...(typeof minLength === "number" ? { minLength } : {}),
    ...(typeof maxLength === "number" ? { maxLength } : {}),
    ...(Array.isArray(raw["enum"]) ? { enum: raw["enum"] } : {})
  }
}

/** Path segments, without origin, query and empty segments. */
export const segmentsOf = (pathOrUrl: string): Array<string> =>
  (pathOrUrl.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, "").split(/[?#]/)[0] ?? "")
    .split("/")
    .filter((segment) => segment !== "")

const isParameterSegment = (segment: string): boolean => /^\{[^{}]+\}$/.test(segment)

/**
 * The documented operation for a method and a concrete path: same segment count, equal literal
 * segments (case-insensitive, as ARM compares them); the one with most literal segments wins.
 */
export const findOperation = (
  swagger: Swagger,
  method: string,
  concretePath: string
): SwaggerOperation | undefined => {
  const segments = segmentsOf(concretePath)
  let best: { readonly operation: SwaggerOperation; readonly score: number } | undefined
  for (const operation of swagger.operations) {
    if (operation.method !== method.toUpperCase() || operation.segments.length !== segments.length) continue
    let score = 0
    let matches = true
    for (const [index, expected] of operation.segments.entries()) {
      if (isParameterSegment(expected)) continue
      if (expected.toLowerCase() !== (segments[index] ?? "").toLowerCase()) {
        matches = false
        break
      }
      score += 1
    }
    if (matches && (best === undefined || score > best.score)) best = { operation, score }
  }
  return best?.operation
}

const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

const checkValue = (parameter: SwaggerParameter, value: string, where: string): Array<Issue> => {
  const issues: Array<Issue> = []
  if (parameter.pattern !== undefined && !new RegExp(parameter.pattern).test(value)) {
    issues.push({ path: where, message: `${JSON.stringify(value)} must match pattern "${parameter.pattern}"` })
  }
  if (parameter.minLength !== undefined && value.length < parameter.minLength) {
    issues.push({ path: where, message: `must not be shorter than ${parameter.minLength} characters` })
  }
  if (parameter.maxLength !== undefined && value.length > parameter.maxLength) {
    issues.push({ path: where, message: `must not be longer than ${parameter.maxLength} characters` })
  }
  if (parameter.type === "boolean" && value !== "true" && value !== "false") {
    issues.push({ path: where, message: `${JSON.stringify(value)} must be a boolean (true or false)` })
  }
  if (parameter.type === "integer" && !/^-?\d+$/.test(value)) {
    issues.push({ path: where, message: `${JSON.stringify(value)} must be an integer` })
  }
  if (parameter.enum !== undefined && !parameter.enum.includes(value)) {
    issues.push({ path: where, message: `${JSON.stringify(value)} must be one of ${JSON.stringify(parameter.enum)}` })
  }
  return issues
}

/**
 * Checks the path parameters and the query string of a request against its operation. Issue paths
 * are `path:<name>` and `query:<name>`.
 */
export const checkParameters = (
  operation: SwaggerOperation,
  concretePath: string,
  query: URLSearchParams
): Array<Issue> => {
  const issues: Array<Issue> = []
  const segments = segmentsOf(concretePath)
  for (const [index, segment] of operation.segments.entries()) {
    if (!isParameterSegment(segment)) continue
    const name = segment.slice(1, -1)
    const parameter = operation.parameters.find((candidate) => candidate.in === "path" && candidate.name === name)
    if (parameter !== undefined) issues.push(...checkValue(parameter, decodeSegment(segments[index] ?? ""), `path:${name}`))
  }
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === "query")
  for (const parameter of queryParameters) {
    const values = query.getAll(parameter.name)
    if (values.length === 0) {
      if (parameter.required) issues.push({ path: `query:${parameter.name}`, message: "is required" })
      continue
    }
    for (const value of values) issues.push(...checkValue(parameter, value, `query:${parameter.name}`))
  }
  for (const name of new Set(query.keys())) {
    if (!queryParameters.some((parameter) => parameter.name === name)) {
      issues.push({ path: `query:${name}`, message: `is not a query parameter of ${operation.operationId}` })
    }
  }
  return issues
}

/**
 * Checks a response body against the definition the swagger documents for its status. A
 * definition outside `mfe.json` (the workspace) is checked through an operation of the same path
 * whose request body has that definition (the ARM PUT of the resource), in response mode.
 */
export const checkResponse = (
  swagger: Swagger,
  operation: SwaggerOperation,
  concretePath: string,
  status: number,
  body: unknown
): Array<Issue> => {
  const documented = operation.responses.has(String(status))
  if (!documented) {
    return [{ path: "", message: `status ${status} is not documented for ${operation.operationId}` }]
  }
  const definition = operation.responses.get(String(status))
  if (definition === undefined) {
    return body === undefined ? [] : [{ path: "", message: `${operation.operationId} documents no body for ${status}` }]
  }
  if (definition.file === "mfe.json") {
    return [...SwaggerCheck.check(swagger.check, definition.name, body, { request: false })]
  }
  const viaBody = swagger.operations.find(
    (candidate) =>
      candidate.template === operation.template &&
      candidate.bodyDefinition?.file === definition.file &&
      candidate.bodyDefinition.name === definition.name
  )
  if (viaBody === undefined) {
    throw new Error(`Azure ML workspace emulator: cannot check ${definition.file}#${definition.name} responses`)
  }
  return [...SwaggerCheck.checkOperation(swagger.check, viaBody.method, concretePath, body, { request: false })]
}
