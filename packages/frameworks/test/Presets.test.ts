import { Estimator, Framework, Validation } from "@estimator/core"
import * as fc from "fast-check"
import * as E from "fp-ts/lib/Either.js"
import { pipe } from "fp-ts/lib/function.js"
import { describe, expect, it } from "vitest"
import * as Catalog from "../src/Catalog.js"
import * as Chainer from "../src/Chainer.js"
import * as PyTorch from "../src/PyTorch.js"
import * as SKLearn from "../src/SKLearn.js"
import * as TensorFlow from "../src/TensorFlow.js"

type Preset = (self: Estimator.Estimator) => Estimator.Estimator

const base = Estimator.make({ entryScript: "train.py" })
const onCluster = Estimator.withCompute(Estimator.cluster("gpu-cluster"))

/** Every supported version of every framework with its preset, typed through the catalogue. */
const presetsAt = (entry: Catalog.AnyEntry): ReadonlyArray<readonly [string, Preset]> => {
  switch (entry.name) {
    case "Chainer":
      return entry.supportedVersions.map((v) => [v, Chainer.chainer(v)] as const)
    case "PyTorch":
      return entry.supportedVersions.map((v) => [v, PyTorch.pytorch(v)] as const)
    case "TensorFlow":
      return entry.supportedVersions.map((v) => [v, TensorFlow.tensorflow(v)] as const)
    case "SKLearn":
      return entry.supportedVersions.map((v) => [v, SKLearn.sklearn(v)] as const)
  }
}

const unversioned: { readonly [N in Framework.FrameworkName]: Preset } = {
  Chainer: Chainer.chainer(),
  PyTorch: PyTorch.pytorch(),
  TensorFlow: TensorFlow.tensorflow(),
  SKLearn: SKLearn.sklearn()
}

const distributions: { readonly [D in "Mpi" | "PyTorch" | "TensorFlow"]: Preset } = {
  Mpi: Estimator.withMpi(2, 2),
  PyTorch: Estimator.withPyTorchDistribution({ nodeCount: 2, processCountPerNode: 4 }),
  TensorFlow: Estimator.withTensorFlow(2, 1)
}

const codes = (issues: ReadonlyArray<Validation.Issue>) => issues.map((issue) => `${issue.severity}:${issue.code}`)

describe("presets at every supported version", () => {
  for (const entry of Catalog.frameworks) {
    for (const [version, preset] of presetsAt(entry)) {
      it(`${entry.name} ${version} sets the framework and validates cleanly`, () => {
        const spec = pipe(base, preset)
        expect(spec.framework).toEqual({ name: entry.name, version })
        expect(spec.framework?.versionDefaulted).toBeUndefined()
        expect(Validation.validate(spec)).toEqual([])
      })

      if (entry.gpu) {
        it(`${entry.name} ${version} on GPU validates cleanly`, () => {
          expect(Validation.validate(pipe(base, Estimator.withGpu, preset))).toEqual([])
        })
      }

      for (const distribution of entry.allowedDistributions) {
        it(`${entry.name} ${version} with ${distribution} on a cluster validates cleanly`, () => {
          const spec = pipe(base, onCluster, Estimator.withGpu, distributions[distribution], preset)
          expect(Validation.validate(spec)).toEqual([])
        })
      }
    }
  }

  it("the preset only touches the framework field", () => {
    const before = pipe(base, Estimator.withGpu, Estimator.withPip(["numpy"]), Estimator.withEnv({ A: "1" }))
    const after = pipe(before, PyTorch.pytorch("1.6"))
    const { framework, ...rest } = after
    expect(rest).toEqual(before)
    expect(framework).toEqual({ name: "PyTorch", version: "1.6" })
  })

  it("commutes with the combinators of other fields (its place in a pipe does not matter)", () => {
    const presets = Catalog.frameworks.flatMap((entry) => presetsAt(entry).map(([, preset]) => preset))
    const others: ReadonlyArray<Preset> = [
      Estimator.withGpu,
      Estimator.withMpi(2, 4),
      Estimator.withConda(["numpy"]),
      Estimator.withPip(["torch==1.5.0"]),
      Estimator.withUserManagedPython,
      Estimator.withEnv({ NCCL_DEBUG: "INFO" }),
      onCluster
    ]
    fc.assert(
      fc.property(fc.constantFrom(...presets), fc.array(fc.constantFrom(...others), { maxLength: 5 }), fc.nat(5), (preset, steps, at) => {
        const position = Math.min(at, steps.length)
        const withPresetInside = [...steps.slice(0, position), preset, ...steps.slice(position)].reduce((e, f) => f(e), base)
        const withPresetLast = preset(steps.reduce((e, f) => f(e), base))
        expect(withPresetInside).toEqual(withPresetLast)
      })
    )
  })

  it("a later preset replaces an earlier one", () => {
    const spec = pipe(base, Chainer.chainer("5.1.0"), TensorFlow.tensorflow("2.2"))
    expect(spec.framework).toEqual({ name: "TensorFlow", version: "2.2" })
  })

  it("presets survive the JSON round trip", () => {
    for (const entry of Catalog.frameworks) {
      for (const [, preset] of presetsAt(entry)) {
        const spec = pipe(base, preset)
        expect(Estimator.decode(JSON.parse(JSON.stringify(Estimator.encode(spec))))).toEqual(E.right(spec))
      }
    }
  })
})

