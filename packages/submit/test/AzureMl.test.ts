import { Data, Estimator, Secret } from "@estimator/core"
import { BaseImages } from "@estimator/env"
import { PyTorch } from "@estimator/frameworks"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { pipe } from "fp-ts/lib/function.js"
import * as Yaml from "yaml"
import * as AzureMl from "../src/AzureMl.js"
import type * as Plan from "../src/Plan.js"
import * as SwaggerCheck from "../src/testing/SwaggerCheck.js"
import * as Testing from "../src/Testing.js"
import { isoDuration } from "../src/internal/units.js"
import {
  argvOf,
  assignmentsOf,
  base,
  context,
  expectPlan,
  expectPlanError,
  project,
  RUN_ID,
  shellWords,
  swagger,
  WS
} from "./utils/planning.js"

const onCluster = (spec: Estimator.Estimator) => Estimator.withCompute(spec, Estimator.cluster("cpu-cluster"))

const plan = (spec: Estimator.Estimator, overrides: Parameters<typeof context>[0] = {}) =>
  expectPlan(AzureMl.plan(spec, context(overrides))).pipe(Effect.provide(project()))

const planError = (spec: Estimator.Estimator) =>
  expectPlanError(AzureMl.plan(spec, context())).pipe(Effect.provide(project()))

/** Every request must be what the official swagger documents for its operation. */
const expectSwaggerValid = (requests: ReadonlyArray<Plan.HttpRequest>) => {
  for (const request of requests) {
    expect(request.apiVersion).toBe("2024-04-01")
    const issues = SwaggerCheck.checkOperation(swagger(), request.method, request.path, request.body)
    expect(issues, `${request.method} ${request.path}\n${JSON.stringify(request.body, null, 2)}`).toEqual([])
  }
}

const jobOf = (plan: Plan.AzureMlPlan): Plan.HttpRequest => {
  const job = plan.requests.at(-1)
  if (job === undefined || !job.path.includes("/jobs/")) throw new Error("the last request is not the job")
  return job
}

const propertiesOf = (plan: Plan.AzureMlPlan): Record<string, unknown> =>
  (jobOf(plan).body as { properties: Record<string, unknown> }).properties

