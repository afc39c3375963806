/**
 * Validates request bodies against the official Azure ML REST swagger (`mfe.json` and the files
 * it references), so tests can prove that the bodies we send are what the service documents.
 *
 * `load` reads a version folder (for example `azureml/rest/2024-04-01`) synchronously; `check`
 * validates a value against a named definition of `mfe.json`, and `checkOperation` against the
 * body parameter of an operation found by method and path. Swagger 2.0 schemas are translated to
 * JSON Schema for ajv on first use and the compiled validators are cached.
 *
 * How swagger semantics are translated:
 *
 * - `$ref`s are resolved across files; the upstream prefix `../../../../../common-types/` maps to
 *   `./common-types/` inside the version folder.
 * - Inheritance (`allOf: [{ $ref: Base }]`) is flattened: a type's properties and required fields
 *   are those of all its ancestors plus its own.
 * - Polymorphism is enforced: a reference to a type that declares a `discriminator` dispatches on
 *   the discriminator value to the subtype carrying that `x-ms-discriminator-value` (the
 *   definition name when absent). An unknown value is an issue listing the known ones.
 * - `x-nullable: true` allows `null`; otherwise `null` is a type error.
 * - Enums are strict, also for `x-ms-enum` with `modelAsString: true`.
 * - `readOnly` properties are response-only: in request mode (the default) sending one is an issue.
 * - Additional properties: an object without `additionalProperties` accepts unknown properties
 *   (swagger semantics). Most Azure ML models declare `additionalProperties: false`, and that is
 *   honoured, after inheritance is flattened, so an unknown or misspelt property is reported there.
 * - Formats: standard ones come from ajv-formats, `duration` is a strict ISO-8601 duration
 *   (`PT15M`, `P1DT2H`, `PT1.5S`), and formats that ajv does not know (`arm-id`, ...) accept any value.
 * - `pattern` keeps JSON Schema semantics (unanchored search), exactly as written in the swagger.
 * - `default` values are documentation only: they are neither checked nor applied.
 *
 * This module only reads files in `load`; checking is pure. It is a test helper and is not
 * exported from the package index.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from "ajv"
import addFormatsModule from "ajv-formats"

/**
 * A loaded swagger version folder, ready to check bodies.
 *
 * @category models
 * @since 0.1.0
 */
export interface SwaggerCheck {
  /** Absolute path of the version folder. */
  readonly directory: string
  /** Files loaded, relative to `directory` (`mfe.json` first, then those it references). */
  readonly files: ReadonlyArray<string>
  /** Names of the definitions in `mfe.json`. */
  readonly definitionNames: ReadonlyArray<string>
}

/**
 * One validation problem: a JSON pointer into the checked body and what is wrong there.
 *
 * @category models
 * @since 0.1.0
 */
export interface SwaggerIssue {
  readonly path: string
  readonly message: string
}

/**
 * Options of `check` and `checkOperation`. `request` (default `true`) reports read-only
 * (response-only) properties present in the body; set it to `false` to check responses.
 *
 * @category configuration
 * @since 0.1.0
 */
export interface CheckOptions {
  readonly request?: boolean
}

type SwaggerObject = Readonly<Record<string, unknown>>

type Mode = "request" | "response"

interface DefinitionEntry {
  readonly file: string
  readonly name: string
  readonly schema: SwaggerObject
}

interface Location {
  readonly file: string
  readonly pointer: string
}

interface OperationEntry {
  readonly key: string
  readonly file: string
  readonly template: ReadonlyArray<string>
  readonly path: SwaggerObject
  readonly operation: SwaggerObject
}

interface State {
  readonly documents: ReadonlyMap<string, SwaggerObject>
  readonly definitions: ReadonlyMap<string, DefinitionEntry>
  readonly children: ReadonlyMap<string, ReadonlyArray<string>>
  readonly operations: ReadonlyArray<OperationEntry>
  readonly ajv: Ajv
  readonly schemaIds: Map<string, string>
  readonly operationValidators: Map<string, ValidateFunction | null>
}

