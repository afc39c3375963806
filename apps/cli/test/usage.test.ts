import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { appRoot, estimator, expectCleanError, json } from "./utils/cli.js"

describe("usage errors exit 2 with a message and a fix", () => {
  it.each([
    [["plan", "valid.ts", "--backend", "kubernetes"], '"kubernetes" is not a valid --backend', "dry-run, local, docker, azureml"],
    [["plan", "valid.ts", "--backend", "dokcer"], '"dokcer" is not a valid --backend', "Did you mean docker?"],
    [["validate", "valid.ts", "--jsn"], "unknown option --jsn", "Did you mean --json?"],
    [["plan", "valid.ts", "--colour"], "unknown option --colour", "--backend"],
    [["validate"], "missing argument <spec>", "Usage: estimator validate <spec>"],
    [["plan"], "missing argument <spec>", "Usage: estimator plan <spec>"],
    [["export", "valid.ts"], "missing option --format", "azureml-yaml|json"],
    [["import", "job.yml"], "missing option --from", "azureml-yaml|v1"],
    [["run", "valid.ts", "--backend", "dry-run"], '"dry-run" is not a valid --backend', "local, docker, azureml"],
    [["run", "valid.ts", "--workspace", "config.json"], "--workspace only applies to --backend azureml (the backend is local)", "--backend azureml"],
    [["run"], "missing argument <spec>", "Usage: estimator run <spec>"],
    [["status"], "missing argument <run-id>", "Usage: estimator status <run-id>"],
    [["logs", "abc", "--folow"], "unknown option --folow", "Did you mean --follow?"],
    [["cancel", "a", "b"], 'unexpected argument "b"', "Usage: estimator cancel <run-id>"],
    [["runs", "extra"], 'unexpected argument "extra"', "Usage: estimator runs"],
    [["plan", "valid.ts", "--backend"], "--backend needs a value", "--backend dry-run"],
    [["validate", "a.ts", "b.ts"], 'unexpected argument "b.ts"', "Usage:"],
    [["plam", "valid.ts"], 'unknown command "plam"', 'Did you mean "estimator plan"?'],
    [[], "missing command", "estimator --help"],
    [["plan", "valid.ts", "--workspace", "config.json"], "--workspace only applies to --backend azureml", "--backend azureml"],
    [["validate", "valid.ts", "--json=yes"], "--json takes no value", "--json alone"]
  ])("estimator %j", async (args, message, fix) => {
    const result = await estimator(args)
    expect(result.code).toBe(2)
    expect(result.stdout).toBe("")
    expectCleanError(result)
    expect(result.stderr).toContain(message)
    expect(result.stderr).toMatch(/fix: /)
    expect(result.stderr).toContain(fix)
  })

  it("import --from v1 of a file that does not exist fails with its name (exit 1), not a usage error", async () => {
    const result = await estimator(["import", "call.json", "--from", "v1"])
    expect(result.code).toBe(1)
    expectCleanError(result)
    expect(result.stderr).toContain("call.json does not exist")
  })
})

describe("help, version, schema", () => {
  it("--help lists every command", async () => {
    const result = await estimator(["--help"])
    expect(result.code).toBe(0)
    for (const command of ["validate", "plan", "run", "status", "logs", "cancel", "runs", "export", "import", "schema"]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, "m"))
    }
  })

  it.each(["validate", "plan", "run", "status", "logs", "cancel", "runs", "export", "import", "schema"])("%s --help shows the command's usage and options", async (command) => {
    const result = await estimator([command, "--help"])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`Usage: estimator ${command}`)
    const viaHelp = await estimator(["help", command])
    expect(viaHelp.stdout).toBe(result.stdout)
  })

  it("plan --help documents every backend and the formats", async () => {
    const result = await estimator(["plan", "-h"])
    expect(result.stdout).toContain("--backend dry-run|local|docker|azureml")
    expect(result.stdout).toContain("--format text|json")
    expect(result.stdout).toContain("--workspace FILE")
  })

  it("--version prints the package version", async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(appRoot, "package.json"), "utf8")) as { version: string }
    const result = await estimator(["--version"])
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(`${version}\n`)
  })

  it("schema prints the JSON Schema of the spec", async () => {
    const result = await estimator(["schema"])
    expect(result.code).toBe(0)
    const schema = json(result)
    expect(schema.$schema).toContain("json-schema.org")
    expect(schema.type).toBe("object")
    for (const field of ["entryScript", "sourceDirectory", "nodeCount", "environment", "distribution"]) {
      expect(schema.properties).toHaveProperty(field)
    }
  })
})
