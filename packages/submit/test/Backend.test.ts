import { Data, Estimator, Secret } from "@estimator/core"
import type { FileSystem } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Random, Stream, TestClock } from "effect"
import * as fc from "fast-check"
import { pipe } from "fp-ts/lib/function.js"
import * as AzureMl from "../src/AzureMl.js"
import * as Backend from "../src/Backend.js"
import * as Docker from "../src/Docker.js"
import * as DryRun from "../src/DryRun.js"
import * as Local from "../src/Local.js"
import * as Plan from "../src/Plan.js"
import * as PlanError from "../src/PlanError.js"
import * as Testing from "../src/Testing.js"
import { base, context, expectPlan, expectPlanError, outcome, project } from "./utils/planning.js"

const layers: { readonly [B in Backend.BackendName]: Layer.Layer<Backend.Backend, never, FileSystem.FileSystem> } = {
  "dry-run": DryRun.layer,
  local: Local.layer,
  docker: Docker.layerWith({ imageExists: () => Effect.succeed(false) }),
  azureml: AzureMl.layer
}

const planWith = (backend: Backend.BackendName, spec: Estimator.Estimator, fileSystem = project({ assumeExists: true })) =>
  Backend.plan(spec, context()).pipe(Effect.provide(layers[backend]), Effect.provide(fileSystem))

describe("Backend: vocabulary", () => {
  it("the status vocabulary is Azure ML's, and only Completed, Failed and Canceled are terminal", () => {
    expect(Backend.statuses).toEqual([
      "NotStarted", "Queued", "Preparing", "Running", "Finalizing", "CancelRequested", "Completed", "Failed", "Canceled", "NotResponding"
    ])
    expect(Backend.statuses.filter(Backend.isTerminal)).toEqual(["Completed", "Failed", "Canceled"])
  })

  it("backend names", () => {
    expect(Backend.names).toEqual(["dry-run", "local", "docker", "azureml"])
    expect(Backend.isBackendName("docker")).toBe(true)
    expect(Backend.isBackendName("kubernetes")).toBe(false)
  })

  it.effect("run ids: UTC time then 8 random characters, deterministic under TestClock and a seeded Random", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("1 days")
      const first = yield* Backend.generateRunId.pipe(Effect.withRandom(Random.make(7)))
      const again = yield* Backend.generateRunId.pipe(Effect.withRandom(Random.make(7)))
      const other = yield* Backend.generateRunId.pipe(Effect.withRandom(Random.make(8)))
      expect(first).toMatch(/^19700102-000000-[a-z0-9]{8}$/)
      expect(again).toBe(first)
      expect(other).not.toBe(first)
      yield* TestClock.adjust("61 minutes")
      expect(yield* Backend.generateRunId).toMatch(/^19700102-010100-[a-z0-9]{8}$/)
    }))

  it.effect("the generated run id is used when the context gives none", () =>
    Effect.gen(function*() {
      const result = yield* expectPlan(Local.plan(base(), { baseDirectory: "/project" })).pipe(Effect.provide(project()))
      expect(result.run.runId).toMatch(/^\d{8}-\d{6}-[a-z0-9]{8}$/)
      expect(result.processes[0]?.cwd).toBe(`/project/.estimator/runs/${result.run.runId}/snapshot`)
    }))
})