const MAIN_FILE = "mfe.json"
const COMMON_TYPES_UPSTREAM_PREFIX = "../../../../../common-types/"
const COMMON_TYPES_LOCAL_PREFIX = "common-types/"
const RESPONSE_ONLY_KEYWORD = "responseOnly"
const ISO_8601_DURATION =
  /^P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:[.,]\d+)?S)?)?$/
const HTTP_METHODS = new Set(["get", "put", "post", "patch", "delete", "head", "options"])

const states = new WeakMap<SwaggerCheck, State>()

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = addFormatsModule.default

/**
 * Reads `mfe.json` from a swagger version folder, and every file it references.
 *
 * @category constructors
 * @since 0.1.0
 */
export const load = (versionDir: string): SwaggerCheck => {
  const directory = path.resolve(versionDir)
  if (!fs.existsSync(path.join(directory, MAIN_FILE))) {
    throw new Error(
      `SwaggerCheck.load: no ${MAIN_FILE} in swagger directory ${directory} (expected an Azure ML REST version folder such as .../azureml/rest/2024-04-01)`
    )
  }
  const documents = readDocuments(directory)
  const definitions = indexDefinitions(documents)
  const swagger: SwaggerCheck = {
    directory,
    files: [...documents.keys()],
    definitionNames: Object.keys(asObject(documents.get(MAIN_FILE)?.["definitions"]) ?? {})
  }
  states.set(swagger, {
    documents,
    definitions,
    children: indexChildren(definitions),
    operations: indexOperations(documents),
    ajv: makeAjv(documents),
    schemaIds: new Map(),
    operationValidators: new Map()
  })
  return swagger
}

/**
 * Validates `body` against the definition `definitionName` of `mfe.json`; an empty array means
 * valid. Throws if the definition does not exist.
 *
 * @category validation
 * @since 0.1.0
 */
export const check = (
  swagger: SwaggerCheck,
  definitionName: string,
  body: unknown,
  options?: CheckOptions
): ReadonlyArray<SwaggerIssue> => {
  const state = stateOf(swagger)
  const key = definitionKey(MAIN_FILE, definitionName)
  if (!state.definitions.has(key)) {
    throw new Error(`SwaggerCheck.check: no definition "${definitionName}" in ${MAIN_FILE}`)
  }
  const id = referenceId(state, key, modeOf(options))
  const validate = state.ajv.getSchema(id)
  if (validate === undefined) {
    throw new Error(`SwaggerCheck.check: could not compile definition "${definitionName}"`)
  }
  return runValidator(validate, body)
}

/**
 * Validates `body` against the `in: body` parameter of the operation `method pathTemplate`.
 * Paths match by structure: same segment count, equal literal segments (case-insensitive, as in
 * ARM), and a swagger `{param}` segment matches any `{name}` or concrete value. Searches `mfe.json`
 * first, then the other loaded files. Throws if no operation matches. An operation without a body
 * parameter accepts only an `undefined` body.
 *
 * @example
 * checkOperation(swagger, "PUT", "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}/jobs/{id}", body)
 *
 * @category validation
 * @since 0.1.0
 */
export const checkOperation = (
  swagger: SwaggerCheck,
  method: string,
  pathTemplate: string,
  body: unknown,
  options?: CheckOptions
): ReadonlyArray<SwaggerIssue> => {
  const state = stateOf(swagger)
  const mode = modeOf(options)
  const operation = findOperation(state, method, pathTemplate)
  const cacheKey = `${mode} ${operation.key}`
  if (!state.operationValidators.has(cacheKey)) {
    state.operationValidators.set(cacheKey, compileOperation(state, operation, mode))
  }
  const validate = state.operationValidators.get(cacheKey) ?? null
  if (validate === null) {
    return body === undefined ? [] : [{ path: "", message: `${operation.key} takes no request body` }]
  }
  if (body === undefined) {
    return bodyParameter(state, operation)?.parameter["required"] === true
      ? [{ path: "", message: `${operation.key} requires a request body` }]
      : []
  }
  return runValidator(validate, body)
}

