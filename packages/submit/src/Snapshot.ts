/**
 * The code snapshot of a run: which files of the source directory a run sees, what they weigh,
 * which were left out and why — the same selection for every backend (the `local` and `docker`
 * backends copy it into the run store as the job's working directory; `azureml` uploads it).
 *
 * **Which files.** Like Azure ML: the ignore file is read from the **root** of the source
 * directory only — `.amlignore` if present, else `.gitignore`, else nothing is ignored; nested
 * ignore files are not read. Its lines follow git's rules exactly (`*`, `**`, `?`, `[...]`, a
 * leading `/` anchors to the root, a trailing `/` matches directories only, `!` re-includes, the
 * last matching line wins, a pattern without `/` matches a name at any depth, `\#` and `\!` are
 * literal, trailing spaces are trimmed unless escaped), and, as in git, nothing inside an excluded
 * directory can be re-included. Besides the ignore file, three things are always left out, each
 * listed with its rule: the run store `.estimator/` at the root (a run's own snapshot must not
 * contain earlier runs), paths given in {@link Options.exclude} (the snapshot's destination when
 * it lies inside the source directory), and anything that is not a regular file or directory.
 *
 * **Symbolic links** are never followed out of the source directory: a link whose target
 * resolves outside it (`/etc/passwd`, `../outside`) is excluded with the rule
 * {@link SYMLINK_OUTSIDE}. A link whose target is inside is **followed**, as Azure ML does: a link
 * to a file is copied as a regular file with its target's content under the link's name, a link
 * to a directory is walked as a directory (ignore patterns see it as one). A link to one of its
 * own ancestors is excluded (a cycle), as is a dangling link. So the snapshot never contains a
 * symbolic link, and what a run reads is what the report lists.
 *
 * **Limits.** A report warns (`snapshot-too-many-files`, `snapshot-too-large`) at Azure ML's
 * snapshot limits, {@link limits}: 2000 files and 300 MiB; the `local` and `docker` backends
 * still run it, Azure ML would refuse it.
 *
 * `preflight` and `contentHash` only read; `copy` writes the destination.
 *
 * @since 0.1.0
 */
import type { Validation } from "@estimator/core"
import { FileSystem } from "@effect/platform"
import { Data, Effect, Either } from "effect"
import { createHash } from "node:crypto"
import * as nodeFs from "node:fs"
import * as path from "node:path"
import * as internal from "./internal/snapshot.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * One file of a snapshot: its path relative to the source directory (`/`-separated) and size.
 * `target` is set for a file reached through a symbolic link: where its bytes come from,
 * relative to the source directory's real path.
 *
 * @category models
 * @since 0.1.0
 */
export interface File {
  readonly path: string
  readonly bytes: number
  readonly target?: string
}

/**
 * A file or directory left out of the snapshot, with the rule that left it out: the ignore-file
 * line as written and its `source` (`.gitignore:3`), or a built-in rule (`source: "built-in"`,
 * e.g. {@link SYMLINK_OUTSIDE}). An excluded directory is listed once, not file by file.
 *
 * @category models
 * @since 0.1.0
 */
export interface Exclusion {
  readonly path: string
  readonly kind: "file" | "directory" | "symlink" | "other"
  readonly rule: string
  readonly source: string
}

/**
 * What a snapshot holds: the source directory (absolute), the ignore file used, the number and
 * total size of the included files, the ten largest, every exclusion, every file (sorted by path)
 * and the warnings (`path` is always `sourceDirectory`).
 *
 * @category models
 * @since 0.1.0
 */
export interface Report {
  readonly sourceDirectory: string
  readonly ignoreFile: ".amlignore" | ".gitignore" | null
  readonly fileCount: number
  readonly bytes: number
  readonly largest: ReadonlyArray<File>
  readonly excluded: ReadonlyArray<Exclusion>
  readonly files: ReadonlyArray<File>
  readonly warnings: ReadonlyArray<Validation.Issue>
}

/**
 * The size limits warned about.
 *
 * @category models
 * @since 0.1.0
 */
export interface Limits {
  readonly files: number
  readonly bytes: number
}

