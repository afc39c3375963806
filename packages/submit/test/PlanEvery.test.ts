import { Estimator } from "@estimator/core"
import { Hash } from "@estimator/env"
import { FileSystem } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, TestClock } from "effect"
import * as fc from "fast-check"
import * as AzureMl from "../src/AzureMl.js"
import * as Backend from "../src/Backend.js"
import * as Docker from "../src/Docker.js"
import * as DryRun from "../src/DryRun.js"
import * as Local from "../src/Local.js"
import * as Plan from "../src/Plan.js"
import * as PlanError from "../src/PlanError.js"
import * as internalPrepare from "../src/internal/prepare.js"
import * as Testing from "../src/Testing.js"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import { base, context, project } from "./utils/planning.js"

/** A full garbage collection on demand (the test runner does not start node with --expose-gc). */
const collectGarbage = (): () => void => {
  v8.setFlagsFromString("--expose-gc")
  return vm.runInNewContext("gc") as () => void
}

// `DryRun.planEvery` prepares a spec once and compiles it for every backend; each entry must be
// what that backend's own `plan` gives: the same plan (envelope and run information) or the same
// plan error (tag, backend, message, issues, warnings).

type Result = Either.Either<Plan.Plan, PlanError.PlanError>

const onePlan = (backend: Backend.BackendName, spec: Estimator.Estimator, ctx: Backend.PlanContext): Effect.Effect<Result, never, FileSystem.FileSystem> => {
  switch (backend) {
    case "dry-run":
      return Effect.either(DryRun.plan(spec, ctx))
    case "local":
      return Effect.either(Local.plan(spec, ctx))
    case "docker":
      return Effect.either(Docker.plan(spec, ctx))
    case "azureml":
      return Effect.either(AzureMl.plan(spec, ctx))
  }
}

const planWith = (backend: Backend.BackendName, prepared: Plan.Prepared): Effect.Effect<Plan.Plan, PlanError.PlanError> => {
  switch (backend) {
    case "dry-run":
      return DryRun.compile(prepared)
    case "local":
      return Local.compile(prepared)
    case "docker":
      return Docker.compile(prepared, { imageExists: false })
    case "azureml":
      return AzureMl.compile(prepared)
  }
}

/** A result as data that a test can compare: the envelope, the run information, or the error as JSON. */
const comparable = (result: Result) =>
  Either.isRight(result)
    ? { plan: Plan.toJson(result.right), run: { ...result.right.run }, extra: JSON.stringify(result.right) }
    : { error: PlanError.toJson(result.left), isPlanError: PlanError.isPlanError(result.left), stack: result.left.stack }

const samePlans = (spec: Estimator.Estimator, ctx: Backend.PlanContext) =>
  Effect.gen(function*() {
    const every = yield* DryRun.planEvery(spec, ctx)
    const outcomes: Array<string> = []
    for (const backend of Backend.names) {
      const alone = yield* onePlan(backend, spec, ctx)
      expect(comparable(every[backend])).toEqual(comparable(alone))
      outcomes.push(Either.isRight(alone) ? "plan" : alone.left._tag)
    }
    return outcomes
  })

/** Specs with one thing wrong: a value out of range, an unknown field, a missing file. */
const broken: fc.Arbitrary<Estimator.Estimator> = fc.tuple(Testing.arbitraries.estimator, fc.constantFrom("nodeCount", "unknown", "condaFile", "entryScript", "input")).map(([spec, how]): Estimator.Estimator => {
  switch (how) {
    case "nodeCount":
      return { ...spec, nodeCount: 0 }
    case "unknown":
      return { ...spec, nodecount: 2 } as unknown as Estimator.Estimator
    case "condaFile":
      return Estimator.withCondaFile(spec, "missing.yml")
    case "entryScript":
      return spec.command === undefined ? { ...spec, entryScript: "missing/not-there.py" } : spec
    default:
      return Estimator.withInput(spec, "gone", { _tag: "Data", type: "uri_folder", source: { _tag: "LocalPath", path: "no/such/folder" }, mode: "ro_mount" })
  }
})

