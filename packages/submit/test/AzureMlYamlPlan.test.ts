import { Estimator, Framework } from "@estimator/core"
import { BaseImages, Conda } from "@estimator/env"
import { Chainer, FrameworkEnvironment, PyTorch } from "@estimator/frameworks"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as FpEither from "fp-ts/lib/Either.js"
import { pipe } from "fp-ts/lib/function.js"
import * as Yaml from "yaml"
import * as AzureMl from "../src/AzureMl.js"
import * as AzureMlYaml from "../src/AzureMlYaml.js"
import type * as Plan from "../src/Plan.js"
import { base, context, CONDA_YML, expectPlan, project, REQUIREMENTS_TXT } from "./utils/planning.js"

// The YAML export must describe the environment the azureml plan registers for the same spec:
// these tests plan each spec with AzureMl.plan and compare the two directly.

const exportOk = (spec: Estimator.Estimator, options?: AzureMlYaml.ToYamlOptions): string => {
  const result = AzureMlYaml.toYaml(spec, options)
  if (FpEither.isLeft(result)) throw new Error(`expected an export, got ${JSON.stringify(result.left, null, 2)}`)
  return result.right
}

const exportErrors = (spec: Estimator.Estimator, options?: AzureMlYaml.ToYamlOptions): ReadonlyArray<AzureMlYaml.ImportIssue> => {
  const result = AzureMlYaml.toYaml(spec, options)
  if (FpEither.isRight(result)) throw new Error(`expected export errors, got\n${result.right}`)
  return result.left
}

const importOk = (text: string, options?: AzureMlYaml.FromYamlOptions): AzureMlYaml.Imported => {
  const result = AzureMlYaml.fromYaml(text, options)
  if (FpEither.isLeft(result)) throw new Error(`expected an import, got ${JSON.stringify(result.left, null, 2)}`)
  return result.right
}

interface Document {
  readonly environment: { readonly image: string; readonly conda_file?: unknown } | string
  readonly environment_variables?: { readonly [name: string]: string }
  readonly tags?: { readonly [name: string]: string }
}

/** The exported YAML as data, read by an independent YAML reader with PyYAML's dialect. */
const documentOf = (text: string): Document => Yaml.parse(text, { version: "1.1" }) as Document

const inlineEnvironment = (document: Document): { readonly image: string; readonly conda_file?: unknown } => {
  if (typeof document.environment === "string") throw new Error(`expected an inline environment, got ${document.environment}`)
  return document.environment
}

const planOf = (spec: Estimator.Estimator, files?: Record<string, string>) =>
  expectPlan(AzureMl.plan(spec, context())).pipe(Effect.provide(project(files === undefined ? {} : { files })))

/** The anonymous environment the plan registers: its image and its conda file read as data. */
const registeredEnvironment = (plan: Plan.AzureMlPlan): { readonly image: unknown; readonly conda: unknown } => {
  const request = plan.requests.find((r) => r.path.includes("/environments/"))
  if (request === undefined) throw new Error("the plan registers no environment")
  const properties = (request.body as { properties: { image: unknown; condaFile?: string } }).properties
  return { image: properties.image, conda: properties.condaFile === undefined ? undefined : Yaml.parse(properties.condaFile) }
}

const jobVariables = (plan: Plan.AzureMlPlan): { readonly [name: string]: string } => {
  const job = plan.requests.at(-1)
  return (job?.body as { properties: { environmentVariables: { [name: string]: string } } }).properties.environmentVariables
}

/** The plan's job variables without the contract variables (ESTIMATOR_*), which the YAML does not carry. */
const withoutContract = (variables: { readonly [name: string]: string }) =>
  Object.fromEntries(Object.entries(variables).filter(([name]) => !name.startsWith("ESTIMATOR_")))

const onCluster = (spec: Estimator.Estimator) => Estimator.withCompute(spec, Estimator.cluster("gpu-cluster"))

