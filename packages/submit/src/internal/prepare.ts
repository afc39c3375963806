/**
 * The first half of every plan: decode and validate the spec (every issue at once), draw the
 * run id, resolve the directories, and read what the spec names on disk (the conda and
 * requirements files, the source directory and entry script, local inputs). Read-only.
 *
 * @internal
 */
import { Estimator, Validation } from "@estimator/core"
import type { Data } from "@estimator/core"
import { Hash } from "@estimator/env"
import { FileSystem } from "@effect/platform"
import type { Error as PlatformError } from "@effect/platform"
import { Cause, Effect, Either, Exit } from "effect"
import * as path from "node:path"
import * as Backend from "../Backend.js"
import type * as Plan from "../Plan.js"
import * as PlanError from "../PlanError.js"
import * as capabilities from "./capabilities.js"
import * as jobEnvironment from "./environment.js"
import * as paths from "./paths.js"
import * as record from "./record.js"
import * as specView from "./specView.js"

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/

const error = (path: string, code: string, message: string, hint: string): PlanError.PlanIssue => ({
  path,
  code,
  message,
  hint,
  severity: "error",
  backends: []
})

const warning = (path: string, code: string, message: string, hint: string): Validation.Issue => ({
  path,
  code,
  message,
  hint,
  severity: "warning"
})

const DEFAULT_RUNS_DIRECTORY = path.join(".estimator", "runs")

const hasOwn = Object.prototype.hasOwnProperty

/**
 * SHA-256 of the spec's canonical JSON (keys sorted): the same for the same spec whatever the key order.
 *
 * @internal
 */
export const specHash = (spec: Estimator.Estimator): string => Hash.canonicalHash(spec as unknown as Hash.Json)

const describeError = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "message" in cause ? String((cause as { message: unknown }).message) : String(cause)

type Kind = "file" | "directory" | "missing"

type Found = Kind | { readonly unreadable: string }

const kindOfInfo = (exit: Exit.Exit<FileSystem.File.Info, PlatformError.PlatformError>): Found | Cause.Cause<never> => {
  if (Exit.isSuccess(exit)) return exit.value.type === "Directory" ? "directory" : "file"
  const failure = Cause.failureOrCause(exit.cause)
  if (Either.isRight(failure)) return failure.right as Cause.Cause<never>
  const cause = failure.left
  return cause._tag === "SystemError" && cause.reason === "NotFound" ? "missing" : { unreadable: describeError(cause) }
}

/**
 * `effect`, then `f` of its exit. When `effect` is already complete (an in-memory file system
 * answers at once), `f` runs now, without a fiber step: planning many specs costs no more than
 * the work itself.
 *
 * @internal
 */
export const andThenExit = <A, E, B, E2, R>(
  effect: Effect.Effect<A, E, R>,
  f: (exit: Exit.Exit<A, E>) => Effect.Effect<B, E2, R>
): Effect.Effect<B, E2, R> => (Exit.isExit(effect) ? f(effect as Exit.Exit<A, E>) : Effect.flatMap(Effect.exit(effect), f))

type ReadExit = Exit.Exit<FileSystem.File.Info | string, PlatformError.PlatformError>

/**
 * `done` with the exits of `reads`, run in order: at once when every read is already complete
 * (an in-memory file system answers so), else one after the other.
 */
const afterReads = <B, E>(
  reads: ReadonlyArray<Effect.Effect<FileSystem.File.Info | string, PlatformError.PlatformError>>,
  done: (exits: ReadonlyArray<ReadExit>) => Effect.Effect<B, E>
): Effect.Effect<B, E> => {
  for (let i = 0; i < reads.length; i++) {
    if (!Exit.isExit(reads[i])) return Effect.flatMap(Effect.forEach(reads, (read) => Effect.exit(read)), done)
  }
  return done(reads as ReadonlyArray<ReadExit>)
}

/**
 * Why a spec cannot be prepared, whatever the backend: every issue found (decode, validation,
 * files) and the warnings found before. Each backend turns it into its own `InvalidSpec`.
 *
 * @internal
 */
export interface Refusal {
  readonly issues: ReadonlyArray<PlanError.PlanIssue>
  readonly warnings: ReadonlyArray<Validation.Issue>
}

/**
 * The `InvalidSpec` of `backend` for a refusal.
 *
 * @internal
 */
export const invalidSpec = (backend: Backend.BackendName, refusal: Refusal): PlanError.PlanError =>
  new PlanError.InvalidSpec({ backend, issues: refusal.issues, warnings: refusal.warnings })

const MALFORMED_HINT = "Fix the value at this path (see the spec's JSON Schema: estimator schema)."

