/**
 * The io-ts codec of the spec, pinned to the hand-written model: `t.Type` uses its `A` parameter
 * both in and out, so `Estimator` below only compiles while the codec's type equals
 * `Model.Estimator` exactly.
 *
 * Objects are strict (an unknown field is an error with its path, never dropped) and tagged
 * unions pick their member by `_tag` first, so an error names the one member that was meant.
 * The strict object and tagged union types keep their structure, which `jsonSchema.ts` reads.
 *
 * @internal
 */
import * as t from "io-ts"
import type * as DataModel from "../Data.js"
import type * as Model from "../Estimator.js"
import type * as FrameworkModel from "../Framework.js"
import type * as SecretModel from "../Secret.js"

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const describeValue = (u: unknown): string =>
  u === undefined ? "nothing" : typeof u === "number" && !Number.isFinite(u) ? String(u) : Array.isArray(u) ? "an array" : u === null ? "null" : typeof u === "object" ? "an object" : JSON.stringify(u)

const sameKeys = (a: object, b: object): boolean => {
  const ak = Object.keys(a)
  const bk = Object.keys(b)
  return ak.length === bk.length && ak.every((key, i) => key === bk[i])
}

/** @internal */
export class StrictType<A> extends t.Type<A, A, unknown> {
  readonly _tag = "StrictType" as const
  constructor(name: string, readonly required: t.Props, readonly optional: t.Props, readonly description?: string) {
    super(
      name,
      (u): u is A => this.validate(u, [{ key: "", type: this, actual: u }])._tag === "Right",
      (u, c) => {
        if (!isRecord(u)) return t.failure(u, c, `expected ${name} (an object), got ${describeValue(u)}`)
        const errors: Array<t.ValidationError> = []
        const result: Record<string, unknown> = {}
        let unchanged = true
        const visit = (key: string, type: t.Mixed) => {
          const validation = type.validate(u[key], t.appendContext(c, key, type, u[key]))
          if (validation._tag === "Left") errors.push(...validation.left)
          else {
            result[key] = validation.right
            if (validation.right !== u[key]) unchanged = false
          }
        }
        for (const [key, type] of Object.entries(required)) {
          if (key in u) visit(key, type)
          else errors.push({ value: undefined, context: t.appendContext(c, key, type, undefined), message: `missing required field "${key}" (${type.name})` })
        }
        for (const [key, type] of Object.entries(optional)) {
          if (key in u) visit(key, type)
        }
        for (const key of Object.keys(u)) {
          if (!(key in required) && !(key in optional)) {
            const known = [...Object.keys(required), ...Object.keys(optional)].filter((k) => k !== "_tag")
            errors.push({
              value: u[key],
              context: t.appendContext(c, key, t.unknown, u[key]),
              message: `unknown field "${key}" in ${name}; known fields: ${known.join(", ")}`
            })
          }
        }
        if (errors.length > 0) return t.failures(errors)
        // The input is its own decoded value when it is a plain object with exactly these fields,
        // own and enumerable, in this order, each decoded to itself.
        return t.success((unchanged && Object.getPrototypeOf(u) === Object.prototype && sameKeys(u, result) ? u : result) as A)
      },
      t.identity
    )
  }
}

/** @internal */
export class TaggedUnionType<A> extends t.Type<A, A, unknown> {
  readonly _tag = "TaggedUnionType" as const
  constructor(name: string, readonly members: ReadonlyArray<StrictType<any>>) {
    super(
      name,
      (u): u is A => this.validate(u, [{ key: "", type: this, actual: u }])._tag === "Right",
      (u, c) => {
        if (!isRecord(u)) return t.failure(u, c, `expected ${name} (an object with a "_tag"), got ${describeValue(u)}`)
        const member = members.find((m) => (m.required["_tag"] as t.LiteralC<string>).value === u["_tag"])
        if (member === undefined) {
          const tags = members.map((m) => JSON.stringify((m.required["_tag"] as t.LiteralC<string>).value)).join(" | ")
          return t.failure(u["_tag"], t.appendContext(c, "_tag", t.string, u["_tag"]), `expected _tag ${tags}, got ${describeValue(u["_tag"])}`)
        }
        return member.validate(u, c)
      },
      t.identity
    )
  }
}

