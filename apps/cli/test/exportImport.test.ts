import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import YAML from "yaml"
import { estimator, expectCleanError, fixtures, json, repoRoot, tempDirInRepo } from "./utils/cli.js"

// Real Azure ML CLI v2 job files, read-only, beside the repository (../shared).
const jobs = path.resolve(repoRoot, "../shared/azureml/examples/jobs")
if (!fs.existsSync(jobs)) {
  throw new Error(`The Azure ML example jobs are missing: expected them at ${jobs} (the shared reference folder beside the repository).`)
}
const job = (folder: string, file = "job.yml") => path.join(jobs, folder, file)

const temp = tempDirInRepo()
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }))

describe("estimator export", () => {
  it("--format json prints the spec; saved in the current directory, it loads back as the same spec", async () => {
    const cwd = path.dirname(fixtures)
    const first = await estimator(["export", "fixtures/exportable.ts", "--format", "json"], { cwd })
    expect(first.code).toBe(0)
    const spec = json(first)
    expect(spec._tag).toBe("Estimator")
    expect(spec.arguments).toEqual(["--data", { _tag: "InputRef", name: "mnist" }, "--epochs", 10, "--note", "a b"])
    // exportable.ts says "src", relative to its own folder: from test/ that is fixtures/src.
    expect(spec.sourceDirectory).toBe("fixtures/src")
    const saved = path.join(temp, "exported.json")
    fs.writeFileSync(saved, first.stdout)
    const again = await estimator(["export", saved, "--format", "json"], { cwd })
    // Read from the temp folder, its relative source directory is rewritten to name the same folder.
    expect(json(again)).toEqual({ ...spec, sourceDirectory: path.relative(cwd, path.join(temp, "fixtures/src")).split(path.sep).join("/") })
    fs.copyFileSync(saved, path.join(cwd, ".tmp-exported.json"))
    try {
      const inPlace = await estimator(["export", ".tmp-exported.json", "--format", "json"], { cwd })
      expect(json(inPlace)).toEqual(spec)
    } finally {
      fs.rmSync(path.join(cwd, ".tmp-exported.json"), { force: true })
    }
  })

  it("--format azureml-yaml prints an Azure ML command job", async () => {
    const result = await estimator(["export", "exportable.ts", "--format", "azureml-yaml"])
    expect(result.code).toBe(0)
    const document = YAML.parse(result.stdout)
    expect(document).toEqual(expect.objectContaining({
      type: "command",
      code: "src",
      command: "python train.py --data ${{inputs.mnist}} --epochs 10 --note 'a b'",
      environment: { image: "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04" },
      compute: "azureml:gpu-cluster",
      environment_variables: { MODE: "fast" },
      experiment_name: "mnist"
    }))
    expect(document.inputs.mnist.path).toBe("azureml://datastores/workspaceblobstore/paths/datasets/mnist")
  })

  it("a spec YAML cannot carry (a secret): exit 1, the field named, nothing on stdout", async () => {
    const result = await estimator(["export", "valid.ts", "--format", "azureml-yaml"])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expectCleanError(result)
    expect(result.stderr).toContain("secretEnvironmentVariables.WANDB_API_KEY")
    expect(result.stderr).toContain("export --format json instead")
  })

  it("an array export gives a JSON array", async () => {
    const result = await estimator(["export", "array.ts", "--format", "json"])
    expect(result.code).toBe(0)
    expect(json(result).map((spec: { name: string }) => spec.name)).toEqual(["small", "large"])
  })

  it("an invalid spec is not exported", async () => {
    const result = await estimator(["export", "invalid.json", "--format", "json"])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expect(result.stderr).toContain("invalid-shm-size")
  })
})