/**
 * Decode, validate and read a spec, for every backend at once. Fails with a `Refusal` (every
 * issue) when the spec or a file it names is not usable.
 *
 * @internal
 */
export const prepareAny = (
  input: Estimator.Estimator,
  context: Backend.PlanContext
): Effect.Effect<Plan.Prepared, Refusal, FileSystem.FileSystem> => Effect.flatMap(FileSystem.FileSystem, (fs) => prepareWith(fs, input, context))

/**
 * {@link prepareAny} with the file system at hand: an `Exit` when the file system and the run id
 * answer at once (an in-memory file system does), so that planning many specs costs no more
 * than the work itself.
 *
 * @internal
 */
export const prepareWith = (
  fs: FileSystem.FileSystem,
  input: Estimator.Estimator,
  context: Backend.PlanContext
): Effect.Effect<Plan.Prepared, Refusal> => {
  const decoded = Estimator.decode(input)
  if (decoded._tag === "Left") {
    return Exit.fail({
      issues: decoded.left.map((e) => error(e.path, "malformed-spec", e.message, MALFORMED_HINT)),
      warnings: []
    })
  }
  const spec = decoded.right
  const warnings: Array<Validation.Issue> = []
  const invalid: Array<PlanError.PlanIssue> = []
  for (const issue of Validation.validate(spec)) {
    if (issue.severity === "warning") warnings.push(issue)
    else invalid.push(PlanError.fromIssue(issue))
  }
  if (invalid.length > 0) return Exit.fail({ issues: invalid, warnings })
  return andThenExit(context.runId ?? Backend.generateRunId, (runId) => {
    if (Exit.isFailure(runId)) return Effect.failCause(runId.cause)
    if (!RUN_ID.test(runId.value)) {
      return Exit.fail({
        issues: [error("runId", "invalid-run-id", `The run id ${JSON.stringify(runId.value)} is not valid: run ids start with a letter or digit and contain only letters, digits, '-' and '_' (at most 255 characters).`, "Give a run id such as \"20250101-120000-abcd1234\".")],
        warnings
      })
    }
    return readSpec(fs, spec, runId.value, warnings, context)
  })
}