/** @internal */
export class OneOfType<A> extends t.Type<A, A, unknown> {
  readonly _tag = "OneOfType" as const
  constructor(name: string, readonly alternatives: ReadonlyArray<t.Mixed>) {
    super(
      name,
      (u): u is A => alternatives.some((type) => type.is(u)),
      (u, c) => {
        for (const type of alternatives) {
          const validation = type.validate(u, c)
          if (validation._tag === "Right") return validation
          if (isRecord(u) && type instanceof TaggedUnionType) return validation
        }
        return t.failure(u, c, `expected ${name}, got ${describeValue(u)}`)
      },
      t.identity
    )
  }
}

const strict = <R extends t.Props, O extends t.Props = {}>(name: string, required: R, optional?: O, description?: string) =>
  new StrictType<t.TypeOf<t.TypeC<R>> & t.TypeOf<t.PartialC<O>>>(name, required, optional ?? {}, description)

const tagged = <Tag extends string, R extends t.Props, O extends t.Props = {}>(tag: Tag, required: R, optional?: O) =>
  strict(tag, { _tag: t.literal(tag), ...required }, optional)

const taggedUnion = <M extends ReadonlyArray<StrictType<any>>>(name: string, members: M) =>
  new TaggedUnionType<t.TypeOf<M[number]>>(name, members)

const keyof = <K extends string>(name: string, keys: ReadonlyArray<K>) =>
  t.keyof(Object.fromEntries(keys.map((k) => [k, null])) as { [P in K]: null }, name)

/**
 * `t.record(t.string, codomain)`, except that an own key `__proto__` (a name like any other in
 * JSON) stays an own key of the result: io-ts builds the result with `result[key] = value`, which
 * for that key sets the result's prototype instead, and the entry would be lost.
 */
const record = <C extends t.Mixed>(codomain: C): t.RecordC<t.StringC, C> => {
  const base = t.record(t.string, codomain)
  const hasOwn = Object.prototype.hasOwnProperty
  return new t.DictionaryType(
    base.name,
    base.is,
    (u, c) => {
      const result = base.validate(u, c)
      if (result._tag === "Left" || !isRecord(u) || !hasOwn.call(u, "__proto__") || hasOwn.call(result.right, "__proto__")) return result
      const entry = codomain.validate(u["__proto__"], t.appendContext(c, "__proto__", codomain, u["__proto__"]))
      if (entry._tag === "Left") return entry
      const decoded = result.right as Record<string, unknown>
      const fixed: Record<string, unknown> = {}
      for (const key of Object.keys(u)) {
        Object.defineProperty(fixed, key, { value: key === "__proto__" ? entry.right : decoded[key], enumerable: true, writable: true, configurable: true })
      }
      return t.success(fixed as t.TypeOf<t.RecordC<t.StringC, C>>)
    },
    base.encode,
    t.string,
    codomain
  )
}

const stringRecord = record(t.string)

/** A JSON number: finite (NaN and ±Infinity have no JSON form). */
const number = Object.assign(new t.Type<number, number, unknown>(
  "number",
  (u): u is number => typeof u === "number" && Number.isFinite(u),
  (u, c) => (typeof u === "number" && Number.isFinite(u) ? t.success(u) : t.failure(u, c, `expected a finite number, got ${describeValue(u)}`)),
  t.identity
), { _tag: "NumberType" as const })

/** @internal */
export const Secret: t.Type<SecretModel.Secret, SecretModel.Secret, unknown> = new OneOfType("Secret", [
  strict("Secret", { _tag: t.literal("Secret"), source: t.literal("env"), name: t.string }),
  strict("Secret", { _tag: t.literal("Secret"), source: t.literal("file"), path: t.string })
])

