/**
 * The file protocol of the run store: atomic replacement (a temporary file in the same
 * directory, flushed, then renamed over the target, so a reader sees the old or the new file and
 * never a mix) and a per-record lock file (`run.json.lock`, created with `O_EXCL`) that makes
 * read-modify-write updates from several processes serial, so none is lost.
 *
 * @internal
 */
import { FileSystem } from "@effect/platform"
import { Effect, Either } from "effect"
import * as os from "node:os"
import * as path from "node:path"
import { randomBytes } from "node:crypto"
import { isAlive } from "./lifecycle.js"

/** @internal */
export class FileFailed extends Error {
  constructor(readonly target: string, readonly operation: string, readonly reason: string) {
    super(`${operation} ${target}: ${reason}`)
  }
}

const describe = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "message" in cause ? String((cause as { message: unknown }).message) : String(cause)

const encoder = new TextEncoder()

/**
 * Replaces `target` with `text` atomically.
 *
 * @internal
 */
export const writeAtomic = (target: string, text: string): Effect.Effect<void, FileFailed, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}-${randomBytes(6).toString("hex")}.tmp`)
    const written = yield* Effect.either(Effect.scoped(Effect.gen(function*() {
      const file = yield* fs.open(temporary, { flag: "wx", mode: 0o644 })
      yield* file.writeAll(encoder.encode(text))
      yield* file.sync
    })))
    if (Either.isLeft(written)) {
      yield* Effect.ignore(fs.remove(temporary))
      return yield* Effect.fail(new FileFailed(target, "write", describe(written.left)))
    }
    const renamed = yield* Effect.either(fs.rename(temporary, target))
    if (Either.isLeft(renamed)) {
      yield* Effect.ignore(fs.remove(temporary))
      return yield* Effect.fail(new FileFailed(target, "rename", describe(renamed.left)))
    }
  })

/** How long a lock may be held before another process may take it (a crashed holder). */
const STALE_AFTER_MS = 30_000
/** How long to wait for a lock before giving up. */
const WAIT_AT_MOST_MS = 60_000

interface LockOwner {
  readonly pid: number
  readonly host: string
  readonly at: number
}

const isStale = (owner: LockOwner | undefined, now: number): boolean => {
  if (owner === undefined) return false
  if (owner.host === os.hostname() && !isAlive(owner.pid)) return true
  return now - owner.at > STALE_AFTER_MS
}

/**
 * Runs `effect` holding the lock file `lockPath`. A lock whose owner is a dead process of this
 * host, or older than 30 s, is taken over.
 *
 * @internal
 */
export const withLock = <A, E, R>(
  lockPath: string,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | FileFailed, R | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const started = Date.now()
    const token = `${process.pid}-${randomBytes(6).toString("hex")}`
    for (let attempt = 0; ; attempt++) {
      const owner: LockOwner & { readonly token: string } = { pid: process.pid, host: os.hostname(), at: Date.now(), token }
      const created = yield* Effect.either(fs.writeFileString(lockPath, JSON.stringify(owner), { flag: "wx" }))
      if (Either.isRight(created)) break
      const error = created.left
      if (!(error._tag === "SystemError" && error.reason === "AlreadyExists")) {
        return yield* Effect.fail(new FileFailed(lockPath, "lock", describe(error)))
      }
      const text = yield* Effect.either(fs.readFileString(lockPath))
      let current: LockOwner | undefined
      if (Either.isRight(text)) {
        try {
          current = JSON.parse(text.right) as LockOwner
        } catch {
          // A lock being written right now: its owner is alive; wait.
        }
      }
      if (isStale(current, Date.now())) {
        // Move it aside first: of several processes taking over the same stale lock, one wins the rename.
        const aside = `${lockPath}.stale-${token}`
        if (Either.isRight(yield* Effect.either(fs.rename(lockPath, aside)))) yield* Effect.ignore(fs.remove(aside))
        continue
      }
      if (Date.now() - started > WAIT_AT_MOST_MS) {
        return yield* Effect.fail(new FileFailed(lockPath, "lock", `still held by process ${current?.pid ?? "?"} after ${WAIT_AT_MOST_MS / 1000} s`))
      }
      yield* Effect.sleep(Math.min(2 + attempt * 2, 25) + Math.floor(Math.random() * 5))
    }
    return yield* effect.pipe(Effect.ensuring(Effect.ignore(Effect.gen(function*() {
      // Remove the lock only while it is still ours.
      const text = yield* fs.readFileString(lockPath)
      if (text.includes(token)) yield* fs.remove(lockPath)
    }))))
  })
