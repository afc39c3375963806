/**
 * The local backend's run half, with real processes: python3 runs the scripts, a detached node
 * supervisor owns them. These tests need the package built (`tsc -b`), as the supervisor runs
 * from dist/, like the installed package.
 */
import { Data, Estimator, Secret } from "@estimator/core"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Fiber, Stream } from "effect"
import { pipe } from "fp-ts/lib/function.js"
import { execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Backend from "../src/Backend.js"
import type * as RunStore from "../src/RunStore.js"
import { isRunning, type Project, project, statuses } from "./utils/localProject.js"

const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const DIST_INDEX = path.join(PACKAGE, "dist", "index.js")
const DIST_BACKEND = path.join(PACKAGE, "dist", "Backend.js")
const DIST_LOCAL = path.join(PACKAGE, "dist", "Local.js")

const planIn = (p: Project, spec: Estimator.Estimator) =>
  Backend.plan(spec, { baseDirectory: p.directory, runsDirectory: p.runs })

/** Plans, executes and waits; returns the handle, the final status and the stored record. */
const runToEnd = (p: Project, spec: Estimator.Estimator) =>
  Effect.gen(function*() {
    const plan = yield* planIn(p, spec)
    const handle = yield* Backend.execute(plan)
    const status = yield* Backend.wait(handle.runId)
    const record = JSON.parse(fs.readFileSync(path.join(p.runs, handle.runId, "run.json"), "utf8")) as RunStore.RunRecord
    return { plan, handle, status, record, directory: path.join(p.runs, handle.runId) }
  }).pipe(Effect.provide(p.layer))

const script = (entryScript: string, sourceDirectory = "src") => Estimator.make({ entryScript, sourceDirectory })

const readLog = (runDirectory: string, name = "combined.log") => fs.readFileSync(path.join(runDirectory, "logs", name), "utf8")

/** Every file under a directory, with its content. */
const allFiles = (directory: string): Array<{ file: string; content: string }> => {
  const found: Array<{ file: string; content: string }> = []
  for (const entry of fs.readdirSync(directory, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath, entry.name)
    found.push({ file, content: fs.readFileSync(file, "utf8") })
  }
  return found
}

describe("Local: a run to completion", { timeout: 90_000 }, () => {
  it.live("runs the script in the snapshot, keeps its outputs, records every status with its time", () =>
    Effect.gen(function*() {
      const p = project({
        "src/train.py": [
          "import os, json, sys",
          "out = os.environ['ESTIMATOR_OUTPUT_DIR']",
          "open(os.path.join(out, 'model.txt'), 'w').write('weights')",
          "print('cwd=' + os.getcwd())",
          "print('data=' + open('data.txt').read())",
          "print('ignored present=' + str(os.path.exists('big.bin')))"
        ].join("\n"),
        "src/data.txt": "hello",
        "src/big.bin": "0".repeat(100),
        "src/.amlignore": "*.bin\n"
      })
      const { handle, status, record, directory } = yield* runToEnd(p, script("train.py"))
      expect(status).toMatchObject({ runId: handle.runId, backend: "local", status: "Completed", exitCode: 0 })
      expect(handle.runDirectory).toBe(directory)
      expect(fs.readFileSync(path.join(directory, "outputs", "model.txt"), "utf8")).toBe("weights")
      const log = readLog(directory)
      expect(log).toContain(`cwd=${path.join(directory, "snapshot")}\n`)
      expect(log).toContain("data=hello\n")
      expect(log).toContain("ignored present=False\n")
      expect(statuses(record)).toEqual(["NotStarted", "Preparing", "Running", "Completed"])
      const times = record.statusHistory.map((entry) => Date.parse(entry.at))
      expect([...times].sort((a, b) => a - b)).toEqual(times)
      expect(record.startedAt).toBe(record.statusHistory[2]?.at)
      expect(record.endedAt).toBe(record.statusHistory[3]?.at)
      expect(record.exitCode).toBe(0)
      expect(record.snapshot).toMatchObject({ fileCount: 3, ignoreFile: ".amlignore", excludedCount: 1 })
      expect(record.plan).toMatchObject({ backend: "local" })
      expect(record.processes?.[0]).toMatchObject({ index: 0, argv: ["python3", "train.py"], exitCode: 0 })
      // status later, from the store alone
      const later = yield* Backend.status(handle.runId).pipe(Effect.provide(p.layer))
      expect(later.status).toBe("Completed")
    }))

  it.live("argv arrives exactly: spaces, quotes, $(...), ;, backticks, newlines, globs, empty", () =>
    Effect.gen(function*() {
      const tricky = ["a b", "it's", "\"double\"", "$(echo pwned)", "; rm -rf /tmp/nothing", "`id`", "line1\nline2", "$HOME", "*", "", "--flag=x y", "\\back\\slash", "ünï©ødé"]
      const p = project({
        "src/argv.py": "import json, os, sys\nopen(os.path.join(os.environ['ESTIMATOR_OUTPUT_DIR'], 'argv.json'), 'w').write(json.dumps(sys.argv[1:]))\nprint(json.dumps(sys.argv[1:]))\n"
      })
      const { status, directory } = yield* runToEnd(p, pipe(script("argv.py"), Estimator.withArgs(...tricky)))
      expect(status.status).toBe("Completed")
      expect(JSON.parse(fs.readFileSync(path.join(directory, "outputs", "argv.json"), "utf8"))).toEqual(tricky)
      expect(JSON.parse(readLog(directory).trim())).toEqual(tricky)
    }))

  it.live("the job sees the spec's variables and the run contract", () =>
    Effect.gen(function*() {
      const p = project({
        "src/env.py": [
          "import json, os",
          "keys = ['PLAIN', 'SPACED', 'ESTIMATOR_RUN_ID', 'ESTIMATOR_OUTPUT_DIR', 'ESTIMATOR_INPUT_DATA', 'ESTIMATOR_INPUT_RATE', 'ESTIMATOR_OUTPUT_MODEL', 'INHERITED']",
          "out = os.environ['ESTIMATOR_OUTPUT_DIR']",
          "open(os.path.join(out, 'env.json'), 'w').write(json.dumps({k: os.environ.get(k) for k in keys}))",
          "print(os.path.isdir(os.environ['ESTIMATOR_OUTPUT_MODEL']))"
        ].join("\n"),
        "data/train.csv": "1,2\n"
      }, { environment: { ...process.env, INHERITED: "from the parent" } })
      const spec = pipe(
        script("env.py"),
        Estimator.withEnv({ PLAIN: "1", SPACED: "x y $z" }),
        Estimator.withInput("data", Data.fromLocal("data/train.csv", { type: "uri_file" })),
        Estimator.withInput("rate", Data.literal(0.5)),
        Estimator.withOutput("model", Data.output())
      )
      const { handle, status, directory } = yield* runToEnd(p, spec)
      expect(status.status).toBe("Completed")
      expect(JSON.parse(fs.readFileSync(path.join(directory, "outputs", "env.json"), "utf8"))).toEqual({
        PLAIN: "1",
        SPACED: "x y $z",
        ESTIMATOR_RUN_ID: handle.runId,
        ESTIMATOR_OUTPUT_DIR: path.join(directory, "outputs"),
        ESTIMATOR_INPUT_DATA: path.join(p.directory, "data", "train.csv"),
        ESTIMATOR_INPUT_RATE: "0.5",
        ESTIMATOR_OUTPUT_MODEL: path.join(directory, "outputs", "model"),
        INHERITED: "from the parent"
      })
      expect(readLog(directory)).toBe("True\n")
    }))
})

describe("Local: failures, time limits, cancel", { timeout: 90_000 }, () => {
  it.live("a failing script: Failed with its exit code, outputs and logs kept", () =>
    Effect.gen(function*() {
      const p = project({
        "src/fail.py": "import os, sys\nopen(os.path.join(os.environ['ESTIMATOR_OUTPUT_DIR'], 'partial.txt'), 'w').write('half')\nprint('about to fail', file=sys.stderr)\nsys.exit(3)\n"
      })
      const { status, record, directory } = yield* runToEnd(p, script("fail.py"))
      expect(status).toMatchObject({ status: "Failed", exitCode: 3, reason: "the process exited with code 3" })
      expect(statuses(record)).toEqual(["NotStarted", "Preparing", "Running", "Failed"])
      expect(fs.readFileSync(path.join(directory, "outputs", "partial.txt"), "utf8")).toBe("half")
      expect(readLog(directory)).toContain("about to fail\n")
    }))

  it.live("maxRunDurationSeconds: the process group is killed, Canceled with the reason, well before the script's end", () =>
    Effect.gen(function*() {
      const p = project({
        // the child sleeper is in the same process group and must go too
        "src/slow.py": "import os, subprocess, time\nchild = subprocess.Popen(['sleep', '30'])\nopen(os.path.join(os.environ['ESTIMATOR_OUTPUT_DIR'], 'child.pid'), 'w').write(str(child.pid))\nprint('sleeping', flush=True)\ntime.sleep(30)\n"
      })
      const { status, record, directory } = yield* runToEnd(p, pipe(script("slow.py"), Estimator.withMaxRunDuration(1)))
      expect(status).toMatchObject({ status: "Canceled", reason: "exceeded maxRunDurationSeconds=1" })
      // from the job's start to its recorded end: the limit, plus the time to stop it
      expect(Date.parse(record.endedAt ?? "") - Date.parse(record.startedAt ?? "")).toBeLessThan(10_000)
      expect(statuses(record)).toEqual(["NotStarted", "Preparing", "Running", "Canceled"])
      expect(readLog(directory)).toContain("sleeping")
      const childPid = Number(fs.readFileSync(path.join(directory, "outputs", "child.pid"), "utf8"))
      yield* Effect.sleep(200)
      expect(isRunning(childPid)).toBe(false)
    }))

  it.live("cancel from another process stops the run: CancelRequested, then Canceled", () => {
    const p = project({ "src/slow.py": "import time\nprint('started', flush=True)\ntime.sleep(30)\n" })
    return Effect.gen(function*() {
      const plan = yield* planIn(p, script("slow.py"))
      const handle = yield* Backend.execute(plan)
      expect((yield* Backend.status(handle.runId)).status).toBe("Running")
      const program = [
        `import * as Backend from ${JSON.stringify(DIST_BACKEND)}`,
        `import * as Local from ${JSON.stringify(DIST_LOCAL)}`,
        `import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"`,
        `import { Effect, Layer } from "effect"`,
        `const layer = Local.layerWith({ runsDirectory: ${JSON.stringify(p.runs)} }).pipe(Layer.provide(NodeFileSystem.layer))`,
        `const status = await Effect.runPromise(Backend.cancel(${JSON.stringify(handle.runId)}).pipe(Effect.provide(layer)))`,
        `console.log(JSON.stringify(status))`
      ].join("\n")
      const output = yield* Effect.promise(() => new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ["--input-type=module", "-e", program], { cwd: PACKAGE, stdio: ["ignore", "pipe", "inherit"] })
        let text = ""
        child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()))
        child.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`cancel process exited ${code}`))))
      }))
      expect(JSON.parse(output)).toMatchObject({ runId: handle.runId, status: "Canceled" })
      const final = yield* Backend.wait(handle.runId)
      expect(final.status).toBe("Canceled")
      expect(final.reason).toMatch(/^canceled by request \(process \d+\)$/)
      const record = JSON.parse(fs.readFileSync(path.join(handle.runDirectory, "run.json"), "utf8")) as RunStore.RunRecord
      expect(statuses(record)).toEqual(["NotStarted", "Preparing", "Running", "CancelRequested", "Canceled"])
      // from the request to the end: the job did not run its 30 s
      const [requested, ended] = record.statusHistory.slice(3).map((entry) => Date.parse(entry.at))
      expect((ended ?? Infinity) - (requested ?? 0)).toBeLessThan(10_000)
      expect(readLog(handle.runDirectory)).toContain("started")
    }).pipe(Effect.provide(p.layer))
  })

  it.live("interrupting wait (Ctrl-C in `estimator run`) cancels the run", () => {
    const p = project({ "src/slow.py": "import time\ntime.sleep(30)\n" })
    return Effect.gen(function*() {
      const handle = yield* Effect.flatMap(planIn(p, script("slow.py")), Backend.execute)
      const waiting = yield* Effect.fork(Backend.wait(handle.runId))
      yield* Effect.sleep(300)
      yield* Fiber.interrupt(waiting)
      const final = yield* Backend.status(handle.runId)
      expect(final.status).toBe("Canceled")
      expect(final.reason).toContain("interrupted")
    }).pipe(Effect.provide(p.layer))
  })

  it.live("SIGINT to a process running execute + wait under NodeRuntime cancels the run", () =>
    Effect.gen(function*() {
      const p = project({ "src/slow.py": "import time\nprint('up', flush=True)\ntime.sleep(30)\n" })
      const plan = yield* Effect.provide(planIn(p, script("slow.py")), p.layer)
      const program = [
        `import { Backend, Local } from ${JSON.stringify(DIST_INDEX)}`,
        `import { NodeFileSystem, NodeRuntime } from "@effect/platform-node"`,
        `import { Effect, Layer } from "effect"`,
        `import * as fs from "node:fs"`,
        `const plan = JSON.parse(fs.readFileSync(0, "utf8"))`,
        `const layer = Local.layerWith({ runsDirectory: ${JSON.stringify(p.runs)} }).pipe(Layer.provide(NodeFileSystem.layer))`,
        `NodeRuntime.runMain(Effect.gen(function*() { const h = yield* Backend.execute(plan); console.log("executing " + h.runId); return yield* Backend.wait(h.runId) }).pipe(Effect.provide(layer)))`
      ].join("\n")
      const child = spawn(process.execPath, ["--input-type=module", "-e", program], { cwd: PACKAGE, stdio: ["pipe", "pipe", "inherit"] })
      child.stdin.end(JSON.stringify(plan))
      yield* Effect.promise(() => new Promise<void>((resolve) => child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("executing") && resolve())))
      child.kill("SIGINT")
      yield* Effect.promise(() => new Promise<void>((resolve) => child.on("exit", () => resolve())))
      const final = yield* Effect.provide(Backend.wait(plan.run.runId), p.layer)
      expect(final.status).toBe("Canceled")
    }))

  it.live("a supervisor killed without recording an end: status says Failed, and the job's processes are stopped", () => {
    const p = project({ "src/slow.py": "import os, time\nopen(os.path.join(os.environ['ESTIMATOR_OUTPUT_DIR'], 'pid'), 'w').write(str(os.getpid()))\ntime.sleep(30)\n" })
    return Effect.gen(function*() {
      const handle = yield* Effect.flatMap(planIn(p, script("slow.py")), Backend.execute)
      const record = JSON.parse(fs.readFileSync(path.join(handle.runDirectory, "run.json"), "utf8")) as RunStore.RunRecord
      expect(record.pid).toBeDefined()
      expect(handle.externalId).toBe(String(record.pid))
      process.kill(record.pid ?? 0, "SIGKILL")
      yield* Effect.sleep(300)
      const status = yield* Backend.status(handle.runId)
      expect(status.status).toBe("Failed")
      expect(status.reason).toContain(`(pid ${record.pid}) exited without recording its end`)
      const jobPid = path.join(handle.runDirectory, "outputs", "pid")
      for (let i = 0; i < 50 && !fs.existsSync(jobPid); i++) yield* Effect.sleep(100)
      yield* Effect.sleep(300)
      if (fs.existsSync(jobPid)) expect(isRunning(Number(fs.readFileSync(jobPid, "utf8")))).toBe(false)
    }).pipe(Effect.provide(p.layer))
  })

  it.live("--detach: the run goes on after the process that started it exits", () =>
    Effect.gen(function*() {
      const p = project({ "src/late.py": "import os, time\ntime.sleep(3)\nopen(os.path.join(os.environ['ESTIMATOR_OUTPUT_DIR'], 'done.txt'), 'w').write('yes')\n" })
      const plan = yield* Effect.provide(planIn(p, script("late.py")), p.layer)
      const program = [
        `import { Backend, Local } from ${JSON.stringify(DIST_INDEX)}`,
        `import { NodeFileSystem } from "@effect/platform-node"`,
        `import { Effect, Layer } from "effect"`,
        `import * as fs from "node:fs"`,
        `const plan = JSON.parse(fs.readFileSync(0, "utf8"))`,
        `const layer = Local.layerWith({ runsDirectory: ${JSON.stringify(p.runs)} }).pipe(Layer.provide(NodeFileSystem.layer))`,
        `const h = await Effect.runPromise(Backend.execute(plan).pipe(Effect.provide(layer)))`,
        `console.log(JSON.stringify(h))`
      ].join("\n")
      const starter = spawn(process.execPath, ["--input-type=module", "-e", program], { cwd: PACKAGE, stdio: ["pipe", "pipe", "inherit"] })
      starter.stdin.end(JSON.stringify(plan))
      const code = yield* Effect.promise(() => new Promise<number | null>((resolve) => starter.on("exit", resolve)))
      const starterExited = Date.now()
      expect(code).toBe(0)
      const final = yield* Effect.provide(Backend.wait(plan.run.runId), p.layer)
      expect(final.status).toBe("Completed")
      const done = path.join(plan.run.runDirectory, "outputs", "done.txt")
      expect(fs.readFileSync(done, "utf8")).toBe("yes")
      // written by the job after the process that started it had exited
      expect(fs.statSync(done).mtimeMs).toBeGreaterThan(starterExited)
    }))
})

