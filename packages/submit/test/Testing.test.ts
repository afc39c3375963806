import { Estimator, Validation } from "@estimator/core"
import { FileSystem } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Stream } from "effect"
import * as fc from "fast-check"
import * as Backend from "../src/Backend.js"
import * as Testing from "../src/Testing.js"
import { base, context } from "./utils/planning.js"

describe("Testing.arbitraries", () => {
  it.prop("estimator: every spec passes validation without errors", [Testing.arbitraries.estimator], ([spec]) => {
    expect(Validation.errors(Validation.validate(spec))).toEqual([])
    expect(Estimator.decode(JSON.parse(JSON.stringify(spec)))).toEqual({ _tag: "Right", right: spec })
  }, { fastCheck: { numRuns: 300 } })

  it("estimator covers every backend's restrictions and every distribution", () => {
    const specs = fc.sample(Testing.arbitraries.estimator, { numRuns: 400, seed: 42 })
    const tags = new Set(specs.map((spec) => spec.distribution._tag))
    expect([...tags].sort()).toEqual(["Mpi", "None", "PyTorch", "TensorFlow"])
    expect(specs.some((spec) => spec.nodeCount > 1)).toBe(true)
    expect(specs.some((spec) => spec.command !== undefined)).toBe(true)
    expect(specs.some((spec) => Object.keys(spec.secretEnvironmentVariables).length > 0)).toBe(true)
    expect(specs.some((spec) => spec.environment.registered !== undefined)).toBe(true)
    expect(specs.some((spec) => spec.environment.build !== undefined)).toBe(true)
    expect(specs.some((spec) => !spec.environment.docker)).toBe(true)
    expect(specs.some((spec) => spec.arguments.some((a) => typeof a === "string" && /['"$;\n ]/.test(a)))).toBe(true)
  })

  it("supportedBy(backend) only yields specs the backend honours", () => {
    for (const backend of ["local", "docker", "azureml"] as const) {
      const specs = fc.sample(Testing.arbitraries.supportedBy(backend), { numRuns: 50, seed: 1 })
      for (const spec of specs) {
        for (const [feature, capability] of Object.entries(Backend.capabilityTable[backend])) {
          if (capability.support !== "unsupported") continue
          if (feature === "nodeCount") expect(spec.nodeCount).toBe(1)
          if (feature === "environment.registered") expect(spec.environment.registered).toBeUndefined()
          if (feature === "secretEnvironmentVariables") expect(spec.secretEnvironmentVariables).toEqual({})
        }
      }
    }
  })
})

describe("Testing.fileSystem", () => {
  it.effect("holds the given files and their folders, read-only", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      expect(yield* fs.readFileString("/p/src/a.txt")).toBe("A")
      expect((yield* fs.stat("/p/src")).type).toBe("Directory")
      expect((yield* fs.stat("/p/src/a.txt")).type).toBe("File")
      expect(yield* fs.exists("/p/other")).toBe(false)
      expect(yield* fs.readDirectory("/p")).toEqual(["src"])
      expect(yield* fs.readDirectory("/p", { recursive: true })).toEqual(["src", "src/a.txt", "src/b", "src/b/c.txt"])
      const missing = yield* Effect.flip(fs.stat("/p/nope"))
      expect(missing._tag === "SystemError" && missing.reason).toBe("NotFound")
      const write = yield* Effect.either(fs.writeFileString("/p/new.txt", "x"))
      expect(Either.isLeft(write)).toBe(true)
    }).pipe(Effect.provide(Testing.fileSystem({ files: { "/p/src/a.txt": "A", "/p/src/b/c.txt": "C" } }))))

  it.effect("assumeExists: unknown paths exist (a file when they have an extension) but have no content", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      expect((yield* fs.stat("/anywhere/train.py")).type).toBe("File")
      expect((yield* fs.stat("/anywhere/data")).type).toBe("Directory")
      expect(Either.isLeft(yield* Effect.either(fs.readFileString("/anywhere/train.py")))).toBe(true)
    }).pipe(Effect.provide(Testing.fileSystem({ assumeExists: true }))))
})