/** v1's `Chainer(..., use_gpu=True, node_count=2, distributed_training=Mpi(process_count_per_node=2), framework_version='7.0.0')` (apps/examples chainerMnist). */
const chainerMnist = (): Estimator.Estimator =>
  pipe(
    base(),
    onCluster,
    Estimator.withGpu,
    Estimator.withMpi(2, 2),
    Estimator.withScriptParams({ "--epochs": 10, "--batchsize": 128 }),
    Chainer.chainer("7.0.0"),
    Estimator.withExperimentName("chainer-mnist")
  )

describe("toYaml writes the environment the azureml plan registers", () => {
  it.effect("a Chainer 7.0.0 GPU job with MPI on a cluster: the framework's image, packages and Python, and back", () =>
    Effect.gen(function*() {
      const spec = chainerMnist()
      const text = exportOk(spec)
      const environment = inlineEnvironment(documentOf(text))
      const registered = registeredEnvironment(yield* planOf(spec))
      expect(environment.image).toBe(registered.image)
      expect(environment.conda_file).toEqual(registered.conda)

      // what that environment is, independently of both: Chainer's GPU image, its pins and Python 3.6.2
      const chainer = Chainer.environment("7.0.0", true)
      expect(environment.image).toBe(chainer.baseImage)
      const conda = environment.conda_file as { name: string; channels: ReadonlyArray<string>; dependencies: ReadonlyArray<unknown> }
      expect(conda.name).toBe(Conda.DEFAULT_NAME)
      expect(conda.channels).toEqual(Conda.DEFAULT_CHANNELS)
      expect(conda.dependencies).toContain("python=3.6.2")
      expect(conda.dependencies.at(-1)).toEqual({ pip: expect.arrayContaining(["chainer==7.0.0", "cupy-cuda90==7.0.0", "mpi4py==3.0.0"]) })

      const back = importOk(text)
      expect(back.spec).toEqual(spec)
      expect(back.warnings).toEqual([])
      expect(exportOk(back.spec)).toBe(text)
    }))

  it.effect("the default CPU and GPU images, with and without packages, read back as no image", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [Estimator.Estimator, string]> = [
        [onCluster(base()), BaseImages.DEFAULT_CPU_IMAGE],
        [pipe(base(), onCluster, Estimator.withGpu), BaseImages.DEFAULT_GPU_IMAGE],
        [pipe(base(), onCluster, Estimator.withPip(["numpy"]), Estimator.withConda(["python=3.10", "scipy"])), BaseImages.DEFAULT_CPU_IMAGE],
        [pipe(base(), onCluster, Estimator.withGpu, Estimator.withUserManagedPython), BaseImages.DEFAULT_GPU_IMAGE]
      ]
      for (const [spec, image] of cases) {
        const text = exportOk(spec)
        const environment = inlineEnvironment(documentOf(text))
        expect(environment.image).toBe(image)
        if (spec.environment.userManagedPython) {
          expect(environment.conda_file).toBeUndefined()
        } else {
          const registered = registeredEnvironment(yield* planOf(spec))
          expect(environment.image).toBe(registered.image)
          expect(environment.conda_file).toEqual(registered.conda)
        }
        const back = importOk(text).spec
        expect(back.environment.image).toBeUndefined()
        expect(back).toEqual(spec)
        expect(exportOk(back)).toBe(text)
      }
    }))

  it.effect("an explicit image with managed Python gets v1's conda specification, as the plan registers it", () =>
    Effect.gen(function*() {
      const spec = pipe(base(), onCluster, Estimator.withImage("python:3.11"), Estimator.withPip(["torch"]))
      const environment = inlineEnvironment(documentOf(exportOk(spec)))
      expect(environment).toEqual({
        image: "python:3.11",
        conda_file: { name: "project_environment", channels: ["conda-forge"], dependencies: ["python=3.8", "pip", { pip: ["azureml-defaults", "torch"] }] }
      })
      const registered = registeredEnvironment(yield* planOf(spec))
      expect(environment.conda_file).toEqual(registered.conda)
      expect(importOk(exportOk(spec)).spec).toEqual(spec)
    }))

  it.effect("PyTorch's variables appear once in environment_variables, as in the plan's job, and are not read back as the user's", () =>
    Effect.gen(function*() {
      const spec = pipe(base(), onCluster, PyTorch.pytorch("1.6"), Estimator.withPyTorchDistribution({ nodeCount: 2, processCountPerNode: 4 }), Estimator.withEnv({ OMP_NUM_THREADS: "4" }))
      const text = exportOk(spec)
      const document = documentOf(text)
      expect(document.environment_variables).toEqual({ NCCL_TREE_THRESHOLD: "0", OMP_NUM_THREADS: "4" })
      expect(text.match(/NCCL_TREE_THRESHOLD/g)).toHaveLength(1)
      const plan = yield* planOf(spec)
      expect(document.environment_variables).toEqual(withoutContract(jobVariables(plan)))
      const registered = registeredEnvironment(plan)
      expect(inlineEnvironment(document).image).toBe(registered.image)
      expect(inlineEnvironment(document).conda_file).toEqual(registered.conda)

      const back = importOk(text).spec
      expect(back.environmentVariables).toEqual({ OMP_NUM_THREADS: "4" })
      expect(back).toEqual(spec)
      expect(exportOk(back)).toBe(text)
    }))

  it.effect("a variable the user sets over the framework's wins, is written once and reads back as the user's", () =>
    Effect.gen(function*() {
      const spec = pipe(base(), onCluster, PyTorch.pytorch("1.6"), Estimator.withEnv({ NCCL_TREE_THRESHOLD: "4" }))
      const text = exportOk(spec)
      expect(documentOf(text).environment_variables).toEqual({ NCCL_TREE_THRESHOLD: "4" })
      expect(text.match(/NCCL_TREE_THRESHOLD/g)).toHaveLength(1)
      expect(withoutContract(jobVariables(yield* planOf(spec)))).toEqual({ NCCL_TREE_THRESHOLD: "4" })
      expect(importOk(text).spec).toEqual(spec)
    }))

  it.effect("user packages that override the framework's, and a Python the user pins, survive the round trip", () =>
    Effect.gen(function*() {
      const spec = pipe(base(), onCluster, Estimator.withGpu, PyTorch.pytorch("1.6"), Estimator.withConda(["python=3.8"]), Estimator.withPip(["torch==1.7.1", "numpy"]))
      const text = exportOk(spec)
      const environment = inlineEnvironment(documentOf(text))
      const registered = registeredEnvironment(yield* planOf(spec))
      expect(environment.conda_file).toEqual(registered.conda)
      const pip = (environment.conda_file as { dependencies: ReadonlyArray<unknown> }).dependencies.at(-1) as { pip: ReadonlyArray<string> }
      expect(pip.pip).toContain("torch==1.7.1")
      expect(pip.pip).not.toContain("torch==1.6.0")
      expect(pip.pip).toContain("torchvision==0.5.0")
      expect((environment.conda_file as { dependencies: ReadonlyArray<unknown> }).dependencies[0]).toBe("python=3.8")
      expect(importOk(text).spec).toEqual(spec)
    }))

  it.effect("a conda file with a framework: the framework's image and the file, referred to by path", () =>
    Effect.gen(function*() {
      const spec = pipe(base(), onCluster, Estimator.withCondaFile("environment.yml"), PyTorch.pytorch("1.6"))
      const text = exportOk(spec)
      const environment = inlineEnvironment(documentOf(text))
      expect(environment).toEqual({ image: FrameworkEnvironment.frameworkEnvironment(Framework.make("PyTorch", "1.6"), false)?.baseImage, conda_file: "src/environment.yml" })
      expect(environment.image).toBe(registeredEnvironment(yield* planOf(spec)).image)
      expect(importOk(text).spec).toEqual(spec)
      // given, the file's text is checked as the plan checks it
      expect(exportOk(spec, { files: { "environment.yml": CONDA_YML } })).toBe(text)
      expect(exportErrors(spec, { files: { "environment.yml": "dependencies: [numpy\n" } }).map((issue) => issue.path)).toEqual(["environment.condaFile"])
      expect(exportErrors(spec, { files: {} }).map((issue) => [issue.code, issue.path])).toEqual([["file-not-found", "environment.condaFile"]])
    }))

  it.effect("a requirements file's lines go into the conda specification, as the plan merges them", () =>
    Effect.gen(function*() {
      const spec = pipe(base(), onCluster, Estimator.withPipRequirements("requirements.txt"), Estimator.withPip(["numpy"]))
      const text = exportOk(spec, { files: { "requirements.txt": REQUIREMENTS_TXT } })
      const environment = inlineEnvironment(documentOf(text))
      expect(environment.conda_file).toEqual(registeredEnvironment(yield* planOf(spec)).conda)
      expect((environment.conda_file as { dependencies: ReadonlyArray<unknown> }).dependencies.at(-1)).toEqual({ pip: ["azureml-defaults", "requests==2.31.0", "numpy"] })
      // the YAML has the packages, not the file: they read back as pip packages, and the job is the same
      const back = importOk(text).spec
      expect(back.environment.pipRequirementsFile).toBeUndefined()
      expect(back.environment.pipPackages).toEqual(["requests==2.31.0", "numpy"])
      expect(exportOk(back)).toBe(text)
      expect(exportErrors(spec).map((issue) => [issue.code, issue.path])).toEqual([["file-not-found", "environment.pipRequirementsFile"]])
    }))

  it.effect("a registered environment with a framework: the reference as it is, and the framework's variables", () =>
    Effect.gen(function*() {
      const spec = pipe(base(), onCluster, Estimator.withEnvironmentRef({ name: "torch-env", version: "3" }), PyTorch.pytorch("1.6"))
      const text = exportOk(spec)
      const document = documentOf(text)
      expect(document.environment).toBe("azureml:torch-env:3")
      expect(document.environment_variables).toEqual(withoutContract(jobVariables(yield* planOf(spec))))
      expect(document.environment_variables).toEqual({ NCCL_TREE_THRESHOLD: "0" })
      expect(importOk(text).spec).toEqual(spec)
    }))
})

