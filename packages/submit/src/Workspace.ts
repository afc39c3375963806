/**
 * Which Azure ML workspace the `azureml` backend talks to, from one of three sources:
 *
 * 1. **`--workspace FILE`**: a `config.json` as Azure ML writes it (the portal's "download
 *    config.json", `Workspace.write_config()`): `{ "subscription_id", "resource_group",
 *    "workspace_name" }`. When given, it is the only source.
 * 2. **Environment variables** {@link VARIABLES}: `AZUREML_SUBSCRIPTION_ID`,
 *    `AZUREML_RESOURCE_GROUP`, `AZUREML_WORKSPACE_NAME`. Each one set overrides the same field of
 *    a discovered `config.json`.
 * 3. **A discovered `config.json`**: looked for as the Azure ML SDK does, in the current
 *    directory, then its `.azureml/` folder, then each parent directory (and its `.azureml/`).
 *
 * A missing or partial workspace is ONE error ({@link WorkspaceMissing}) listing exactly which
 * fields are missing, where they were looked for, and the three ways to provide them.
 *
 * `resolveWorkspace` is pure (it is given what each source holds); `load` reads the sources.
 *
 * @since 0.1.0
 */
import { FileSystem } from "@effect/platform"
import { Data, Effect, Either } from "effect"
import * as path from "node:path"
import type * as Backend from "./Backend.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The fields of a workspace, by their `config.json` names.
 *
 * @category models
 * @since 0.1.0
 */
export type Field = "subscription_id" | "resource_group" | "workspace_name"

/**
 * Every field, in order.
 *
 * @category models
 * @since 0.1.0
 */
export const fields: ReadonlyArray<Field> = ["subscription_id", "resource_group", "workspace_name"]

/**
 * The environment variable of each field.
 *
 * @category models
 * @since 0.1.0
 */
export const VARIABLES: { readonly [F in Field]: string } = {
  subscription_id: "AZUREML_SUBSCRIPTION_ID",
  resource_group: "AZUREML_RESOURCE_GROUP",
  workspace_name: "AZUREML_WORKSPACE_NAME"
}

const MODEL_FIELD: { readonly [F in Field]: keyof Backend.Workspace } = {
  subscription_id: "subscriptionId",
  resource_group: "resourceGroup",
  workspace_name: "workspaceName"
}

/**
 * A `config.json` that was read: where, and its text (or why it could not be read).
 *
 * @category models
 * @since 0.1.0
 */
export interface ConfigFile {
  readonly path: string
  readonly content: { readonly _tag: "Text"; readonly text: string } | { readonly _tag: "Unreadable"; readonly reason: string }
}

/**
 * What each source holds: the `--workspace` file (when given), the environment, the discovered
 * `config.json` (when one was found) and the directories searched for it.
 *
 * @category models
 * @since 0.1.0
 */
export interface Sources {
  readonly file?: ConfigFile
  readonly environment: { readonly [name: string]: string | undefined }
  readonly discovered?: ConfigFile
  readonly searched: ReadonlyArray<string>
}

/**
 * A resolved workspace and where each field came from.
 *
 * @category models
 * @since 0.1.0
 */
export interface Resolved {
  readonly workspace: Backend.Workspace
  readonly origins: { readonly [F in Field]: string }
}

// -------------------------------------------------------------------------------------
// errors
// -------------------------------------------------------------------------------------

/**
 * The workspace is missing or incomplete: which fields, what was looked at, and how to provide it.
 *
 * @category errors
 * @since 0.1.0
 */
export class WorkspaceMissing extends Data.TaggedError("WorkspaceMissing")<{
  readonly missing: ReadonlyArray<Field>
  /** Problems with what was found (an unreadable or invalid config.json, a blank value). */
  readonly problems: ReadonlyArray<string>
  /** What was consulted, in words. */
  readonly consulted: ReadonlyArray<string>
}> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    const missing = this.missing.length === 0
      ? "The Azure ML workspace cannot be used"
      : `The Azure ML workspace is ${this.missing.length === fields.length ? "not configured" : "incomplete"}: missing ${this.missing.join(", ")}`
    const problems = this.problems.length === 0 ? "" : ` Problems: ${this.problems.join("; ")}.`
    const consulted = this.consulted.length === 0 ? "" : ` Looked at: ${this.consulted.join("; ")}.`
    return `${missing}.${problems}${consulted} Provide it in one of three ways: ${howTo}`
  }
}

const howTo =
  "(1) --workspace FILE with a config.json {\"subscription_id\": \"...\", \"resource_group\": \"...\", \"workspace_name\": \"...\"} (download it from the workspace's overview page in the Azure portal); " +
  `(2) the environment variables ${fields.map((field) => VARIABLES[field]).join(", ")}; ` +
  "(3) a config.json in the current directory, its .azureml/ folder, or a parent directory."

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

type Parsed = { readonly values: Partial<Record<Field, string>>; readonly problems: ReadonlyArray<string> }

