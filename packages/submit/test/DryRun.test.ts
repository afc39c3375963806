import { Data, Estimator, Framework, Secret } from "@estimator/core"
import { FrameworkEnvironment, PyTorch } from "@estimator/frameworks"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { pipe } from "fp-ts/lib/function.js"
import * as Backend from "../src/Backend.js"
import * as DryRun from "../src/DryRun.js"
import * as Plan from "../src/Plan.js"
import * as Testing from "../src/Testing.js"
import { base, context, expectPlan, expectPlanError, project } from "./utils/planning.js"

const plan = (spec: Estimator.Estimator) => expectPlan(DryRun.plan(spec, context())).pipe(Effect.provide(project()))

describe("DryRun.plan", () => {
  it.effect("the validated spec, its environment with the framework merged in, its variables and its launch layout", () =>
    Effect.gen(function*() {
      const spec = pipe(
        base(),
        PyTorch.pytorch("1.6"),
        Estimator.withPyTorchDistribution({ nodeCount: 1, processCountPerNode: 2 }),
        Estimator.withEnv({ A: "1" }),
        Estimator.withSecretEnv({ TOKEN: Secret.fromEnv("TOKEN") })
      )
      const result = yield* plan(spec)
      const framework = FrameworkEnvironment.frameworkEnvironment(Framework.make("PyTorch", "1.6"), false)
      expect(result.backend).toBe("dry-run")
      expect(result.spec).toEqual(spec)
      expect(result.environment._tag).toBe("Image")
      expect(result.environment._tag === "Image" && result.environment.baseImage).toBe(framework?.baseImage)
      expect(result.environment.environmentVariables).toEqual({ NCCL_TREE_THRESHOLD: "0" })
      const pip = result.environment._tag === "Image" && result.environment.python._tag === "Conda" ? result.environment.python.specification.pip : []
      expect(pip).toContain("torch==1.6.0")
      expect(result.environmentVariables).toEqual({ NCCL_TREE_THRESHOLD: "0", A: "1", TOKEN: "<redacted>" })
      expect(result.launch).toEqual({
        nodeCount: 1,
        processCountPerNode: 2,
        worldSize: 2,
        distribution: { _tag: "PyTorch", backend: "nccl" },
        ranks: [
          { rank: 0, worldSize: 2, nodeRank: 0, localRank: 0, localWorldSize: 2 },
          { rank: 1, worldSize: 2, nodeRank: 0, localRank: 1, localWorldSize: 2 }
        ]
      })
      expect(Object.keys(Plan.toJson(result)).sort()).toEqual(["backend", "environment", "environmentVariables", "launch", "spec", "warnings"])
    }))

  it.effect("the spec's variables win over the framework's", () =>
    Effect.gen(function*() {
      const result = yield* plan(pipe(base(), PyTorch.pytorch("1.6"), Estimator.withEnv({ NCCL_TREE_THRESHOLD: "1" })))
      expect(result.environmentVariables).toEqual({ NCCL_TREE_THRESHOLD: "1" })
    }))

  it.effect("without secrets to redact, the plan shares the job's variables instead of copying them", () =>
    Effect.gen(function*() {
      const plain = yield* plan(Estimator.withEnv(base(), { A: "1", B: "2" }))
      expect(plain.environmentVariables).toBe(plain.spec.environmentVariables)
      expect(JSON.stringify(Plan.toJson(plain))).toContain(`"environmentVariables":{"A":"1","B":"2"}`)
      const withSecret = yield* plan(Estimator.withSecretEnv(Estimator.withEnv(base(), { A: "1" }), { TOKEN: Secret.fromEnv("TOKEN") }))
      expect(withSecret.environmentVariables).not.toBe(withSecret.spec.environmentVariables)
      expect(withSecret.environmentVariables).toEqual({ A: "1", TOKEN: "<redacted>" })
      expect(withSecret.spec.environmentVariables).toEqual({ A: "1" })
    }))

  it.effect("honours every field: what no executing backend could run together still plans", () =>
    Effect.gen(function*() {
      const spec = pipe(
        base(),
        Estimator.withCompute(Estimator.cluster("c")),
        Estimator.withTensorFlow(3, 2),
        Estimator.withoutDocker,
        Estimator.withInput("d", Data.fromDatastore("ds", "p")),
        Estimator.withSecretEnv({ S: Secret.fromEnv("S") })
      )
      const result = yield* plan(spec)
      expect(result.launch.worldSize).toBe(5)
      expect(result.launch.ranks.map((r) => r.nodeRank)).toEqual([0, 1, 2, 0, 1])
      expect(result.warnings).toEqual([])
    }))

  it.effect("carries validation warnings", () =>
    Effect.gen(function*() {
      const result = yield* plan(pipe(base(), PyTorch.pytorch()))
      expect(result.warnings).toEqual([expect.objectContaining({ path: "framework.version", code: "framework-version-defaulted", severity: "warning" })])
    }))

  it.effect("fails only for an invalid spec, with every issue", () =>
    Effect.gen(function*() {
      const spec: Estimator.Estimator = { ...base(), nodeCount: 0, processCountPerNode: 0, shmSize: "lots" }
      const error = yield* expectPlanError(DryRun.plan(spec, context())).pipe(Effect.provide(project()))
      expect(error._tag).toBe("InvalidSpec")
      expect(error.issues.map((i) => i.path)).toEqual(["nodeCount", "processCountPerNode", "shmSize"])
      for (const issue of error.issues) expect(issue.backends).toEqual([])
    }))

  it.effect.prop(
    "every valid spec plans, given the files it names",
    [Testing.arbitraries.estimator],
    ([spec]) =>
      Effect.gen(function*() {
        const result = yield* expectPlan(DryRun.plan(spec, context()))
        expect(result.launch.ranks).toHaveLength(Estimator.worldSize(spec))
        expect(result.spec).toEqual(spec)
      }).pipe(Effect.provide(project({ assumeExists: true }))),
    { fastCheck: { numRuns: 150 } }
  )
})

describe("DryRun.layer", () => {
  it.effect("plans through the Backend service; it never executes", () =>
    Effect.gen(function*() {
      const planned = yield* Backend.plan(base(), context())
      expect(planned.backend).toBe("dry-run")
      const executed = yield* Effect.either(Backend.execute(planned))
      expect(Either.isLeft(executed) && executed.left._tag).toBe("NotExecutable")
      const status = yield* Effect.either(Backend.status("run-1"))
      expect(Either.isLeft(status) && status.left._tag).toBe("NotExecutable")
    }).pipe(Effect.provide(DryRun.layer), Effect.provide(project())))
})
