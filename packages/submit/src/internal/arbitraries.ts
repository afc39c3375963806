/**
 * fast-check arbitraries of specs that pass `Validation.validate` without errors, built field by
 * field so that every cross-field rule holds by construction (adapted from core's test
 * arbitraries, which generate well-formed but possibly invalid specs).
 *
 * @internal
 */
import { Estimator, Framework, Validation } from "@estimator/core"
import type { Data, Secret } from "@estimator/core"
import * as fc from "fast-check"
import type { BackendName } from "../Backend.js"
import * as capabilities from "./capabilities.js"

type Mutable<A> = { -readonly [K in keyof A]: A[K] }

/** @internal */
export const CONDA_FILE = "environment.yml"
/** @internal */
export const REQUIREMENTS_FILE = "requirements.txt"

/** The field `key` with a value from `value`, present about once in `1 + absentWeight` times. */
const optional = <K extends string, A>(key: K, value: fc.Arbitrary<A>, absentWeight = 1): fc.Arbitrary<{ [P in K]?: A }> =>
  fc.oneof(
    { arbitrary: fc.constant<{ [P in K]?: A }>({}), weight: absentWeight },
    { arbitrary: value.map((v) => ({ [key]: v } as { [P in K]?: A })), weight: 1 }
  )

/** Usually empty, sometimes a few entries. */
const sparse = <A>(value: fc.Arbitrary<{ readonly [key: string]: A }>, emptyWeight = 2): fc.Arbitrary<{ readonly [key: string]: A }> =>
  fc.oneof({ arbitrary: fc.constant({}), weight: emptyWeight }, { arbitrary: value, weight: 1 })

/** Identifiers for variable names (never the reserved `ESTIMATOR_` prefix). */
const variableName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,11}$/).filter((name) => !name.toUpperCase().startsWith("ESTIMATOR_"))

/** Lower-case data names: two of them never differ only by case, and none is `MODEL_LOCATION`. */
const dataName = fc.stringMatching(/^[a-z][a-z0-9_]{0,9}$/)

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/)

/** Any text without NUL, including quotes, `$`, `;`, spaces, newlines and non-ASCII. */
const noNul = (text: string): boolean => !text.includes("\u0000")

const nastyPieces = fc.constantFrom("a b", "'", "\"", "$(id)", "`x`", ";", "&&", "|", "\n", "\t", "\\", "*", "~", "--flag=x y", "${HOME}", "é", "#", "!")

/** @internal */
export const text: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ maxLength: 8, unit: "binary" }),
  fc.array(nastyPieces, { maxLength: 4 }).map((pieces) => pieces.join(""))
).filter(noNul)

const jobName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$/)

/** @internal */
export const secret: fc.Arbitrary<Secret.Secret> = fc.oneof(
  variableName.map((name): Secret.Secret => ({ _tag: "Secret", source: "env", name })),
  fc.stringMatching(/^\/run\/secrets\/[a-z]{1,8}$/).map((path): Secret.Secret => ({ _tag: "Secret", source: "file", path }))
)

const datastorePath: fc.Arbitrary<Data.DatastorePath> = fc
  .tuple(word, fc.stringMatching(/^[a-z0-9][a-z0-9/_.-]{0,15}$/))
  .map(([datastore, path]) => ({ _tag: "Datastore", datastore, path }))

const dataSource: fc.Arbitrary<Data.DataSource> = fc.oneof(
  { arbitrary: fc.stringMatching(/^(data|\.\/data|inputs)\/[a-z]{1,8}(\.csv)?$/).map((path): Data.DataSource => ({ _tag: "LocalPath", path })), weight: 3 },
  datastorePath,
  fc.tuple(word, fc.oneof(
    fc.constant({}),
    fc.stringMatching(/^[0-9]{1,3}$/).map((version) => ({ version })),
    fc.constantFrom("latest", "prod").map((label) => ({ label }))
  )).map(([name, which]): Data.DataSource => ({ _tag: "DataAsset", name, ...which })),
  fc.tuple(fc.constantFrom("https", "azureml", "wasbs", "abfss"), fc.stringMatching(/^[a-z0-9.-]{1,12}\/[a-z0-9/]{0,8}$/))
    .map(([scheme, rest]): Data.DataSource => ({ _tag: "Uri", uri: `${scheme}://${rest}` }))
)

const dataType = fc.constantFrom<Data.DataType>("uri_folder", "uri_file", "mltable", "mlflow_model", "custom_model", "triton_model")

