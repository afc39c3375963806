import { createHash } from "node:crypto"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Hash from "../src/Hash.js"
import type * as ResolvedEnvironment from "../src/ResolvedEnvironment.js"
import * as Arb from "./utils/arbitraries.js"

// `canonicalJson`, `canonicalHash` and `contentHash` write bytes into a reused buffer; these
// properties pin them to the straightforward implementations (strings joined, keys sorted with
// `Array.prototype.sort`, every key and leaf written by `JSON.stringify`, SHA-256 of the text).

const reference = (value: unknown): string | undefined => {
  if (value === null || typeof value !== "object") return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map((item) => reference(item) ?? "").join(",")}]`
  const record = value as Record<string, unknown>
  const fields = Object.keys(record).sort().filter((key) => record[key] !== undefined)
  return `{${fields.map((key) => `${JSON.stringify(key)}:${reference(record[key])}`).join(",")}}`
}

const sha256 = (content: string | Uint8Array): string => createHash("sha256").update(content).digest("hex")

/** Strings with what JSON escapes: quotes, backslashes, control characters, lone and paired surrogates, non-ASCII. */
const nasty = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.array(fc.constantFrom("a", "\"", "\\", "\n", "\t", "\b", "\f", "\r", "\u0000", "\u0001", "\u001f", "\u007f", "é", "€", "\ud800", "\udc00", "😀", "\u2028", "/"), { maxLength: 6 })
    .map((parts) => parts.join(""))
)

/** Keys that sort differently as strings and as numbers, keys to escape, and `__proto__`. */
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  nasty,
  fc.constantFrom("10", "9", "1", "01", "-1", "1.5", "__proto__", "_tag", "a", "B", "")
)

/** JSON values with `undefined` properties, huge and odd numbers, in any key order. */
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { arbitrary: fc.constantFrom(null, true, false, 0, -0, 1, -1.5, 1e21, 1e-7, Number.MAX_SAFE_INTEGER, Number.NaN, Number.POSITIVE_INFINITY), weight: 2 },
    { arbitrary: fc.double(), weight: 1 },
    { arbitrary: nasty, weight: 3 },
    { arbitrary: fc.array(tie("value"), { maxLength: 4 }), weight: 1 },
    { arbitrary: tie("object"), weight: 2 }
  ),
  object: fc.array(fc.tuple(key, fc.oneof({ arbitrary: tie("value"), weight: 5 }, { arbitrary: fc.constant(undefined), weight: 1 })), { maxLength: 6 })
    .map((entries) => {
      const record: Record<string, unknown> = {}
      for (const [k, v] of entries) Object.defineProperty(record, k, { value: v, enumerable: true, writable: true, configurable: true })
      return record
    })
})).value

describe("Hash.canonicalJson against the straightforward implementation", () => {
  it("gives the same text for any JSON value", () => {
    fc.assert(fc.property(json, (value) => {
      expect(Hash.canonicalJson(value as Hash.Json)).toBe(reference(value))
    }), { numRuns: 2000 })
  })

  it("gives the same text for resolved environments", () => {
    fc.assert(fc.property(Arb.resolvedEnvironment, (environment) => {
      expect(Hash.canonicalJson(environment as unknown as Hash.Json)).toBe(reference(environment))
    }))
  })

  it("writes what JSON cannot write as the string-building implementation did", () => {
    const odd = { a: [undefined, () => 1, Symbol("s"), 1], b: () => 1, c: undefined, d: Symbol("t") }
    expect(Hash.canonicalJson(odd as unknown as Hash.Json)).toBe(reference(odd))
    expect(Hash.canonicalJson(odd as unknown as Hash.Json)).toBe("{\"a\":[,,,1],\"b\":undefined,\"d\":undefined}")
    expect(() => Hash.canonicalJson({ n: 1n } as unknown as Hash.Json)).toThrow(TypeError)
  })

  it("writes values larger than its buffer, and a value read while another is written", () => {
    const large = { text: "é".repeat(700_000), ascii: "x".repeat(1_200_000), list: Array.from({ length: 5000 }, (_, i) => ({ [`k${i % 7}`]: i, z: "x\n" })) }
    expect(Hash.canonicalJson(large)).toBe(reference(large))
    expect(Hash.canonicalHash(large)).toBe(sha256(reference(large) as string))
    const nested = Object.defineProperty({ b: "after" }, "a", {
      enumerable: true,
      get: () => Hash.canonicalJson({ y: "inner", x: ["é", "\ud800"] })
    })
    expect(Hash.canonicalJson(nested as Hash.Json)).toBe("{\"a\":\"{\\\"x\\\":[\\\"é\\\",\\\"\\\\ud800\\\"],\\\"y\\\":\\\"inner\\\"}\",\"b\":\"after\"}")
    expect(Hash.canonicalJson(nested as Hash.Json)).toBe(reference(nested))
    // The shared buffer still works after both.
    expect(Hash.canonicalJson({ b: 1, a: "é" })).toBe("{\"a\":\"é\",\"b\":1}")
  })

  it("sorts objects with many keys (the generic sort) at any depth", () => {
    fc.assert(fc.property(fc.array(fc.tuple(key, json), { minLength: 30, maxLength: 120 }), fc.nat(), (entries, seed) => {
      const record: Record<string, unknown> = {}
      for (const [k, v] of entries) Object.defineProperty(record, k, { value: v, enumerable: true, writable: true, configurable: true })
      const value = { outer: [record, { z: record, a: 1 }], ...Arb.shuffleKeys({ x: 1, y: "é" }, seed) as object }
      expect(Hash.canonicalJson(value as Hash.Json)).toBe(reference(value))
      expect(Hash.canonicalHash(value as Hash.Json)).toBe(sha256(reference(value) as string))
    }), { numRuns: 200 })
  })

  it("leaves out inherited and non-enumerable keys, as Object.keys does", () => {
    const proto = { inherited: 1 }
    const value = Object.create(proto, { own: { value: "x", enumerable: true }, hidden: { value: "y", enumerable: false } }) as Hash.Json
    expect(Hash.canonicalJson({ v: value })).toBe("{\"v\":{\"own\":\"x\"}}")
  })

  it("writes the next value whole after a throw, also inside a getter that catches it", () => {
    expect(() => Hash.canonicalHash({ b: 1, a: { c: 2, n: 1n } } as unknown as Hash.Json)).toThrow(TypeError)
    expect(Hash.canonicalJson({ b: 1, a: "x" })).toBe("{\"a\":\"x\",\"b\":1}")
    const catching = {
      d: 4,
      get c() {
        try {
          return Hash.canonicalJson({ z: 1, y: { x: 2n } } as unknown as Hash.Json)
        } catch {
          return "caught"
        }
      },
      b: { z: 1, a: 2 }
    }
    expect(Hash.canonicalJson(catching as unknown as Hash.Json)).toBe("{\"b\":{\"a\":2,\"z\":1},\"c\":\"caught\",\"d\":4}")
    expect(Hash.canonicalHash(catching as unknown as Hash.Json)).toBe(sha256("{\"b\":{\"a\":2,\"z\":1},\"c\":\"caught\",\"d\":4}"))
  })
})

describe("Hash.canonicalHash", () => {
  it("is the SHA-256 of the canonical JSON as UTF-8", () => {
    fc.assert(fc.property(json, (value) => {
      const text = reference(value)
      fc.pre(text !== undefined)
      expect(Hash.canonicalHash(value as Hash.Json)).toBe(sha256(text as string))
    }), { numRuns: 2000 })
  })

  it("does not depend on key order", () => {
    fc.assert(fc.property(json, fc.nat(), (value, seed) => {
      fc.pre(reference(value) !== undefined)
      expect(Hash.canonicalHash(Arb.shuffleKeys(value, seed) as Hash.Json)).toBe(Hash.canonicalHash(value as Hash.Json))
    }))
  })
})

describe("Hash.canonicalHashOfFields", () => {
  it("is canonicalHash of the named fields (undefined ones left out), whatever other fields the object has", () => {
    fc.assert(fc.property(fc.dictionary(key, json, { maxKeys: 8 }), fc.array(key, { maxLength: 6 }), fc.dictionary(key, json, { maxKeys: 3 }), (named, absent, others) => {
      const keys = [...new Set([...Object.keys(named), ...absent])].sort()
      const value: Record<string, unknown> = {}
      for (const name of Object.keys(others)) if (!keys.includes(name)) value[name] = others[name]
      for (const name of keys) if (Object.hasOwn(named, name)) Object.defineProperty(value, name, { value: named[name], enumerable: true, writable: true, configurable: true })
      const only: Record<string, unknown> = {}
      for (const name of keys) if (Object.hasOwn(named, name)) Object.defineProperty(only, name, { value: named[name], enumerable: true, writable: true, configurable: true })
      const text = reference(only)
      fc.pre(text !== undefined && !text.includes("undefined"))
      expect(Hash.canonicalHashOfFields(value as { readonly [key: string]: Hash.Json }, keys)).toBe(sha256(text as string))
      expect(Hash.canonicalHashOfFields(value as { readonly [key: string]: Hash.Json }, keys)).toBe(Hash.canonicalHash(only as Hash.Json))
    }), { numRuns: 1000 })
  })

  it("reads a fixed-shape object with every possible field, undefined ones included", () => {
    const view = { a: 1, b: undefined, c: [2, { y: 1, x: undefined }], d: undefined }
    expect(Hash.canonicalHashOfFields(view, ["a", "b", "c", "d"])).toBe(sha256("{\"a\":1,\"c\":[2,{\"y\":1}]}"))
    // Only own fields: what a plain object inherits is not one of its fields.
    expect(Hash.canonicalHashOfFields(view, ["__proto__", "a", "b", "toString"])).toBe(sha256("{\"a\":1}"))
  })
})

// The hash as it was computed before: intermediate objects, `Object.fromEntries`, `createHash`.
const imageRelevant = (self: ResolvedEnvironment.ResolvedEnvironment): unknown => {
  switch (self._tag) {
    case "Image":
      return { _tag: self._tag, docker: self.docker, baseImage: self.baseImage, registry: self.registry?.address, python: self.python }
    case "Build":
      return { _tag: self._tag, docker: self.docker, context: self.context, dockerfile: self.dockerfile }
    case "Registered":
      return { _tag: self._tag, docker: self.docker, name: self.name, version: self.version, label: self.label, registry: self.registry }
  }
}

const referenceContentHash = (self: ResolvedEnvironment.ResolvedEnvironment, inputs: Hash.BuildInputs = {}): string => {
  const files = Object.fromEntries(Object.entries(inputs.files ?? {}).map(([path, content]) => [path, sha256(content)]))
  return sha256(reference({ scheme: Hash.SCHEME, environment: imageRelevant(self), dockerfile: inputs.dockerfile, files }) as string)
}

const buildInputs: fc.Arbitrary<Hash.BuildInputs> = fc.record(
  {
    dockerfile: nasty,
    files: fc.array(fc.tuple(key, fc.oneof(nasty, fc.uint8Array({ maxLength: 64 }))), { maxLength: 4 }).map((entries) => Object.fromEntries(entries))
  },
  { requiredKeys: [] }
)

describe("Hash.contentHash and Hash.imageTag against the straightforward implementation", () => {
  it("give the same hash and tag for any environment and build inputs", () => {
    fc.assert(fc.property(Arb.resolvedEnvironment, buildInputs, (environment, inputs) => {
      const expected = referenceContentHash(environment, inputs)
      expect(Hash.contentHash(environment, inputs)).toBe(expected)
      expect(Hash.imageTag(environment, inputs)).toBe(`${Hash.IMAGE_REPOSITORY}:${expected.slice(0, 16)}`)
      expect(Hash.contentHash(environment)).toBe(referenceContentHash(environment))
    }), { numRuns: 500 })
  })

  it("hashes a build-context file named __proto__ like any other", () => {
    const environment: ResolvedEnvironment.ResolvedEnvironment = { _tag: "Build", docker: true, environmentVariables: {}, context: ".", dockerfile: "Dockerfile" }
    const files = JSON.parse("{\"__proto__\":\"x\",\"Dockerfile\":\"FROM a\"}") as { [path: string]: string }
    expect(Object.keys(files)).toEqual(["__proto__", "Dockerfile"])
    expect(Hash.contentHash(environment, { files })).toBe(referenceContentHash(environment, { files }))
    expect(Hash.contentHash(environment, { files })).not.toBe(Hash.contentHash(environment, { files: { Dockerfile: "FROM a" } }))
  })
})
