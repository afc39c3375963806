import { Data, Estimator, Secret } from "@estimator/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { pipe } from "fp-ts/lib/function.js"
import * as path from "node:path"
import * as Backend from "../src/Backend.js"
import * as Local from "../src/Local.js"
import type * as Plan from "../src/Plan.js"
import * as Testing from "../src/Testing.js"
import { base, BASE, context, expectPlan, expectPlanError, project, RUN_DIRECTORY, RUN_ID } from "./utils/planning.js"

const plan = (spec: Estimator.Estimator, options?: Local.Options, files?: Record<string, string>) =>
  expectPlan(Local.plan(spec, context(), options)).pipe(Effect.provide(project(files === undefined ? {} : { files })))

const planError = (spec: Estimator.Estimator) => expectPlanError(Local.plan(spec, context())).pipe(Effect.provide(project()))

const SNAPSHOT = `${RUN_DIRECTORY}/snapshot`
const OUTPUTS = `${RUN_DIRECTORY}/outputs`

const contract = { ESTIMATOR_RUN_ID: RUN_ID, ESTIMATOR_OUTPUT_DIR: OUTPUTS }

describe("Local.plan: processes", () => {
  it.effect("one process: the interpreter, the script and the arguments exactly; cwd is the snapshot", () =>
    Effect.gen(function*() {
      const spec = pipe(
        base(),
        Estimator.withArgs("--epochs", 10, "--name", "a b", "--data", Data.input("mnist"), "--out", Data.outputRef("model"), "--lr", Data.input("lr"), "--flag", true),
        Estimator.withInput("mnist", Data.fromLocal("data/mnist")),
        Estimator.withInput("lr", Data.literal(0.5)),
        Estimator.withOutput("model", Data.output()),
        Estimator.withEnv({ OMP_NUM_THREADS: "4" }),
        Estimator.withSecretEnv({ TOKEN: Secret.fromEnv("TOKEN") })
      )
      const result = yield* plan(spec)
      expect(result.processes).toEqual([{
        argv: ["python3", "train.py", "--epochs", "10", "--name", "a b", "--data", "/project/data/mnist", "--out", `${OUTPUTS}/model`, "--lr", "0.5", "--flag", "True"],
        cwd: SNAPSHOT,
        env: {
          OMP_NUM_THREADS: "4",
          TOKEN: "<redacted>",
          ...contract,
          ESTIMATOR_OUTPUT_MODEL: `${OUTPUTS}/model`,
          ESTIMATOR_INPUT_MNIST: "/project/data/mnist",
          ESTIMATOR_INPUT_LR: "0.5"
        }
      }])
      expect(result.warnings).toEqual([])
      expect(result.run).toEqual({
        runId: RUN_ID,
        specHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        spec,
        sourceDirectory: "/project/src",
        runDirectory: RUN_DIRECTORY,
        secrets: { TOKEN: Secret.fromEnv("TOKEN") }
      })
    }))

  it.effect("a file input is its own path; the interpreter is configurable", () =>
    Effect.gen(function*() {
      const spec = pipe(base(), Estimator.withArgs(Data.input("labels")), Estimator.withInput("labels", Data.fromLocal("data/labels.csv", { type: "uri_file" })))
      const result = yield* plan(spec, { python: "/opt/py/bin/python3.11" })
      expect(result.processes[0]?.argv).toEqual(["/opt/py/bin/python3.11", "train.py", "/project/data/labels.csv"])
    }))

  it.effect("MPI: one local mpirun starting every rank and forwarding the job's variables by name", () =>
    Effect.gen(function*() {
      const spec = pipe(base(), Estimator.withMpi(1, 4), Estimator.withEnv({ A: "1" }), Estimator.withSecretEnv({ S: Secret.fromFile("/run/secrets/s") }), Estimator.withArgs("--x"))
      const result = yield* plan(spec)
      expect(result.processes).toEqual([{
        argv: [
          "mpirun", "--oversubscribe", "-np", "4", "--map-by", "ppr:4:node", "--bind-to", "none",
          "-x", "A", "-x", "S", "-x", "ESTIMATOR_RUN_ID", "-x", "ESTIMATOR_OUTPUT_DIR",
          "python3", "train.py", "--x"
        ],
        cwd: SNAPSHOT,
        env: { A: "1", S: "<redacted>", ...contract }
      }])
    }))

  it.effect("PyTorch: one process per rank, each with the torch.distributed variables", () =>
    Effect.gen(function*() {
      const result = yield* plan(pipe(base(), Estimator.withPyTorchDistribution({ nodeCount: 1, processCountPerNode: 2 })))
      expect(result.processes).toEqual([0, 1].map((rank) => ({
        argv: ["python3", "train.py"],
        cwd: SNAPSHOT,
        env: {
          ...contract,
          MASTER_ADDR: "localhost",
          MASTER_PORT: "29500",
          WORLD_SIZE: "2",
          RANK: String(rank),
          LOCAL_RANK: String(rank),
          LOCAL_WORLD_SIZE: "2",
          NODE_RANK: "0"
        }
      })))
    }))

  it.effect("TensorFlow: one process per task, each with its TF_CONFIG", () =>
    Effect.gen(function*() {
      const result = yield* plan(pipe(base(), Estimator.withTensorFlow(1, 1)))
      expect(result.processes.map((p) => JSON.parse(p.env["TF_CONFIG"] ?? "null"))).toEqual([
        { cluster: { worker: ["localhost:2222"], ps: ["localhost:2223"] }, task: { type: "worker", index: 0 } },
        { cluster: { worker: ["localhost:2222"], ps: ["localhost:2223"] }, task: { type: "ps", index: 0 } }
      ])
      for (const process of result.processes) expect(process.argv).toEqual(["python3", "train.py"])
    }))

  it.effect("a command runs with /bin/sh -c, references replaced by quoted paths", () =>
    Effect.gen(function*() {
      const spec = pipe(
        Estimator.make({ command: "python train.py --data ${{inputs.data}} --out ${{outputs.out}}", sourceDirectory: "src" }),
        Estimator.withInput("data", Data.fromLocal("data/my dir")),
        Estimator.withOutput("out", Data.output())
      )
      const result = yield* plan(spec, {}, { "/project/data/my dir/x.csv": "1\n" })
      expect(result.processes[0]?.argv).toEqual(["/bin/sh", "-c", `python train.py --data '/project/data/my dir' --out ${OUTPUTS}/out`])
    }))

  it.effect("runsDirectory relocates the run store", () =>
    Effect.gen(function*() {
      const result = yield* expectPlan(Local.plan(base(), context({ runsDirectory: "/tmp/store" }))).pipe(Effect.provide(project()))
      expect(result.processes[0]?.cwd).toBe("/tmp/store/run-1/snapshot")
      expect(result.processes[0]?.env["ESTIMATOR_OUTPUT_DIR"]).toBe("/tmp/store/run-1/outputs")
    }))
})

