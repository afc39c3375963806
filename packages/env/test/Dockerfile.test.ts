import { Estimator } from "@estimator/core"
import * as fc from "fast-check"
import * as E from "fp-ts/lib/Either.js"
import { pipe } from "fp-ts/lib/function.js"
import { describe, expect, it } from "vitest"
import * as Conda from "../src/Conda.js"
import * as Dockerfile from "../src/Dockerfile.js"
import * as Requirements from "../src/Requirements.js"
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

/** The Dockerfile's instructions, comments and blank lines left out. */
const instructions = (dockerfile: string): ReadonlyArray<string> =>
  dockerfile.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"))

const LOCAL_BASE = "estimator-test/python-mpi:bookworm"
const base = Estimator.make({ entryScript: "train.py" })
const resolve = (spec: Estimator.Estimator, files: Conda.SourceFiles = {}) =>
  right(ResolvedEnvironment.fromEstimator(spec, files, { azuremlDefaults: false }))

describe("Dockerfile.render for pip packages on a base image without conda", () => {
  const resolved = resolve(pipe(base, Estimator.withPip(["example-hello==0.1.0", "numpy"])))

  it("builds FROM the override and pip-installs requirements.txt from the index", () => {
    const rendered = right(Dockerfile.render(resolved, { baseImageOverride: LOCAL_BASE, pipIndexUrl: "http://172.17.0.1:8766/simple" }))
    const [from, copy, run, ...rest] = instructions(rendered.dockerfile)
    expect(from).toBe(`FROM ${LOCAL_BASE}`)
    expect(copy).toBe(`COPY ${Dockerfile.REQUIREMENTS_FILE} ${Dockerfile.STAGING_DIRECTORY}/${Dockerfile.REQUIREMENTS_FILE}`)
    expect(run).toMatch(/^RUN .*python3 -m pip install /)
    expect(run).toContain("--index-url http://172.17.0.1:8766/simple --trusted-host 172.17.0.1")
    expect(run).toContain(`--requirement ${Dockerfile.STAGING_DIRECTORY}/${Dockerfile.REQUIREMENTS_FILE}`)
    expect(rest).toEqual([])
    expect(Object.keys(rendered.files)).toEqual([Dockerfile.REQUIREMENTS_FILE])
    expect(Requirements.parse(rendered.files[Dockerfile.REQUIREMENTS_FILE]!)).toEqual(E.right([
      Requirements.requirement("example-hello==0.1.0"),
      Requirements.requirement("numpy")
    ]))
    expect(rendered.warnings).toEqual([])
  })

  it("trusts only plain-http index hosts", () => {
    const https = right(Dockerfile.render(resolved, { baseImageOverride: LOCAL_BASE, pipIndexUrl: "https://pypi.example.org/simple" }))
    expect(https.dockerfile).toContain("--index-url https://pypi.example.org/simple")
    expect(https.dockerfile).not.toContain("--trusted-host")
    const none = right(Dockerfile.render(resolved, { baseImageOverride: LOCAL_BASE }))
    expect(none.dockerfile).not.toContain("--index-url")
  })

  it("quotes an index URL that the shell would split", () => {
    const rendered = right(Dockerfile.render(resolved, { baseImageOverride: LOCAL_BASE, pipIndexUrl: "http://h/simple?a=1&b=2" }))
    expect(rendered.dockerfile).toContain("--index-url 'http://h/simple?a=1&b=2'")
  })

  it("conda packages cannot be installed without conda: an issue lists them", () => {
    const spec = pipe(base, Estimator.withConda(["mpi4py", "cudatoolkit=11.3", "pip"]), Estimator.withPip(["numpy"]))
    const [issue, ...others] = left(Dockerfile.render(resolve(spec), { baseImageOverride: LOCAL_BASE }))
    expect(others).toEqual([])
    expect(issue?.code).toBe("conda-packages-need-conda")
    expect(issue?.message).toContain("conda packages need a base image with conda")
    expect(issue?.message).toContain("mpi4py, cudatoolkit=11.3")
    expect(issue?.message).not.toContain("pip")
    expect(issue?.hint).toMatch(/move them to pip/i)
  })

  it("a Python version other than the default is a warning, not a failure", () => {
    const spec = pipe(base, Estimator.withConda(["python=3.11"]), Estimator.withPip(["numpy"]))
    const rendered = right(Dockerfile.render(resolve(spec), { baseImageOverride: LOCAL_BASE }))
    expect(rendered.warnings.map((w) => [w.code, w.severity])).toEqual([["python-version-not-enforced", "warning"]])
    expect(right(Dockerfile.render(resolve(pipe(base, Estimator.withPip(["numpy"]))), { baseImageOverride: LOCAL_BASE })).warnings).toEqual([])
  })

  it("the default environment without packages is just FROM", () => {
    const rendered = right(Dockerfile.render(resolve(base), { baseImageOverride: LOCAL_BASE }))
    expect(instructions(rendered.dockerfile)).toEqual([`FROM ${LOCAL_BASE}`])
    expect(rendered.files).toEqual({})
  })

  it("pip lines that name other files are an issue", () => {
    const resolvedWithRef = resolve(pipe(base, Estimator.withPipRequirements("requirements.txt")), { "requirements.txt": "-r base.txt\n-e ./local\n-e git+https://h/r.git#egg=r\n./vendor/pkg\nnumpy\n" })
    const [issue] = left(Dockerfile.render(resolvedWithRef, { baseImageOverride: LOCAL_BASE }))
    expect(issue?.code).toBe("pip-file-reference")
    expect(issue?.message).toContain("-r base.txt")
    expect(issue?.message).toContain("-e ./local")
    expect(issue?.message).toContain("./vendor/pkg")
    expect(issue?.message).not.toContain("git+https")
  })
})

