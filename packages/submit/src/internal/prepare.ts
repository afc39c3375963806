/**
 * The first half of every plan: decode and validate the spec (every issue at once), draw the
 * run id, resolve the directories, and read what the spec names on disk (the conda and
 * requirements files, the source directory and entry script, local inputs). Read-only.
 *
 * @internal
 */
import { Estimator, Validation } from "@estimator/core"
import { FileSystem } from "@effect/platform"
import { Effect, Either } from "effect"
import * as path from "node:path"
import { createHash } from "node:crypto"
import * as Backend from "../Backend.js"
import type * as Plan from "../Plan.js"
import * as PlanError from "../PlanError.js"
import * as capabilities from "./capabilities.js"
import * as jobEnvironment from "./environment.js"

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

const fail = (
  backend: Backend.BackendName,
  issues: ReadonlyArray<PlanError.PlanIssue>,
  warnings: ReadonlyArray<Validation.Issue>
): Effect.Effect<never, PlanError.PlanError> => Effect.fail(new PlanError.InvalidSpec({ backend, issues, warnings }))

/**
 * SHA-256 of the spec's canonical JSON (keys sorted): the same for the same spec whatever the key order.
 *
 * @internal
 */
export const specHash = (spec: Estimator.Estimator): string =>
  createHash("sha256").update(canonicalJson(spec)).digest("hex")

/**
 * `Hash.canonicalJson` (keys sorted, no whitespace, `undefined` properties left out) written as
 * one pass into a single string: the same output, without the intermediate arrays.
 */
const canonicalJson = (value: unknown): string => {
  // `JSON.stringify` gives `undefined` for a function or `undefined`, as in `Hash.canonicalJson`.
  if (value === null || typeof value !== "object") return JSON.stringify(value) as string
  if (Array.isArray(value)) {
    let out = "["
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + (canonicalJson(value[i]) ?? "")
    return out + "]"
  }
  const record = value as { readonly [key: string]: unknown }
  const keys = Object.keys(record).sort()
  let out = "{"
  let first = true
  for (const key of keys) {
    const field = record[key]
    if (field === undefined) continue
    out += (first ? "" : ",") + JSON.stringify(key) + ":" + canonicalJson(field)
    first = false
  }
  return out + "}"
}

const describeError = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "message" in cause ? String((cause as { message: unknown }).message) : String(cause)

type Kind = "file" | "directory" | "missing"

