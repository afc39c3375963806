import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import * as SwaggerCheck from "../src/testing/SwaggerCheck.js"

// The swagger is shared data that lives beside the clone: /work/main -> /work/shared.
const swaggerDirectory = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../shared/azureml/rest/2024-04-01"
)

const WORKSPACE =
  "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}"

const loadSharedSwagger = (): SwaggerCheck.SwaggerCheck => {
  if (!fs.existsSync(path.join(swaggerDirectory, "mfe.json"))) {
    throw new Error(
      `The shared Azure ML swagger data is required by these tests: expected ${swaggerDirectory}/mfe.json ` +
        "(the folder shared/azureml/rest/2024-04-01 beside the repository clone)."
    )
  }
  return SwaggerCheck.load(swaggerDirectory)
}

const validCommandJob = {
  properties: {
    jobType: "Command",
    command: "python train.py",
    environmentId: "azureml:env:1",
    computeId: "/subscriptions/x/resourceGroups/y/providers/Microsoft.MachineLearningServices/workspaces/z/computes/cpu",
    distribution: { distributionType: "Mpi", processCountPerInstance: 2 },
    resources: { instanceCount: 2, shmSize: "2g" },
    limits: { jobLimitsType: "Command", timeout: "PT1H" },
    inputs: { data: { jobInputType: "uri_folder", uri: "azureml://datastores/ds/paths/p", mode: "ReadOnlyMount" } }
  }
}

type JobProperties = Record<string, unknown>

const commandJobWith = (edit: (properties: JobProperties) => void): unknown => {
  const body = structuredClone(validCommandJob)
  edit(body.properties)
  return body
}

