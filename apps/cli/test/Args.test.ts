import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Args from "../src/Args.js"

const specPath = fc.stringMatching(/^[a-z][a-z0-9_./-]{0,20}\.(ts|mjs|json|yaml)$/)

/** An option written either `--name value` or `--name=value`. */
const option = (name: string, value: string, inline: boolean): ReadonlyArray<string> => (inline ? [`--${name}=${value}`] : [`--${name}`, value])

describe("Args.parse", () => {
  it("plan: any order and spelling of the options gives the same invocation", () => {
    fc.assert(
      fc.property(
        specPath,
        fc.constantFrom(...Args.backends),
        fc.constantFrom("text", "json"),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 }),
        (spec, backend, format, inlineBackend, inlineFormat, specPosition) => {
          // The spec goes before, between or after the two options (never inside one).
          const groups: Array<ReadonlyArray<string>> = [option("backend", backend, inlineBackend), option("format", format, inlineFormat)]
          groups.splice(specPosition, 0, [spec])
          const parsed = Args.parse(["plan", ...groups.flat()])
          expect(parsed).toEqual({ _tag: "Ok", invocation: { _tag: "Plan", spec, backend, format } })
        }
      )
    )
  })

  it("plan: dry-run and text are the defaults; --json means --format json", () => {
    expect(Args.parse(["plan", "job.ts"])).toEqual({ _tag: "Ok", invocation: { _tag: "Plan", spec: "job.ts", backend: "dry-run", format: "text" } })
    expect(Args.parse(["plan", "job.ts", "--json"])).toEqual({ _tag: "Ok", invocation: { _tag: "Plan", spec: "job.ts", backend: "dry-run", format: "json" } })
    expect(Args.parse(["plan", "job.ts", "--json", "--format", "text"])._tag).toBe("Error")
  })

  it("an option a command does not know is always a usage error for that command", () => {
    const known = new Set(["backend", "format", "json", "workspace", "help"])
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z-]{0,12}$/).filter((name) => !known.has(name)), (name) => {
        const parsed = Args.parse(["plan", "job.ts", `--${name}`])
        expect(parsed._tag).toBe("Error")
        if (parsed._tag === "Error") {
          expect(parsed.error.command).toBe("plan")
          expect(parsed.error.message).toContain(`--${name}`)
        }
      })
    )
  })

  it("a value outside a choice names the choices", () => {
    const parsed = Args.parse(["export", "job.ts", "--format", "yaml"])
    expect(parsed).toEqual({
      _tag: "Error",
      error: expect.objectContaining({ message: "\"yaml\" is not a valid --format", hint: expect.stringContaining("azureml-yaml, json") })
    })
  })

  it("`--` ends the options, and `-` is an argument", () => {
    expect(Args.parse(["validate", "--", "--weird.json"])).toEqual({ _tag: "Ok", invocation: { _tag: "Validate", spec: "--weird.json", json: false } })
    expect(Args.parse(["validate", "-", "--json"])).toEqual({ _tag: "Ok", invocation: { _tag: "Validate", spec: "-", json: true } })
  })

  it("help and version", () => {
    expect(Args.parse(["--help"])).toEqual({ _tag: "Ok", invocation: { _tag: "Help" } })
    expect(Args.parse(["-V"])).toEqual({ _tag: "Ok", invocation: { _tag: "Version" } })
    expect(Args.parse(["help", "export"])).toEqual({ _tag: "Ok", invocation: { _tag: "Help", command: "export" } })
    // --help wins over a missing argument: asking for help is never an error.
    expect(Args.parse(["import", "--help"])).toEqual({ _tag: "Ok", invocation: { _tag: "Help", command: "import" } })
  })

  it("import and export require their format option", () => {
    expect(Args.parse(["import", "job.yml"])).toEqual({ _tag: "Error", error: expect.objectContaining({ message: "missing option --from for \"estimator import\"" }) })
    expect(Args.parse(["import", "job.yml", "--from", "v1"])).toEqual({ _tag: "Ok", invocation: { _tag: "Import", file: "job.yml", from: "v1", json: false } })
    expect(Args.parse(["import", "job.yml", "--from", "v1", "--json"])).toEqual({ _tag: "Ok", invocation: { _tag: "Import", file: "job.yml", from: "v1", json: true } })
  })
})

