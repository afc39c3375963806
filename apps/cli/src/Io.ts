/**
 * The terminal as the command sees it: standard output and error, standard input, whether each
 * stream gets colour, the working directory and the environment variables. A service, so the
 * commands can be run in a test with captured streams; {@link layerNode} is the real process.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * Standard input could not be read.
 *
 * @category errors
 * @since 0.1.0
 */
export class StdinError extends Data.TaggedError("StdinError")<{ readonly message: string }> {}

/**
 * @category models
 * @since 0.1.0
 */
export interface IoService {
  /** Write `text` to standard output as is (callers add the newline). */
  readonly stdout: (text: string) => Effect.Effect<void>
  /** Write `text` to standard error as is. */
  readonly stderr: (text: string) => Effect.Effect<void>
  /** All of standard input, as UTF-8 text. */
  readonly stdin: Effect.Effect<string, StdinError>
  /** Whether human output on standard output may use ANSI colour. */
  readonly stdoutColour: boolean
  /** Whether messages on standard error may use ANSI colour. */
  readonly stderrColour: boolean
  /** Whether standard error is a terminal (progress then updates one line in place). */
  readonly stderrTerminal: boolean
  /** The directory relative paths on the command line are resolved against. */
  readonly cwd: string
  /** The environment variables the command reads (`ESTIMATOR_HOME`: where the run store is). */
  readonly env: { readonly [name: string]: string | undefined }
}

/**
 * @category tags
 * @since 0.1.0
 */
export class Io extends Context.Tag("@estimator/cli/Io")<Io, IoService>() {}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Colour only on a terminal, and never when `NO_COLOR` is set to a non-empty value
 * (https://no-color.org).
 *
 * @category constructors
 * @since 0.1.0
 */
export const colourEnabled = (isTTY: boolean | undefined, env: { readonly [name: string]: string | undefined }): boolean =>
  isTTY === true && (env["NO_COLOR"] === undefined || env["NO_COLOR"] === "")

const readStdin: Effect.Effect<string, StdinError> = Effect.async<string, StdinError>((resume) => {
  const chunks: Array<Buffer> = []
  const onData = (chunk: Buffer | string) => {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk)
  }
  const onEnd = () => {
    cleanup()
    resume(Effect.succeed(Buffer.concat(chunks).toString("utf8")))
  }
  const onError = (error: Error) => {
    cleanup()
    resume(Effect.fail(new StdinError({ message: error.message })))
  }
  const cleanup = () => {
    process.stdin.off("data", onData)
    process.stdin.off("end", onEnd)
    process.stdin.off("error", onError)
  }
  process.stdin.on("data", onData)
  process.stdin.on("end", onEnd)
  process.stdin.on("error", onError)
  return Effect.sync(cleanup)
})

/**
 * The real process: `process.stdout`, `process.stderr`, `process.stdin`, `process.cwd()`.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerNode: Layer.Layer<Io> = Layer.sync(Io, () => ({
  stdout: (text) => Effect.sync(() => void process.stdout.write(text)),
  stderr: (text) => Effect.sync(() => void process.stderr.write(text)),
  stdin: process.stdin.isTTY === true
    ? Effect.fail(new StdinError({ message: "standard input is a terminal, not a pipe" }))
    : readStdin,
  stdoutColour: colourEnabled(process.stdout.isTTY, process.env),
  stderrColour: colourEnabled(process.stderr.isTTY, process.env),
  stderrTerminal: process.stderr.isTTY === true,
  cwd: process.cwd(),
  env: process.env
}))

/**
 * What a test run wrote.
 *
 * @category models
 * @since 0.1.0
 */
export interface Captured {
  readonly stdout: () => string
  readonly stderr: () => string
}

/**
 * An in-memory terminal for tests: `stdin` is the given text, output is captured.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerTest = (options: {
  readonly stdin?: string
  readonly cwd: string
  readonly colour?: boolean
  readonly terminal?: boolean
  readonly env?: { readonly [name: string]: string | undefined }
}): { readonly layer: Layer.Layer<Io>; readonly captured: Captured } => {
  let out = ""
  let err = ""
  const layer = Layer.succeed(Io, {
    stdout: (text) => Effect.sync(() => void (out += text)),
    stderr: (text) => Effect.sync(() => void (err += text)),
    stdin: options.stdin === undefined
      ? Effect.fail(new StdinError({ message: "no standard input in this test" }))
      : Effect.succeed(options.stdin),
    stdoutColour: options.colour ?? false,
    stderrColour: options.colour ?? false,
    stderrTerminal: options.terminal ?? false,
    cwd: options.cwd,
    env: options.env ?? {}
  })
  return { layer, captured: { stdout: () => out, stderr: () => err } }
}