describe("AzureMl.plan: a representative job", () => {
  const spec = pipe(
    base(),
    onCluster,
    Estimator.withMpi(2, 4),
    Estimator.withPip(["numpy"]),
    Estimator.withArgs("--lr", 0.1, "--name", "a b", "--data", Data.input("mnist"), "--epochs", 10, "--debug", false, "--out", Data.outputRef("model")),
    Estimator.withInput("mnist", Data.fromDatastore("workspaceblobstore", "datasets/mnist")),
    Estimator.withInput("labels", Data.fromAsset("labels", { version: "3", mode: "download", type: "uri_file" })),
    Estimator.withInput("lr_schedule", Data.literal("cosine")),
    Estimator.withOutput("model", Data.output()),
    Estimator.withEnv({ OMP_NUM_THREADS: "4" }),
    Estimator.withMaxRunDuration(900),
    Estimator.withShmSize("8g"),
    Estimator.withTags({ team: "vision" }),
    Estimator.withExperimentName("mnist"),
    Estimator.withDisplayName("MNIST run"),
    Estimator.withDescription("trains a CNN")
  )

  it.effect("issues the code version, the anonymous environment and the job, in that order", () =>
    Effect.gen(function*() {
      const result = yield* plan(spec)
      expect(result.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        `PUT ${WS}/codes/{snapshotHash}/versions/1`,
        expect.stringMatching(new RegExp(`^PUT ${WS.replace(/[{}]/g, "\\$&")}/environments/CliV2AnonymousEnvironment/versions/[0-9a-f]{64}$`)),
        `PUT ${WS}/jobs/${RUN_ID}`
      ])
      expect(result.jobName).toBe(RUN_ID)
      expectSwaggerValid(result.requests)
    }))

  it.effect("registers the snapshot as an anonymous code version named by its content hash", () =>
    Effect.gen(function*() {
      const result = yield* plan(spec)
      expect(result.requests[0]?.body).toEqual({
        properties: {
          codeUri: "https://{storageAccount}.blob.core.windows.net/{storageContainer}/LocalUpload/{snapshotHash}/src",
          isAnonymous: true,
          properties: { hash_sha256: "{snapshotHash}", hash_version: "202208" }
        }
      })
      expect(result.uploads).toEqual([
        { kind: "code", field: "sourceDirectory", localPath: "/project/src", datastore: "workspaceblobstore", placeholder: "{snapshotHash}" }
      ])
    }))

  it.effect("registers the default CPU image with v1's conda specification (azureml-defaults first)", () =>
    Effect.gen(function*() {
      const result = yield* plan(spec)
      const body = result.requests[1]?.body as { properties: Record<string, unknown> }
      expect(body.properties["image"]).toBe(BaseImages.DEFAULT_CPU_IMAGE)
      expect(body.properties["osType"]).toBe("Linux")
      expect(body.properties["isAnonymous"]).toBe(true)
      expect(Yaml.parse(String(body.properties["condaFile"]))).toEqual({
        name: "project_environment",
        channels: ["conda-forge"],
        dependencies: ["python=3.8", "pip", { pip: ["azureml-defaults", "numpy"] }]
      })
    }))

  it.effect("sends the CommandJob body the spec describes", () =>
    Effect.gen(function*() {
      const result = yield* plan(spec)
      const environmentId = result.requests[1]?.path
      expect(jobOf(result).body).toEqual({
        properties: {
          jobType: "Command",
          command: [
            "ESTIMATOR_INPUT_MNIST=${{inputs.mnist}}",
            "ESTIMATOR_INPUT_LABELS=${{inputs.labels}}",
            "ESTIMATOR_OUTPUT_MODEL=${{outputs.model}}",
            "python train.py --lr 0.1 --name 'a b' --data ${{inputs.mnist}} --epochs 10 --debug False --out ${{outputs.model}}"
          ].join(" "),
          codeId: `${WS}/codes/{snapshotHash}/versions/1`,
          environmentId,
          environmentVariables: {
            OMP_NUM_THREADS: "4",
            ESTIMATOR_RUN_ID: RUN_ID,
            ESTIMATOR_OUTPUT_DIR: "outputs",
            ESTIMATOR_INPUT_LR_SCHEDULE: "cosine"
          },
          computeId: `${WS}/computes/cpu-cluster`,
          distribution: { distributionType: "Mpi", processCountPerInstance: 4 },
          resources: { instanceCount: 2, shmSize: "8g" },
          limits: { jobLimitsType: "Command", timeout: "PT15M" },
          inputs: {
            mnist: { jobInputType: "uri_folder", uri: "azureml://datastores/workspaceblobstore/paths/datasets/mnist", mode: "ReadOnlyMount" },
            labels: { jobInputType: "uri_file", uri: "azureml:labels:3", mode: "Download" },
            lr_schedule: { jobInputType: "literal", value: "cosine" }
          },
          outputs: { model: { jobOutputType: "uri_folder", mode: "ReadWriteMount" } },
          experimentName: "mnist",
          displayName: "MNIST run",
          description: "trains a CNN",
          tags: { team: "vision" },
          properties: { "estimator.runId": RUN_ID, "estimator.specHash": result.run.specHash },
          isArchived: false
        }
      })
    }))

  it.effect("puts a given workspace into every path and ARM id", () =>
    Effect.gen(function*() {
      const result = yield* plan(spec, { workspace: { subscriptionId: "sub-1", resourceGroup: "rg-1", workspaceName: "ws-1" } })
      const ws = "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/ws-1"
      for (const request of result.requests) expect(request.path.startsWith(ws)).toBe(true)
      const properties = propertiesOf(result)
      expect(properties["codeId"]).toBe(`${ws}/codes/{snapshotHash}/versions/1`)
      expect(properties["computeId"]).toBe(`${ws}/computes/cpu-cluster`)
      expect(JSON.stringify(result.requests)).not.toContain("{subscriptionId}")
      expectSwaggerValid(result.requests)
    }))

  it.effect("names the anonymous environment by its content: same environment, same version; other packages, other version", () =>
    Effect.gen(function*() {
      const first = yield* plan(spec)
      const again = yield* plan(Estimator.withArgs(spec, "--more"))
      const other = yield* plan(Estimator.withPip(spec, ["pandas"]))
      expect(again.requests[1]?.path).toBe(first.requests[1]?.path)
      expect(other.requests[1]?.path).not.toBe(first.requests[1]?.path)
    }))
})