describe("Args.parse: the run commands", () => {
  it("run: local by default, --backend docker, --detach, --json", () => {
    expect(Args.parse(["run", "job.ts"])).toEqual({ _tag: "Ok", invocation: { _tag: "Run", spec: "job.ts", backend: "local", detach: false, json: false } })
    expect(Args.parse(["run", "--detach", "job.ts", "--backend=docker", "--json"])).toEqual({
      _tag: "Ok",
      invocation: { _tag: "Run", spec: "job.ts", backend: "docker", detach: true, json: true }
    })
  })

  it("run --backend azureml takes --workspace FILE (azureml only); dry-run is not a choice", () => {
    expect(Args.parse(["run", "job.ts", "--backend", "azureml"])).toEqual({
      _tag: "Ok",
      invocation: { _tag: "Run", spec: "job.ts", backend: "azureml", detach: false, json: false }
    })
    expect(Args.parse(["run", "job.ts", "--backend", "azureml", "--workspace", "config.json", "--detach"])).toEqual({
      _tag: "Ok",
      invocation: { _tag: "Run", spec: "job.ts", backend: "azureml", detach: true, json: false, workspace: "config.json" }
    })
    expect(Args.parse(["run", "job.ts", "--workspace", "config.json"])).toEqual({
      _tag: "Error",
      error: expect.objectContaining({ message: "--workspace only applies to --backend azureml (the backend is local)", command: "run" })
    })
    expect(Args.parse(["run", "job.ts", "--backend", "dry-run"])).toEqual({
      _tag: "Error",
      error: expect.objectContaining({ message: "\"dry-run\" is not a valid --backend" })
    })
  })

  it("status, logs, cancel take a run id; runs takes none", () => {
    expect(Args.parse(["status", "r1", "--json"])).toEqual({ _tag: "Ok", invocation: { _tag: "Status", runId: "r1", json: true } })
    expect(Args.parse(["logs", "r1"])).toEqual({ _tag: "Ok", invocation: { _tag: "Logs", runId: "r1", follow: false } })
    expect(Args.parse(["logs", "--follow", "r1"])).toEqual({ _tag: "Ok", invocation: { _tag: "Logs", runId: "r1", follow: true } })
    expect(Args.parse(["cancel", "r1"])).toEqual({ _tag: "Ok", invocation: { _tag: "Cancel", runId: "r1" } })
    expect(Args.parse(["runs"])).toEqual({ _tag: "Ok", invocation: { _tag: "Runs", json: false } })
    expect(Args.parse(["cancel"])).toEqual({ _tag: "Error", error: expect.objectContaining({ message: "missing argument <run-id> for \"estimator cancel\"" }) })
    expect(Args.parse(["runs", "r1"])).toEqual({ _tag: "Error", error: expect.objectContaining({ message: "unexpected argument \"r1\" for \"estimator runs\"" }) })
  })
})

describe("Args.closest", () => {
  it("finds an exact candidate, and only ever returns a candidate", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 6 }), fc.nat(), fc.string({ maxLength: 10 }), (candidates, index, other) => {
        const exact = candidates[index % candidates.length]!
        expect(Args.closest(exact, candidates)).toBe(exact)
        const found = Args.closest(other, candidates)
        if (found !== undefined) expect(candidates).toContain(found)
      })
    )
  })

  it("suggests a command for a one-letter typo", () => {
    expect(Args.closest("valdate", Args.commandNames)).toBe("validate")
    expect(Args.closest("xyz", Args.commandNames)).toBeUndefined()
  })
})

describe("Args.help", () => {
  it.each(Args.commandNames)("%s: the help names every option", (command) => {
    const text = Args.help(command)
    for (const name of Object.keys(Args.commands[command].options)) expect(text).toContain(`--${name}`)
  })
})
