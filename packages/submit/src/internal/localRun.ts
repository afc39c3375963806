/**
 * The supervisor of a local run: a small detached `node` process (started by `Local.execute`,
 * entry point `localRunMain.ts`) that owns the job's processes for their whole life, so the
 * process that started the run may exit (`--detach`) and any process may follow or cancel it —
 * or, with `Local`'s `supervisor: "in-process"`, the process that executes the plan itself
 * ({@link start} with `handleSignals: false`).
 *
 * It reads its job (argv, cwd and full environment of each process — secret values included —,
 * the secret values to redact, the time limit) as JSON from its standard input, never from a
 * file or its argv. Then it:
 * - starts each process with `spawn(argv[0], argv.slice(1), { shell: false, detached: true })`,
 *   each in its own process group;
 * - writes their output, line by line (a `\r` also ends a segment, so progress bars stream) and
 *   redacted, to `logs/process-<i>.log` and `logs/combined.log` (prefixed `[rank i] ` when there
 *   are several processes);
 * - records the process ids and `Running`, then the end: `Completed` (every process exited 0),
 *   `Failed` (the exit code of the first process that failed; the others are then stopped) or
 *   `Canceled` (the time limit, a cancel request, or a signal to the supervisor);
 * - stops processes by signalling their process groups: `SIGTERM`, then `SIGKILL` after a
 *   grace period; whatever is left in a group after its leader exits is killed too.
 * A cancel request is seen through a signal (`SIGTERM`, `SIGINT`, `SIGHUP`) or by polling
 * `cancel-request.json` (4 times a second).
 *
 * @internal
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect } from "effect"
import { spawn, type ChildProcess } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { StringDecoder } from "node:string_decoder"
import * as Redact from "../Redact.js"
import * as RunStore from "../RunStore.js"
import * as lifecycle from "./lifecycle.js"

/** @internal */
export interface JobProcess {
  readonly argv: ReadonlyArray<string>
  readonly cwd: string
  readonly env: { readonly [name: string]: string }
}

/** @internal */
export interface Job {
  readonly root: string
  readonly runId: string
  readonly processes: ReadonlyArray<JobProcess>
  /** Secret values: every log line and record is redacted with them. */
  readonly secrets: ReadonlyArray<string>
  readonly maxRunDurationSeconds?: number
  readonly killGraceMillis: number
}

const MAX_SEGMENT = 64 * 1024

/**
 * Splits a byte stream into segments ending with `\n` or `\r` (a longer run without either is
 * cut at 64 KiB), decoding UTF-8 across chunk boundaries.
 *
 * @internal
 */
export const segmenter = (emit: (segment: string) => void) => {
  const decoder = new StringDecoder("utf8")
  let pending = ""
  const drain = () => {
    for (;;) {
      const match = /\r\n|\n|\r/.exec(pending)
      if (match === null) break
      const end = match.index + match[0].length
      emit(pending.slice(0, end))
      pending = pending.slice(end)
    }
    while (pending.length > MAX_SEGMENT) {
      emit(pending.slice(0, MAX_SEGMENT))
      pending = pending.slice(MAX_SEGMENT)
    }
  }
  return {
    push: (chunk: Buffer) => {
      pending += decoder.write(chunk)
      drain()
    },
    end: () => {
      pending += decoder.end()
      drain()
      if (pending !== "") emit(pending)
      pending = ""
    }
  }
}

const signalNumber = (signal: NodeJS.Signals): number => os.constants.signals[signal] ?? 0

const killGroup = (pid: number | undefined, signal: NodeJS.Signals): void => {
  if (pid === undefined) return
  try {
    process.kill(-pid, signal)
  } catch {
    // The group is gone.
  }
}

interface Started {
  readonly index: number
  readonly child: ChildProcess
  exitCode?: number
  signal?: string
  exited: boolean
  closed: Promise<void>
}

/**
 * How a job is supervised: by the detached supervisor process (`handleSignals`: a terminating
 * signal to it cancels the job), or inside the process that runs it (`estimator run` in the
 * foreground: that process's own runtime handles the signals and calls `stop`).
 *
 * @internal
 */
export interface Hooks {
  readonly handleSignals: boolean
  /** Called after the job wrote output or a new status was recorded. */
  readonly onChange?: () => void
}

/**
 * A job being supervised: `started` resolves once it is `Running` (or has ended), `done` once
 * its end is recorded — with `undefined`, or why the supervision itself failed (the run is then
 * recorded `Failed` with that reason); `stop(reason)` stops its processes, the run then ending
 * `Canceled`.
 *
 * @internal
 */
export interface Supervision {
  readonly started: Promise<void>
  readonly done: Promise<string | undefined>
  readonly stop: (reason: string) => void
}

