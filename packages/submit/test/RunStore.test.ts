import { Estimator, Secret } from "@estimator/core"
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option, TestClock } from "effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Redact from "../src/Redact.js"
import * as RunStore from "../src/RunStore.js"

const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const DIST_RUN_STORE = path.join(PACKAGE, "dist", "RunStore.js")

const temporaryRoot = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "estimator-store-")), "runs")

const input = (runId: string, overrides: Partial<RunStore.CreateInput> = {}): RunStore.CreateInput => ({
  runId,
  backend: "local",
  spec: Estimator.make({ entryScript: "train.py", sourceDirectory: "src" }),
  specHash: "0".repeat(64),
  plan: { backend: "local", warnings: [], processes: [{ argv: ["python3", "train.py"], cwd: "/x", env: {} }] },
  sourceDirectory: "/project/src",
  ...overrides
})

const provideFs = <A, E>(effect: Effect.Effect<A, E, import("@effect/platform").FileSystem.FileSystem>) => Effect.provide(effect, NodeFileSystem.layer)

const runNode = (program: string, args: ReadonlyArray<string> = []) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", program, "--", ...args], { cwd: PACKAGE, stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()))
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`node exited ${code}: ${err}`))))
  })

describe("RunStore: layout and lifecycle", () => {
  it.live("create makes the run directory with logs/ and outputs/ and a NotStarted record", () =>
    provideFs(Effect.gen(function*() {
      const root = temporaryRoot()
      const store = RunStore.make(root)
      const record = yield* store.create(input("run-a", { pid: 4242 }))
      expect(record).toMatchObject({ recordVersion: 1, runId: "run-a", backend: "local", status: "NotStarted", pid: 4242, runDirectory: path.join(root, "run-a") })
      expect(record.statusHistory).toEqual([{ status: "NotStarted", at: record.createdAt }])
      expect(fs.statSync(path.join(root, "run-a", "logs")).isDirectory()).toBe(true)
      expect(fs.statSync(path.join(root, "run-a", "outputs")).isDirectory()).toBe(true)
      expect(JSON.parse(fs.readFileSync(store.recordPath("run-a"), "utf8"))).toEqual(record)
      expect(yield* store.read("run-a")).toEqual(record)
      const again = yield* Effect.either(store.create(input("run-a")))
      expect(Either.isLeft(again) && again.left.message).toContain("a run with this id already exists")
      expect(store.logPath("run-a", "combined")).toBe(path.join(root, "run-a", "logs", "combined.log"))
      expect(store.logPath("run-a", { process: 1 })).toBe(path.join(root, "run-a", "logs", "process-1.log"))
      expect(store.outputsPath("run-a")).toBe(path.join(root, "run-a", "outputs"))
    })))

  it.effect("statuses follow the lifecycle: Running starts, a terminal status ends and is final", () =>
    provideFs(Effect.gen(function*() {
      const store = RunStore.make(temporaryRoot())
      yield* TestClock.setTime(Date.parse("2030-01-01T00:00:00.000Z"))
      yield* store.create(input("run-b"))
      yield* TestClock.adjust("1 second")
      yield* store.appendStatus("run-b", "Preparing")
      yield* TestClock.adjust("1 second")
      yield* store.appendStatus("run-b", "Running")
      yield* store.appendStatus("run-b", "Running")
      yield* TestClock.adjust("1 second")
      yield* store.appendStatus("run-b", "CancelRequested", { reason: "asked" })
      yield* store.appendStatus("run-b", "CancelRequested", { reason: "asked twice" })
      yield* TestClock.adjust("1 second")
      const ended = yield* store.appendStatus("run-b", "Canceled", { reason: "canceled by request", exitCode: 143 })
      const after = yield* store.appendStatus("run-b", "Completed", { exitCode: 0 })
      expect(after).toEqual(ended)
      expect(ended.statusHistory).toEqual([
        { status: "NotStarted", at: "2030-01-01T00:00:00.000Z" },
        { status: "Preparing", at: "2030-01-01T00:00:01.000Z" },
        { status: "Running", at: "2030-01-01T00:00:02.000Z" },
        { status: "CancelRequested", at: "2030-01-01T00:00:03.000Z", reason: "asked" },
        { status: "Canceled", at: "2030-01-01T00:00:04.000Z", reason: "canceled by request" }
      ])
      expect(ended).toMatchObject({ status: "Canceled", startedAt: "2030-01-01T00:00:02.000Z", endedAt: "2030-01-01T00:00:04.000Z", reason: "canceled by request", exitCode: 143 })
      expect(RunStore.toRunStatus(ended)).toEqual({ runId: "run-b", backend: "local", status: "Canceled", at: "2030-01-01T00:00:04.000Z", exitCode: 143, reason: "canceled by request" })
    })))

  it.live("a cancel request is a file and a CancelRequested status; a finished run ignores it", () =>
    provideFs(Effect.gen(function*() {
      const store = RunStore.make(temporaryRoot())
      yield* store.create(input("run-c"))
      expect(Option.isNone(yield* store.cancelRequest("run-c"))).toBe(true)
      const record = yield* store.requestCancel("run-c", "please stop")
      expect(record.status).toBe("CancelRequested")
      const request = yield* store.cancelRequest("run-c")
      expect(Option.getOrThrow(request)).toMatchObject({ pid: process.pid, reason: "please stop", host: os.hostname() })
      yield* store.create(input("run-d"))
      yield* store.appendStatus("run-d", "Completed", { exitCode: 0 })
      const done = yield* store.requestCancel("run-d", "too late")
      expect(done.status).toBe("Completed")
      expect(Option.isNone(yield* store.cancelRequest("run-d"))).toBe(true)
    })))

  it.live("read: an unknown or malformed run id is RunNotFound; a corrupt record is RunStoreError", () =>
    provideFs(Effect.gen(function*() {
      const root = temporaryRoot()
      const store = RunStore.make(root)
      for (const id of ["nope", "../etc", "a/b", ""]) {
        const result = yield* Effect.either(store.read(id))
        expect(Either.isLeft(result) && result.left._tag).toBe("RunNotFound")
      }
      fs.mkdirSync(path.join(root, "broken"), { recursive: true })
      fs.writeFileSync(path.join(root, "broken", "run.json"), "{\"recordVersion\": 1, \"runId\":")
      const broken = yield* Effect.either(store.read("broken"))
      expect(Either.isLeft(broken) && broken.left._tag).toBe("RunStoreError")
    })))

  it.effect("list: newest first (by creation time, then run id), skipping what is not a run", () =>
    provideFs(Effect.gen(function*() {
      const root = temporaryRoot()
      const store = RunStore.make(root)
      expect(yield* store.list).toEqual([])
      yield* TestClock.setTime(1_000)
      yield* store.create(input("run-old"))
      yield* TestClock.setTime(5_000)
      yield* store.create(input("run-a"))
      yield* store.create(input("run-z"))
      yield* TestClock.setTime(3_000)
      yield* store.create(input("run-mid"))
      fs.mkdirSync(path.join(root, "not-a-run"))
      fs.writeFileSync(path.join(root, "stray.txt"), "x")
      const listed = yield* store.list
      expect(listed.map((record) => record.runId)).toEqual(["run-z", "run-a", "run-mid", "run-old"])
    })))

  it("root: <cwd>/.estimator/runs, or $ESTIMATOR_HOME/runs", () => {
    expect(RunStore.root("/work/project", {})).toBe("/work/project/.estimator/runs")
    expect(RunStore.root("/work/project", { ESTIMATOR_HOME: "" })).toBe("/work/project/.estimator/runs")
    expect(RunStore.root("/work/project", { ESTIMATOR_HOME: "/var/estimator" })).toBe("/var/estimator/runs")
    expect(RunStore.root("/work/project", { ESTIMATOR_HOME: "home" })).toBe("/work/project/home/runs")
  })
})