const stateOf = (swagger: SwaggerCheck): State => {
  const state = states.get(swagger)
  if (state === undefined) throw new Error("SwaggerCheck: value was not created by SwaggerCheck.load")
  return state
}

const modeOf = (options: CheckOptions | undefined): Mode => (options?.request === false ? "response" : "request")

// ---------------------------------------------------------------------------------------------
// Loading

const readDocuments = (directory: string): Map<string, SwaggerObject> => {
  const documents = new Map<string, SwaggerObject>()
  const pending = [MAIN_FILE]
  for (let file = pending.shift(); file !== undefined; file = pending.shift()) {
    if (documents.has(file)) continue
    const absolute = path.join(directory, file)
    if (!fs.existsSync(absolute)) {
      throw new Error(`SwaggerCheck.load: ${file} is referenced but missing from ${directory}`)
    }
    const document = asObject(JSON.parse(fs.readFileSync(absolute, "utf8")))
    if (document === undefined) throw new Error(`SwaggerCheck.load: ${absolute} is not a JSON object`)
    documents.set(file, document)
    for (const ref of collectRefs(document)) {
      const target = resolveRef(ref, file).file
      if (!documents.has(target)) pending.push(target)
    }
  }
  return documents
}

const collectRefs = (node: unknown, refs: Set<string> = new Set()): Set<string> => {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, refs)
  } else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === "x-ms-examples") continue
      if (key === "$ref" && typeof value === "string") refs.add(value)
      else collectRefs(value, refs)
    }
  }
  return refs
}

const indexDefinitions = (documents: ReadonlyMap<string, SwaggerObject>): Map<string, DefinitionEntry> => {
  const definitions = new Map<string, DefinitionEntry>()
  for (const [file, document] of documents) {
    for (const [name, schema] of Object.entries(asObject(document["definitions"]) ?? {})) {
      const object = asObject(schema)
      if (object !== undefined) definitions.set(definitionKey(file, name), { file, name, schema: object })
    }
  }
  return definitions
}

const indexChildren = (definitions: ReadonlyMap<string, DefinitionEntry>): Map<string, Array<string>> => {
  const children = new Map<string, Array<string>>()
  for (const [key, entry] of definitions) {
    for (const parent of parentKeys(entry)) {
      const list = children.get(parent) ?? []
      list.push(key)
      children.set(parent, list)
    }
  }
  return children
}

const indexOperations = (documents: ReadonlyMap<string, SwaggerObject>): Array<OperationEntry> => {
  const operations: Array<OperationEntry> = []
  for (const [file, document] of documents) {
    for (const [template, pathItem] of Object.entries(asObject(document["paths"]) ?? {})) {
      const pathObject = asObject(pathItem)
      if (pathObject === undefined) continue
      for (const [method, operation] of Object.entries(pathObject)) {
        const operationObject = asObject(operation)
        if (!HTTP_METHODS.has(method) || operationObject === undefined) continue
        operations.push({
          key: `${method.toUpperCase()} ${template}`,
          file,
          template: pathSegments(template),
          path: pathObject,
          operation: operationObject
        })
      }
    }
  }
  return operations
}

const makeAjv = (documents: ReadonlyMap<string, SwaggerObject>): Ajv => {
  const ajv = new Ajv({
    allErrors: true,
    strictSchema: true,
    strictTypes: false,
    strictTuples: false,
    // Swagger patterns are written for .NET/ECMAScript without the unicode flag.
    unicodeRegExp: false
  })
  addFormats(ajv)
  ajv.addFormat("duration", ISO_8601_DURATION)
  for (const format of collectFormats(documents)) {
    if (ajv.formats[format] === undefined) ajv.addFormat(format, true)
  }
  ajv.addKeyword({ keyword: RESPONSE_ONLY_KEYWORD, schemaType: "boolean", validate: () => false })
  return ajv
}

