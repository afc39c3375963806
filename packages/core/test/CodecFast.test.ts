import * as fc from "fast-check"
import * as E from "fp-ts/lib/Either.js"
import { describe, expect, it } from "vitest"
import * as Estimator from "../src/Estimator.js"
import * as internalCodec from "../src/internal/codec.js"
import * as arbitraries from "./utils/arbitraries.js"

// `Estimator.decode` takes a fast path when it can and falls back to the io-ts codec otherwise.
// These properties pin it to the io-ts codec alone: same successes (same values, same key order,
// the same input arrays and records kept when nothing in them changed) and same errors.
const ioTs = (u: unknown) => E.mapLeft(internalCodec.report)(internalCodec.Estimator.decode(u))

/** Every path to an object or array inside a JSON value, the root included. */
const containers = (value: unknown, path: ReadonlyArray<string | number> = []): Array<ReadonlyArray<string | number>> => {
  if (typeof value !== "object" || value === null) return []
  const entries: Array<readonly [string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value)
  return [path, ...entries.flatMap(([key, v]) => containers(v, [...path, key]))]
}

const at = (value: unknown, path: ReadonlyArray<string | number>): any =>
  path.reduce<any>((node, key) => node[key], value)

const odd = fc.constantFrom<unknown>(undefined, null, Number.NaN, Number.POSITIVE_INFINITY, -0, 0, 3, "x", "", true, [], {}, { _tag: "Nope" }, ["a", 1], { _tag: "Secret", source: "env", name: "K" })

/** A spec with one change somewhere: a value replaced, a key added or removed, an array element replaced. */
const mutated = fc.tuple(arbitraries.estimator, fc.nat(), fc.nat(), odd, fc.constantFrom("replace", "add", "remove", "toString")).map(([spec, which, key, value, how]) => {
  const copy: any = JSON.parse(JSON.stringify(spec))
  const paths = containers(copy)
  const path = paths[which % paths.length] ?? []
  const node = at(copy, path)
  const keys = Object.keys(node)
  const name = keys.length === 0 ? "extra" : keys[key % keys.length]!
  if (how === "replace") node[name] = value
  else if (how === "add") node[Array.isArray(node) ? node.length : `extra${key}`] = value
  else if (how === "toString") node.toString = value
  else if (Array.isArray(node)) node.splice(key % Math.max(node.length, 1), 1)
  else delete node[name]
  return copy as unknown
})

describe("Estimator.decode (fast path)", () => {
  it("decodes every well-formed spec exactly as the io-ts codec does", () => {
    fc.assert(fc.property(arbitraries.estimator, (spec) => {
      const input = JSON.parse(JSON.stringify(spec))
      const fast = Estimator.decode(input)
      const slow = ioTs(input)
      expect(E.isRight(fast)).toBe(true)
      expect(fast).toEqual(slow)
      if (E.isRight(fast) && E.isRight(slow)) {
        expect(JSON.stringify(fast.right)).toBe(JSON.stringify(slow.right))
        // Arrays and records without decoded objects in them are the input's own, as io-ts returns them.
        expect(fast.right.environment.pipPackages === input.environment.pipPackages).toBe(slow.right.environment.pipPackages === input.environment.pipPackages)
        expect(fast.right.tags === input.tags).toBe(slow.right.tags === input.tags)
        expect(fast.right.arguments === input.arguments).toBe(slow.right.arguments === input.arguments)
        expect(fast.right.inputs === input.inputs).toBe(slow.right.inputs === input.inputs)
      }
    }), { numRuns: 300 })
  })

  it("gives the io-ts result (value or every error with its path) for specs with one change anywhere", () => {
    let failures = 0
    fc.assert(fc.property(mutated, (input) => {
      const fast = Estimator.decode(input)
      const slow = ioTs(input)
      if (E.isLeft(slow)) failures++
      expect(fast).toEqual(slow)
      if (E.isRight(fast) && E.isRight(slow)) expect(JSON.stringify(fast.right)).toBe(JSON.stringify(slow.right))
    }), { numRuns: 1000 })
    // The mutations do reach the error paths.
    expect(failures).toBeGreaterThan(300)
  })

  it("treats inherited fields as io-ts does", () => {
    const json = JSON.parse(JSON.stringify(Estimator.make({ entryScript: "train.py" })))
    const { entryScript, ...rest } = json
    const inherited = Object.assign(Object.create({ entryScript }), rest)
    const inheritedWithUnknown = Object.assign(Object.create({ entryScript }), rest, { bogus: 1 })
    const { gpu, ...withoutGpu } = json
    const inheritedRequired = Object.assign(Object.create({ gpu }), withoutGpu, { bogus: 1 })
    for (const input of [inherited, inheritedWithUnknown, inheritedRequired, { ...json, toString: 1 }, JSON.parse(`{"__proto__": {"x": 1}, ${JSON.stringify(json).slice(1)}`)]) {
      expect(Estimator.decode(input)).toEqual(ioTs(input))
    }
    expect(E.isLeft(Estimator.decode(inheritedWithUnknown))).toBe(true)
    expect(E.isRight(Estimator.decode(inherited))).toBe(true)
  })

  it("returns a new spec object, never the input", () => {
    const input = JSON.parse(JSON.stringify(Estimator.make({ entryScript: "train.py" })))
    const decoded = Estimator.decode(input)
    expect(E.isRight(decoded) && decoded.right !== input && decoded.right.environment !== input.environment).toBe(true)
  })
})
