import { Estimator } from "@estimator/core"
import * as fc from "fast-check"
import * as E from "fp-ts/lib/Either.js"
import { pipe } from "fp-ts/lib/function.js"
import { describe, expect, it } from "vitest"
import { parse as parseYaml } from "yaml"
import * as Conda from "../src/Conda.js"
import * as Arb from "./utils/arbitraries.js"

const right = <A>(result: E.Either<unknown, A>): A => {
  if (E.isLeft(result)) throw new Error(`unexpected Left: ${JSON.stringify(result.left)}`)
  return result.right
}

const left = <L>(result: E.Either<L, unknown>): L => {
  if (E.isRight(result)) throw new Error(`expected a Left, got ${JSON.stringify(result.right)}`)
  return result.left
}

const base = Estimator.make({ entryScript: "train.py", sourceDirectory: "./src" })

describe("Conda.render", () => {
  it("writes name, channels, then dependencies with the python pin first and one pip entry last", () => {
    const text = Conda.render({
      name: "train",
      channels: ["conda-forge", "defaults"],
      python: "3.10",
      dependencies: ["pip", "mpi4py>=3"],
      pip: ["--extra-index-url http://127.0.0.1:8765/simple", "torch==2.0"]
    })
    expect(Object.keys(parseYaml(text))).toEqual(["name", "channels", "dependencies"])
    expect(parseYaml(text)).toEqual({
      name: "train",
      channels: ["conda-forge", "defaults"],
      dependencies: ["python=3.10", "pip", "mpi4py>=3", { pip: ["--extra-index-url http://127.0.0.1:8765/simple", "torch==2.0"] }]
    })
  })

  it("leaves out an absent name, an absent python and an empty pip list", () => {
    expect(parseYaml(Conda.render({ channels: [], dependencies: ["numpy"], pip: [] }))).toEqual({ channels: [], dependencies: ["numpy"] })
  })

  it("quotes values YAML would read as something else", () => {
    const spec: Conda.CondaSpecification = { channels: ["1.10"], dependencies: ["true", "null", "a: b", "#x"], pip: ["- y"] }
    expect(parseYaml(Conda.render(spec))).toEqual({ channels: ["1.10"], dependencies: ["true", "null", "a: b", "#x", { pip: ["- y"] }] })
  })

  it("is deterministic: the key order of the value does not change the text", () => {
    fc.assert(fc.property(Arb.condaSpecification, fc.nat(), (spec, seed) => {
      expect(Conda.render(Arb.shuffleKeys(spec, seed))).toBe(Conda.render(spec))
    }))
  })

  it("parse(render(x)) equals x", () => {
    fc.assert(fc.property(Arb.condaSpecification, (spec) => {
      expect(Conda.parse(Conda.render(spec))).toEqual(E.right(spec))
    }), { numRuns: 300 })
  })
})

describe("Conda.parse", () => {
  it("reads a typical environment.yml, python pin apart and pip lists concatenated", () => {
    const text = [
      "name: mnist",
      "prefix: /home/me/miniconda/envs/mnist",
      "channels:",
      "  - conda-forge",
      "dependencies:",
      "  - python=3.9",
      "  - numpy>=1.24",
      "  - pip",
      "  - pip:",
      "    - torch==2.0",
      "  - pip: [wandb]",
      ""
    ].join("\n")
    expect(right(Conda.parse(text))).toEqual({
      name: "mnist",
      channels: ["conda-forge"],
      python: "3.9",
      dependencies: ["numpy>=1.24", "pip"],
      pip: ["torch==2.0", "wandb"]
    })
  })

  it("keeps python specs other than python=<version> among the dependencies", () => {
    expect(right(Conda.parse("dependencies: [python>=3.9, numpy]"))).toEqual({ channels: [], dependencies: ["python>=3.9", "numpy"], pip: [] })
  })

  it("treats missing or empty lists as empty", () => {
    expect(right(Conda.parse("name: x\nchannels:\ndependencies:\n"))).toEqual({ name: "x", channels: [], dependencies: [], pip: [] })
  })

  it("reports each malformed value with its line, column and path", () => {
    const text = [
      "name: [a]",            // 1
      "channels:",            // 2
      "  - conda-forge",      // 3
      "  - 1.10",             // 4
      "dependencies:",        // 5
      "  - numpy",            // 6
      "  - {conda: x}",       // 7
      "  - pip:",             // 8
      "      - ok",           // 9
      "      - 3",            // 10
      "  - \"  \"",           // 11
      "variables: {A: b}",    // 12
      "extra: 1"              // 13
    ].join("\n")
    const issues = left(Conda.parse(text))
    expect(issues.map((i) => [i.path, i.line, i.column])).toEqual([
      ["name", 1, 7],
      ["channels[1]", 4, 5],
      ["dependencies[1]", 7, 5],
      ["dependencies[2].pip[1]", 10, 9],
      ["dependencies[3]", 11, 5],
      ["variables", 12, 1],
      ["extra", 13, 1]
    ])
    expect(issues[1]?.message).toContain("quote it")
    expect(issues[5]?.message).toContain("withEnv")
  })

  it("reports YAML syntax errors where they are, on one line each", () => {
    const issues = left(Conda.parse("dependencies:\n  - numpy\n - bad: [\n"))
    expect([issues[0]?.line, issues[0]?.column]).toEqual([3, 1])
    expect(issues.every((i) => !i.message.includes("\n"))).toBe(true)
    expect(left(Conda.parse("dependencies:\n  - [unclosed\n"))[0]?.message).toContain("]")
  })

  it("rejects a document that is not a mapping, and an empty one", () => {
    expect(left(Conda.parse("- numpy\n"))[0]?.message).toContain("got a list")
    expect(left(Conda.parse("# nothing\n"))[0]?.message).toContain("expected a mapping")
  })

  it("rejects python pinned twice and duplicate keys", () => {
    expect(left(Conda.parse("dependencies: [python=3.8, python=3.9]"))[0]).toMatchObject({ path: "dependencies[1]", line: 1 })
    expect(left(Conda.parse("channels: []\nchannels: []\n"))).toEqual([expect.objectContaining({ line: 2, column: 1 })])
  })
})

