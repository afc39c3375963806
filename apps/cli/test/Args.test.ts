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
    expect(Args.parse(["import", "job.yml", "--from", "v1"])).toEqual({ _tag: "Ok", invocation: { _tag: "Import", file: "job.yml", from: "v1" } })
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
