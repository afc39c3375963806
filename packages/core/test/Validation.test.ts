import * as fc from "fast-check"
import { pipe } from "fp-ts/lib/function.js"
import { describe, expect, it } from "vitest"
import * as Data from "../src/Data.js"
import * as Estimator from "../src/Estimator.js"
import * as Framework from "../src/Framework.js"
import * as Secret from "../src/Secret.js"
import * as Validation from "../src/Validation.js"
import * as arbitraries from "./utils/arbitraries.js"
import * as Reference from "./utils/validationReference.js"

const base = Estimator.make({ entryScript: "train.py" })
const onCluster = Estimator.withCompute(Estimator.cluster("gpu-cluster"))

const codes = (spec: Estimator.Estimator) => Validation.validate(spec).map((i) => `${i.severity}:${i.path}:${i.code}`)
const only = (spec: Estimator.Estimator, severity: Validation.Severity = "error") =>
  Validation.validate(spec).filter((i) => i.severity === severity).map((i) => [i.path, i.code])

/** Build a spec from JSON-ish overrides (as a JSON spec file could say). */
const withFields = (overrides: Partial<Record<keyof Estimator.Estimator, unknown>>): Estimator.Estimator =>
  ({ ...base, ...overrides }) as Estimator.Estimator

describe("a valid spec", () => {
  it("has no issues", () => {
    expect(Validation.validate(base)).toEqual([])
    expect(Validation.validate(pipe(base, onCluster, Estimator.withGpu, Estimator.withMpi(2, 4), Estimator.withConda(["numpy"]), Estimator.withFramework(Framework.make("Chainer", "7.0.0"))))).toEqual([])
  })

  it("every issue names its field, says why and how to fix it", () => {
    const issues = Validation.validate(withFields({ nodeCount: 0, shmSize: "lots", entryScript: "../x.py" }))
    expect(issues.length).toBeGreaterThanOrEqual(3)
    for (const issue of issues) {
      expect(issue.path).not.toBe("")
      expect(issue.message.length).toBeGreaterThan(20)
      expect(issue.hint).toBeDefined()
    }
  })
})

