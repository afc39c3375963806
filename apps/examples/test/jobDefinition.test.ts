/**
 * How a user unit-tests a job definition without a cloud account, a container or a process:
 * validate it, plan it for every backend, and check the plans (or snapshot them).
 */
import { Estimator, Validation } from "@estimator/core"
import { Backend, Testing } from "@estimator/submit"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import chainerMnist from "../src/chainerMnist.js"
import quickstart from "../src/quickstart.js"

describe("the chainer-mnist job definition", () => {
  it("is valid", () => {
    expect(Validation.validate(chainerMnist)).toEqual([])
  })

  it.effect("plans for every backend; local and docker say which settings they ignore", (context) =>
    Effect.gen(function*() {
      const plans = yield* Testing.planAll(chainerMnist).pipe(Effect.provide(Testing.fileSystem({ assumeExists: true })))
      expect(Object.values(plans).every((outcome) => "ok" in outcome)).toBe(true)
      const warnings = "ok" in plans.local ? plans.local.ok.warnings.map((warning) => warning.path) : []
      expect(warnings).toEqual(expect.arrayContaining(["compute", "gpu"]))
      context.expect(plans).toMatchSnapshot()
    }))

  it.effect("scaled out to two nodes, it plans for Azure ML only, and the refusals name the backend that can", () =>
    Effect.gen(function*() {
      const plans = yield* Testing.planAll(Estimator.withNodes(chainerMnist, 2)).pipe(Effect.provide(Testing.fileSystem({ assumeExists: true })))
      expect("ok" in plans.azureml).toBe(true)
      for (const backend of ["local", "docker"] as const) {
        const outcome = plans[backend]
        expect("error" in outcome && outcome.error.issues).toEqual([expect.objectContaining({ path: "nodeCount", backends: ["azureml"] })])
      }
    }))

  it.effect("submits what was planned (recording backend: no side effects)", () =>
    Effect.gen(function*() {
      const recording = yield* Testing.recording({ backend: "azureml", fileSystem: { assumeExists: true } })
      yield* Effect.gen(function*() {
        const plan = yield* Backend.plan(chainerMnist, Testing.defaultContext)
        yield* Backend.execute(plan)
      }).pipe(Effect.provide(recording.layer))
      const [executed] = yield* recording.executed
      expect(executed?.backend).toBe("azureml")
    }))
})

describe("the quickstart job definition", () => {
  it("stays a single local process whatever the arguments", () => {
    const withMore = Estimator.withArgs(quickstart, "--seed", 1)
    expect(Validation.hasErrors(Validation.validate(withMore))).toBe(false)
  })
})
