import { spawnSync } from "node:child_process"
import { Data, Estimator, Framework, Secret } from "@estimator/core"
import * as fc from "fast-check"
import * as FpEither from "fp-ts/lib/Either.js"
import { pipe } from "fp-ts/lib/function.js"
import { describe, expect, it } from "vitest"
import * as Yaml from "yaml"
import { BaseImages } from "@estimator/env"
import { FrameworkEnvironment } from "@estimator/frameworks"
import * as AzureMlYaml from "../src/AzureMlYaml.js"
import { parseEntryScript } from "../src/internal/azureMlYamlCommand.js"
import * as Path from "../src/internal/azureMlYamlPath.js"

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

const lines = (...rows: ReadonlyArray<string>): string => `${rows.join("\n")}\n`

const importOk = (text: string, options?: AzureMlYaml.FromYamlOptions): AzureMlYaml.Imported => {
  const result = AzureMlYaml.fromYaml(text, options)
  if (FpEither.isLeft(result)) throw new Error(`expected an import, got ${JSON.stringify(result.left, null, 2)}`)
  return result.right
}

const importErrors = (text: string, options?: AzureMlYaml.FromYamlOptions): ReadonlyArray<AzureMlYaml.ImportIssue> => {
  const result = AzureMlYaml.fromYaml(text, options)
  if (FpEither.isRight(result)) throw new Error(`expected import errors, got ${JSON.stringify(result.right.spec, null, 2)}`)
  return result.left
}

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

/** The exported YAML as data, read by an independent YAML reader. */
const exportedData = (spec: Estimator.Estimator, options?: AzureMlYaml.ToYamlOptions): Record<string, unknown> =>
  Yaml.parse(exportOk(spec, options), { version: "1.1" }) as Record<string, unknown>