describe("Backend: capabilities", () => {
  it("the dry run honours every feature; every executing backend says something about every feature", () => {
    for (const feature of Object.keys(Backend.features) as ReadonlyArray<Backend.Feature>) {
      expect(Backend.capabilityTable["dry-run"][feature].support).toBe("supported")
      for (const backend of Backend.executingNames) {
        expect(["supported", "ignored", "unsupported"]).toContain(Backend.capabilityTable[backend][feature].support)
        expect(Backend.capabilityTable[backend][feature].note.length).toBeGreaterThan(10)
      }
    }
  })

  it("the tables say what DESIGN says", () => {
    const support = (backend: Backend.BackendName, feature: Backend.Feature) => Backend.capabilityTable[backend][feature].support
    expect(support("local", "nodeCount")).toBe("unsupported")
    expect(support("docker", "nodeCount")).toBe("unsupported")
    expect(support("azureml", "nodeCount")).toBe("supported")
    expect(support("azureml", "environment.noDocker")).toBe("unsupported")
    expect(support("local", "environment.noDocker")).toBe("supported")
    expect(support("docker", "environment.registered")).toBe("unsupported")
    expect(support("docker", "inputs.datastore")).toBe("unsupported")
    expect(support("local", "inputs.uri")).toBe("unsupported")
    expect(support("local", "shmSize")).toBe("ignored")
    expect(support("local", "gpu")).toBe("ignored")
    expect(support("docker", "gpu")).toBe("supported")
    expect(support("azureml", "inputs.localPath")).toBe("supported")
  })

  it.effect.prop(
    "an unsupported field names exactly the backends whose table supports it, and those backends do plan that field",
    [Testing.arbitraries.estimator],
    ([spec]) =>
      Effect.gen(function*() {
        const results = new Map<Backend.BackendName, Either.Either<Plan.Plan, PlanError.PlanError>>()
        for (const backend of Backend.executingNames) results.set(backend, yield* Effect.either(planWith(backend, spec)))
        for (const [backend, result] of results) {
          if (result._tag !== "Left" || result.left._tag !== "Unsupported") continue
          for (const issue of result.left.issues) {
            if (issue.code !== "unsupported-by-backend") continue
            expect(issue.backends).not.toContain(backend)
            for (const other of issue.backends) {
              const otherResult = results.get(other)
              const rejected = otherResult?._tag === "Left" && otherResult.left.issues.some((i) => i.path === issue.path && i.code === "unsupported-by-backend")
              expect(rejected, `${backend} says ${other} can honour ${issue.path}`).toBe(false)
            }
          }
        }
      }),
    { fastCheck: { numRuns: 120 } }
  )
})

describe("Backend: every plan is total", () => {
  it.effect.prop(
    "over valid specs, every backend's plan succeeds or fails with a PlanError, never a defect",
    [Testing.arbitraries.estimator, fc.boolean()],
    ([spec, withFiles]) =>
      Effect.gen(function*() {
        const fileSystem = withFiles ? project({ assumeExists: true }) : Testing.fileSystem({ files: { "/project/src/train.py": "" } })
        for (const backend of Backend.names) {
          expect(yield* outcome(planWith(backend, spec, fileSystem))).toMatch(/^plan(-error)?$/)
        }
      }),
    { fastCheck: { numRuns: 150 } }
  )

  it.effect("a malformed spec is an InvalidSpec naming each bad path, not a crash", () =>
    Effect.gen(function*() {
      const malformed = { ...base(), nodeCount: "two", arguments: [{ _tag: "Nope" }] } as unknown as Estimator.Estimator
      for (const backend of Backend.names) {
        const error = yield* expectPlanError(planWith(backend, malformed))
        expect(error._tag).toBe("InvalidSpec")
        expect(error.issues.map((i) => i.code)).toEqual(error.issues.map(() => "malformed-spec"))
        expect(error.issues.map((i) => i.path)).toEqual(expect.arrayContaining(["nodeCount"]))
      }
      expect(yield* outcome(planWith("local", null as unknown as Estimator.Estimator))).toBe("plan-error")
    }))
})

