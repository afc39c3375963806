/**
 * The local backend with `supervisor: "in-process"` (what `estimator run` uses in the
 * foreground): the process that executes the plan owns the job itself. Real python3 processes.
 *
 * The layers poll the run store once a minute, so a test that finishes in seconds shows that
 * output, the end and a stop reached `logs`, `wait` and `cancel` without polling.
 */
import { Estimator } from "@estimator/core"
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Stream } from "effect"
import { pipe } from "fp-ts/lib/function.js"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Backend from "../src/Backend.js"
import * as localRun from "../src/internal/localRun.js"
import * as RunStore from "../src/RunStore.js"
import { isRunning, project as localProject, statuses } from "./utils/localProject.js"

const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const DIST_INDEX = path.join(PACKAGE, "dist", "index.js")
const A_MINUTE = 60_000

const project = (files: Record<string, string>) => localProject(files, { pollIntervalMillis: A_MINUTE, supervisor: "in-process" })

const script = (entryScript: string) => Estimator.make({ entryScript, sourceDirectory: "src" })

const recordOf = (runDirectory: string) => JSON.parse(fs.readFileSync(path.join(runDirectory, "run.json"), "utf8")) as RunStore.RunRecord

/** Runs a node program (an ES module) to its end; resolves with its standard output. */
const node = (program: string, input = "") =>
  Effect.promise(() =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["--input-type=module", "-e", program], { cwd: PACKAGE, stdio: ["pipe", "pipe", "inherit"] })
      child.stdin.end(input)
      let text = ""
      child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()))
      child.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`node exited ${code}`))))
    })
  )