/** A command job with sensible defaults; `fields` replaces or adds top-level keys (YAML text after `key:`). */
const job = (fields: Record<string, string | undefined> = {}): string => {
  const all: Record<string, string | undefined> = {
    $schema: " https://azuremlschemas.azureedge.net/latest/commandJob.schema.json",
    command: " echo hello",
    code: " src",
    environment: "\n  image: python:3.11",
    compute: " azureml:cpu-cluster",
    ...fields
  }
  return Object.entries(all)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key}:${value}`)
    .join("\n") + "\n"
}

/** The spec `job()` describes, built with core's constructors. */
const baseSpec = (command = "echo hello"): Estimator.Estimator =>
  pipe(
    Estimator.make({ command, sourceDirectory: "src" }),
    Estimator.withCompute(Estimator.cluster("cpu-cluster")),
    Estimator.withImage("python:3.11"),
    Estimator.withUserManagedPython
  )

const codes = (issues: ReadonlyArray<AzureMlYaml.ImportIssue>): ReadonlyArray<string> => issues.map((issue) => issue.code)

// -------------------------------------------------------------------------------------
// import: mapping rules
// -------------------------------------------------------------------------------------

describe("fromYaml: the job", () => {
  it("maps a minimal command job onto the spec built by core's constructors", () => {
    const { spec, warnings } = importOk(job())
    expect(spec).toEqual(baseSpec())
    expect(warnings).toEqual([])
  })

  it("ignores $schema and accepts type: command in any case", () => {
    expect(importOk(job({ $schema: " whatever", type: " Command" })).spec).toEqual(baseSpec())
    expect(importOk(job({ $schema: undefined })).spec).toEqual(baseSpec())
  })

  it("maps name, display_name, experiment_name, description, tags and environment_variables", () => {
    const { spec } = importOk(job({
      name: " run-1",
      display_name: " My run",
      experiment_name: " exp",
      description: " Trains a model.",
      tags: "\n  team: vision\n  'owner.name': ada",
      environment_variables: "\n  MODE: fast\n  RETRIES: '3'"
    }))
    expect(spec).toEqual(pipe(
      baseSpec(),
      Estimator.withName("run-1"),
      Estimator.withDisplayName("My run"),
      Estimator.withExperimentName("exp"),
      Estimator.withDescription("Trains a model."),
      Estimator.withTags({ team: "vision", "owner.name": "ada" }),
      Estimator.withEnv({ MODE: "fast", RETRIES: "3" })
    ))
  })
})

describe("fromYaml: command", () => {
  it("reads python <script> <args> as entryScript + typed arguments", () => {
    const command = "python train.py --lr 0.01 --epochs 10 --flag True --off False --name 'a b' --v \"1.0\" --s '10' --data ${{inputs.data}} --out ${{outputs.model}} --ratio 3e-05"
    const { spec } = importOk(job({ command: ` ${JSON.stringify(command)}` }))
    expect(spec.command).toBeUndefined()
    expect(spec.entryScript).toBe("train.py")
    expect(spec.arguments).toEqual([
      "--lr", 0.01, "--epochs", 10, "--flag", true, "--off", false, "--name", "a b", "--v", "1.0", "--s", "10",
      "--data", Data.input("data"), "--out", Data.outputRef("model"),
      // 3e-05 is not how JavaScript spells the number (3e-5), so it stays the text the script receives
      "--ratio", "3e-05"
    ])
  })

  it("reads a folded multi-line python command (the shape of the Azure ML examples)", () => {
    const text = lines(
      "code: src",
      "command: >-",
      "  python main.py",
      "  --iris-csv ${{inputs.iris_csv}}",
      "environment: azureml:AzureML-lightgbm-3.3@latest",
      "inputs:",
      "  iris_csv:",
      "    type: uri_file",
      "    path: https://azuremlexamples.blob.core.windows.net/datasets/iris.csv"
    )
    const { spec } = importOk(text)
    expect(spec.entryScript).toBe("main.py")
    expect(spec.arguments).toEqual(["--iris-csv", Data.input("iris_csv")])
  })

  it("undoes POSIX quoting: 'it'\\''s' is one argument it's", () => {
    const { spec } = importOk(job({ command: ` "python a.py 'it'\\\\''s' x\\\\ y"` }))
    expect(spec.arguments).toEqual(["it's", "x y"])
  })

  it.each([
    ["pip install -r requirements.txt && python main.py"],
    ["python -m torch.distributed.run train.py"],
    ["python train.py --rank $RANK"],
    ["python hello-iris.py --iris-csv ${{inputs.data_dir}}/iris.csv"],
    ["python a.py\npython b.py"],
    ["python notebook.ipynb"],
    ["python ../outside.py"],
    ["python /abs/train.py"],
    ["python3 train.py"],
    ["python train.py > log.txt"],
    ["python train.py --glob *.csv"],
    ["ls ${{inputs.sampledata}}"],
    ["julia -e \"include(\\\"run.jl\\\")\""]
  ])("keeps %j as a command", (command) => {
    const { spec } = importOk(job({ command: ` ${JSON.stringify(command)}` }))
    expect(spec.command).toBe(command)
    expect(spec.entryScript).toBeUndefined()
    expect(spec.arguments).toEqual([])
  })

  it("keeps a literal block command verbatim, including its final newline", () => {
    const text = job({ command: " |\n  echo start\n  ls ${{inputs.data}}" })
    expect(importOk(text).spec.command).toBe("echo start\nls ${{inputs.data}}\n")
  })

  it("rewrites single-brace {inputs.x} / {outputs.x} to ${{...}} with a warning, as the SDK does", () => {
    const imported = importOk(job({ command: " echo {inputs.x} > {outputs.y}/out.txt" }))
    expect(imported.spec.command).toBe("echo ${{inputs.x}} > ${{outputs.y}}/out.txt")
    expect(codes(imported.warnings)).toEqual(["single-brace-reference"])
    expect(imported.warnings[0]?.path).toBe("command")

    const python = importOk(job({ command: " python a.py --x {inputs.x}" }))
    expect(python.spec.arguments).toEqual(["--x", Data.input("x")])
  })

  it("rejects ${{...}} expressions a command job cannot resolve", () => {
    const issues = importErrors(job({ command: " python a.py --lr ${{search_space.lr}}" }))
    expect(codes(issues)).toEqual(["unsupported-expression"])
    expect(issues[0]?.hint).toContain("sweep")
  })

  it("reads --resume-from ${{inputs.MODEL_LOCATION}} with a datastore folder input back as resumeFrom", () => {
    const text = job({
      command: " python train.py --epochs 2 --resume-from ${{inputs.MODEL_LOCATION}}",
      inputs: "\n  MODEL_LOCATION:\n    type: uri_folder\n    path: azureml://datastores/ckpt/paths/run-1\n    mode: ro_mount"
    })
    const { spec } = importOk(text)
    expect(spec.resumeFrom).toEqual(Data.datastorePath("ckpt", "run-1"))
    expect(spec.inputs).toEqual({})
    expect(spec.arguments).toEqual(["--epochs", 2])
    expect(Estimator.effectiveArguments(spec)).toEqual(["--epochs", 2, "--resume-from", Data.input("MODEL_LOCATION")])
  })
})

describe("fromYaml: code and paths", () => {
  it("maps code to sourceDirectory, relative to baseDirectory", () => {
    expect(importOk(job({ code: " ./src" })).spec.sourceDirectory).toBe("./src")
    expect(importOk(job({ code: " src" }), { baseDirectory: "jobs/train" }).spec.sourceDirectory).toBe("jobs/train/src")
    expect(importOk(job({ code: " ../shared" }), { baseDirectory: "jobs/train" }).spec.sourceDirectory).toBe("jobs/shared")
    expect(importOk(job({ code: " src" }), { baseDirectory: "/repo/jobs" }).spec.sourceDirectory).toBe("/repo/jobs/src")
  })

  it("uses the YAML's folder when code is missing, and says so", () => {
    const imported = importOk(job({ code: undefined }), { baseDirectory: "jobs/hello" })
    expect(imported.spec.sourceDirectory).toBe("jobs/hello")
    expect(codes(imported.warnings)).toEqual(["code-missing"])
  })

  it("refuses code that is not a local folder", () => {
    expect(codes(importErrors(job({ code: " azureml:my-code:1" })))).toEqual(["unsupported-code"])
    expect(codes(importErrors(job({ code: " git+https://github.com/x/y" })))).toEqual(["unsupported-code"])
  })
})

describe("fromYaml: environment", () => {
  it.each<[string, Estimator.RegisteredEnvironment]>([
    ["azureml:my-env:3", { name: "my-env", version: "3" }],
    ["azureml:AzureML-sklearn-1.5@latest", { name: "AzureML-sklearn-1.5", label: "latest" }],
    ["azureml:AzureML-sklearn-1.5", { name: "AzureML-sklearn-1.5" }],
    ["azureml://registries/azureml/environments/sklearn-1.5/labels/latest", { name: "sklearn-1.5", label: "latest", registry: "azureml" }],
    ["azureml://registries/azureml/environments/sklearn-1.5/versions/12", { name: "sklearn-1.5", version: "12", registry: "azureml" }]
  ])("reads the reference %s as environment.registered", (reference, registered) => {
    const imported = importOk(job({ environment: ` ${reference}` }))
    expect(imported.spec.environment).toEqual(Estimator.withEnvironmentRef(Estimator.make({ command: "x" }), registered).environment)
    expect(imported.warnings).toEqual([])
  })

  it("warns about a version-less reference to a non-curated environment", () => {
    const imported = importOk(job({ environment: " azureml:my-env" }))
    expect(imported.spec.environment.registered).toEqual({ name: "my-env" })
    expect(codes(imported.warnings)).toEqual(["environment-version-missing"])
  })

  it("reads {image} as a user-managed image: Azure ML runs it as is", () => {
    expect(importOk(job()).spec.environment).toEqual({ ...Estimator.defaultEnvironment, image: { name: "python:3.11" }, userManagedPython: true })
  })

  it("writes conda_file relative to the source directory (the spec's condaFile is relative to sourceDirectory)", () => {
    const text = job({ environment: "\n  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04\n  conda_file: environment/conda.yml" })
    const { spec } = importOk(text)
    expect(spec.environment).toEqual({
      ...Estimator.defaultEnvironment,
      image: { name: "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04" },
      condaFile: "../environment/conda.yml"
    })
    // resolving it from the source directory leads back to the file beside the YAML
    expect(Path.join(spec.sourceDirectory, spec.environment.condaFile ?? "")).toBe("environment/conda.yml")
    expect(importOk(text, { baseDirectory: "/repo/jobs" }).spec.environment.condaFile).toBe("../environment/conda.yml")
    expect(importOk(job({ code: " .", environment: "\n  image: x\n  conda_file: conda.yml" })).spec.environment.condaFile).toBe("conda.yml")
  })

  it("says when a conda file cannot be written relative to a source directory outside the YAML's folder", () => {
    const text = job({ code: " ../app", environment: "\n  image: x\n  conda_file: conda.yml" })
    const issues = importErrors(text)
    expect(codes(issues)).toEqual(["path-not-expressible"])
    expect(issues[0]?.hint).toContain("baseDirectory")
    expect(importOk(text, { baseDirectory: "jobs/train" }).spec.environment.condaFile).toBe("../train/conda.yml")
  })

  it("reads an inline conda specification the spec builds as the packages the user gave (what the spec adds is left out)", () => {
    const text = job({ environment: lines(
      "",
      "  image: x",
      "  conda_file:",
      "    name: project_environment",
      "    channels: [conda-forge]",
      "    dependencies:",
      "      - python=3.10",
      "      - pip",
      "      - scipy",
      "      - pip:",
      "        - azureml-defaults",
      "        - torch==2.1",
      "        - numpy"
    ).trimEnd() })
    const imported = importOk(text)
    expect(imported.spec.environment).toEqual({
      ...Estimator.defaultEnvironment,
      image: { name: "x" },
      condaPackages: ["python=3.10", "scipy"],
      pipPackages: ["torch==2.1", "numpy"]
    })
    expect(imported.warnings).toEqual([])
    // with the default Python, nothing is pinned: the spec adds python=3.8 itself
    const defaultPython = importOk(text.replace("python=3.10", "python=3.8")).spec.environment
    expect(defaultPython.condaPackages).toEqual(["scipy"])
  })

  it("reads any other inline conda specification as its packages, and warns how the spec's will differ", () => {
    const text = job({ environment: "\n  image: x\n  conda_file:\n    dependencies:\n      - python=3.10\n      - pip\n      - pip:\n        - torch==2.1\n        - numpy" })
    const imported = importOk(text)
    expect(imported.spec.environment).toEqual({
      ...Estimator.defaultEnvironment,
      image: { name: "x" },
      condaPackages: ["python=3.10"],
      pipPackages: ["torch==2.1", "numpy"]
    })
    expect(imported.warnings.map((warning) => [warning.code, warning.path])).toEqual([["conda-specification-differs", "environment.conda_file"]])
    // the spec names its environment, takes conda-forge and installs azureml-defaults first
    for (const part of ["name: project_environment", "channels: conda-forge", "pip: azureml-defaults, torch==2.1, numpy"]) {
      expect(imported.warnings[0]?.message).toContain(part)
    }
  })

  it("refuses an inline conda specification with keys or channels the spec cannot keep", () => {
    const channels = importErrors(job({ environment: "\n  image: x\n  conda_file:\n    channels: [pytorch, nvidia]\n    dependencies: [pytorch-cuda]" }))
    expect(channels.map((issue) => [issue.code, issue.path])).toEqual([["unsupported-value", "environment.conda_file.channels"]])
    const prefix = importErrors(job({ environment: "\n  image: x\n  conda_file:\n    prefix: /opt/env\n    dependencies: [numpy]" }))
    expect(prefix.map((issue) => [issue.code, issue.path])).toEqual([["unsupported-key", "environment.conda_file.prefix"]])
  })

  it("reads a build context (relative to the same base as sourceDirectory) as a user-managed build", () => {
    const text = job({ environment: "\n  build:\n    path: docker-context\n    dockerfile_path: Dockerfile.gpu" })
    expect(importOk(text).spec.environment).toEqual({ ...Estimator.defaultEnvironment, userManagedPython: true, build: { context: "docker-context", dockerfile: "Dockerfile.gpu" } })
    expect(importOk(text, { baseDirectory: "jobs/r" }).spec.environment.build).toEqual({ context: "jobs/r/docker-context", dockerfile: "Dockerfile.gpu" })
  })

  it("checks referenced files when their contents are given", () => {
    const condaJob = job({ environment: "\n  image: x\n  conda_file: conda.yaml" })
    expect(importOk(condaJob, { files: { "conda.yaml": "dependencies: [numpy]\n" } }).spec.environment.condaFile).toBe("../conda.yaml")
    expect(importOk(condaJob, { files: { "./conda.yaml": "dependencies: [numpy]\n" } }).spec.environment.condaFile).toBe("../conda.yaml")
    const missing = importErrors(condaJob, { files: {} })
    expect(missing.map((issue) => [issue.code, issue.path])).toEqual([["file-not-found", "environment.conda_file"]])
    const malformed = importErrors(condaJob, { files: { "conda.yaml": "dependencies: [numpy\nname: x\n" } })
    expect(codes(malformed)).toEqual(["invalid-conda-file"])
    expect(malformed[0]?.message).toMatch(/line \d+, column \d+/)

    const buildJob = job({ environment: "\n  build:\n    path: docker-context" })
    expect(importOk(buildJob, { files: { "docker-context/Dockerfile": "FROM python:3.11\n" } }).spec.environment.build).toEqual({ context: "docker-context" })
    expect(codes(importErrors(buildJob, { files: { "Dockerfile": "FROM x\n" } }))).toEqual(["file-not-found"])
  })

  it("refuses image + build, conda with build, and a missing environment", () => {
    expect(codes(importErrors(job({ environment: "\n  image: x\n  build:\n    path: ctx" })))).toEqual(["image-and-build"])
    expect(codes(importErrors(job({ environment: "\n  build:\n    path: ctx\n  conda_file: c.yml" })))).toEqual(["conda-with-build"])
    expect(codes(importErrors(job({ environment: undefined })))).toEqual(["environment-missing"])
    expect(codes(importErrors(job({ environment: " /subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/environments/e/versions/1" })))).toEqual(["unsupported-environment"])
  })
})

describe("fromYaml: compute, resources, distribution, limits", () => {
  it("maps azureml:<name> and a bare name to Cluster, local to Local", () => {
    expect(importOk(job({ compute: " azureml:gpu-cluster" })).spec.compute).toEqual(Estimator.cluster("gpu-cluster"))
    expect(importOk(job({ compute: " gpu-v100-1GPU-cluster" })).spec.compute).toEqual(Estimator.cluster("gpu-v100-1GPU-cluster"))
    expect(importOk(job({ compute: " local" })).spec.compute).toEqual(Estimator.local)
  })

  it("maps no compute + resources.instance_type to Serverless, with queue_settings.job_tier as the VM priority", () => {
    expect(importOk(job({ compute: undefined, resources: "\n  instance_type: Standard_NC6" })).spec.compute).toEqual(Estimator.serverless("Standard_NC6"))
    expect(importOk(job({ compute: undefined, resources: "\n  instance_type: Standard_NC6", queue_settings: "\n  job_tier: Spot" })).spec.compute)
      .toEqual(Estimator.serverless("Standard_NC6", "lowpriority"))
    expect(importOk(job({ compute: undefined, resources: "\n  instance_type: Standard_NC6", queue_settings: "\n  job_tier: standard" })).spec.compute)
      .toEqual(Estimator.serverless("Standard_NC6", "dedicated"))
  })

  it("reads no compute and no instance type as serverless compute of the default type, as Azure ML does", () => {
    const imported = importOk(job({ compute: undefined }))
    expect(imported.spec.compute).toEqual({ _tag: "Serverless" })
    expect(codes(imported.warnings)).toEqual([])
    expect(importOk(job({ compute: undefined, queue_settings: "\n  job_tier: spot" })).spec.compute).toEqual({ _tag: "Serverless", vmPriority: "lowpriority" })
  })

  it("writes serverless compute without a VM size as a job without compute, and reads it back", () => {
    const spec = Estimator.withCompute(Estimator.make({ entryScript: "train.py", sourceDirectory: "src" }), Estimator.serverless())
    const yaml = AzureMlYaml.toYaml(spec)
    if (FpEither.isLeft(yaml)) throw new Error(JSON.stringify(yaml.left))
    expect(Yaml.parse(yaml.right)).not.toHaveProperty("compute")
    expect(importOk(yaml.right).spec.compute).toEqual({ _tag: "Serverless" })
  })

  it("warns about placeholder compute names", () => {
    const imported = importOk(job({ compute: " <Enter the name of your compute here>" }))
    expect(imported.spec.compute).toEqual(Estimator.cluster("<Enter the name of your compute here>"))
    expect(codes(imported.warnings)).toEqual(["compute-placeholder"])
  })

  it("refuses instance_type next to a compute, queue settings off serverless, and ARM ids", () => {
    expect(importErrors(job({ resources: "\n  instance_type: Standard_NC6" })).map((issue) => issue.path)).toEqual(["resources.instance_type"])
    expect(codes(importErrors(job({ queue_settings: "\n  job_tier: spot" })))).toEqual(["unsupported-combination"])
    expect(codes(importErrors(job({ compute: undefined, resources: "\n  instance_type: x", queue_settings: "\n  job_tier: premium" })))).toEqual(["unsupported-value"])
    expect(codes(importErrors(job({ compute: " /subscriptions/s/computes/c" })))).toEqual(["unsupported-compute"])
  })

  it("maps resources.instance_count, shm_size and docker_args", () => {
    const { spec } = importOk(job({ resources: "\n  instance_count: 1\n  shm_size: 3100m\n  docker_args: --ipc=host" }))
    expect(spec).toEqual(pipe(baseSpec(), Estimator.withShmSize("3100m"), (s) => ({ ...s, dockerArgs: "--ipc=host" })))
  })

  it("maps distribution mpi, pytorch and tensorflow with Azure ML's defaults", () => {
    const mpi = importOk(job({ distribution: "\n  type: mpi\n  process_count_per_instance: 4", resources: "\n  instance_count: 2" })).spec
    expect(mpi).toEqual(Estimator.withMpi(baseSpec(), 2, 4))

    const pytorch = importOk(job({ distribution: "\n  type: pytorch", resources: "\n  instance_count: 4" })).spec
    expect(pytorch).toEqual(Estimator.withPyTorchDistribution(baseSpec(), { nodeCount: 4, processCountPerNode: 1 }))
    expect(pytorch.distribution).toEqual({ _tag: "PyTorch", backend: "nccl" })

    const tensorflow = importOk(job({ distribution: "\n  type: tensorflow\n  parameter_server_count: 1", resources: "\n  instance_count: 3" })).spec
    expect(tensorflow).toEqual(Estimator.withTensorFlow(baseSpec(), 3, 1))
    const explicit = importOk(job({ distribution: "\n  type: TensorFlow\n  worker_count: 2\n  parameter_server_count: 0" })).spec
    expect(explicit.distribution).toEqual({ _tag: "TensorFlow", workerCount: 2, parameterServerCount: 0 })
    expect(explicit.nodeCount).toBe(1)
  })

  it("maps limits.timeout (seconds) to maxRunDurationSeconds", () => {
    expect(importOk(job({ limits: "\n  timeout: 900" })).spec.maxRunDurationSeconds).toBe(900)
    expect(codes(importErrors(job({ limits: "\n  timeout: PT15M" })))).toEqual(["expected-positive-integer"])
  })
})

describe("fromYaml: inputs and outputs", () => {
  const withInputs = (body: string) => job({ inputs: body })

  it("maps literal inputs", () => {
    const { spec } = importOk(withInputs("\n  epochs: 10\n  lr: 0.1\n  kernel: rbf\n  verbose: true\n  quoted: '10'"))
    expect(spec.inputs).toEqual({
      epochs: Data.literal(10), lr: Data.literal(0.1), kernel: Data.literal("rbf"), verbose: Data.literal(true), quoted: Data.literal("10")
    })
  })

  it("warns when a literal string looks like data (it is passed as text)", () => {
    const imported = importOk(withInputs("\n  iris_csv: https://azuremlexamples.blob.core.windows.net/datasets/iris.csv"))
    expect(imported.spec.inputs["iris_csv"]).toEqual(Data.literal("https://azuremlexamples.blob.core.windows.net/datasets/iris.csv"))
    expect(codes(imported.warnings)).toEqual(["literal-looks-like-data"])
  })

  it.each<[string, Data.DataInput]>([
    ["{type: uri_file, path: 'azureml://datastores/workspaceblobstore/paths/example-data/iris.csv'}", Data.fromDatastore("workspaceblobstore", "example-data/iris.csv", { type: "uri_file" })],
    ["{type: uri_folder, path: 'azureml:cifar:3', mode: download}", Data.fromAsset("cifar", { version: "3", mode: "download" })],
    ["{path: 'azureml:cifar@latest'}", Data.fromAsset("cifar")],
    ["{path: 'azureml:cifar@prod', mode: direct}", Data.fromAsset("cifar", { label: "prod", mode: "direct" })],
    ["{type: uri_file, path: 'https://example.com/iris.csv', mode: eval_download}", Data.fromUri("https://example.com/iris.csv", { type: "uri_file", mode: "eval_download" })],
    ["{path: 'wasbs://datasets@account.blob.core.windows.net/', mode: eval_mount}", Data.fromUri("wasbs://datasets@account.blob.core.windows.net/", { mode: "eval_mount" })],
    ["{type: mlflow_model, path: ../../assets/model}", Data.fromLocal("../../assets/model", { type: "mlflow_model" })],
    ["{type: MLTable, path: data, mode: RO_MOUNT}", Data.fromLocal("data", { type: "mltable" })]
  ])("maps the input %s", (yamlInput, expected) => {
    expect(importOk(withInputs(`\n  x: ${yamlInput}`)).spec.inputs).toEqual({ x: expected })
  })

  it("places local input paths relative to the same base as sourceDirectory", () => {
    expect(importOk(withInputs("\n  x: {path: data}"), { baseDirectory: "jobs/w" }).spec.inputs["x"]).toEqual(Data.fromLocal("jobs/w/data"))
  })

  it("refuses inputs it cannot read", () => {
    expect(codes(importErrors(withInputs("\n  x: {path: 'azureml:cifar'}")))).toEqual(["invalid-data-path"])
    expect(codes(importErrors(withInputs("\n  x: {type: uri_folder}")))).toEqual(["input-path-missing"])
    expect(codes(importErrors(withInputs("\n  x: {type: integer, default: 3}")))).toEqual(["unsupported-value"])
    expect(codes(importErrors(withInputs("\n  x: {path: data, mode: rw_mount}")))).toEqual(["invalid-value"])
    expect(codes(importErrors(withInputs("\n  x:")))).toEqual(["invalid-input"])
    expect(importErrors(withInputs("\n  x: {path: data, optional: true}")).map((issue) => [issue.code, issue.path])).toEqual([["unsupported-key", "inputs.x.optional"]])
  })

  it("maps outputs, with Azure ML's defaults for an empty one", () => {
    const { spec } = importOk(job({
      outputs: "\n  model:\n  logs:\n    type: uri_folder\n    mode: upload\n    path: azureml://datastores/workspaceblobstore/paths/outputs\n    name: my-logs\n    version: 2\n  report:\n    type: uri_file\n    path: https://acct.blob.core.windows.net/c/report.html"
    }))
    expect(spec.outputs).toEqual({
      model: Data.output(),
      logs: Data.output({ mode: "upload", destination: Data.datastorePath("workspaceblobstore", "outputs"), assetName: "my-logs", assetVersion: "2" }),
      report: Data.output({ type: "uri_file", destination: { _tag: "Uri", uri: "https://acct.blob.core.windows.net/c/report.html" } })
    })
    expect(codes(importErrors(job({ outputs: "\n  model: {path: ./local}" })))).toEqual(["invalid-output-path"])
  })
})

describe("fromYaml: reserved tags", () => {
  it("reads estimator.* tags back into gpu, framework and the PyTorch backend", () => {
    const { spec } = importOk(job({
      tags: "\n  team: a\n  estimator.gpu: 'true'\n  estimator.framework: PyTorch 1.6\n  estimator.distribution.backend: gloo",
      distribution: "\n  type: pytorch"
    }))
    expect(spec.tags).toEqual({ team: "a" })
    expect(spec.gpu).toBe(true)
    expect(spec.framework).toEqual(Framework.make("PyTorch", "1.6"))
    expect(spec.distribution).toEqual({ _tag: "PyTorch", backend: "gloo" })
  })

  it("keeps versionDefaulted", () => {
    const { spec } = importOk(job({ tags: "\n  estimator.framework: Chainer 5.1.0\n  estimator.framework.versionDefaulted: 'true'" }))
    expect(spec.framework).toEqual(Framework.make("Chainer"))
  })

  it("refuses malformed and unknown reserved tags", () => {
    expect(codes(importErrors(job({ tags: "\n  estimator.framework: Caffe 1" })))).toEqual(["invalid-reserved-tag"])
    expect(codes(importErrors(job({ tags: "\n  estimator.colour: blue" })))).toEqual(["unknown-reserved-tag"])
    expect(codes(importErrors(job({ tags: "\n  estimator.distribution.backend: gloo" })))).toEqual(["invalid-reserved-tag"])
  })
})

// -------------------------------------------------------------------------------------
// import: errors
// -------------------------------------------------------------------------------------

describe("fromYaml: errors", () => {
  it("refuses a key the spec does not model, naming it, with its line", () => {
    const text = lines(
      "command: python hello-interactive.py",
      "code: src",
      "environment: azureml:AzureML-tensorflow-2.16-cuda12@latest",
      "services:",
      "  my_vscode:",
      "    type: vs_code"
    )
    const issues = importErrors(text)
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatchObject({ path: "services", code: "unsupported-key", line: 4, column: 1 })
    expect(issues[0]?.message).toContain("services is not supported")
  })

  it.each([
    ["identity", job({ identity: "\n  type: user_identity" }), "identity"],
    ["resources.properties", job({ resources: "\n  properties:\n    a: b" }), "resources.properties"],
    ["resources.max_instance_count", job({ resources: "\n  max_instance_count: 4" }), "resources.max_instance_count"],
    ["queue_settings.priority", job({ compute: undefined, resources: "\n  instance_type: x", queue_settings: "\n  priority: high" }), "queue_settings.priority"],
    ["parameters", job({ parameters: "\n  a: 1" }), "parameters"],
    ["environment.name", job({ environment: "\n  image: x\n  name: my-env" }), "environment.name"]
  ])("refuses %s as unsupported", (_, text, path) => {
    expect(importErrors(text).map((issue) => [issue.code, issue.path])).toEqual([["unsupported-key", path]])
  })

  it("refuses unknown keys and suggests the closest one", () => {
    const issues = importErrors(job({ environment: undefined, enviroment: " azureml:x:1" }))
    expect(issues.map((issue) => [issue.code, issue.path])).toEqual([["unknown-key", "enviroment"], ["environment-missing", "environment"]])
    expect(issues[0]?.hint).toBe("Did you mean environment?")
  })

  it("reports every problem at once", () => {
    const issues = importErrors(job({ services: "\n  a: {type: vs_code}", resources: "\n  instance_count: 0", distribution: "\n  type: ray", limits: "\n  timeout: -1" }))
    expect(issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(["services", "resources.instance_count", "distribution.type", "limits.timeout"]))
    expect(issues).toHaveLength(4)
  })

  it("refuses sweep and pipeline jobs with a message that says what to do", () => {
    const sweep = importErrors(lines("$schema: https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json", "type: sweep", "trial:", "  command: python a.py"))
    expect(sweep).toHaveLength(1)
    expect(sweep[0]?.code).toBe("sweep-not-supported")
    expect(sweep[0]?.message).toContain("sweep jobs are not supported: import the trial's command job instead")

    const pipeline = importErrors(lines("type: pipeline", "jobs:", "  a:", "    command: echo a"))
    expect(pipeline.map((issue) => issue.code)).toEqual(["pipeline-not-supported"])
    expect(pipeline[0]?.message).toContain("pipeline jobs are not supported")

    expect(codes(importErrors(lines("type: spark", "entry: {file: a.py}")))).toEqual(["job-type-not-supported"])
  })

  it("reports malformed YAML with its line and column", () => {
    const duplicate = importErrors(lines("command: echo a", "code: src", "command: echo b"))
    expect(duplicate[0]).toMatchObject({ code: "yaml-syntax", line: 3, column: 1 })
    expect(duplicate[0]?.message).toContain("line 3, column 1")

    const unclosed = importErrors(lines("command: echo a", "inputs: {a: 1", "code: src"))
    expect(unclosed.length).toBeGreaterThan(0)
    expect(unclosed.every((issue) => issue.code === "yaml-syntax" && typeof issue.line === "number")).toBe(true)
  })

  it("reports an alias without its anchor where it is", () => {
    const issues = importErrors(lines("command: echo", "code: *missing"))
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatchObject({ code: "yaml-syntax", line: 2, column: 7 })
  })

  it("refuses a file that is not one mapping", () => {
    expect(codes(importErrors(""))).toEqual(["not-a-job"])
    expect(codes(importErrors("- command: x\n"))).toEqual(["not-a-job"])
    expect(codes(importErrors(`${job()}---\n${job()}`))).toEqual(["yaml-syntax"])
  })

  it("refuses values of the wrong type, reading YAML as PyYAML does (unquoted True is a boolean)", () => {
    const issues = importErrors(job({ environment_variables: "\n  FLAG: True\n  COUNT: 3", resources: "\n  instance_count: '2'" }))
    expect(issues.map((issue) => [issue.code, issue.path])).toEqual([
      ["expected-positive-integer", "resources.instance_count"],
      ["expected-string", "environment_variables.FLAG"],
      ["expected-string", "environment_variables.COUNT"]
    ])
    expect(codes(importErrors(job({ command: undefined })))).toEqual(["command-missing"])
  })
})

// -------------------------------------------------------------------------------------
// export
// -------------------------------------------------------------------------------------

const exportable = (): Estimator.Estimator =>
  pipe(
    Estimator.make({ entryScript: "train.py", sourceDirectory: "src" }),
    Estimator.withCompute(Estimator.cluster("gpu-cluster")),
    Estimator.withEnvironmentRef({ name: "AzureML-acpt-pytorch-2.8-cuda12.6", label: "latest" })
  )

describe("toYaml", () => {
  it("writes a command job with $schema and type first", () => {
    const text = exportOk(exportable())
    expect(text.split("\n").slice(0, 2)).toEqual([`$schema: ${AzureMlYaml.SCHEMA_URL}`, "type: command"])
    expect(Yaml.parse(text, { version: "1.1" })).toEqual({
      $schema: "https://azuremlschemas.azureedge.net/latest/commandJob.schema.json",
      type: "command",
      code: "src",
      command: "python train.py",
      environment: "azureml:AzureML-acpt-pytorch-2.8-cuda12.6@latest",
      compute: "azureml:gpu-cluster"
    })
  })

  it("quotes arguments for sh and writes references and Python booleans", () => {
    const spec = pipe(
      exportable(),
      Estimator.withInput("data", Data.fromDatastore("ds", "mnist")),
      Estimator.withOutput("model", Data.output()),
      Estimator.withArgs("--name", "it's", "a b", "", "True", true, false, 10, "10", 0.5, Data.input("data"), Data.outputRef("model"))
    )
    expect(exportedData(spec)["command"]).toBe(
      "python train.py --name 'it'\\''s' 'a b' '' 'True' True False 10 '10' 0.5 ${{inputs.data}} ${{outputs.model}}"
    )
  })

  it("writes each environment form", () => {
    const image = pipe(exportable(), (s) => ({ ...s, environment: Estimator.defaultEnvironment }), Estimator.withImage("python:3.11"))
    expect(exportedData(Estimator.withUserManagedPython(image))["environment"]).toEqual({ image: "python:3.11" })
    expect(exportedData(Estimator.withCondaFile(image, "../env/conda.yml"))["environment"]).toEqual({ image: "python:3.11", conda_file: "env/conda.yml" })
    // the conda specification the azureml plan registers: v1's name and channel, azureml-defaults first
    expect(exportedData(pipe(image, Estimator.withConda(["python=3.10"]), Estimator.withPip(["torch"])))["environment"]).toEqual({
      image: "python:3.11",
      conda_file: { name: "project_environment", channels: ["conda-forge"], dependencies: ["python=3.10", "pip", { pip: ["azureml-defaults", "torch"] }] }
    })
    expect(exportedData(image)["environment"])
      .toEqual({ image: "python:3.11", conda_file: { name: "project_environment", channels: ["conda-forge"], dependencies: ["python=3.8"] } })
    const build = pipe(exportable(), (s) => ({ ...s, environment: Estimator.defaultEnvironment }), Estimator.withBuildContext("docker", "Dockerfile.gpu"), Estimator.withUserManagedPython)
    expect(exportedData(build)["environment"]).toEqual({ build: { path: "docker", dockerfile_path: "Dockerfile.gpu" } })
    expect(exportedData(Estimator.withEnvironmentRef(exportable(), { name: "e", version: "2", registry: "azureml" }))["environment"])
      .toEqual("azureml://registries/azureml/environments/e/versions/2")
  })

  it("writes compute, layout, limits and data", () => {
    const spec = pipe(
      exportable(),
      Estimator.withCompute(Estimator.serverless("Standard_NC6", "lowpriority")),
      Estimator.withMpi(2, 4),
      Estimator.withShmSize("8g"),
      Estimator.withMaxRunDuration(3600),
      Estimator.withInput("lr", Data.literal(0.1)),
      Estimator.withInput("images", Data.fromAsset("imgs", { version: "1", mode: "download" })),
      Estimator.withOutput("model", Data.output({ mode: "upload", destination: Data.datastorePath("ws", "out") }))
    )
    const data = exportedData(spec)
    expect(data).toMatchObject({
      distribution: { type: "mpi", process_count_per_instance: 4 },
      resources: { instance_type: "Standard_NC6", instance_count: 2, shm_size: "8g" },
      queue_settings: { job_tier: "spot" },
      limits: { timeout: 3600 },
      inputs: { lr: 0.1, images: { type: "uri_folder", path: "azureml:imgs:1", mode: "download" } },
      outputs: { model: { type: "uri_folder", mode: "upload", path: "azureml://datastores/ws/paths/out" } }
    })
    expect(data["compute"]).toBeUndefined()
    expect(exportedData(Estimator.withTensorFlow(exportable(), 3, 1))["distribution"]).toEqual({ type: "tensorflow", worker_count: 3, parameter_server_count: 1 })
    expect(exportedData(Estimator.withCompute(exportable(), Estimator.local))["compute"]).toBe("local")
  })

  it("writes resumeFrom as the MODEL_LOCATION input and --resume-from, as v1 did", () => {
    const data = exportedData(pipe(exportable(), Estimator.withArgs("--epochs", 2), Estimator.withResumeFrom(Data.datastorePath("ckpt", "run-1"))))
    expect(data["command"]).toBe("python train.py --epochs 2 --resume-from ${{inputs.MODEL_LOCATION}}")
    expect(data["inputs"]).toEqual({ MODEL_LOCATION: { type: "uri_folder", path: "azureml://datastores/ckpt/paths/run-1", mode: "ro_mount" } })
  })

  it("keeps gpu, framework and the PyTorch backend in reserved tags", () => {
    const spec = pipe(
      exportable(),
      Estimator.withGpu,
      Estimator.withTags({ team: "vision" }),
      Estimator.withFramework(Framework.make("PyTorch", "1.6")),
      Estimator.withPyTorchDistribution({ nodeCount: 2, processCountPerNode: 2, backend: "gloo" })
    )
    expect(exportedData(spec)["tags"]).toEqual({ team: "vision", "estimator.gpu": "true", "estimator.framework": "PyTorch 1.6", "estimator.distribution.backend": "gloo" })
  })

  it("makes paths relative to the YAML's folder", () => {
    const spec = pipe(
      Estimator.make({ entryScript: "a.py", sourceDirectory: "jobs/train/src" }),
      Estimator.withImage("x"),
      Estimator.withCondaFile("../conda.yml"),
      Estimator.withInput("d", Data.fromLocal("jobs/data"))
    )
    const data = exportedData(spec, { baseDirectory: "jobs/train" })
    expect(data).toMatchObject({ code: "src", environment: { image: "x", conda_file: "conda.yml" }, inputs: { d: { path: "../data" } } })
  })

  it("never writes a secret: each one is an error naming the field, without the secret's source", () => {
    const spec = pipe(
      exportable(),
      Estimator.withSecretEnv({ WANDB_API_KEY: Secret.fromFile("/run/secrets/wandb-token") }),
      Estimator.withImage("acr.io/x:1", { address: "acr.io", username: "me", password: Secret.fromEnv("ACR_PASSWORD_VALUE") })
    )
    const issues = exportErrors(spec)
    expect(issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(["secretEnvironmentVariables.WANDB_API_KEY", "environment.image.registry.password"]))
    const printed = JSON.stringify(issues)
    expect(printed).not.toContain("/run/secrets/wandb-token")
    expect(printed).not.toContain("ACR_PASSWORD_VALUE")
    expect(issues.every((issue) => issue.hint !== undefined)).toBe(true)
  })

  it.each<[string, (s: Estimator.Estimator) => Estimator.Estimator, string]>([
    ["docker off", (s) => Estimator.withoutDocker(s), "environment.docker"],
    ["a source-directory datastore", (s) => Estimator.withSourceDirectoryDatastore(s, "ds"), "sourceDirectoryDatastore"],
    ["a pip requirements file whose text is not given", (s) => ({ ...s, environment: { ...Estimator.defaultEnvironment, image: { name: "x" }, pipRequirementsFile: "req.txt", condaPackages: ["numpy"] } }), "environment.pipRequirementsFile"],
    ["packages next to a conda file", (s) => ({ ...s, environment: { ...Estimator.defaultEnvironment, condaFile: "conda.yml", pipPackages: ["numpy"] } }), "environment.pipPackages"],
    ["an empty package name", (s) => ({ ...s, environment: { ...Estimator.defaultEnvironment, pipPackages: [" "] } }), "environment.pipPackages[0]"],
    ["a registry without password", (s) => ({ ...s, environment: { ...Estimator.defaultEnvironment, userManagedPython: true, image: { name: "x", registry: { address: "acr.io" } } } }), "environment.image.registry"],
    ["a reserved tag", (s) => Estimator.withTags(s, { "estimator.gpu": "true" }), "tags.estimator.gpu"],
    ["a literal argument Azure ML would substitute", (s) => Estimator.withArgs(s, "${{inputs.x}}"), "arguments[0]"],
    ["a single-brace reference in a command", (s) => ({ ...s, entryScript: undefined, command: "echo {inputs.x}" } as unknown as Estimator.Estimator), "command"],
    ["arguments with a command", (s) => ({ ...Estimator.make({ command: "echo" }), compute: s.compute, environment: s.environment, arguments: ["x"] }), "arguments"],
    ["processes per node without a distribution", (s) => Estimator.withProcessesPerNode(s, 2), "processCountPerNode"],
    ["an optional input", (s) => Estimator.withInput(s, "d", Data.fromUri("https://x/y", { optional: true })), "inputs.d.optional"],
    ["an environment name that cannot be referenced", (s) => Estimator.withEnvironmentRef(s, { name: "a:b" }), "environment.registered"],
    ["a notebook entry script", (s) => ({ ...s, entryScript: "main.ipynb" }), "entryScript"]
  ])("refuses %s, naming the field", (_, change, path) => {
    const issues = exportErrors(change(exportable()))
    expect(issues.map((issue) => issue.path)).toContain(path)
  })
})

// -------------------------------------------------------------------------------------
// properties
// -------------------------------------------------------------------------------------

const identifier = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/)
const AZURE_TEXT = /\$\{\{|\{(inputs|outputs|search_space)\./
const tricky = fc.constantFrom("", " ", "it's", "a b", "\"q\"", "$HOME", "`id`", "a;b", "x\ny", "10", "-5", "0.5", "1e5", "True", "False", "yes", "~", "*", "é", "--flag=1", "\\", "'")
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.fullUnicodeString({ maxLength: 6 }), tricky).filter((s) => !AZURE_TEXT.test(s))
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })).filter((n) => !Object.is(n, -0))
const argument: fc.Arbitrary<Estimator.Argument> = fc.oneof(
  text,
  number,
  fc.boolean(),
  identifier.map((name) => Data.input(name)),
  identifier.map((name) => Data.outputRef(name))
)
const relativePath = fc.array(fc.constantFrom("a", "b", "src", "data", ".."), { minLength: 1, maxLength: 3 }).map((parts) => Path.normalize(parts.join("/")))
const fileName = fc.constantFrom("conda.yml", "env.yaml", "envs/train.yml")
const optional = <K extends string, A>(key: K, value: fc.Arbitrary<A>): fc.Arbitrary<{ [P in K]?: A }> =>
  fc.option(value, { nil: undefined }).map((v) => (v === undefined ? {} : ({ [key]: v } as { [P in K]?: A })))

const dataType = fc.constantFrom<Data.DataType>("uri_folder", "uri_file", "mltable", "mlflow_model", "custom_model", "triton_model")
const inputMode = fc.constantFrom<Data.InputMode>("ro_mount", "download", "direct", "eval_mount", "eval_download")

/** Generators of specs in the form `fromYaml` reads back; `place` puts a base-relative path under the YAML's folder. */
const canonicalSpec = (place: (path: string) => string): fc.Arbitrary<Estimator.Estimator> => {
  const source: fc.Arbitrary<Data.DataSource> = fc.oneof(
    fc.tuple(identifier, fc.string({ maxLength: 8 })).map(([datastore, path]) => Data.datastorePath(datastore, path)),
    fc.tuple(identifier, fc.oneof(
      fc.constant({}),
      fc.stringMatching(/^[0-9]{1,3}$/).map((version) => ({ version })),
      fc.constantFrom("prod", "stable").map((label) => ({ label }))
    )).map(([name, which]): Data.DataSource => ({ _tag: "DataAsset", name, ...which })),
    fc.constantFrom("https://example.com/a.csv", "wasbs://c@acct.blob.core.windows.net/x/", "abfss://fs@acct.dfs.core.windows.net/p").map((uri): Data.DataSource => ({ _tag: "Uri", uri })),
    fc.oneof(relativePath, fc.constant("./data")).map((path): Data.DataSource => ({ _tag: "LocalPath", path: place(path) }))
  )
  const input: fc.Arbitrary<Data.Input> = fc.oneof(
    fc.tuple(dataType, source, inputMode).map(([type, from, mode]): Data.Input => ({ _tag: "Data", type, source: from, mode })),
    fc.oneof(text, number, fc.boolean()).map((value) => Data.literal(value))
  )
  const output: fc.Arbitrary<Data.Output> = fc.tuple(
    dataType,
    fc.constantFrom<Data.OutputMode>("rw_mount", "upload", "direct"),
    optional("destination", fc.oneof(
      fc.tuple(identifier, identifier).map(([d, p]): Data.DatastorePath | Data.Uri => Data.datastorePath(d, p)),
      fc.constant<Data.DatastorePath | Data.Uri>({ _tag: "Uri", uri: "https://acct.blob.core.windows.net/c/out" })
    )),
    optional("assetName", identifier),
    optional("assetVersion", fc.stringMatching(/^[0-9]{1,2}$/))
  ).map(([type, mode, destination, assetName, assetVersion]) => ({ type, mode, ...destination, ...assetName, ...assetVersion }))
  // Packages as the user gives them; what resolving adds itself (the default or a framework's
  // Python, `pip`, `azureml-defaults`) and a Python pin anywhere but first read back in canonical form.
  const condaPackages = fc.tuple(fc.boolean(), fc.uniqueArray(fc.constantFrom("numpy", "scikit-learn>=1.3", "conda-forge::pandas"), { maxLength: 2 }))
    .map(([pinned, rest]) => (pinned ? ["python=3.10", ...rest] : rest))
  const pipPackages = fc.uniqueArray(fc.constantFrom("numpy", "torch==2.1", "scikit-learn>=1.3", "--extra-index-url https://download.pytorch.org/whl/cpu"), { maxLength: 3 })
  // no image (the default or the framework's) as often as one
  const image: fc.Arbitrary<{ readonly image?: Estimator.Image }> = fc.oneof(
    fc.constant({}),
    fc.constantFrom("python:3.11", "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04").map((name) => ({ image: { name } }))
  )
  const environment: fc.Arbitrary<Estimator.Environment> = fc.oneof(
    fc.tuple(identifier, fc.oneof(
      fc.constant({}),
      fc.stringMatching(/^[0-9]{1,2}$/).map((version) => ({ version })),
      fc.constantFrom("latest", "prod").map((label) => ({ label }))
    ), fc.option(identifier, { nil: undefined }))
      .filter(([, which, registry]) => registry === undefined || Object.keys(which).length > 0)
      .map(([name, which, registry]) => ({ ...Estimator.defaultEnvironment, registered: { name, ...which, ...(registry === undefined ? {} : { registry }) } })),
    image.map((found) => ({ ...Estimator.defaultEnvironment, userManagedPython: true, ...found })),
    fc.tuple(image, fc.constantFrom(".", "..", "../.."), fileName).map(([found, up, file]) => ({
      ...Estimator.defaultEnvironment, ...found, condaFile: Path.normalize(`${up}/${file}`)
    })),
    fc.tuple(image, condaPackages, pipPackages).map(([found, conda, pip]) => ({
      ...Estimator.defaultEnvironment, ...found, condaPackages: conda, pipPackages: pip
    })),
    fc.tuple(relativePath, optional("dockerfile", fc.constantFrom("Dockerfile.gpu", "docker/Dockerfile"))).map(([context, dockerfile]) => ({
      ...Estimator.defaultEnvironment, userManagedPython: true, build: { context: place(context), ...dockerfile }
    }))
  )
  const layout: fc.Arbitrary<Pick<Estimator.Estimator, "nodeCount" | "processCountPerNode" | "distribution">> = fc.oneof(
    fc.integer({ min: 1, max: 4 }).map((nodeCount) => ({ nodeCount, processCountPerNode: 1, distribution: { _tag: "None" as const } })),
    fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 8 })).map(([nodeCount, processCountPerNode]) => ({ nodeCount, processCountPerNode, distribution: { _tag: "Mpi" as const } })),
    fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 8 }), fc.constantFrom<Estimator.PyTorchBackend>("nccl", "gloo"))
      .map(([nodeCount, processCountPerNode, backend]) => ({ nodeCount, processCountPerNode, distribution: { _tag: "PyTorch" as const, backend } })),
    fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 2 }))
      .map(([nodeCount, workerCount, parameterServerCount]) => ({ nodeCount, processCountPerNode: 1, distribution: { _tag: "TensorFlow" as const, workerCount, parameterServerCount } }))
  )
  const compute: fc.Arbitrary<Estimator.Compute> = fc.oneof(
    fc.constant(Estimator.local),
    fc.stringMatching(/^[a-z][a-z0-9-]{1,10}$/).map(Estimator.cluster),
    fc.tuple(fc.constantFrom("Standard_NC6", "Standard_DS3_v2"), fc.option(fc.constantFrom<Estimator.VmPriority>("dedicated", "lowpriority"), { nil: undefined }))
      .map(([size, priority]) => Estimator.serverless(size, priority))
  )
  const command = fc.array(fc.oneof(text, fc.constantFrom("&&", "|", "${{inputs.a}}", "${{outputs.b}}/x", "$RANK", "echo", "python")), { minLength: 1, maxLength: 5 })
    .map((parts) => parts.join(" "))
    .filter((c) => parseEntryScript(c) === undefined && !/(?<!\{)\{(inputs|outputs)\.[^}]*\}(?!\})/.test(c) && !/\$\{\{(?!(inputs|outputs)\.[A-Za-z_][A-Za-z0-9_]*\}\})/.test(c))
  const entry = fc.oneof(
    fc.tuple(fc.constantFrom("train.py", "scripts/run.py", "a b.py", "it's.py"), fc.array(argument, { maxLength: 6 }), fc.option(fc.tuple(identifier, identifier), { nil: undefined }))
      .map(([entryScript, args, resume]) => ({ entryScript, arguments: args, ...(resume === undefined ? {} : { resumeFrom: Data.datastorePath(resume[0], resume[1]) }) })),
    command.map((c) => ({ command: c, arguments: [] }))
  )
  return fc.tuple(
    fc.record({
      sourceDirectory: fc.oneof(relativePath, fc.constantFrom(".", "./src", "src/")).map(place),
      compute,
      layout,
      gpu: fc.boolean(),
      environment,
      environmentVariables: fc.dictionary(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,6}$/), text, { maxKeys: 3 }),
      inputs: fc.dictionary(identifier, input, { maxKeys: 3 }),
      outputs: fc.dictionary(identifier, output, { maxKeys: 2 }),
      tags: fc.dictionary(fc.oneof(identifier, fc.constant("owner.name")), text, { maxKeys: 2 })
    }),
    entry,
    fc.tuple(
      optional("shmSize", fc.stringMatching(/^[0-9]{1,3}[bkmg]$/)),
      optional("dockerArgs", fc.constantFrom("--ipc=host", "--ulimit memlock=-1")),
      optional("maxRunDurationSeconds", fc.integer({ min: 1, max: 100_000 })),
      optional("name", identifier),
      optional("displayName", text),
      optional("experimentName", identifier),
      optional("description", text),
      optional("framework", fc.constantFrom(...Framework.names).chain((name) =>
        fc.tuple(fc.constantFrom<string>(...Framework.supportedVersions[name]), optional("versionDefaulted", fc.boolean()))
          .map(([version, defaulted]): Framework.Framework => ({ name, version, ...defaulted }))
      ))
    )
  ).map(([fields, entryFields, optionals]): Estimator.Estimator => {
    const { layout: layoutFields, ...rest } = fields
    const { framework, ...otherOptionals } = Object.assign({}, ...optionals) as Partial<Estimator.Estimator>
    return {
      _tag: "Estimator",
      specVersion: 1,
      ...rest,
      ...layoutFields,
      ...entryFields,
      secretEnvironmentVariables: {},
      ...otherOptionals,
      ...(framework === undefined ? {} : { framework })
    }
  }).filter((spec) => spec.resumeFrom === undefined || !(Estimator.RESUME_FROM_INPUT in spec.inputs))
    // a conda file above the root of an absolute source directory is the root's (`/a/../../c` is `/c`) and reads back so
    .filter((spec) => {
      const condaFile = spec.environment.condaFile
      if (condaFile === undefined || !Path.isAbsolute(spec.sourceDirectory)) return true
      const climbs = Path.normalize(condaFile).split("/").filter((segment) => segment === "..").length
      return climbs <= Path.normalize(spec.sourceDirectory).split("/").filter((segment) => segment !== "").length
    })
}

/** Specs with arbitrary text wherever the spec holds a string: most cannot be exported, the rest must read back. */
const messySpec: fc.Arbitrary<Estimator.Estimator> = (() => {
  const anyText = fc.oneof(fc.string({ maxLength: 8 }), tricky, fc.constantFrom("a:b", "https://x/y", "azureml:a", "azureml://datastores/d/paths/p", "/abs", "../up", "./here"))
  const source: fc.Arbitrary<Data.DataSource> = fc.oneof(
    fc.tuple(anyText, anyText).map(([d, p]) => Data.datastorePath(d, p)),
    fc.tuple(anyText, optional("version", anyText), optional("label", anyText)).map(([name, v, l]): Data.DataSource => ({ _tag: "DataAsset", name, ...v, ...l })),
    anyText.map((uri): Data.DataSource => ({ _tag: "Uri", uri })),
    anyText.map((path): Data.DataSource => ({ _tag: "LocalPath", path }))
  )
  const environment: fc.Arbitrary<Estimator.Environment> = fc.oneof(
    fc.tuple(anyText, optional("version", anyText), optional("label", anyText), optional("registry", anyText))
      .map(([name, v, l, r]) => ({ ...Estimator.defaultEnvironment, registered: { name, ...v, ...l, ...r } })),
    anyText.map((name) => ({ ...Estimator.defaultEnvironment, userManagedPython: true, image: { name } })),
    fc.tuple(anyText, anyText).map(([name, condaFile]) => ({ ...Estimator.defaultEnvironment, image: { name }, condaFile })),
    fc.tuple(anyText, fc.array(anyText, { maxLength: 2 }), fc.array(anyText, { maxLength: 2 }))
      .map(([name, condaPackages, pipPackages]) => ({ ...Estimator.defaultEnvironment, image: { name }, condaPackages, pipPackages })),
    fc.tuple(fc.array(fc.oneof(anyText, fc.constantFrom("pip", "python=3.8", "python=3.6.2", "python")), { maxLength: 3 }), fc.array(fc.oneof(anyText, fc.constantFrom("azureml-defaults", "torch==1.6.0", "-r x")), { maxLength: 3 }))
      .map(([condaPackages, pipPackages]) => ({ ...Estimator.defaultEnvironment, condaPackages, pipPackages })),
    fc.constant({ ...Estimator.defaultEnvironment, userManagedPython: true }),
    fc.tuple(anyText, optional("dockerfile", anyText)).map(([context, d]) => ({ ...Estimator.defaultEnvironment, userManagedPython: true, build: { context, ...d } }))
  )
  const { command: _command, ...withoutEntry } = Estimator.make({ command: "x" })
  return fc.tuple(
    anyText,
    fc.oneof(
      fc.tuple(anyText, fc.array(fc.oneof(argument, anyText), { maxLength: 4 })).map(([entryScript, args]) => ({ entryScript, arguments: args })),
      anyText.map((command) => ({ command, arguments: [] as ReadonlyArray<Estimator.Argument> }))
    ),
    fc.oneof(fc.constant(Estimator.local), anyText.map(Estimator.cluster), anyText.map((size) => Estimator.serverless(size))),
    environment,
    fc.dictionary(anyText, fc.oneof(
      fc.tuple(dataType, source, inputMode).map(([type, from, mode]): Data.Input => ({ _tag: "Data", type, source: from, mode })),
      fc.oneof(anyText, number, fc.boolean()).map(Data.literal)
    ), { maxKeys: 2 }),
    fc.dictionary(anyText, fc.tuple(dataType, optional("destination", source.filter((d): d is Data.DatastorePath | Data.Uri => d._tag === "Datastore" || d._tag === "Uri")))
      .map(([type, destination]): Data.Output => ({ type, mode: "rw_mount", ...destination })), { maxKeys: 2 }),
    fc.dictionary(anyText, anyText, { maxKeys: 2 }),
    optional("name", anyText),
    fc.boolean(),
    optional("framework", fc.constantFrom(...Framework.names).chain((name) =>
      fc.oneof(fc.constantFrom<string>(...Framework.supportedVersions[name]), anyText).map((version): Framework.Framework => ({ name, version }))
    )),
    fc.dictionary(fc.oneof(anyText, fc.constant("NCCL_TREE_THRESHOLD")), fc.oneof(anyText, fc.constant("0")), { maxKeys: 2 })
  ).map(([sourceDirectory, entry, compute, environment, inputs, outputs, tags, name, gpu, framework, environmentVariables]): Estimator.Estimator => ({
    ...withoutEntry,
    ...entry,
    sourceDirectory,
    compute,
    gpu,
    environment,
    environmentVariables,
    inputs,
    outputs,
    tags,
    ...name,
    ...framework
  })).map((spec) => JSON.parse(JSON.stringify(spec)) as Estimator.Estimator)
})()

describe("properties", () => {
  it("whatever toYaml writes, fromYaml reads, and writing it again gives the same text", () => {
    fc.assert(
      fc.property(messySpec, (spec) => {
        const written = AzureMlYaml.toYaml(spec)
        if (FpEither.isLeft(written)) {
          expect(written.left.length).toBeGreaterThan(0)
          return
        }
        const back = AzureMlYaml.fromYaml(written.right)
        expect(FpEither.isRight(back) ? "imported" : back.left).toBe("imported")
        if (FpEither.isRight(back)) expect(AzureMlYaml.toYaml(back.right.spec)).toEqual(written)
      }),
      { numRuns: 2000 }
    )
  })


  it("export → import is lossless for every spec YAML can express (YAML's folder = the spec's base)", () => {
    fc.assert(
      fc.property(canonicalSpec((path) => path), (spec) => {
        const back = AzureMlYaml.fromYaml(exportOk(spec))
        expect(FpEither.isRight(back) ? back.right.spec : back.left).toEqual(spec)
        // the environment is one the spec builds exactly (a version-less registered environment is warned about as such)
        if (FpEither.isRight(back)) expect(codes(back.right.warnings).filter((code) => code !== "environment-version-missing")).toEqual([])
      }),
      { numRuns: 300 }
    )
  })

  it("export → import is lossless with the YAML in another folder", () => {
    const placed = fc.oneof(
      ...["jobs/train", "/repo/jobs/train", "a/b/c"].map((base) => canonicalSpec((path) => Path.join(base, path)).map((spec) => ({ base, spec })))
    )
    fc.assert(
      fc.property(placed, ({ base, spec }) => {
        const back = AzureMlYaml.fromYaml(exportOk(spec, { baseDirectory: base }), { baseDirectory: base })
        expect(FpEither.isRight(back) ? back.right.spec : back.left).toEqual(spec)
      }),
      { numRuns: 200 }
    )
  })

  it("export is stable under a round trip, also for spellings that read back in canonical form", () => {
    const hasPackages = (s: Estimator.Estimator) =>
      s.environment.condaPackages.length + s.environment.pipPackages.length > 0 && !s.environment.userManagedPython && s.environment.condaFile === undefined
    const spelled = canonicalSpec((path) => path).chain((spec) =>
      fc.constantFrom<(s: Estimator.Estimator) => Estimator.Estimator>(
        (s) => s,
        ({ entryScript: _script, resumeFrom: _resume, ...s }) => ({ ...s, arguments: [], command: "python train.py --lr 0.1" }),
        (s) => Estimator.withInput(s, "asset", Data.fromAsset("a", { label: "latest" })),
        (s) => Estimator.withInput(s, "uri", Data.fromUri("azureml://datastores/ds/paths/p")),
        (s) => (s.environment.condaFile === undefined ? s : { ...s, environment: { ...s.environment, condaFile: `./${s.environment.condaFile}` } }),
        // what resolving adds, spelled out by the user, and packages in another order
        (s) => {
          if (!hasPackages(s)) return s
          const unpinned = s.framework === undefined && !s.environment.condaPackages.some((p) => p.startsWith("python="))
          const added = ["pip", ...(unpinned ? ["python=3.8"] : [])].filter((p) => !s.environment.condaPackages.includes(p))
          return { ...s, environment: { ...s.environment, condaPackages: [...s.environment.condaPackages, ...added] } }
        },
        (s) => (hasPackages(s) ? { ...s, environment: { ...s.environment, pipPackages: ["azureml-defaults", ...s.environment.pipPackages] } } : s),
        (s) => (hasPackages(s) ? { ...s, environment: { ...s.environment, condaPackages: [...s.environment.condaPackages].reverse() } } : s),
        (s) => {
          const env = s.environment
          if (env.image !== undefined || env.build !== undefined || env.registered !== undefined) return s
          return Estimator.withImage(s, FrameworkEnvironment.effectivePackages(s).baseImage ?? BaseImages.defaultImage(s.gpu))
        },
        (s) => {
          const added = s.framework === undefined ? undefined : FrameworkEnvironment.frameworkEnvironment(s.framework, s.gpu)?.environmentVariables
          return added === undefined ? s : Estimator.withEnv(s, added)
        }
      ).map((spell) => spell(spec))
    )
    fc.assert(
      fc.property(spelled, (spec) => {
        const once = exportOk(spec)
        const back = importOk(once).spec
        expect(exportOk(back)).toBe(once)
        expect(importOk(exportOk(back)).spec).toEqual(back)
      }),
      { numRuns: 200 }
    )
  })

  it("sh receives exactly the exported arguments", () => {
    const shellArgument = fc.oneof(text, number, fc.boolean()).filter((a) => typeof a !== "string" || !a.includes("\0"))
    fc.assert(
      fc.property(fc.array(shellArgument, { maxLength: 6 }), (args) => {
        const spec = Estimator.withArgs(exportable(), ...args)
        const command = exportedData(spec)["command"] as string
        // `python` becomes a shell function that drops the script and prints each argument NUL-terminated
        const run = spawnSync("/bin/sh", ["-c", `python() { shift; for a in "$@"; do printf '%s\\0' "$a"; done; }; ${command}`], { encoding: "utf8" })
        expect(run.status).toBe(0)
        const received = run.stdout.split("\0").slice(0, -1)
        expect(received).toEqual(args.map((a) => Estimator.renderArgument(a, () => "")))
      }),
      { numRuns: 100 }
    )
  })

  it("relative paths lead back: join(from, relative(from, to)) = to, whenever relative is defined", () => {
    const segment = fc.constantFrom("a", "b", "..", ".", "src")
    const anyPath = fc.tuple(fc.boolean(), fc.array(segment, { maxLength: 4 })).map(([absolute, parts]) => `${absolute ? "/" : ""}${parts.join("/")}`)
    fc.assert(
      fc.property(anyPath, anyPath, (from, to) => {
        const step = Path.relative(from, to)
        if (step !== undefined) expect(Path.join(from, step)).toBe(Path.normalize(to))
        else expect(Path.isAbsolute(Path.normalize(from)) !== Path.isAbsolute(Path.normalize(to)) || Path.normalize(from).split("/").includes("..")).toBe(true)
      }),
      { numRuns: 500 }
    )
  })

  it("fromYaml never throws: any text gives issues or a spec", () => {
    const anyYaml = fc.oneof(
      fc.string(),
      fc.jsonValue().map((value) => Yaml.stringify(value)),
      fc.dictionary(fc.constantFrom("command", "code", "environment", "compute", "inputs", "outputs", "resources", "distribution", "limits", "tags", "type"), fc.jsonValue(), { maxKeys: 6 })
        .map((value) => Yaml.stringify(value))
    )
    fc.assert(
      fc.property(anyYaml, (input) => {
        const result = AzureMlYaml.fromYaml(input)
        if (FpEither.isLeft(result)) expect(result.left.length).toBeGreaterThan(0)
        else expect(Estimator.decode(JSON.parse(JSON.stringify(result.right.spec)))).toEqual(FpEither.right(result.right.spec))
      }),
      { numRuns: 300 }
    )
  })
})