describe("fromYaml recognises what the spec adds", () => {
  it("an image the spec names that happens to be the default one reads back as no image (the same job)", () => {
    const spec = pipe(base(), onCluster, Estimator.withImage(BaseImages.DEFAULT_CPU_IMAGE), Estimator.withPip(["numpy"]))
    const back = importOk(exportOk(spec)).spec
    expect(back.environment.image).toBeUndefined()
    expect(exportOk(back)).toBe(exportOk(spec))
  })

  it("the CPU default image with the GPU tag is the user's image, not the default", () => {
    const gpuWithCpuImage = pipe(base(), onCluster, Estimator.withGpu, Estimator.withImage(BaseImages.DEFAULT_CPU_IMAGE), Estimator.withUserManagedPython)
    expect(importOk(exportOk(gpuWithCpuImage)).spec).toEqual(gpuWithCpuImage)
  })

  it("without the framework tag, the framework's packages are the user's", () => {
    const spec = pipe(base(), onCluster, PyTorch.pytorch("1.6"))
    const text = exportOk(spec).replace(/\n {2}estimator\.framework: .*\n/, "\n")
    const imported = importOk(text)
    const back = imported.spec
    expect(back.framework).toBeUndefined()
    expect(back.environment.pipPackages).toEqual(PyTorch.environment("1.6", false).pipPackages)
    expect(back.environment.image).toEqual({ name: PyTorch.environment("1.6", false).baseImage })
    expect(back.environmentVariables).toEqual({ NCCL_TREE_THRESHOLD: "0" })
    // the spec would add azureml-defaults to that pip list, and the import says so
    expect(imported.warnings.map((warning) => [warning.code, warning.path])).toEqual([["conda-specification-differs", "environment.conda_file"]])
    expect(imported.warnings[0]?.message).toContain("azureml-defaults")
  })
})
