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
        const visit = (key: string, type: t.Mixed) => {
          const validation = type.validate(u[key], t.appendContext(c, key, type, u[key]))
          if (validation._tag === "Left") errors.push(...validation.left)
          else result[key] = validation.right
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
        return errors.length > 0 ? t.failures(errors) : t.success(result as A)
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

const stringRecord = t.record(t.string, t.string)

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
    secretEnvironmentVariables: t.record(t.string, Secret),
    inputs: t.record(t.string, Input),
    outputs: t.record(t.string, Output),
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