describe("RunStore: concurrency and atomicity", () => {
  it.live("two processes updating one record at once: every update lands, no reader ever sees a torn run.json", () =>
    provideFs(Effect.gen(function*() {
      const root = temporaryRoot()
      const store = RunStore.make(root)
      yield* store.create(input("shared", { details: { parent: [], child: [] } }))
      const N = 60
      const stop = path.join(root, "stop")
      // A reader in its own process: parses run.json as fast as it can until told to stop.
      const reader = runNode(
        `import * as fs from "node:fs"
const [file, stop] = process.argv.slice(1)
let reads = 0, torn = 0
while (!fs.existsSync(stop)) {
  const text = fs.readFileSync(file, "utf8")
  try { const r = JSON.parse(text); if (r.runId !== "shared" || !Array.isArray(r.details.parent)) torn++ } catch { torn++ }
  reads++
}
console.log(JSON.stringify({ reads, torn }))`,
        [store.recordPath("shared"), stop]
      )
      // A writer in another process, through the built module.
      const writer = runNode(
        `import * as RunStore from ${JSON.stringify(DIST_RUN_STORE)}
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect } from "effect"
const store = RunStore.make(process.argv[1])
for (let i = 0; i < ${N}; i++) {
  await Effect.runPromise(Effect.provide(store.update("shared", (r) => ({ ...r, details: { ...r.details, child: [...r.details.child, i] } })), NodeFileSystem.layer))
}
console.log("done")`,
        [root]
      )
      const own = Effect.forEach(Array.from({ length: N }, (_, i) => i), (i) =>
        store.update("shared", (r) => ({ ...r, details: { ...r.details, parent: [...(r.details?.["parent"] as ReadonlyArray<number>), i] } })), { discard: true })
      yield* Effect.all([own, Effect.promise(() => writer)], { concurrency: 2 })
      fs.writeFileSync(stop, "")
      const readerResult = JSON.parse(yield* Effect.promise(() => reader)) as { reads: number; torn: number }
      expect(readerResult.reads).toBeGreaterThan(0)
      expect(readerResult.torn).toBe(0)
      const final = yield* store.read("shared")
      const range = Array.from({ length: N }, (_, i) => i)
      expect(final.details).toEqual({ parent: range, child: range })
      expect(fs.readdirSync(path.join(root, "shared")).sort()).toEqual(["logs", "outputs", "run.json"])
    })), { timeout: 60_000 })

  it.live("a lock left by a dead process is taken over", () =>
    provideFs(Effect.gen(function*() {
      const store = RunStore.make(temporaryRoot())
      yield* store.create(input("stale"))
      const dead = yield* Effect.promise(() => runNode("console.log(process.pid)"))
      fs.writeFileSync(`${store.recordPath("stale")}.lock`, JSON.stringify({ pid: Number(dead), host: os.hostname(), at: Date.now(), token: "x" }))
      const started = Date.now()
      const record = yield* store.appendStatus("stale", "Preparing")
      expect(record.status).toBe("Preparing")
      expect(Date.now() - started).toBeLessThan(5_000)
      expect(fs.existsSync(`${store.recordPath("stale")}.lock`)).toBe(false)
    })))
})

