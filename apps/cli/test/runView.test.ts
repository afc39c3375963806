import { Estimator } from "@estimator/core"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Render from "../src/Render.js"
import * as RunView from "../src/internal/runView.js"
import type { RunRecord } from "../src/internal/submit.js"

const spec = Estimator.make({ entryScript: "train.py" })

const record = (fields: Partial<RunRecord> = {}): RunRecord => ({
  recordVersion: 1,
  runId: "20250101-120000-abcd1234",
  backend: "local",
  spec,
  specHash: "h",
  plan: { backend: "local", warnings: [], processes: [] },
  sourceDirectory: "/work/src",
  runDirectory: "/work/.estimator/runs/20250101-120000-abcd1234",
  host: "here",
  status: "Completed",
  statusHistory: [],
  createdAt: "2025-01-01T12:00:00.000Z",
  ...fields
})

describe("RunView.summary", () => {
  it("the duration is the time from start to end, in tenths of a second, and absent before the start", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 10 ** 8 }), (start, elapsed) => {
        const run = RunView.summary(record({ startedAt: new Date(start).toISOString(), endedAt: new Date(start + elapsed).toISOString() }))
        expect(run.durationSeconds).toBe(Math.round(elapsed / 100) / 10)
      })
    )
    expect(RunView.summary(record({ status: "Preparing" })).durationSeconds).toBeUndefined()
    // A run still going is measured up to now.
    const running = RunView.summary(record({ status: "Running", startedAt: "2025-01-01T12:00:00.000Z" }), Date.parse("2025-01-01T12:00:02.500Z"))
    expect(running.durationSeconds).toBe(2.5)
  })

  it("names the outputs folder and the combined log inside the run's folder, and the job by its name or script", () => {
    const run = RunView.summary(record({ exitCode: 0 }))
    expect(run.outputsDirectory).toBe("/work/.estimator/runs/20250101-120000-abcd1234/outputs")
    expect(run.logFile).toBe("/work/.estimator/runs/20250101-120000-abcd1234/logs/combined.log")
    expect(run.job).toBe("train.py")
    expect(RunView.summary(record({ spec: { ...spec, name: "mnist" } })).job).toBe("mnist")
    // Fields a record lacks are absent, not undefined (one JSON shape).
    expect(Object.keys(RunView.summary(record()))).not.toContain("exitCode")
  })
})

describe("RunView.statusLine", () => {
  it("status, exit code, duration and (unless completed) the reason", () => {
    const s = Render.plain
    const ended = { startedAt: "2025-01-01T12:00:00.000Z", endedAt: "2025-01-01T12:00:03.240Z" }
    expect(RunView.statusLine(RunView.summary(record({ ...ended, exitCode: 0 })), s)).toBe("Completed (exit code 0) after 3.2 s")
    expect(RunView.statusLine(RunView.summary(record({ ...ended, status: "Failed", exitCode: 2, reason: "the process exited with code 2" })), s))
      .toBe("Failed (exit code 2) after 3.2 s: the process exited with code 2")
    expect(RunView.statusLine(RunView.summary(record({ status: "Canceled", reason: "canceled before the job started" })), s))
      .toBe("Canceled: canceled before the job started")
  })
})

describe("RunView.table", () => {
  it("one aligned row per run under a header; an empty store says how to start a run", () => {
    const runs = [
      RunView.summary(record({ runId: "20250102-000000-bbbbbbbb", status: "Failed", exitCode: 1 })),
      RunView.summary(record({ runId: "20250101-000000-aaaaaaaa", backend: "docker" }))
    ]
    const lines = RunView.table(runs, Render.plain).trimEnd().split("\n")
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/^RUN ID +BACKEND +STATUS +EXIT +TIME +CREATED +JOB$/)
    const statusColumn = lines[0]!.indexOf("STATUS")
    expect(lines[1]!.slice(statusColumn)).toMatch(/^Failed +1 /)
    expect(lines[2]!.slice(statusColumn)).toMatch(/^Completed /)
    expect(RunView.table([], Render.plain)).toContain("estimator run <spec>")
  })
})

describe("azureml runs", () => {
  const plain = Render.style(false)

  it("the end of an azureml run names the Azure ML job, not local outputs", () => {
    const run = RunView.summary(record({ backend: "azureml", externalId: "/subscriptions/s/jobs/j1" }))
    const text = RunView.ended(run, plain)
    expect(text).toContain("/subscriptions/s/jobs/j1")
    expect(text).not.toContain("outputs:")
    expect(RunView.details(run, plain)).toContain("/subscriptions/s/jobs/j1")
    expect(RunView.details(run, plain)).not.toContain(run.outputsDirectory)
  })

  it("an upload line counts done files of all, bytes done (uploaded and skipped) of all, and is done exactly when every file is", () => {
    const progress = fc.integer({ min: 0, max: 50 }).chain((total) =>
      fc.record({
        field: fc.constantFrom("sourceDirectory", "inputs.points"),
        totalFiles: fc.constant(total),
        uploadedFiles: fc.integer({ min: 0, max: total }),
        uploadedBytes: fc.integer({ min: 0, max: 499 }),
        skippedBytes: fc.integer({ min: 0, max: 499 })
      }).chain((p) =>
        fc.integer({ min: 0, max: total - p.uploadedFiles }).chain((skippedFiles) =>
          fc.integer({ min: p.uploadedFiles + skippedFiles, max: total }).map((doneFiles) => ({
            ...p,
            skippedFiles,
            doneFiles,
            totalBytes: 2000
          }))
        )
      )
    )
    fc.assert(fc.property(progress, (p) => {
      const line = RunView.uploadLine(p)
      expect(line).toContain(`upload ${p.field} ${p.doneFiles}/${p.totalFiles} file`)
      expect(line).toContain(`${p.uploadedBytes + p.skippedBytes} B of 2.0 kB`)
      expect(line.includes("already there")).toBe(p.skippedFiles > 0)
      expect(line).not.toContain("\n")
      expect(RunView.uploadDone(p)).toBe(p.doneFiles === p.totalFiles)
    }))
  })
})
