import { Estimator } from "@estimator/core"
import { Effect, Either, Exit, Cause, Option } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type * as Backend from "../../src/Backend.js"
import * as PlanError from "../../src/PlanError.js"
import * as SwaggerCheck from "../../src/testing/SwaggerCheck.js"
import * as Testing from "../../src/Testing.js"

// -------------------------------------------------------------------------------------
// the shared swagger (../shared beside the repository clone)
// -------------------------------------------------------------------------------------

export const SWAGGER_DIRECTORY = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../../shared/azureml/rest/2024-04-01"
)

let loaded: SwaggerCheck.SwaggerCheck | undefined

/** The official Azure ML swagger; a missing copy fails the test (it is never skipped). */
export const swagger = (): SwaggerCheck.SwaggerCheck => {
  if (loaded !== undefined) return loaded
  if (!fs.existsSync(path.join(SWAGGER_DIRECTORY, "mfe.json"))) {
    throw new Error(
      `The Azure ML swagger is required by these tests: expected ${SWAGGER_DIRECTORY}/mfe.json ` +
        "(shared/azureml/rest/2024-04-01 beside the repository clone)."
    )
  }
  loaded = SwaggerCheck.load(SWAGGER_DIRECTORY)
  return loaded
}

export const WS =
  "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}"

// -------------------------------------------------------------------------------------
// a project on an in-memory file system
// -------------------------------------------------------------------------------------

export const BASE = "/project"
export const RUN_ID = "run-1"
export const RUN_DIRECTORY = `${BASE}/.estimator/runs/${RUN_ID}`

export const CONDA_YML = "name: project\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.10\n  - pip\n  - pip:\n    - numpy==1.26.4\n"
export const REQUIREMENTS_TXT = "requests==2.31.0\n"
export const DOCKERFILE = "FROM python:3.11-slim\nRUN pip install torch\n"

const projectFiles = (): Record<string, string> => {
  const files: Record<string, string> = {
    [`${BASE}/src/train.py`]: "print('train')\n",
    [`${BASE}/data/mnist/train.csv`]: "1,2\n",
    [`${BASE}/data/labels.csv`]: "a\n"
  }
  for (const dir of [BASE, `${BASE}/src`, `${BASE}/project/code`]) {
    files[`${dir}/${Testing.arbitraries.CONDA_FILE}`] = CONDA_YML
    files[`${dir}/${Testing.arbitraries.REQUIREMENTS_FILE}`] = REQUIREMENTS_TXT
    files[`${dir}/docker/Dockerfile`] = DOCKERFILE
    files[`${dir}/docker/Dockerfile.gpu`] = DOCKERFILE
    files[`${dir}/docker/requirements.txt`] = "torch\n"
  }
  return files
}

/** The project's files; with `assumeExists`, every other path exists too (for generated specs). */
export const project = (options: { readonly assumeExists?: boolean; readonly files?: Record<string, string> } = {}) =>
  Testing.fileSystem({ files: { ...projectFiles(), ...options.files }, assumeExists: options.assumeExists ?? false })

export const context = (overrides: Partial<Backend.PlanContext> = {}): Backend.PlanContext => ({
  baseDirectory: BASE,
  runId: Effect.succeed(RUN_ID),
  imageExists: () => Effect.succeed(false),
  ...overrides
})

/** `train.py` in `src`, everything else default. */
export const base = (): Estimator.Estimator => Estimator.make({ entryScript: "train.py", sourceDirectory: "src" })

// -------------------------------------------------------------------------------------
// results
// -------------------------------------------------------------------------------------

/** The plan error of a plan that must fail, or a test failure naming what came out instead. */
export const expectPlanError = <A, R>(effect: Effect.Effect<A, PlanError.PlanError, R>): Effect.Effect<PlanError.PlanError, never, R> =>
  Effect.flatMap(Effect.either(effect), (result) =>
    Either.isLeft(result)
      ? Effect.succeed(result.left)
      : Effect.dieMessage(`expected a plan error, got a plan: ${JSON.stringify(result.right).slice(0, 400)}`))