describe("Local: secrets", { timeout: 90_000 }, () => {
  it.live("a secret reaches the script and appears nowhere else: not in run.json, logs, or returned values", () =>
    Effect.gen(function*() {
      const canary = `canary-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`
      const p = project({
        "src/secret.py": "import os\nv = os.environ['TOKEN']\nopen(os.path.join(os.environ['ESTIMATOR_OUTPUT_DIR'], 'token.txt'), 'w').write(v)\nprint('token=' + v)\nprint('again ' + v + ' and ' + v)\n"
      }, { environment: { ...process.env, CANARY: canary } })
      const result = yield* runToEnd(p, pipe(script("secret.py"), Estimator.withSecretEnv({ TOKEN: Secret.fromEnv("CANARY") })))
      expect(result.status.status).toBe("Completed")
      // it reached the script
      expect(fs.readFileSync(path.join(result.directory, "outputs", "token.txt"), "utf8")).toBe(canary)
      // and nothing else holds it
      expect(readLog(result.directory)).toBe(`token=${Secret.REDACTED}\nagain ${Secret.REDACTED} and ${Secret.REDACTED}\n`)
      for (const { file, content } of allFiles(result.directory)) {
        if (file === path.join(result.directory, "outputs", "token.txt")) continue
        expect({ file, leaks: content.includes(canary) }).toEqual({ file, leaks: false })
      }
      expect(JSON.stringify([result.handle, result.status, result.record, result.plan])).not.toContain(canary)
      const streamed = yield* Effect.provide(Effect.flatMap(Backend.logs(result.handle.runId), Stream.runCollect), p.layer)
      expect(Chunk.toReadonlyArray(streamed).join("\n")).not.toContain(canary)
      expect(result.record.plan).toMatchObject({ processes: [{ env: { TOKEN: Secret.REDACTED } }] })
    }))

  it.live("a missing secret fails before start, naming its source and never a value", () => {
    const p = project({ "src/x.py": "print('never')\n" }, { environment: { PATH: process.env["PATH"] ?? "" } })
    return Effect.gen(function*() {
      const plan = yield* planIn(p, pipe(script("x.py"), Estimator.withSecretEnv({ API_KEY: Secret.fromEnv("ESTIMATOR_TEST_UNSET_VARIABLE") })))
      const result = yield* Effect.either(Backend.execute(plan))
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) {
        expect(result.left._tag).toBe("SecretUnavailable")
        expect(result.left.message).toContain("API_KEY (env:ESTIMATOR_TEST_UNSET_VARIABLE)")
        expect(result.left.message).toContain("is not set")
      }
      const status = yield* Backend.status(plan.run.runId)
      expect(status.status).toBe("Failed")
      expect(status.reason).toContain("env:ESTIMATOR_TEST_UNSET_VARIABLE")
      expect(fs.existsSync(path.join(plan.run.runDirectory, "logs", "combined.log"))).toBe(false)

      const fromFile = yield* planIn(p, pipe(script("x.py"), Estimator.withSecretEnv({ KEY: Secret.fromFile("/nonexistent/estimator/secret") })))
      const fileResult = yield* Effect.either(Backend.execute(fromFile))
      expect(Either.isLeft(fileResult) && fileResult.left.message).toContain("KEY (file:/nonexistent/estimator/secret)")
    }).pipe(Effect.provide(p.layer))
  })

  it.live("a file secret is read with its trailing newline removed", () =>
    Effect.gen(function*() {
      const p = project({ "src/s.py": "import os\nopen(os.path.join(os.environ['ESTIMATOR_OUTPUT_DIR'], 's.txt'), 'w').write(os.environ['S'])\n", "secret.txt": "from-a-file\n" })
      const { status, directory } = yield* runToEnd(p, pipe(script("s.py"), Estimator.withSecretEnv({ S: Secret.fromFile(path.join(p.directory, "secret.txt")) })))
      expect(status.status).toBe("Completed")
      expect(fs.readFileSync(path.join(directory, "outputs", "s.txt"), "utf8")).toBe("from-a-file")
    }))
})