describe("Backend: invalid specs and missing files", () => {
  it.effect("validation errors: every one, on every backend, with no backend able to honour them", () =>
    Effect.gen(function*() {
      const spec: Estimator.Estimator = { ...base(), nodeCount: 0, environmentVariables: { "BAD NAME": "x" }, maxRunDurationSeconds: -1 }
      for (const backend of Backend.names) {
        const error = yield* expectPlanError(planWith(backend, spec))
        expect(error._tag).toBe("InvalidSpec")
        expect(error.backend).toBe(backend)
        expect(error.issues.map((i) => i.path)).toEqual(["nodeCount", "maxRunDurationSeconds", "environmentVariables.BAD NAME"])
        for (const issue of error.issues) expect(issue.backends).toEqual([])
      }
    }))

  it.effect("a missing source directory, entry script or conda file is named with its path", () =>
    Effect.gen(function*() {
      const empty = Testing.fileSystem({ files: { "/project/src/other.py": "" } })
      const noScript = yield* expectPlanError(planWith("local", base(), empty))
      expect(noScript.issues).toEqual([expect.objectContaining({ path: "entryScript", code: "entry-script-missing", message: expect.stringContaining("/project/src/train.py") })])
      const noSource = yield* expectPlanError(planWith("docker", Estimator.make({ entryScript: "x.py", sourceDirectory: "nope" }), empty))
      expect(noSource.issues).toEqual([expect.objectContaining({ path: "sourceDirectory", code: "source-directory-missing" })])
      const noConda = yield* expectPlanError(planWith("azureml", pipe(base(), Estimator.withCompute(Estimator.cluster("c")), Estimator.withCondaFile("env.yml")), project()))
      expect(noConda.issues).toEqual([expect.objectContaining({ path: "environment.condaFile", code: "conda-file-missing" })])
    }))

  it.effect("a malformed conda file is reported with its line", () =>
    Effect.gen(function*() {
      const fileSystem = project({ files: { "/project/src/env.yml": "name: x\ndependencies: [\n" } })
      const error = yield* expectPlanError(planWith("dry-run", Estimator.withCondaFile(base(), "env.yml"), fileSystem))
      expect(error.issues).toEqual([expect.objectContaining({ path: "environment.condaFile", code: "conda-file-invalid" })])
    }))

  it.effect("NUL characters and option-like scripts cannot reach a process", () =>
    Effect.gen(function*() {
      const error = yield* expectPlanError(planWith("local", Estimator.withArgs(base(), "a\u0000b")))
      expect(error.issues).toEqual([expect.objectContaining({ path: "arguments[0]", code: "nul-character" })])
      const option = yield* expectPlanError(planWith("local", Estimator.make({ entryScript: "-c.py" })))
      expect(option.issues).toEqual([expect.objectContaining({ path: "entryScript", code: "entry-script-option" })])
    }))

  it.effect("an injected run id must be usable as a job name and a folder", () =>
    Effect.gen(function*() {
      const error = yield* expectPlanError(Local.plan(base(), context({ runId: Effect.succeed("../escape") }))).pipe(Effect.provide(project()))
      expect(error.issues).toEqual([expect.objectContaining({ path: "runId", code: "invalid-run-id" })])
    }))
})

describe("Backend: secrets never appear in a plan", () => {
  const CANARY_VARIABLE = "ESTIMATOR_SUBMIT_TEST_CANARY"
  const CANARY = "canary-9f8e7d6c5b4a-do-not-print"

  it.effect.prop(
    "with the canary in the process environment, no plan or plan error of any backend contains it",
    [Testing.arbitraries.estimator],
    ([generated]) =>
      Effect.gen(function*() {
        process.env[CANARY_VARIABLE] = CANARY
        const spec = pipe(
          generated,
          Estimator.withSecretEnv({ CANARY_TOKEN: Secret.fromEnv(CANARY_VARIABLE) }),
          (s) => s.environment.image === undefined ? s : Estimator.withImage(s, s.environment.image.name, { address: "r.io", username: "me", password: Secret.fromEnv(CANARY_VARIABLE) })
        )
        for (const backend of Backend.names) {
          const result = yield* Effect.either(planWith(backend, spec))
          const shown = Either.isRight(result)
            ? JSON.stringify(result.right) + JSON.stringify(Plan.toJson(result.right))
            : JSON.stringify(PlanError.toJson(result.left)) + result.left.message + String(result.left)
          expect(shown).not.toContain(CANARY)
          if (Either.isRight(result) && result.right.backend !== "azureml") {
            expect(result.right.run.secrets["CANARY_TOKEN"]).toEqual(Secret.fromEnv(CANARY_VARIABLE))
          }
        }
      }),
    { fastCheck: { numRuns: 80 } }
  )
})

