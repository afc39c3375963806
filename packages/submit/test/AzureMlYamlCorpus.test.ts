import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Validation } from "@estimator/core"
import * as FpEither from "fp-ts/lib/Either.js"
import { describe, expect, it } from "vitest"
import * as Yaml from "yaml"
import { Effect, Either } from "effect"
import * as AzureMl from "../src/AzureMl.js"
import * as AzureMlYaml from "../src/AzureMlYaml.js"
import * as SwaggerCheck from "../src/testing/SwaggerCheck.js"
import * as Testing from "../src/Testing.js"
import { swagger } from "./utils/planning.js"

// The real job YAMLs are shared test data beside the clone: /work/main -> /work/shared.
const corpusDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../shared/azureml/examples/jobs")

interface CorpusFile {
  readonly file: string
  readonly role: string
}

interface CorpusEntry {
  readonly id: string
  readonly yaml_file: string
  readonly kind: "command" | "sweep" | "pipeline"
  readonly features: ReadonlyArray<string>
  readonly files: ReadonlyArray<CorpusFile>
}

const loadIndex = (): ReadonlyArray<CorpusEntry> | undefined => {
  const indexFile = path.join(corpusDirectory, "index.json")
  if (!fs.existsSync(indexFile)) return undefined
  return (JSON.parse(fs.readFileSync(indexFile, "utf8")) as { entries: ReadonlyArray<CorpusEntry> }).entries
}

const entries = loadIndex()

/**
 * The only keys a command job of the corpus may be refused for, and why the spec leaves them out.
 */
const ALLOWED_UNSUPPORTED: { readonly [key: string]: string } = {
  services: "interactive services (JupyterLab, VS Code, TensorBoard) are a property of a run on Azure ML, not of the job description"
}

/** Each job is read as if its folder were `examples/jobs/<id>`, so that paths leaving `code` stay expressible. */
const baseDirectoryOf = (entry: CorpusEntry): string => `examples/jobs/${entry.id}`

const readJob = (entry: CorpusEntry) => {
  const folder = path.join(corpusDirectory, entry.id)
  const text = fs.readFileSync(path.join(folder, entry.yaml_file), "utf8")
  const files = Object.fromEntries(
    entry.files
      .filter((file) => file.role !== "job yaml")
      .map((file) => [file.file, fs.readFileSync(path.join(folder, file.file), "utf8")])
  )
  return { text, files, result: AzureMlYaml.fromYaml(text, { files, baseDirectory: baseDirectoryOf(entry) }) }
}

