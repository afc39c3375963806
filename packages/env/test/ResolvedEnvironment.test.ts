import { Estimator, Secret } from "@estimator/core"
import * as fc from "fast-check"
import * as E from "fp-ts/lib/Either.js"
import { pipe } from "fp-ts/lib/function.js"
import { describe, expect, it } from "vitest"
import * as BaseImages from "../src/BaseImages.js"
import * as Conda from "../src/Conda.js"
import * as ResolvedEnvironment from "../src/ResolvedEnvironment.js"
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

describe("ResolvedEnvironment.fromEstimator", () => {
  it("the default spec: v1's default CPU image, the default conda specification, Docker on, no variables", () => {
    expect(right(ResolvedEnvironment.fromEstimator(base, {}))).toEqual({
      _tag: "Image",
      docker: true,
      environmentVariables: {},
      baseImage: BaseImages.DEFAULT_CPU_IMAGE,
      python: { _tag: "Conda", specification: Conda.defaultSpecification }
    })
  })

  it("a GPU spec gets the default GPU image", () => {
    const resolved = right(ResolvedEnvironment.fromEstimator(Estimator.withGpu(base), {}))
    expect(resolved._tag === "Image" && resolved.baseImage).toBe(BaseImages.DEFAULT_GPU_IMAGE)
  })

  it("a custom image wins over the GPU default and keeps its registry and secret reference", () => {
    const registry = { address: "myacr.azurecr.io", username: "me", password: Secret.fromEnv("ACR_PASSWORD") }
    const spec = pipe(base, Estimator.withGpu, Estimator.withImage("myacr.azurecr.io/train:1", registry))
    expect(right(ResolvedEnvironment.fromEstimator(spec, {}))).toMatchObject({
      _tag: "Image",
      baseImage: "myacr.azurecr.io/train:1",
      registry
    })
  })

  it("user-managed Python installs nothing", () => {
    const resolved = right(ResolvedEnvironment.fromEstimator(pipe(base, Estimator.withImage("my/image:1"), Estimator.withUserManagedPython), {}))
    expect(resolved).toMatchObject({ _tag: "Image", baseImage: "my/image:1", python: { _tag: "UserManaged" } })
  })

  it("packages become the conda specification of Conda.fromEstimator", () => {
    const spec = pipe(base, Estimator.withPip(["numpy"]), Estimator.withConda(["mpi4py"]))
    const resolved = right(ResolvedEnvironment.fromEstimator(spec, {}))
    expect(resolved).toMatchObject({
      python: { _tag: "Conda", specification: right(Conda.fromEstimator(spec.environment, {})) }
    })
    const withoutDefaults = right(ResolvedEnvironment.fromEstimator(spec, {}, { azuremlDefaults: false }))
    expect(withoutDefaults._tag === "Image" && withoutDefaults.python._tag === "Conda" && withoutDefaults.python.specification.pip).toEqual(["numpy"])
  })

  it("Docker off is carried as docker: false", () => {
    expect(right(ResolvedEnvironment.fromEstimator(Estimator.withoutDocker(base), {})).docker).toBe(false)
  })

  it("the spec's environment variables are run settings, not part of the environment", () => {
    const spec = pipe(base, Estimator.withEnv({ EPOCHS: "3" }))
    expect(right(ResolvedEnvironment.fromEstimator(spec, {})).environmentVariables).toEqual({})
  })

  it("a registered environment is used as it is", () => {
    const spec = pipe(base, Estimator.withEnvironmentRef({ name: "AzureML-sklearn-1.5", label: "latest" }))
    expect(right(ResolvedEnvironment.fromEstimator(spec, {}))).toEqual({
      _tag: "Registered",
      docker: true,
      environmentVariables: {},
      name: "AzureML-sklearn-1.5",
      label: "latest"
    })
  })

  it("a build context builds the image; the Dockerfile defaults to Dockerfile", () => {
    expect(right(ResolvedEnvironment.fromEstimator(Estimator.withBuildContext(base, "docker"), {}))).toEqual({
      _tag: "Build",
      docker: true,
      environmentVariables: {},
      context: "docker",
      dockerfile: "Dockerfile"
    })
    expect(right(ResolvedEnvironment.fromEstimator(Estimator.withBuildContext(base, "docker", "gpu.Dockerfile"), {}))).toMatchObject({ dockerfile: "gpu.Dockerfile" })
  })

  it("packages next to a build context are an error for each field", () => {
    const spec = pipe(base, Estimator.withBuildContext("docker"), Estimator.withPip(["numpy"]), Estimator.withPipRequirements("r.txt"))
    const issues = left(ResolvedEnvironment.fromEstimator(spec, { "r.txt": "x\n" }))
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ["environment.pipPackages", "build-context-with-packages"],
      ["environment.pipRequirementsFile", "build-context-with-packages"]
    ])
  })

  it("v1's environment rules from Validation come back as issues (a conda file replaces the packages)", () => {
    const spec = pipe(base, Estimator.withCondaFile("conda.yml"), Estimator.withPip(["numpy"]))
    const issues = left(ResolvedEnvironment.fromEstimator(spec, { "conda.yml": "dependencies: [numpy]" }))
    expect(issues.map((i) => i.code)).toContain("conda-file-conflict")
    expect(issues.every((i) => i.path.startsWith("environment."))).toBe(true)
  })

  it("a registered environment next to packages is an error", () => {
    const spec = pipe(base, Estimator.withEnvironmentRef({ name: "env" }), Estimator.withPip(["numpy"]))
    expect(left(ResolvedEnvironment.fromEstimator(spec, {})).map((i) => i.code)).toEqual(["registered-environment-conflict"])
  })

  it("only environment issues count: other spec errors do not block resolving", () => {
    const spec = pipe(base, Estimator.withNodes(0))
    expect(E.isRight(ResolvedEnvironment.fromEstimator(spec, {}))).toBe(true)
  })

  it("a missing file is an issue with v1's message", () => {
    const spec = pipe(base, Estimator.withCondaFile("environment.yml"))
    const [issue] = left(ResolvedEnvironment.fromEstimator(spec, {}))
    expect(issue?.message).toBe("src/environment.yml path doesn't exist. The conda dependencies file should be inside the project folder")
  })

  it("the result survives JSON", () => {
    fc.assert(fc.property(Arb.resolvedEnvironment, (resolved) => {
      expect(JSON.parse(JSON.stringify(resolved))).toEqual(resolved)
    }))
  })
})