describe("Conda.fromEstimator (v1 _create_conda_dependencies)", () => {
  it("without packages: the default specification, no pip list and no azureml-defaults", () => {
    expect(right(Conda.fromEstimator(base.environment, {}))).toEqual({
      name: Conda.DEFAULT_NAME,
      channels: Conda.DEFAULT_CHANNELS,
      python: Conda.DEFAULT_PYTHON_VERSION,
      dependencies: [],
      pip: []
    })
    expect(Conda.DEFAULT_PYTHON_VERSION).toBe("3.8")
  })

  it("pip packages: azureml-defaults first, then the packages, and pip as a conda package", () => {
    const spec = right(Conda.fromEstimator(pipe(base, Estimator.withPip(["numpy", "scipy==1.10"])).environment, {}))
    expect(spec.pip).toEqual(["azureml-defaults", "numpy", "scipy==1.10"])
    expect(spec.dependencies).toEqual(["pip"])
  })

  it("requirements file lines first, then the pip packages not already there", () => {
    const environment = pipe(base, Estimator.withPip(["numpy", "wandb"]), Estimator.withPipRequirements("requirements.txt")).environment
    const files = { "requirements.txt": "# deps\n--extra-index-url http://127.0.0.1:8765/simple\nnumpy\ntorch==1.6.0; python_version < \"3.9\"\n" }
    expect(right(Conda.fromEstimator(environment, files)).pip).toEqual([
      "azureml-defaults",
      "--extra-index-url http://127.0.0.1:8765/simple",
      "numpy",
      "torch==1.6.0; python_version < \"3.9\"",
      "wandb"
    ])
  })

  it("does not add azureml-defaults when it is listed already, or when asked not to", () => {
    const listed = pipe(base, Estimator.withPip(["azureml-defaults==1.50.0", "numpy"])).environment
    expect(right(Conda.fromEstimator(listed, {})).pip).toEqual(["azureml-defaults==1.50.0", "numpy"])
    const plain = pipe(base, Estimator.withPip(["numpy"])).environment
    expect(right(Conda.fromEstimator(plain, {}, { azuremlDefaults: false })).pip).toEqual(["numpy"])
  })

  it("conda packages are added in order; a python pin replaces the default python", () => {
    const spec = right(Conda.fromEstimator(pipe(base, Estimator.withConda(["mpi4py", "python=3.10", "cudatoolkit=11.3"])).environment, {}))
    expect(spec.python).toBe("3.10")
    expect(spec.dependencies).toEqual(["mpi4py", "cudatoolkit=11.3"])
    expect(spec.pip).toEqual([])
    const ranged = right(Conda.fromEstimator(pipe(base, Estimator.withConda(["python>=3.9"])).environment, {}))
    expect(ranged.python).toBeUndefined()
    expect(ranged.dependencies).toEqual(["python>=3.9"])
  })

  it("a conda file replaces the whole specification", () => {
    const environment = pipe(base, Estimator.withCondaFile("env/conda.yml")).environment
    const text = "name: mine\nchannels: [defaults]\ndependencies: [python=3.7, scikit-learn]\n"
    expect(right(Conda.fromEstimator(environment, { "env/conda.yml": text }))).toEqual({
      name: "mine",
      channels: ["defaults"],
      python: "3.7",
      dependencies: ["scikit-learn"],
      pip: []
    })
  })

  it("finds a file under its normalised path", () => {
    const environment = pipe(base, Estimator.withCondaFile("./env//conda.yml")).environment
    expect(right(Conda.fromEstimator(environment, { "env/conda.yml": "dependencies: [numpy]" })).dependencies).toEqual(["numpy"])
  })

  it("a missing conda file is an issue with v1's message and the full path", () => {
    const environment = pipe(base, Estimator.withCondaFile("conda.yml")).environment
    const [issue] = left(Conda.fromEstimator(environment, {}, { sourceDirectory: "./src" }))
    expect(issue).toMatchObject({ path: "environment.condaFile", code: "conda-file-missing", severity: "error" })
    expect(issue?.message).toBe("src/conda.yml path doesn't exist. The conda dependencies file should be inside the project folder")
  })

  it("a missing requirements file is an issue with v1's message", () => {
    const environment = pipe(base, Estimator.withPipRequirements("reqs/requirements.txt")).environment
    const [issue] = left(Conda.fromEstimator(environment, { "other.txt": "" }))
    expect(issue?.path).toBe("environment.pipRequirementsFile")
    expect(issue?.message).toBe("reqs/requirements.txt path doesn't exist. The pip requirements file should be inside the project folder")
  })

  it("a malformed file is an issue per problem, naming the file, line and path", () => {
    const environment = pipe(base, Estimator.withCondaFile("conda.yml")).environment
    const issues = left(Conda.fromEstimator(environment, { "conda.yml": "dependencies:\n  - 3\n  - {x: 1}\n" }))
    expect(issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/^conda\.yml:2:5: dependencies\[0\]: /),
      expect.stringMatching(/^conda\.yml:3:5: dependencies\[1\]: /)
    ])
    const requirements = pipe(base, Estimator.withPipRequirements("r.txt")).environment
    expect(left(Conda.fromEstimator(requirements, { "r.txt": "ok\n-r\n" }))[0]?.message).toMatch(/^r\.txt:2:1: /)
  })

  it("reports python pinned twice among the conda packages", () => {
    const environment = pipe(base, Estimator.withConda(["python=3.8", "python=3.9"])).environment
    expect(left(Conda.fromEstimator(environment, {}))[0]?.code).toBe("python-pinned-twice")
  })
})

