/**
 * How the run commands show runs: the summary `--json` prints, the status line after a run, the
 * `status` block, the `runs` table, docker's progress lines and azureml's upload progress. Pure: no IO.
 *
 * @internal
 */
import * as path from "node:path"
import type { Style } from "../Render.js"
import type { Progress, RunRecord, UploadProgress } from "./submit.js"

/** A run as `run --json`, `status --json` and `runs --json` print it. @internal */
export interface Summary {
  readonly runId: string
  readonly backend: string
  readonly status: string
  readonly exitCode?: number
  readonly reason?: string
  /** The spec's name, display name or experiment name, else its entry script (or command). */
  readonly job?: string
  readonly createdAt: string
  readonly startedAt?: string
  readonly endedAt?: string
  readonly durationSeconds?: number
  readonly runDirectory: string
  readonly outputsDirectory: string
  readonly logFile: string
  /** The job's id in the service that runs it (azureml: its ARM id). */
  readonly externalId?: string
}

/** Seconds from the start of the job to its end (or `now` while it runs); absent before it starts. @internal */
export const durationSeconds = (record: RunRecord, now: number = Date.now()): number | undefined => {
  if (record.startedAt === undefined) return undefined
  const end = record.endedAt === undefined ? now : Date.parse(record.endedAt)
  return Math.max(0, Math.round((end - Date.parse(record.startedAt)) / 100) / 10)
}

/** The summary of a run's record. @internal */
export const summary = (record: RunRecord, now: number = Date.now()): Summary => {
  const duration = durationSeconds(record, now)
  const spec = record.spec
  const job = spec.name ?? spec.displayName ?? spec.experimentName ?? spec.entryScript ?? spec.command
  return {
    runId: record.runId,
    backend: record.backend,
    status: record.status,
    ...(record.exitCode === undefined ? {} : { exitCode: record.exitCode }),
    ...(record.reason === undefined ? {} : { reason: record.reason }),
    ...(job === undefined ? {} : { job }),
    createdAt: record.createdAt,
    ...(record.startedAt === undefined ? {} : { startedAt: record.startedAt }),
    ...(record.endedAt === undefined ? {} : { endedAt: record.endedAt }),
    ...(duration === undefined ? {} : { durationSeconds: duration }),
    runDirectory: record.runDirectory,
    outputsDirectory: path.join(record.runDirectory, "outputs"),
    logFile: path.join(record.runDirectory, "logs", "combined.log"),
    ...(record.externalId === undefined ? {} : { externalId: record.externalId })
  }
}

const colourOf = (status: string, s: Style): (text: string) => string =>
  status === "Completed" ? s.green : status === "Failed" ? s.red : status === "Canceled" || status === "CancelRequested" ? s.yellow : s.cyan

/** `Completed (exit code 0) after 3.2 s`, `Failed (exit code 2) after 1 s: <reason>`. @internal */
export const statusLine = (run: Summary, s: Style): string => {
  const exit = run.exitCode === undefined ? "" : ` (exit code ${run.exitCode})`
  const after = run.durationSeconds === undefined ? "" : ` after ${run.durationSeconds} s`
  const reason = run.reason === undefined || run.status === "Completed" ? "" : `: ${run.reason}`
  return `${colourOf(run.status, s)(s.bold(run.status))}${exit}${after}${reason}`
}

/** Whether the run's outputs and logs are kept in Azure ML, not in the run folder. */
const remote = (run: Summary): boolean => run.backend === "azureml"

/** What `run` prints when the run has ended: where the outputs are (the Azure ML job for azureml), and the status line. @internal */
export const ended = (run: Summary, s: Style): string =>
  [
    ...(remote(run)
      ? [`${s.dim("job:    ")} ${run.externalId ?? "(no Azure ML job id recorded)"}`]
      : [`${s.dim("outputs:")} ${run.outputsDirectory}`, `${s.dim("logs:   ")} ${run.logFile}`]),
    `run ${run.runId} ${statusLine(run, s)}`
  ].join("\n") + "\n"

/** The `status` block. @internal */
export const details = (run: Summary, s: Style): string => {
  const rows: Array<readonly [string, string | undefined]> = [
    ["status", statusLine(run, s)],
    ["backend", run.backend],
    ["job", run.job],
    ["created", run.createdAt],
    ["started", run.startedAt],
    ["ended", run.endedAt],
    ...(remote(run)
      ? [["azure", run.externalId] as const]
      : [["outputs", run.outputsDirectory] as const, ["logs", run.logFile] as const])
  ]
  return [
    `run ${s.bold(run.runId)}`,
    ...rows.flatMap(([label, value]) => (value === undefined ? [] : [`  ${s.dim(label.padEnd(8))} ${value}`]))
  ].join("\n") + "\n"
}

/** The `runs` table, newest first as given. @internal */
export const table = (runs: ReadonlyArray<Summary>, s: Style): string => {
  if (runs.length === 0) return "no runs yet (estimator run <spec> starts one)\n"
  const rows = runs.map((run) => [
    run.runId,
    run.backend,
    run.status,
    run.exitCode === undefined ? "" : String(run.exitCode),
    run.durationSeconds === undefined ? "" : `${run.durationSeconds} s`,
    run.createdAt,
    run.job ?? ""
  ])
  const header = ["RUN ID", "BACKEND", "STATUS", "EXIT", "TIME", "CREATED", "JOB"]
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)))
  const line = (cells: ReadonlyArray<string>, decorate: (cell: string, column: number) => string) =>
    cells.map((cell, column) => decorate(column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0), column)).join("  ").trimEnd()
  return [
    line(header, (cell) => s.dim(cell)),
    ...rows.map((row, index) => line(row, (cell, column) => (column === 2 ? colourOf(runs[index]?.status ?? "", s)(cell) : cell)))
  ].join("\n") + "\n"
}

/** One line for a docker progress step (build output lines dimmed). @internal */
export const progress = (step: Progress, s: Style): string => {
  switch (step._tag) {
    case "ImageCached":
      return `${s.dim("image")} ${step.tag} is built already: no rebuild\n`
    case "BuildStarted":
      return `${s.dim("image")} building ${step.tag} ...\n`
    case "BuildOutput":
      return `${s.dim(`  ${step.line}`)}\n`
    case "BuildFinished":
      return `${s.dim("image")} ${step.tag} built in ${Math.round(step.seconds * 10) / 10} s\n`
    case "ContainerStarted":
      return `${s.dim("container")} ${step.containerId.slice(0, 12)} started\n`
  }
}

const size = (bytes: number): string =>
  bytes < 1000 ? `${bytes} B` : bytes < 1_000_000 ? `${(bytes / 1000).toFixed(1)} kB` : `${(bytes / 1_000_000).toFixed(1)} MB`

/** Whether an upload has every file done. @internal */
export const uploadDone = (p: UploadProgress): boolean => p.doneFiles >= p.totalFiles

/**
 * One line of an azureml upload's progress (no newline): `upload sourceDirectory 3/5 files,
 * 1.2 kB of 4.0 kB (1 already there)`. Names no account, container, key or SAS.
 *
 * @internal
 */
export const uploadLine = (p: UploadProgress): string => {
  const bytes = p.uploadedBytes + p.skippedBytes
  const skipped = p.skippedFiles === 0 ? "" : ` (${p.skippedFiles} already there)`
  return `upload ${p.field} ${p.doneFiles}/${p.totalFiles} file${p.totalFiles === 1 ? "" : "s"}, ${size(bytes)} of ${size(p.totalBytes)}${skipped}`
}
