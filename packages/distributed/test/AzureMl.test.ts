import { Estimator } from "@estimator/core"
import * as fc from "fast-check"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import * as AzureMl from "../src/AzureMl.js"
import * as Arb from "./utils/arbitraries.js"
import { base, mpi, pytorch, tensorflow } from "./utils/plans.js"

describe("toAzureMlDistribution", () => {
  it("maps each distribution to its REST object, and None to no distribution", () => {
    expect(AzureMl.toAzureMlDistribution(base)).toBeUndefined()
    expect(AzureMl.toAzureMlDistribution(mpi(2, 4))).toEqual({ distributionType: "Mpi", processCountPerInstance: 4 })
    expect(AzureMl.toAzureMlDistribution(pytorch(3, 2, "gloo"))).toEqual({ distributionType: "PyTorch", processCountPerInstance: 2 })
    expect(AzureMl.toAzureMlDistribution(tensorflow(4, 1, 4))).toEqual({ distributionType: "TensorFlow", workerCount: 4, parameterServerCount: 1 })
  })
})

describe("instanceCount", () => {
  it("is the node count", () => {
    expect(AzureMl.instanceCount(base)).toBe(1)
    expect(AzureMl.instanceCount(mpi(3, 2))).toBe(3)
    expect(AzureMl.instanceCount(Estimator.withTensorFlow(base, 5, 2))).toBe(5)
    expect(AzureMl.instanceCount(tensorflow(5, 2, 2))).toBe(2)
  })
})

// The swagger is shared data that lives beside the clone: /work/main -> /work/shared.
const mfePath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../shared/azureml/rest/2024-04-01/mfe.json")

interface SwaggerSchema {
  readonly type?: string
  readonly format?: string
  readonly enum?: ReadonlyArray<string>
  readonly required?: ReadonlyArray<string>
  readonly properties?: Record<string, SwaggerSchema>
  readonly allOf?: ReadonlyArray<{ readonly $ref: string }>
  readonly $ref?: string
  readonly "x-ms-discriminator-value"?: string
}

const loadDefinitions = (): Record<string, SwaggerSchema> => {
  if (!fs.existsSync(mfePath)) {
    throw new Error(`The Azure ML swagger is required by these tests: expected ${mfePath} (shared/azureml/rest/2024-04-01 beside the clone).`)
  }
  return (JSON.parse(fs.readFileSync(mfePath, "utf8")) as { definitions: Record<string, SwaggerSchema> }).definitions
}

/** The properties and required names of a swagger definition, with those of its allOf parents. */
const flatten = (definitions: Record<string, SwaggerSchema>, name: string): { properties: Record<string, SwaggerSchema>; required: ReadonlyArray<string> } => {
  const definition = definitions[name]
  if (definition === undefined) throw new Error(`no definition ${name}`)
  const parents = (definition.allOf ?? []).map((ref) => flatten(definitions, ref.$ref.replace("#/definitions/", "")))
  return {
    properties: Object.assign({}, ...parents.map((p) => p.properties), definition.properties ?? {}),
    required: [...parents.flatMap((p) => p.required), ...(definition.required ?? [])]
  }
}

const conforms = (definitions: Record<string, SwaggerSchema>, value: AzureMl.Distribution): void => {
  const enumValues = definitions["DistributionType"]?.enum ?? []
  expect(enumValues).toContain(value.distributionType)
  const definitionName = Object.keys(definitions).find((name) => definitions[name]?.["x-ms-discriminator-value"] === value.distributionType && definitions[name]?.allOf?.some((ref) => ref.$ref === "#/definitions/DistributionConfiguration"))
  expect(definitionName).toBe(value.distributionType)
  const { properties, required } = flatten(definitions, definitionName ?? "")
  for (const name of required) expect(value).toHaveProperty(name)
  for (const [name, v] of Object.entries(value)) {
    const schema = properties[name]
    expect(schema, `${value.distributionType}.${name} is not in the swagger`).toBeDefined()
    if (schema?.type === "integer") {
      expect(Number.isInteger(v)).toBe(true)
      if (schema.format === "int32") expect(Math.abs(v as number)).toBeLessThan(2 ** 31)
    }
  }
}

describe("against the 2024-04-01 swagger (Mpi, PyTorch, TensorFlow, DistributionConfiguration)", () => {
  it("uses only the properties the definitions declare, with their types", () => {
    const definitions = loadDefinitions()
    const specs = fc.oneof(
      Arb.layout.map(({ nodes, perNode }) => mpi(nodes, perNode)),
      Arb.layout.map(({ nodes, perNode }) => pytorch(nodes, perNode)),
      Arb.tensorFlowJob.map(({ workers, parameterServers, nodes }) => tensorflow(workers, parameterServers, nodes))
    )
    fc.assert(fc.property(specs, (spec) => {
      const distribution = AzureMl.toAzureMlDistribution(spec)
      expect(distribution).toBeDefined()
      if (distribution !== undefined) conforms(definitions, distribution)
    }))
  })

  it("the checker rejects a misspelt property (so it can fail)", () => {
    const definitions = loadDefinitions()
    const misspelt = { distributionType: "Mpi", processCountPerNode: 2 } as unknown as AzureMl.Distribution
    expect(() => conforms(definitions, misspelt)).toThrow()
  })
})
