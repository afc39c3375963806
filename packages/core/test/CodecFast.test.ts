import * as fc from "fast-check"
import * as E from "fp-ts/lib/Either.js"
import { describe, expect, it } from "vitest"
import * as Estimator from "../src/Estimator.js"
import * as internalCodec from "../src/internal/codec.js"
import * as arbitraries from "./utils/arbitraries.js"

// `Estimator.decode` takes a fast path when it can and falls back to the io-ts codec otherwise.
// These properties pin it to the io-ts codec alone: same successes (same values, same key order,
// the same input objects, arrays and records kept when they are already in decoded form) and same errors.
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

/** `value` with the keys of every object in a new order, and some objects without a prototype (as JSON has no prototypes). */
const reshaped = (value: unknown, picks: ReadonlyArray<number>, counter = { i: 0 }): unknown => {
  const pick = () => picks[counter.i++ % picks.length] ?? 0
  if (typeof value !== "object" || value === null) return value
  if (Array.isArray(value)) return value.map((item) => reshaped(item, picks, counter))
  const entries = Object.entries(value).map(([key, item]) => [key, reshaped(item, picks, counter), pick()] as const)
  entries.sort((a, b) => a[2] - b[2])
  const target: Record<string, unknown> = pick() % 4 === 0 ? Object.create(null) : {}
  for (const [key, item] of entries) target[key] = item
  return target
}

