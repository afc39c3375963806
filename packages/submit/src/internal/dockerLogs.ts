/**
 * A container's output as lines: the engine's multiplexed log stream (`Tty: false`: frames of an
 * 8-byte header — stream 1 stdout, 2 stderr, then the length — and the bytes) is split back
 * into stdout and stderr, each decoded as UTF-8 and cut into lines; `mpirun --tag-output`
 * prefixes (`[1,0]<stdout>:`) become `[rank 0] `; every line passes through the run's redactor.
 * Pure, apart from the incremental state of a `Reader`.
 *
 * @internal
 */
import * as Redact from "../Redact.js"

/** @internal */
export type StreamName = "stdout" | "stderr"

/** One line of output, without its line break; `rank` when `mpirun` tagged it. @internal */
export interface LogLine {
  readonly stream: StreamName
  readonly text: string
  readonly rank?: number
}

const TAG = /^\[\d+,(\d+)\]<(?:stdout|stderr|stddiag)>:/

/**
 * `[1,3]<stdout>:text` → `[rank 3] text`; other lines are kept as they are.
 *
 * @internal
 */
export const rankPrefix = (line: string): string => line.replace(TAG, (_match, rank: string) => `[rank ${rank}] `)

/**
 * Turns chunks of a multiplexed log stream into redacted, rank-prefixed lines.
 *
 * @internal
 */
export class Reader {
  private pending: Buffer = Buffer.alloc(0)
  private readonly decoders = { stdout: new TextDecoder("utf-8"), stderr: new TextDecoder("utf-8") }
  private readonly partial = { stdout: "", stderr: "" }

  constructor(private readonly redactor: Redact.Redactor, private readonly multiplexed = true) {}

  /** The lines completed by this chunk. */
  push(chunk: Uint8Array): ReadonlyArray<LogLine> {
    if (!this.multiplexed) return this.text("stdout", chunk)
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk])
    const lines: Array<LogLine> = []
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4)
      if (this.pending.length < 8 + size) break
      const kind = this.pending[0]
      const data = this.pending.subarray(8, 8 + size)
      this.pending = this.pending.subarray(8 + size)
      lines.push(...this.text(kind === 2 ? "stderr" : "stdout", data))
    }
    return lines
  }

  /** The last, unterminated lines (at the end of the stream). */
  end(): ReadonlyArray<LogLine> {
    const lines: Array<LogLine> = []
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = this.partial[stream] + this.decoders[stream].decode()
      this.partial[stream] = ""
      if (rest !== "") lines.push(this.line(stream, rest))
    }
    return lines
  }

  private text(stream: StreamName, data: Uint8Array): ReadonlyArray<LogLine> {
    const text = this.partial[stream] + this.decoders[stream].decode(data, { stream: true })
    const parts = text.split("\n")
    this.partial[stream] = parts.pop() ?? ""
    return parts.map((part) => this.line(stream, part))
  }

  private line(stream: StreamName, raw: string): LogLine {
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw
    const tag = TAG.exec(text)
    return {
      stream,
      text: Redact.string(this.redactor, rankPrefix(text)),
      ...(tag === null ? {} : { rank: Number(tag[1]) })
    }
  }
}

/**
 * Every line of a whole multiplexed log.
 *
 * @internal
 */
export const readAll = (data: Uint8Array, redactor: Redact.Redactor, multiplexed = true): ReadonlyArray<LogLine> => {
  const reader = new Reader(redactor, multiplexed)
  return [...reader.push(data), ...reader.end()]
}

/** The build log's name under `logs/`. @internal */
export const BUILD_LOG = "build.log"

/**
 * The text of each log file under `logs/`, as the run store names them: `combined.log` (every
 * line, both streams, in the order the engine received them, `[rank N] ` in front of a rank's
 * lines) and `process-<i>.log` per process (its lines without the prefix): one per rank when
 * `mpirun` tagged lines, else `process-0.log` with every line.
 *
 * @internal
 */
export const files = (lines: ReadonlyArray<LogLine>): { readonly [file: string]: string } => {
  const text = (selected: ReadonlyArray<string>) => selected.map((line) => `${line}\n`).join("")
  const ranked = lines.some((line) => line.rank !== undefined)
  const processes = new Map<number, Array<string>>()
  if (!ranked) processes.set(0, lines.map((line) => line.text))
  for (const line of lines) {
    if (line.rank === undefined) continue
    const own = processes.get(line.rank) ?? []
    own.push(line.text.slice(`[rank ${line.rank}] `.length))
    processes.set(line.rank, own)
  }
  return {
    "combined.log": text(lines.map((line) => line.text)),
    ...Object.fromEntries([...processes].map(([rank, own]) => [`process-${rank}.log`, text(own)]))
  }
}