describe("AzureMl.plan: compute", () => {
  it.effect("serverless: instanceType and the job tier, no computeId", () =>
    Effect.gen(function*() {
      const cases = [
        [Estimator.serverless("Standard_NC6s_v3", "lowpriority"), { jobTier: "Spot" }],
        [Estimator.serverless("Standard_NC6s_v3", "dedicated"), { jobTier: "Standard" }],
        [Estimator.serverless("Standard_NC6s_v3"), undefined]
      ] as const
      for (const [compute, queueSettings] of cases) {
        const result = yield* plan(Estimator.withCompute(base(), compute))
        const properties = propertiesOf(result)
        expect(properties["computeId"]).toBeUndefined()
        expect(properties["resources"]).toEqual({ instanceCount: 1, instanceType: "Standard_NC6s_v3", shmSize: "2g" })
        expect(properties["queueSettings"]).toEqual(queueSettings)
        expectSwaggerValid(result.requests)
      }
    }))

  it.effect("local compute is a plan error pointing to the local and docker backends", () =>
    Effect.gen(function*() {
      const error = yield* planError(base())
      expect(error._tag).toBe("Unsupported")
      expect(error.issues).toEqual([expect.objectContaining({ path: "compute", severity: "error", backends: ["local", "docker"] })])
      expect(error.message).toContain("compute is Local")
    }))
})

describe("AzureMl.plan: distribution, limits and resources", () => {
  it.effect("PyTorch and TensorFlow distributions and the instance count", () =>
    Effect.gen(function*() {
      const pytorch = yield* plan(pipe(base(), onCluster, Estimator.withPyTorchDistribution({ nodeCount: 2, processCountPerNode: 8 })))
      expect(propertiesOf(pytorch)["distribution"]).toEqual({ distributionType: "PyTorch", processCountPerInstance: 8 })
      expect(propertiesOf(pytorch)["resources"]).toEqual({ instanceCount: 2, shmSize: "2g" })
      const tensorflow = yield* plan(pipe(base(), onCluster, Estimator.withTensorFlow(3, 1)))
      expect(propertiesOf(tensorflow)["distribution"]).toEqual({ distributionType: "TensorFlow", workerCount: 3, parameterServerCount: 1 })
      expect(propertiesOf(tensorflow)["resources"]).toEqual({ instanceCount: 3, shmSize: "2g" })
      const single = yield* plan(onCluster(base()))
      expect(propertiesOf(single)["distribution"]).toBeUndefined()
      expectSwaggerValid([...pytorch.requests, ...tensorflow.requests, ...single.requests])
    }))

  it.effect("a framework adds its variables and packages, docker arguments are passed on", () =>
    Effect.gen(function*() {
      const result = yield* plan(pipe(base(), onCluster, PyTorch.pytorch("1.6"), (s): Estimator.Estimator => ({ ...s, dockerArgs: "--ipc=host" })))
      const properties = propertiesOf(result)
      expect(properties["environmentVariables"]).toMatchObject({ NCCL_TREE_THRESHOLD: "0" })
      expect(properties["resources"]).toEqual({ instanceCount: 1, shmSize: "2g", dockerArgs: "--ipc=host" })
      const environment = result.requests[1]?.body as { properties: { condaFile: string } }
      expect(environment.properties.condaFile).toContain("torch==1.6.0")
      expectSwaggerValid(result.requests)
    }))

  it.effect("a framework's Python pin replaces the default Python, not the user's", () =>
    Effect.gen(function*() {
      const condaOf = (result: Plan.AzureMlPlan) =>
        Yaml.parse((result.requests[1]?.body as { properties: { condaFile: string } }).properties.condaFile) as { dependencies: ReadonlyArray<unknown> }
      const framework = yield* plan(pipe(base(), onCluster, PyTorch.pytorch("1.6")))
      expect(condaOf(framework).dependencies).toContain("python=3.6.2")
      expect(condaOf(framework).dependencies).not.toContain("python=3.8")
      const userPinned = yield* plan(pipe(base(), onCluster, Estimator.withConda(["python=3.10"]), PyTorch.pytorch("1.6")))
      expect(condaOf(userPinned).dependencies).toContain("python=3.10")
      expect(condaOf(userPinned).dependencies).not.toContain("python=3.6.2")
    }))

  it("writes timeouts as ISO-8601 durations (days, hours, minutes, seconds)", () => {
    expect(isoDuration(900)).toBe("PT15M")
    expect(isoDuration(3600)).toBe("PT1H")
    expect(isoDuration(59)).toBe("PT59S")
    expect(isoDuration(86_400)).toBe("P1D")
    expect(isoDuration(90_061)).toBe("P1DT1H1M1S")
    expect(isoDuration(7_322)).toBe("PT2H2M2S")
  })
})

