/**
 * The pure rules of following an Azure ML job: its statuses in this project's vocabulary, the
 * polling interval as the v2 SDK spaces it, which log files to stream, and which lines of a
 * re-downloaded log are new.
 *
 * @internal
 */
import type * as Backend from "../Backend.js"

/**
 * Azure ML's `JobStatus` in the project's vocabulary. `Starting` and `Provisioning` are phases of
 * preparation (`Preparing`); `Paused` becomes `NotResponding` (not progressing, may resume, not
 * terminal); `Unknown` and anything unrecognised give `undefined`: keep the last known status
 * and keep polling.
 *
 * @internal
 */
export const toStatus = (azure: unknown): Backend.Status | undefined => {
  switch (azure) {
    case "NotStarted":
    case "Queued":
    case "Preparing":
    case "Running":
    case "Finalizing":
    case "CancelRequested":
    case "Completed":
    case "Failed":
    case "Canceled":
    case "NotResponding":
      return azure
    case "Starting":
    case "Provisioning":
      return "Preparing"
    case "Paused":
      return "NotResponding"
    default:
      return undefined
  }
}

/** @internal */
export interface Polling {
  readonly minMillis: number
  readonly maxMillis: number
}

/**
 * The wait before the next status poll, `elapsedMillis` after following began: the v2 SDK's
 * `max(min, max / (1 + 100·e^(−t/20 s)))` — `min` (2 s) for the first ~25 s, 10 s after a minute,
 * `max` (60 s) after about three minutes.
 *
 * @internal
 */
export const pollIntervalMillis = (polling: Polling, elapsedMillis: number): number => {
  const seconds = Math.max(0, elapsedMillis) / 1000
  const curve = polling.maxMillis / (1 + 100 * Math.exp(-seconds / 20))
  return Math.round(Math.min(polling.maxMillis, Math.max(polling.minMillis, curve)))
}

const COMMON_RUNTIME = /^user_logs\/std_log[\D]*[0]*(?:_ps)?\.txt$/
const LEGACY = /^azureml-logs\/\d{2}.+\.txt$/

/**
 * The log files to stream, sorted: the common runtime's rank-0 `user_logs/std_log*.txt`, else
 * the legacy `azureml-logs/NN_*.txt`.
 *
 * @internal
 */
export const selectLogFiles = (names: ReadonlyArray<string>): ReadonlyArray<string> => {
  const common = names.filter((name) => COMMON_RUNTIME.test(name)).sort()
  return common.length > 0 ? common : names.filter((name) => LEGACY.test(name)).sort()
}

/**
 * The lines of `text` after the first `printed` complete ones. A last line without its newline
 * is held back (it may still grow) unless `final`. Returns the lines and the new count.
 *
 * @internal
 */
export const newLines = (text: string, printed: number, final: boolean): { readonly lines: ReadonlyArray<string>; readonly printed: number } => {
  const parts = text.split("\n")
  const last = parts.pop() ?? ""
  const complete = parts.map((line) => line.endsWith("\r") ? line.slice(0, -1) : line)
  const all = final && last !== "" ? [...complete, last] : complete
  return { lines: all.slice(printed), printed: Math.max(printed, all.length) }
}
