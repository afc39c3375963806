import * as E from "fp-ts/lib/Either.js"
import { describe, expect, it } from "vitest"
import * as Estimator from "../src/Estimator.js"
import * as JsonSchema from "../src/JsonSchema.js"

const json = JSON.parse(JSON.stringify(Estimator.make({ entryScript: "train.py" })))
const errorsOf = (u: unknown) => {
  const result = Estimator.decode(u)
  if (E.isRight(result)) throw new Error("expected a decode failure")
  return result.left
}

describe("decode", () => {
  it("accepts a well-formed JSON spec", () => {
    expect(Estimator.decode(json)).toEqual(E.right(Estimator.make({ entryScript: "train.py" })))
  })

  it("rejects unknown fields with their path instead of dropping them", () => {
    expect(errorsOf({ ...json, nodecount: 2 })).toEqual([{ path: "nodecount", message: expect.stringContaining('unknown field "nodecount" in Estimator') }])
    expect(errorsOf({ ...json, environment: { ...json.environment, pip: ["x"] } })).toEqual([{ path: "environment.pip", message: expect.stringContaining("known fields: docker, userManagedPython, condaPackages, pipPackages") }])
  })

  it("reports wrong types with their path, all at once", () => {
    const errors = errorsOf({ ...json, nodeCount: "2", arguments: ["ok", { x: 1 }], environment: { ...json.environment, pipPackages: ["a", 3] }, inputs: { d: { _tag: "Data", type: "folder", source: { _tag: "Uri", uri: "https://x" }, mode: "ro_mount" } } })
    expect(errors.map((e) => e.path)).toEqual(["arguments[1]._tag", "nodeCount", "environment.pipPackages[1]", "inputs.d.type"])
    expect(errors.find((e) => e.path === "nodeCount")?.message).toBe('expected a finite number, got "2"')
  })

  it("names the tagged-union member it expected", () => {
    expect(errorsOf({ ...json, compute: { _tag: "Kubernetes" } })).toEqual([{ path: "compute._tag", message: 'expected _tag "Local" | "Cluster" | "Serverless", got "Kubernetes"' }])
    expect(errorsOf({ ...json, compute: { _tag: "Cluster" } })).toEqual([{ path: "compute.name", message: 'missing required field "name" (string)' }])
  })

  it("reports missing required fields and a wrong spec version", () => {
    const { arguments: _, ...rest } = json
    expect(errorsOf({ ...rest, specVersion: 2 }).map((e) => e.path)).toEqual(["specVersion", "arguments"])
    expect(errorsOf(null)).toEqual([{ path: "", message: "expected Estimator (an object), got null" }])
    expect(errorsOf([])[0]?.message).toContain("an array")
  })

  it("numbers must be finite (NaN and Infinity have no JSON form)", () => {
    expect(errorsOf({ ...json, nodeCount: Number.NaN })).toEqual([{ path: "nodeCount", message: "expected a finite number, got NaN" }])
    expect(errorsOf({ ...json, arguments: [Number.POSITIVE_INFINITY] })[0]?.path).toBe("arguments[0]")
  })

  it("secrets decode as references only", () => {
    expect(errorsOf({ ...json, secretEnvironmentVariables: { K: "plain value" } })[0]?.path).toBe("secretEnvironmentVariables.K")
    expect(E.isRight(Estimator.decode({ ...json, secretEnvironmentVariables: { K: { _tag: "Secret", source: "env", name: "K" } } }))).toBe(true)
  })
})

describe("JSON Schema", () => {
  const schema = JsonSchema.estimator() as { properties: Record<string, any>; required: ReadonlyArray<string>; additionalProperties: boolean }

  it("lists every field the codec knows, with the same required fields, and forbids others", () => {
    expect(Object.keys(schema.properties).sort()).toEqual([
      "_tag", "arguments", "command", "compute", "description", "displayName", "distribution", "dockerArgs", "entryScript", "environment",
      "environmentVariables", "experimentName", "framework", "gpu", "inputs", "maxRunDurationSeconds", "name", "nodeCount", "outputs",
      "processCountPerNode", "resumeFrom", "secretEnvironmentVariables", "shmSize", "sourceDirectory", "sourceDirectoryDatastore", "specVersion", "tags"
    ])
    expect(schema.required).toContain("environment")
    expect(schema.required).not.toContain("entryScript")
    expect(schema.additionalProperties).toBe(false)
    expect(schema.properties["compute"].oneOf.map((m: any) => m.properties._tag.const)).toEqual(["Local", "Cluster", "Serverless"])
    expect(schema.properties["framework"].properties.name.enum).toEqual(["Chainer", "PyTorch", "TensorFlow", "SKLearn"])
  })
})