describe("AzureMl.plan: environments", () => {
  it.effect("a registered environment: no environment request, environmentId refers to it", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [Estimator.RegisteredEnvironment, string]> = [
        [{ name: "my-env", version: "3" }, `${WS}/environments/my-env/versions/3`],
        [{ name: "AzureML-sklearn-1.5", label: "latest" }, "azureml:AzureML-sklearn-1.5@latest"],
        [{ name: "my-env" }, "azureml:my-env@latest"],
        [{ name: "pytorch", version: "7", registry: "azureml" }, "azureml://registries/azureml/environments/pytorch/versions/7"],
        [{ name: "pytorch", label: "stable", registry: "team" }, "azureml://registries/team/environments/pytorch/labels/stable"]
      ]
      for (const [registered, environmentId] of cases) {
        const result = yield* plan(pipe(base(), onCluster, Estimator.withEnvironmentRef(registered)))
        expect(result.requests.map((r) => r.path)).toEqual([`${WS}/codes/{snapshotHash}/versions/1`, `${WS}/jobs/${RUN_ID}`])
        expect(propertiesOf(result)["environmentId"]).toBe(environmentId)
        expectSwaggerValid(result.requests)
      }
    }))

  it.effect("a custom image from a registry without credentials; user-managed Python sends no conda file", () =>
    Effect.gen(function*() {
      const result = yield* plan(pipe(base(), onCluster, Estimator.withImage("team/train:1", { address: "myacr.azurecr.io" }), Estimator.withUserManagedPython))
      expect(result.requests[1]?.body).toEqual({ properties: { image: "myacr.azurecr.io/team/train:1", osType: "Linux", isAnonymous: true } })
      expectSwaggerValid(result.requests)
    }))

  it.effect("a build context is uploaded and built: contextUri with a trailing slash, the Dockerfile path", () =>
    Effect.gen(function*() {
      const result = yield* plan(pipe(base(), onCluster, Estimator.withBuildContext("docker", "Dockerfile.gpu")))
      expect(result.requests[1]).toEqual({
        method: "PUT",
        path: `${WS}/environments/CliV2AnonymousEnvironment/versions/{buildContextHash}`,
        apiVersion: "2024-04-01",
        body: {
          properties: {
            build: { contextUri: "https://{storageAccount}.blob.core.windows.net/{storageContainer}/LocalUpload/{buildContextHash}/docker/", dockerfilePath: "Dockerfile.gpu" },
            osType: "Linux",
            isAnonymous: true
          }
        }
      })
      expect(propertiesOf(result)["environmentId"]).toBe(`${WS}/environments/CliV2AnonymousEnvironment/versions/{buildContextHash}`)
      expect(result.uploads[1]).toEqual({ kind: "buildContext", field: "environment.build", localPath: "/project/src/docker", datastore: "workspaceblobstore", placeholder: "{buildContextHash}" })
      expectSwaggerValid(result.requests)
    }))

  it.effect("a GPU job starts from the GPU image", () =>
    Effect.gen(function*() {
      const result = yield* plan(pipe(base(), onCluster, Estimator.withGpu))
      expect((result.requests[1]?.body as { properties: { image: string } }).properties.image).toBe(BaseImages.DEFAULT_GPU_IMAGE)
    }))
})

