import { describe, expect, it } from "vitest"
import { estimator, expectCleanError, json } from "./utils/cli.js"

describe("estimator validate", () => {
  it("accepts a valid TypeScript spec with exit code 0", async () => {
    const result = await estimator(["validate", "valid.ts"])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("valid.ts is valid")
    expect(result.stderr).toBe("")
  })

  it("lists every issue of an invalid spec, each with path, code, message and fix, and exits 1", async () => {
    const result = await estimator(["validate", "invalid.json"])
    expect(result.code).toBe(1)
    // invalid.json breaks four independent rules: all four are reported in one run.
    for (const [path, code] of <ReadonlyArray<readonly [string, string]>>[
      ["nodeCount", "not-positive-integer"],
      ["shmSize", "invalid-shm-size"],
      ["environmentVariables.1BAD", "invalid-env-name"],
      ["name", "invalid-job-name"]
    ]) {
      expect(result.stdout).toMatch(new RegExp(`error\\s+${path.replace(/\./g, "\\.")}\\s+\\[${code}\\]`))
    }
    expect(result.stdout).toContain("4 errors")
    expect(result.stdout.match(/fix: /g)?.length).toBe(4)
  })

  it("--json prints one document with every issue", async () => {
    const result = await estimator(["validate", "invalid.json", "--json"])
    expect(result.code).toBe(1)
    const document = json(result)
    expect(document.valid).toBe(false)
    expect(document.errors).toBe(4)
    expect(document.issues.map((i: { code: string }) => i.code).sort()).toEqual(
      ["invalid-env-name", "invalid-job-name", "invalid-shm-size", "not-positive-integer"]
    )
    for (const issue of document.issues) {
      expect(issue).toEqual(expect.objectContaining({ path: expect.any(String), message: expect.any(String), hint: expect.any(String), severity: "error" }))
    }
  })

  it("prints warnings but still exits 0", async () => {
    const result = await estimator(["validate", "warning.json"])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("is valid (1 warning)")
    expect(result.stdout).toContain("framework-version-defaulted")
    const document = json(await estimator(["validate", "warning.json", "--json"]))
    expect(document).toEqual(expect.objectContaining({ valid: true, errors: 0, warnings: 1 }))
  })

  it("reports decode errors as issues with their paths", async () => {
    const result = await estimator(["validate", "decode-error.json", "--json"])
    expect(result.code).toBe(1)
    const issues = json(result).issues as ReadonlyArray<{ path: string; code: string }>
    expect(issues.map((i) => [i.path, i.code])).toEqual(expect.arrayContaining([
      ["nodeCount", "wrong-type"],
      ["gpu", "missing-field"],
      ["environment.pipPackages[1]", "wrong-type"],
      ["colour", "unknown-field"]
    ]))
  })

  it("validates each spec of an array export; --json is then an array", async () => {
    const result = await estimator(["validate", "array-invalid.ts", "--json"])
    expect(result.code).toBe(1)
    const documents = json(result)
    expect(Array.isArray(documents)).toBe(true)
    expect(documents.map((d: { spec: string; valid: boolean }) => [d.spec, d.valid])).toEqual([
      ["array-invalid.ts[0]", true],
      ["array-invalid.ts[1]", false]
    ])
    const ok = await estimator(["validate", "array.ts"])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain("array.ts[0] is valid")
    expect(ok.stdout).toContain("array.ts[1] is valid")
  })

  it("does not use colour when standard output is not a terminal", async () => {
    const result = await estimator(["validate", "invalid.json"])
    expect(result.stdout).not.toContain("\u001b[")
  })

  it("fails cleanly on a missing file", async () => {
    const result = await estimator(["validate", "missing.json", "--json"])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expectCleanError(result)
    expect(result.stderr).toContain("missing.json does not exist")
  })
})