/** @internal */
export const input: fc.Arbitrary<Data.Input> = fc.oneof(
  fc.tuple(dataType, dataSource, fc.constantFrom<Data.InputMode>("ro_mount", "download", "direct", "eval_mount", "eval_download"), optional("optional", fc.boolean()))
    .map(([type, source, mode, opt]): Data.Input => ({
      _tag: "Data",
      // A local folder is read as a folder: a uri_file input must name a file.
      type: source._tag === "LocalPath" && !source.path.endsWith(".csv") && type === "uri_file" ? "uri_folder" : type,
      source,
      mode,
      ...opt
    })),
  fc.oneof(text, fc.integer(), fc.boolean()).map((value): Data.Input => ({ _tag: "Literal", value }))
)

/** @internal */
export const output: fc.Arbitrary<Data.Output> = fc
  .tuple(
    dataType,
    fc.constantFrom<Data.OutputMode>("rw_mount", "upload", "direct"),
    optional("destination", fc.oneof(datastorePath, fc.constant<Data.Uri>({ _tag: "Uri", uri: "https://example.blob.core.windows.net/c/out" })), 4),
    optional("assetName", word, 8)
  )
  .map(([type, mode, destination, assetName]) => ({ type, mode, ...destination, ...assetName }))

const packageName = fc.constantFrom("numpy", "pandas==2.0.3", "scikit-learn>=1.3", "requests", "mpi4py", "tqdm")

const registry = fc.tuple(
  fc.constantFrom("myacr.azurecr.io", "registry.example.com:5000"),
  fc.option(fc.tuple(word, fc.option(secret, { nil: undefined, freq: 2 })), { nil: undefined, freq: 2 })
).map(([address, credentials]): Estimator.Registry =>
  credentials === undefined
    ? { address }
    : { address, username: credentials[0], ...(credentials[1] === undefined ? {} : { password: credentials[1] }) }
)

/** @internal */
export const environment: fc.Arbitrary<Estimator.Environment> = fc.oneof(
  // A registered environment replaces everything else.
  { weight: 1, arbitrary: fc.tuple(fc.boolean(), word, fc.oneof(
    fc.constant({}),
    fc.stringMatching(/^[0-9]{1,2}$/).map((version) => ({ version })),
    fc.constant({ label: "latest" })
  ), optional("registry", word)).map(([docker, name, which, reg]): Estimator.Environment => ({
    ...Estimator.defaultEnvironment,
    docker,
    registered: { name, ...which, ...reg }
  })) },
  // A build context (Docker on, nothing installed on top).
  { weight: 1, arbitrary: fc.tuple(fc.boolean(), optional("dockerfile", fc.constantFrom("Dockerfile", "Dockerfile.gpu"))).map(([userManagedPython, dockerfile]): Estimator.Environment => ({
    ...Estimator.defaultEnvironment,
    userManagedPython,
    build: { context: "docker", ...dockerfile }
  })) },
  // A base image (the default one, or the spec's), with packages, a conda file, or nothing installed.
  { weight: 5, arbitrary: fc.tuple(
    fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 3 },
      { arbitrary: fc.tuple(fc.constantFrom("python:3.10-slim", "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20230509.v1", "team/train:1"), fc.option(registry, { nil: undefined })), weight: 1 }
    ),
    fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
    fc.oneof(
      fc.constant<Partial<Mutable<Estimator.Environment>>>({ userManagedPython: true }),
      fc.constant<Partial<Mutable<Estimator.Environment>>>({ condaFile: CONDA_FILE }),
      fc.tuple(fc.uniqueArray(packageName, { maxLength: 2 }), fc.uniqueArray(packageName, { maxLength: 3 }), fc.boolean())
        .map(([condaPackages, pipPackages, requirements]): Partial<Mutable<Estimator.Environment>> => ({
          condaPackages,
          pipPackages,
          ...(requirements ? { pipRequirementsFile: REQUIREMENTS_FILE } : {})
        }))
    )
  ).map(([image, docker, python]): Estimator.Environment => ({
    ...Estimator.defaultEnvironment,
    docker: image === undefined ? docker : true,
    ...python,
    ...(image === undefined ? {} : { image: { name: image[0], ...(image[1] === undefined ? {} : { registry: image[1] }) } })
  })) }
)