const collectFormats = (documents: ReadonlyMap<string, SwaggerObject>): Set<string> => {
  const formats = new Set<string>()
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item)
    } else if (isObject(node)) {
      if (typeof node["format"] === "string") formats.add(node["format"])
      for (const value of Object.values(node)) visit(value)
    }
  }
  for (const document of documents.values()) visit(document)
  return formats
}

// ---------------------------------------------------------------------------------------------
// References

const definitionKey = (file: string, name: string): string => `${file}#/definitions/${name}`

const resolveRef = (ref: string, fromFile: string): Location => {
  const hash = ref.indexOf("#")
  const filePart = hash === -1 ? ref : ref.slice(0, hash)
  const pointer = hash === -1 ? "" : ref.slice(hash + 1)
  if (filePart === "") return { file: fromFile, pointer }
  const file = filePart.startsWith(COMMON_TYPES_UPSTREAM_PREFIX)
    ? COMMON_TYPES_LOCAL_PREFIX + filePart.slice(COMMON_TYPES_UPSTREAM_PREFIX.length)
    : path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), filePart))
  return { file, pointer }
}

const resolvePointer = (state: State, location: Location): unknown => {
  let node: unknown = state.documents.get(location.file)
  for (const token of location.pointer.split("/").slice(1)) {
    node = asObject(node)?.[token.replaceAll("~1", "/").replaceAll("~0", "~")]
  }
  return node
}

const refToDefinitionKey = (state: State, ref: string, fromFile: string): string => {
  const { file, pointer } = resolveRef(ref, fromFile)
  const match = /^\/definitions\/([^/]+)$/.exec(pointer)
  const key = match?.[1] === undefined ? undefined : definitionKey(file, match[1])
  if (key === undefined || !state.definitions.has(key)) {
    throw new Error(`SwaggerCheck: cannot resolve $ref "${ref}" from ${fromFile}`)
  }
  return key
}

const parentKeys = (entry: DefinitionEntry): Array<string> =>
  asArray(entry.schema["allOf"]).flatMap((item) => {
    const ref = asObject(item)?.["$ref"]
    if (typeof ref !== "string") return []
    const { file, pointer } = resolveRef(ref, entry.file)
    const match = /^\/definitions\/([^/]+)$/.exec(pointer)
    return match?.[1] === undefined ? [] : [definitionKey(file, match[1])]
  })

// ---------------------------------------------------------------------------------------------
// Hierarchy

const definitionOf = (state: State, key: string): DefinitionEntry => {
  const entry = state.definitions.get(key)
  if (entry === undefined) throw new Error(`SwaggerCheck: unknown definition ${key}`)
  return entry
}

/** Ancestors first (depth-first along `allOf`), the definition itself last. */
const lineage = (state: State, key: string, seen: Set<string> = new Set()): Array<string> => {
  if (seen.has(key)) return []
  seen.add(key)
  const ancestors = parentKeys(definitionOf(state, key)).flatMap((parent) => lineage(state, parent, seen))
  return [...ancestors, key]
}

const descendants = (state: State, key: string, seen: Set<string> = new Set()): Array<string> =>
  (state.children.get(key) ?? []).flatMap((child) => {
    if (seen.has(child)) return []
    seen.add(child)
    return [child, ...descendants(state, child, seen)]
  })

const ownDiscriminator = (state: State, key: string): string | undefined => {
  const discriminator = definitionOf(state, key).schema["discriminator"]
  return typeof discriminator === "string" ? discriminator : undefined
}

const discriminatorValue = (state: State, key: string): string => {
  const entry = definitionOf(state, key)
  const value = entry.schema["x-ms-discriminator-value"]
  return typeof value === "string" ? value : entry.name
}

/** The discriminator a definition dispatches on (its own or an inherited one), if it has subtypes. */
const polymorphicDiscriminator = (state: State, key: string): string | undefined => {
  if (descendants(state, key).length === 0) return undefined
  return lineage(state, key)
    .reverse()
    .map((ancestor) => ownDiscriminator(state, ancestor))
    .find((discriminator) => discriminator !== undefined)
}

// ---------------------------------------------------------------------------------------------
// Conversion to JSON Schema

