// Running docker plans on the real engine, from the locally built base image (no registry): the
// run contract inside the container, exit codes and outputs, the timeout, cancelling from another
// process and by interruption, the image cache, a failed build, secrets, MPI ranks, and an engine
// that is not there. Every test calls requireDocker() first, so without an engine they fail.
import { Data, Estimator, Secret } from "@estimator/core"
import { NodeContext } from "@effect/platform-node"
import { afterAll, describe, expect, it } from "vitest"
import { ConfigProvider, Effect, Either, Exit, Fiber, Layer, Stream } from "effect"
import { spawn } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Backend from "../src/Backend.js"
import * as Docker from "../src/Docker.js"
import type * as Plan from "../src/Plan.js"
import { baseImage, defaultSocketPath, requireDocker } from "./support/docker.js"
import { startPipIndex, writeWheel } from "./support/pipIndex.js"

const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-docker-run-"))

// -------------------------------------------------------------------------------------
// the engine, for checks and cleanup (plain HTTP on its socket, independent of the code under test)
// -------------------------------------------------------------------------------------

const engine = <A>(method: string, target: string): Promise<{ status: number; body: A }> =>
  new Promise((resolve, reject) => {
    const request = http.request({ socketPath: defaultSocketPath, method, path: target }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        resolve({ status: response.statusCode ?? 0, body: (text === "" ? undefined : JSON.parse(text)) as A })
      })
    })
    request.on("error", reject)
    request.end()
  })

const containersOf = async (runId: string): Promise<ReadonlyArray<{ Id: string }>> =>
  (await engine<Array<{ Id: string }>>("GET", `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [`estimator.run-id=${runId}`] }))}`)).body

const imageId = async (tag: string): Promise<string | undefined> => {
  const answer = await engine<{ Id: string }>("GET", `/images/${tag}/json`)
  return answer.status === 200 ? answer.body.Id : undefined
}

const builtTags = new Set<string>()
const runIds = new Set<string>()

afterAll(async () => {
  for (const runId of runIds) {
    for (const container of await containersOf(runId)) await engine("DELETE", `/containers/${container.Id}?force=1`)
  }
  for (const tag of builtTags) if (tag !== baseImage) await engine("DELETE", `/images/${tag}?force=1`)
  fs.rmSync(scratch, { recursive: true, force: true })
})

// -------------------------------------------------------------------------------------
// a project per test
// -------------------------------------------------------------------------------------

interface Project {
  readonly directory: string
  readonly runs: string
  readonly progress: Array<Docker.Progress>
  readonly options: Docker.Options
  readonly builds: () => number
}

const newProject = (files: Record<string, string>, options: Docker.Options = {}): Project => {
  const directory = fs.mkdtempSync(path.join(scratch, "project-"))
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(directory, name)), { recursive: true })
    fs.writeFileSync(path.join(directory, name), text)
  }
  const runs = path.join(directory, "runs")
  const progress: Array<Docker.Progress> = []
  return {
    directory,
    runs,
    progress,
    builds: () => progress.filter((event) => event._tag === "BuildStarted").length,
    options: {
      baseImage,
      runsDirectory: runs,
      onProgress: (event) => {
        progress.push(event)
        if (event._tag === "BuildStarted") builtTags.add(event.tag)
      },
      ...options
    }
  }
}

const script = (entryScript: string, ...more: ReadonlyArray<(self: Estimator.Estimator) => Estimator.Estimator>) =>
  more.reduce((spec, f) => f(spec), Estimator.make({ entryScript, sourceDirectory: "src" }))

const run = <A, E>(effect: Effect.Effect<A, E, NodeContext.NodeContext>): Promise<A> =>
  Effect.runPromise(effect.pipe(Effect.provide(NodeContext.layer)))

const planOf = (project: Project, spec: Estimator.Estimator): Promise<Plan.DockerPlan> =>
  run(Docker.plan(spec, { baseDirectory: project.directory, runsDirectory: project.runs }, project.options)).then((planned) => {
    runIds.add(planned.run.runId)
    return planned
  })

const readRun = (planned: Plan.DockerPlan) => ({
  record: JSON.parse(fs.readFileSync(path.join(planned.run.runDirectory, "run.json"), "utf8")) as { status: string; reason?: string; exitCode?: number; statusHistory: ReadonlyArray<{ status: string }> },
  log: (name = "combined.log") => fs.readFileSync(path.join(planned.run.runDirectory, "logs", name), "utf8")
})