describe("Local: several processes and launchers", { timeout: 90_000 }, () => {
  it.live("without mpirun on PATH, an MPI run fails before start naming the launcher and how to install it", () =>
    Effect.gen(function*() {
      const emptyBin = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-nompi-"))
      const p = project({ "src/x.py": "print('never')\n" }, { environment: { PATH: emptyBin } })
      const plan = yield* Effect.provide(planIn(p, pipe(script("x.py"), Estimator.withMpi(1, 2))), p.layer)
      expect(plan.backend === "local" && plan.processes[0]?.argv[0]).toBe("mpirun")
      const result = yield* Effect.either(Effect.provide(Backend.execute(plan), p.layer))
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) {
        expect(result.left._tag).toBe("ProgramNotFound")
        expect(result.left.message).toContain("mpirun was not found on PATH")
        expect(result.left.message).toContain("apt-get install openmpi-bin")
      }
      const record = JSON.parse(fs.readFileSync(path.join(plan.run.runDirectory, "run.json"), "utf8")) as RunStore.RunRecord
      expect(statuses(record)).toEqual(["NotStarted", "Preparing", "Failed"])
      expect(record.reason).toContain("mpirun")
    }))

  it.live("one process per rank (PyTorch): each sees its rank, logs per process and a combined log prefixed [rank N]", () =>
    Effect.gen(function*() {
      const p = project({ "src/rank.py": "import os\nprint('hello from ' + os.environ['RANK'] + ' of ' + os.environ['WORLD_SIZE'])\n" })
      const { status, directory, record } = yield* runToEnd(p, pipe(script("rank.py"), Estimator.withPyTorchDistribution({ nodeCount: 1, processCountPerNode: 2 })))
      expect(status.status).toBe("Completed")
      expect(readLog(directory, "process-0.log")).toBe("hello from 0 of 2\n")
      expect(readLog(directory, "process-1.log")).toBe("hello from 1 of 2\n")
      expect(readLog(directory).split("\n").filter((l) => l !== "").sort()).toEqual(["[rank 0] hello from 0 of 2", "[rank 1] hello from 1 of 2"])
      expect(record.processes?.map((entry) => entry.exitCode)).toEqual([0, 0])
    }))

  it.live("when one rank fails the others are stopped and the run fails with that rank's code", () =>
    Effect.gen(function*() {
      const p = project({ "src/rank.py": "import os, sys, time\nif os.environ['RANK'] == '1':\n    sys.exit(7)\ntime.sleep(30)\n" })
      const { status, record } = yield* runToEnd(p, pipe(script("rank.py"), Estimator.withPyTorchDistribution({ nodeCount: 1, processCountPerNode: 2 })))
      expect(status).toMatchObject({ status: "Failed", exitCode: 7, reason: "process 1 exited with code 7" })
      // rank 0 did not sleep its 30 s: it was stopped
      expect(Date.parse(record.endedAt ?? "") - Date.parse(record.startedAt ?? "")).toBeLessThan(10_000)
      expect(record.processes?.map((entry) => entry.signal)).toEqual(["SIGTERM", undefined])
    }))
})