/** Id of the schema that a `$ref` to `key` means: the dispatching one for polymorphic types. */
const referenceId = (state: State, key: string, mode: Mode): string =>
  polymorphicDiscriminator(state, key) === undefined
    ? ensureSchema(state, key, mode, "concrete")
    : ensureSchema(state, key, mode, "polymorphic")

const ensureSchema = (state: State, key: string, mode: Mode, variant: "concrete" | "polymorphic"): string => {
  const cacheKey = `${mode} ${variant} ${key}`
  const existing = state.schemaIds.get(cacheKey)
  if (existing !== undefined) return existing
  const id = `urn:swagger:${mode}:${variant}:${state.schemaIds.size}`
  // Registered before conversion so that recursive references terminate.
  state.schemaIds.set(cacheKey, id)
  const schema =
    variant === "concrete" ? concreteSchema(state, key, mode) : polymorphicSchema(state, key, mode)
  state.ajv.addSchema(schema, id)
  return id
}

/** One type of a hierarchy, with its inherited properties flattened in. */
const concreteSchema = (state: State, key: string, mode: Mode): SchemaObject => {
  const entry = definitionOf(state, key)
  const chain = lineage(state, key)
  const isObjectModel =
    chain.length > 1 || isObject(entry.schema["properties"]) || ownDiscriminator(state, key) !== undefined
  if (!isObjectModel) return convertSchema(state, entry.schema, entry.file, mode)

  const properties: Record<string, SchemaObject> = {}
  const required = new Set<string>()
  for (const ancestorKey of chain) {
    const ancestor = definitionOf(state, ancestorKey)
    Object.assign(properties, convertProperties(state, ancestor.schema, ancestor.file, mode))
    for (const name of asArray(ancestor.schema["required"])) {
      if (typeof name === "string") required.add(name)
    }
    const discriminator = ownDiscriminator(state, ancestorKey)
    if (discriminator !== undefined && ancestorKey !== key) {
      const inherited = properties[discriminator]
      const value = { const: discriminatorValue(state, key) }
      properties[discriminator] = inherited === undefined ? value : { allOf: [inherited, value] }
    }
  }
  for (const name of [...required]) {
    if (properties[name]?.[RESPONSE_ONLY_KEYWORD] === true) required.delete(name)
  }
  const schema: SchemaObject = {
    type: entry.schema["x-nullable"] === true ? ["object", "null"] : "object",
    properties
  }
  if (required.size > 0) schema["required"] = [...required]
  const additional = entry.schema["additionalProperties"]
  if (additional !== undefined) schema["additionalProperties"] = convertAdditional(state, additional, entry.file, mode)
  return schema
}

/** A base type: checks the discriminator value, then validates as the subtype it names. */
const polymorphicSchema = (state: State, key: string, mode: Mode): SchemaObject => {
  const discriminator = polymorphicDiscriminator(state, key) ?? ""
  const entry = definitionOf(state, key)
  const isAbstractBase =
    ownDiscriminator(state, key) === discriminator && typeof entry.schema["x-ms-discriminator-value"] !== "string"
  const cases = [...(isAbstractBase ? [] : [key]), ...descendants(state, key)].map((caseKey) => {
    const nested = ownDiscriminator(state, caseKey)
    const target =
      caseKey !== key && nested !== undefined && nested !== discriminator
        ? referenceId(state, caseKey, mode)
        : ensureSchema(state, caseKey, mode, "concrete")
    return { value: discriminatorValue(state, caseKey), target }
  })
  return {
    type: "object",
    required: [discriminator],
    properties: { [discriminator]: { enum: cases.map((entryCase) => entryCase.value) } },
    allOf: cases.map((entryCase) => ({
      if: { required: [discriminator], properties: { [discriminator]: { const: entryCase.value } } },
      then: { $ref: entryCase.target }
    }))
  }
}

