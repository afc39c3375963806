import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { appRoot, estimator, expectCleanError, fixtures, json, repoRoot, tempDirInRepo } from "./utils/cli.js"

const temp = tempDirInRepo()
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }))

const write = (name: string, content: string): string => {
  const file = path.join(temp, name)
  fs.writeFileSync(file, content)
  return file
}

/** The spec as the command read it, through `export --format json` (the source directory relative to `cwd`). */
const exported = async (spec: string, cwd = fixtures) => {
  const result = await estimator(["export", spec, "--format", "json"], { cwd })
  expect(result.stderr).toBe("")
  expect(result.code).toBe(0)
  return json(result)
}

describe("spec loading", () => {
  it("loads a .ts module that imports @estimator/core, fp-ts and a relative .ts file", async () => {
    const spec = await exported("valid.ts")
    expect(spec._tag).toBe("Estimator")
    expect(spec.entryScript).toBe("train.py")
    // EPOCHS comes from ./helper.ts
    expect(spec.arguments).toEqual(["--epochs", 10])
  })

  it("loads a .ts module that uses a framework preset from @estimator/frameworks", async () => {
    const result = await estimator(["plan", "chainer.ts", "--backend", "azureml", "--format", "json"])
    expect(result.code).toBe(0)
    const requests = json(result).requests as ReadonlyArray<{ path: string; body: { properties: Record<string, any> } }>
    const job = requests.find((r) => /\/jobs\/[^/]+$/.test(r.path))!.body.properties
    expect(job.distribution).toEqual({ distributionType: "Mpi", processCountPerInstance: 2 })
    expect(job.resources.instanceCount).toBe(2)
    // chainer("7.0.0") brings the Chainer packages into the environment Azure ML builds.
    const environment = requests.find((r) => r.path.includes("/environments/"))!.body.properties
    expect(environment.condaFile).toContain("chainer==7.0.0")
  })

  it("loads a .mjs module", async () => {
    expect((await exported("valid.mjs")).arguments).toEqual(["--lr", 0.5])
  })

  it("loads .json and .yaml spec files", async () => {
    expect((await exported("valid.json")).arguments).toEqual(["--epochs", 10])
    expect((await exported("valid.yaml")).arguments).toEqual(["--from-yaml", true])
  })

  it("reads JSON from standard input with -", async () => {
    const input = fs.readFileSync(path.join(fixtures, "valid.json"), "utf8")
    const result = await estimator(["export", "-", "--format", "json"], { input })
    expect(result.code).toBe(0)
    expect(json(result)).toEqual(JSON.parse(input))
  })

  it("resolves sourceDirectory against the spec file's folder, whatever the current directory", async () => {
    // valid.json says sourceDirectory "src": that is fixtures/src, also when run from the repo root.
    const fromRoot = await exported(path.join(fixtures, "valid.json"), repoRoot)
    expect(fromRoot.sourceDirectory).toBe(path.relative(repoRoot, path.join(fixtures, "src")).split(path.sep).join("/"))
    const fromApp = await exported("test/fixtures/valid.ts", appRoot)
    expect(fromApp.sourceDirectory).toBe("test/fixtures/src")
    const fromFixtures = await exported("valid.yaml")
    expect(fromFixtures.sourceDirectory).toBe("src")
  })

  it("keeps --json output one document when a module logs while loading", async () => {
    const result = await estimator(["validate", "noisy.mjs", "--json"])
    expect(result.code).toBe(0)
    expect(json(result).valid).toBe(true)
    expect(result.stderr).toContain("loading the noisy spec")
  })

  it("loads a .ts spec written to a fresh folder inside the repository", async () => {
    const file = write("job.mts", `import { Estimator } from "@estimator/core"\nexport default Estimator.withGpu(Estimator.make({ command: "nvidia-smi" }))\n`)
    const spec = await exported(file)
    expect(spec.command).toBe("nvidia-smi")
    expect(spec.gpu).toBe(true)
  })
})