describe("ResolvedEnvironment combinators", () => {
  const image = ResolvedEnvironment.image({ baseImage: "a:1", python: ResolvedEnvironment.conda(Conda.fromPip(["torch==2.0"])) })

  it("withBaseImage replaces the image and its registry on image environments only", () => {
    const withRegistry = ResolvedEnvironment.withBaseImage(image, "fw:1", { address: "r.io" })
    expect(withRegistry).toMatchObject({ baseImage: "fw:1", registry: { address: "r.io" } })
    expect(ResolvedEnvironment.withBaseImage(withRegistry, "fw:2")).not.toHaveProperty("registry")
    const built = ResolvedEnvironment.build("ctx")
    expect(ResolvedEnvironment.withBaseImage(built, "fw:1")).toBe(built)
  })

  it("withPackages adds a framework's packages but keeps the user's pins", () => {
    const result = ResolvedEnvironment.withPackages(image, ["mpi4py"], ["torch==1.6.0", "torchvision==0.5.0"])
    expect(result).toMatchObject({
      python: { _tag: "Conda", specification: { dependencies: ["pip", "mpi4py"], pip: ["torch==2.0", "torchvision==0.5.0"] } }
    })
  })

  it("withPackages on a pip environment stays pip, or becomes conda when conda packages come", () => {
    const pipImage = ResolvedEnvironment.image({ baseImage: "a", python: ResolvedEnvironment.pip(["numpy<2", "numpy>1"]) })
    expect(ResolvedEnvironment.withPackages(pipImage, [], ["scipy", "numpy==1.0"])).toMatchObject({
      python: { _tag: "Pip", packages: ["numpy<2", "numpy>1", "scipy"] }
    })
    expect(ResolvedEnvironment.withPackages(pipImage, ["mpi4py"], [])).toMatchObject({
      python: { _tag: "Conda", specification: { python: Conda.DEFAULT_PYTHON_VERSION, dependencies: ["pip", "mpi4py"], pip: ["numpy<2", "numpy>1"] } }
    })
  })

  it("withPackages leaves user-managed, build and registered environments alone", () => {
    const managed = ResolvedEnvironment.withPython(image, ResolvedEnvironment.userManaged)
    expect(ResolvedEnvironment.withPackages(managed, ["a"], ["b"])).toEqual(managed)
    const registered = ResolvedEnvironment.registered({ name: "env" })
    expect(ResolvedEnvironment.withPackages(registered, ["a"], ["b"])).toEqual(registered)
  })

  it("pythonWithPackages is withPackages on the Python alone", () => {
    const pipImage = ResolvedEnvironment.image({ baseImage: "a", python: ResolvedEnvironment.pip(["numpy<2"]) })
    const managed = ResolvedEnvironment.withPython(image, ResolvedEnvironment.userManaged)
    for (const environment of [image, pipImage, managed]) {
      for (const [condaPackages, pipPackages] of [[[], ["scipy"]], [["mpi4py"], []], [["mpi4py"], ["torch==1.6.0"]]] as const) {
        const whole = ResolvedEnvironment.withPackages(environment, condaPackages, pipPackages)
        if (environment._tag !== "Image" || whole._tag !== "Image") throw new Error("an image environment stays one")
        expect(ResolvedEnvironment.pythonWithPackages(environment.python, condaPackages, pipPackages)).toEqual(whole.python)
      }
    }
    expect(ResolvedEnvironment.pythonWithPackages(ResolvedEnvironment.userManaged, ["a"], ["b"])).toBe(ResolvedEnvironment.userManaged)
  })

  it("withEnvironmentVariables merges, later values winning", () => {
    const once = ResolvedEnvironment.withEnvironmentVariables(image, { NCCL_TREE_THRESHOLD: "0", A: "1" })
    expect(ResolvedEnvironment.withEnvironmentVariables(once, { A: "2" }).environmentVariables).toEqual({ NCCL_TREE_THRESHOLD: "0", A: "2" })
  })

  it("data-first and data-last forms agree, and nothing is mutated", () => {
    fc.assert(fc.property(
      Arb.resolvedEnvironment,
      fc.string({ minLength: 1 }),
      fc.array(Arb.condaDependency, { maxLength: 3 }),
      fc.array(Arb.pipLine, { maxLength: 3 }),
      fc.dictionary(fc.string({ minLength: 1 }), fc.string()),
      (resolved, image, conda, pip, variables) => {
        const before = structuredClone(resolved)
        expect(pipe(resolved, ResolvedEnvironment.withBaseImage(image))).toEqual(ResolvedEnvironment.withBaseImage(resolved, image))
        expect(pipe(resolved, ResolvedEnvironment.withPackages(conda, pip))).toEqual(ResolvedEnvironment.withPackages(resolved, conda, pip))
        expect(pipe(resolved, ResolvedEnvironment.withEnvironmentVariables(variables))).toEqual(ResolvedEnvironment.withEnvironmentVariables(resolved, variables))
        expect(pipe(resolved, ResolvedEnvironment.withPython(ResolvedEnvironment.userManaged))).toEqual(ResolvedEnvironment.withPython(resolved, ResolvedEnvironment.userManaged))
        expect(resolved).toEqual(before)
      }
    ))
  })

  it("the guard accepts resolved environments and rejects other values", () => {
    fc.assert(fc.property(Arb.resolvedEnvironment, (resolved) => {
      expect(ResolvedEnvironment.isResolvedEnvironment(resolved)).toBe(true)
    }))
    expect(ResolvedEnvironment.isResolvedEnvironment(base)).toBe(false)
    expect(ResolvedEnvironment.isResolvedEnvironment({ _tag: "Image" })).toBe(false)
    expect(ResolvedEnvironment.isResolvedEnvironment("Image")).toBe(false)
  })
})