const convertProperties = (
  state: State,
  schema: SwaggerObject,
  file: string,
  mode: Mode
): Record<string, SchemaObject> => {
  const properties: Record<string, SchemaObject> = {}
  for (const [name, property] of Object.entries(asObject(schema["properties"]) ?? {})) {
    const object = asObject(property) ?? {}
    properties[name] =
      mode === "request" && isReadOnly(state, object, file)
        ? { [RESPONSE_ONLY_KEYWORD]: true }
        : convertSchema(state, object, file, mode)
  }
  return properties
}

const isReadOnly = (state: State, property: SwaggerObject, file: string): boolean => {
  if (property["readOnly"] === true) return true
  const ref = property["$ref"]
  return typeof ref === "string" && definitionOf(state, refToDefinitionKey(state, ref, file)).schema["readOnly"] === true
}

const convertAdditional = (state: State, additional: unknown, file: string, mode: Mode): boolean | SchemaObject =>
  typeof additional === "boolean" ? additional : convertSchema(state, asObject(additional) ?? {}, file, mode)

const COPIED_KEYWORDS = [
  "format",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties"
] as const

/** Converts an inline swagger schema (a property, an item, a body parameter schema). */
const convertSchema = (state: State, schema: SwaggerObject, file: string, mode: Mode): SchemaObject => {
  const nullable = schema["x-nullable"] === true
  const ref = schema["$ref"]
  if (typeof ref === "string") {
    // Swagger ignores keywords beside $ref; autorest still honours x-nullable there.
    const target = { $ref: referenceId(state, refToDefinitionKey(state, ref, file), mode) }
    return nullable ? { if: { type: "null" }, else: target } : target
  }

  const result: SchemaObject = {}
  const type = schema["type"]
  if (typeof type === "string" && type !== "file") result["type"] = nullable ? [type, "null"] : type
  for (const keyword of COPIED_KEYWORDS) {
    if (schema[keyword] !== undefined) result[keyword] = schema[keyword]
  }
  // Swagger 2.0 uses the draft-04 boolean forms of exclusiveMinimum/exclusiveMaximum.
  if (schema["exclusiveMinimum"] === true && typeof schema["minimum"] === "number") {
    result["exclusiveMinimum"] = schema["minimum"]
    delete result["minimum"]
  }
  if (schema["exclusiveMaximum"] === true && typeof schema["maximum"] === "number") {
    result["exclusiveMaximum"] = schema["maximum"]
    delete result["maximum"]
  }
  if (Array.isArray(schema["enum"])) {
    // x-ms-enum `modelAsString: true` only tells generated clients to accept values added later;
    // the listed values are what the service documents, so the enum is checked strictly.
    result["enum"] = nullable && !schema["enum"].includes(null) ? [...schema["enum"], null] : schema["enum"]
  }
  const items = asObject(schema["items"])
  if (items !== undefined) result["items"] = convertSchema(state, items, file, mode)
  if (isObject(schema["properties"])) result["properties"] = convertProperties(state, schema, file, mode)
  const required = asArray(schema["required"]).filter((name): name is string => typeof name === "string")
  if (required.length > 0) result["required"] = required
  if (schema["additionalProperties"] !== undefined) {
    result["additionalProperties"] = convertAdditional(state, schema["additionalProperties"], file, mode)
  }
  const allOf = asArray(schema["allOf"]).flatMap((item) => {
    const object = asObject(item)
    return object === undefined ? [] : [convertSchema(state, object, file, mode)]
  })
  if (allOf.length > 0) result["allOf"] = allOf
  return result
}

// ---------------------------------------------------------------------------------------------
// Operations

