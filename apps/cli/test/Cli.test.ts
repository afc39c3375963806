import { Estimator } from "@estimator/core"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Testing from "@estimator/submit/Testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Cli from "../src/Cli.js"
import * as Io from "../src/Io.js"
import { fixtures } from "./utils/cli.js"

const run = (
  argv: ReadonlyArray<string>,
  options: {
    readonly stdin?: string
    readonly colour?: boolean
    readonly cwd?: string
    readonly env?: { readonly [name: string]: string }
    readonly fileSystem?: Layer.Layer<FileSystem.FileSystem>
  } = {}
) => {
  const io = Io.layerTest({ cwd: fixtures, ...options })
  const layer = Layer.mergeAll(options.fileSystem ?? NodeFileSystem.layer, NodePath.layer, io.layer)
  return Effect.runPromise(Cli.run(argv).pipe(Effect.provide(layer))).then((code) => ({
    code,
    stdout: io.captured.stdout(),
    stderr: io.captured.stderr()
  }))
}

describe("Cli.run (in process)", () => {
  it("returns the exit code instead of failing", async () => {
    const spec = Estimator.make({ entryScript: "train.py" })
    expect((await run(["validate", "-"], { stdin: JSON.stringify(spec) })).code).toBe(Cli.ExitCode.Success)
    expect((await run(["validate", "-"], { stdin: JSON.stringify({ ...spec, nodeCount: 0 }) })).code).toBe(Cli.ExitCode.Invalid)
    expect((await run(["validate"])).code).toBe(Cli.ExitCode.Usage)
  })

  it("colours human output only when the terminal allows it", async () => {
    const spec = JSON.stringify({ ...Estimator.make({ entryScript: "train.py" }), nodeCount: 0 })
    const plain = await run(["validate", "-"], { stdin: spec })
    const coloured = await run(["validate", "-"], { stdin: spec, colour: true })
    expect(plain.stdout).not.toContain("\u001b[")
    expect(coloured.stdout).toContain("\u001b[31m")
    expect(coloured.stdout.replace(/\u001b\[\d+m/g, "")).toBe(plain.stdout)
    // --json is never coloured.
    expect((await run(["validate", "-", "--json"], { stdin: spec, colour: true })).stdout).not.toContain("\u001b[")
  })

  it("an unexpected defect becomes one clean message and exit code 1", async () => {
    const broken = FileSystem.layerNoop({ stat: () => Effect.die(new Error("the disk is on fire")) })
    const result = await run(["validate", "valid.json"], { fileSystem: broken })
    expect(result.code).toBe(Cli.ExitCode.Invalid)
    expect(result.stderr).toContain("error: unexpected internal error: the disk is on fire")
    expect(result.stderr).toContain("This is a bug in estimator")
    expect(result.stderr).not.toMatch(/^\s+at /m)
  })
})

// An in-memory project for generated specs: every folder exists, and the conda and requirements
// files the generated specs name are there for each source directory they use.
const project = "/project"
const projectFiles = Testing.fileSystem({
  assumeExists: true,
  files: Object.fromEntries([".", "src", "project/code"].flatMap((directory) => [
    [`${project}/${directory}/${Testing.arbitraries.CONDA_FILE}`, "name: generated\ndependencies:\n  - python=3.10\n  - pip\n"],
    [`${project}/${directory}/${Testing.arbitraries.REQUIREMENTS_FILE}`, "numpy\n"]
  ]))
})

describe("Cli.run on generated specs (in process)", () => {
  it("validate: every valid spec is reported valid, as one JSON document", async () => {
    await fc.assert(
      fc.asyncProperty(Testing.arbitraries.estimator, async (spec) => {
        const result = await run(["validate", "-", "--json"], { stdin: JSON.stringify(spec), cwd: project, fileSystem: projectFiles })
        expect(result.code).toBe(Cli.ExitCode.Success)
        expect(JSON.parse(result.stdout)).toEqual(expect.objectContaining({ valid: true, errors: 0 }))
      }),
      { numRuns: 40 }
    )
  })

  it("plan: any valid spec and backend gives one envelope (exit 0) or a clean refusal (exit 1), never an internal error", async () => {
    await fc.assert(
      fc.asyncProperty(Testing.arbitraries.estimator, fc.constantFrom("dry-run", "local", "docker", "azureml"), async (spec, backend) => {
        const result = await run(["plan", "-", "--backend", backend, "--format", "json"], { stdin: JSON.stringify(spec), cwd: project, fileSystem: projectFiles })
        expect(result.stderr).not.toContain("unexpected internal error")
        if (result.code === Cli.ExitCode.Success) {
          expect(JSON.parse(result.stdout).backend).toBe(backend)
        } else {
          expect(result.code).toBe(Cli.ExitCode.Invalid)
          expect(result.stdout).toBe("")
          expect(result.stderr).toMatch(/^error: .+\n {2}fix: /m)
        }
      }),
      { numRuns: 60 }
    )
  })

  it("plan: a spec a backend fully supports is always planned", async () => {
    await fc.assert(
      fc.asyncProperty(Testing.arbitraries.supportedBy("azureml"), async (spec) => {
        // The in-memory file system says every path exists, a config.json too (unreadable): the
        // workspace comes from the variables, which override it.
        const env = { AZUREML_SUBSCRIPTION_ID: "sub", AZUREML_RESOURCE_GROUP: "rg", AZUREML_WORKSPACE_NAME: "ws" }
        const result = await run(["plan", "-", "--backend", "azureml", "--format", "json"], { stdin: JSON.stringify(spec), cwd: project, env, fileSystem: projectFiles })
        expect(result.stderr).toBe("")
        expect(result.code).toBe(Cli.ExitCode.Success)
        expect(Object.keys(JSON.parse(result.stdout)).sort()).toEqual(["backend", "requests", "warnings"])
      }),
      { numRuns: 30 }
    )
  })

  it("export --format json is a fixed point: exporting its own output changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(Testing.arbitraries.estimator, async (spec) => {
        const once = await run(["export", "-", "--format", "json"], { stdin: JSON.stringify(spec), cwd: project, fileSystem: projectFiles })
        expect(once.code).toBe(Cli.ExitCode.Success)
        const twice = await run(["export", "-", "--format", "json"], { stdin: once.stdout, cwd: project, fileSystem: projectFiles })
        expect(twice.stdout).toBe(once.stdout)
        // Only the paths may have been normalised; everything else is the spec as given.
        const exported = JSON.parse(once.stdout)
        expect({ ...exported, sourceDirectory: spec.sourceDirectory, environment: spec.environment, inputs: spec.inputs }).toEqual(spec)
      }),
      { numRuns: 40 }
    )
  })
})