/**
 * Options of `preflight` and `copy`: the limits to warn at (default {@link limits}) and extra
 * absolute paths to leave out, each with the rule the report shows.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly limits?: Limits
  readonly exclude?: ReadonlyArray<{ readonly path: string; readonly rule: string }>
}

/**
 * Azure ML's snapshot limits: 2000 files, 300 MiB (314,572,800 bytes).
 *
 * @category models
 * @since 0.1.0
 */
export const limits: Limits = { files: 2000, bytes: 300 * 1024 * 1024 }

/**
 * The rule of a symbolic link whose target is outside the source directory.
 *
 * @category models
 * @since 0.1.0
 */
export const SYMLINK_OUTSIDE: string = internal.SYMLINK_OUTSIDE

/**
 * The `hash_version` of {@link contentHash}, as Azure ML names its content hash algorithm.
 *
 * @category models
 * @since 0.1.0
 */
export const HASH_VERSION = "202208"

/**
 * How many of the largest files a report lists.
 *
 * @category models
 * @since 0.1.0
 */
export const LARGEST_COUNT = 10

// -------------------------------------------------------------------------------------
// errors
// -------------------------------------------------------------------------------------

/**
 * The snapshot could not be made: the source directory is missing or unreadable, the
 * destination exists and is not empty, or a file could not be copied or read.
 *
 * @category errors
 * @since 0.1.0
 */
export class SnapshotError extends Data.TaggedError("SnapshotError")<{
  readonly path: string
  readonly reason: string
}> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `The snapshot of the source directory failed at ${this.path}: ${this.reason}.`
  }
}

// -------------------------------------------------------------------------------------
// operations
// -------------------------------------------------------------------------------------

const describe = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "message" in cause ? String((cause as { message: unknown }).message) : String(cause)

const toFile = (file: internal.WalkFile): File => ({ path: file.path, bytes: file.bytes, ...(file.target === undefined ? {} : { target: file.target }) })

const warning = (sourceDirectory: string, code: string, message: string, hint: string): Validation.Issue => ({
  path: "sourceDirectory",
  code,
  message: `${message} (${sourceDirectory})`,
  hint,
  severity: "warning"
})

const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`

const toReport = (walk: internal.Walk, options: Options): Report => {
  const bounds = options.limits ?? limits
  const files = [...walk.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map(toFile)
  const bytes = files.reduce((sum, file) => sum + file.bytes, 0)
  const largest = [...files].sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).slice(0, LARGEST_COUNT)
  const warnings: Array<Validation.Issue> = []
  const source = walk.sourceDirectory
  if (files.length > bounds.files) {
    warnings.push(warning(source, "snapshot-too-many-files", `The snapshot has ${files.length} files, more than Azure ML's limit of ${bounds.files}`, "List what the job does not need (data, checkpoints, virtual environments) in .amlignore at the root of the source directory."))
  }
  if (bytes > bounds.bytes) {
    warnings.push(warning(source, "snapshot-too-large", `The snapshot is ${mib(bytes)} (${bytes} bytes), more than Azure ML's limit of ${mib(bounds.bytes)}; the largest file is ${largest[0]?.path ?? "?"} (${largest[0]?.bytes ?? 0} bytes)`, "Exclude large files in .amlignore and pass data as inputs instead of copying it with the code."))
  }
  if (files.length === 0) {
    warnings.push(warning(source, "snapshot-empty", "The snapshot has no files: everything was excluded or the directory is empty", "Check the source directory and its ignore file."))
  }
  for (const entry of walk.unreadable) {
    warnings.push(warning(source, "snapshot-unreadable", `${entry.path === "" ? "." : entry.path} cannot be read (${entry.reason}) and is left out`, "Fix its permissions, or exclude it in the ignore file."))
  }
  return {
    sourceDirectory: source,
    ignoreFile: walk.ignoreFile ?? null,
    fileCount: files.length,
    bytes,
    largest,
    excluded: walk.excluded,
    files,
    warnings
  }
}

const walkOf = (sourceDirectory: string, options: Options) =>
  internal.walk(path.resolve(sourceDirectory), options.exclude ?? []).pipe(
    Effect.mapError((failure) => new SnapshotError({ path: failure.target, reason: failure.reason }))
  )

