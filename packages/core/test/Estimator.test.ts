import * as fc from "fast-check"
import { pipe } from "fp-ts/lib/function.js"
import { describe, expect, it } from "vitest"
import * as Data from "../src/Data.js"
import * as Estimator from "../src/Estimator.js"
import * as Framework from "../src/Framework.js"
import * as Secret from "../src/Secret.js"
import * as Arb from "./utils/arbitraries.js"

const base = Estimator.make({ entryScript: "train.py", sourceDirectory: "./src" })

/** Each binary combinator with generated arguments, called data-first and data-last. */
const binaryCombinators: ReadonlyArray<fc.Arbitrary<{
  readonly name: string
  readonly first: (self: Estimator.Estimator) => Estimator.Estimator
  readonly last: (self: Estimator.Estimator) => Estimator.Estimator
}>> = [
  fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 })).map(([n, p]) => ({ name: "withMpi", first: (s: Estimator.Estimator) => Estimator.withMpi(s, n, p), last: Estimator.withMpi(n, p) })),
  fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 3 })).map(([w, ps]) => ({ name: "withTensorFlow", first: (s: Estimator.Estimator) => Estimator.withTensorFlow(s, w, ps), last: Estimator.withTensorFlow(w, ps) })),
  fc.record({ nodeCount: fc.integer({ min: 1, max: 4 }), processCountPerNode: fc.integer({ min: 1, max: 4 }), backend: fc.constantFrom<Estimator.PyTorchBackend>("nccl", "gloo") }).map((o) => ({ name: "withPyTorchDistribution", first: (s: Estimator.Estimator) => Estimator.withPyTorchDistribution(s, o), last: Estimator.withPyTorchDistribution(o) })),
  fc.integer({ min: 1, max: 8 }).map((n) => ({ name: "withNodes", first: (s: Estimator.Estimator) => Estimator.withNodes(s, n), last: Estimator.withNodes(n) })),
  fc.integer({ min: 1, max: 8 }).map((n) => ({ name: "withProcessesPerNode", first: (s: Estimator.Estimator) => Estimator.withProcessesPerNode(s, n), last: Estimator.withProcessesPerNode(n) })),
  Arb.distribution.map((d) => ({ name: "withDistribution", first: (s: Estimator.Estimator) => Estimator.withDistribution(s, d), last: Estimator.withDistribution(d) })),
  Arb.compute.map((c) => ({ name: "withCompute", first: (s: Estimator.Estimator) => Estimator.withCompute(s, c), last: Estimator.withCompute(c) })),
  fc.string().map((i) => ({ name: "withImage", first: (s: Estimator.Estimator) => Estimator.withImage(s, i), last: Estimator.withImage(i) })),
  fc.tuple(fc.string(), fc.string(), Arb.secret).map(([i, u, p]) => ({ name: "withImage+registry", first: (s: Estimator.Estimator) => Estimator.withImage(s, i, { address: "r.io", username: u, password: p }), last: Estimator.withImage(i, { address: "r.io", username: u, password: p }) })),
  fc.string().map((c) => ({ name: "withBuildContext", first: (s: Estimator.Estimator) => Estimator.withBuildContext(s, c), last: Estimator.withBuildContext(c) })),
  fc.array(fc.string()).map((p) => ({ name: "withConda", first: (s: Estimator.Estimator) => Estimator.withConda(s, p), last: Estimator.withConda(p) })),
  fc.array(fc.string()).map((p) => ({ name: "withPip", first: (s: Estimator.Estimator) => Estimator.withPip(s, p), last: Estimator.withPip(p) })),
  fc.string().map((p) => ({ name: "withCondaFile", first: (s: Estimator.Estimator) => Estimator.withCondaFile(s, p), last: Estimator.withCondaFile(p) })),
  fc.string().map((p) => ({ name: "withPipRequirements", first: (s: Estimator.Estimator) => Estimator.withPipRequirements(s, p), last: Estimator.withPipRequirements(p) })),
  fc.string().map((name) => ({ name: "withEnvironmentRef", first: (s: Estimator.Estimator) => Estimator.withEnvironmentRef(s, { name }), last: Estimator.withEnvironmentRef({ name }) })),
  fc.dictionary(fc.string(), fc.string()).map((v) => ({ name: "withEnv", first: (s: Estimator.Estimator) => Estimator.withEnv(s, v), last: Estimator.withEnv(v) })),
  fc.dictionary(fc.string(), Arb.secret).map((v) => ({ name: "withSecretEnv", first: (s: Estimator.Estimator) => Estimator.withSecretEnv(s, v), last: Estimator.withSecretEnv(v) })),
  fc.dictionary(fc.string().map((k) => `--${k}`), fc.oneof(Arb.argument, fc.constant(null), fc.array(Arb.argument))).map((p) => ({ name: "withScriptParams", first: (s: Estimator.Estimator) => Estimator.withScriptParams(s, p), last: Estimator.withScriptParams(p) })),
  fc.array(Arb.argument).map((a) => ({ name: "withArgs", first: (s: Estimator.Estimator) => Estimator.withArgs(s, ...a), last: Estimator.withArgs(...a) })),
  fc.tuple(fc.string(), Arb.input).map(([n, i]) => ({ name: "withInput", first: (s: Estimator.Estimator) => Estimator.withInput(s, n, i), last: Estimator.withInput(n, i) })),
  fc.tuple(fc.string(), Arb.output).map(([n, o]) => ({ name: "withOutput", first: (s: Estimator.Estimator) => Estimator.withOutput(s, n, o), last: Estimator.withOutput(n, o) })),
  fc.tuple(fc.string(), fc.string()).map(([d, p]) => ({ name: "withResumeFrom", first: (s: Estimator.Estimator) => Estimator.withResumeFrom(s, Data.datastorePath(d, p)), last: Estimator.withResumeFrom(Data.datastorePath(d, p)) })),
  fc.integer({ min: 1 }).map((n) => ({ name: "withMaxRunDuration", first: (s: Estimator.Estimator) => Estimator.withMaxRunDuration(s, n), last: Estimator.withMaxRunDuration(n) })),
  fc.string().map((v) => ({ name: "withShmSize", first: (s: Estimator.Estimator) => Estimator.withShmSize(s, v), last: Estimator.withShmSize(v) })),
  Arb.framework.map((f) => ({ name: "withFramework", first: (s: Estimator.Estimator) => Estimator.withFramework(s, f), last: Estimator.withFramework(f) })),
  fc.dictionary(fc.string(), fc.string()).map((t) => ({ name: "withTags", first: (s: Estimator.Estimator) => Estimator.withTags(s, t), last: Estimator.withTags(t) })),
  fc.string().map((v) => ({ name: "withName", first: (s: Estimator.Estimator) => Estimator.withName(s, v), last: Estimator.withName(v) })),
  fc.string().map((v) => ({ name: "withDisplayName", first: (s: Estimator.Estimator) => Estimator.withDisplayName(s, v), last: Estimator.withDisplayName(v) })),
  fc.string().map((v) => ({ name: "withExperimentName", first: (s: Estimator.Estimator) => Estimator.withExperimentName(s, v), last: Estimator.withExperimentName(v) })),
  fc.string().map((v) => ({ name: "withDescription", first: (s: Estimator.Estimator) => Estimator.withDescription(s, v), last: Estimator.withDescription(v) })),
  fc.string().map((v) => ({ name: "withSourceDirectoryDatastore", first: (s: Estimator.Estimator) => Estimator.withSourceDirectoryDatastore(s, v), last: Estimator.withSourceDirectoryDatastore(v) }))
]