const kindOf = (fs: FileSystem.FileSystem, target: string): Effect.Effect<Kind | { readonly unreadable: string }> =>
  fs.stat(target).pipe(
    Effect.map((info): Kind => (info.type === "Directory" ? "directory" : "file")),
    Effect.catchAll((cause) =>
      Effect.succeed(cause._tag === "SystemError" && cause.reason === "NotFound" ? "missing" as const : { unreadable: describeError(cause) })
    )
  )

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
  Effect.gen(function*() {
    const decoded = Estimator.decode(input)
    if (decoded._tag === "Left") {
      return yield* fail(
        backend,
        decoded.left.map((e) => error(e.path, "malformed-spec", e.message, "Fix the value at this path (see the spec's JSON Schema: estimator schema).")),
        []
      )
    }
    const spec = decoded.right
    const validation = Validation.validate(spec)
    const warnings: Array<Validation.Issue> = [...Validation.warnings(validation)]
    const invalid = Validation.errors(validation).map((issue) => PlanError.fromIssue(issue))
    if (invalid.length > 0) return yield* fail(backend, invalid, warnings)

    const runId = yield* (context.runId ?? Backend.generateRunId)
    if (!RUN_ID.test(runId)) {
      return yield* fail(backend, [error("runId", "invalid-run-id", `The run id ${JSON.stringify(runId)} is not valid: run ids start with a letter or digit and contain only letters, digits, '-' and '_' (at most 255 characters).`, "Give a run id such as \"20250101-120000-abcd1234\".")], warnings)
    }
    const baseDirectory = path.resolve(context.baseDirectory)
    const sourceDirectory = path.resolve(baseDirectory, spec.sourceDirectory)
    const runsDirectory = path.resolve(baseDirectory, context.runsDirectory ?? path.join(".estimator", "runs"))
    const runDirectory = path.join(runsDirectory, runId)

    const fs = yield* FileSystem.FileSystem
    const issues: Array<PlanError.PlanIssue> = []
    const unreadable = (fieldPath: string, target: string, reason: string) =>
      issues.push(error(fieldPath, "file-unreadable", `${target} cannot be read: ${reason}.`, "Check that the path exists and is readable."))

    const source = yield* kindOf(fs, sourceDirectory)
    if (source === "missing" || source === "file") {
      issues.push(error("sourceDirectory", "source-directory-missing", `The source directory ${sourceDirectory} ${source === "file" ? "is a file, not a directory" : "does not exist"}.`, `Create it, or fix sourceDirectory (it is relative to ${baseDirectory}).`))
    } else if (typeof source === "object") {
      unreadable("sourceDirectory", sourceDirectory, source.unreadable)
    } else if (spec.entryScript !== undefined) {
      const script = path.resolve(sourceDirectory, spec.entryScript)
      const kind = yield* kindOf(fs, script)
      if (kind === "missing" || kind === "directory") {
        issues.push(error("entryScript", "entry-script-missing", `The entry script ${script} ${kind === "directory" ? "is a directory" : "does not exist"}.`, `Create it, or fix entryScript (it is relative to the source directory ${sourceDirectory}).`))
      } else if (typeof kind === "object") {
        unreadable("entryScript", script, kind.unreadable)
      }
    }

    const files: Record<string, string> = {}
    const named = [
      ["environment.condaFile", spec.environment.condaFile],
      ["environment.pipRequirementsFile", spec.environment.pipRequirementsFile]
    ] as const
    for (const [fieldPath, relative] of named) {
      if (relative === undefined) continue
      const target = path.resolve(sourceDirectory, relative)
      const text = yield* Effect.either(fs.readFileString(target))
      if (Either.isRight(text)) files[relative] = text.right
      else if (!(text.left._tag === "SystemError" && text.left.reason === "NotFound")) unreadable(fieldPath, target, describeError(text.left))
      // A missing file is reported by the environment resolution below, with v1's message.
    }

    const localInputs: Record<string, Plan.LocalInput> = {}
    for (const [name, dataInput] of Object.entries(Estimator.effectiveInputs(spec))) {
      if (dataInput._tag !== "Data" || dataInput.source._tag !== "LocalPath") continue
      const target = path.resolve(baseDirectory, dataInput.source.path)
      const kind = yield* kindOf(fs, target)
      if (typeof kind === "object") {
        unreadable(`inputs.${name}.source.path`, target, kind.unreadable)
        continue
      }
      localInputs[name] = { path: target, kind }
      if (kind === "missing") {
        if (dataInput.optional === true) {
          warnings.push(warning(`inputs.${name}.source.path`, "local-input-missing", `The optional input "${name}" (${target}) does not exist.`, "Create it, or remove the input."))
        } else {
          issues.push(error(`inputs.${name}.source.path`, "local-input-missing", `The input "${name}" reads ${target}, which does not exist.`, `Create it, or fix the path (relative paths start at ${baseDirectory}).`))
        }
      } else if (kind === "directory" && dataInput.type === "uri_file") {
        issues.push(error(`inputs.${name}.type`, "local-input-not-a-file", `The input "${name}" is a uri_file but ${target} is a directory.`, "Point it at a file, or make it a uri_folder input."))
      }
    }

    const environment = jobEnvironment.resolve(spec, files, { azuremlDefaults: false })
    if (Either.isLeft(environment)) issues.push(...environment.left.map((issue) => PlanError.fromIssue(issue)))
    if (issues.length > 0) return yield* fail(backend, issues, warnings)

    // The hash is computed on first read: a plan the backend refuses never needs it.
    let hash: string | undefined
    const prepared: Plan.Prepared = {
      spec,
      runId,
      get specHash() {
        return hash ??= specHash(spec)
      },
      baseDirectory,
      sourceDirectory,
      runDirectory,
      files,
      localInputs,
      ...(context.workspace === undefined ? {} : { workspace: context.workspace }),
      warnings
    }
    if (Either.isRight(environment)) resolvedWithoutDefaults.set(prepared, environment.right)
    return prepared
  })

/** The environment `prepare` resolved (without the Azure ML defaults), so compiling does not resolve it again. */
const resolvedWithoutDefaults = new WeakMap<Plan.Prepared, jobEnvironment.JobEnvironment>()

/**
 * The capability check of `backend` on a prepared spec: `Unsupported` with every field it cannot
 * honour, else the warnings of the fields it ignores.
 *
 * @internal
 */
export const checkCapabilities = (
  backend: Backend.BackendName,
  prepared: Plan.Prepared
): Either.Either<ReadonlyArray<Validation.Issue>, PlanError.PlanError> => {
  const result = capabilities.check(backend, prepared.spec)
  return result.errors.length > 0
    ? Either.left(new PlanError.Unsupported({ backend, issues: result.errors, warnings: [...prepared.warnings, ...result.warnings] }))
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
  options: { readonly azuremlDefaults: boolean }
): Either.Either<jobEnvironment.JobEnvironment, PlanError.PlanError> => {
  const resolved = options.azuremlDefaults ? undefined : resolvedWithoutDefaults.get(prepared)
  if (resolved !== undefined) return Either.right(resolved)
  return Either.mapLeft(
    jobEnvironment.resolve(prepared.spec, prepared.files, options),
    (issues) => new PlanError.InvalidSpec({ backend, issues: issues.map((issue) => PlanError.fromIssue(issue)), warnings: prepared.warnings })
  )
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
 * The `RunInfo` of a prepared spec.
 *
 * @internal
 */
export const runInfo = (prepared: Plan.Prepared): Plan.RunInfo => ({
  runId: prepared.runId,
  specHash: prepared.specHash,
  spec: prepared.spec,
  sourceDirectory: prepared.sourceDirectory,
  runDirectory: prepared.runDirectory,
  secrets: prepared.spec.secretEnvironmentVariables
})
