/**
 * Fault injection for the workspace emulator: error statuses (with `Retry-After`), connection
 * resets and slow responses, each for a bounded number of matching requests. Faults are matched
 * in the order they were injected; a fault with no `operation` matches every request. Nothing
 * here runs on its own: a fault fires only when a request arrives, and stops after `times`.
 */

/** Names of the requests the emulator answers, as used by fault injection and the request log. */
export type EmulatorOperation =
  | "GET workspace"
  | "GET datastores"
  | "GET datastore"
  | "POST listSecrets"
  | "GET code container"
  | "PUT code container"
  | "GET code versions"
  | "GET code version"
  | "PUT code version"
  | "POST startPendingUpload"
  | "GET environment container"
  | "PUT environment container"
  | "GET environment versions"
  | "GET environment version"
  | "PUT environment version"
  | "PUT jobs"
  | "GET jobs"
  | "POST cancel"
  | "GET operation status"
  | "GET operation result"
  | "GET discovery"
  | "GET run details"
  | "GET logs"

/** Statuses a status fault may answer with: the retryable ones, and a few that must not be retried. */
export type FaultStatus = 400 | 404 | 408 | 409 | 429 | 500 | 501 | 502 | 503 | 504 | 505

interface Matching {
  /** Only requests of this operation; every request when absent. */
  readonly operation?: EmulatorOperation
  /** How many matching requests the fault applies to (1 to 1000). */
  readonly times: number
}

export interface StatusFaultSpec extends Matching {
  readonly status: FaultStatus
  /** Sent as `Retry-After: <seconds>`. */
  readonly retryAfterSeconds?: number
  /** Sent as `retry-after-ms: <ms>` (and `x-ms-retry-after-ms`). */
  readonly retryAfterMs?: number
}

export interface ResetFaultSpec extends Matching {
  /**
   * `"before"` (default): the socket is destroyed before the request is processed (no side
   * effect). `"after"`: the request is processed (a job is created, a cancel is accepted) and the
   * socket is destroyed instead of answering, as when a response is lost on the way back.
   */
  readonly when?: "before" | "after"
}

export interface DelayFaultSpec extends Matching {
  /** Delay before the request is processed, 0 to 60 000 ms. */
  readonly ms: number
}

export type FaultKind = "status" | "reset" | "delay"

/** A fault that was injected; `fired` counts the requests it applied to so far. */
export interface Fault {
  readonly kind: FaultKind
  readonly operation: EmulatorOperation | undefined
  readonly times: number
  readonly fired: number
  readonly remaining: number
}

export interface FiredFault {
  readonly kind: FaultKind
  readonly operation: EmulatorOperation
  readonly at: number
}

export interface Faults {
  /** Answers the next `times` matching requests with `status` (an ARM error body). */
  readonly inject: (spec: StatusFaultSpec) => Fault
  /** Destroys the connection of the next `times` matching requests. */
  readonly reset: (spec: ResetFaultSpec) => Fault
  /** Delays the next `times` matching requests by `ms`. */
  readonly delay: (spec: DelayFaultSpec) => Fault
  /** Faults that have not fired `times` times yet. */
  readonly pending: () => ReadonlyArray<Fault>
  /** Every firing, in order. */
  readonly fired: () => ReadonlyArray<FiredFault>
  /** Drops every pending fault. */
  readonly clear: () => void
}

type Entry =
  | { readonly kind: "status"; readonly spec: StatusFaultSpec; fired: number }
  | { readonly kind: "reset"; readonly spec: ResetFaultSpec; fired: number }
  | { readonly kind: "delay"; readonly spec: DelayFaultSpec; fired: number }

export type Decision =
  | { readonly kind: "status"; readonly spec: StatusFaultSpec }
  | { readonly kind: "reset"; readonly when: "before" | "after" }

/** The controller used by the server: `faults` for tests, `take*` to consume matching faults. */
export interface FaultController {
  readonly faults: Faults
  /** Milliseconds to wait before processing this request (0 when no delay fault matches). */
  readonly takeDelay: (operation: EmulatorOperation) => number
  readonly takeFault: (operation: EmulatorOperation) => Decision | undefined
}

const MAX_TIMES = 1000
const MAX_DELAY_MS = 60_000

const checkTimes = (times: number): void => {
  if (!Number.isInteger(times) || times < 1 || times > MAX_TIMES) {
    throw new RangeError(`fault times must be an integer from 1 to ${MAX_TIMES}, got ${times}`)
  }
}

export const makeFaults = (): FaultController => {
  const entries: Array<Entry> = []
  const log: Array<FiredFault> = []

  const view = (entry: Entry): Fault => ({
    kind: entry.kind,
    operation: entry.spec.operation,
    times: entry.spec.times,
    get fired() {
      return entry.fired
    },
    get remaining() {
      return entry.spec.times - entry.fired
    }
  })
  const add = (entry: Entry): Fault => {
    checkTimes(entry.spec.times)
    entries.push(entry)
    return view(entry)
  }
  const take = (operation: EmulatorOperation, kinds: ReadonlyArray<FaultKind>): Entry | undefined => {
    const entry = entries.find(
      (candidate) =>
        kinds.includes(candidate.kind) &&
        candidate.fired < candidate.spec.times &&
        (candidate.spec.operation === undefined || candidate.spec.operation === operation)
    )
    if (entry === undefined) return undefined
    entry.fired += 1
    log.push({ kind: entry.kind, operation, at: Date.now() })
    return entry
  }

  const faults: Faults = {
    inject: (spec) => {
      if (spec.retryAfterSeconds !== undefined && !(Number.isInteger(spec.retryAfterSeconds) && spec.retryAfterSeconds >= 0)) {
        throw new RangeError(`retryAfterSeconds must be a non-negative integer, got ${spec.retryAfterSeconds}`)
      }
      return add({ kind: "status", spec, fired: 0 })
    },
    reset: (spec) => add({ kind: "reset", spec, fired: 0 }),
    delay: (spec) => {
      if (!(spec.ms >= 0 && spec.ms <= MAX_DELAY_MS)) {
        throw new RangeError(`delay ms must be from 0 to ${MAX_DELAY_MS}, got ${spec.ms}`)
      }
      return add({ kind: "delay", spec, fired: 0 })
    },
    pending: () => entries.filter((entry) => entry.fired < entry.spec.times).map(view),
    fired: () => [...log],
    clear: () => {
      entries.length = 0
    }
  }

  return {
    faults,
    takeDelay: (operation) => {
      const entry = take(operation, ["delay"])
      return entry?.kind === "delay" ? entry.spec.ms : 0
    },
    takeFault: (operation) => {
      const entry = take(operation, ["status", "reset"])
      if (entry === undefined) return undefined
      return entry.kind === "status"
        ? { kind: "status", spec: entry.spec }
        : { kind: "reset", when: entry.kind === "reset" ? (entry.spec.when ?? "before") : "before" }
    }
  }
}