describe("field rules", () => {
  it.each([
    ["nodeCount", { nodeCount: 0 }, "Node count should be at least 1."],
    ["nodeCount", { nodeCount: 1.5 }, "Node count should be at least 1."],
    ["processCountPerNode", { processCountPerNode: 0 }, "Process count per node should be at least 1."]
  ])("%s must be a positive integer (%j)", (path, overrides, v1) => {
    const issues = Validation.validate(withFields(overrides))
    const issue = issues.find((i) => i.path === path)
    expect(issue?.code).toBe("not-positive-integer")
    expect(issue?.message).toContain(v1)
  })

  it("TensorFlow counts: workers ≥ 1, parameter servers ≥ 0", () => {
    expect(only(withFields({ distribution: { _tag: "TensorFlow", workerCount: 0, parameterServerCount: -1 } }))).toEqual([
      ["distribution.workerCount", "not-positive-integer"],
      ["distribution.parameterServerCount", "not-non-negative-integer"]
    ])
    expect(only(withFields({ distribution: { _tag: "TensorFlow", workerCount: 1, parameterServerCount: 0 } }))).toEqual([])
  })

  it.each(["2g", "512m", "1024k", "100b", "8G"])("shmSize %s is accepted", (size) => {
    expect(only(Estimator.withShmSize(base, size))).toEqual([])
  })

  it.each(["2", "g", "2gb", "2 g", "-1g", "1.5g"])("shmSize %j is rejected", (size) => {
    expect(only(Estimator.withShmSize(base, size))).toEqual([["shmSize", "invalid-shm-size"]])
  })

  it.each([0, -5, 1.5])("maxRunDurationSeconds %s is rejected", (seconds) => {
    expect(only(Estimator.withMaxRunDuration(base, seconds))).toEqual([["maxRunDurationSeconds", "invalid-duration"]])
  })

  it("entry: exactly one of entryScript and command", () => {
    expect(only(withFields({ command: "echo" }))).toEqual([["command", "entry-conflict"]])
    const { entryScript: _, ...noEntry } = base
    expect(only(noEntry as Estimator.Estimator)).toEqual([["entryScript", "entry-missing"]])
  })

  it("entryScript must stay inside the source directory", () => {
    expect(only(withFields({ entryScript: "../train.py" }))).toEqual([["entryScript", "entry-script-outside-source"]])
    expect(only(withFields({ entryScript: "/abs/train.py" }))).toEqual([["entryScript", "entry-script-outside-source"]])
    expect(only(withFields({ entryScript: " " }))).toEqual([["entryScript", "entry-script-empty"]])
    expect(only(withFields({ entryScript: "pkg/train.py" }))).toEqual([])
  })

  it("a command job takes no arguments and its references must exist", () => {
    const job = Estimator.make({ command: "python t.py --data ${{inputs.data}} --out ${{outputs.model}}" })
    expect(only(job)).toEqual([["command", "unknown-input-reference"], ["command", "unknown-output-reference"]])
    expect(only(pipe(job, Estimator.withInput("data", Data.fromUri("https://x/y")), Estimator.withOutput("model", Data.output())))).toEqual([])
    expect(only(Estimator.withArgs(Estimator.make({ command: "echo" }), "x"))).toEqual([["arguments", "arguments-with-command"]])
  })

  it("an entry script starting with '-' would be read as an interpreter option", () => {
    expect(only(withFields({ entryScript: "-c" }))).toEqual([["entryScript", "entry-script-option"]])
    expect(Validation.validate(withFields({ entryScript: "-c" }))[0]?.hint).toBe('Give it as "./-c", or rename the script.')
  })

  it("NUL characters cannot reach a process", () => {
    expect(only(pipe(base, Estimator.withArgs("ok", "a\u0000b"), Estimator.withEnv({ A: "x\u0000" })))).toEqual([
      ["arguments[1]", "nul-character"],
      ["environmentVariables.A", "nul-character"]
    ])
  })

  it("source directory must not be empty", () => {
    expect(only(withFields({ sourceDirectory: "" }))).toEqual([["sourceDirectory", "source-directory-empty"]])
  })

  it("environment variable names: valid, not reserved, not both plain and secret", () => {
    const spec = pipe(
      base,
      Estimator.withEnv({ "1BAD": "x", "OK": "y", "ESTIMATOR_RUN_ID": "z", "TOKEN": "t" }),
      Estimator.withSecretEnv({ TOKEN: Secret.fromEnv("TOKEN"), "bad-name": Secret.fromEnv("X"), SRC: Secret.fromEnv("not valid") })
    )
    expect(only(spec)).toEqual([
      ["environmentVariables.1BAD", "invalid-env-name"],
      ["environmentVariables.ESTIMATOR_RUN_ID", "reserved-env-name"],
      ["secretEnvironmentVariables.bad-name", "invalid-env-name"],
      ["secretEnvironmentVariables.TOKEN", "env-name-conflict"],
      ["secretEnvironmentVariables.SRC.name", "invalid-secret-source"]
    ])
  })

  it("input and output names are identifiers, distinct ignoring case", () => {
    const spec = pipe(
      base,
      Estimator.withInput("my-data", Data.fromLocal("./data")),
      Estimator.withInput("Data", Data.fromLocal("./a")),
      Estimator.withInput("data", Data.fromLocal("./b")),
      Estimator.withOutput("2model", Data.output())
    )
    expect(only(spec)).toEqual([
      ["inputs.my-data", "invalid-input-name"],
      ["outputs.2model", "invalid-output-name"],
      ["inputs.data", "name-collision"]
    ])
  })

  it("the name __proto__ survives the JSON round trip and decoding, and is refused as reserved", () => {
    const reserved = "__proto__"
    const spec = pipe(
      base,
      Estimator.withEnv({ [reserved]: "x" }),
      Estimator.withSecretEnv({ [reserved]: Secret.fromEnv("TOKEN") }),
      Estimator.withInput(reserved, Data.fromLocal("./data")),
      Estimator.withOutput(reserved, Data.output()),
      Estimator.withTags({ [reserved]: "t" })
    )
    const decoded = Estimator.decode(JSON.parse(JSON.stringify(spec)))
    if (decoded._tag === "Left") throw new Error(JSON.stringify(decoded.left))
    for (const field of ["environmentVariables", "secretEnvironmentVariables", "inputs", "outputs", "tags"] as const) {
      expect(Object.keys(decoded.right[field])).toEqual([reserved])
      expect(Object.getPrototypeOf(decoded.right[field])).toBe(Object.prototype)
    }
    expect(decoded.right.inputs[reserved]).toEqual(spec.inputs[reserved])
    expect(only(decoded.right).filter(([, code]) => code === "reserved-name")).toEqual([
      ["environmentVariables.__proto__", "reserved-name"],
      ["secretEnvironmentVariables.__proto__", "reserved-name"],
      ["inputs.__proto__", "reserved-name"],
      ["outputs.__proto__", "reserved-name"],
      ["tags.__proto__", "reserved-name"]
    ])
  })

  it("argument references must name a defined input or output", () => {
    const spec = pipe(base, Estimator.withArgs("--data", Data.input("mnist"), "--out", Data.outputRef("model")))
    expect(only(spec)).toEqual([["arguments[1]", "unknown-input-reference"], ["arguments[3]", "unknown-output-reference"]])
    expect(only(pipe(spec, Estimator.withInput("mnist", Data.fromDatastore("ds", "m")), Estimator.withOutput("model", Data.output())))).toEqual([])
  })

  it("resumeFrom defines MODEL_LOCATION, which must not clash with an input", () => {
    const spec = pipe(base, Estimator.withArgs(Data.input("MODEL_LOCATION")), Estimator.withResumeFrom(Data.datastorePath("ds", "ckpt")))
    expect(only(spec)).toEqual([])
    expect(only(Estimator.withInput(spec, "MODEL_LOCATION", Data.fromLocal("x")))).toEqual([["inputs.MODEL_LOCATION", "resume-from-input-conflict"]])
  })

  it("data sources: URIs need a scheme, asset version xor label, datastore named", () => {
    const spec = pipe(
      base,
      Estimator.withInput("a", Data.fromUri("not a uri")),
      Estimator.withInput("b", Data.fromAsset("ds", { version: "1", label: "latest" })),
      Estimator.withInput("c", Data.fromDatastore("", "p")),
      Estimator.withInput("d", Data.fromLocal(""))
    )
    expect(only(spec)).toEqual([
      ["inputs.a.source.uri", "invalid-uri"],
      ["inputs.b.source.label", "version-and-label"],
      ["inputs.c.source.datastore", "datastore-empty"],
      ["inputs.d.source.path", "local-path-empty"]
    ])
  })

  it("job and experiment names follow Azure ML's pattern", () => {
    expect(only(pipe(base, Estimator.withName("my job!"), Estimator.withExperimentName("-exp")))).toEqual([
      ["name", "invalid-job-name"],
      ["experimentName", "invalid-experiment-name"]
    ])
    expect(only(pipe(base, Estimator.withName("job_1-a"), Estimator.withExperimentName("exp")))).toEqual([])
  })

  it("compute names must not be empty", () => {
    expect(only(Estimator.withCompute(base, Estimator.cluster("")))).toEqual([["compute.name", "compute-name-empty"]])
    expect(only(Estimator.withCompute(base, Estimator.serverless(" ")))).toEqual([["compute.vmSize", "vm-size-empty"]])
  })

  it("a registry password needs a username", () => {
    expect(only(Estimator.withImage(base, "r.io/x", { address: "r.io", password: Secret.fromEnv("P") }))).toEqual([["environment.image.registry.username", "registry-username-missing"]])
  })
})