/**
 * Runs a job to its end and records it. Resolves when the record has its terminal status (see
 * {@link Supervision}'s `done`).
 *
 * @internal
 */
export const supervise = (job: Job): Promise<string | undefined> => start(job, { handleSignals: true }).done

const run = <A, E>(effect: Effect.Effect<A, E, import("@effect/platform").FileSystem.FileSystem>) =>
  Effect.runPromise(Effect.provide(effect, NodeFileSystem.layer))

/** Records the run `Failed` because its supervision failed; returns the reason. */
const recordFailure = async (job: Job, cause: unknown): Promise<string> => {
  const redactor = Redact.make(job.secrets)
  const reason = `the supervisor failed: ${Redact.error(redactor, cause).message}`
  await run(Effect.ignore(RunStore.make(job.root, { redactor }).appendStatus(job.runId, "Failed", { reason })))
  return reason
}

/**
 * Starts supervising a job (see {@link Supervision}).
 *
 * @internal
 */
export const start = (job: Job, hooks: Hooks): Supervision => {
  let markStarted: () => void = () => {}
  const started = new Promise<void>((resolve) => {
    markStarted = resolve
  })
  // Set by superviseWith before its first await, so before start returns.
  const control = { stop: (_reason: string): void => {} }
  const done = superviseWith(job, hooks, control, () => markStarted()).then(
    () => undefined,
    (cause: unknown) => recordFailure(job, cause)
  ).finally(() => markStarted())
  return { started, done, stop: (reason) => control.stop(reason) }
}