describe("Local in-process: this process owns the job", { timeout: 30_000 }, () => {
  it.live("no supervisor process: the record names this process; output and the end arrive without polling", () => {
    const p = project({ "src/tick.py": "import time\nfor i in range(3):\n    print('tick', i, flush=True)\n    time.sleep(0.1)\n" })
    return Effect.gen(function*() {
      const handle = yield* Effect.flatMap(Backend.plan(script("tick.py"), { baseDirectory: p.directory, runsDirectory: p.runs }), Backend.execute)
      expect(handle.externalId).toBe(String(process.pid))
      const [lines, final] = yield* Effect.all([
        Effect.flatMap(Backend.logs(handle.runId, { follow: true }), Stream.runCollect),
        Backend.wait(handle.runId)
      ], { concurrency: 2 })
      expect(Chunk.toReadonlyArray(lines)).toEqual(["tick 0", "tick 1", "tick 2"])
      expect(final).toMatchObject({ status: "Completed", exitCode: 0 })
      const record = recordOf(handle.runDirectory)
      expect(record.pid).toBe(process.pid)
      expect(record.details).toEqual({ supervisor: "in-process" })
      expect(statuses(record)).toEqual(["NotStarted", "Preparing", "Running", "Completed"])
      // The detached supervisor writes its own log beside run.json; none was started.
      expect(fs.existsSync(path.join(handle.runDirectory, "supervisor.log"))).toBe(false)
      expect(fs.readFileSync(path.join(handle.runDirectory, "logs", "combined.log"), "utf8")).toBe("tick 0\ntick 1\ntick 2\n")
    }).pipe(Effect.provide(p.layer))
  })

  it.live("a failing script: Failed with its exit code; a time limit: Canceled with why", () => {
    const p = project({
      "src/fail.py": "import sys\nprint('bad', file=sys.stderr)\nsys.exit(4)\n",
      "src/slow.py": "import time\ntime.sleep(30)\n"
    })
    return Effect.gen(function*() {
      const run = (spec: Estimator.Estimator) =>
        Effect.flatMap(Effect.flatMap(Backend.plan(spec, { baseDirectory: p.directory, runsDirectory: p.runs }), Backend.execute), (handle) =>
          Backend.wait(handle.runId))
      expect(yield* run(script("fail.py"))).toMatchObject({ status: "Failed", exitCode: 4, reason: "the process exited with code 4" })
      expect(yield* run(pipe(script("slow.py"), Estimator.withMaxRunDuration(1)))).toMatchObject({
        status: "Canceled",
        reason: "exceeded maxRunDurationSeconds=1"
      })
    }).pipe(Effect.provide(p.layer))
  })

  it.live("interrupting wait stops the job at once: Canceled, the process gone", () => {
    const p = project({ "src/slow.py": "import os, time\nopen(os.path.join(os.environ['ESTIMATOR_OUTPUT_DIR'], 'pid'), 'w').write(str(os.getpid()))\nprint('up', flush=True)\ntime.sleep(30)\n" })
    return Effect.gen(function*() {
      const handle = yield* Effect.flatMap(Backend.plan(script("slow.py"), { baseDirectory: p.directory, runsDirectory: p.runs }), Backend.execute)
      const waiting = yield* Effect.fork(Backend.wait(handle.runId))
      const pidFile = path.join(handle.runDirectory, "outputs", "pid")
      for (let i = 0; i < 100 && !fs.existsSync(pidFile); i++) yield* Effect.sleep(50)
      const jobPid = Number(fs.readFileSync(pidFile, "utf8"))
      yield* Fiber.interrupt(waiting)
      const record = recordOf(handle.runDirectory)
      expect(record.status).toBe("Canceled")
      expect(record.reason).toContain("interrupted")
      expect(statuses(record)).toEqual(["NotStarted", "Preparing", "Running", "CancelRequested", "Canceled"])
      expect(isRunning(jobPid)).toBe(false)
    }).pipe(Effect.provide(p.layer))
  })

  it.live("cancel from another process: this process is not signalled, it sees the request and stops the job", () => {
    const p = project({ "src/slow.py": "import time\nprint('started', flush=True)\ntime.sleep(30)\n" })
    return Effect.gen(function*() {
      const handle = yield* Effect.flatMap(Backend.plan(script("slow.py"), { baseDirectory: p.directory, runsDirectory: p.runs }), Backend.execute)
      let signalled = false
      const onSignal = () => {
        signalled = true
      }
      process.on("SIGTERM", onSignal)
      const output = yield* node([
        `import { Backend, Local } from ${JSON.stringify(DIST_INDEX)}`,
        `import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"`,
        `import { Effect, Layer } from "effect"`,
        `const layer = Local.layerWith({ runsDirectory: ${JSON.stringify(p.runs)}, pollIntervalMillis: 50 }).pipe(Layer.provide(NodeFileSystem.layer))`,
        `const status = await Effect.runPromise(Backend.cancel(${JSON.stringify(handle.runId)}).pipe(Effect.provide(layer)))`,
        `console.log(JSON.stringify(status))`
      ].join("\n")).pipe(Effect.ensuring(Effect.sync(() => process.off("SIGTERM", onSignal))))
      expect(JSON.parse(output)).toMatchObject({ runId: handle.runId, status: "Canceled" })
      expect(signalled).toBe(false)
      const final = yield* Backend.wait(handle.runId)
      expect(final.status).toBe("Canceled")
      expect(final.reason).toMatch(/^canceled by request \(process \d+\)$/)
      expect(final.reason).not.toContain(`(process ${process.pid})`)
    }).pipe(Effect.provide(p.layer))
  })

  it.live("the job ends with the process that owns it; a later status records Failed", () => {
    const p = project({ "src/slow.py": "import os, time\nopen(os.path.join(os.environ['ESTIMATOR_OUTPUT_DIR'], 'pid'), 'w').write(str(os.getpid()))\nprint('up', flush=True)\ntime.sleep(30)\n" })
    return Effect.gen(function*() {
      const plan = yield* Backend.plan(script("slow.py"), { baseDirectory: p.directory, runsDirectory: p.runs })
      const output = yield* node([
        `import { Backend, Local } from ${JSON.stringify(DIST_INDEX)}`,
        `import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"`,
        `import { Effect, Layer } from "effect"`,
        `import * as fs from "node:fs"`,
        `import * as path from "node:path"`,
        `const plan = JSON.parse(fs.readFileSync(0, "utf8"))`,
        `const layer = Local.layerWith({ runsDirectory: ${JSON.stringify(p.runs)}, supervisor: "in-process" }).pipe(Layer.provide(NodeFileSystem.layer))`,
        `const h = await Effect.runPromise(Backend.execute(plan).pipe(Effect.provide(layer)))`,
        `const pidFile = path.join(h.runDirectory, "outputs", "pid")`,
        `while (!fs.existsSync(pidFile)) await new Promise((r) => setTimeout(r, 20))`,
        `console.log(fs.readFileSync(pidFile, "utf8"))`,
        `process.exit(0)`
      ].join("\n"), JSON.stringify(plan))
      const jobPid = Number(output.trim())
      expect(jobPid).toBeGreaterThan(0)
      for (let i = 0; i < 40 && isRunning(jobPid); i++) yield* Effect.sleep(50)
      expect(isRunning(jobPid)).toBe(false)
      const status = yield* Backend.status(plan.run.runId)
      expect(status.status).toBe("Failed")
      expect(status.reason).toContain("exited without recording its end")
    }).pipe(Effect.provide(p.layer))
  })

  it.live("a supervision that fails records the run Failed with why, and says so", () => {
    const p = project({ "src/ok.py": "print('never')\n" })
    return Effect.gen(function*() {
      const plan = yield* Backend.plan(script("ok.py"), { baseDirectory: p.directory, runsDirectory: p.runs })
      if (plan.backend !== "local") throw new Error("expected a local plan")
      yield* RunStore.forPlan(plan).create(RunStore.fromPlan(plan)).pipe(Effect.provide(NodeFileSystem.layer))
      // The log the supervisor appends to cannot be opened: it is a directory.
      fs.mkdirSync(path.join(plan.run.runDirectory, "logs", "combined.log"))
      const failure = yield* Effect.promise(() =>
        localRun.start({ root: p.runs, runId: plan.run.runId, processes: [], secrets: [], killGraceMillis: 1000 }, { handleSignals: false }).done
      )
      expect(failure).toMatch(/^the supervisor failed: .*EISDIR/)
      const record = recordOf(plan.run.runDirectory)
      expect(record.status).toBe("Failed")
      expect(record.reason).toBe(failure)
    }).pipe(Effect.provide(p.layer))
  })
})

