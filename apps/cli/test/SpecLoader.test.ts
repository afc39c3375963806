import { Estimator } from "@estimator/core"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fc from "fast-check"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { describe, expect, it } from "vitest"
import * as Io from "../src/Io.js"
import * as SpecLoader from "../src/SpecLoader.js"
import { fixtures } from "./utils/cli.js"

const path = Effect.runSync(Effect.provide(Path.Path, NodePath.layer))

const load = (source: string, options: { readonly cwd: string; readonly stdin?: string }) => {
  const io = Io.layerTest(options)
  return Effect.runPromise(
    SpecLoader.load(source).pipe(Effect.either, Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, io.layer)))
  )
}

describe("SpecLoader.load", () => {
  it("keeps the spec as written and reports the spec file's folder as the base directory", async () => {
    const result = await load("fixtures/valid.json", { cwd: nodePath.dirname(fixtures) })
    expect(result._tag).toBe("Right")
    if (result._tag !== "Right") return
    expect(result.right.baseDirectory).toBe(fixtures)
    expect(result.right.isArray).toBe(false)
    const [entry] = result.right.entries
    expect(entry?.result._tag === "Right" && entry.result.right).toEqual(JSON.parse(fs.readFileSync(nodePath.join(fixtures, "valid.json"), "utf8")))
    const specs = SpecLoader.specsOf(result.right)
    expect(specs._tag === "Right" && SpecLoader.resolveSourceDirectory(specs.right[0]!, result.right.baseDirectory, path).sourceDirectory)
      .toBe(nodePath.join(fixtures, "src"))
  })

  it("reads standard input, with the current directory as the base", async () => {
    const spec = Estimator.make({ command: "ls" })
    const result = await load("-", { cwd: "/somewhere", stdin: JSON.stringify([spec, spec]) })
    expect(result._tag === "Right" && result.right.baseDirectory).toBe("/somewhere")
    expect(result._tag === "Right" && result.right.isArray).toBe(true)
    expect(result._tag === "Right" && result.right.entries.map((e) => e.label)).toEqual(["<stdin>[0]", "<stdin>[1]"])
  })

  it("gathers every decode error of every spec", async () => {
    const bad = { ...Estimator.make({ command: "ls" }), nodeCount: "1" }
    const result = await load("-", { cwd: "/", stdin: JSON.stringify([bad, Estimator.make({ command: "ls" }), { ...bad, gpu: 1 }]) })
    expect(result._tag).toBe("Right")
    if (result._tag !== "Right") return
    const specs = SpecLoader.specsOf(result.right)
    expect(specs._tag).toBe("Left")
    if (specs._tag !== "Left") return
    expect(specs.left.failures.map((f) => [f.label, f.errors.map((e) => e.path)])).toEqual([
      ["<stdin>[0]", ["nodeCount"]],
      ["<stdin>[2]", ["nodeCount", "gpu"]]
    ])
  })

  it("fails with a typed error for a module whose default export is not an Estimator", async () => {
    const result = await load("not-estimator.mjs", { cwd: fixtures })
    expect(result._tag === "Left" && result.left._tag).toBe("NotAnEstimator")
  })
})

describe("SpecLoader helpers", () => {
  it("kindOf reads the extension", () => {
    expect(["a.ts", "a.MTS", "b.mjs", "c.json", "d.yml", "e.yaml", "-", "f.txt", "g"].map(SpecLoader.kindOf))
      .toEqual(["typescript", "typescript", "javascript", "json", "yaml", "yaml", "stdin", undefined, undefined])
  })

  it("lineAndColumn points at the character at the offset", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", "\n"), { minLength: 1, maxLength: 40 }).map((cs) => cs.join("")), fc.nat(), (text, n) => {
        const offset = n % text.length
        const { line, column } = SpecLoader.lineAndColumn(text, offset)
        expect(text.split("\n")[line - 1]?.[column - 1] ?? "\n").toBe(text[offset])
      })
    )
  })

  const segment = fc.constantFrom("a", "b", "src", "..", ".")
  const relative = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/"))
  const directory = fc.array(fc.constantFrom("x", "y", "z"), { minLength: 3, maxLength: 5 }).map((s) => `/${s.join("/")}`)

  it("rebase: every relative path names the same place from the new folder", () => {
    fc.assert(
      fc.property(relative, relative, relative, directory, directory, (source, context, local, from, to) => {
        const spec = Estimator.withInput(
          Estimator.withBuildContext(Estimator.make({ entryScript: "t.py", sourceDirectory: source }), context),
          "data",
          { _tag: "Data", type: "uri_folder", mode: "ro_mount", source: { _tag: "LocalPath", path: local } }
        )
        const moved = SpecLoader.rebase(spec, from, to, path)
        expect(nodePath.resolve(to, moved.sourceDirectory)).toBe(nodePath.resolve(from, source))
        expect(nodePath.resolve(to, moved.environment.build!.context)).toBe(nodePath.resolve(from, context))
        const input = moved.inputs["data"]
        expect(input?._tag === "Data" && input.source._tag === "LocalPath" && nodePath.resolve(to, input.source.path)).toBe(nodePath.resolve(from, local))
        // Nothing else changes.
        expect({ ...moved, sourceDirectory: source, environment: spec.environment, inputs: spec.inputs }).toEqual(spec)
      })
    )
  })

  it("rebase keeps absolute paths, and relativePath falls back to absolute across the root", () => {
    const spec = Estimator.make({ entryScript: "t.py", sourceDirectory: "/opt/code" })
    expect(SpecLoader.rebase(spec, "/a", "/b", path).sourceDirectory).toBe("/opt/code")
    expect(SpecLoader.relativePath("/work/main", "/work/shared/x", path)).toBe("../shared/x")
    expect(SpecLoader.relativePath("/tmp", "/work/shared/x", path)).toBe("/work/shared/x")
    expect(SpecLoader.relativePath("/work", "/work", path)).toBe(".")
  })

  it("throwSite finds the spec module's frame and nothing else", () => {
    const error = new Error("boom")
    error.stack = "Error: boom\n    at f (node:internal/x:1:2)\n    at file:///work/job.ts:4:9\n    at g (file:///other.ts:1:1)"
    expect(SpecLoader.throwSite(error, "/work/job.ts")).toBe("job.ts:4:9")
    expect(SpecLoader.throwSite(error, "/work/other.ts")).toBeUndefined()
    expect(SpecLoader.throwSite("not an error", "/work/job.ts")).toBeUndefined()
  })
})