const parseConfig = (file: ConfigFile): Parsed => {
  if (file.content._tag === "Unreadable") return { values: {}, problems: [`${file.path} cannot be read (${file.content.reason})`] }
  let value: unknown
  try {
    value = JSON.parse(file.content.text)
  } catch (error) {
    return { values: {}, problems: [`${file.path} is not valid JSON (${error instanceof Error ? error.message : String(error)})`] }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { values: {}, problems: [`${file.path} is not a JSON object`] }
  }
  const record = value as { readonly [key: string]: unknown }
  const values: Partial<Record<Field, string>> = {}
  const problems: Array<string> = []
  for (const field of fields) {
    const raw = record[field] ?? record[MODEL_FIELD[field]]
    if (raw === undefined) continue
    if (typeof raw === "string" && raw.trim() !== "") values[field] = raw.trim()
    else problems.push(`${field} in ${file.path} is not a non-empty string`)
  }
  return { values, problems }
}

/**
 * The workspace from its sources (see the module comment for the order), or one error listing
 * every missing field and the ways to provide it. Pure.
 *
 * @category constructors
 * @since 0.1.0
 */
export const resolveWorkspace = (sources: Sources): Either.Either<Resolved, WorkspaceMissing> => {
  const values: Partial<Record<Field, string>> = {}
  const origins: Partial<Record<Field, string>> = {}
  const problems: Array<string> = []
  const consulted: Array<string> = []
  if (sources.file !== undefined) {
    consulted.push(`--workspace ${sources.file.path}`)
    const parsed = parseConfig(sources.file)
    problems.push(...parsed.problems)
    for (const field of fields) {
      const value = parsed.values[field]
      if (value !== undefined) {
        values[field] = value
        origins[field] = sources.file.path
      }
    }
  } else {
    if (sources.discovered !== undefined) {
      consulted.push(`config.json found at ${sources.discovered.path}`)
      const parsed = parseConfig(sources.discovered)
      problems.push(...parsed.problems)
      for (const field of fields) {
        const value = parsed.values[field]
        if (value !== undefined) {
          values[field] = value
          origins[field] = sources.discovered.path
        }
      }
    } else if (sources.searched.length > 0) {
      consulted.push(`no config.json in ${sources.searched.join(", ")}`)
    }
    const set = fields.filter((field) => sources.environment[VARIABLES[field]] !== undefined)
    consulted.push(set.length === 0 ? `none of ${fields.map((field) => VARIABLES[field]).join(", ")} is set` : `${set.map((field) => VARIABLES[field]).join(", ")} set`)
    for (const field of set) {
      const value = (sources.environment[VARIABLES[field]] ?? "").trim()
      if (value === "") {
        problems.push(`${VARIABLES[field]} is empty`)
        continue
      }
      values[field] = value
      origins[field] = `$${VARIABLES[field]}`
    }
  }
  const missing = fields.filter((field) => values[field] === undefined)
  if (missing.length > 0) return Either.left(new WorkspaceMissing({ missing, problems, consulted }))
  return Either.right({
    workspace: {
      subscriptionId: values.subscription_id ?? "",
      resourceGroup: values.resource_group ?? "",
      workspaceName: values.workspace_name ?? ""
    },
    origins: origins as { readonly [F in Field]: string }
  })
}

/**
 * Where a `config.json` is looked for from `cwd`: `cwd/config.json`, `cwd/.azureml/config.json`,
 * then the same in each parent up to the root.
 *
 * @category constructors
 * @since 0.1.0
 */
export const candidates = (cwd: string): ReadonlyArray<string> => {
  const result: Array<string> = []
  let directory = path.resolve(cwd)
  for (;;) {
    result.push(path.join(directory, "config.json"), path.join(directory, ".azureml", "config.json"))
    const parent = path.dirname(directory)
    if (parent === directory) return result
    directory = parent
  }
}

/**
 * Options of {@link load}.
 *
 * @category models
 * @since 0.1.0
 */
export interface LoadOptions {
  /** `--workspace FILE` (relative to `cwd`). */
  readonly file?: string
  /** Where the search for `config.json` starts (default the current directory). */
  readonly cwd?: string
  /** Default `process.env`. */
  readonly environment?: { readonly [name: string]: string | undefined }
}

const describe = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "message" in cause ? String((cause as { message: unknown }).message) : String(cause)

/**
 * Reads the sources and resolves the workspace.
 *
 * @example
 * const { workspace } = yield* Workspace.load({ file: args.workspace })
 *
 * @category constructors
 * @since 0.1.0
 */
export const load = (options: LoadOptions = {}): Effect.Effect<Resolved, WorkspaceMissing, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const cwd = path.resolve(options.cwd ?? process.cwd())
    const read = (at: string): Effect.Effect<ConfigFile> =>
      Effect.match(fs.readFileString(at), {
        onFailure: (error) => ({
          path: at,
          content: {
            _tag: "Unreadable" as const,
            reason: error._tag === "SystemError" && error.reason === "NotFound" ? "it does not exist" : describe(error)
          }
        }),
        onSuccess: (text) => ({ path: at, content: { _tag: "Text" as const, text } })
      })
    const environment = options.environment ?? process.env
    if (options.file !== undefined) {
      const file = yield* read(path.resolve(cwd, options.file))
      return yield* resolveWorkspace({ file, environment, searched: [] })
    }
    const searched = candidates(cwd)
    let discovered: ConfigFile | undefined
    for (const at of searched) {
      const exists = yield* Effect.orElseSucceed(fs.exists(at), () => false)
      if (exists) {
        discovered = yield* read(at)
        break
      }
    }
    const searchedDirectories = [cwd, `${path.join(cwd, ".azureml")}`, "parents"]
    return yield* resolveWorkspace({
      environment,
      ...(discovered === undefined ? {} : { discovered }),
      searched: searchedDirectories
    })
  })