/** Runs `f` while `Object.prototype` has the property `key`. */
const withInherited = <A>(key: string, descriptor: PropertyDescriptor, f: () => A): A => {
  Object.defineProperty(Object.prototype, key, { ...descriptor, configurable: true })
  try {
    return f()
  } finally {
    delete (Object.prototype as Record<string, unknown>)[key]
  }
}

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
        expect(fast.right === input).toBe(slow.right === input)
        expect(fast.right.environment === input.environment).toBe(slow.right.environment === input.environment)
        expect(fast.right.outputs === input.outputs).toBe(slow.right.outputs === input.outputs)
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

  it("accepts exactly the names io-ts accepts in fields that take one of a few names", () => {
    // Such fields are checked by comparing with each name; io-ts looks the value up as an own key.
    const tricky = fc.constantFrom<unknown>("toString", "__proto__", "constructor", "hasOwnProperty", "URI_FOLDER", "uri_folder ", "", "PyTorch", "pytorch", "gloo", "nccl", "direct", "upload", "dedicated", 1, null, ["uri_folder"])
    const pick = <A>(values: ReadonlyArray<A>, i: number): A | undefined => values[i % Math.max(values.length, 1)]
    fc.assert(fc.property(arbitraries.estimator, fc.nat(), tricky, fc.constantFrom("input", "output", "framework", "distribution", "compute"), (spec, i, value, where) => {
      const input: any = JSON.parse(JSON.stringify(spec))
      const inputs = Object.values(input.inputs).filter((x: any) => x._tag === "Data")
      const outputs = Object.values(input.outputs)
      if (where === "input" && inputs.length > 0) (pick(inputs, i) as any)[i % 2 === 0 ? "type" : "mode"] = value
      else if (where === "output" && outputs.length > 0) (pick(outputs, i) as any)[i % 2 === 0 ? "type" : "mode"] = value
      else if (where === "framework") input.framework = { name: value, version: "1.6" }
      else if (where === "distribution") input.distribution = { _tag: "PyTorch", backend: value }
      else input.compute = { _tag: "Serverless", vmPriority: value }
      const fast = Estimator.decode(input)
      const slow = ioTs(input)
      expect(fast).toStrictEqual(slow)
      expect(JSON.stringify(fast)).toBe(JSON.stringify(slow))
    }), { numRuns: 500 })
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

  it("decodes specs whose objects have their keys in any order, or no prototype, as the io-ts codec does", () => {
    fc.assert(fc.property(arbitraries.estimator, fc.array(fc.nat(), { minLength: 1, maxLength: 50 }), (spec, picks) => {
      const input = reshaped(JSON.parse(JSON.stringify(spec)), picks)
      // The fast path takes them (it does not leave them to io-ts) ...
      expect(internalCodec.decodeFast(input)).toBeDefined()
      const fast = Estimator.decode(input)
      const slow = ioTs(input)
      // ... and gives the same value, with the codec's key order (required fields, then optional ones).
      expect(fast).toStrictEqual(slow)
      expect(JSON.stringify(fast)).toBe(JSON.stringify(slow))
    }), { numRuns: 300 })
  })

  it("leaves non-enumerable and inherited fields to io-ts", () => {
    const json = JSON.parse(JSON.stringify(Estimator.make({ entryScript: "train.py" })))
    const hidden = (object: object, key: string, value: unknown) => Object.defineProperty(object, key, { value, enumerable: false, writable: true, configurable: true })
    const { entryScript, ...noEntry } = json
    const cases: ReadonlyArray<unknown> = [
      hidden({ ...json }, "description", "a run"), // an optional field io-ts reads but `for ... in` does not list
      hidden({ ...json }, "description", 3),
      hidden({ ...noEntry }, "entryScript", entryScript), // a required one
      { ...json, framework: hidden({ name: "PyTorch", version: "2.0" }, "versionDefaulted", true) },
      { ...json, inputs: Object.assign(Object.create({ inherited: { _tag: "Literal", value: 1 } }), { own: { _tag: "Literal", value: 2 } }) }
    ]
    for (const input of cases) {
      expect(internalCodec.decodeFast(input)).toBeUndefined()
      expect(Estimator.decode(input)).toStrictEqual(ioTs(input))
    }
    // A field every object inherits (a polluted prototype), listed by `for ... in` or not.
    for (const enumerable of [false, true]) {
      for (const [key, value] of [["description", "inherited"], ["versionDefaulted", true], ["vmSize", 1], ["bogus", 1]] as const) {
        const input = JSON.parse(JSON.stringify(Estimator.withFramework(Estimator.make({ entryScript: "train.py" }), { name: "PyTorch", version: "2.0" })))
        const [fast, slow] = withInherited(key, { value, enumerable, writable: true }, () => [Estimator.decode(input), ioTs(input)] as const)
        expect(fast).toStrictEqual(slow)
      }
    }
  })

  it("returns the input itself when it is already a decoded spec, and new objects where it is not", () => {
    const spec = Estimator.withFramework(Estimator.make({ entryScript: "train.py", arguments: ["--lr", 0.1] }), { name: "PyTorch", version: "2.0" })
    // `make` writes entryScript near the top; the codec's order has the required fields first.
    const made = JSON.parse(JSON.stringify(spec))
    const first = Estimator.decode(made)
    expect(E.isRight(first) && first.right !== made && first.right.environment === made.environment && first.right.arguments === made.arguments).toBe(true)
    // Plain objects with their fields in the codec's order, nothing to change: decoding copies nothing.
    const input = JSON.parse(JSON.stringify(E.isRight(first) ? first.right : undefined))
    const decoded = Estimator.decode(input)
    expect(E.isRight(decoded) && decoded.right === input).toBe(true)
    // Keys in another order: a new spec (with the codec's order) and a new environment; the parts
    // already in decoded form are kept.
    const { docker, ...environment } = input.environment
    const reordered = { ...input, environment: { ...environment, docker } }
    const again = Estimator.decode(reordered)
    expect(E.isRight(again) && again.right !== reordered && again.right.environment !== reordered.environment).toBe(true)
    expect(E.isRight(again) && again.right.framework === reordered.framework && again.right.compute === reordered.compute).toBe(true)
    expect(E.isRight(again) && Object.keys(again.right.environment)).toEqual(Object.keys(input.environment))
    // An object without a prototype is never kept (a decoded spec is made of plain objects).
    const bare = Object.assign(Object.create(null), input)
    const plain = Estimator.decode(bare)
    expect(E.isRight(plain) && plain.right !== bare && Object.getPrototypeOf(plain.right) === Object.prototype).toBe(true)
    // The io-ts codec keeps the same parts.
    const slow = ioTs(reordered)
    expect(E.isRight(slow) && slow.right !== reordered && slow.right.framework === reordered.framework).toBe(true)
  })
})