describe("v1 cross-field rules (reference §2.1–2.2)", () => {
  it("rule 3: Docker off with a custom image", () => {
    const issues = Validation.validate(pipe(base, Estimator.withImage("img"), Estimator.withoutDocker))
    expect(issues.map((i) => [i.path, i.code])).toEqual([["environment.image", "docker-off-with-image"]])
    expect(issues[0]?.message).toContain("If use_docker parameter is set to false, custom_docker_image or custom_docker_base_image parameter is not allowed")
    expect(only(pipe(base, Estimator.withBuildContext("docker"), Estimator.withoutDocker))).toEqual([["environment.build", "docker-off-with-build"]])
  })

  it("rule 4: a registered environment with inline packages, files, image or user-managed Python", () => {
    const spec = pipe(
      base,
      Estimator.withEnvironmentRef({ name: "my-env", version: "3" }),
      Estimator.withPip(["torch"]),
      Estimator.withPipRequirements("requirements.txt"),
      Estimator.withImage("img"),
      Estimator.withUserManagedPython
    )
    expect(only(spec).filter(([, code]) => code === "registered-environment-conflict")).toEqual([
      ["environment.pipPackages", "registered-environment-conflict"],
      ["environment.pipRequirementsFile", "registered-environment-conflict"],
      ["environment.image", "registered-environment-conflict"],
      ["environment.userManagedPython", "registered-environment-conflict"]
    ])
    const conda = pipe(base, Estimator.withEnvironmentRef({ name: "my-env" }), Estimator.withConda(["numpy"]), Estimator.withCondaFile("env.yml"))
    expect(only(conda).filter(([, code]) => code === "registered-environment-conflict").map(([p]) => p)).toEqual(["environment.condaPackages", "environment.condaFile"])
    // run settings still apply on top of a registered environment (as in Azure ML v2)
    expect(only(pipe(base, Estimator.withEnvironmentRef({ name: "my-env" }), Estimator.withGpu, Estimator.withShmSize("8g"), Estimator.withEnv({ A: "1" })))).toEqual([])
  })

  it("rule 5: a conda file with pip packages, a requirements file or conda packages", () => {
    const spec = pipe(base, Estimator.withCondaFile("env.yml"), Estimator.withPip(["x"]), Estimator.withPipRequirements("r.txt"), Estimator.withConda(["y"]))
    expect(only(spec)).toEqual([
      ["environment.pipPackages", "conda-file-conflict"],
      ["environment.pipRequirementsFile", "conda-file-conflict"],
      ["environment.condaPackages", "conda-file-conflict"]
    ])
  })

  it("rule 6: node count and process count at least 1 (see field rules) — v1 messages", () => {
    const issues = Validation.validate(withFields({ nodeCount: 0, processCountPerNode: -2 }))
    expect(issues.map((i) => i.message).join("\n")).toMatch(/Node count should be at least 1\.[\s\S]*Process count per node should be at least 1\./)
  })

  it("rules 7–8: a distribution the framework does not support", () => {
    const chainerPyTorch = pipe(base, onCluster, Estimator.withPyTorchDistribution({ nodeCount: 2, processCountPerNode: 1 }), Estimator.withFramework(Framework.make("Chainer", "7.0.0")))
    const issue = Validation.validate(chainerPyTorch).find((i) => i.code === "distribution-not-supported-by-framework")
    expect(issue?.path).toBe("distribution")
    expect(issue?.message).toContain("Unsupported framework for Nccl distributed training type. Supported frameworks are: pytorch, estimator.")
    const pytorchPs = pipe(base, onCluster, Estimator.withTensorFlow(2, 1), Estimator.withFramework(Framework.make("PyTorch", "1.6")))
    expect(only(pytorchPs)).toEqual([["distribution", "distribution-not-supported-by-framework"]])
    expect(Validation.validate(pytorchPs)[0]?.message).toContain("Unsupported framework for ParameterServer distributed training type. Supported frameworks are: tensorflow, estimator.")
    // generic estimator: every distribution
    expect(only(pipe(base, onCluster, Estimator.withTensorFlow(2, 1)))).toEqual([])
  })

  it("rule 9: user-managed Python with packages or files", () => {
    const spec = pipe(base, Estimator.withUserManagedPython, Estimator.withConda(["a"]), Estimator.withPip(["b"]), Estimator.withPipRequirements("r.txt"))
    expect(only(spec)).toEqual([
      ["environment.condaPackages", "user-managed-with-packages"],
      ["environment.pipPackages", "user-managed-with-packages"],
      ["environment.pipRequirementsFile", "user-managed-with-packages"]
    ])
  })

  it("rule 10: more than one process without a distribution", () => {
    expect(only(Estimator.withProcessesPerNode(base, 2))).toEqual([["distribution", "distribution-required"]])
    expect(only(pipe(base, onCluster, Estimator.withNodes(3)))).toEqual([["distribution", "distribution-required"]])
    expect(Validation.validate(Estimator.withProcessesPerNode(base, 2))[0]?.message).toContain("'distributed_backend' or 'distributed_training' must be specified when node_count > 1 or process_count_per_node > 1")
    expect(only(Estimator.withMpi(base, 1, 4))).toEqual([])
  })

  it("rule 13: multi-node on local compute", () => {
    const issues = Validation.validate(Estimator.withMpi(base, 2, 1))
    expect(issues.map((i) => [i.path, i.code])).toEqual([["nodeCount", "multi-node-local"]])
    expect(issues[0]?.message).toContain("Compute target should be AmlCompute for distributed training (node_count > 1).")
    expect(only(pipe(base, Estimator.withMpi(2, 1), Estimator.withCompute(Estimator.serverless("Standard_NC6"))))).toEqual([])
  })

  it("TensorFlow parameter-server jobs run one process per task", () => {
    expect(only(pipe(base, onCluster, Estimator.withTensorFlow(2, 1), Estimator.withProcessesPerNode(2)))).toEqual([["processCountPerNode", "processes-per-node-with-tensorflow"]])
  })

  it("an image and a build context together", () => {
    expect(only(pipe(base, Estimator.withImage("x"), Estimator.withBuildContext("ctx")))).toEqual([["environment.build", "image-and-build"]])
  })

  it("§2.2: an unsupported framework version lists the supported ones", () => {
    const spec = withFields({ framework: { name: "PyTorch", version: "1.4.0" } })
    const issues = Validation.validate(spec)
    expect(issues.map((i) => [i.path, i.code])).toEqual([["framework.version", "unsupported-framework-version"]])
    expect(issues[0]?.message).toContain("PyTorch 1.4.0 is not currently supported by the PyTorch estimator.")
    expect(issues[0]?.hint).toContain("1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6")
  })

  it("§2.2: a defaulted version warns, except when user-managed or when only one version exists", () => {
    expect(codes(Estimator.withFramework(base, Framework.make("Chainer")))).toEqual(["warning:framework.version:framework-version-defaulted"])
    expect(Validation.validate(Estimator.withFramework(base, Framework.make("Chainer")))[0]?.message).toBe("framework_version is not specified, defaulting to version 5.1.0.")
    expect(codes(pipe(base, Estimator.withUserManagedPython, Estimator.withFramework(Framework.make("TensorFlow"))))).toEqual([])
    expect(codes(Estimator.withFramework(base, Framework.make("SKLearn")))).toEqual([])
  })

  it("§2.2: framework packages are not installed with a conda file or registered environment", () => {
    expect(codes(pipe(base, Estimator.withCondaFile("env.yml"), Estimator.withFramework(Framework.make("PyTorch", "1.6"))))).toEqual(["warning:environment.condaFile:framework-packages-not-installed"])
    expect(codes(pipe(base, Estimator.withEnvironmentRef({ name: "e" }), Estimator.withFramework(Framework.make("PyTorch", "1.6"))))).toEqual(["warning:environment.registered:framework-packages-not-installed"])
  })

  it("SKLearn: single-node CPU only", () => {
    const sklearn = Estimator.withFramework(base, Framework.make("SKLearn", "0.20.3"))
    expect(only(Estimator.withGpu(sklearn))).toEqual([["gpu", "sklearn-gpu"]])
    expect(only(Estimator.withMpi(sklearn, 1, 2))).toEqual([["distribution", "sklearn-distributed"]])
  })

  it("a spec with several faults reports all of them in one call", () => {
    const spec = pipe(
      withFields({ nodeCount: 0, sourceDirectory: "" }),
      Estimator.withShmSize("big"),
      Estimator.withEnvironmentRef({ name: "env" }),
      Estimator.withPip(["torch"]),
      Estimator.withEnv({ "bad name": "1" }),
      Estimator.withArgs(Data.input("missing")),
      Estimator.withFramework({ name: "Chainer", version: "6.0.0" })
    )
    expect(Validation.validate(spec).map((i) => i.code).sort()).toEqual([
      "framework-packages-not-installed",
      "invalid-env-name",
      "invalid-shm-size",
      "not-positive-integer",
      "registered-environment-conflict",
      "source-directory-empty",
      "unknown-input-reference",
      "unsupported-framework-version"
    ])
    expect(Validation.hasErrors(Validation.validate(spec))).toBe(true)
    expect(Validation.warnings(Validation.validate(spec)).map((i) => i.code)).toEqual(["framework-packages-not-installed"])
  })

  it("format prints severity, path, code, message and the fix", () => {
    const [issue] = Validation.validate(Estimator.withShmSize(base, "big"))
    expect(issue && Validation.format(issue)).toMatch(/^error shmSize \[invalid-shm-size\]: shmSize "big" is not a size.*\n  fix: /)
  })
})