describe("AzureMl.plan: data", () => {
  it.effect("a local input is uploaded and read from the default datastore; URIs and asset labels pass through", () =>
    Effect.gen(function*() {
      const result = yield* plan(pipe(
        base(),
        onCluster,
        Estimator.withInput("data", Data.fromLocal("data/mnist")),
        Estimator.withInput("web", Data.fromUri("https://example.com/x.csv", { type: "uri_file", mode: "direct" })),
        Estimator.withInput("asset", Data.fromAsset("faces", { label: "prod", mode: "eval_mount" })),
        Estimator.withOutput("scores", Data.output({ mode: "upload", destination: Data.datastorePath("results", "runs/scores") }))
      ))
      const properties = propertiesOf(result)
      expect(properties["inputs"]).toEqual({
        data: { jobInputType: "uri_folder", uri: "azureml://datastores/workspaceblobstore/paths/LocalUpload/{inputHash.data}/mnist", mode: "ReadOnlyMount" },
        web: { jobInputType: "uri_file", uri: "https://example.com/x.csv", mode: "Direct" },
        asset: { jobInputType: "uri_folder", uri: "azureml:faces@prod", mode: "EvalMount" }
      })
      expect(properties["outputs"]).toEqual({
        scores: { jobOutputType: "uri_folder", mode: "Upload", uri: "azureml://datastores/results/paths/runs/scores" }
      })
      expect(result.uploads).toContainEqual({ kind: "input", field: "inputs.data", localPath: "/project/data/mnist", datastore: "workspaceblobstore", placeholder: "{inputHash.data}" })
      expectSwaggerValid(result.requests)
    }))

  it.effect("resumeFrom becomes the MODEL_LOCATION input and --resume-from ${{inputs.MODEL_LOCATION}}", () =>
    Effect.gen(function*() {
      const result = yield* plan(pipe(base(), onCluster, Estimator.withResumeFrom(Data.datastorePath("ckpt", "run-7"))))
      const properties = propertiesOf(result)
      expect(properties["inputs"]).toEqual({
        MODEL_LOCATION: { jobInputType: "uri_folder", uri: "azureml://datastores/ckpt/paths/run-7", mode: "ReadOnlyMount" }
      })
      expect(properties["command"]).toBe("ESTIMATOR_INPUT_MODEL_LOCATION=${{inputs.MODEL_LOCATION}} python train.py --resume-from ${{inputs.MODEL_LOCATION}}")
    }))

  it.effect("an uploaded code folder goes to sourceDirectoryDatastore when set", () =>
    Effect.gen(function*() {
      const result = yield* plan(pipe(base(), onCluster, Estimator.withSourceDirectoryDatastore("codestore")))
      expect(result.uploads[0]?.datastore).toBe("codestore")
    }))

  it.effect("a spec's command is sent verbatim, with a warning that the contract's data variables are not set", () =>
    Effect.gen(function*() {
      const command = "python train.py --data ${{inputs.data}} && echo done"
      const spec = pipe(
        Estimator.make({ command, sourceDirectory: "src" }),
        onCluster,
        Estimator.withInput("data", Data.fromDatastore("ds", "x"))
      )
      const result = yield* plan(spec)
      expect(propertiesOf(result)["command"]).toBe(command)
      expect(result.warnings).toContainEqual(expect.objectContaining({ path: "command", code: "contract-variables-not-set", severity: "warning" }))
      expectSwaggerValid(result.requests)
    }))
})

