import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { stringify } from "yaml"
import * as Conda from "../src/Conda.js"
import * as Requirements from "../src/Requirements.js"

// `Conda.render` writes the common case (every string plain) itself and keeps recent results;
// these properties pin it to the YAML library's output, which it must equal byte for byte.
const viaYaml = (self: Conda.CondaSpecification): string =>
  stringify(
    {
      ...(self.name === undefined ? {} : { name: self.name }),
      channels: [...self.channels],
      dependencies: [
        ...(self.python === undefined ? [] : [`python=${self.python}`]),
        ...self.dependencies,
        ...(self.pip.length === 0 ? [] : [{ pip: [...self.pip] }])
      ]
    },
    { lineWidth: 0, minContentWidth: 0 }
  )

const piece = fc.constantFrom("numpy", "x", "true", "True", "FALSE", "null", "Null", "yes", "on", "1", "1.0", "0x1f", "1e3", ".inf", "=", "==", ">=", "<", ",", "*", "!", "~", ":", ": ", "#", " #", "-", "- ", "_", ".", "/", "+", "@", "&", "[", "]", "{", "}", "'", "\"", " ", "é", "\\", "\n", "\t")
const word = fc.constantFrom("numpy", "pandas==2.0.3", "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "~", "yes", "Off", "y", "1", "-1", "+1", "1.0", "0x1f", "0o17", "1e3", ".inf", "-.inf", ".nan", "2001-01-01")
// Every string the fast path may write unquoted, and some it must not.
const plainLike = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.=<>~+,/*!:#@ -]{0,8}$/)
const text = fc.oneof(
  { arbitrary: plainLike, weight: 4 },
  { arbitrary: word, weight: 3 },
  { arbitrary: fc.array(piece, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("")), weight: 3 },
  { arbitrary: fc.string({ maxLength: 6 }), weight: 1 }
)
const specification: fc.Arbitrary<Conda.CondaSpecification> = fc.record({
  channels: fc.array(text, { maxLength: 2 }),
  dependencies: fc.array(text, { maxLength: 3 }),
  pip: fc.array(text, { maxLength: 3 })
}).chain((fields) =>
  fc.tuple(fc.option(text, { nil: undefined }), fc.option(text, { nil: undefined })).map(([name, python]) => ({
    ...(name === undefined ? {} : { name }),
    ...fields,
    ...(python === undefined ? {} : { python })
  }))
)

describe("Conda.render (fast path and cache)", () => {
  it("writes exactly what the YAML library writes, for plain and unusual strings alike", () => {
    let plain = 0
    fc.assert(fc.property(specification, (spec) => {
      const expected = viaYaml(spec)
      if (!expected.includes("\"") && !expected.includes("'")) plain++
      expect(Conda.render(spec)).toBe(expected)
      // A second render (from the cache, or written again) is the same.
      expect(Conda.render(spec)).toBe(expected)
    }), { numRuns: 3000 })
    // Both paths are exercised.
    expect(plain).toBeGreaterThan(100)
  })

  it("renders typical environments without quotes", () => {
    expect(Conda.render({ name: "project_environment", channels: ["conda-forge"], python: "3.8", dependencies: ["pip", "numpy>=1.2,<2"], pip: ["azureml-defaults", "torch==1.6.0"] })).toBe(
      "name: project_environment\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.8\n  - pip\n  - numpy>=1.2,<2\n  - pip:\n      - azureml-defaults\n      - torch==1.6.0\n"
    )
    expect(Conda.render({ channels: [], dependencies: [], pip: [] })).toBe("channels: []\ndependencies: []\n")
  })

  it("parses the same text to the same result every time (kept results are not shared mutably)", () => {
    const text = "name: a\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n  - pip:\n    - numpy\n"
    const first = Conda.parse(text)
    expect(Conda.parse(text)).toEqual(first)
    expect(Conda.parse(`${text}\n`)).toEqual(first)
    expect(Requirements.parse("numpy\n")).toEqual(Requirements.parse("numpy\n"))
  })
})