describe("estimator import --from azureml-yaml", () => {
  it("hello-code: spec JSON on stdout, warnings on stderr, code resolved from the YAML's folder", async () => {
    const result = await estimator(["import", job("cli__jobs__basics__hello-code", "hello-code.yml"), "--from", "azureml-yaml"], { cwd: temp })
    expect(result.code).toBe(0)
    const spec = json(result)
    expect(spec).toEqual(expect.objectContaining({ _tag: "Estimator", command: "ls", environment: expect.objectContaining({ image: { name: "library/python:latest" } }) }))
    // code: src, relative to the YAML; written relative to the current directory.
    expect(path.resolve(temp, spec.sourceDirectory)).toBe(path.join(jobs, "cli__jobs__basics__hello-code", "src"))
    // The file has no compute: as in Azure ML, serverless compute of the default VM size.
    expect(spec.compute).toEqual({ _tag: "Serverless" })
    expect(result.stderr).toBe("")
  })

  it("--json: one document { spec, warnings }, the warnings that would go to stderr; a refused file gives { errors, warnings } and exit 1", async () => {
    // No code key: the import warns that the YAML's folder becomes the source directory.
    const file = path.join(temp, "no-code.yml")
    fs.writeFileSync(file, "command: echo hi\nenvironment:\n  image: library/python:latest\n")
    const plain = await estimator(["import", file, "--from", "azureml-yaml"], { cwd: temp })
    expect(plain.stderr).toContain("code-missing")
    const result = await estimator(["import", file, "--from", "azureml-yaml", "--json"], { cwd: temp })
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    const document = json(result)
    expect(Object.keys(document).sort()).toEqual(["spec", "warnings"])
    expect(document.spec).toEqual(json(plain))
    expect(document.warnings.map((w: { code: string }) => w.code)).toEqual(["code-missing"])
    fs.writeFileSync(path.join(temp, "not-a-job.yml"), "type: pipeline\njobs: {}\n")
    const refused = await estimator(["import", "not-a-job.yml", "--from", "azureml-yaml", "--json"], { cwd: temp })
    expect(refused.code).toBe(1)
    const failure = json(refused)
    expect(Object.keys(failure).sort()).toEqual(["errors", "warnings"])
    expect(failure.errors.length).toBeGreaterThan(0)
  })

  it("round trip: YAML → spec → YAML → spec is the same spec and the same job", async () => {
    const original = job("cli__jobs__single-step__scikit-learn__diabetes__job")
    const imported = await estimator(["import", original, "--from", "azureml-yaml"], { cwd: temp })
    expect(imported.code).toBe(0)
    const spec = json(imported)
    expect(spec.entryScript).toBe("main.py")
    expect(spec.arguments).toEqual(["--diabetes-csv", { _tag: "InputRef", name: "diabetes_csv" }])
    fs.writeFileSync(path.join(temp, "diabetes.json"), imported.stdout)
    const exported = await estimator(["export", "diabetes.json", "--format", "azureml-yaml"], { cwd: temp })
    expect(exported.code).toBe(0)
    fs.writeFileSync(path.join(temp, "diabetes.yml"), exported.stdout)
    const reimported = await estimator(["import", "diabetes.yml", "--from", "azureml-yaml"], { cwd: temp })
    expect(reimported.code).toBe(0)
    expect(json(reimported)).toEqual(spec)
    // And the exported YAML describes the same job as the original file.
    const before = YAML.parse(fs.readFileSync(original, "utf8"))
    const after = YAML.parse(exported.stdout)
    for (const key of ["environment", "compute", "display_name", "experiment_name", "description"]) expect(after[key]).toEqual(before[key])
    expect(after.command.replace(/\s+/g, " ").trim()).toBe(before.command.replace(/\s+/g, " ").trim())
    expect(path.resolve(temp, after.code)).toBe(path.resolve(path.dirname(original), before.code))
    expect(after.inputs.diabetes_csv.path).toBe(before.inputs.diabetes_csv.path)
  })

  it("reads the YAML from standard input with -", async () => {
    const text = fs.readFileSync(job("cli__jobs__basics__hello-code", "hello-code.yml"), "utf8")
    const result = await estimator(["import", "-", "--from", "azureml-yaml"], { cwd: temp, input: text })
    expect(result.code).toBe(0)
    expect(json(result).command).toBe("ls")
  })

  it("a job kind the spec cannot express: exit 1, the key and its line", async () => {
    const result = await estimator(["import", job("cli__jobs__basics__hello-pipeline", "hello-pipeline.yml"), "--from", "azureml-yaml"])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expectCleanError(result)
    expect(result.stderr).toMatch(/type\s+\[pipeline-not-supported\]/)
  })

  it("a conda file the YAML names but that is missing: the path and how to fix it", async () => {
    const source = fs.readFileSync(job("cli__jobs__single-step__dask__nyctaxi__job"), "utf8")
    const broken = path.join(temp, "broken-conda.yml")
    fs.writeFileSync(broken, source.replace("conda_file: conda.yaml", "conda_file: missing-conda.yaml"))
    const result = await estimator(["import", broken, "--from", "azureml-yaml"])
    expect(result.code).toBe(1)
    expectCleanError(result)
    expect(result.stderr).toContain("missing-conda.yaml")
    expect(result.stderr).toContain(`relative to the YAML's folder (${temp})`)
    // With the conda file present, the same job imports.
    const ok = await estimator(["import", job("cli__jobs__single-step__dask__nyctaxi__job"), "--from", "azureml-yaml"], { cwd: temp })
    expect(ok.code).toBe(0)
    expect(json(ok).environment.condaFile).toBe("../conda.yaml")
  })

  it("a missing file", async () => {
    const result = await estimator(["import", "nope.yml", "--from", "azureml-yaml"])
    expect(result.code).toBe(1)
    expectCleanError(result)
    expect(result.stderr).toContain("nope.yml does not exist")
  })
})