interface Layout {
  readonly framework?: Framework.Framework
  readonly distribution: Estimator.Distribution
  readonly nodeCount: number
  readonly processCountPerNode: number
}

const framework: fc.Arbitrary<Framework.Framework | undefined> = fc.option(
  fc.constantFrom(...Framework.names).chain((name) =>
    fc.tuple(fc.constantFrom<string>(...Framework.supportedVersions[name]), optional("versionDefaulted", fc.boolean()))
      .map(([version, defaulted]): Framework.Framework => ({ name, version, ...defaulted }))
  ),
  { nil: undefined, freq: 2 }
)

/** Usually one node. */
const nodes = fc.oneof({ arbitrary: fc.constant(1), weight: 2 }, { arbitrary: fc.integer({ min: 2, max: 3 }), weight: 1 })

const layout: fc.Arbitrary<Layout> = framework.chain((fw) => {
  const allowed: ReadonlyArray<"None" | "Mpi" | "PyTorch" | "TensorFlow"> = fw === undefined
    ? ["None", "Mpi", "PyTorch", "TensorFlow"]
    : ["None", ...Framework.allowedDistributions[fw.name]]
  const withFramework = <A extends object>(value: A) => (fw === undefined ? value : { ...value, framework: fw })
  return fc.oneof({ arbitrary: fc.constant("None" as const), weight: 2 }, { arbitrary: fc.constantFrom(...allowed), weight: 3 }).chain((kind): fc.Arbitrary<Layout> => {
    switch (kind) {
      case "None":
        return fc.constant(withFramework({ distribution: { _tag: "None" } as const, nodeCount: 1, processCountPerNode: 1 }))
      case "Mpi":
        return fc.tuple(nodes, fc.integer({ min: 1, max: 4 }))
          .map(([nodeCount, processCountPerNode]) => withFramework({ distribution: { _tag: "Mpi" } as const, nodeCount, processCountPerNode }))
      case "PyTorch":
        return fc.tuple(nodes, fc.integer({ min: 1, max: 4 }), fc.constantFrom<Estimator.PyTorchBackend>("nccl", "gloo"))
          .map(([nodeCount, processCountPerNode, backend]) => withFramework({ distribution: { _tag: "PyTorch", backend } as const, nodeCount, processCountPerNode }))
      case "TensorFlow":
        return fc.tuple(nodes, fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, { arbitrary: fc.integer({ min: 1, max: 2 }), weight: 1 }))
          .map(([workerCount, parameterServerCount]) => withFramework({ distribution: { _tag: "TensorFlow", workerCount, parameterServerCount } as const, nodeCount: workerCount, processCountPerNode: 1 }))
    }
  })
})

const remoteCompute: fc.Arbitrary<Estimator.Compute> = fc.oneof(
  word.map((name): Estimator.Compute => ({ _tag: "Cluster", name })),
  fc.tuple(fc.constantFrom("Standard_DS3_v2", "Standard_NC6s_v3"), optional("vmPriority", fc.constantFrom<Estimator.VmPriority>("dedicated", "lowpriority")))
    .map(([vmSize, priority]): Estimator.Compute => ({ _tag: "Serverless", ...(vmSize === "" ? {} : { vmSize }), ...priority }))
)

const compute = (nodeCount: number): fc.Arbitrary<Estimator.Compute> =>
  nodeCount > 1 ? remoteCompute : fc.oneof(fc.constant<Estimator.Compute>({ _tag: "Local" }), remoteCompute)

const integerArgument = fc.integer()
// JSON has no NaN, infinities or negative zero: the spec must survive a JSON round trip.
const doubleArgument = fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n))
const booleanArgument = fc.boolean()
const entryScript = fc.stringMatching(/^([a-z][a-z0-9_]{0,7}\/)?[a-z][a-z0-9_]{0,7}\.py$/)
const baseCommand = fc.constantFrom("python train.py", "bash run.sh --fast", "echo start && python -m pkg.main")

const argument = (inputs: ReadonlyArray<string>, outputs: ReadonlyArray<string>): fc.Arbitrary<Estimator.Argument> =>
  fc.oneof(
    { arbitrary: text, weight: 4 },
    { arbitrary: integerArgument, weight: 1 },
    { arbitrary: doubleArgument, weight: 1 },
    { arbitrary: booleanArgument, weight: 1 },
    ...(inputs.length === 0 ? [] : [{ arbitrary: fc.constantFrom(...inputs).map((name): Estimator.Argument => ({ _tag: "InputRef", name })), weight: 2 }]),
    ...(outputs.length === 0 ? [] : [{ arbitrary: fc.constantFrom(...outputs).map((name): Estimator.Argument => ({ _tag: "OutputRef", name })), weight: 1 }])
  )