const anyCombinator = fc.oneof(...binaryCombinators)
const unaryCombinators = [Estimator.withGpu, Estimator.withUserManagedPython, Estimator.withoutDocker] as const

describe("laws", () => {
  it("JSON round trip: decode(JSON.parse(JSON.stringify(encode(x)))) equals x", () => {
    fc.assert(fc.property(Arb.estimator, (spec) => {
      expect(Estimator.decode(JSON.parse(JSON.stringify(Estimator.encode(spec))))).toEqual({ _tag: "Right", right: spec })
    }), { numRuns: 300 })
  })

  it("every combinator's result still decodes (combinators keep the spec well-formed)", () => {
    fc.assert(fc.property(Arb.estimator, fc.array(anyCombinator, { maxLength: 8 }), (spec, steps) => {
      const result = steps.reduce((s, step) => step.last(s), spec)
      expect(Estimator.decode(JSON.parse(JSON.stringify(result)))._tag).toBe("Right")
    }), { numRuns: 200 })
  })

  it("data-first and data-last forms agree", () => {
    fc.assert(fc.property(Arb.estimator, anyCombinator, (spec, step) => {
      expect(step.first(spec)).toEqual(pipe(spec, step.last))
    }), { numRuns: 500 })
  })

  it("no combinator mutates its input", () => {
    fc.assert(fc.property(Arb.estimator, fc.array(anyCombinator, { minLength: 1, maxLength: 10 }), (spec, steps) => {
      const before = structuredClone(spec)
      const frozen = deepFreeze(structuredClone(spec))
      steps.reduce((s, step) => step.first(s), spec)
      unaryCombinators.forEach((f) => f(spec))
      expect(spec).toEqual(before)
      // frozen input: any in-place write would throw in strict-mode ESM
      expect(() => steps.reduce((s, step) => step.last(s), frozen)).not.toThrow()
    }), { numRuns: 200 })
  })

  it("setter combinators are idempotent", () => {
    const idempotent = binaryCombinators.filter((_, i) => {
      const name = ["withMpi", "withTensorFlow", "withPyTorchDistribution", "withNodes", "withProcessesPerNode", "withDistribution", "withCompute", "withImage", "withImage+registry", "withBuildContext", "withConda", "withPip", "withCondaFile", "withPipRequirements", "withEnvironmentRef", "withEnv", "withSecretEnv", undefined, undefined, "withInput", "withOutput", "withResumeFrom", "withMaxRunDuration", "withShmSize", "withFramework", "withTags", "withName", "withDisplayName", "withExperimentName", "withDescription", "withSourceDirectoryDatastore"][i]
      return name !== undefined
    })
    expect(idempotent).toHaveLength(binaryCombinators.length - 2)
    fc.assert(fc.property(Arb.estimator, fc.oneof(...idempotent), (spec, step) => {
      expect(step.last(step.last(spec))).toEqual(step.last(spec))
    }), { numRuns: 500 })
    fc.assert(fc.property(Arb.estimator, fc.constantFrom(...unaryCombinators), (spec, f) => {
      expect(f(f(spec))).toEqual(f(spec))
    }))
  })

  it("combinators on different fields commute", () => {
    fc.assert(fc.property(Arb.estimator, fc.array(fc.string()), fc.string(), (spec, packages, image) => {
      expect(pipe(spec, Estimator.withGpu, Estimator.withConda(packages))).toEqual(pipe(spec, Estimator.withConda(packages), Estimator.withGpu))
      expect(pipe(spec, Estimator.withImage(image), Estimator.withMpi(2, 2))).toEqual(pipe(spec, Estimator.withMpi(2, 2), Estimator.withImage(image)))
    }))
  })

  it("argument-appending combinators append (they are not idempotent, by design)", () => {
    expect(pipe(base, Estimator.withArgs("-v"), Estimator.withArgs("-v")).arguments).toEqual(["-v", "-v"])
  })
})