describe("Conda.addPackages", () => {
  const spec: Conda.CondaSpecification = { channels: [], python: "3.8", dependencies: ["numpy=1.24"], pip: ["torch==2.0", "--pre"] }

  it("adds what is missing and keeps what is there (by package name)", () => {
    expect(Conda.addPackages(spec, ["NumPy=1.26", "mpi4py", "python=3.10"], ["torch==1.6", "torchvision==0.5", "--pre", "--no-index"])).toEqual({
      channels: [],
      python: "3.8",
      dependencies: ["pip", "numpy=1.24", "mpi4py"],
      pip: ["torch==2.0", "--pre", "torchvision==0.5", "--no-index"]
    })
  })

  it("adds pip as a conda package when the pip list becomes non-empty", () => {
    expect(Conda.addPackages({ channels: [], dependencies: [], pip: [] }, [], ["numpy"]).dependencies).toEqual(["pip"])
    expect(Conda.addPackages({ channels: [], dependencies: [], pip: [] }, [], []).dependencies).toEqual([])
  })

  it("is dual and idempotent", () => {
    fc.assert(fc.property(Arb.condaSpecification, fc.array(Arb.condaDependency, { maxLength: 4 }), fc.array(Arb.pipLine, { maxLength: 4 }), (s, c, p) => {
      const once = Conda.addPackages(s, c, p)
      expect(pipe(s, Conda.addPackages(c, p))).toEqual(once)
      expect(Conda.addPackages(once, c, p)).toEqual(once)
    }))
  })
})

describe("Conda accessors", () => {
  it("names conda packages without channel, version or case", () => {
    expect(["conda-forge::NumPy>=1.24", "pip", "cudatoolkit=11.3=h1", "python 3.8.*", "mkl[version='>=2']"].map(Conda.packageName)).toEqual([
      "numpy", "pip", "cudatoolkit", "python", "mkl"
    ])
  })

  it("recognises only python=<version> as a pin", () => {
    expect(Conda.pythonPin("python=3.8.13")).toBe("3.8.13")
    expect(Conda.pythonPin("python==3.8")).toBeUndefined()
    expect(Conda.pythonPin("python")).toBeUndefined()
    expect(Conda.pythonPin("pythonx=3")).toBeUndefined()
  })

  it("fromPip installs the lines on the default python", () => {
    expect(Conda.fromPip(["numpy", "numpy<2"])).toEqual({ ...Conda.defaultSpecification, dependencies: ["pip"], pip: ["numpy", "numpy<2"] })
  })
})