const pathSegments = (pathTemplate: string): Array<string> => {
  const withoutOrigin = pathTemplate.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, "")
  const withoutQuery = withoutOrigin.split(/[?#]/)[0] ?? ""
  return withoutQuery.split("/").filter((segment) => segment !== "")
}

const isParameterSegment = (segment: string): boolean => /^\{[^{}]+\}$/.test(segment)

/** Number of literal segments matched, or -1 when the template does not match. */
const matchScore = (template: ReadonlyArray<string>, segments: ReadonlyArray<string>): number => {
  if (template.length !== segments.length) return -1
  let score = 0
  for (const [index, expected] of template.entries()) {
    const actual = segments[index] ?? ""
    if (isParameterSegment(expected)) continue
    if (isParameterSegment(actual) || expected.toLowerCase() !== actual.toLowerCase()) return -1
    score += 1
  }
  return score
}

const findOperation = (state: State, method: string, pathTemplate: string): OperationEntry => {
  const wanted = method.toUpperCase()
  const segments = pathSegments(pathTemplate)
  let best: { readonly operation: OperationEntry; readonly score: number } | undefined
  for (const operation of state.operations) {
    if (!operation.key.startsWith(`${wanted} `)) continue
    const score = matchScore(operation.template, segments)
    // Operations of mfe.json come first, so on a tie they win.
    if (score >= 0 && (best === undefined || score > best.score)) best = { operation, score }
  }
  if (best === undefined) {
    throw new Error(`SwaggerCheck.checkOperation: no operation ${wanted} ${pathTemplate} in the loaded swagger`)
  }
  return best.operation
}

const bodyParameter = (
  state: State,
  operation: OperationEntry
): { readonly parameter: SwaggerObject; readonly file: string } | undefined => {
  const parameters = [...asArray(operation.path["parameters"]), ...asArray(operation.operation["parameters"])]
  for (const parameter of parameters) {
    const ref = asObject(parameter)?.["$ref"]
    const location = typeof ref === "string" ? resolveRef(ref, operation.file) : undefined
    const resolved = asObject(location === undefined ? parameter : resolvePointer(state, location))
    if (resolved?.["in"] === "body") return { parameter: resolved, file: location?.file ?? operation.file }
  }
  return undefined
}

const compileOperation = (state: State, operation: OperationEntry, mode: Mode): ValidateFunction | null => {
  const body = bodyParameter(state, operation)
  if (body === undefined) return null
  return state.ajv.compile(convertSchema(state, asObject(body.parameter["schema"]) ?? {}, body.file, mode))
}

// ---------------------------------------------------------------------------------------------
// Issues

const runValidator = (validate: ValidateFunction, body: unknown): ReadonlyArray<SwaggerIssue> => {
  if (validate(body)) return []
  const issues = new Map<string, SwaggerIssue>()
  for (const error of validate.errors ?? []) {
    const issue = toIssue(error)
    if (issue !== undefined) issues.set(`${issue.path}\u0000${issue.message}`, issue)
  }
  return [...issues.values()]
}

const escapePointerToken = (token: string): string => token.replaceAll("~", "~0").replaceAll("/", "~1")

const toIssue = (error: ErrorObject): SwaggerIssue | undefined => {
  const params: Record<string, unknown> = error.params
  const message = error.message ?? `must pass "${error.keyword}"`
  switch (error.keyword) {
    // The branch that failed reports its own errors; the if/then wrapper adds nothing.
    case "if":
      return undefined
    case "required":
      return {
        path: `${error.instancePath}/${escapePointerToken(String(params["missingProperty"]))}`,
        message
      }
    case "additionalProperties":
      return {
        path: `${error.instancePath}/${escapePointerToken(String(params["additionalProperty"]))}`,
        message: "is not a property of this model (additionalProperties: false)"
      }
    case "enum":
      return {
        path: error.instancePath,
        message: `${message}: ${asArray(params["allowedValues"]).map((value) => JSON.stringify(value)).join(", ")}`
      }
    case "const":
      return { path: error.instancePath, message: `${message}: ${JSON.stringify(params["allowedValue"])}` }
    case RESPONSE_ONLY_KEYWORD:
      return { path: error.instancePath, message: "is read-only (response-only) and must not be sent in a request" }
    default:
      return { path: error.instancePath, message }
  }
}

// ---------------------------------------------------------------------------------------------
// JSON helpers

const isObject = (value: unknown): value is SwaggerObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const asObject = (value: unknown): SwaggerObject | undefined => (isObject(value) ? value : undefined)

const asArray = (value: unknown): ReadonlyArray<unknown> => (Array.isArray(value) ? value : [])