describe("DryRun.planEvery", () => {
  it.effect("gives every backend's own plan or plan error, for generated specs", () =>
    Effect.gen(function*() {
      const specs = fc.sample(Testing.arbitraries.estimator, { numRuns: 250, seed: 7 })
      const seen = new Set<string>()
      for (const spec of specs) {
        for (const outcome of yield* samePlans(spec, context())) seen.add(outcome)
      }
      // The sample reaches plans, capability refusals and invalid specs (a file missing).
      expect([...seen].sort()).toEqual(["InvalidSpec", "Unsupported", "plan"])
    }).pipe(Effect.provide(project({ assumeExists: true }))))

  it.effect("gives every backend's own plan error for broken specs (decode, validation and file errors)", () =>
    Effect.gen(function*() {
      const specs = fc.sample(broken, { numRuns: 150, seed: 11 })
      let invalid = 0
      for (const spec of specs) {
        const outcomes = yield* samePlans(spec, context())
        if (outcomes.every((outcome) => outcome === "InvalidSpec")) invalid++
      }
      expect(invalid).toBeGreaterThan(100)
    }).pipe(Effect.provide(project({ assumeExists: false }))))

  it.effect("asks the Docker engine as Docker.plan does, and turns an unreachable engine into the same warning", () =>
    Effect.gen(function*() {
      const spec = Estimator.withImage(base(), "python:3.11-slim")
      const checked: Array<string> = []
      const down = context({
        imageExists: (tag) => Effect.sync(() => checked.push(tag)).pipe(Effect.zipRight(Effect.fail(new Backend.EngineUnavailable({ reason: "connect ENOENT /var/run/docker.sock" }))))
      })
      yield* samePlans(spec, down)
      // Once by planEvery, once by Docker.plan: the same image.
      expect(checked.length).toBe(2)
      expect(checked[0]).toBe(checked[1])
      const every = yield* DryRun.planEvery(spec, down)
      expect(Either.isRight(every.docker) && every.docker.right.warnings.map((w) => w.code)).toContain("image-check-failed")
      const present = yield* DryRun.planEvery(spec, context({ imageExists: () => Effect.succeed(true) }))
      expect(Either.isRight(present.docker) && present.docker.right.image.build).toBe(false)
    }).pipe(Effect.provide(project())))

  it.effect("draws one run id for the four plans", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2025, 0, 2, 3, 4, 5))
      const every = yield* DryRun.planEvery(base(), { baseDirectory: "/project" })
      const runIds = Backend.names.flatMap((name) => {
        const result: Result = every[name]
        return Either.isRight(result) ? [result.right.run.runId] : []
      })
      expect(runIds.length).toBe(3)
      expect(new Set(runIds).size).toBe(1)
      expect(runIds[0]).toMatch(/^20250102-030405-[a-z0-9]{8}$/)
    }).pipe(Effect.provide(project())))
})