describe("Backend: errors", () => {
  it("a plan error's message lists every issue, its fix and the backends that can honour it", () => {
    const error = new PlanError.Unsupported({
      backend: "docker",
      issues: [{ path: "nodeCount", code: "unsupported-by-backend", message: "nodeCount is 2: one machine.", hint: "Use --backend azureml.", severity: "error", backends: ["azureml"] }],
      warnings: []
    })
    expect(error.message).toBe([
      "The docker backend cannot honour 1 field of this spec:",
      "- error nodeCount [unsupported-by-backend]: nodeCount is 2: one machine.",
      "  fix: Use --backend azureml.",
      "  backends that can: azureml"
    ].join("\n"))
    expect(PlanError.toJson(error)).toEqual({ _tag: "Unsupported", backend: "docker", message: error.message, issues: error.issues, warnings: [] })
    expect(PlanError.isPlanError(error)).toBe(true)
    expect(PlanError.isPlanError(new Error("x"))).toBe(false)
  })

  it.effect("a plan-only service: WrongBackend for another backend's plan, NotImplemented for the rest", () =>
    Effect.gen(function*() {
      const azurePlan = yield* expectPlan(AzureMl.plan(Estimator.withCompute(base(), Estimator.cluster("c")), context())).pipe(Effect.provide(project()))
      const service = Backend.planOnly("local", () => Effect.succeed(azurePlan))
      const wrong = yield* Effect.flip(service.execute(azurePlan))
      expect(wrong._tag).toBe("WrongBackend")
      expect(wrong.message).toContain("--backend local")
      for (const effect of [service.status("r"), service.wait("r"), service.cancel("r"), Stream.runDrain(service.logs("r"))]) {
        const error = yield* Effect.flip(effect)
        expect(error._tag).toBe("NotImplemented")
      }
    }))

  it.effect("Backend accessors use the service in context", () =>
    Effect.gen(function*() {
      const recording = yield* Testing.recording({ backend: "local" })
      const program = Effect.gen(function*() {
        const planned = yield* Backend.plan(base(), context())
        const handle = yield* Backend.execute(planned)
        const lines = yield* Effect.flatMap(Backend.logs(handle.runId), Stream.runCollect)
        return { handle, lines: [...lines], status: yield* Backend.wait(handle.runId), capabilities: yield* Backend.capabilities }
      })
      const result = yield* program.pipe(Effect.provide(recording.layer))
      expect(result.handle).toEqual({ runId: "run-1", backend: "local", runDirectory: "/project/.estimator/runs/run-1" })
      expect(result.status.status).toBe("Completed")
      expect(result.capabilities).toBe(Backend.capabilityTable.local)
    }))
})

describe("Plan.toJson", () => {
  it.effect("is exactly DESIGN's envelope for each backend", () =>
    Effect.gen(function*() {
      const spec = pipe(base(), Estimator.withCompute(Estimator.cluster("c")), Estimator.withInput("d", Data.fromLocal("data/mnist")))
      for (const [backend, expected] of [
        ["azureml", ["backend", "requests", "warnings"]],
        ["docker", ["backend", "containers", "image", "warnings"]],
        ["local", ["backend", "processes", "warnings"]]
      ] as const) {
        const planned = yield* expectPlan(planWith(backend, spec, project()))
        const envelope = Plan.toJson(planned) as unknown as Record<string, unknown>
        expect(Object.keys(envelope).sort()).toEqual(expected)
        expect(envelope["backend"]).toBe(backend)
      }
      const docker = yield* expectPlan(planWith("docker", spec, project()))
      const image = (Plan.toJson(docker) as { image: object }).image
      expect(Object.keys(image).sort()).toEqual(["build", "dockerfile", "tag"])
      const azure = yield* expectPlan(planWith("azureml", spec, project()))
      for (const request of (Plan.toJson(azure) as { requests: ReadonlyArray<object> }).requests) {
        expect(Object.keys(request).sort()).toEqual(["apiVersion", "body", "method", "path"])
      }
    }))
})