describe("make", () => {
  it("builds a single-process local CPU job with the default environment", () => {
    expect(base).toEqual({
      _tag: "Estimator",
      specVersion: 1,
      sourceDirectory: "./src",
      entryScript: "train.py",
      arguments: [],
      compute: { _tag: "Local" },
      nodeCount: 1,
      processCountPerNode: 1,
      distribution: { _tag: "None" },
      gpu: false,
      environment: { docker: true, userManagedPython: false, condaPackages: [], pipPackages: [] },
      environmentVariables: {},
      secretEnvironmentVariables: {},
      inputs: {},
      outputs: {},
      tags: {}
    })
    expect(Estimator.make({ command: "echo hi" })).toMatchObject({ command: "echo hi", sourceDirectory: "." })
    expect("entryScript" in Estimator.make({ command: "echo hi" })).toBe(false)
  })

  it("has no undefined anywhere (absent means absent)", () => {
    fc.assert(fc.property(Arb.estimator, fc.array(anyCombinator, { maxLength: 6 }), (spec, steps) => {
      const result = steps.reduce((s, step) => step.last(s), spec)
      expect(JSON.stringify(result, (_k, v) => (v === undefined ? "__undefined__" : v))).not.toContain("__undefined__")
    }))
  })
})

describe("combinators", () => {
  it("withMpi sets the layout and the distribution", () => {
    expect(pipe(base, Estimator.withMpi(2, 4))).toMatchObject({ nodeCount: 2, processCountPerNode: 4, distribution: { _tag: "Mpi" } })
  })

  it("withTensorFlow makes the node count the worker count, one process per node (v1 TensorflowConfiguration)", () => {
    expect(pipe(base, Estimator.withProcessesPerNode(3), Estimator.withTensorFlow(4, 2))).toMatchObject({
      nodeCount: 4, processCountPerNode: 1, distribution: { _tag: "TensorFlow", workerCount: 4, parameterServerCount: 2 }
    })
  })

  it("withPyTorchDistribution defaults to NCCL", () => {
    expect(pipe(base, Estimator.withPyTorchDistribution({ nodeCount: 2, processCountPerNode: 2 })).distribution).toEqual({ _tag: "PyTorch", backend: "nccl" })
  })

  it("withConda and withPip append without duplicates", () => {
    const spec = pipe(base, Estimator.withConda(["numpy", "scipy"]), Estimator.withConda(["numpy", "pandas", "pandas"]), Estimator.withPip(["torch"]))
    expect(spec.environment.condaPackages).toEqual(["numpy", "scipy", "pandas"])
    expect(spec.environment.pipPackages).toEqual(["torch"])
  })

  it("withImage keeps the registry's secret as a reference", () => {
    const spec = pipe(base, Estimator.withImage("acr.io/train:1", { address: "acr.io", username: "me", password: Secret.fromEnv("ACR_PASSWORD") }))
    expect(spec.environment.image).toEqual({ name: "acr.io/train:1", registry: { address: "acr.io", username: "me", password: { _tag: "Secret", source: "env", name: "ACR_PASSWORD" } } })
  })

  it("withEnv, withSecretEnv and withTags merge, later values winning", () => {
    const spec = pipe(base, Estimator.withEnv({ A: "1", B: "2" }), Estimator.withEnv({ B: "3" }), Estimator.withSecretEnv({ KEY: Secret.fromFile("/run/key") }), Estimator.withTags({ team: "x" }))
    expect(spec.environmentVariables).toEqual({ A: "1", B: "3" })
    expect(spec.secretEnvironmentVariables).toEqual({ KEY: { _tag: "Secret", source: "file", path: "/run/key" } })
    expect(spec.tags).toEqual({ team: "x" })
  })

  it("withInput and withOutput add named data", () => {
    const spec = pipe(base, Estimator.withInput("mnist", Data.fromDatastore("ds", "mnist", { mode: "download" })), Estimator.withOutput("model", Data.output()))
    expect(spec.inputs["mnist"]).toEqual({ _tag: "Data", type: "uri_folder", source: { _tag: "Datastore", datastore: "ds", path: "mnist" }, mode: "download" })
    expect(spec.outputs["model"]).toEqual({ type: "uri_folder", mode: "rw_mount" })
  })

  it("withFramework records the framework; Framework.make defaults the version and says so", () => {
    expect(pipe(base, Estimator.withFramework(Framework.make("Chainer", "7.0.0"))).framework).toEqual({ name: "Chainer", version: "7.0.0" })
    expect(Framework.make("PyTorch")).toEqual({ name: "PyTorch", version: "1.4", versionDefaulted: true })
  })

  it("withResumeFrom adds the MODEL_LOCATION input and --resume-from at the end of the arguments", () => {
    const spec = pipe(base, Estimator.withArgs("--epochs", 5), Estimator.withResumeFrom(Data.datastorePath("ds", "ckpt")))
    expect(Estimator.effectiveArguments(spec)).toEqual(["--epochs", 5, "--resume-from", { _tag: "InputRef", name: "MODEL_LOCATION" }])
    expect(Estimator.effectiveInputs(spec)["MODEL_LOCATION"]).toEqual({ _tag: "Data", type: "uri_folder", source: { _tag: "Datastore", datastore: "ds", path: "ckpt" }, mode: "ro_mount" })
    expect(spec.arguments).toEqual(["--epochs", 5])
  })

  it("effectiveShmSize defaults to v1's 2g", () => {
    expect(Estimator.effectiveShmSize(base)).toBe("2g")
    expect(Estimator.effectiveShmSize(Estimator.withShmSize(base, "8g"))).toBe("8g")
  })

  it("worldSize counts every process", () => {
    expect(Estimator.worldSize(Estimator.withMpi(base, 3, 4))).toBe(12)
    expect(Estimator.worldSize(Estimator.withTensorFlow(base, 3, 2))).toBe(5)
  })
})