describe("defaulted versions", () => {
  // v1's DEFAULT_VERSION of each class (reference §1.2–1.4, §4.1).
  const v1Defaults = { Chainer: "5.1.0", PyTorch: "1.4", TensorFlow: "1.13", SKLearn: "0.20.3" } as const

  it("each module's DEFAULT_VERSION is v1's", () => {
    expect(Chainer.DEFAULT_VERSION).toBe(v1Defaults.Chainer)
    expect(PyTorch.DEFAULT_VERSION).toBe(v1Defaults.PyTorch)
    expect(TensorFlow.DEFAULT_VERSION).toBe(v1Defaults.TensorFlow)
    expect(SKLearn.DEFAULT_VERSION).toBe(v1Defaults.SKLearn)
  })

  for (const name of ["Chainer", "PyTorch", "TensorFlow"] as const) {
    it(`${name} without a version uses the default and warns as v1 did`, () => {
      const spec = pipe(base, unversioned[name])
      expect(spec.framework).toEqual({ name, version: v1Defaults[name], versionDefaulted: true })
      const issues = Validation.validate(spec)
      expect(issues).toHaveLength(1)
      expect(issues[0]).toMatchObject({
        path: "framework.version",
        code: "framework-version-defaulted",
        severity: "warning",
        message: `framework_version is not specified, defaulting to version ${v1Defaults[name]}.`
      })
      expect(Validation.hasErrors(issues)).toBe(false)
    })

    it(`${name} without a version does not warn when the Python environment is user-managed`, () => {
      expect(Validation.validate(pipe(base, Estimator.withUserManagedPython, unversioned[name]))).toEqual([])
    })

    it(`${name} pinned to its default version does not warn`, () => {
      const pinned = presetsAt(Catalog.byName[name]).find(([version]) => version === v1Defaults[name])
      expect(pinned).toBeDefined()
      expect(Validation.validate(pipe(base, pinned![1]))).toEqual([])
    })
  }

  it("SKLearn without a version does not warn: it has a single version", () => {
    const spec = pipe(base, SKLearn.sklearn())
    expect(spec.framework).toEqual({ name: "SKLearn", version: "0.20.3", versionDefaulted: true })
    expect(Validation.validate(spec)).toEqual([])
  })
})