describe("Testing.recording", () => {
  it.effect("records plans and runs, and answers for the runs it 'executed'", () =>
    Effect.gen(function*() {
      const recording = yield* Testing.recording({ backend: "local", logLines: ["epoch 1", "epoch 2"] })
      const program = Effect.gen(function*() {
        const planned = yield* Backend.plan(base(), context())
        const handle = yield* Backend.execute(planned)
        const lines = yield* Effect.flatMap(Backend.logs(handle.runId), Stream.runCollect)
        const before = yield* Backend.status(handle.runId)
        const canceled = yield* Backend.cancel(handle.runId)
        const unknown = yield* Backend.status("never-run")
        return { handle, lines: [...lines], before, canceled, unknown }
      })
      const result = yield* program.pipe(Effect.provide(recording.layer))
      expect(result.handle).toEqual({ runId: "run-1", backend: "local", runDirectory: "/project/.estimator/runs/run-1" })
      expect(result.lines).toEqual(["epoch 1", "epoch 2"])
      expect(result.before).toMatchObject({ runId: "run-1", backend: "local", status: "Completed", exitCode: 0 })
      expect(result.canceled.status).toBe("Canceled")
      expect(result.unknown.status).toBe("NotStarted")
      const calls = yield* recording.calls
      expect(calls.map((call) => call._tag)).toEqual(["Plan", "Execute", "Logs", "Status", "Cancel", "Status"])
      const planned = yield* recording.planned
      expect(planned).toHaveLength(1)
      expect(planned[0]?.backend).toBe("local")
      expect(yield* recording.executed).toEqual(planned)
    }))

  it.effect("records failed plans too, and refuses another backend's plan", () =>
    Effect.gen(function*() {
      const recording = yield* Testing.recording({ backend: "docker" })
      const failed = yield* Effect.either(Backend.plan(Estimator.withoutDocker(base()), context()).pipe(Effect.provide(recording.layer)))
      expect(Either.isLeft(failed) && failed.left._tag).toBe("Unsupported")
      const calls = yield* recording.calls
      expect(calls).toHaveLength(1)
      expect(calls[0]?._tag === "Plan" && Either.isLeft(calls[0].result)).toBe(true)
      expect(yield* recording.planned).toEqual([])
      const other = yield* Testing.recording({ backend: "local" })
      const localPlan = yield* Backend.plan(base(), context()).pipe(Effect.provide(other.layer))
      const wrong = yield* Effect.flip(Backend.execute(localPlan).pipe(Effect.provide(recording.layer)))
      expect(wrong._tag).toBe("WrongBackend")
    }))
})

describe("Testing.planAll", () => {
  it.effect("every backend's envelope or error, keyed by backend", () =>
    Effect.gen(function*() {
      const all = yield* Testing.planAll(base())
      expect(Object.keys(all)).toEqual(["dry-run", "local", "docker", "azureml"])
      expect("ok" in all["dry-run"] && all["dry-run"].ok.backend).toBe("dry-run")
      expect("ok" in all.local && all.local.ok).toMatchObject({ backend: "local", processes: [{ argv: ["python3", "train.py"], cwd: "/project/.estimator/runs/testing-run/snapshot" }] })
      expect("ok" in all.docker && all.docker.ok).toMatchObject({ backend: "docker", image: { build: true } })
      expect("error" in all.azureml && all.azureml.error).toMatchObject({ _tag: "Unsupported", issues: [{ path: "compute", backends: ["local", "docker"] }] })
      expect(JSON.parse(JSON.stringify(all))).toEqual(all)
    }).pipe(Effect.provide(Testing.fileSystem({ files: { "/project/src/train.py": "" } }))))
})
