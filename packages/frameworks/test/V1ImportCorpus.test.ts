import { Data, Estimator, Validation } from "@estimator/core"
import * as E from "fp-ts/lib/Either.js"
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { effectivePackages } from "../src/FrameworkEnvironment.js"
import * as V1Import from "../src/V1Import.js"

// The repository is /work/main; the shared test data lives in its sibling ../shared.
const CORPUS = fileURLToPath(new URL("../../../../shared/testdata/v1-estimator-calls.json", import.meta.url))

const corpusText = (): string => {
  if (!existsSync(CORPUS)) {
    throw new Error(`The v1 call corpus is missing: expected it at ${CORPUS} (../shared/testdata/v1-estimator-calls.json next to the repository).`)
  }
  return readFileSync(CORPUS, "utf8")
}

const MCR = "mcr.microsoft.com/azureml/"
const TAG = ":20200821.v1"

const importAll = (): ReadonlyArray<V1Import.Imported> => {
  const imported = V1Import.fromJson(corpusText())
  if (E.isLeft(imported)) throw new Error(`the corpus does not parse: ${JSON.stringify(imported.left)}`)
  expect(imported.right.batch).toBe(true)
  return imported.right.results.map((result, i) => {
    if (E.isLeft(result)) throw new Error(`call ${i} failed: ${result.left.errors.map(Validation.format).join("\n")}`)
    return result.right
  })
}

const nth = (i: number): V1Import.Imported => {
  const imported = importAll()[i]
  if (imported === undefined) throw new Error(`the corpus has no call ${i}`)
  return imported
}

const codesAt = (imported: V1Import.Imported): ReadonlyArray<string> => imported.warnings.map((w) => `${w.path} ${w.code}`)

/** The one input reference in `spec.arguments` right after `flag`. */
const referenceAfter = (spec: Estimator.Estimator, flag: string): Data.InputReference => {
  const i = spec.arguments.indexOf(flag)
  const next = spec.arguments[i + 1]
  if (i < 0 || !Data.isInputReference(next)) throw new Error(`no input reference after ${flag} in ${JSON.stringify(spec.arguments)}`)
  return next
}

