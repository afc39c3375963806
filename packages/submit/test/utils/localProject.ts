/**
 * A project folder for the local backend's run tests (real python3 processes): files written into
 * a fresh temporary folder, its run store at `.estimator/runs`, and a `Local` layer for it.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type * as Backend from "../../src/Backend.js"
import * as Local from "../../src/Local.js"
import type * as RunStore from "../../src/RunStore.js"

export interface Project {
  readonly directory: string
  readonly runs: string
  readonly layer: Layer.Layer<Backend.Backend>
}

/** `files` (relative path → content) in a new folder; the layer stops processes 2 s after SIGTERM and polls every 50 ms unless `options` say otherwise. */
export const project = (files: Record<string, string>, options: Local.Options = {}): Project => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-local-"))
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(directory, relative)
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.writeFileSync(target, content)
  }
  const runs = path.join(directory, ".estimator", "runs")
  const layer = Local.layerWith({ runsDirectory: runs, killGraceMillis: 2000, pollIntervalMillis: 50, ...options }).pipe(Layer.provide(NodeFileSystem.layer))
  return { directory, runs, layer }
}

/** Whether a process exists and is not a zombie (an orphan nobody reaped yet is dead for our purpose). */
export const isRunning = (pid: number): boolean => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
  } catch {
    return false
  }
}

/** The statuses a run went through, in order. */
export const statuses = (record: RunStore.RunRecord) => record.statusHistory.map((entry) => entry.status)