const DatastorePath: t.Type<DataModel.DatastorePath, DataModel.DatastorePath, unknown> = tagged("Datastore", {
  datastore: t.string,
  path: t.string
})
const Uri = tagged("Uri", { uri: t.string })
const DataSource: t.Type<DataModel.DataSource, DataModel.DataSource, unknown> = taggedUnion("DataSource", [
  tagged("Datastore", { datastore: t.string, path: t.string }),
  tagged("DataAsset", { name: t.string }, { version: t.string, label: t.string }),
  Uri,
  tagged("LocalPath", { path: t.string })
])
const DataType = keyof<DataModel.DataType>("DataType", ["uri_folder", "uri_file", "mltable", "mlflow_model", "custom_model", "triton_model"])
const InputMode = keyof<DataModel.InputMode>("InputMode", ["ro_mount", "download", "direct", "eval_mount", "eval_download"])
const OutputMode = keyof<DataModel.OutputMode>("OutputMode", ["rw_mount", "upload", "direct"])

const Input: t.Type<DataModel.Input, DataModel.Input, unknown> = taggedUnion("Input", [
  tagged("Data", { type: DataType, source: DataSource, mode: InputMode }, { optional: t.boolean }),
  tagged("Literal", { value: new OneOfType<string | number | boolean>("a string, number or boolean", [t.string, number, t.boolean]) })
])

const Output: t.Type<DataModel.Output, DataModel.Output, unknown> = strict("Output", { type: DataType, mode: OutputMode }, {
  destination: taggedUnion("OutputDestination", [tagged("Datastore", { datastore: t.string, path: t.string }), Uri]),
  assetName: t.string,
  assetVersion: t.string
})

const Argument: t.Type<Model.Argument, Model.Argument, unknown> = new OneOfType("an argument (string, number, boolean, input or output reference)", [
  t.string,
  number,
  t.boolean,
  taggedUnion("Reference", [tagged("InputRef", { name: t.string }), tagged("OutputRef", { name: t.string })])
])

const Compute: t.Type<Model.Compute, Model.Compute, unknown> = taggedUnion("Compute", [
  tagged("Local", {}),
  tagged("Cluster", { name: t.string }),
  tagged("Serverless", {}, { vmSize: t.string, vmPriority: keyof<Model.VmPriority>("VmPriority", ["dedicated", "lowpriority"]) })
])

const Distribution: t.Type<Model.Distribution, Model.Distribution, unknown> = taggedUnion("Distribution", [
  tagged("None", {}),
  tagged("Mpi", {}),
  tagged("PyTorch", { backend: keyof<Model.PyTorchBackend>("PyTorchBackend", ["nccl", "gloo"]) }),
  tagged("TensorFlow", { workerCount: number, parameterServerCount: number })
])

const Environment: t.Type<Model.Environment, Model.Environment, unknown> = strict(
  "Environment",
  {
    docker: t.boolean,
    userManagedPython: t.boolean,
    condaPackages: t.readonlyArray(t.string),
    pipPackages: t.readonlyArray(t.string)
  },
  {
    condaFile: t.string,
    pipRequirementsFile: t.string,
    image: strict("Image", { name: t.string }, {
      registry: strict("Registry", { address: t.string }, { username: t.string, password: Secret })
    }),
    build: strict("BuildContext", { context: t.string }, { dockerfile: t.string }),
    registered: strict("RegisteredEnvironment", { name: t.string }, { version: t.string, label: t.string, registry: t.string })
  }
)

const Framework: t.Type<FrameworkModel.Framework, FrameworkModel.Framework, unknown> = strict(
  "Framework",
  { name: keyof<FrameworkModel.FrameworkName>("FrameworkName", ["Chainer", "PyTorch", "TensorFlow", "SKLearn"]), version: t.string },
  { versionDefaulted: t.boolean }
)