describe("Local.plan: what it cannot honour and what it ignores", () => {
  it.effect("errors name the field and the backends that can honour it", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [Estimator.Estimator, string, ReadonlyArray<string>]> = [
        [pipe(base(), Estimator.withCompute(Estimator.cluster("c")), Estimator.withMpi(2, 1)), "nodeCount", ["azureml"]],
        [Estimator.withImage(base(), "python:3.11"), "environment.image", ["docker", "azureml"]],
        [Estimator.withBuildContext(base(), "docker"), "environment.build", ["docker", "azureml"]],
        [Estimator.withEnvironmentRef(base(), { name: "env", version: "1" }), "environment.registered", ["azureml"]],
        [Estimator.withInput(base(), "d", Data.fromDatastore("ds", "p")), "inputs.d", ["azureml"]],
        [Estimator.withInput(base(), "d", Data.fromAsset("a")), "inputs.d", ["azureml"]],
        [Estimator.withInput(base(), "d", Data.fromUri("https://x/y")), "inputs.d", ["azureml"]],
        [Estimator.withResumeFrom(base(), Data.datastorePath("ds", "ckpt")), "resumeFrom", ["azureml"]],
        [{ ...base(), dockerArgs: "--ipc=host" }, "dockerArgs", ["azureml"]],
        [Estimator.withOutput(base(), "o", Data.output({ destination: Data.datastorePath("ds", "o") })), "outputs.o.destination", ["azureml"]]
      ]
      for (const [spec, field, backends] of cases) {
        const error = yield* planError(spec)
        expect(error._tag, field).toBe("Unsupported")
        expect(error.backend).toBe("local")
        expect(error.issues.find((i) => i.path === field), field).toMatchObject({ code: "unsupported-by-backend", severity: "error", backends })
        expect(error.message).toContain(field)
      }
    }))

  it.effect("ignored fields are warnings naming the backends where they take effect", () =>
    Effect.gen(function*() {
      const spec = pipe(base(), Estimator.withShmSize("8g"), Estimator.withGpu, Estimator.withPip(["numpy"]), Estimator.withCompute(Estimator.cluster("c")))
      const result = yield* plan(spec)
      expect(result.warnings.map((w) => [w.path, w.code, w.severity, (w as { backends?: unknown }).backends])).toEqual([
        ["compute", "ignored-by-backend", "warning", ["azureml"]],
        ["gpu", "ignored-by-backend", "warning", ["docker", "azureml"]],
        ["environment.pipPackages", "ignored-by-backend", "warning", ["docker", "azureml"]],
        ["shmSize", "ignored-by-backend", "warning", ["docker", "azureml"]]
      ])
    }))

  it.effect("a missing local input is an error; a missing optional one is a warning and is left out", () =>
    Effect.gen(function*() {
      const error = yield* planError(Estimator.withInput(base(), "d", Data.fromLocal("nowhere")))
      expect(error._tag).toBe("InvalidSpec")
      expect(error.issues).toEqual([expect.objectContaining({ path: "inputs.d.source.path", code: "local-input-missing" })])
      const result = yield* plan(Estimator.withInput(base(), "d", Data.fromLocal("nowhere", { optional: true })))
      expect(result.warnings).toEqual([expect.objectContaining({ path: "inputs.d.source.path", code: "local-input-missing", severity: "warning" })])
      expect(result.processes[0]?.env).not.toHaveProperty("ESTIMATOR_INPUT_D")
    }))
})