describe("script params (v1 semantics)", () => {
  it("keeps insertion order, expands lists, drops null and empty strings, keeps True/0", () => {
    expect(Estimator.scriptParamsToArguments({
      "--data-folder": Data.input("mnist"),
      "--batch-size": 64,
      "--ids": [1, 2],
      "--verbose": "",
      "--quiet": null,
      "--flag": true,
      "--zero": 0,
      "--off": false
    })).toEqual(["--data-folder", { _tag: "InputRef", name: "mnist" }, "--batch-size", 64, "--ids", 1, 2, "--verbose", "--quiet", "--flag", true, "--zero", 0, "--off", false])
  })

  it("withScriptParams appends to existing arguments", () => {
    expect(pipe(base, Estimator.withArgs("first"), Estimator.withScriptParams({ "--lr": 0.1 })).arguments).toEqual(["first", "--lr", 0.1])
  })

  it("renderArgument writes booleans as Python does and resolves references", () => {
    const resolve = (ref: Data.InputReference | Data.OutputReference) => `/mnt/${ref._tag}/${ref.name}`
    expect([true, false, 0, 0.5, "a b", Data.input("x"), Data.outputRef("y")].map((a) => Estimator.renderArgument(a, resolve)))
      .toEqual(["True", "False", "0", "0.5", "a b", "/mnt/InputRef/x", "/mnt/OutputRef/y"])
  })
})

const deepFreeze = <A>(value: A): A => {
  if (typeof value === "object" && value !== null) {
    Object.values(value).forEach(deepFreeze)
    Object.freeze(value)
  }
  return value
}