/** @internal */
export const Estimator: t.Type<Model.Estimator, Model.Estimator, unknown> = strict(
  "Estimator",
  {
    _tag: t.literal("Estimator"),
    specVersion: t.literal(1),
    sourceDirectory: t.string,
    arguments: t.readonlyArray(Argument),
    compute: Compute,
    nodeCount: number,
    processCountPerNode: number,
    distribution: Distribution,
    gpu: t.boolean,
    environment: Environment,
    environmentVariables: stringRecord,
    secretEnvironmentVariables: record(Secret),
    inputs: record(Input),
    outputs: record(Output),
    tags: stringRecord
  },
  {
    entryScript: t.string,
    command: t.string,
    shmSize: t.string,
    dockerArgs: t.string,
    maxRunDurationSeconds: number,
    resumeFrom: DatastorePath,
    sourceDirectoryDatastore: t.string,
    framework: Framework,
    name: t.string,
    displayName: t.string,
    experimentName: t.string,
    description: t.string
  }
)

const pathOf = (context: t.Context): string =>
  context
    .slice(1)
    .map((entry) => entry.key)
    .reduce((path, key) => (/^\d+$/.test(key) ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`), "")

/**
 * io-ts errors as `{ path, message }`, one per failure, in the order found.
 *
 * @internal
 */
export const report = (errors: t.Errors): ReadonlyArray<{ readonly path: string; readonly message: string }> =>
  errors.map((error) => {
    const last = error.context[error.context.length - 1]
    return {
      path: pathOf(error.context),
      message: error.message ?? `expected ${last?.type.name ?? "a value"}, got ${describeValue(error.value)}`
    }
  })

// -------------------------------------------------------------------------------------
// fast decoding
// -------------------------------------------------------------------------------------

/** "The fast path is not sure": the value is decoded again by the io-ts codec, which decides. */
const FAIL: unique symbol = Symbol("FAIL")

/**
 * Whether decoding a valid value of `type` always gives the input itself ("never" changes it: a
 * primitive type), or may give a new value ("sometimes": an object, array or record whose input
 * is not already in the decoded form).
 */
const changes = (type: t.Mixed): "never" | "sometimes" => {
  if (type instanceof OneOfType) return type.alternatives.every((alternative) => changes(alternative) === "never") ? "never" : "sometimes"
  const tag = (type as t.Mixed & { readonly _tag?: string })._tag
  return type === number || tag === "StringType" || tag === "BooleanType" || tag === "LiteralType" || tag === "KeyofType" ? "never" : "sometimes"
}

/** An object with at most this many optional fields is built by one object literal per combination of them. */
const MAX_LITERAL_OPTIONALS = 3

/**
 * The JavaScript source of a decoder for the codec tree: one function per object, array, record
 * and union type, each checking its value in one pass over the value's own keys (a generic walker
 * of the codec tree is several times slower). Each function returns on success a value equal to
 * what `type.decode` returns — the same fields with the same key order (required fields, then the
 * optional ones present) — which is the input's own object, array or record when it is already in
 * that form (a plain object with its fields in that order, nothing in it changed), and new ones
 * otherwise; and `FAIL` on anything else, so io-ts decides every error (and every oddity, such as
 * an inherited field or an object that is not plain).
 */
const decoderSource = (root: t.Mixed): string => {
  const functions: Array<string> = []
  const names = new Map<t.Mixed, string>()
  const isRecordTest = (x: string) => `(typeof ${x} !== "object" || ${x} === null || Array.isArray(${x}))`

  /** Statements that check `x` and leave its decoded value in `y`; `FAIL` is returned on failure. */
  const check = (type: t.Mixed, x: string, y: string): string => {
    if (type === number) return `if (typeof ${x} !== "number" || !Number.isFinite(${x})) return FAIL; const ${y} = ${x};`
    const tagged = type as t.Mixed & { readonly _tag?: string }
    switch (tagged._tag) {
      case "StringType":
        return `if (typeof ${x} !== "string") return FAIL; const ${y} = ${x};`
      case "BooleanType":
        return `if (typeof ${x} !== "boolean") return FAIL; const ${y} = ${x};`
      case "LiteralType":
        return `if (${x} !== ${JSON.stringify((type as t.LiteralC<string | number | boolean>).value)}) return FAIL; const ${y} = ${x};`
      case "KeyofType":
        // Compared with each name: a string read from the input is not yet a property name, and
        // looking it up as one (as `hasOwnProperty` does) first hashes it and searches the engine's
        // table of names.
        return `if (${Object.keys((type as t.KeyofC<Record<string, unknown>>).keys).map((key) => `${x} !== ${JSON.stringify(key)}`).join(" && ")}) return FAIL; const ${y} = ${x};`
    }
    return `const ${y} = ${decoder(type)}(${x}); if (${y} === FAIL) return FAIL;`
  }

  /** The name of a generated function that decodes `type`, a primitive one included. */
  const standalone = (type: t.Mixed): string => {
    const tagged = type as t.Mixed & { readonly _tag?: string }
    if (type !== number && !["StringType", "BooleanType", "LiteralType", "KeyofType"].includes(tagged._tag ?? "")) return decoder(type)
    const name = `p${functions.length}`
    functions.push(`function ${name}(u) {\n${check(type, "u", "y")}\nreturn y;\n}`)
    return name
  }

  /** The name of the generated function that decodes `type`. */
  const decoder = (type: t.Mixed): string => {
    const known = names.get(type)
    if (known !== undefined) return known
    const name = `d${names.size}`
    names.set(type, name)
    const tagged = type as t.Mixed & { readonly _tag?: string }
    let body: string
    if (type instanceof StrictType) {
      const required = Object.keys(type.required as t.Props)
      const fields = [...Object.entries(type.required as t.Props), ...Object.entries(type.optional as t.Props)]
      const optional = fields.slice(required.length)
      const lines = [
        `if ${isRecordTest("u")} return FAIL;`,
        // Only plain objects: `for ... in` also lists inherited enumerable keys, and an inherited
        // field is read by io-ts as a field, so any other prototype is left to io-ts.
        "const proto = getPrototypeOf(u);",
        "if (proto !== ObjectPrototype && proto !== null) return FAIL;",
        `let ${fields.map((_, i) => `v${i}`).join(", ")};`,
        // Whether the input is already its own decoded value: a plain object whose fields decode
        // to themselves, in the codec's order (required fields, then the optional ones present).
        "let same = proto === ObjectPrototype, last = -1;",
        // One pass over the input's own keys: `u[key]` in a `for ... in` loop is read through the
        // engine's enumeration cache, which stays fast whatever the object's shape, where a read
        // by a literal name is slow on objects of many shapes. A key that is not a field is left to
        // io-ts, which reports it.
        "for (const key in u) {",
        "switch (key) {",
        ...fields.map(([key, codec], i) => `case ${JSON.stringify(key)}: {\nconst x = u[key];\n${check(codec, "x", "y")}\nv${i} = y;\nif (y !== x || ${i} < last) same = false;\nlast = ${i};\nbreak;\n}`),
        "default: return FAIL;",
        "}",
        "}"
      ]
      // A decoded value is never undefined, so an undefined local is a field that is not listed:
      // missing when required; when optional, absent only if it is neither a non-enumerable own
      // property nor an inherited one (io-ts reads both).
      if (required.length > 0) lines.push(`if (${required.map((_, i) => `v${i} === undefined`).join(" || ")}) return FAIL;`)
      optional.forEach(([key], j) => {
        const name = JSON.stringify(key)
        lines.push(`if (v${required.length + j} === undefined && (hasOwn.call(u, ${name}) || (proto !== null && ${name} in proto))) return FAIL;`)
      })
      lines.push("if (same) return u;")
      const literal = (present: ReadonlyArray<number>) => `{ ${present.map((i) => `${JSON.stringify(fields[i]![0])}: v${i}`).join(", ")} }`
      const requiredIndexes = required.map((_, i) => i)
      if (optional.length <= MAX_LITERAL_OPTIONALS) {
        // One object literal per combination of the optional fields present: each combination is
        // made in one step, with its own fixed shape, instead of growing the object field by field.
        lines.push("let present = 0;")
        optional.forEach((_, j) => lines.push(`if (v${required.length + j} !== undefined) present |= ${1 << j};`))
        lines.push("switch (present) {")
        for (let combination = 0; combination < 1 << optional.length; combination++) {
          const present = optional.flatMap((_, j) => ((combination & (1 << j)) !== 0 ? [required.length + j] : []))
          lines.push(`case ${combination}: return ${literal([...requiredIndexes, ...present])};`)
        }
        lines.push("}")
      } else {
        lines.push(`const result = ${literal(requiredIndexes)};`)
        optional.forEach(([key], j) => lines.push(`if (v${required.length + j} !== undefined) result[${JSON.stringify(key)}] = v${required.length + j};`))
        lines.push("return result;")
      }
      body = lines.join("\n")
    } else if (type instanceof TaggedUnionType) {
      const cases = type.members.map((member) => `case ${JSON.stringify((member.required["_tag"] as t.LiteralC<string>).value)}: return ${decoder(member)}(u);`)
      body = `if ${isRecordTest("u")} return FAIL;\nswitch (u._tag) {\n${cases.join("\n")}\ndefault: return FAIL;\n}`
    } else if (type instanceof OneOfType) {
      // The alternatives of this codec exclude one another (by type, \`_tag\` or \`source\`), so the
      // first one that decodes is the one io-ts picks.
      body = type.alternatives.map((alternative, i) => `const v${i} = ${standalone(alternative)}(u); if (v${i} !== FAIL) return v${i};`).join("\n") + "\nreturn FAIL;"
    } else if (tagged._tag === "ReadonlyArrayType") {
      body = `if (!Array.isArray(u)) return FAIL;
let out = u;
for (let i = 0; i < u.length; i++) {
const x = u[i];
${check((type as t.ReadonlyArrayC<t.Mixed>).type, "x", "y")}
if (y !== x) { if (out === u) out = u.slice(); out[i] = y; }
}
return out;`
    } else if (tagged._tag === "DictionaryType" && (type as t.RecordC<t.Mixed, t.Mixed>).domain === t.string) {
      const codomain = (type as t.RecordC<t.Mixed, t.Mixed>).codomain
      // io-ts reads the own enumerable keys (`Object.keys`); an inherited one is left to it.
      const entry = `if (key === "__proto__" || !hasOwn.call(u, key)) return FAIL;
const x = u[key];
${check(codomain, "x", "y")}`
      const loop = (statements: string) => `if ${isRecordTest("u")} return FAIL;\n${statements}`
      switch (changes(codomain)) {
        case "never":
          body = loop(`for (const key in u) {\n${entry}\n}\nreturn u;`)
          break
        case "sometimes":
          body = loop(`let changed;
for (const key in u) {
${entry}
if (changed === undefined && y !== x) { changed = {}; for (const previous in u) { if (previous === key) break; changed[previous] = u[previous]; } }
if (changed !== undefined) changed[key] = y;
}
return changed === undefined ? u : changed;`)
      }
    } else {
      throw new Error(`codec: no fast decoder for io-ts type ${type.name} (${String(tagged._tag)})`)
    }
    functions.push(`function ${name}(u) {\n${body}\n}`)
    return name
  }

  const entry = decoder(root)
  return `${functions.join("\n")}\nreturn ${entry};`
}

const fastEstimator: (u: unknown) => unknown = (() => {
  const source = decoderSource(Estimator)
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function("FAIL", "hasOwn", "getPrototypeOf", "ObjectPrototype", source)(
    FAIL,
    Object.prototype.hasOwnProperty,
    Object.getPrototypeOf,
    Object.prototype
  )
})()

/**
 * `Estimator.decode(input)` when it succeeds, else `undefined` (decode with io-ts for the errors).
 *
 * @internal
 */
export const decodeFast = (input: unknown): Model.Estimator | undefined => {
  const value = fastEstimator(input)
  return value === FAIL ? undefined : (value as Model.Estimator)
}