describe("the v1 call corpus (Azure/MachineLearningNotebooks)", () => {
  it("has the ten calls, and each one imports without an error", () => {
    const all = importAll()
    expect(all).toHaveLength(10)
    for (const { spec, warnings } of all) {
      expect(Validation.hasErrors(warnings)).toBe(false)
      expect(Validation.errors(Validation.validate(spec))).toEqual([])
      // Every imported spec is a well-formed spec that survives JSON.
      expect(Estimator.decode(JSON.parse(JSON.stringify(spec)))).toEqual(E.right(spec))
    }
  })

  it("imports the same specs from JSON.parse as from the exact text, except where Python wrote a float", () => {
    const parsed = V1Import.fromV1Calls(JSON.parse(corpusText()))
    if (E.isLeft(parsed)) throw new Error("not a list")
    const exact = importAll()
    parsed.right.forEach((result, i) => {
      if (E.isLeft(result)) throw new Error(`call ${i} failed`)
      if (i === 9) {
        // "--penalty": 1.0 is the float 1.0 to Python (argv "1.0"); JSON.parse only sees 1.
        expect(result.right.spec.arguments).toEqual(["--kernel", "linear", "--penalty", 1])
        expect(exact[9]?.spec.arguments).toEqual(["--kernel", "linear", "--penalty", "1.0"])
      } else {
        expect(result.right.spec).toEqual(exact[i]?.spec)
      }
    })
  })

  it("0: Estimator on local without Docker, with an empty-string flag", () => {
    const { spec, warnings } = nth(0)
    expect(spec.compute).toEqual(Estimator.local)
    expect(spec.nodeCount).toBe(1)
    expect(spec.distribution).toEqual({ _tag: "None" })
    expect(spec.environment.docker).toBe(false)
    expect(spec.entryScript).toBe("dummy_train.py")
    expect(spec.sourceDirectory).toBe(".")
    // {"--my_bool_var": ""} is a bare flag (list_remove_empty_items drops "").
    expect(spec.arguments).toEqual(["--numbers-in-sequence", 10, "--my_bool_var"])
    expect(spec.inputs).toEqual({})
    expect(spec.framework).toBeUndefined()
    expect(codesAt({ spec, warnings })).toEqual(["class v1-estimator-deprecated", "args.use_docker v1-deprecated-parameter"].map((s) => `[0].${s}`))
  })

  it("1: Estimator with a custom image and a user-managed Python", () => {
    const { spec } = nth(1)
    expect(spec.environment).toEqual({ ...Estimator.defaultEnvironment, userManagedPython: true, image: { name: "continuumio/miniconda3" } })
    expect(spec.arguments).toEqual(["--numbers-in-sequence", 10])
    expect(spec.compute).toEqual(Estimator.local)
  })

  it("2: distributed CNTK: MPI over two nodes, a custom GPU image, a DataReference in the arguments", () => {
    const { spec, warnings } = nth(2)
    expect(spec.compute).toEqual(Estimator.cluster("gpu-cluster"))
    expect(spec.nodeCount).toBe(2)
    // distributed_backend='mpi' → communicator IntelMpi, mpi.process_count_per_node = process_count_per_node (1).
    expect(spec.distribution).toEqual({ _tag: "Mpi" })
    expect(spec.processCountPerNode).toBe(1)
    expect(spec.gpu).toBe(true)
    expect(spec.environment.image).toEqual({ name: "microsoft/mmlspark:gpu-0.12" })
    expect(spec.environment.pipPackages).toEqual(["cntk-gpu==2.6"])
    const data = referenceAfter(spec, "--data_dir")
    // The reference sits where v1's "$AZUREML_DATAREFERENCE_<name>" was, in insertion order.
    expect(spec.arguments).toEqual(["--num_epochs", 20, "--data_dir", data, "--output_dir", "./outputs"])
    // v1 named it with a random uuid; the import's documented stable name is datastore_path.
    expect(data.name).toBe("workspaceblobstore_mnist")
    expect(spec.inputs).toEqual({ [data.name]: Data.fromDatastore("workspaceblobstore", "mnist", { mode: "ro_mount" }) })
    expect(warnings.map((w) => w.code)).toContain("v1-deprecated-parameter")
    expect(warnings.find((w) => w.path === "[2].args.distributed_backend")?.message).toBe("'distributed_backend' parameter will be deprecated. Please use 'distributed_training' instead.")
  })

  it("3: a registered environment and a mounted dataset in the arguments", () => {
    const { spec } = nth(3)
    expect(spec.environment.registered).toEqual({ name: "env", version: "1" })
    expect(spec.gpu).toBe(false)
    expect(spec.arguments).toEqual(["--data-folder", Data.input("mnist_opendataset"), "--regularization", 0.5])
    expect(spec.inputs).toEqual({ mnist_opendataset: Data.fromAsset("mnist_opendataset", { mode: "ro_mount" }) })
  })

  it("4: PyTorch without a version: 1.4 with v1's warning, its GPU image and NCCL_TREE_THRESHOLD=0", () => {
    const { spec, warnings } = nth(4)
    expect(spec.framework).toEqual({ name: "PyTorch", version: "1.4", versionDefaulted: true })
    expect(warnings.find((w) => w.code === "v1-framework-version-defaulted")).toMatchObject({
      path: "[4].args.framework_version",
      severity: "warning",
      message: "framework_version is not specified, defaulting to version 1.4."
    })
    expect(spec.arguments).toEqual(["--num_epochs", 30, "--output_dir", "./outputs"])
    expect(spec.nodeCount).toBe(1)
    expect(spec.distribution).toEqual({ _tag: "None" })
    const packages = effectivePackages(spec)
    // AzureML-PyTorch-1.4-GPU (September 2020): CUDA 10.1 OpenMPI image, torch 1.4.0.
    expect(packages.baseImage).toBe(`${MCR}openmpi3.1.2-cuda10.1-cudnn7-ubuntu18.04${TAG}`)
    expect(packages.pipPackages).toContain("torch==1.4.0")
    expect(packages.pipPackages).toContain("pillow==5.4.1")
    expect(packages.environmentVariables).toEqual({ NCCL_TREE_THRESHOLD: "0" })
  })

  it("5: PyTorch + Horovod: MPI over two nodes, one process each", () => {
    const { spec } = nth(5)
    expect(spec.nodeCount).toBe(2)
    expect(spec.distribution).toEqual({ _tag: "Mpi" })
    expect(spec.processCountPerNode).toBe(1)
    expect(spec.arguments).toEqual([])
    expect(spec.gpu).toBe(true)
    expect(effectivePackages(spec).environmentVariables).toEqual({ NCCL_TREE_THRESHOLD: "0" })
    expect(effectivePackages(spec).baseImage).toBe(`${MCR}openmpi3.1.2-cuda10.1-cudnn7-ubuntu18.04${TAG}`)
  })

  it("6: Chainer without a version: 5.1.0, its GPU packages and the user's", () => {
    const { spec, warnings } = nth(6)
    expect(spec.framework).toEqual({ name: "Chainer", version: "5.1.0", versionDefaulted: true })
    expect(warnings.map((w) => w.code)).toContain("v1-framework-version-defaulted")
    expect(spec.arguments).toEqual(["--epochs", 10, "--batchsize", 128, "--output_dir", "./outputs"])
    const packages = effectivePackages(spec)
    // The Chainer 5.1.0 curated environment pins chainer and, on GPU, cupy-cuda90 (CUDA 9.0).
    expect(packages.pipPackages).toEqual(expect.arrayContaining(["chainer==5.1.0", "cupy-cuda90==5.1.0", "numpy", "pytest"]))
    expect(packages.baseImage).toMatch(/-cuda9\.0-/)
    expect(packages.environmentVariables).toEqual({})
  })

  it("7: TensorFlow with ParameterServer(2, 1): parameter-server training on two nodes", () => {
    const { spec, warnings } = nth(7)
    expect(spec.framework).toEqual({ name: "TensorFlow", version: "1.13", versionDefaulted: true })
    expect(spec.distribution).toEqual({ _tag: "TensorFlow", workerCount: 2, parameterServerCount: 1 })
    expect(spec.nodeCount).toBe(2)
    expect(spec.arguments).toEqual(["--num_gpus", 1, "--train_steps", 500])
    const packages = effectivePackages(spec)
    // AzureML-TensorFlow-1.13-GPU: Intel MPI CUDA 10.0 image, tensorflow-gpu 1.13.1, horovod 0.16.1.
    expect(packages.baseImage).toBe(`${MCR}intelmpi2018.3-cuda10.0-cudnn7-ubuntu16.04${TAG}`)
    expect(packages.pipPackages).toEqual(expect.arrayContaining(["tensorflow-gpu==1.13.1", "horovod==0.16.1"]))
    expect(warnings.find((w) => w.code === "v1-distributed-type-deprecated")).toMatchObject({
      path: "[7].args.distributed_training.type",
      message: "'ParameterServer' is deprecated. Use the :class:`azureml.core.runconfig.TensorflowConfiguration` class."
    })
  })

  it("8: TensorFlow resuming from a checkpoint: MODEL_LOCATION and --resume-from at the end", () => {
    const { spec } = nth(8)
    expect(spec.arguments).toEqual(["--data-folder", Data.input("mnist")])
    expect(spec.resumeFrom).toEqual(Data.datastorePath("workspaceblobstore", "model_location"))
    expect(Estimator.effectiveArguments(spec)).toEqual(["--data-folder", Data.input("mnist"), "--resume-from", Data.input("MODEL_LOCATION")])
    expect(Estimator.effectiveInputs(spec)).toEqual({
      mnist: Data.fromAsset("mnist", { mode: "ro_mount" }),
      MODEL_LOCATION: Data.fromDatastore("workspaceblobstore", "model_location", { mode: "ro_mount" })
    })
    expect(effectivePackages(spec).pipPackages).toContain("azureml-dataset-runtime[pandas,fuse]")
  })

  it("9: SKLearn on a CPU cluster: argv keeps Python's 1.0, and v1's package-override warning", () => {
    const { spec, warnings } = nth(9)
    expect(spec.compute).toEqual(Estimator.cluster("cpu-cluster"))
    expect(spec.arguments).toEqual(["--kernel", "linear", "--penalty", "1.0"])
    expect(spec.framework).toEqual({ name: "SKLearn", version: "0.20.3", versionDefaulted: true })
    // SKLearn has one version, so v1 did not warn about the default.
    expect(warnings.map((w) => w.code)).not.toContain("v1-framework-version-defaulted")
    expect(spec.gpu).toBe(false)
    const packages = effectivePackages(spec)
    expect(packages.pipPackages).toEqual(expect.arrayContaining(["scikit-learn==0.20.3", "joblib==0.13.2"]))
    expect(warnings.find((w) => w.code === "framework-packages-overridden")).toMatchObject({
      path: "[9].args.pip_packages",
      message: "You have specified to install packages in your run. Note that you have overridden Azure ML's installation of the following packages: ['joblib']. We cannot guarantee image build will succeed."
    })
  })

  it("the Estimator calls get the default image for their processor (no image in the spec) unless they name one", () => {
    const all = importAll()
    expect(all[0]?.spec.environment.image).toBeUndefined()
    expect(all[0]?.spec.gpu).toBe(false)
    expect(all[3]?.spec.environment.image).toBeUndefined()
    expect(all[2]?.spec.environment.image?.name).toBe("microsoft/mmlspark:gpu-0.12")
  })

  it("every call gets v1's deprecation warning for its class, on its \"class\"", () => {
    importAll().forEach((imported, i) => {
      expect(imported.warnings.filter((w) => w.code === "v1-estimator-deprecated").map((w) => w.path)).toEqual([`[${i}].class`])
    })
  })
})
