/**
 * The walk behind `Snapshot`: which files of a source directory a snapshot holds, which it
 * leaves out and why, and where each included file's bytes are read from.
 *
 * @internal
 */
import { FileSystem } from "@effect/platform"
import { Effect, Either, Option } from "effect"
import * as path from "node:path"
import * as wildmatch from "./wildmatch.js"

/** @internal */
export interface WalkFile {
  /** `/`-separated, relative to the source directory, as the snapshot names it. */
  readonly path: string
  readonly bytes: number
  /** Absolute path to read the bytes from (a symlink's resolved target). */
  readonly from: string
  /** Set when the file is reached through a symlink: `from`, relative to the source's real path. */
  readonly target?: string
}

/** @internal */
export interface WalkExclusion {
  readonly path: string
  readonly kind: "file" | "directory" | "symlink" | "other"
  readonly rule: string
  readonly source: string
}

/** @internal */
export interface Extra {
  /** Absolute path left out with its rule (the run store, the snapshot's destination). */
  readonly path: string
  readonly rule: string
}

/** @internal */
export interface Walk {
  readonly sourceDirectory: string
  readonly realSourceDirectory: string
  readonly ignoreFile: ".amlignore" | ".gitignore" | undefined
  readonly files: ReadonlyArray<WalkFile>
  /** Included directories, parents first (kept even when empty). */
  readonly directories: ReadonlyArray<string>
  readonly excluded: ReadonlyArray<WalkExclusion>
  readonly unreadable: ReadonlyArray<{ readonly path: string; readonly reason: string }>
}

/** @internal */
export const SYMLINK_OUTSIDE = "symlink outside the source directory"
/** @internal */
export const SYMLINK_DANGLING = "symlink whose target does not exist"
/** @internal */
export const SYMLINK_CYCLE = "symlink to a directory that contains it (a cycle)"
/** @internal */
export const NOT_REGULAR = "not a regular file or directory (socket, FIFO or device)"
/** @internal */
export const RUN_STORE = "the run store (.estimator/ at the root of the source directory)"
/** @internal */
export const BUILT_IN = "built-in"

const describe = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "message" in cause ? String((cause as { message: unknown }).message) : String(cause)

const isInside = (root: string, candidate: string): boolean =>
  candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep)

type Kind =
  | { readonly _tag: "File"; readonly bytes: number; readonly real: string }
  | { readonly _tag: "Directory"; readonly real: string }
  | { readonly _tag: "Other" }
  | { readonly _tag: "Outside" }
  | { readonly _tag: "Dangling" }
  | { readonly _tag: "Unreadable"; readonly reason: string }

/** @internal */
export class WalkFailed extends Error {
  constructor(readonly target: string, readonly reason: string) {
    super(`${target}: ${reason}`)
  }
}

/**
 * Walks `sourceDirectory` (absolute). Fails only when the source directory itself cannot be
 * read; an unreadable entry inside it is reported and left out.
 *
 * @internal
 */