describe("the Azure ML example jobs", () => {
  it("has the shared test data", () => {
    if (entries === undefined) {
      throw new Error(
        `The shared Azure ML example jobs are required by these tests: expected ${corpusDirectory}/index.json ` +
          "(the folder shared/azureml/examples/jobs beside the repository clone, i.e. ../shared from /work/main)."
      )
    }
    expect(entries.length).toBeGreaterThan(0)
  })

  for (const entry of entries ?? []) {
    it(`${entry.kind} ${entry.id}`, () => {
      const { text, result } = readJob(entry)
      const declaredType = (Yaml.parse(text) as { type?: unknown }).type ?? "command"
      expect(declaredType).toBe(entry.kind)

      if (entry.kind !== "command") {
        expect(FpEither.isLeft(result)).toBe(true)
        if (FpEither.isLeft(result)) {
          expect(result.left.map((issue) => issue.code)).toEqual([`${entry.kind}-not-supported`])
        }
        return
      }

      if (FpEither.isLeft(result)) {
        const unexpected = result.left.filter((issue) => issue.code !== "unsupported-key" || !(issue.path in ALLOWED_UNSUPPORTED))
        expect(unexpected, `only allowed unsupported keys may refuse ${entry.id}`).toEqual([])
        for (const issue of result.left) expect(entry.features).toContain(issue.path)
        return
      }

      const { spec, warnings } = result.right
      // Validation must pass; the imported command jobs have real compute names (the two placeholder
      // computes of the corpus belong to jobs refused for `services`).
      expect(Validation.errors(Validation.validate(spec)).map(Validation.format)).toEqual([])

      // The warnings follow from what the YAML leaves out, as the index records it.
      // No compute means serverless compute, as on Azure ML.
      if (!entry.features.includes("compute")) expect(spec.compute._tag).toBe("Serverless")
      expect(warnings.some((warning) => warning.code === "code-missing")).toBe(!entry.features.includes("code"))

      const exported = AzureMlYaml.toYaml(spec, { baseDirectory: baseDirectoryOf(entry) })
      if (FpEither.isLeft(exported)) throw new Error(`export failed: ${JSON.stringify(exported.left, null, 2)}`)
      const back = AzureMlYaml.fromYaml(exported.right, { baseDirectory: baseDirectoryOf(entry) })
      expect(FpEither.isRight(back) ? back.right.spec : back.left).toEqual(spec)
    })
  }

  it("imports every command job except those with an allowed unsupported key, and refuses sweeps and pipelines", () => {
    const all = entries ?? []
    let imported = 0
    let refusedUnsupported = 0
    let refusedKind = 0
    for (const entry of all) {
      const { result } = readJob(entry)
      if (FpEither.isRight(result)) imported++
      else if (entry.kind === "command") refusedUnsupported++
      else refusedKind++
    }
    const sweeps = all.filter((entry) => entry.kind === "sweep").length
    const pipelines = all.filter((entry) => entry.kind === "pipeline").length
    console.log(
      `Azure ML example jobs: ${all.length} in all — ${imported} imported, ${refusedUnsupported} refused for an unsupported key ` +
        `(${Object.keys(ALLOWED_UNSUPPORTED).join(", ")}), ${refusedKind} refused as sweeps (${sweeps}) or pipelines (${pipelines}).`
    )
    const commandJobs = all.filter((entry) => entry.kind === "command")
    const withAllowedKey = commandJobs.filter((entry) => Object.keys(ALLOWED_UNSUPPORTED).some((key) => entry.features.includes(key)))
    expect(refusedUnsupported).toBe(withAllowedKey.length)
    expect(imported).toBe(commandJobs.length - withAllowedKey.length)
    expect(refusedKind).toBe(sweeps + pipelines)
    expect(imported).toBeGreaterThan(0)
  })

  it("plans every imported command job for azureml, and every planned request passes the swagger check", async () => {
    let imported = 0
    let planned = 0
    let passed = 0
    const failures: Array<string> = []
    for (const entry of (entries ?? []).filter((e) => e.kind === "command")) {
      const { files, result } = readJob(entry)
      if (FpEither.isLeft(result)) continue
      imported++
      // The corpus has no code folders: the planner sees them as existing, and reads the job's own files.
      const root = "/corpus"
      const fileSystem = Testing.fileSystem({
        assumeExists: true,
        files: Object.fromEntries(Object.entries(files).map(([name, text]) => [path.join(root, baseDirectoryOf(entry), name), text]))
      })
      const outcome = await Effect.runPromise(
        Effect.either(AzureMl.plan(result.right.spec, { ...Testing.defaultContext, baseDirectory: root })).pipe(Effect.provide(fileSystem))
      )
      if (Either.isLeft(outcome)) {
        failures.push(`${entry.id}: ${outcome.left.message}`)
        continue
      }
      planned++
      const issues = outcome.right.requests.flatMap((request) =>
        SwaggerCheck.checkOperation(swagger(), request.method, request.path, request.body).map((issue) => `${request.method} ${request.path}: ${issue.path} ${issue.message}`))
      if (issues.length === 0) passed++
      else failures.push(`${entry.id}: ${issues.join("; ")}`)
    }
    console.log(`Azure ML example jobs, azureml plans: ${imported} imported, ${planned} planned, ${passed} passed the swagger check.`)
    expect(failures).toEqual([])
    expect(planned).toBe(imported)
    expect(passed).toBe(imported)
    expect(imported).toBeGreaterThan(0)
  })
})