/** The plan of a plan that must succeed, or a test failure with the error's message. */
export const expectPlan = <A, R>(effect: Effect.Effect<A, PlanError.PlanError, R>): Effect.Effect<A, never, R> =>
  Effect.catchAll(effect, (error) => Effect.dieMessage(`expected a plan, got ${error._tag}:\n${error.message}`))

/**
 * What an effect ended with: a value, a typed plan error, or anything else (a defect, an
 * interruption, another failure) — which totality forbids.
 */
export const outcome = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<"plan" | "plan-error" | string, never, R> =>
  Effect.map(Effect.exit(effect), (exit) => {
    if (Exit.isSuccess(exit)) return "plan"
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure) && PlanError.isPlanError(failure.value) && Cause.isFailType(exit.cause)) return "plan-error"
    return `not total: ${Cause.pretty(exit.cause)}`
  })

// -------------------------------------------------------------------------------------
// a POSIX sh word splitter, to read the Azure ML command back
// -------------------------------------------------------------------------------------

/**
 * Splits a command line into words as POSIX sh does (quote removal included): blanks separate
 * words; `'...'` is literal; `"..."` is literal except `\` before `$`, `` ` ``, `"`, `\` and a
 * newline; an unquoted `\` quotes the next character (and drops a line continuation). Returns each
 * word's value and whether it is an assignment (`NAME=...` with an unquoted name).
 * Expansions (`$x`, `${{...}}`) are left as text: Azure ML replaces `${{...}}` before a shell runs.
 */
export const shellWords = (line: string): ReadonlyArray<{ readonly value: string; readonly assignment: boolean }> => {
  const words: Array<{ value: string; assignment: boolean }> = []
  let value = ""
  let raw = ""
  let inWord = false
  const finish = () => {
    if (inWord) words.push({ value, assignment: /^[A-Za-z_][A-Za-z0-9_]*=/.test(raw) })
    value = ""
    raw = ""
    inWord = false
  }
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string
    if (c === " " || c === "\t" || c === "\n") {
      finish()
      continue
    }
    inWord = true
    if (c === "'") {
      const end = line.indexOf("'", i + 1)
      if (end === -1) throw new Error(`unterminated single quote in ${JSON.stringify(line)}`)
      value += line.slice(i + 1, end)
      raw += "'"
      i = end
    } else if (c === "\"") {
      raw += "\""
      let j = i + 1
      for (; j < line.length && line[j] !== "\""; j++) {
        const d = line[j] as string
        if (d === "\\" && j + 1 < line.length && "$`\"\\\n".includes(line[j + 1] as string)) {
          if (line[j + 1] !== "\n") value += line[j + 1]
          j++
        } else {
          value += d
        }
      }
      if (j >= line.length) throw new Error(`unterminated double quote in ${JSON.stringify(line)}`)
      i = j
    } else if (c === "\\") {
      const next = line[i + 1]
      if (next === undefined) throw new Error("trailing backslash")
      if (next !== "\n") value += next
      raw += "\\"
      i++
    } else {
      value += c
      raw += c
    }
  }
  finish()
  return words
}

/** The argv a shell runs for a simple command: the words after the leading assignments. */
export const argvOf = (line: string): ReadonlyArray<string> => {
  const words = shellWords(line)
  const first = words.findIndex((word) => !word.assignment)
  return (first === -1 ? [] : words.slice(first)).map((word) => word.value)
}

/** The assignments in front of a simple command, as `NAME=value`. */
export const assignmentsOf = (line: string): ReadonlyArray<string> => {
  const words = shellWords(line)
  const first = words.findIndex((word) => !word.assignment)
  return (first === -1 ? words : words.slice(0, first)).map((word) => word.value)
}