describe("Plan.prepare", () => {
  it.effect("prepares once for each backend's compile, which gives that backend's plan", () =>
    Effect.gen(function*() {
      const spec = Estimator.withInput(base(), "labels", { _tag: "Data", type: "uri_file", source: { _tag: "LocalPath", path: "data/labels.csv" }, mode: "ro_mount" })
      const prepared = yield* Plan.prepare(spec, context())
      expect(comparable(DryRun.compile(prepared))).toEqual(comparable(yield* onePlan("dry-run", spec, context())))
      expect(comparable(Local.compile(prepared))).toEqual(comparable(yield* onePlan("local", spec, context())))
      expect(comparable(Docker.compile(prepared, { imageExists: false }))).toEqual(comparable(yield* onePlan("docker", spec, context())))
      expect(comparable(AzureMl.compile(prepared))).toEqual(comparable(yield* onePlan("azureml", spec, context())))
      expect(comparable(yield* Effect.either(Docker.planPrepared(prepared, context())))).toEqual(comparable(yield* onePlan("docker", spec, context())))
    }).pipe(Effect.provide(project())))

  it.effect("a prepared value copied with another spec or run id compiles as its own, never from what the original worked out", () =>
    Effect.gen(function*() {
      const pip = Estimator.withPip(base(), ["numpy"])
      const prepared = yield* Plan.prepare(Estimator.withGpu(pip), context())
      // The original's environment, usages and run information are worked out ...
      for (const backend of Backend.names) yield* Effect.either(planWith(backend, prepared))
      // ... and a copy with other content gets its own plans, equal to a fresh preparation's.
      const other = Estimator.withEnv(Estimator.withPip(base(), ["pandas"]), { MODE: "fast" })
      const fresh = yield* Plan.prepare(other, { ...context(), runId: Effect.succeed("other-run") })
      const copy: Plan.Prepared = { ...prepared, spec: fresh.spec, specHash: fresh.specHash, runId: "other-run", runDirectory: fresh.runDirectory }
      for (const backend of Backend.names) {
        const fromCopy = comparable(yield* Effect.either(planWith(backend, copy)))
        const fromFresh = comparable(yield* Effect.either(planWith(backend, fresh)))
        expect(fromCopy).toEqual(fromFresh)
      }
      expect(JSON.stringify(comparable(yield* Effect.either(planWith("dry-run", copy))))).toContain("pandas")
    }).pipe(Effect.provide(project())))

  it.effect("a plan's run information has the spec's hash but does not keep the preparation (and its memo) alive", () =>
    Effect.gen(function*() {
      const gc = collectGarbage()
      const plan = yield* Effect.gen(function*() {
        const prepared = yield* Plan.prepare(Estimator.withPip(base(), ["numpy"]), context())
        const compiled = DryRun.compile(prepared)
        if (Either.isLeft(compiled)) throw new Error(compiled.left.message)
        expect(compiled.right.run.specHash).toBe(prepared.specHash)
        return { plan: compiled.right, prepared: new WeakRef(prepared) }
      })
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      gc()
      expect(plan.prepared.deref()).toBeUndefined()
      expect(plan.plan.run.specHash).toMatch(/^[0-9a-f]{64}$/)
      // A prepared value made by hand: its run information reads the hash it was given.
      const made = yield* Plan.prepare(base(), context())
      const byHand: Plan.Prepared = { ...made, specHash: "f".repeat(64) }
      expect(DryRun.compile(byHand).pipe(Either.map((planned) => planned.run.specHash))).toEqual(Either.right("f".repeat(64)))
    }).pipe(Effect.provide(project())))

  it.effect("the spec hash is one accessor shared by every prepared value and run information; a copy gets the hash as a field", () =>
    Effect.gen(function*() {
      const descriptor = (value: object) => Object.getOwnPropertyDescriptor(value, "specHash")
      const runOf = (prepared: Plan.Prepared) => {
        const compiled = DryRun.compile(prepared)
        if (Either.isLeft(compiled)) throw new Error(compiled.left.message)
        return compiled.right.run
      }
      const one = yield* Plan.prepare(base(), context())
      const two = yield* Plan.prepare(Estimator.withGpu(Estimator.withPip(base(), ["numpy"])), context())
      // One getter for all (an own getter per object would make a dictionary of every one of them).
      expect(descriptor(one)?.get).toBeTypeOf("function")
      expect(descriptor(one)?.get).toBe(descriptor(two)?.get)
      expect(descriptor(runOf(one))?.get).toBe(descriptor(runOf(two))?.get)
      // Still an own, enumerable field, in its place, with the canonical hash of the spec.
      expect(Object.keys(one).slice(0, 3)).toEqual(["spec", "runId", "specHash"])
      expect(Object.keys(runOf(two))).toEqual(["runId", "specHash", "spec", "sourceDirectory", "runDirectory", "secrets"])
      expect(one.specHash).toBe(Hash.canonicalHash(one.spec as unknown as Hash.Json))
      expect(two.specHash).toBe(Hash.canonicalHash(two.spec as unknown as Hash.Json))
      expect(runOf(two).specHash).toBe(two.specHash)
      expect(one.specHash).not.toBe(two.specHash)
      // Copies hold the value itself.
      expect(descriptor({ ...two })?.value).toBe(two.specHash)
      expect(descriptor({ ...runOf(two) })?.value).toBe(two.specHash)
    }).pipe(Effect.provide(project())))

  it.effect("on an in-memory file system a refusal is an exit at once (no fiber step): invalid spec, missing file, unsupported field", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const invalid = internalPrepare.prepareWith(fs, { ...base(), nodeCount: 0 }, context())
      expect(Exit.isExit(invalid) && Exit.isFailure(invalid)).toBe(true)
      const missingFile = internalPrepare.prepareWith(fs, Estimator.withCondaFile(base(), "missing.yml"), context())
      expect(Exit.isExit(missingFile) && Exit.isFailure(missingFile)).toBe(true)
      expect(fs.readFileString("/project/src/missing.yml")).toSatisfy(Exit.isExit)
      // dockerArgs: the docker backend cannot honour them.
      const prepared = internalPrepare.prepareWith(fs, { ...base(), dockerArgs: "--ulimit memlock=-1" }, context())
      if (!Exit.isExit(prepared)) throw new Error("expected a prepared spec at once")
      const exit = prepared as Exit.Exit<Plan.Prepared, internalPrepare.Refusal>
      if (Exit.isFailure(exit)) throw new Error("expected a prepared spec")
      const docker = Docker.planPreparedNow(exit.value, context())
      expect(Exit.isExit(docker) && Exit.isFailure(docker)).toBe(true)
    }).pipe(Effect.provide(project())))

  it.effect("refuses an invalid spec with InvalidSpec naming the backend asked for (dry-run by default)", () =>
    Effect.gen(function*() {
      const spec = { ...base(), nodeCount: 0 }
      const byDefault = yield* Effect.flip(Plan.prepare(spec, context()))
      expect(byDefault._tag).toBe("InvalidSpec")
      expect(byDefault.backend).toBe("dry-run")
      const forLocal = yield* Effect.flip(Plan.prepare(spec, context(), "local"))
      expect(PlanError.toJson(forLocal)).toEqual(PlanError.toJson(yield* Effect.flip(Local.plan(spec, context()))))
    }).pipe(Effect.provide(project())))
})