export const walk = (
  sourceDirectory: string,
  extra: ReadonlyArray<Extra>
): Effect.Effect<Walk, WalkFailed, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const realRoot = yield* fs.realPath(sourceDirectory).pipe(Effect.mapError((cause) => new WalkFailed(sourceDirectory, describe(cause))))
    const rootInfo = yield* fs.stat(realRoot).pipe(Effect.mapError((cause) => new WalkFailed(sourceDirectory, describe(cause))))
    if (rootInfo.type !== "Directory") return yield* Effect.fail(new WalkFailed(sourceDirectory, "not a directory"))
    const extraResolved = yield* Effect.forEach(extra, (item) =>
      Effect.map(Effect.option(fs.realPath(item.path)), (real) => ({ ...item, real: Option.getOrElse(real, () => path.resolve(item.path)) })))

    const kindOf = (absolute: string): Effect.Effect<{ readonly link: boolean; readonly kind: Kind }> =>
      Effect.gen(function*() {
        const link = Option.isSome(yield* Effect.option(fs.readLink(absolute)))
        const real = link ? yield* Effect.either(fs.realPath(absolute)) : Either.right(absolute)
        if (Either.isLeft(real)) {
          return { link, kind: real.left._tag === "SystemError" && real.left.reason === "NotFound" ? { _tag: "Dangling" } as const : { _tag: "Unreadable", reason: describe(real.left) } as const }
        }
        if (link && !isInside(realRoot, real.right)) return { link, kind: { _tag: "Outside" } as const }
        const info = yield* Effect.either(fs.stat(real.right))
        if (Either.isLeft(info)) return { link, kind: { _tag: "Unreadable", reason: describe(info.left) } as const }
        if (info.right.type === "File") return { link, kind: { _tag: "File", bytes: Number(info.right.size), real: real.right } as const }
        if (info.right.type === "Directory") return { link, kind: { _tag: "Directory", real: real.right } as const }
        return { link, kind: { _tag: "Other" } as const }
      })

    let ignoreFile: ".amlignore" | ".gitignore" | undefined
    let patterns: ReadonlyArray<wildmatch.Pattern> = []
    for (const candidate of [".amlignore", ".gitignore"] as const) {
      const { kind } = yield* kindOf(path.join(realRoot, candidate))
      if (kind._tag !== "File") continue
      const text = yield* Effect.either(fs.readFileString(kind.real))
      if (Either.isLeft(text)) continue
      ignoreFile = candidate
      patterns = wildmatch.parse(text.right.startsWith("\uFEFF") ? text.right.slice(1) : text.right, candidate)
      break
    }

    const files: Array<WalkFile> = []
    const directories: Array<string> = []
    const excluded: Array<WalkExclusion> = []
    const unreadable: Array<{ path: string; reason: string }> = []

    // Directories are read at their real paths, so an entry that is not a symlink is its own real path.
    const visit = (relativeDirectory: string, absoluteDirectory: string, chain: ReadonlyArray<string>): Effect.Effect<void> =>
      Effect.gen(function*() {
        const listed = yield* Effect.either(fs.readDirectory(absoluteDirectory))
        if (Either.isLeft(listed)) {
          unreadable.push({ path: relativeDirectory, reason: describe(listed.left) })
          excluded.push({ path: relativeDirectory, kind: "directory", rule: `unreadable: ${describe(listed.left)}`, source: BUILT_IN })
          return
        }
        const names = [...listed.right].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        for (const name of names) {
          const relative = relativeDirectory === "" ? name : `${relativeDirectory}/${name}`
          const absolute = path.join(absoluteDirectory, name)
          const { link, kind } = yield* kindOf(absolute)
          const isDirectory = kind._tag === "Directory"
          const entryKind: WalkExclusion["kind"] = link ? "symlink" : isDirectory ? "directory" : kind._tag === "File" ? "file" : "other"

          if (relative === ".estimator" && isDirectory) {
            excluded.push({ path: relative, kind: entryKind, rule: RUN_STORE, source: BUILT_IN })
            continue
          }
          const extraHit = extraResolved.find((item) => item.real === absolute || ("real" in kind && item.real === kind.real))
          if (extraHit !== undefined) {
            excluded.push({ path: relative, kind: entryKind, rule: extraHit.rule, source: BUILT_IN })
            continue
          }
          const decided = wildmatch.decide(patterns, relative, isDirectory)
          if (decided !== undefined && !decided.negated) {
            excluded.push({ path: relative, kind: entryKind, rule: decided.line, source: decided.source })
            continue
          }
          switch (kind._tag) {
            case "Outside":
              excluded.push({ path: relative, kind: entryKind, rule: SYMLINK_OUTSIDE, source: BUILT_IN })
              break
            case "Dangling":
              excluded.push({ path: relative, kind: entryKind, rule: SYMLINK_DANGLING, source: BUILT_IN })
              break
            case "Other":
              excluded.push({ path: relative, kind: entryKind, rule: NOT_REGULAR, source: BUILT_IN })
              break
            case "Unreadable":
              unreadable.push({ path: relative, reason: kind.reason })
              excluded.push({ path: relative, kind: entryKind, rule: `unreadable: ${kind.reason}`, source: BUILT_IN })
              break
            case "File": {
              const target = path.relative(realRoot, kind.real).split(path.sep).join("/")
              files.push({ path: relative, bytes: kind.bytes, from: kind.real, ...(target === relative ? {} : { target }) })
              break
            }
            case "Directory": {
              if (chain.includes(kind.real)) {
                excluded.push({ path: relative, kind: entryKind, rule: SYMLINK_CYCLE, source: BUILT_IN })
                break
              }
              directories.push(relative)
              yield* visit(relative, kind.real, [...chain, kind.real])
              break
            }
          }
        }
      })

    yield* visit("", realRoot, [realRoot])
    return {
      sourceDirectory,
      realSourceDirectory: realRoot,
      ignoreFile,
      files,
      directories,
      excluded,
      unreadable
    }
  })