const entry = (inputs: ReadonlyArray<string>, outputs: ReadonlyArray<string>): fc.Arbitrary<{ readonly entryScript: string; readonly arguments: ReadonlyArray<Estimator.Argument> } | { readonly command: string; readonly arguments: ReadonlyArray<Estimator.Argument> }> =>
  fc.oneof(
    { arbitrary: fc.tuple(entryScript, fc.array(argument(inputs, outputs), { maxLength: 6 }))
      .map(([entryScript, args]) => ({ entryScript, arguments: args })), weight: 4 },
    { arbitrary: fc.tuple(
      baseCommand,
      fc.subarray([...inputs.map((name) => `\${{inputs.${name}}}`), ...outputs.map((name) => `\${{outputs.${name}}}`)])
    ).map(([command, references]) => ({ command: [command, ...references].join(" "), arguments: [] })), weight: 1 }
  )

/**
 * Specs that pass `Validation.validate` without errors.
 *
 * @internal
 */
export const estimator: fc.Arbitrary<Estimator.Estimator> = fc
  .record({
    layout,
    gpuWanted: fc.boolean(),
    environment,
    environmentVariables: fc.dictionary(variableName, text, { maxKeys: 3 }),
    secretEnvironmentVariables: sparse(fc.dictionary(variableName, secret, { minKeys: 1, maxKeys: 2 })),
    inputs: fc.dictionary(dataName, input, { maxKeys: 3 }),
    outputs: fc.dictionary(dataName, output, { maxKeys: 2 }),
    tags: sparse(fc.dictionary(word, text, { maxKeys: 2 }), 1),
    sourceDirectory: fc.constantFrom(".", "src", "project/code"),
    optionals: fc.tuple(
      optional("shmSize", fc.stringMatching(/^[1-9][0-9]{0,2}[bkmgBKMG]$/)),
      optional("dockerArgs", fc.constantFrom("--ipc=host", "--ulimit memlock=-1"), 6),
      optional("maxRunDurationSeconds", fc.integer({ min: 1, max: 200_000 })),
      optional("resumeFrom", datastorePath, 6),
      optional("sourceDirectoryDatastore", word, 3),
      optional("name", jobName),
      optional("displayName", text),
      optional("experimentName", jobName),
      optional("description", text)
    )
  })
  .chain((fields) => {
    const inputNames = [...Object.keys(fields.inputs), ...(fields.optionals[3].resumeFrom === undefined ? [] : [Estimator.RESUME_FROM_INPUT])]
    return fc.tuple(fc.constant(fields), compute(fields.layout.nodeCount), entry(inputNames, Object.keys(fields.outputs)))
  })
  .map(([fields, computeValue, entryValue]): Estimator.Estimator => {
    const plainNames = new Set(Object.keys(fields.environmentVariables))
    const secrets = Object.fromEntries(Object.entries(fields.secretEnvironmentVariables).filter(([name]) => !plainNames.has(name)))
    const sklearn = fields.layout.framework?.name === "SKLearn"
    return Object.assign(
      {
        _tag: "Estimator" as const,
        specVersion: Estimator.SPEC_VERSION,
        sourceDirectory: fields.sourceDirectory,
        compute: computeValue,
        nodeCount: fields.layout.nodeCount,
        processCountPerNode: fields.layout.processCountPerNode,
        distribution: fields.layout.distribution,
        gpu: fields.gpuWanted && !sklearn,
        environment: fields.environment,
        environmentVariables: fields.environmentVariables,
        secretEnvironmentVariables: secrets,
        inputs: fields.inputs,
        outputs: fields.outputs,
        tags: fields.tags
      },
      entryValue,
      fields.layout.framework === undefined ? {} : { framework: fields.layout.framework },
      ...fields.optionals
    )
  })
  .filter((spec) => !Validation.hasErrors(Validation.validate(spec)))

/**
 * Valid specs whose every field `backend` honours (no capability error; files may still be missing).
 *
 * @internal
 */
export const supportedBy = (backend: BackendName): fc.Arbitrary<Estimator.Estimator> =>
  estimator.filter((spec) => capabilities.check(backend, spec).errors.length === 0)