/** The file-system half of {@link prepareAny}: what the spec names, in the order the issues list it. */
const readSpec = (
  fs: FileSystem.FileSystem,
  spec: Estimator.Estimator,
  runId: string,
  warnings: Array<Validation.Issue>,
  context: Backend.PlanContext
): Effect.Effect<Plan.Prepared, Refusal> => {
  const view = specView.of(spec)
  const baseDirectory = paths.absolute(context.baseDirectory)
  const sourceDirectory = paths.resolve(baseDirectory, view.sourceDirectory)
  const runsDirectory = paths.resolve(baseDirectory, context.runsDirectory ?? DEFAULT_RUNS_DIRECTORY)
  const runDirectory = paths.join(runsDirectory, runId)
  const condaFile = view.environment.condaFile
  const requirementsFile = view.environment.pipRequirementsFile
  const script = view.entryScript === undefined ? undefined : paths.resolve(sourceDirectory, view.entryScript)
  const condaTarget = condaFile === undefined ? undefined : paths.resolve(sourceDirectory, condaFile)
  const requirementsTarget = requirementsFile === undefined ? undefined : paths.resolve(sourceDirectory, requirementsFile)
  const localNames: Array<string> = []
  const localTargets: Array<string> = []
  const inputs = Estimator.effectiveInputs(view)
  for (const name in inputs) {
    if (!hasOwn.call(inputs, name)) continue
    const dataInput = inputs[name] as Data.Input
    if (dataInput._tag !== "Data" || dataInput.source._tag !== "LocalPath") continue
    localNames.push(name)
    localTargets.push(paths.resolve(baseDirectory, dataInput.source.path))
  }
  // Every read is asked for up front (the script's too, used only when the source directory is one).
  const reads: Array<Effect.Effect<FileSystem.File.Info | string, PlatformError.PlatformError>> = [fs.stat(sourceDirectory)]
  if (script !== undefined) reads.push(fs.stat(script))
  if (condaTarget !== undefined) reads.push(fs.readFileString(condaTarget))
  if (requirementsTarget !== undefined) reads.push(fs.readFileString(requirementsTarget))
  for (const target of localTargets) reads.push(fs.stat(target))

  return afterReads(reads, (exits) => {
    const source = kindOfInfo(exits[0] as Exit.Exit<FileSystem.File.Info, PlatformError.PlatformError>)
    if (Cause.isCause(source)) return Effect.failCause(source)
    const issues: Array<PlanError.PlanIssue> = []
    const unreadable = (fieldPath: string, target: string, reason: string) =>
      issues.push(error(fieldPath, "file-unreadable", `${target} cannot be read: ${reason}.`, "Check that the path exists and is readable."))
    let next = 1
    if (source === "missing" || source === "file") {
      issues.push(error("sourceDirectory", "source-directory-missing", `The source directory ${sourceDirectory} ${source === "file" ? "is a file, not a directory" : "does not exist"}.`, `Create it, or fix sourceDirectory (it is relative to ${baseDirectory}).`))
    } else if (typeof source === "object") {
      unreadable("sourceDirectory", sourceDirectory, source.unreadable)
    }
    if (script !== undefined) {
      const read = exits[next++] as Exit.Exit<FileSystem.File.Info, PlatformError.PlatformError>
      if (source === "directory") {
        const kind = kindOfInfo(read)
        if (Cause.isCause(kind)) return Effect.failCause(kind)
        if (kind === "missing" || kind === "directory") {
          issues.push(error("entryScript", "entry-script-missing", `The entry script ${script} ${kind === "directory" ? "is a directory" : "does not exist"}.`, `Create it, or fix entryScript (it is relative to the source directory ${sourceDirectory}).`))
        } else if (typeof kind === "object") {
          unreadable("entryScript", script, kind.unreadable)
        }
      }
    }

    const files = record.empty<string>()
    const readFile = (fieldPath: string, relative: string, target: string): Cause.Cause<never> | undefined => {
      const text = exits[next++] as Exit.Exit<string, PlatformError.PlatformError>
      if (Exit.isSuccess(text)) {
        files[relative] = text.value
        return undefined
      }
      const failure = Cause.failureOrCause(text.cause)
      if (Either.isRight(failure)) return failure.right as Cause.Cause<never>
      // A missing file is reported by the environment resolution below, with v1's message.
      if (!(failure.left._tag === "SystemError" && failure.left.reason === "NotFound")) unreadable(fieldPath, target, describeError(failure.left))
      return undefined
    }
    if (condaTarget !== undefined) {
      const defect = readFile("environment.condaFile", condaFile as string, condaTarget)
      if (defect !== undefined) return Effect.failCause(defect)
    }
    if (requirementsTarget !== undefined) {
      const defect = readFile("environment.pipRequirementsFile", requirementsFile as string, requirementsTarget)
      if (defect !== undefined) return Effect.failCause(defect)
    }

    const localInputs = record.empty<Plan.LocalInput>()
    for (let i = 0; i < localNames.length; i++) {
      const name = localNames[i] as string
      const target = localTargets[i] as string
      const kind = kindOfInfo(exits[next++] as Exit.Exit<FileSystem.File.Info, PlatformError.PlatformError>)
      if (Cause.isCause(kind)) return Effect.failCause(kind)
      if (typeof kind === "object") {
        unreadable(`inputs.${name}.source.path`, target, kind.unreadable)
        continue
      }
      localInputs[name] = { path: target, kind }
      if (kind === "missing") {
        if ((inputs[name] as Data.Input & { readonly _tag: "Data" }).optional === true) {
          warnings.push(warning(`inputs.${name}.source.path`, "local-input-missing", `The optional input "${name}" (${target}) does not exist.`, "Create it, or remove the input."))
        } else {
          issues.push(error(`inputs.${name}.source.path`, "local-input-missing", `The input "${name}" reads ${target}, which does not exist.`, `Create it, or fix the path (relative paths start at ${baseDirectory}).`))
        }
      } else if (kind === "directory" && (inputs[name] as Data.Input & { readonly _tag: "Data" }).type === "uri_file") {
        issues.push(error(`inputs.${name}.type`, "local-input-not-a-file", `The input "${name}" is a uri_file but ${target} is a directory.`, "Point it at a file, or make it a uri_folder input."))
      }
    }

    const environment = jobEnvironment.resolve(view, files, { azuremlDefaults: false, validated: true })
    if (Either.isLeft(environment)) for (const issue of environment.left) issues.push(PlanError.fromIssue(issue))
    if (issues.length > 0) return Exit.fail({ issues, warnings })

    // The hash is computed on first read: a plan the backend refuses never needs it.
    const hash: SpecHash = { spec, view, value: undefined }
    const memo = newMemo(view, Either.isRight(environment) ? environment.right : undefined, hash)
    const prepared: Mutable<Plan.Prepared & Memoized> = { spec, runId } as Mutable<Plan.Prepared & Memoized>
    Object.defineProperty(prepared, "specHash", preparedSpecHash)
    prepared.baseDirectory = baseDirectory
    prepared.sourceDirectory = sourceDirectory
    prepared.runDirectory = runDirectory
    prepared.files = files
    prepared.localInputs = localInputs
    if (context.workspace !== undefined) prepared.workspace = context.workspace
    prepared.warnings = warnings
    prepared[MEMO] = memo
    memo.owner = prepared
    return Effect.succeed(prepared)
  })
}