describe("AzureMl.plan: what it cannot honour", () => {
  it.effect("each field is an error naming it and the backends that can honour it", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [string, Estimator.Estimator, string, ReadonlyArray<string>]> = [
        ["docker off", pipe(base(), onCluster, Estimator.withoutDocker), "environment.docker", ["local"]],
        ["a secret variable", pipe(base(), onCluster, Estimator.withSecretEnv({ TOKEN: Secret.fromEnv("TOKEN") })), "secretEnvironmentVariables.TOKEN", ["local", "docker"]],
        ["registry credentials", pipe(base(), onCluster, Estimator.withImage("team/x:1", { address: "r.io", username: "me", password: Secret.fromEnv("PW") })), "environment.image.registry.password", ["docker"]],
        ["a literal without a word character", pipe(base(), onCluster, Estimator.withInput("sep", Data.literal("--"))), "inputs.sep", ["local", "docker"]],
        ["an output asset", pipe(base(), onCluster, Estimator.withOutput("model", Data.output({ assetName: "model" }))), "outputs.model.assetName", []],
        ["an argument with ${{", pipe(base(), onCluster, Estimator.withArgs("${{inputs.x}}")), "arguments[0]", ["local", "docker"]]
      ]
      for (const [label, spec, field, backends] of cases) {
        const error = yield* planError(spec)
        expect(error._tag, label).toBe("Unsupported")
        expect(error.issues, label).toEqual([expect.objectContaining({ path: field, code: "unsupported-by-backend", severity: "error", backends })])
      }
    }))

  it.effect("reports every unsupported field at once", () =>
    Effect.gen(function*() {
      const error = yield* planError(pipe(base(), Estimator.withoutDocker, Estimator.withSecretEnv({ TOKEN: Secret.fromEnv("TOKEN") })))
      expect(error.issues.map((i) => i.path)).toEqual(["compute", "environment.docker", "secretEnvironmentVariables.TOKEN"])
    }))
})

describe("AzureMl.plan: the swagger check catches wrong bodies", () => {
  it.effect("a wrong enum, a missing required field, an unknown property and a response-only field are reported", () =>
    Effect.gen(function*() {
      const result = yield* plan(pipe(base(), Estimator.withCompute(Estimator.serverless("Standard_DS3_v2", "lowpriority")), Estimator.withInput("d", Data.fromDatastore("ds", "p"))))
      const job = jobOf(result)
      expect(SwaggerCheck.checkOperation(swagger(), "PUT", job.path, job.body)).toEqual([])
      const mutate = (edit: (properties: Record<string, any>) => void) => {
        const body = structuredClone(job.body) as { properties: Record<string, any> }
        edit(body.properties)
        return SwaggerCheck.checkOperation(swagger(), "PUT", job.path, body)
      }
      expect(mutate((p) => { p["queueSettings"].jobTier = "Cheap" })).toContainEqual(expect.objectContaining({ path: "/properties/queueSettings/jobTier" }))
      expect(mutate((p) => { delete p["command"] })).toContainEqual(expect.objectContaining({ path: "/properties/command" }))
      expect(mutate((p) => { p["inputs"].d.mode = "ReadOnly" })).toContainEqual(expect.objectContaining({ path: "/properties/inputs/d/mode" }))
      expect(mutate((p) => { p["resources"].shmSize = "lots" })).toContainEqual(expect.objectContaining({ path: "/properties/resources/shmSize" }))
      expect(mutate((p) => { p["instanceCount"] = 2 })).toContainEqual(expect.objectContaining({ path: "/properties/instanceCount" }))
      expect(mutate((p) => { p["status"] = "Running" })).toContainEqual(expect.objectContaining({ path: "/properties/status" }))
    }))
})