describe("Dockerfile.render with conda", () => {
  const spec = pipe(base, Estimator.withConda(["mpi4py"]), Estimator.withPip(["numpy"]))
  const resolved = resolve(spec)

  it("on v1's default image (which has conda): conda.yml, conda env create, PATH", () => {
    const rendered = right(Dockerfile.render(resolved))
    const lines = instructions(rendered.dockerfile)
    expect(lines[0]).toBe(`FROM ${resolved._tag === "Image" ? resolved.baseImage : ""}`)
    expect(lines[1]).toBe(`COPY ${Dockerfile.CONDA_FILE} ${Dockerfile.STAGING_DIRECTORY}/${Dockerfile.CONDA_FILE}`)
    expect(lines[2]).toMatch(new RegExp(`^RUN conda env create --prefix ${Dockerfile.CONDA_PREFIX} --file ${Dockerfile.STAGING_DIRECTORY}/${Dockerfile.CONDA_FILE}`))
    expect(lines[3]).toBe(`ENV PATH=${Dockerfile.CONDA_PREFIX}/bin:$PATH`)
    expect(Conda.parse(rendered.files[Dockerfile.CONDA_FILE]!)).toEqual(E.right(resolved._tag === "Image" && resolved.python._tag === "Conda" ? resolved.python.specification : undefined))
  })

  it("passes the pip index to conda's pip through the environment", () => {
    const rendered = right(Dockerfile.render(resolved, { pipIndexUrl: "http://10.0.0.5:8765/simple" }))
    expect(instructions(rendered.dockerfile)[2]).toMatch(/^RUN PIP_INDEX_URL=http:\/\/10\.0\.0\.5:8765\/simple PIP_TRUSTED_HOST=10\.0\.0\.5 conda env create/)
  })

  it("condaAvailable overrides what the image name suggests", () => {
    expect(E.isRight(Dockerfile.render(resolved, { baseImageOverride: "my/conda:1", condaAvailable: true }))).toBe(true)
    expect(E.isLeft(Dockerfile.render(resolved, { condaAvailable: false }))).toBe(true)
  })
})

describe("Dockerfile.render for other environments", () => {
  it("user-managed: FROM the image only, qualified with the registry address", () => {
    const resolved = resolve(pipe(base, Estimator.withImage("team/train:1", { address: "myacr.azurecr.io" }), Estimator.withUserManagedPython))
    const rendered = right(Dockerfile.render(resolved))
    expect(instructions(rendered.dockerfile)).toEqual(["FROM myacr.azurecr.io/team/train:1"])
    expect(rendered.files).toEqual({})
  })

  it("pip environments install with the image's pip", () => {
    const resolved = ResolvedEnvironment.image({ baseImage: LOCAL_BASE, python: ResolvedEnvironment.pip(["numpy"]) })
    const rendered = right(Dockerfile.render(resolved))
    expect(instructions(rendered.dockerfile)[2]).toMatch(/python3 -m pip install/)
    expect(rendered.files[Dockerfile.REQUIREMENTS_FILE]).toBe("numpy\n")
  })

  it("a registered environment has no local Dockerfile", () => {
    const resolved = resolve(pipe(base, Estimator.withEnvironmentRef({ name: "AzureML-sklearn-1.5", version: "3" })))
    const [issue] = left(Dockerfile.render(resolved))
    expect(issue?.code).toBe("registered-environment-not-buildable")
    expect(issue?.message).toContain("AzureML-sklearn-1.5")
  })

  it("a build context keeps its own Dockerfile", () => {
    const [issue] = left(Dockerfile.render(resolve(Estimator.withBuildContext(base, "docker"))))
    expect(issue?.code).toBe("build-context-not-rendered")
  })

  it("Docker off has no image", () => {
    const [issue] = left(Dockerfile.render(resolve(Estimator.withoutDocker(base))))
    expect(issue?.code).toBe("docker-off")
  })

  it("an image reference with whitespace cannot inject instructions", () => {
    const resolved = ResolvedEnvironment.image({ baseImage: "a\nRUN rm -rf /", python: ResolvedEnvironment.userManaged })
    expect(left(Dockerfile.render(resolved))[0]?.code).toBe("invalid-image-reference")
    expect(left(Dockerfile.render(ResolvedEnvironment.image({ baseImage: "ok" }), { baseImageOverride: "x y" }))[0]?.path).toBe("baseImageOverride")
  })

  it("the variables of the environment are not baked into the image", () => {
    const resolved = ResolvedEnvironment.withEnvironmentVariables(resolve(pipe(base, Estimator.withPip(["numpy"]))), { NCCL_TREE_THRESHOLD: "0" })
    expect(right(Dockerfile.render(resolved, { baseImageOverride: LOCAL_BASE })).dockerfile).not.toContain("NCCL_TREE_THRESHOLD")
  })

  it("is total and deterministic on image environments with Docker on", () => {
    fc.assert(fc.property(Arb.imageEnvironment, fc.boolean(), (resolved, condaAvailable) => {
      const on = { ...resolved, docker: true }
      const options = { baseImageOverride: LOCAL_BASE, condaAvailable }
      const first = Dockerfile.render(on, options)
      expect(Dockerfile.render(structuredClone(on), options)).toEqual(first)
      if (E.isRight(first)) {
        expect(instructions(first.right.dockerfile)[0]).toBe(`FROM ${LOCAL_BASE}`)
        expect(first.right.dockerfile.endsWith("\n")).toBe(true)
      } else {
        expect(first.left.length).toBeGreaterThan(0)
      }
    }))
  })
})