// `validate` reads each field once and checks names with character loops; this pins it to the rules
// as first written (test/utils/validationReference.ts): the same issues, in the same order, with the
// same texts, on specs built to break every rule.
describe("validate agrees with the reference rules", () => {
  const tricky = [
    "", " ", "\t", "\u00a0", "\ufeff", "train.py", "pkg/train.py", "-c", "/abs/train.py", "../x.py", "a/../b.py", "a..b.py", "a\\..\\b.py",
    "x\u0000y", "OK", "_ok", "ok_2", "1BAD", "bad name", "bad-name", "ESTIMATOR_X", "estimator_run_id", "Estimator_Y", "ESTIMATOR", "MODEL_LOCATION",
    "model_location", "ß", "SS", "ss", "ſ", "S", "s", "Ａ", "https://x/y", "azureml:data", "a+b.c-d:e", "1x:y", "x:y", "x", ":", "no-scheme", "2g", "512M",
    "100b", "8G", "g", "12", "2 g", "-1g", "1.5g", "job-1", "job_1", "-job", "a".repeat(255), "a".repeat(256), "échec", "${{inputs.data}}",
    "python t.py ${{inputs.MODEL_LOCATION}} ${{outputs.model}} ${{ inputs.x }}"
  ]
  const text = fc.constantFrom(...tricky)
  const names = fc.constantFrom("data", "DATA", "Data", "model", "MODEL_LOCATION", "x", "X", "ok_2", "1BAD", "bad name", "ESTIMATOR_X", "estimator_y", "ß", "SS", "ss", "ſ", "S", "", " ")
  const record = <A>(value: fc.Arbitrary<A>) => fc.dictionary(names, value, { maxKeys: 4 })
  const secret = fc.oneof(text.map((name) => Secret.fromEnv(name)), text.map((path) => Secret.fromFile(path)))
  const source: fc.Arbitrary<Data.DataSource> = fc.oneof(
    text.map((datastore) => ({ _tag: "Datastore" as const, datastore, path: "p" })),
    fc.tuple(text, fc.option(text, { nil: undefined }), fc.option(text, { nil: undefined })).map(([name, version, label]) => ({
      _tag: "DataAsset" as const,
      name,
      ...(version === undefined ? {} : { version }),
      ...(label === undefined ? {} : { label })
    })),
    text.map((uri) => ({ _tag: "Uri" as const, uri })),
    text.map((path) => ({ _tag: "LocalPath" as const, path }))
  )
  const input: fc.Arbitrary<Data.Input> = fc.oneof(
    source.map((s): Data.Input => ({ _tag: "Data", type: "uri_folder", source: s, mode: "ro_mount" })),
    fc.oneof(text, fc.integer(), fc.boolean()).map((value): Data.Input => ({ _tag: "Literal", value }))
  )
  const argument: fc.Arbitrary<Estimator.Argument> = fc.oneof(text, fc.integer(), names.map((name) => Data.input(name)), names.map((name) => Data.outputRef(name)))
  const optional = <A>(value: fc.Arbitrary<A>) => fc.option(value, { nil: undefined, freq: 2 })
  const framework = fc.oneof(
    fc.constantFrom(...Framework.names).chain((name) => fc.constantFrom(...Framework.supportedVersions[name], "0.0.1").map((version) => ({ name, version }))),
    fc.constantFrom(...Framework.names).map((name) => Framework.make(name))
  )
  const overrides = fc.record({
    sourceDirectory: text,
    entryScript: optional(text),
    command: optional(text),
    arguments: fc.array(argument, { maxLength: 4 }),
    compute: fc.oneof(
      fc.constant<Estimator.Compute>({ _tag: "Local" }),
      text.map((name): Estimator.Compute => ({ _tag: "Cluster", name })),
      optional(text).map((vmSize): Estimator.Compute => (vmSize === undefined ? { _tag: "Serverless" } : { _tag: "Serverless", vmSize }))
    ),
    nodeCount: fc.constantFrom(-1, 0, 1, 1.5, 2, 4),
    processCountPerNode: fc.constantFrom(0, 1, 2, 2.5),
    distribution: fc.oneof(
      fc.constantFrom<Estimator.Distribution>({ _tag: "None" }, { _tag: "Mpi" }, { _tag: "PyTorch", backend: "gloo" }, { _tag: "PyTorch", backend: "nccl" }),
      fc.tuple(fc.constantFrom(-1, 0, 1, 1.5, 2), fc.constantFrom(-1, 0, 1, 0.5)).map(([workerCount, parameterServerCount]): Estimator.Distribution => ({ _tag: "TensorFlow", workerCount, parameterServerCount }))
    ),
    gpu: fc.boolean(),
    environment: fc.record({
      docker: fc.boolean(),
      userManagedPython: fc.boolean(),
      condaPackages: fc.array(text, { maxLength: 3 }),
      pipPackages: fc.array(text, { maxLength: 3 }),
      condaFile: optional(text),
      pipRequirementsFile: optional(text),
      image: optional(fc.record({ name: text, registry: optional(fc.record({ address: text, username: optional(text), password: optional(secret) })) })),
      build: optional(fc.record({ context: text })),
      registered: optional(fc.record({ name: text, version: optional(text), label: optional(text) }))
    }),
    environmentVariables: record(text),
    secretEnvironmentVariables: record(secret),
    inputs: record(input),
    outputs: record(fc.constant(Data.output())),
    tags: record(text),
    shmSize: optional(text),
    maxRunDurationSeconds: optional(fc.constantFrom(-1, 0, 1, 1.5, 3600)),
    resumeFrom: optional(fc.constant(Data.datastorePath("ds", "ckpt"))),
    sourceDirectoryDatastore: optional(text),
    framework: optional(framework),
    name: optional(text),
    experimentName: optional(text)
  })
  /** `value` without its fields that are undefined, as a spec has them (absent, not undefined). */
  const defined = (value: unknown): any => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return value
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, defined(v)]))
  }
  /** Specs that break rules, in random key orders, some with a "__proto__" entry in a record. */
  const spec = fc.tuple(arbitraries.estimator, overrides, fc.boolean(), fc.constantFrom("environmentVariables", "secretEnvironmentVariables", "inputs", "outputs", "tags")).map(([original, fields, reserved, where]) => {
    const merged: any = { ...original, ...defined(fields) }
    if (fields.entryScript === undefined) delete merged.entryScript
    if (fields.command === undefined) delete merged.command
    const copy = JSON.parse(JSON.stringify(merged))
    if (reserved) {
      const value = where === "secretEnvironmentVariables" ? Secret.fromEnv("X") : where === "inputs" ? Data.fromUri("https://x") : where === "outputs" ? Data.output() : "v"
      Object.defineProperty(copy[where], "__proto__", { value, enumerable: true, writable: true, configurable: true })
    }
    return copy as Estimator.Estimator
  })

  it("on specs that break every rule", () => {
    const seen = new Set<string>()
    let issues = 0
    fc.assert(fc.property(spec, (s) => {
      const expected = Reference.validate(s)
      expect(Validation.validate(s)).toStrictEqual(expected)
      // The same spec decoded (fields in the codec's key order, as the pipeline validates it).
      const decoded = Estimator.decode(JSON.parse(JSON.stringify(s)))
      if (decoded._tag === "Right") expect(Validation.validate(decoded.right)).toStrictEqual(Reference.validate(decoded.right))
      for (const issue of expected) seen.add(issue.code)
      issues += expected.length
    }), { numRuns: 1500 })
    // The specs do break the rules: nearly every code is reported somewhere.
    expect(issues).toBeGreaterThan(3000)
    expect([...seen].sort()).toEqual([
      "arguments-with-command", "command-empty", "compute-name-empty", "conda-file-conflict", "datastore-empty", "distribution-not-supported-by-framework",
      "distribution-required", "docker-off-with-build", "docker-off-with-image", "entry-conflict", "entry-missing", "entry-script-empty", "entry-script-option",
      "entry-script-outside-source", "env-name-conflict", "environment-name-empty", "framework-packages-not-installed", "framework-version-defaulted",
      "image-and-build", "image-name-empty", "invalid-duration", "invalid-env-name", "invalid-experiment-name", "invalid-input-name", "invalid-job-name",
      "invalid-output-name", "invalid-secret-source", "invalid-shm-size", "invalid-uri", "local-path-empty", "multi-node-local", "name-collision",
      "not-non-negative-integer", "not-positive-integer", "nul-character", "package-empty", "processes-per-node-with-tensorflow", "registered-environment-conflict",
      "registry-username-missing", "reserved-env-name", "reserved-name", "resume-from-input-conflict", "sklearn-distributed", "sklearn-gpu", "source-directory-empty",
      "tag-key-empty", "unknown-input-reference", "unknown-output-reference", "unsupported-framework-version", "user-managed-with-packages", "version-and-label",
      "vm-size-empty"
    ])
  })

  it("on well-formed generated specs", () => {
    fc.assert(fc.property(arbitraries.estimator, (s) => {
      expect(Validation.validate(s)).toStrictEqual(Reference.validate(s))
    }), { numRuns: 500 })
  })

  // Names that differ only in case are compared pairwise in small records and through upper-case
  // copies in large ones (more than 16 names); both must report what the reference reports, also
  // for names whose upper case is longer ("ß" is "SS") or that are not ASCII.
  it("on inputs and outputs with few or many names that may differ only in case", () => {
    const name = fc.array(fc.constantFrom("a", "A", "b", "B", "ß", "S", "s", "ſ", "é", "É", "_", "1", "-", "\u0130", "i"), { minLength: 1, maxLength: 4 }).map((parts) => parts.join(""))
    const names = fc.uniqueArray(name, { maxLength: 40, size: "max" })
    let many = 0
    let collisions = 0
    fc.assert(fc.property(arbitraries.estimator, names, names, (s, inputNames, outputNames) => {
      const spec = {
        ...s,
        inputs: Object.fromEntries(inputNames.map((n) => [n, Data.fromUri("https://x")])),
        outputs: Object.fromEntries(outputNames.map((n) => [n, Data.output()]))
      }
      const expected = Reference.validate(spec)
      expect(Validation.validate(spec)).toStrictEqual(expected)
      if (inputNames.length > 16 || outputNames.length > 16) many++
      if (expected.some((issue) => issue.code === "name-collision")) collisions++
    }), { numRuns: 500 })
    expect(many).toBeGreaterThan(100)
    expect(collisions).toBeGreaterThan(200)
  })
})