describe("Local.plan: properties", () => {
  const scripts = Testing.arbitraries.supportedBy("local").filter((spec) => spec.entryScript !== undefined)

  it.effect.prop(
    "argv ends with the interpreter, the script and every argument exactly as rendered",
    [scripts],
    ([spec]) =>
      Effect.gen(function*() {
        const result = yield* expectPlan(Local.plan(spec, context()))
        const inputs = Estimator.effectiveInputs(spec)
        const expected = Estimator.effectiveArguments(spec).map((argument) =>
          Estimator.renderArgument(argument, (reference) => {
            if (reference._tag === "OutputRef") return `${OUTPUTS}/${reference.name}`
            const input = inputs[reference.name]
            if (input?._tag === "Literal") return Estimator.renderArgument(input.value, () => "")
            return input?._tag === "Data" && input.source._tag === "LocalPath" ? path.resolve(BASE, input.source.path) : "?"
          })
        )
        const suffix = ["python3", spec.entryScript, ...expected]
        expect(result.processes.length).toBeGreaterThan(0)
        for (const process of result.processes) {
          expect(process.argv.slice(-suffix.length)).toEqual(suffix)
          expect(process.cwd).toBe(SNAPSHOT)
          expect(process.env["ESTIMATOR_RUN_ID"]).toBe(RUN_ID)
          for (const name of Object.keys(spec.secretEnvironmentVariables)) expect(process.env[name]).toBe("<redacted>")
          for (const name of Object.keys(inputs)) expect(process.env).toHaveProperty(`ESTIMATOR_INPUT_${name.toUpperCase()}`)
        }
      }).pipe(Effect.provide(project({ assumeExists: true }))),
    { fastCheck: { numRuns: 120 } }
  )

  it.effect.prop(
    "the process count is the world size (one mpirun for MPI)",
    [Testing.arbitraries.supportedBy("local")],
    ([spec]) =>
      Effect.gen(function*() {
        const result = yield* expectPlan(Local.plan(spec, context()))
        const expected = spec.distribution._tag === "Mpi" ? 1 : Estimator.worldSize(spec)
        expect(result.processes.length).toBe(expected)
        if (spec.distribution._tag === "Mpi") {
          expect(result.processes[0]?.argv.slice(0, 4)).toEqual(["mpirun", "--oversubscribe", "-np", String(spec.processCountPerNode)])
        }
      }).pipe(Effect.provide(project({ assumeExists: true }))),
    { fastCheck: { numRuns: 100 } }
  )
})

describe("Local.layer", () => {
  it.effect("plans through the Backend service and executes only its own plans (runs: LocalRun.test.ts)", () =>
    Effect.gen(function*() {
      const planned = yield* Backend.plan(base(), context())
      expect(planned.backend).toBe("local")
      expect((planned as Plan.LocalPlan).processes[0]?.argv).toEqual(["python3", "train.py"])
      const capabilities = yield* Backend.capabilities
      expect(capabilities.nodeCount.support).toBe("unsupported")
      const foreign = { ...planned, backend: "azureml" } as unknown as Plan.Plan
      const executed = yield* Effect.either(Backend.execute(foreign))
      expect(Either.isLeft(executed) && executed.left._tag).toBe("WrongBackend")
    }).pipe(Effect.provide(Local.layerWith({ python: "python3" })), Effect.provide(project())))
})