describe("plan errors", () => {
  const unsupported = () =>
    Effect.gen(function*() {
      const spec = Estimator.withCompute(base(), { _tag: "Cluster", name: "gpu-cluster" })
      const plans = yield* DryRun.planEvery(Estimator.withMpi(spec, 2, 1), context())
      if (Either.isRight(plans.local)) return yield* Effect.dieMessage("expected local to refuse")
      return plans.local.left
    }).pipe(Effect.provide(project()))

  it.effect("are proper Effect errors: tagged, with a message, yieldable, and equal to the backend's own", () =>
    Effect.gen(function*() {
      const error = yield* unsupported()
      expect(error).toBeInstanceOf(PlanError.Unsupported)
      expect(error).toBeInstanceOf(Error)
      expect(error._tag).toBe("Unsupported")
      expect(error.message).toContain("The local backend cannot honour")
      expect(error.message).toContain("nodeCount is 2")
      // Yieldable: `yield*` fails with the error itself.
      const failed = yield* Effect.flip(Effect.gen(function*() {
        return yield* error
      }))
      expect(failed).toBe(error)
      const spec = Estimator.withMpi(Estimator.withCompute(base(), { _tag: "Cluster", name: "gpu-cluster" }), 2, 1)
      const alone = yield* Effect.flip(Local.plan(spec, context()))
      expect(PlanError.toJson(error)).toEqual(PlanError.toJson(alone))
      expect(JSON.parse(JSON.stringify(PlanError.toJson(error)))).toEqual(PlanError.toJson(alone))
    }).pipe(Effect.provide(project())))

  it.effect("carry no stack frames, and leave Error.stackTraceLimit as it was", () =>
    Effect.gen(function*() {
      const before = Error.stackTraceLimit
      Error.stackTraceLimit = 7
      try {
        const error = yield* unsupported()
        const invalid = new PlanError.InvalidSpec({ backend: "docker", issues: [], warnings: [] })
        expect(Error.stackTraceLimit).toBe(7)
        expect(error.stack?.split("\n")[0]).toBe("Unsupported: The local backend cannot honour 1 field of this spec:")
        expect(error.stack).not.toMatch(/\n\s+at /)
        expect(invalid.stack).not.toMatch(/\n\s+at /)
        // Other errors still get their frames.
        expect(new Backend.EngineUnavailable({ reason: "x" }).stack).toMatch(/\n\s+at /)
      } finally {
        Error.stackTraceLimit = before
      }
    }))
})

describe("Testing.planAll (one preparation)", () => {
  it.effect("equals each backend's own plan as JSON, or its error", () =>
    Effect.gen(function*() {
      for (const spec of fc.sample(Testing.arbitraries.estimator, { numRuns: 60, seed: 3 })) {
        const all = yield* Testing.planAll(spec, context())
        for (const backend of Backend.names) {
          const alone = yield* onePlan(backend, spec, context())
          expect(all[backend]).toEqual(Either.isRight(alone) ? { ok: Plan.toJson(alone.right) } : { error: PlanError.toJson(alone.left) })
        }
      }
    }).pipe(Effect.provide(project({ assumeExists: true }))))
})
