import { Estimator, Framework } from "@estimator/core"
import { describe, expect, it } from "vitest"
import * as Catalog from "../src/Catalog.js"
import * as Chainer from "../src/Chainer.js"
import { frameworkEnvironment } from "../src/FrameworkEnvironment.js"
import * as PyTorch from "../src/PyTorch.js"
import * as SKLearn from "../src/SKLearn.js"
import * as TensorFlow from "../src/TensorFlow.js"

const modules = { Chainer, PyTorch, TensorFlow, SKLearn } as const

describe("Catalog", () => {
  it("lists the frameworks in core's order", () => {
    expect(Catalog.frameworks.map((entry) => entry.name)).toEqual(Framework.names)
    for (const entry of Catalog.frameworks) expect(Catalog.byName[entry.name]).toBe(entry)
  })

  it("re-uses core's catalogue: one source of truth for versions, defaults and distributions", () => {
    for (const entry of Catalog.frameworks) {
      const module = modules[entry.name]
      expect(entry.supportedVersions).toBe(Framework.supportedVersions[entry.name])
      expect(module.supportedVersions).toBe(Framework.supportedVersions[entry.name])
      expect(module.FRAMEWORK_NAME).toBe(entry.name)
      expect(entry.defaultVersion).toBe(Framework.defaultVersions[entry.name])
      expect(module.DEFAULT_VERSION).toBe(entry.defaultVersion)
      expect(entry.allowedDistributions).toBe(Framework.allowedDistributions[entry.name])
      expect(entry.versions.map((v) => v.version)).toEqual(entry.supportedVersions)
      expect(entry.versions.filter((v) => v.isDefault).map((v) => v.version)).toEqual([entry.defaultVersion])
    }
  })

  it("names the preset each module exports, which sets that framework", () => {
    for (const entry of Catalog.frameworks) {
      const preset = (modules[entry.name] as unknown as Record<string, unknown>)[entry.preset]
      expect(typeof preset).toBe("function")
      const spec = (preset as () => (self: Estimator.Estimator) => Estimator.Estimator)()(Estimator.make({ entryScript: "train.py" }))
      expect(spec.framework?.name).toBe(entry.name)
    }
  })

  it("has a GPU environment for every version except SKLearn's", () => {
    for (const entry of Catalog.frameworks) {
      expect(entry.gpu).toBe(entry.name !== "SKLearn")
      for (const v of entry.versions) expect(v.gpu !== undefined).toBe(entry.gpu)
    }
  })

  it("agrees with frameworkEnvironment", () => {
    for (const entry of Catalog.frameworks) {
      for (const v of entry.versions) {
        const framework = { name: entry.name, version: v.version }
        expect(v.cpu).toEqual(frameworkEnvironment(framework, false))
        expect(v.gpu).toEqual(frameworkEnvironment(framework, true))
      }
    }
  })

  it("is plain JSON data", () => {
    expect(JSON.parse(JSON.stringify(Catalog.frameworks))).toEqual(Catalog.frameworks)
  })

  it("finds a version by its exact string", () => {
    expect(Catalog.findVersion("PyTorch", "1.4")?.cpu.pipPackages).toContain("torch==1.4.0")
    expect(Catalog.findVersion("PyTorch", "1.4.0")).toBeUndefined()
    expect(Catalog.findVersion("SKLearn", "0.20.3")?.gpu).toBeUndefined()
  })
})