describe("spec loading failures", () => {
  it("a missing file: exit 1, names the file", async () => {
    const result = await estimator(["plan", "nowhere.ts"])
    expect(result.code).toBe(1)
    expectCleanError(result)
    expect(result.stderr).toContain("nowhere.ts does not exist")
  })

  it("a module that throws: its message and where it threw, no stack trace", async () => {
    const result = await estimator(["validate", "throws.ts"])
    expect(result.code).toBe(1)
    expectCleanError(result)
    expect(result.stderr).toContain("DATASET_ROOT is not set")
    expect(result.stderr).toContain("throws.ts:4:")
  })

  it("a module with a syntax error: the location, no stack trace", async () => {
    const file = write("broken.ts", "export default {{{\n")
    const result = await estimator(["validate", file])
    expect(result.code).toBe(1)
    expectCleanError(result)
    expect(result.stderr).toContain("broken.ts:1:")
  })

  it("a module importing a package that is not installed", async () => {
    const result = await estimator(["validate", "missing-package.ts"])
    expect(result.code).toBe(1)
    expectCleanError(result)
    expect(result.stderr).toContain("@estimator/does-not-exist")
    expect(result.stderr).toContain("npm install")
  })

  it("a default export that is not an Estimator", async () => {
    const object = await estimator(["validate", "not-estimator.mjs"])
    expect(object.code).toBe(1)
    expectCleanError(object)
    expect(object.stderr).toContain("the default export is an object, not an Estimator")
    const number = await estimator(["validate", "not-estimator-number.ts"])
    expect(number.code).toBe(1)
    expect(number.stderr).toContain("number 42")
    const array = write("mixed.mjs", `import { Estimator } from "@estimator/core"\nexport default [Estimator.make({ entryScript: "a.py" }), "b.py"]\n`)
    const mixed = await estimator(["validate", array])
    expect(mixed.code).toBe(1)
    expect(mixed.stderr).toContain("elements [1] of the default export are not Estimators")
  })

  it("no default export: names the exports that are Estimators", async () => {
    const result = await estimator(["validate", "no-default.mjs"])
    expect(result.code).toBe(1)
    expectCleanError(result)
    expect(result.stderr).toContain("has no default export")
    expect(result.stderr).toContain("export default job")
  })

  it("a decode error: every error with its path (plan refuses to plan it)", async () => {
    const result = await estimator(["plan", "decode-error.json"])
    expect(result.code).toBe(1)
    expectCleanError(result)
    for (const line of [
      "decode-error.json: nodeCount: expected a finite number",
      "decode-error.json: gpu: missing required field",
      "decode-error.json: environment.pipPackages[1]: expected string",
      "decode-error.json: colour: unknown field"
    ]) expect(result.stderr).toContain(line)
    expect(result.stderr).toContain("4 problems")
  })

  it("a decode error inside a module's object (a hand-built Estimator)", async () => {
    const file = write("handmade.mjs", `import { Estimator } from "@estimator/core"\nexport default { ...Estimator.make({ entryScript: "a.py" }), nodeCount: "2" }\n`)
    const result = await estimator(["validate", file, "--json"])
    expect(result.code).toBe(1)
    expect(json(result).issues).toEqual([expect.objectContaining({ path: "nodeCount", code: "wrong-type" })])
  })

  it("malformed JSON and YAML: line and column", async () => {
    const badJson = await estimator(["validate", "syntax-error.json"])
    expect(badJson.code).toBe(1)
    expectCleanError(badJson)
    expect(badJson.stderr).toContain("line 2, column 20")
    const badYaml = await estimator(["validate", "syntax-error.yaml"])
    expect(badYaml.code).toBe(1)
    expectCleanError(badYaml)
    expect(badYaml.stderr).toMatch(/line \d+, column \d+/)
  })

  it("an unknown extension, a directory, empty standard input", async () => {
    const txt = await estimator(["validate", "spec.txt"])
    expect(txt.code).toBe(1)
    expect(txt.stderr).toContain("unknown extension")
    const directory = await estimator(["validate", "src"])
    expect(directory.code).toBe(1)
    expect(directory.stderr).toContain("is a directory")
    const empty = await estimator(["validate", "-"], { input: "" })
    expect(empty.code).toBe(1)
    expect(empty.stderr).toContain("standard input is empty")
    for (const r of [txt, directory, empty]) expectCleanError(r)
  })
})