/**
 * What a snapshot of `sourceDirectory` would hold, without copying anything.
 *
 * @example
 * const report = yield* Snapshot.preflight("./src")
 * console.log(report.fileCount, report.bytes, report.excluded)
 *
 * @category operations
 * @since 0.1.0
 */
export const preflight = (
  sourceDirectory: string,
  options: Options = {}
): Effect.Effect<Report, SnapshotError, FileSystem.FileSystem> => Effect.map(walkOf(sourceDirectory, options), (walk) => toReport(walk, options))

/**
 * Copies the snapshot of `sourceDirectory` to `destination` (created; it must not exist or be
 * empty) and returns its report. Files are copied with their permission bits; directories are
 * created even when empty; a file reached through a symlink is copied as a regular file. When
 * `destination` lies inside the source directory it is left out of the snapshot.
 *
 * @category operations
 * @since 0.1.0
 */
export const copy = (
  sourceDirectory: string,
  destination: string,
  options: Options = {}
): Effect.Effect<Report, SnapshotError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const target = path.resolve(destination)
    const fail = (at: string) => (cause: unknown) => new SnapshotError({ path: at, reason: describe(cause) })
    const existing = yield* Effect.either(fs.readDirectory(target))
    if (Either.isRight(existing) && existing.right.length > 0) {
      return yield* Effect.fail(new SnapshotError({ path: target, reason: "the destination already exists and is not empty" }))
    }
    yield* fs.makeDirectory(target, { recursive: true }).pipe(Effect.mapError(fail(target)))
    const walk = yield* walkOf(sourceDirectory, {
      ...options,
      exclude: [...(options.exclude ?? []), { path: target, rule: "the snapshot's destination" }]
    })
    for (const directory of walk.directories) {
      const at = path.join(target, ...directory.split("/"))
      yield* fs.makeDirectory(at, { recursive: true }).pipe(Effect.mapError(fail(at)))
    }
    yield* Effect.forEach(
      walk.files,
      (file) => {
        const at = path.join(target, ...file.path.split("/"))
        return fs.copyFile(file.from, at).pipe(Effect.mapError(fail(file.from)))
      },
      { concurrency: 8, discard: true }
    )
    return toReport(walk, options)
  })

const compareCodePoints = (a: string, b: string): number => {
  const x = [...a]
  const y = [...b]
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!
    if (d !== 0) return d
  }
  return x.length - y.length
}

/**
 * The content hash of a snapshot's files, Azure ML's `hash_version` {@link HASH_VERSION} (the
 * `hash_sha256` of a code version), so an unchanged snapshot maps to the same code version.
 * SHA-256 over, in order: the number of files as decimal text; for each file, sorted by its
 * lower-cased path (code point order; ties by the path itself), `#<path>#` followed by its size in
 * bytes as decimal text; then the content of every file in the same order. Paths are the
 * report's `/`-separated relative paths, UTF-8. The bytes are read again from the source
 * directory (through `target` for files reached by a symlink), so the hash is of what is there now.
 *
 * @category operations
 * @since 0.1.0
 */
export const contentHash = (report: Pick<Report, "sourceDirectory" | "files">): Effect.Effect<string, SnapshotError> =>
  Effect.tryPromise({
    // Plain Node streams in 1 MiB reads: this hash is on the critical path of every Azure ML submit.
    try: async () => {
      const root = await nodeFs.promises.realpath(report.sourceDirectory)
      const sorted = [...report.files].sort((a, b) =>
        compareCodePoints(a.path.toLowerCase(), b.path.toLowerCase()) || compareCodePoints(a.path, b.path))
      const hash = createHash("sha256")
      hash.update(String(sorted.length))
      for (const file of sorted) hash.update(`#${file.path}#${file.bytes}`)
      for (const file of sorted) {
        const from = path.join(root, ...(file.target ?? file.path).split("/"))
        try {
          for await (const chunk of nodeFs.createReadStream(from, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer)
        } catch (cause) {
          throw Object.assign(new Error(cause instanceof Error ? cause.message : String(cause)), { at: from })
        }
      }
      return hash.digest("hex")
    },
    catch: (cause) =>
      new SnapshotError({
        path: (cause as { at?: string }).at ?? report.sourceDirectory,
        reason: cause instanceof Error ? cause.message : String(cause)
      })
  })
