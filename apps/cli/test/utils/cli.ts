/**
 * Runs the real, built `estimator` binary (`node apps/cli/bin/estimator.js ...`) in a child
 * process and collects its exit code and output. Build first: `npx tsc -b apps/cli`.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { expect } from "vitest"

/** apps/cli */
export const appRoot = fileURLToPath(new URL("../..", import.meta.url))
/** The repository root. */
export const repoRoot = path.resolve(appRoot, "../..")
export const bin = path.join(appRoot, "bin", "estimator.js")
export const fixtures = path.join(appRoot, "test", "fixtures")

if (!fs.existsSync(path.join(appRoot, "dist", "main.js"))) {
  throw new Error(`${path.join(appRoot, "dist", "main.js")} is missing: build the CLI first (cd ${repoRoot} && npx tsc -b apps/cli/tsconfig.json)`)
}

export interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface RunOptions {
  readonly cwd?: string
  readonly input?: string
  readonly env?: { readonly [name: string]: string | undefined }
}

/** Run `estimator <args>`; standard input is `input` (empty and closed when absent). */
export const estimator = (args: ReadonlyArray<string>, options: RunOptions = {}): Promise<Result> =>
  new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, ...options.env }
    delete env["FORCE_COLOR"]
    const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? fixtures, env, stdio: ["pipe", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.input ?? "")
  })

/** A failure for the user: no stack trace, no Effect internals, a message and a fix. */
export const expectCleanError = (result: Result): void => {
  expect(result.stderr).toMatch(/^error: /m)
  expect(result.stderr).not.toMatch(/^\s+at /m)
  expect(result.stderr).not.toMatch(/node:internal|FiberFailure|\[Symbol|\.js:\d+:\d+\)/)
}

/** Parse standard output as exactly one JSON document. */
export const json = (result: Result): any => JSON.parse(result.stdout)

/** A fresh directory inside the repository (so spec modules resolve @estimator/core), removed by the caller. */
export const tempDirInRepo = (): string => fs.mkdtempSync(path.join(appRoot, "test", ".tmp-"))