describe("RunStore: secrets", () => {
  it.live("a store with a redactor never writes the secret value (canary)", () =>
    provideFs(Effect.gen(function*() {
      const canary = `canary-${Math.random().toString(36).slice(2)}-${Date.now()}`
      const store = RunStore.make(temporaryRoot(), { redactor: Redact.make([canary]) })
      const created = yield* store.create(input("secret-run", { details: { note: `token is ${canary}`, [canary]: "as a key" } }))
      const failed = yield* store.appendStatus("secret-run", "Failed", { reason: `the server said: bad token ${canary}` })
      yield* store.writeJson("secret-run", "extra.json", { echoed: canary })
      for (const file of ["run.json", "extra.json"]) {
        expect(fs.readFileSync(path.join(store.runDirectory("secret-run"), file), "utf8")).not.toContain(canary)
      }
      expect(JSON.stringify([created, failed])).not.toContain(canary)
      expect(failed.reason).toBe(`the server said: bad token ${Secret.REDACTED}`)
    })))

  it.live("resolveSecrets: from the environment, from a file (one trailing newline removed); a missing one names its source", () =>
    provideFs(Effect.gen(function*() {
      const directory = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-secrets-"))
      fs.writeFileSync(path.join(directory, "key"), "file-value\n\n")
      const resolved = yield* RunStore.resolveSecrets(
        { A: Secret.fromEnv("MY_A"), B: Secret.fromFile("key") },
        { environment: { MY_A: "env-value" }, cwd: directory }
      )
      expect(resolved).toEqual({ A: "env-value", B: "file-value\n" })
      const missingEnv = yield* Effect.either(RunStore.resolveSecrets({ TOKEN: Secret.fromEnv("NOT_SET_ANYWHERE") }, { environment: {} }))
      expect(Either.isLeft(missingEnv) && missingEnv.left.message).toBe(
        "The secret for TOKEN (env:NOT_SET_ANYWHERE) cannot be read: the environment variable NOT_SET_ANYWHERE is not set. Set NOT_SET_ANYWHERE in the environment of the process that starts the run."
      )
      const missingFile = yield* Effect.either(RunStore.resolveSecrets({ KEY: Secret.fromFile("absent") }, { cwd: directory }))
      expect(Either.isLeft(missingFile) && missingFile.left.message).toContain(`KEY (file:absent) cannot be read: ${path.join(directory, "absent")} does not exist`)
    })))
})
