/**
 * A `Secret` is a reference to a sensitive value (an API key, a registry password): where to
 * find it, never the value itself. Specs store the reference; a backend resolves it only when it
 * executes, and every plan, log line, error and stored record shows {@link REDACTED} instead.
 * Nothing in this module reads the environment or the file system.
 *
 * @since 0.1.0
 */

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * A secret read from an environment variable of the process that executes the job.
 *
 * @category models
 * @since 0.1.0
 */
export interface FromEnv {
  readonly _tag: "Secret"
  readonly source: "env"
  readonly name: string
}

/**
 * A secret read from a file (its whole content, one trailing newline removed).
 *
 * @category models
 * @since 0.1.0
 */
export interface FromFile {
  readonly _tag: "Secret"
  readonly source: "file"
  readonly path: string
}

/**
 * A reference to a sensitive value.
 *
 * @category models
 * @since 0.1.0
 */
export type Secret = FromEnv | FromFile

/**
 * What every plan, log and record shows in place of a secret's value.
 *
 * @category models
 * @since 0.1.0
 */
export const REDACTED = "<redacted>"

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A secret read from the environment variable `name` when the job is executed.
 *
 * @example
 * Secret.fromEnv("WANDB_API_KEY")
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromEnv = (name: string): Secret => ({ _tag: "Secret", source: "env", name })

/**
 * A secret read from the file at `path` when the job is executed.
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromFile = (path: string): Secret => ({ _tag: "Secret", source: "file", path })

// -------------------------------------------------------------------------------------
// guards
// -------------------------------------------------------------------------------------

/**
 * @category guards
 * @since 0.1.0
 */
export const isSecret = (u: unknown): u is Secret =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "Secret"

// -------------------------------------------------------------------------------------
// accessors
// -------------------------------------------------------------------------------------

/**
 * Where the secret comes from, for messages (`env:WANDB_API_KEY`, `file:/run/secrets/key`).
 * Safe to print: it never contains the value.
 *
 * @category accessors
 * @since 0.1.0
 */
export const describe = (self: Secret): string =>
  self.source === "env" ? `env:${self.name}` : `file:${self.path}`
