import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as path from "node:path"
import * as paths from "../src/internal/paths.js"

// The planner's path helpers skip node:path's normalisation when both parts are already normal;
// whatever the parts, they must give exactly what node:path gives.

const segment = fc.oneof(
  fc.constantFrom("", ".", "..", "...", ".a", "a.", "src", "train.py", "my data", "a:b", "\\"),
  fc.stringMatching(/^[^/\u0000]{1,6}$/)
)
const relative = fc.array(segment, { maxLength: 5 }).chain((segments) =>
  fc.constantFrom("", "/").map((end) => segments.join("/") + end)
)
const anyPath = fc.oneof(relative, relative.map((p) => `/${p}`), relative.map((p) => `//${p}`))

describe("internal/paths", () => {
  it("resolve(base, p) is path.resolve(base, p)", () => {
    fc.assert(fc.property(anyPath, anyPath, (base, p) => {
      expect(paths.resolve(base, p)).toBe(path.resolve(base, p))
    }), { numRuns: 5000 })
  })

  it("join(base, p) is path.join(base, p) for an absolute base", () => {
    fc.assert(fc.property(anyPath.map((p) => `/${p}`), anyPath, (base, p) => {
      expect(paths.join(base, p)).toBe(path.join(base, p))
    }), { numRuns: 5000 })
  })

  it("absolute(p) is path.resolve(p)", () => {
    fc.assert(fc.property(anyPath, (p) => {
      expect(paths.absolute(p)).toBe(path.resolve(p))
    }), { numRuns: 5000 })
  })

  it("takes the short way for normal parts and leaves the rest to node:path", () => {
    expect(paths.resolve("/project", "src")).toBe("/project/src")
    expect(paths.resolve("/", "src")).toBe("/src")
    expect(paths.resolve("/project", "/data/x")).toBe("/data/x")
    expect(paths.resolve("/project", "../x")).toBe("/x")
    expect(paths.resolve("/project/", "./src/")).toBe("/project/src")
    expect(paths.join("/runs", "r1")).toBe("/runs/r1")
    expect(paths.join("/runs", "")).toBe("/runs")
  })
})