describe("unsupported versions in a JSON spec", () => {
  const json = (name: string, version: string) => ({
    _tag: "Estimator",
    specVersion: 1,
    sourceDirectory: ".",
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
    tags: {},
    framework: { name, version }
  })

  const decodeOrThrow = (input: unknown): Estimator.Estimator =>
    pipe(Estimator.decode(input), E.getOrElseW((errors) => { throw new Error(JSON.stringify(errors)) }))

  const cases = [
    ["Chainer", "1.0.0", ["5.1.0", "7.0.0"]],
    ["PyTorch", "1.4.0", ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6"]],
    ["TensorFlow", "2.3", ["1.10", "1.12", "1.13", "2.0", "2.1", "2.2"]],
    ["SKLearn", "1.0", ["0.20.3"]]
  ] as const

  for (const [name, version, supported] of cases) {
    it(`${name} ${version} decodes, then fails validation listing the supported versions`, () => {
      const issues = Validation.validate(decodeOrThrow(json(name, version)))
      expect(codes(issues)).toEqual(["error:unsupported-framework-version"])
      const issue = issues[0]!
      expect(issue.path).toBe("framework.version")
      expect(issue.message).toContain(`${name} ${version} is not currently supported by the ${name} estimator.`)
      for (const v of supported) expect(issue.hint).toContain(v)
    })
  }

  it("any version outside the catalogue is rejected, any inside accepted", () => {
    fc.assert(
      fc.property(fc.constantFrom(...Framework.names), fc.string({ maxLength: 8 }), (name, version) => {
        const issues = Validation.validate(decodeOrThrow(json(name, version)))
        const supported = (Catalog.byName[name].supportedVersions as ReadonlyArray<string>).includes(version)
        expect(codes(issues).includes("error:unsupported-framework-version")).toBe(!supported)
      })
    )
  })
})

describe("framework rules", () => {
  it("SKLearn with a GPU is an error", () => {
    const issues = Validation.validate(pipe(base, Estimator.withGpu, SKLearn.sklearn("0.20.3")))
    expect(codes(issues)).toEqual(["error:sklearn-gpu"])
    expect(issues[0]?.path).toBe("gpu")
  })

  it("SKLearn with MPI is an error", () => {
    const issues = Validation.validate(pipe(base, Estimator.withMpi(1, 2), SKLearn.sklearn()))
    expect(codes(issues)).toEqual(["error:sklearn-distributed"])
  })

  it("Chainer with PyTorch distribution is an error", () => {
    const spec = pipe(base, onCluster, Estimator.withPyTorchDistribution({ nodeCount: 2, processCountPerNode: 1 }), Chainer.chainer("7.0.0"))
    const issues = Validation.validate(spec)
    expect(codes(issues)).toEqual(["error:distribution-not-supported-by-framework"])
    expect(issues[0]?.path).toBe("distribution")
  })

  it("every distribution a framework does not allow is an error, the others are not", () => {
    for (const entry of Catalog.frameworks) {
      for (const [kind, distribute] of Object.entries(distributions)) {
        const spec = pipe(base, onCluster, distribute, presetsAt(entry)[0]![1])
        const expected = (entry.allowedDistributions as ReadonlyArray<string>).includes(kind)
          ? []
          : [entry.name === "SKLearn" ? "error:sklearn-distributed" : "error:distribution-not-supported-by-framework"]
        expect(codes(Validation.validate(spec)), `${entry.name} + ${kind}`).toEqual(expected)
      }
    }
  })

  it("TensorFlow with parameter servers is fine", () => {
    const spec = pipe(base, onCluster, Estimator.withTensorFlow(4, 2), TensorFlow.tensorflow("1.13"))
    expect(Validation.validate(spec)).toEqual([])
    expect(Estimator.worldSize(spec)).toBe(6)
  })

  it("PyTorch with torch.distributed is fine", () => {
    const spec = pipe(base, onCluster, Estimator.withGpu, Estimator.withPyTorchDistribution({ nodeCount: 2, processCountPerNode: 4, backend: "gloo" }), PyTorch.pytorch("1.6"))
    expect(Validation.validate(spec)).toEqual([])
  })
})

describe("the README example", () => {
  const job = pipe(
    Estimator.make({ entryScript: "train.py" }),
    Estimator.withGpu,
    Estimator.withMpi(2, 4),
    Estimator.withConda(["numpy"]),
    Chainer.chainer("7.0.0")
  )

  it("reads as the job it describes", () => {
    expect(job).toMatchObject({
      entryScript: "train.py",
      gpu: true,
      nodeCount: 2,
      processCountPerNode: 4,
      distribution: { _tag: "Mpi" },
      environment: { condaPackages: ["numpy"] },
      framework: { name: "Chainer", version: "7.0.0" }
    })
    expect(Estimator.worldSize(job)).toBe(8)
  })

  it("is rejected on the local machine: two nodes need a cluster", () => {
    expect(codes(Validation.validate(job))).toEqual(["error:multi-node-local"])
  })

  it("validates cleanly on a cluster", () => {
    expect(Validation.validate(pipe(job, Estimator.withCompute(Estimator.cluster("gpu-cluster"))))).toEqual([])
  })
})
