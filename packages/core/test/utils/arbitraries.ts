import * as fc from "fast-check"
import type { Data, Estimator, Secret } from "../../src/index.js"
import * as Framework from "../../src/Framework.js"

const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,11}$/)
const text = fc.string({ maxLength: 12 })
const record = <A>(value: fc.Arbitrary<A>) => fc.dictionary(identifier, value, { maxKeys: 3 })
const optional = <K extends string, A>(key: K, value: fc.Arbitrary<A>): fc.Arbitrary<{ [P in K]?: A }> =>
  fc.option(value, { nil: undefined }).map((v) => (v === undefined ? {} : ({ [key]: v } as { [P in K]?: A })))

export const secret: fc.Arbitrary<Secret.Secret> = fc.oneof(
  identifier.map((name): Secret.Secret => ({ _tag: "Secret", source: "env", name })),
  text.map((path): Secret.Secret => ({ _tag: "Secret", source: "file", path }))
)

const datastorePath = fc.record({ _tag: fc.constant("Datastore" as const), datastore: identifier, path: text })

const dataSource: fc.Arbitrary<Data.DataSource> = fc.oneof(
  datastorePath,
  fc.tuple(identifier, optional("version", text), optional("label", text)).map(([name, version, label]): Data.DataSource => ({ _tag: "DataAsset", name, ...version, ...label })),
  text.map((uri): Data.DataSource => ({ _tag: "Uri", uri: `https://${uri}` })),
  text.map((path): Data.DataSource => ({ _tag: "LocalPath", path }))
)

const dataType = fc.constantFrom<Data.DataType>("uri_folder", "uri_file", "mltable", "mlflow_model", "custom_model", "triton_model")

export const input: fc.Arbitrary<Data.Input> = fc.oneof(
  fc.tuple(dataType, dataSource, fc.constantFrom<Data.InputMode>("ro_mount", "download", "direct", "eval_mount", "eval_download"), optional("optional", fc.boolean()))
    .map(([type, source, mode, opt]): Data.Input => ({ _tag: "Data", type, source, mode, ...opt })),
  fc.oneof(text, fc.integer(), fc.boolean()).map((value): Data.Input => ({ _tag: "Literal", value }))
)

export const output: fc.Arbitrary<Data.Output> = fc
  .tuple(dataType, fc.constantFrom<Data.OutputMode>("rw_mount", "upload", "direct"), optional("destination", datastorePath), optional("assetName", identifier))
  .map(([type, mode, destination, assetName]) => ({ type, mode, ...destination, ...assetName }))

export const argument: fc.Arbitrary<Estimator.Argument> = fc.oneof(
  fc.string({ maxLength: 16 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)), // -0 has no JSON form (it reads back as 0)
  fc.boolean(),
  identifier.map((name): Estimator.Argument => ({ _tag: "InputRef", name })),
  identifier.map((name): Estimator.Argument => ({ _tag: "OutputRef", name }))
)

export const compute: fc.Arbitrary<Estimator.Compute> = fc.oneof(
  fc.constant<Estimator.Compute>({ _tag: "Local" }),
  identifier.map((name): Estimator.Compute => ({ _tag: "Cluster", name })),
  fc.tuple(optional("vmSize", identifier), optional("vmPriority", fc.constantFrom<Estimator.VmPriority>("dedicated", "lowpriority")))
    .map(([vmSize, priority]): Estimator.Compute => ({ _tag: "Serverless", ...vmSize, ...priority }))
)

export const distribution: fc.Arbitrary<Estimator.Distribution> = fc.oneof(
  fc.constant<Estimator.Distribution>({ _tag: "None" }),
  fc.constant<Estimator.Distribution>({ _tag: "Mpi" }),
  fc.constantFrom<Estimator.PyTorchBackend>("nccl", "gloo").map((backend): Estimator.Distribution => ({ _tag: "PyTorch", backend })),
  fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 4 }))
    .map(([workerCount, parameterServerCount]): Estimator.Distribution => ({ _tag: "TensorFlow", workerCount, parameterServerCount }))
)

export const environment: fc.Arbitrary<Estimator.Environment> = fc
  .tuple(
    fc.boolean(),
    fc.boolean(),
    fc.array(identifier, { maxLength: 3 }),
    fc.array(identifier, { maxLength: 3 }),
    optional("condaFile", text),
    optional("pipRequirementsFile", text),
    optional("image", fc.tuple(text, optional("registry", fc.tuple(text, optional("username", text), optional("password", secret)).map(([address, u, p]) => ({ address, ...u, ...p })))).map(([name, registry]) => ({ name, ...registry }))),
    optional("build", fc.tuple(text, optional("dockerfile", text)).map(([context, dockerfile]) => ({ context, ...dockerfile }))),
    optional("registered", fc.tuple(identifier, optional("version", text), optional("label", text), optional("registry", identifier)).map(([name, v, l, r]) => ({ name, ...v, ...l, ...r })))
  )
  .map(([docker, userManagedPython, condaPackages, pipPackages, condaFile, pipRequirementsFile, image, build, registered]) => ({
    docker, userManagedPython, condaPackages, pipPackages, ...condaFile, ...pipRequirementsFile, ...image, ...build, ...registered
  }))

export const framework: fc.Arbitrary<Framework.Framework> = fc
  .constantFrom(...Framework.names)
  .chain((name) =>
    fc.tuple(fc.constantFrom<string>(...Framework.supportedVersions[name]), optional("versionDefaulted", fc.boolean()))
      .map(([version, defaulted]): Framework.Framework => ({ name, version, ...defaulted }))
  )

/** Any well-formed spec (it may break validation rules: decode checks shape only). */
export const estimator: fc.Arbitrary<Estimator.Estimator> = fc
  .tuple(
    fc.record({
      sourceDirectory: text,
      arguments: fc.array(argument, { maxLength: 6 }),
      compute,
      nodeCount: fc.integer({ min: -1, max: 8 }),
      processCountPerNode: fc.integer({ min: 0, max: 8 }),
      distribution,
      gpu: fc.boolean(),
      environment,
      environmentVariables: record(text),
      secretEnvironmentVariables: record(secret),
      inputs: record(input),
      outputs: record(output),
      tags: record(text)
    }),
    fc.oneof(text.map((entryScript) => ({ entryScript })), text.map((command) => ({ command }))),
    fc.tuple(
      optional("shmSize", fc.stringMatching(/^[0-9]{1,3}[bkmg]$/)),
      optional("dockerArgs", text),
      optional("maxRunDurationSeconds", fc.integer({ min: 1, max: 100_000 })),
      optional("resumeFrom", datastorePath),
      optional("sourceDirectoryDatastore", identifier),
      optional("framework", framework),
      optional("name", identifier),
      optional("displayName", text),
      optional("experimentName", identifier),
      optional("description", text)
    )
  )
  .map(([fields, entry, optionals]): Estimator.Estimator => Object.assign(
    { _tag: "Estimator" as const, specVersion: 1 as const },
    fields,
    entry,
    ...optionals
  ))