interface PutExample {
  readonly name: string
  readonly pathTemplate: string
  readonly concretePath: string
  readonly body: unknown
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** PUT examples of jobs, code and environments that are present in the examples folder. */
const putExamples = (): Array<PutExample> => {
  const mfe: unknown = JSON.parse(fs.readFileSync(path.join(swaggerDirectory, "mfe.json"), "utf8"))
  const paths = isRecord(mfe) && isRecord(mfe["paths"]) ? mfe["paths"] : {}
  const examples: Array<PutExample> = []
  for (const [pathTemplate, pathItem] of Object.entries(paths)) {
    if (!pathTemplate.startsWith(`${WORKSPACE}/`) || !/\/(jobs|codes|environments)\//.test(pathTemplate)) continue
    const put = isRecord(pathItem) ? pathItem["put"] : undefined
    const references = isRecord(put) && isRecord(put["x-ms-examples"]) ? put["x-ms-examples"] : {}
    for (const reference of Object.values(references)) {
      const file = isRecord(reference) && typeof reference["$ref"] === "string" ? reference["$ref"] : ""
      const absolute = path.join(swaggerDirectory, file)
      if (file === "" || !fs.existsSync(absolute)) continue
      const example: unknown = JSON.parse(fs.readFileSync(absolute, "utf8"))
      const parameters = isRecord(example) && isRecord(example["parameters"]) ? example["parameters"] : {}
      const concretePath = pathTemplate.replace(/\{([^{}]+)\}/g, (_, name: string) =>
        encodeURIComponent(String(parameters[name]))
      )
      examples.push({ name: path.posix.normalize(file), pathTemplate, concretePath, body: parameters["body"] })
    }
  }
  return examples
}

// Loaded on first use, so that every test fails with the message above when the data is missing.
let loaded: SwaggerCheck.SwaggerCheck | undefined
const sharedSwagger = (): SwaggerCheck.SwaggerCheck => (loaded ??= loadSharedSwagger())

describe("SwaggerCheck", () => {
  it("loads mfe.json and the files it references", () => {
    expect(sharedSwagger().files[0]).toBe("mfe.json")
    expect(sharedSwagger().files).toEqual(
      expect.arrayContaining([
        "machineLearningServices.json",
        "registries.json",
        "common-types/resource-management/v3/types.json"
      ])
    )
    expect(sharedSwagger().definitionNames).toContain("JobBaseResource")
  })

  it("a freshly loaded checker accepts a valid body on its first check", () => {
    sharedSwagger() // fails first with the message about the shared data
    const fresh = SwaggerCheck.load(swaggerDirectory)
    expect(SwaggerCheck.check(fresh, "JobBaseResource", validCommandJob)).toEqual([])
  })

  it("accepts every x-ms-examples request body of the job, code and environment PUT operations", () => {
    const swagger = sharedSwagger()
    const examples = putExamples()
    expect(examples.map((example) => example.name)).toEqual(
      expect.arrayContaining([
        "examples/Job/CommandJob/createOrUpdate.json",
        "examples/Job/SweepJob/createOrUpdate.json",
        "examples/Job/PipelineJob/createOrUpdate.json",
        "examples/Workspace/CodeContainer/createOrUpdate.json",
        "examples/Workspace/CodeVersion/createOrUpdate.json",
        "examples/Workspace/EnvironmentContainer/createOrUpdate.json",
        "examples/Workspace/EnvironmentVersion/createOrUpdate.json"
      ])
    )
    const results = examples.map((example) => ({
      name: example.name,
      byTemplate: SwaggerCheck.checkOperation(swagger, "PUT", example.pathTemplate, example.body),
      byConcretePath: SwaggerCheck.checkOperation(swagger, "put", example.concretePath, example.body)
    }))
    expect(results).toEqual(examples.map((example) => ({ name: example.name, byTemplate: [], byConcretePath: [] })))
  })

  it("accepts a minimal command job", () => {
    expect(SwaggerCheck.check(sharedSwagger(), "JobBaseResource", validCommandJob)).toEqual([])
    expect(SwaggerCheck.checkOperation(sharedSwagger(), "PUT", `${WORKSPACE}/jobs/{id}`, validCommandJob)).toEqual([])
    expect(SwaggerCheck.check(sharedSwagger(), "CommandJob", validCommandJob.properties)).toEqual([])
  })

  it("accepts null where the swagger says x-nullable", () => {
    const body = commandJobWith((properties) => {
      properties["distribution"] = null
      properties["identity"] = null
    })
    expect(SwaggerCheck.check(sharedSwagger(), "JobBaseResource", body)).toEqual([])
  })

  it("reports a wrong enum value with its path and the allowed values", () => {
    const body = commandJobWith((properties) => {
      properties["inputs"] = { data: { jobInputType: "uri_folder", uri: "azureml://datastores/ds/paths/p", mode: "Mount" } }
    })
    expect(SwaggerCheck.check(sharedSwagger(), "JobBaseResource", body)).toEqual([
      {
        path: "/properties/inputs/data/mode",
        message: expect.stringContaining(`"ReadOnlyMount", "ReadWriteMount", "Download", "Direct"`)
      }
    ])
  })

  it("reports an unknown nested discriminator value", () => {
    const body = commandJobWith((properties) => {
      properties["distribution"] = { distributionType: "Horovod", processCountPerInstance: 2 }
    })
    expect(SwaggerCheck.check(sharedSwagger(), "JobBaseResource", body)).toEqual([
      {
        path: "/properties/distribution/distributionType",
        message: 'must be equal to one of the allowed values: "Mpi", "PyTorch", "TensorFlow"'
      }
    ])
  })

  it("reports an unknown job type", () => {
    const body = commandJobWith((properties) => {
      properties["jobType"] = "Batch"
    })
    expect(SwaggerCheck.check(sharedSwagger(), "JobBaseResource", body)).toEqual([
      {
        path: "/properties/jobType",
        message: 'must be equal to one of the allowed values: "AutoML", "Command", "Pipeline", "Spark", "Sweep"'
      }
    ])
  })

  it("reports the required fields of the subtype named by the discriminator", () => {
    const withoutCommand = commandJobWith((properties) => {
      delete properties["command"]
    })
    const withoutEnvironment = commandJobWith((properties) => {
      delete properties["environmentId"]
    })
    expect(SwaggerCheck.check(sharedSwagger(), "JobBaseResource", withoutCommand)).toEqual([
      { path: "/properties/command", message: "must have required property 'command'" }
    ])
    expect(SwaggerCheck.check(sharedSwagger(), "JobBaseResource", withoutEnvironment)).toEqual([
      { path: "/properties/environmentId", message: "must have required property 'environmentId'" }
    ])
  })

  it("reports a wrong type", () => {
    const body = commandJobWith((properties) => {
      properties["resources"] = { instanceCount: "2", shmSize: "2g" }
    })
    expect(SwaggerCheck.check(sharedSwagger(), "JobBaseResource", body)).toEqual([
      { path: "/properties/resources/instanceCount", message: "must be integer" }
    ])
  })

  it("reports a shmSize that does not match the swagger pattern", () => {
    const body = commandJobWith((properties) => {
      properties["resources"] = { instanceCount: 2, shmSize: "large" }
    })
    expect(SwaggerCheck.check(sharedSwagger(), "JobBaseResource", body)).toEqual([
      { path: "/properties/resources/shmSize", message: 'must match pattern "\\d+[bBkKmMgG]"' }
    ])
  })

  it("checks ISO-8601 durations strictly", () => {
    const withTimeout = (timeout: string) =>
      SwaggerCheck.check(sharedSwagger(), "JobBaseResource", commandJobWith((properties) => {
        properties["limits"] = { jobLimitsType: "Command", timeout }
      }))
    for (const timeout of ["PT15M", "P1DT2H", "PT1H30M", "PT1.5S"]) {
      expect(withTimeout(timeout)).toEqual([])
    }
    for (const timeout of ["1h", "PT", "P1DT", "15 minutes"]) {
      expect(withTimeout(timeout)).toEqual([{ path: "/properties/limits/timeout", message: 'must match format "duration"' }])
    }
  })

  it("reports properties that the model does not declare (additionalProperties: false)", () => {
    const body = commandJobWith((properties) => {
      properties["distribution"] = { distributionType: "Mpi", processCountPerNode: 2 }
    })
    expect(SwaggerCheck.check(sharedSwagger(), "JobBaseResource", body)).toEqual([
      {
        path: "/properties/distribution/processCountPerNode",
        message: "is not a property of this model (additionalProperties: false)"
      }
    ])
  })

  it("reports read-only properties in requests, and accepts them when checking a response", () => {
    const body = {
      id: "/subscriptions/x/resourceGroups/y/providers/Microsoft.MachineLearningServices/workspaces/z/jobs/j",
      properties: { ...validCommandJob.properties, status: "Running" }
    }
    expect(SwaggerCheck.check(sharedSwagger(), "JobBaseResource", body)).toEqual([
      { path: "/id", message: "is read-only (response-only) and must not be sent in a request" },
      { path: "/properties/status", message: "is read-only (response-only) and must not be sent in a request" }
    ])
    expect(SwaggerCheck.check(sharedSwagger(), "JobBaseResource", body, { request: false })).toEqual([])
  })

  it("rejects a subtype checked directly with another discriminator value", () => {
    expect(
      SwaggerCheck.check(sharedSwagger(), "CommandJob", { ...validCommandJob.properties, jobType: "Sweep" })
    ).toEqual([{ path: "/jobType", message: 'must be equal to constant: "Command"' }])
  })

  it("throws on unknown definitions, operations and directories", () => {
    expect(() => SwaggerCheck.check(sharedSwagger(), "NoSuchDefinition", {})).toThrow(/NoSuchDefinition/)
    expect(() => SwaggerCheck.checkOperation(sharedSwagger(), "PUT", `${WORKSPACE}/nothing/{id}`, {})).toThrow(/no operation/)
    expect(() => SwaggerCheck.load("/does/not/exist")).toThrow(/\/does\/not\/exist/)
  })
})