/**
 * Decode, validate and read a spec for `backend`. Fails with `InvalidSpec` (every issue) when
 * the spec or a file it names is not usable.
 *
 * @internal
 */
export const prepare = (
  backend: Backend.BackendName,
  input: Estimator.Estimator,
  context: Backend.PlanContext
): Effect.Effect<Plan.Prepared, PlanError.PlanError, FileSystem.FileSystem> =>
  Effect.mapError(prepareAny(input, context), (refusal) => invalidSpec(backend, refusal))

/**
 * What compiling a prepared spec for several backends would otherwise compute again: its two
 * resolved environments, its feature usages and its run information. Kept beside the prepared
 * value (never on the spec), so it lives exactly as long as the preparation.
 *
 * @internal
 */
export interface Memo {
  /** The prepared spec this memo was made for (a copy of it gets its own). */
  owner: Plan.Prepared | undefined
  view: Estimator.Estimator | undefined
  withoutDefaults: jobEnvironment.JobEnvironment | undefined
  withDefaults: Either.Either<jobEnvironment.JobEnvironment, ReadonlyArray<Validation.Issue>> | undefined
  usages: ReadonlyArray<capabilities.Usage> | undefined
  runInfo: Plan.RunInfo | undefined
  /** The spec hash of a spec `prepare` made, computed once for the prepared value and its run information. */
  specHash: SpecHash | undefined
}

/** A spec (and its view until the hash is computed) and, once asked for, its hash. */
interface SpecHash {
  readonly spec: Estimator.Estimator
  view: Estimator.Estimator | undefined
  value: string | undefined
}

type Mutable<A> = { -readonly [K in keyof A]: A[K] }

/**
 * The `specHash` accessor of the values made here, one getter for all, that reads the hash cell
 * the value holds: an object literal with a getter of its own costs several times as much, and
 * every such object is a dictionary. A copy (`{ ...prepared }`) gets the hash as a plain field.
 */
const preparedSpecHash: PropertyDescriptor = {
  get(this: Memoized): string {
    return specHashOf((this[MEMO] as Memo).specHash as SpecHash)
  },
  enumerable: true,
  configurable: true
}

/** Where a run information keeps its hash cell: a symbol, and not enumerable (never printed or compared). */
const HASH_CELL: unique symbol = Symbol.for("@estimator/submit/RunInfo/specHash")

const runInfoSpecHash: PropertyDescriptor = {
  get(this: { readonly [HASH_CELL]: SpecHash }): string {
    return specHashOf(this[HASH_CELL])
  },
  enumerable: true,
  configurable: true
}

const specHashOf = (hash: SpecHash): string => {
  if (hash.value !== undefined) return hash.value
  hash.value = hash.view === undefined ? specHash(hash.spec) : specView.hash(hash.view)
  // The plans keep the cell: the view is not needed any more.
  hash.view = undefined
  return hash.value
}

/** A memo with every field present from the start, so that every memo has the same shape. */
const newMemo = (
  view: Estimator.Estimator | undefined,
  withoutDefaults: jobEnvironment.JobEnvironment | undefined,
  hash: SpecHash | undefined
): Memo => ({
  owner: undefined,
  view,
  withoutDefaults,
  withDefaults: undefined,
  usages: undefined,
  runInfo: undefined,
  specHash: hash
})

/** Where `prepare` keeps the memo: on the prepared value itself (a symbol key, so never printed). */
const MEMO: unique symbol = Symbol.for("@estimator/submit/Prepared/memo")

interface Memoized {
  readonly [MEMO]?: Memo
}

/** The memos of prepared values made elsewhere (by hand, or copied from one `prepare` made). */
const memos = new WeakMap<Plan.Prepared, Memo>()

/**
 * The memo of a prepared spec (one look-up: pass it on to every step that compiles it).
 *
 * @internal
 */
export const memoOf = (prepared: Plan.Prepared): Memo => {
  const own = (prepared as Memoized)[MEMO]
  if (own !== undefined && own.owner === prepared) return own
  let memo = memos.get(prepared)
  if (memo === undefined) {
    memo = newMemo(undefined, undefined, undefined)
    memo.owner = prepared
    memos.set(prepared, memo)
  }
  return memo
}

