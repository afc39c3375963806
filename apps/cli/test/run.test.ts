/**
 * `estimator run`, `status`, `logs`, `cancel` and `runs` through the real binary, on the local
 * backend with the machine's python3 (and one docker run), in a run store of their own: each
 * test's working directory is a fresh folder, so `.estimator/runs` starts empty. Commands given a
 * run id are separate invocations of the binary: they read the run store, as they would long after
 * the process that started the run is gone.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { bin, estimator, expectCleanError, json, repoRoot, type Result, tempDirInRepo } from "./utils/cli.js"

const quickstart = path.join(repoRoot, "apps", "examples", "src", "quickstart.ts")
const points = path.join(repoRoot, "apps", "examples", "src", "data", "quickstart", "points.csv")
const RUN_ID = /^\d{8}-\d{6}-[a-z0-9]{8}$/

const temps: Array<string> = []
afterAll(() => {
  for (const temp of temps) fs.rmSync(temp, { recursive: true, force: true })
})

/** A fresh folder (its own run store) holding `job.ts`, whose entry script is `src/script.py`. */
const project = (script: string): string => {
  const folder = tempDirInRepo()
  temps.push(folder)
  fs.mkdirSync(path.join(folder, "src"))
  fs.writeFileSync(path.join(folder, "src", "script.py"), script)
  fs.writeFileSync(
    path.join(folder, "job.ts"),
    `import { Estimator } from "@estimator/core"\nexport default Estimator.make({ entryScript: "script.py", sourceDirectory: "src" })\n`
  )
  return folder
}

/** Prints tick 0..n-1, one every `seconds`, then writes outputs/done.txt. */
const ticking = (n: number, seconds: number) => `import os, pathlib, time
for i in range(${n}):
    print("tick", i, flush=True)
    time.sleep(${seconds})
pathlib.Path(os.environ["ESTIMATOR_OUTPUT_DIR"], "done.txt").write_text("done")
`

