import { spawn } from "node:child_process"
import { describe, expect, it } from "vitest"
import { bin, fixtures, type Result } from "./utils/cli.js"

/** Run the command on a pseudo-terminal with util-linux `script`, so standard output is a TTY. */
const onTerminal = (args: ReadonlyArray<string>, env: { readonly [name: string]: string } = {}): Promise<Result> =>
  new Promise((resolve, reject) => {
    const command = [process.execPath, bin, ...args].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(" ")
    const childEnv: Record<string, string | undefined> = { ...process.env, ...env }
    if (env["NO_COLOR"] === undefined) delete childEnv["NO_COLOR"]
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: fixtures, env: childEnv })
    let stdout = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.on("error", (error) => reject(new Error(`util-linux "script" is needed to run the command on a terminal: ${error.message}`)))
    child.on("close", (code) => resolve({ code, stdout, stderr: "" }))
  })

describe("colour on a terminal", () => {
  it("human output is coloured on a terminal", async () => {
    const result = await onTerminal(["validate", "invalid.json"])
    expect(result.code).toBe(1)
    expect(result.stdout).toContain("\u001b[31m")
  })

  it("NO_COLOR turns colour off, even on a terminal", async () => {
    const result = await onTerminal(["validate", "invalid.json"], { NO_COLOR: "1" })
    expect(result.stdout).toContain("invalid.json is invalid: 4 errors")
    expect(result.stdout).not.toContain("\u001b[")
  })

  it("--json is never coloured", async () => {
    const result = await onTerminal(["validate", "invalid.json", "--json"])
    expect(result.stdout).toContain("\"not-positive-integer\"")
    expect(result.stdout).not.toContain("\u001b[")
  })
})