describe("AzureMl.plan: properties over valid specs", () => {
  it.effect.prop(
    "every request of every plan passes the swagger check",
    [Testing.arbitraries.supportedBy("azureml")],
    ([spec]) =>
      Effect.gen(function*() {
        const result = yield* Effect.either(AzureMl.plan(spec, context()))
        // Supported valid specs only fail on the project's files (e.g. a Dockerfile that is not there).
        if (result._tag === "Left") expect(result.left._tag).toBe("InvalidSpec")
        else expectSwaggerValid(result.right.requests)
      }).pipe(Effect.provide(project({ assumeExists: true }))),
    { fastCheck: { numRuns: 150 } }
  )

  it.effect.prop(
    "the command, split as a POSIX shell splits it, is python, the script and the arguments exactly",
    [Testing.arbitraries.supportedBy("azureml").filter((spec) => spec.entryScript !== undefined)],
    ([spec]) =>
      Effect.gen(function*() {
        const result = yield* expectPlan(AzureMl.plan(spec, context()))
        const inputs = Estimator.effectiveInputs(spec)
        const expected = Estimator.effectiveArguments(spec).map((argument) =>
          Estimator.renderArgument(argument, (reference) => {
            if (reference._tag === "OutputRef") return `\${{outputs.${reference.name}}}`
            const input = inputs[reference.name]
            return input?._tag === "Literal" ? Estimator.renderArgument(input.value, () => "") : `\${{inputs.${reference.name}}}`
          })
        )
        const command = String(propertiesOf(result)["command"])
        expect(argvOf(command)).toEqual(["python", spec.entryScript, ...expected])
        const dataInputs = Object.entries(inputs).filter(([, input]) => input._tag === "Data").map(([name]) => `ESTIMATOR_INPUT_${name.toUpperCase()}=\${{inputs.${name}}}`)
        const outputs = Object.keys(spec.outputs).map((name) => `ESTIMATOR_OUTPUT_${name.toUpperCase()}=\${{outputs.${name}}}`)
        expect(assignmentsOf(command)).toEqual([...dataInputs, ...outputs])
      }).pipe(Effect.provide(project({ assumeExists: true }))),
    { fastCheck: { numRuns: 150 } }
  )

  it.effect("spaces, quotes, $(...), ;, newlines and an apostrophe survive the command line", () =>
    Effect.gen(function*() {
      const nasty = ["a b", "it's", "\"quoted\"", "$(rm -rf /)", "x; y", "line1\nline2", "`id`", "*", "", "--flag=$HOME"]
      const result = yield* plan(pipe(base(), onCluster, Estimator.withArgs(...nasty)))
      const command = String(propertiesOf(result)["command"])
      expect(command).toBe(`python train.py 'a b' 'it'\\''s' '"quoted"' '$(rm -rf /)' 'x; y' 'line1\nline2' '\`id\`' '*' '' '--flag=$HOME'`)
      expect(argvOf(command)).toEqual(["python", "train.py", ...nasty])
    }))

  it("the test's shell splitter follows POSIX quoting", () => {
    expect(shellWords(`a 'b c' "d \\" e" f\\ g 'it'\\''s' X=1`).map((w) => w.value)).toEqual(["a", "b c", "d \" e", "f g", "it's", "X=1"])
    expect(argvOf("A=1 B='x y' python 'a;b' '$(id)'")).toEqual(["python", "a;b", "$(id)"])
    expect(assignmentsOf("A=1 B='x y' python")).toEqual(["A=1", "B=x y"])
    expect(argvOf("'A=1' python")).toEqual(["A=1", "python"])
  })
})