const stdoutJson = <A>(lines: ReadonlyArray<string>, prefix: string): A => {
  const line = lines.find((l) => l.startsWith(prefix))
  if (line === undefined) throw new Error(`no line starting with ${prefix} in:\n${lines.join("\n")}`)
  return JSON.parse(line.slice(prefix.length)) as A
}

/** Executes, collects every output line, waits; the lines come from `Docker.run`. */
const runAttached = async (project: Project, planned: Plan.DockerPlan) => {
  const lines: Array<string> = []
  const final = await run(Docker.run(planned, (line) => lines.push(line), project.options))
  return { final, lines }
}

/**
 * The real engine behind another socket, except that asking it for a container's output (not
 * followed) first lets another process finalize the run — for real, `Docker.status` on the real
 * engine, which keeps the output and removes the container — and then answers what the engine
 * answers while that removal is under way: 409 "dead or marked for removal". (Seen in CI when
 * `cancel` and `wait` finalized one run at once; a test cannot time the real window.)
 */
const engineRemovingDuringLogs = async (runId: string, options: Docker.Options) => {
  const socketPath = path.join(scratch, `engine-${randomBytes(4).toString("hex")}.sock`)
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://engine")
    const follow = url.searchParams.get("follow")
    if (request.method === "GET" && /\/containers\/[^/]+\/logs$/.test(url.pathname) && follow !== "1" && follow !== "true") {
      run(Docker.status(runId, options)).then(
        () => response.writeHead(409, { "Content-Type": "application/json" }).end(JSON.stringify({ message: "can not get logs from container which is dead or marked for removal" })),
        (error: unknown) => response.writeHead(500, { "Content-Type": "application/json" }).end(JSON.stringify({ message: String(error) }))
      )
      return
    }
    const upstream = http.request({ socketPath: defaultSocketPath, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(response)
    })
    upstream.on("error", (error) => response.destroy(error))
    request.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(socketPath, resolve))
  return {
    dockerHost: `unix://${socketPath}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}

// -------------------------------------------------------------------------------------
// tests
// -------------------------------------------------------------------------------------

describe("Docker.execute: the run contract in the container", () => {
  it("argv arrives intact (spaces, quotes, $(...), ;, backticks, newlines); env vars and a read-only input folder as specified", async () => {
    await requireDocker()
    const argv = ["a b", "it's", "\"double\"", "$(echo pwned)", "a;b", "`id`", "line1\nline2", "$HOME", "*", "--flag=x y", "-", "ünï ✓"]
    const project = newProject({
      "src/train.py": [
        "import json, os, sys",
        "print('ARGV ' + json.dumps(sys.argv[1:]))",
        "print('ENV ' + json.dumps({k: os.environ.get(k) for k in ['GREETING', 'EMPTY', 'ESTIMATOR_INPUT_DATA', 'ESTIMATOR_OUTPUT_DIR', 'ESTIMATOR_RUN_ID']}))",
        "data = os.environ['ESTIMATOR_INPUT_DATA']",
        "print('READ ' + json.dumps(open(os.path.join(data, 'hello.txt')).read()))",
        "try:",
        "    open(os.path.join(data, 'new.txt'), 'w').write('x')",
        "    print('WRITE ' + json.dumps('allowed'))",
        "except OSError as e:",
        "    print('WRITE ' + json.dumps(e.errno))"
      ].join("\n"),
      "data/hello.txt": "hello from the host\n"
    })
    const planned = await planOf(project, script("train.py",
      Estimator.withArgs(...argv),
      Estimator.withEnv({ GREETING: "hi there; $USER", EMPTY: "" }),
      Estimator.withInput("data", Data.fromLocal("data"))))
    const { final, lines } = await runAttached(project, planned)
    expect(final).toMatchObject({ runId: planned.run.runId, backend: "docker", status: "Completed", exitCode: 0 })
    expect(stdoutJson(lines, "ARGV ")).toEqual(argv)
    expect(stdoutJson(lines, "ENV ")).toEqual({
      GREETING: "hi there; $USER",
      EMPTY: "",
      ESTIMATOR_INPUT_DATA: "/estimator/inputs/data",
      ESTIMATOR_OUTPUT_DIR: "/estimator/outputs",
      ESTIMATOR_RUN_ID: planned.run.runId
    })
    expect(stdoutJson(lines, "READ ")).toBe("hello from the host\n")
    expect(stdoutJson(lines, "WRITE ")).toBe(30) // EROFS: the input is mounted read-only
    expect(fs.existsSync(path.join(project.directory, "data", "new.txt"))).toBe(false)
    // The stored log is what was streamed; the container is gone, the snapshot is the run's copy.
    const stored = readRun(planned)
    expect(stored.log()).toBe(lines.map((line) => `${line}\n`).join(""))
    expect(stored.record.statusHistory.map((entry) => entry.status)).toEqual(["NotStarted", "Preparing", "Running", "Completed"])
    expect(fs.readFileSync(path.join(planned.run.runDirectory, "snapshot", "train.py"), "utf8")).toContain("ARGV")
    expect(await containersOf(planned.run.runId)).toEqual([])
  })

  it("outputs are kept after a failing script: exit 3 is Failed with exit code 3", async () => {
    await requireDocker()
    const project = newProject({
      "src/fail.py": "import os, sys\nopen(os.path.join(os.environ['ESTIMATOR_OUTPUT_DIR'], 'model.txt'), 'w').write('weights')\nprint('about to fail')\nsys.exit(3)\n"
    })
    const planned = await planOf(project, script("fail.py"))
    const handle = await run(Docker.execute(planned, project.options))
    expect(handle).toMatchObject({ runId: planned.run.runId, backend: "docker", runDirectory: planned.run.runDirectory })
    expect(handle.externalId).toMatch(/^[0-9a-f]{64}$/)
    const final = await run(Docker.wait(planned.run.runId, project.options))
    expect(final).toMatchObject({ status: "Failed", exitCode: 3 })
    expect(final.reason).toContain("exited with code 3")
    expect(fs.readFileSync(path.join(planned.run.runDirectory, "outputs", "model.txt"), "utf8")).toBe("weights")
    expect(readRun(planned).log()).toBe("about to fail\n")
    expect(await run(Docker.status(planned.run.runId, project.options))).toEqual(final)
    expect(await containersOf(planned.run.runId)).toEqual([])
  })

  it("a run longer than its maximum duration is killed and recorded as Canceled, with why", async () => {
    await requireDocker()
    const project = newProject({ "src/slow.py": "import time\nprint('started', flush=True)\ntime.sleep(120)\nprint('never')\n" })
    const planned = await planOf(project, script("slow.py", Estimator.withMaxRunDuration(2)))
    const started = Date.now()
    const { final, lines } = await runAttached(project, planned)
    const seconds = (Date.now() - started) / 1000
    expect(final.status).toBe("Canceled")
    expect(final.reason).toContain("maximum duration of 2 s")
    expect(seconds).toBeGreaterThanOrEqual(2)
    expect(seconds).toBeLessThan(20)
    expect(lines).toEqual(["started"])
    expect(readRun(planned).record).toMatchObject({ status: "Canceled", reason: final.reason })
    expect(readRun(planned).record.statusHistory.map((entry) => entry.status)).toContain("CancelRequested")
    expect(await containersOf(planned.run.runId)).toEqual([])
  })
})

describe("Docker.logs and Docker.status from the run id", () => {
  it("logs with follow streams a running job's lines as they come and ends with the run, which is then recorded", async () => {
    await requireDocker()
    const project = newProject({ "src/steps.py": "import sys, time\nfor step in range(3):\n    print(f'step {step}', flush=True)\n    time.sleep(0.5)\nprint('done', file=sys.stderr)\n" })
    const planned = await planOf(project, script("steps.py"))
    await run(Docker.execute(planned, project.options))
    const arrivals: Array<readonly [string, number]> = []
    const started = Date.now()
    await run(Stream.runForEach(Docker.logs(planned.run.runId, { follow: true }, project.options), (line) => Effect.sync(() => arrivals.push([line, Date.now() - started]))))
    expect(arrivals.map(([line]) => line)).toEqual(["step 0", "step 1", "step 2", "done"])
    // Live, not all at the end: the first line came well before the last.
    expect(arrivals[3]![1] - arrivals[0]![1]).toBeGreaterThanOrEqual(500)
    expect(readRun(planned).record).toMatchObject({ status: "Completed", exitCode: 0 })
    expect(await containersOf(planned.run.runId)).toEqual([])
    expect(await run(Stream.runCollect(Docker.logs(planned.run.runId, {}, project.options))).then((lines) => [...lines])).toEqual(["step 0", "step 1", "step 2", "done"])
  })

  it("an unknown run id is RunNotFound, naming the runs directory", async () => {
    await requireDocker()
    const project = newProject({})
    const error = await run(Effect.flip(Docker.status("20260101-000000-nothere1", project.options)))
    expect(error._tag).toBe("RunNotFound")
    expect(error.message).toContain(project.runs)
  })
})

describe("Docker.cancel and interruption", () => {
  it("cancel from a second process stops the container, records Canceled and leaves no container", async () => {
    await requireDocker()
    const project = newProject({ "src/loop.py": "import time\nprint('looping', flush=True)\nwhile True:\n    time.sleep(0.2)\n" })
    const planned = await planOf(project, script("loop.py"))
    await run(Docker.execute(planned, project.options))
    expect((await run(Docker.status(planned.run.runId, project.options))).status).toBe("Running")
    const waiting = run(Docker.wait(planned.run.runId, project.options))
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", [
      `const Docker = await import(${JSON.stringify(path.join(PACKAGE, "src", "Docker.ts"))})`,
      "const { Effect } = await import('effect')",
      "const { NodeContext } = await import('@effect/platform-node')",
      `const status = await Effect.runPromise(Docker.cancel(${JSON.stringify(planned.run.runId)}, { runsDirectory: ${JSON.stringify(project.runs)} }).pipe(Effect.provide(NodeContext.layer)))`,
      "console.log(JSON.stringify(status))"
    ].join("\n")], { cwd: PACKAGE, stdio: ["ignore", "pipe", "pipe"] })
    const output = { stdout: "", stderr: "" }
    child.stdout.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
    expect({ code, stderr: output.stderr }).toEqual({ code: 0, stderr: "" })
    const fromChild = JSON.parse(output.stdout) as Backend.RunStatus
    expect(fromChild).toMatchObject({ runId: planned.run.runId, status: "Canceled", reason: "Canceled by request." })
    const final = await waiting
    expect(final).toMatchObject({ status: "Canceled", reason: "Canceled by request." })
    expect(await containersOf(planned.run.runId)).toEqual([])
    expect(readRun(planned).log()).toBe("looping\n")
  })

  it("interrupting an attached run (Ctrl-C) kills and removes its container and records Canceled", async () => {
    await requireDocker()
    const project = newProject({ "src/loop.py": "import time\nprint('looping', flush=True)\nwhile True:\n    time.sleep(0.2)\n" })
    const planned = await planOf(project, script("loop.py"))
    const lines: Array<string> = []
    let seen: () => void = () => undefined
    const firstLine = new Promise<void>((resolve) => (seen = resolve))
    const fiber = Effect.runFork(Docker.run(planned, (line) => {
      lines.push(line)
      seen()
    }, project.options).pipe(Effect.provide(NodeContext.layer)))
    await firstLine
    const exit = await Effect.runPromise(Fiber.interrupt(fiber))
    expect(Exit.isInterrupted(exit)).toBe(true)
    expect(await containersOf(planned.run.runId)).toEqual([])
    const final = await run(Docker.status(planned.run.runId, project.options))
    expect(final.status).toBe("Canceled")
    expect(final.reason).toContain("interrupted (Ctrl-C)")
    expect(readRun(planned).log()).toBe("looping\n")
  })

  it("interrupting wait cancels the run (as estimator run's Ctrl-C does), unless cancelOnInterrupt is false", async () => {
    await requireDocker()
    const project = newProject({ "src/loop.py": "import time\nwhile True:\n    time.sleep(0.2)\n" })
    const interruptWait = async (planned: Plan.DockerPlan, options: Docker.Options) => {
      await run(Docker.execute(planned, options))
      const fiber = Effect.runFork(Docker.wait(planned.run.runId, options).pipe(Effect.provide(NodeContext.layer)))
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(Exit.isInterrupted(await Effect.runPromise(Fiber.interrupt(fiber)))).toBe(true)
    }
    const kept = await planOf(project, script("loop.py"))
    await interruptWait(kept, { ...project.options, cancelOnInterrupt: false })
    expect(await containersOf(kept.run.runId)).toHaveLength(1)
    expect((await run(Docker.status(kept.run.runId, project.options))).status).toBe("Running")
    expect((await run(Docker.cancel(kept.run.runId, project.options))).status).toBe("Canceled")

    const canceled = await planOf(project, script("loop.py"))
    await interruptWait(canceled, project.options)
    expect(await containersOf(canceled.run.runId)).toEqual([])
    expect(await run(Docker.status(canceled.run.runId, project.options))).toMatchObject({ status: "Canceled", reason: expect.stringContaining("interrupted (Ctrl-C)") })
  })
})

describe("two processes finalizing one run at once", () => {
  const exitedRun = async () => {
    const project = newProject({ "src/quick.py": "print('done', flush=True)\n" })
    const planned = await planOf(project, script("quick.py"))
    const handle = await run(Docker.execute(planned, project.options))
    expect((await engine<{ StatusCode: number }>("POST", `/containers/${handle.externalId}/wait`)).body).toMatchObject({ StatusCode: 0 })
    expect(readRun(planned).record.status).toBe("Running")
    return { project, planned, engine: await engineRemovingDuringLogs(planned.run.runId, project.options) }
  }

  it("status, answered 409 while the other process removes the container, gives the record the other wrote", async () => {
    await requireDocker()
    const { project, planned, engine: racing } = await exitedRun()
    try {
      const final = await run(Docker.status(planned.run.runId, { ...project.options, dockerHost: racing.dockerHost }))
      expect(final).toMatchObject({ status: "Completed", exitCode: 0 })
      expect(readRun(planned).record).toMatchObject({ status: "Completed", exitCode: 0 })
      expect(readRun(planned).record.statusHistory.map((entry) => entry.status)).toEqual(["NotStarted", "Preparing", "Running", "Completed"])
      expect(readRun(planned).log()).toBe("done\n")
      expect(await containersOf(planned.run.runId)).toEqual([])
    } finally {
      await racing.close()
    }
  })

  it("logs, answered 409 while the other process removes the container, gives the stored log", async () => {
    await requireDocker()
    const { project, planned, engine: racing } = await exitedRun()
    try {
      const lines = await run(Stream.runCollect(Docker.logs(planned.run.runId, {}, { ...project.options, dockerHost: racing.dockerHost })))
      expect([...lines]).toEqual(["done"])
      expect(readRun(planned).record).toMatchObject({ status: "Completed", exitCode: 0 })
      expect(await containersOf(planned.run.runId)).toEqual([])
    } finally {
      await racing.close()
    }
  })
})

describe("Docker.execute: the image", () => {
  it("a second run with the same environment builds nothing; a changed pip list builds (from a local index, host network)", async () => {
    await requireDocker()
    const wheels = path.join(scratch, `wheels-${randomBytes(4).toString("hex")}`)
    writeWheel({ directory: wheels, name: "example-hello", version: "1.0.0", files: { "example_hello/__init__.py": "GREETING = 'hello from the wheel'\n" } })
    writeWheel({ directory: wheels, name: "example-other", version: "2.0.0", files: { "example_other/__init__.py": "NAME = 'other'\n" } })
    const index = await startPipIndex({ directory: wheels, bridge: false })
    try {
      const project = newProject(
        { "src/use.py": "import example_hello\nprint(example_hello.GREETING)\ntry:\n    import example_other\n    print(example_other.NAME)\nexcept ImportError:\n    print('no other')\n" },
        { pipIndexUrl: index.url }
      )
      const first = await planOf(project, script("use.py", Estimator.withPip(["example-hello"])))
      expect(first.image.build).toBe(true)
      expect((await runAttached(project, first)).lines).toEqual(["hello from the wheel", "no other"])
      expect(project.builds()).toBe(1)
      expect(fs.readFileSync(path.join(first.run.runDirectory, "logs", "build.log"), "utf8")).toContain("Successfully tagged")
      const builtId = await imageId(first.image.tag)

      const second = await planOf(project, script("use.py", Estimator.withPip(["example-hello"])))
      expect(second.image).toEqual({ ...first.image, build: false })
      const again = await runAttached(project, second)
      expect(again.final.status).toBe("Completed")
      expect(project.builds()).toBe(1)
      expect(project.progress.filter((event) => event._tag === "ImageCached")).toEqual([{ _tag: "ImageCached", tag: first.image.tag }])
      expect(await imageId(first.image.tag)).toBe(builtId)
      expect(fs.existsSync(path.join(second.run.runDirectory, "logs", "build.log"))).toBe(false)

      const changed = await planOf(project, script("use.py", Estimator.withPip(["example-hello", "example-other"])))
      expect(changed.image.tag).not.toBe(first.image.tag)
      expect((await runAttached(project, changed)).lines).toEqual(["hello from the wheel", "other"])
      expect(project.builds()).toBe(2)
      expect(index.requests).toContain("GET /simple/example-other/")
    } finally {
      await index.close()
    }
  })

  it("a failed build fails the run with the build log's tail in the reason, keeps the whole log and leaves no layers", async () => {
    const engineInfo = await requireDocker()
    const index = await startPipIndex({ directory: fs.mkdtempSync(path.join(scratch, "empty-index-")), bridge: false })
    try {
      const project = newProject({ "src/train.py": "print('never runs')\n" }, { pipIndexUrl: index.url })
      const planned = await planOf(project, script("train.py", Estimator.withPip([`not-in-the-index-${randomBytes(3).toString("hex")}`])))
      const error = await run(Effect.flip(Docker.execute(planned, project.options)))
      expect(error._tag).toBe("BuildFailed")
      expect(error.message).toContain("No matching distribution found for not-in-the-index")
      const stored = readRun(planned)
      expect(stored.record.status).toBe("Failed")
      expect(stored.record.reason).toContain("No matching distribution found for not-in-the-index")
      expect(stored.log("build.log")).toContain("No matching distribution found for not-in-the-index")
      expect(await imageId(planned.image.tag)).toBeUndefined()
      // The layers committed before the failing step are not left behind (the base image stays).
      const layers = [...stored.log("build.log").matchAll(/^ ---> ([0-9a-f]{12})$/gm)].map((match) => match[1]!)
      expect(layers.length).toBeGreaterThanOrEqual(2)
      expect(`sha256:${layers[0]}`).toBe(engineInfo.imageId.slice(0, "sha256:".length + 12))
      for (const layer of layers.slice(1)) expect({ layer, id: await imageId(layer) }).toEqual({ layer, id: undefined })
      expect(await imageId(baseImage)).toBe(engineInfo.imageId)
      expect(await containersOf(planned.run.runId)).toEqual([])
      expect(await run(Docker.status(planned.run.runId, project.options))).toMatchObject({ status: "Failed", reason: stored.record.reason })
    } finally {
      await index.close()
    }
  })

  it("a custom image that is not present (and cannot be pulled) fails clearly, naming the image and what to do", async () => {
    await requireDocker()
    const project = newProject({ "src/train.py": "print('never runs')\n" })
    const image = `estimator-test/absent-${randomBytes(4).toString("hex")}:1`
    const planned = await planOf(project, script("train.py", Estimator.withImage(image)))
    const error = await run(Effect.flip(Docker.execute(planned, project.options)))
    expect(error._tag).toBe("ImageUnavailable")
    expect(error.message).toContain(`The image ${image} is not present and no registry is reachable`)
    expect(error.message).toContain(`docker build -t ${image}`)
    expect(readRun(planned).record).toMatchObject({ status: "Failed", reason: error.message })
  })
})

describe("Docker.execute: secrets and MPI", () => {
  it("a canary secret reaches the script but never appears in run.json, the logs or returned values", async () => {
    await requireDocker()
    const canary = `canary-${randomBytes(16).toString("hex")}`
    const variable = `ESTIMATOR_TEST_CANARY_${randomBytes(4).toString("hex").toUpperCase()}`
    process.env[variable] = canary
    try {
      const project = newProject({
        "src/secret.py": [
          "import hashlib, os, sys",
          "value = os.environ['API_KEY']",
          "print('the key is ' + value)",
          "print('on stderr: ' + value, file=sys.stderr)",
          "open(os.path.join(os.environ['ESTIMATOR_OUTPUT_DIR'], 'key.sha256'), 'w').write(hashlib.sha256(value.encode()).hexdigest())",
          "sys.exit(5)"
        ].join("\n")
      })
      const planned = await planOf(project, script("secret.py", Estimator.withSecretEnv({ API_KEY: Secret.fromEnv(variable) })))
      expect(JSON.stringify(planned)).not.toContain(canary)
      const { final, lines } = await runAttached(project, planned)
      const streamed = await run(Stream.runCollect(Docker.logs(planned.run.runId, {}, project.options)))
      expect(final).toMatchObject({ status: "Failed", exitCode: 5 })
      // It reached the script: the hash of what the script saw is the canary's.
      expect(fs.readFileSync(path.join(planned.run.runDirectory, "outputs", "key.sha256"), "utf8")).toBe(createHash("sha256").update(canary).digest("hex"))
      expect(lines).toContain(`the key is ${Secret.REDACTED}`)
      expect(lines).toContain(`on stderr: ${Secret.REDACTED}`)
      expect([...streamed]).toEqual(lines)
      const stored: Array<string> = []
      const walk = (directory: string): void => {
        for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
          const file = path.join(directory, entry.name)
          if (entry.isDirectory()) {
            if (file !== path.join(planned.run.runDirectory, "outputs")) walk(file)
          } else stored.push(file)
        }
      }
      walk(planned.run.runDirectory)
      expect(stored).toContain(path.join(planned.run.runDirectory, "run.json"))
      expect(stored).toContain(path.join(planned.run.runDirectory, "logs", "combined.log"))
      for (const file of stored) expect({ file, leaks: fs.readFileSync(file, "utf8").includes(canary) }).toEqual({ file, leaks: false })
      expect(JSON.stringify([final, lines, [...streamed]])).not.toContain(canary)
    } finally {
      delete process.env[variable]
    }
  })

  it("MPI with two processes: each rank prints, and the combined log has both lines, rank-prefixed", async () => {
    await requireDocker()
    const project = newProject({
      "src/ranks.py": "from mpi4py import MPI\ncomm = MPI.COMM_WORLD\nprint(f'hello from rank {comm.Get_rank()} of {comm.Get_size()}', flush=True)\n"
    })
    const planned = await planOf(project, script("ranks.py", Estimator.withMpi(1, 2)))
    const { final, lines } = await runAttached(project, planned)
    expect(final.status).toBe("Completed")
    expect([...lines].sort()).toEqual(["[rank 0] hello from rank 0 of 2", "[rank 1] hello from rank 1 of 2"])
    const stored = readRun(planned)
    expect(stored.log().split("\n").filter((line) => line !== "").sort()).toEqual(["[rank 0] hello from rank 0 of 2", "[rank 1] hello from rank 1 of 2"])
    expect(stored.log("process-0.log")).toBe("hello from rank 0 of 2\n")
    expect(stored.log("process-1.log")).toBe("hello from rank 1 of 2\n")
  })
})

describe("an engine that is not there", () => {
  const absentSocket = () => path.join(fs.mkdtempSync(path.join(scratch, "no-engine-")), "docker.sock")
  const expected = (socket: string) => `Docker daemon not reachable at ${socket}: start it (dockerd) or run bash .ci/provision.sh`

  it("Docker.execute fails with one clear EngineUnavailable, and the run record says why", async () => {
    await requireDocker()
    const socket = absentSocket()
    const project = newProject({ "src/train.py": "print('never runs')\n" }, { dockerHost: `unix://${socket}` })
    const planned = await planOf(project, script("train.py"))
    expect(planned.warnings).toContainEqual(expect.objectContaining({ code: "image-check-failed" }))
    const error = await run(Effect.flip(Docker.execute(planned, project.options)))
    expect(error._tag).toBe("EngineUnavailable")
    expect(error.message).toContain(expected(socket))
    expect(readRun(planned).record).toMatchObject({ status: "Failed", reason: error.message })
    const status = await run(Effect.either(Docker.status(planned.run.runId, project.options)))
    expect(Either.getOrThrow(status)).toMatchObject({ status: "Failed" })
  })

  it("the layer reads DOCKER_HOST: Backend.execute gives the same error", async () => {
    await requireDocker()
    const socket = absentSocket()
    const project = newProject({ "src/train.py": "print('never runs')\n" })
    const layer = Docker.layer.pipe(
      Layer.provide(NodeContext.layer),
      Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["DOCKER_HOST", `unix://${socket}`], ["ESTIMATOR_DOCKER_BASE_IMAGE", baseImage]]))))
    )
    const error = await Effect.runPromise(Effect.gen(function*() {
      const planned = yield* Backend.plan(script("train.py"), { baseDirectory: project.directory, runsDirectory: project.runs })
      runIds.add(planned.run.runId)
      return yield* Effect.flip(Backend.execute(planned))
    }).pipe(Effect.provide(layer), Effect.provide(NodeContext.layer)))
    expect(error._tag).toBe("EngineUnavailable")
    expect(error.message).toContain(expected(socket))
  })
})
