/**
 * The status lifecycle of a stored run, and process liveness.
 *
 * Rules: a terminal status (`Completed`, `Failed`, `Canceled`) is final — later transitions are
 * ignored, so a late `Running` or a second end never overwrites the first end; `CancelRequested`
 * is recorded at most once; the same status twice in a row is recorded once. `Running` sets
 * `startedAt` (once); a terminal status sets `endedAt`, `reason` and `exitCode` when given.
 *
 * @internal
 */
import type * as Backend from "../Backend.js"

/** @internal */
export interface Entry {
  readonly status: Backend.Status
  readonly at: string
  readonly reason?: string
}

/** @internal */
export interface Lifecycle {
  readonly status: Backend.Status
  readonly statusHistory: ReadonlyArray<Entry>
  readonly startedAt?: string
  readonly endedAt?: string
  readonly reason?: string
  readonly exitCode?: number
}

/** @internal */
export const isTerminal = (status: Backend.Status): boolean => status === "Completed" || status === "Failed" || status === "Canceled"

/** @internal */
export interface Transition {
  readonly status: Backend.Status
  readonly at: string
  readonly reason?: string
  readonly exitCode?: number
}

/**
 * The record after a transition (the same object when the transition is ignored).
 *
 * @internal
 */
export const apply = <A extends Lifecycle>(record: A, transition: Transition): A => {
  if (isTerminal(record.status)) return record
  if (transition.status === record.status && transition.status !== "CancelRequested") return record
  if (transition.status === "CancelRequested" && record.statusHistory.some((entry) => entry.status === "CancelRequested")) return record
  const entry: Entry = { status: transition.status, at: transition.at, ...(transition.reason === undefined ? {} : { reason: transition.reason }) }
  const ended = isTerminal(transition.status)
  return {
    ...record,
    status: transition.status,
    statusHistory: [...record.statusHistory, entry],
    ...(transition.status === "Running" && record.startedAt === undefined ? { startedAt: transition.at } : {}),
    ...(ended ? { endedAt: transition.at } : {}),
    ...(ended && transition.reason !== undefined ? { reason: transition.reason } : {}),
    ...(transition.exitCode === undefined ? {} : { exitCode: transition.exitCode })
  }
}

/**
 * Whether a process with this id exists (a process of another user counts as existing).
 *
 * @internal
 */
export const isAlive = (pid: number): boolean => {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}