/** `estimator <args>` in the background: the child (to signal) and its result. */
const start = (args: ReadonlyArray<string>, cwd: string) => {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
  const done = new Promise<Result>((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })
  return { child, done, output: () => stdout }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `estimator <args> --json` in `cwd` until `until` holds of its document (at most 30 s). */
const poll = async (args: ReadonlyArray<string>, cwd: string, until: (document: any) => boolean): Promise<any> => {
  const deadline = Date.now() + 30_000
  for (;;) {
    const result = await estimator([...args, "--json"], { cwd })
    if (result.code === 0) {
      const document = json(result)
      if (until(document)) return document
    }
    if (Date.now() > deadline) throw new Error(`estimator ${args.join(" ")} never satisfied the condition; last output: ${result.stdout}${result.stderr}`)
    await sleep(200)
  }
}

const record = (cwd: string, runId: string) =>
  JSON.parse(fs.readFileSync(path.join(cwd, ".estimator", "runs", runId, "run.json"), "utf8"))

describe("estimator run --backend local", () => {
  it("runs the quickstart example: exit 0, Completed, its output streamed, outputs/model.json fitted to the data", async () => {
    const cwd = project("")
    const result = await estimator(["run", quickstart], { cwd })
    expect(result.stderr).not.toMatch(/^error/m)
    expect(result.code).toBe(0)
    // The script's own output, as it printed it (the spec asks for 200 epochs: a line every 50).
    expect(result.stdout.match(/^epoch +\d+ +loss /gm)).toHaveLength(4)
    const [runId] = fs.readdirSync(path.join(cwd, ".estimator", "runs"))
    expect(runId).toMatch(RUN_ID)
    const outputs = path.join(cwd, ".estimator", "runs", runId!, "outputs")
    expect(result.stderr).toContain(`outputs: ${outputs}`)
    expect(result.stderr).toMatch(new RegExp(`run ${runId} Completed \\(exit code 0\\)`))
    expect(record(cwd, runId!).status).toBe("Completed")
    // The model is the one trained on the input: its loss on points.csv is the loss it reports.
    const model = JSON.parse(fs.readFileSync(path.join(outputs, "model.json"), "utf8"))
    const metrics = JSON.parse(fs.readFileSync(path.join(outputs, "metrics.json"), "utf8"))
    const rows = fs.readFileSync(points, "utf8").trim().split("\n").slice(1).map((line) => line.split(",").map(Number))
    const loss = rows.reduce((sum, [x, y]) => sum + (model.a * x! + model.b - y!) ** 2, 0) / rows.length
    expect(metrics).toEqual({ loss: expect.closeTo(loss, 9), epochs: 200, points: rows.length })
    expect(result.stdout).toContain(`model: y = ${model.a.toFixed(3)} * x + ${model.b.toFixed(3)}`)
  })

  it("--json: one document on stdout (id, status, exit code, outputs folder); the job's output on stderr", async () => {
    const cwd = project("print('to the log')\n")
    const result = await estimator(["run", "job.ts", "--json"], { cwd })
    expect(result.code).toBe(0)
    const run = json(result)
    expect(run).toEqual(expect.objectContaining({ backend: "local", status: "Completed", exitCode: 0 }))
    expect(run.runId).toMatch(RUN_ID)
    expect(run.outputsDirectory).toBe(path.join(cwd, ".estimator", "runs", run.runId, "outputs"))
    expect(result.stderr).toContain("to the log")
  })

  it("a failing script: exit 1, the record says Failed with the script's exit code", async () => {
    const cwd = project("import sys\nprint('about to fail', flush=True)\nsys.exit(3)\n")
    const result = await estimator(["run", "job.ts"], { cwd })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain("about to fail")
    const [runId] = fs.readdirSync(path.join(cwd, ".estimator", "runs"))
    expect(result.stderr).toMatch(new RegExp(`run ${runId} Failed \\(exit code 3\\)`))
    const stored = record(cwd, runId!)
    expect(stored.status).toBe("Failed")
    expect(stored.exitCode).toBe(3)
  })

  it("an invalid spec is not run: exit 1, nothing in the run store", async () => {
    const cwd = project("print('never')\n")
    fs.writeFileSync(path.join(cwd, "bad.json"), JSON.stringify({ ...JSON.parse(fs.readFileSync(path.join(repoRoot, "apps/cli/test/fixtures/valid.json"), "utf8")), shmSize: "lots" }))
    const result = await estimator(["run", "bad.json"], { cwd })
    expect(result.code).toBe(1)
    expectCleanError(result)
    expect(result.stderr).toContain("invalid-shm-size")
    expect(fs.existsSync(path.join(cwd, ".estimator", "runs"))).toBe(false)
  })

  it("--detach prints the run id and returns before the job ends; status and logs follow it from other invocations", async () => {
    // The job cannot end before the test opens the gate.
    const gate = path.join(tempDirInRepo(), "gate")
    temps.push(path.dirname(gate))
    const cwd = project(`import os, pathlib, time
print("waiting", flush=True)
while not os.path.exists(${JSON.stringify(gate)}):
    time.sleep(0.05)
for i in range(3):
    print("tick", i, flush=True)
pathlib.Path(os.environ["ESTIMATOR_OUTPUT_DIR"], "done.txt").write_text("done")
`)
    const detached = await estimator(["run", "job.ts", "--detach"], { cwd })
    expect(detached.code).toBe(0)
    const runId = detached.stdout.trim()
    expect(runId).toMatch(RUN_ID)
    expect(detached.stderr).toContain(`follow it with: estimator logs ${runId} --follow`)
    const running = await poll(["status", runId], cwd, (run) => run.status === "Running")
    expect(running).toEqual(expect.objectContaining({ runId, backend: "local" }))
    expect(running.exitCode).toBeUndefined()
    const follow = start(["logs", runId, "--follow"], cwd)
    await poll(["status", runId], cwd, () => follow.output().includes("waiting"))
    fs.writeFileSync(gate, "open")
    const followed = await follow.done
    expect(followed.code).toBe(0)
    expect(followed.stdout).toBe("waiting\ntick 0\ntick 1\ntick 2\n")
    const ended = await estimator(["status", runId, "--json"], { cwd })
    expect(json(ended)).toEqual(expect.objectContaining({ status: "Completed", exitCode: 0 }))
    // A detached run has a supervisor process of its own, which outlived the command.
    expect(record(cwd, runId).details).toBeUndefined()
    expect(fs.existsSync(path.join(cwd, ".estimator", "runs", runId, "supervisor.log"))).toBe(true)
    expect(fs.readFileSync(path.join(json(ended).outputsDirectory, "done.txt"), "utf8")).toBe("done")
    const logs = await estimator(["logs", runId], { cwd })
    expect(logs.stdout).toBe(followed.stdout)
    const human = await estimator(["status", runId], { cwd })
    expect(human.stdout).toMatch(new RegExp(`^run ${runId}\\n  status +Completed \\(exit code 0\\)`))
  })

  it("cancel from a second invocation: the foreground run exits 130 and the record says Canceled; logs are kept", async () => {
    const cwd = project(ticking(200, 0.1))
    const foreground = start(["run", "job.ts"], cwd)
    const [run] = await poll(["runs"], cwd, (runs) => runs.length === 1 && runs[0].status === "Running")
    await poll(["status", run.runId], cwd, () => foreground.output().includes("tick 2"))
    const canceled = await estimator(["cancel", run.runId], { cwd })
    expect(canceled.code).toBe(0)
    expect(canceled.stdout).toMatch(new RegExp(`^run ${run.runId} Canceled`))
    const result = await foreground.done
    expect(result.code).toBe(130)
    expect(result.stderr).toMatch(new RegExp(`run ${run.runId} Canceled`))
    const stored = record(cwd, run.runId)
    expect(stored.status).toBe("Canceled")
    expect(stored.reason).toMatch(/^canceled by request \(process \d+\)$/)
    // The foreground command owned the job itself: no supervisor process was started for it.
    expect(stored.pid).toBe(foreground.child.pid)
    expect(stored.details).toEqual({ supervisor: "in-process" })
    expect(fs.existsSync(path.join(cwd, ".estimator", "runs", run.runId, "supervisor.log"))).toBe(false)
    expect(fs.existsSync(path.join(cwd, ".estimator", "runs", run.runId, "outputs", "done.txt"))).toBe(false)
    expect((await estimator(["logs", run.runId], { cwd })).stdout).toMatch(/^tick 0\ntick 1\ntick 2\n/)
    // Canceling again: it had already ended.
    const again = await estimator(["cancel", run.runId], { cwd })
    expect(again.code).toBe(0)
    expect(again.stdout).toContain("had already ended: Canceled")
  })

  it("Ctrl-C (SIGINT) on the foreground run cancels the job: exit 130, Canceled", async () => {
    const cwd = project(ticking(200, 0.1))
    const foreground = start(["run", "job.ts"], cwd)
    const [run] = await poll(["runs"], cwd, (runs) => runs.length === 1 && runs[0].status === "Running")
    await poll(["status", run.runId], cwd, () => foreground.output().includes("tick 1"))
    foreground.child.kill("SIGINT")
    const result = await foreground.done
    expect(result.code).toBe(130)
    expect(result.stderr).toContain(`run ${run.runId} Canceled (interrupted)`)
    const stored = record(cwd, run.runId)
    expect(stored.status).toBe("Canceled")
    expect(stored.reason).toContain("interrupted")
  })

  it("runs --json lists every run of the store, newest first, with its status", async () => {
    const cwd = project("import sys\nsys.exit(int(open('code.txt').read()))\n")
    const ids: Array<string> = []
    for (const code of [0, 4]) {
      fs.writeFileSync(path.join(cwd, "src", "code.txt"), String(code))
      const result = await estimator(["run", "job.ts", "--json"], { cwd })
      expect(result.code).toBe(code === 0 ? 0 : 1)
      ids.push(json(result).runId)
    }
    const listed = await estimator(["runs", "--json"], { cwd })
    expect(listed.code).toBe(0)
    const runs = json(listed)
    expect(runs.map((r: any) => r.runId)).toEqual([...ids].reverse())
    expect(runs.map((r: any) => [r.status, r.exitCode])).toEqual([["Failed", 4], ["Completed", 0]])
    const table = await estimator(["runs"], { cwd })
    expect(table.stdout.split("\n")[0]).toMatch(/^RUN ID +BACKEND +STATUS +EXIT/)
    expect(table.stdout).toMatch(new RegExp(`^${ids[1]} +local +Failed +4 `, "m"))
  })

  it("an unknown run id: status, logs and cancel exit 1 and say how to list the runs", async () => {
    const cwd = project("")
    for (const command of ["status", "logs", "cancel"]) {
      const result = await estimator([command, "20990101-000000-nosuchrn"], { cwd })
      expect(result.code).toBe(1)
      expectCleanError(result)
      expect(result.stderr).toContain("No run 20990101-000000-nosuchrn")
      expect(result.stderr).toContain("estimator runs")
    }
    const empty = await estimator(["runs"], { cwd })
    expect(empty.code).toBe(0)
    expect(empty.stdout).toContain("no runs yet")
  })
})

describe("estimator run --backend docker", () => {
  it("runs the quickstart example in a container: exit 0, Completed, outputs/model.json", async () => {
    const cwd = project("")
    const result = await estimator(["run", quickstart, "--backend", "docker", "--json"], {
      cwd,
      env: { ESTIMATOR_DOCKER_BASE_IMAGE: process.env["ESTIMATOR_DOCKER_BASE_IMAGE"] ?? "estimator/python-mpi:bookworm" }
    })
    expect(result.stdout === "" ? result.stderr : "").toBe("")
    expect(result.code).toBe(0)
    const run = json(result)
    expect(run).toEqual(expect.objectContaining({ backend: "docker", status: "Completed", exitCode: 0 }))
    expect(result.stderr).toMatch(/^epoch +200 +loss /m)
    const model = JSON.parse(fs.readFileSync(path.join(run.outputsDirectory, "model.json"), "utf8"))
    expect(typeof model.a).toBe("number")
    const status = await estimator(["status", run.runId, "--json"], { cwd })
    expect(json(status).status).toBe("Completed")
  }, 180_000)
})