const superviseWith = async (
  job: Job,
  hooks: Hooks,
  control: { stop: (reason: string) => void },
  onRunning: () => void
): Promise<void> => {
  const changed = hooks.onChange ?? (() => {})
  const redactor = Redact.make(job.secrets)
  const store = RunStore.make(job.root, { redactor })
  const runId = job.runId

  const multi = job.processes.length > 1
  const combined = fs.openSync(store.logPath(runId, "combined"), "a")
  const perProcess = job.processes.map((_, index) => fs.openSync(store.logPath(runId, { process: index }), "a"))

  let stopReason: string | undefined
  let failure: { index: number; exitCode: number; reason: string } | undefined
  const started: Array<Started> = []
  let killTimer: NodeJS.Timeout | undefined

  const stopAll = (reason: string | undefined, asFailure: boolean) => {
    if (!asFailure && stopReason === undefined) stopReason = reason
    for (const entry of started) if (!entry.exited) killGroup(entry.child.pid, "SIGTERM")
    if (killTimer === undefined) {
      killTimer = setTimeout(() => {
        for (const entry of started) killGroup(entry.child.pid, "SIGKILL")
      }, job.killGraceMillis)
      killTimer.unref()
    }
  }

  const cancelReason = async (fallback: string): Promise<string> => {
    const request = await run(store.cancelRequest(runId))
    return request._tag === "Some" ? request.value.reason : fallback
  }

  const onSignal = (signal: NodeJS.Signals) => {
    void cancelReason(`canceled (the supervisor received ${signal})`).then((reason) => stopAll(reason, false))
  }
  if (hooks.handleSignals) {
    process.on("SIGTERM", onSignal)
    process.on("SIGINT", onSignal)
    process.on("SIGHUP", onSignal)
  }
  control.stop = (reason) => stopAll(reason, false)
  // In the process that started it, the job does not outlive that process.
  const onExit = () => {
    for (const entry of started) if (!entry.exited) killGroup(entry.child.pid, "SIGKILL")
  }
  if (!hooks.handleSignals) process.on("exit", onExit)

  for (const [index, spec] of job.processes.entries()) {
    if (stopReason !== undefined) break
    const [program, ...args] = spec.argv
    const child = spawn(program ?? "", args, {
      cwd: spec.cwd,
      env: spec.env,
      shell: false,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"]
    })
    const write = (segment: string) => {
      const text = Redact.string(redactor, segment)
      fs.writeSync(perProcess[index]!, text)
      fs.writeSync(combined, multi ? `[rank ${index}] ${text}` : text)
      changed()
    }
    const entry: Started = { index, child, exited: false, closed: Promise.resolve() }
    entry.closed = new Promise<void>((resolve) => {
      const out = segmenter(write)
      const err = segmenter(write)
      let open = 2
      const done = () => {
        if (--open === 0) resolve()
      }
      child.stdout?.on("data", (chunk: Buffer) => out.push(chunk))
      child.stderr?.on("data", (chunk: Buffer) => err.push(chunk))
      child.stdout?.on("close", () => {
        out.end()
        done()
      })
      child.stderr?.on("close", () => {
        err.end()
        done()
      })
      child.on("error", (error: NodeJS.ErrnoException) => {
        if (entry.exited) return
        entry.exited = true
        entry.exitCode = 127
        const reason = `process ${index} could not start: ${program} ${error.code ?? error.message}`
        if (failure === undefined) failure = { index, exitCode: 127, reason }
        resolve()
        stopAll(undefined, true)
      })
    })
    child.on("exit", (code, signal) => {
      entry.exited = true
      // Whatever the process left running in its group goes with it.
      killGroup(child.pid, "SIGKILL")
      if (signal !== null) {
        entry.signal = signal
        entry.exitCode = 128 + signalNumber(signal)
      } else {
        entry.exitCode = code ?? 0
      }
      if (entry.exitCode !== 0 && failure === undefined && stopReason === undefined) {
        failure = {
          index,
          exitCode: entry.exitCode,
          reason: signal !== null
            ? `${multi ? `process ${index}` : "the process"} was killed by ${signal}`
            : `${multi ? `process ${index}` : "the process"} exited with code ${entry.exitCode}`
        }
        stopAll(undefined, true)
      }
    })
    started.push(entry)
  }

  // One write: who owns the processes, and Running.
  await run(store.update(runId, (record) =>
    lifecycle.apply({
      ...record,
      pid: process.pid,
      externalId: String(process.pid),
      processes: started.map((entry) => ({ index: entry.index, argv: job.processes[entry.index]!.argv, ...(entry.child.pid === undefined ? {} : { pid: entry.child.pid }) }))
    }, { status: "Running", at: new Date().toISOString() })))
  onRunning()
  changed()

  let timeLimit: NodeJS.Timeout | undefined
  if (job.maxRunDurationSeconds !== undefined) {
    const seconds = job.maxRunDurationSeconds
    timeLimit = setTimeout(() => stopAll(`exceeded maxRunDurationSeconds=${seconds}`, false), seconds * 1000)
  }
  const poll = setInterval(() => {
    void run(store.cancelRequest(runId)).then((request) => {
      if (request._tag === "Some") stopAll(request.value.reason, false)
    })
  }, 250)
  // A request made before the processes started.
  const early = await run(store.cancelRequest(runId))
  if (early._tag === "Some") stopAll(early.value.reason, false)

  await Promise.all(started.map((entry) => entry.closed))
  // A process whose pipes closed may still be exiting.
  await Promise.all(started.map((entry) => entry.exited ? Promise.resolve() : new Promise<void>((resolve) => entry.child.once("exit", () => resolve()))))
  clearInterval(poll)
  if (timeLimit !== undefined) clearTimeout(timeLimit)
  if (killTimer !== undefined) clearTimeout(killTimer)
  fs.closeSync(combined)
  for (const fd of perProcess) fs.closeSync(fd)

  const processes = started.map((entry) => ({
    index: entry.index,
    argv: job.processes[entry.index]!.argv,
    ...(entry.child.pid === undefined ? {} : { pid: entry.child.pid }),
    ...(entry.exitCode === undefined ? {} : { exitCode: entry.exitCode }),
    ...(entry.signal === undefined ? {} : { signal: entry.signal })
  }))
  const canceledWith = started.find((entry) => entry.exitCode !== 0)?.exitCode
  const end: Omit<lifecycle.Transition, "at"> = stopReason !== undefined
    ? { status: "Canceled", reason: stopReason, ...(canceledWith === undefined ? {} : { exitCode: canceledWith }) }
    : failure !== undefined
    ? { status: "Failed", reason: failure.reason, exitCode: failure.exitCode }
    : { status: "Completed", exitCode: 0 }
  // One write: the processes' ends, and the run's.
  await run(store.update(runId, (record) => lifecycle.apply({ ...record, processes }, { ...end, at: new Date().toISOString() })))
  process.off("SIGTERM", onSignal)
  process.off("SIGINT", onSignal)
  process.off("SIGHUP", onSignal)
  process.off("exit", onExit)
  changed()
}

/**
 * Reads the whole standard input.
 *
 * @internal
 */
export const readStdin = (): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    process.stdin.on("data", (chunk: Buffer) => chunks.push(chunk))
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    process.stdin.on("error", reject)
  })

/**
 * Where a program would be found: itself when it contains `/` (relative to `cwd`), else the first
 * executable file of that name on `PATH`.
 *
 * @internal
 */
export const which = (program: string, searchPath: string, cwd: string): string | undefined => {
  const executable = (candidate: string) => {
    try {
      fs.accessSync(candidate, fs.constants.X_OK)
      return fs.statSync(candidate).isFile()
    } catch {
      return false
    }
  }
  if (program.includes("/")) {
    const candidate = path.resolve(cwd, program)
    return executable(candidate) ? candidate : undefined
  }
  for (const directory of searchPath.split(path.delimiter)) {
    if (directory === "") continue
    const candidate = path.join(directory, program)
    if (executable(candidate)) return candidate
  }
  return undefined
}
