// The fixed-shape view the planners read a spec through: every field reads as on the spec, and
// every view has the same keys in the same order, whichever optional fields the spec has.
import { Estimator } from "@estimator/core"
import { Hash } from "@estimator/env"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as arbitraries from "../src/internal/arbitraries.js"
import * as specView from "../src/internal/specView.js"

const decoded = arbitraries.estimator.map((spec) => {
  const result = Estimator.decode(spec)
  if (result._tag === "Left") throw new Error(`the arbitrary gave a spec that does not decode: ${JSON.stringify(result.left)}`)
  return result.right
})

describe("specView.of", () => {
  it("reads every field as the spec does, leaves the spec alone, and always has the same keys", () => {
    const keys = Object.keys(specView.of(Estimator.make({ entryScript: "train.py" })))
    fc.assert(fc.property(decoded, (spec) => {
      const before = JSON.stringify(spec)
      const view = specView.of(spec) as unknown as Record<string, unknown>
      expect(Object.keys(view)).toEqual(keys)
      for (const key of keys) expect(view[key]).toBe((spec as unknown as Record<string, unknown>)[key])
      for (const key of Object.keys(spec)) expect(keys).toContain(key)
      expect(JSON.stringify(spec)).toBe(before)
    }), { numRuns: 300 })
  })

  it("hashes as the spec does: the canonical hash of its fields, read from the view", () => {
    fc.assert(fc.property(decoded, (spec) => {
      expect(specView.hash(specView.of(spec))).toBe(Hash.canonicalHash(spec as unknown as Hash.Json))
    }), { numRuns: 300 })
  })
})