describe("Local: logs, status, errors", { timeout: 90_000 }, () => {
  it.live("logs --follow streams the lines as they come, until the run ends", () => {
    const p = project({ "src/tick.py": "import time\nfor i in range(5):\n    print('tick', i, flush=True)\n    time.sleep(0.2)\nprint('no newline at the end', end='')\n" })
    return Effect.gen(function*() {
      const handle = yield* Effect.flatMap(planIn(p, script("tick.py")), Backend.execute)
      const lines = yield* Effect.flatMap(Backend.logs(handle.runId, { follow: true }), Stream.runCollect)
      expect(Chunk.toReadonlyArray(lines)).toEqual(["tick 0", "tick 1", "tick 2", "tick 3", "tick 4", "no newline at the end"])
      expect((yield* Backend.status(handle.runId)).status).toBe("Completed")
      const again = yield* Effect.flatMap(Backend.logs(handle.runId), Stream.runCollect)
      expect(Chunk.toReadonlyArray(again)).toEqual(Chunk.toReadonlyArray(lines))
    }).pipe(Effect.provide(p.layer))
  })

  it.live("an unknown run id is RunNotFound for status, logs, wait and cancel", () =>
    Effect.gen(function*() {
      const p = project({})
      const operations: ReadonlyArray<Effect.Effect<unknown, Backend.BackendError, Backend.Backend>> = [
        Backend.status("no-such-run"),
        Backend.wait("no-such-run"),
        Backend.cancel("no-such-run"),
        Effect.flatMap(Backend.logs("no-such-run"), Stream.runCollect)
      ]
      for (const operation of operations) {
        const result = yield* Effect.either(Effect.provide(operation, p.layer))
        expect(Either.isLeft(result) && result.left._tag).toBe("RunNotFound")
      }
    }))

  it.live("a plan of another backend is WrongBackend", () =>
    Effect.gen(function*() {
      const p = project({ "src/x.py": "" })
      const local = yield* Effect.provide(planIn(p, script("x.py")), p.layer)
      const foreign = { ...local, backend: "docker" } as unknown as Parameters<Backend.Service["execute"]>[0]
      const result = yield* Effect.either(Effect.provide(Backend.execute(foreign), p.layer))
      expect(Either.isLeft(result) && result.left._tag).toBe("WrongBackend")
    }))

  it("python3 is on this machine (the tests above run real processes)", () => {
    expect(execFileSync("python3", ["-c", "print(1)"], { encoding: "utf8" })).toBe("1\n")
  })
})