/**
 * The fixed-shape view of a prepared spec's fields (`specView`), for the steps that read many of them.
 *
 * @internal
 */
export const viewOf = (prepared: Plan.Prepared, memo: Memo = memoOf(prepared)): Estimator.Estimator =>
  memo.view ??= specView.of(prepared.spec)

/**
 * The capability check of `backend` on a prepared spec: `Unsupported` with every field it cannot
 * honour, else the warnings of the fields it ignores.
 *
 * @internal
 */
export const checkCapabilities = (
  backend: Backend.BackendName,
  prepared: Plan.Prepared,
  memo: Memo = memoOf(prepared)
): Either.Either<ReadonlyArray<Validation.Issue>, PlanError.PlanError> => {
  const result = capabilities.checkUsages(backend, memo.usages ??= capabilities.usages(viewOf(prepared, memo)))
  return result.errors.length > 0
    ? Either.left(new PlanError.Unsupported({ backend, issues: result.errors, warnings: concat(prepared.warnings, result.warnings) }))
    : Either.right(result.warnings)
}

/**
 * A prepared spec's job environment, or `InvalidSpec` with the environment's issues.
 *
 * @internal
 */
export const environmentOf = (
  backend: Backend.BackendName,
  prepared: Plan.Prepared,
  options: { readonly azuremlDefaults: boolean },
  memo: Memo = memoOf(prepared)
): Either.Either<jobEnvironment.JobEnvironment, PlanError.PlanError> => {
  let resolved: Either.Either<jobEnvironment.JobEnvironment, ReadonlyArray<Validation.Issue>>
  if (options.azuremlDefaults) {
    resolved = memo.withDefaults ??= jobEnvironment.resolve(viewOf(prepared, memo), prepared.files, { azuremlDefaults: true, validated: true })
  } else if (memo.withoutDefaults !== undefined) {
    return Either.right(memo.withoutDefaults)
  } else {
    resolved = jobEnvironment.resolve(viewOf(prepared, memo), prepared.files, { azuremlDefaults: false, validated: true })
    if (Either.isRight(resolved)) memo.withoutDefaults = resolved.right
  }
  return Either.mapLeft(
    resolved,
    (issues) => new PlanError.InvalidSpec({ backend, issues: issues.map((issue) => PlanError.fromIssue(issue)), warnings: prepared.warnings })
  )
}

/**
 * The lists one after the other, as one new array.
 *
 * @internal
 */
export const concat = <A>(...lists: ReadonlyArray<ReadonlyArray<A>>): Array<A> => {
  const out: Array<A> = []
  for (const list of lists) for (let i = 0; i < list.length; i++) out.push(list[i] as A)
  return out
}

/**
 * `InvalidSpec` from the issues of `LaunchPlan.plan` (none are expected after validation; this
 * keeps the plan total).
 *
 * @internal
 */
export const launchError = (
  backend: Backend.BackendName,
  issues: ReadonlyArray<Validation.Issue>,
  prepared: Plan.Prepared
): PlanError.PlanError =>
  new PlanError.InvalidSpec({
    backend,
    issues: Validation.errors(issues).map((issue) => PlanError.fromIssue(issue)),
    warnings: prepared.warnings
  })

/**
 * The `RunInfo` of a prepared spec: one value, shared by every plan compiled from it.
 *
 * @internal
 */
export const runInfo = (prepared: Plan.Prepared, memo: Memo = memoOf(prepared)): Plan.RunInfo =>
  memo.runInfo ??= runInfoOf(prepared, memo.specHash)

/**
 * A run information that holds what it shows and the spec's hash, not the prepared value: the
 * plans keep it, and the rest of the preparation (its memo) is then free to go.
 */
const runInfoOf = (prepared: Plan.Prepared, hash: SpecHash | undefined): Plan.RunInfo => {
  // A prepared value made by hand has its hash at hand.
  const cell: SpecHash = hash ?? { spec: prepared.spec, view: undefined, value: prepared.specHash }
  const info: Mutable<Plan.RunInfo> = { runId: prepared.runId } as Mutable<Plan.RunInfo>
  // Read when used (a run record, a label): printing a plan never needs it.
  Object.defineProperty(info, "specHash", runInfoSpecHash)
  info.spec = prepared.spec
  info.sourceDirectory = prepared.sourceDirectory
  info.runDirectory = prepared.runDirectory
  info.secrets = prepared.spec.secretEnvironmentVariables
  Object.defineProperty(info, HASH_CELL, { value: cell })
  return info
}
