import * as fs from "node:fs"
import * as http from "node:http"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as SwaggerCheck from "../src/testing/SwaggerCheck.js"
import { checkResponse, defaultSwaggerDirectory, findOperation, loadSwagger } from "./emulator/swagger.js"
import { type Emulator, type EmulatorOptions, startEmulator } from "./emulator/workspace.js"

const API_VERSION = "2024-04-01"

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: unknown
}

interface CallOptions {
  readonly body?: unknown
  readonly rawBody?: string
  readonly query?: Readonly<Record<string, string>>
  /** `null` leaves `api-version` out. */
  readonly apiVersion?: string | null
  readonly auth?: boolean
}

/** `relative` is a path under the workspace (`jobs/x`), `""` for the workspace, or an absolute URL. */
const call = async (emulator: Emulator, method: string, relative: string, options: CallOptions = {}): Promise<Answer> => {
  const url = relative.startsWith("http")
    ? new URL(relative)
    : new URL(`${emulator.url}${emulator.workspace.resourceId}${relative === "" ? "" : `/${relative}`}`)
  const apiVersion = options.apiVersion === undefined ? API_VERSION : options.apiVersion
  if (apiVersion !== null && !url.searchParams.has("api-version")) url.searchParams.set("api-version", apiVersion)
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value)
  const headers: Record<string, string> = {}
  if (options.auth !== false) headers["authorization"] = "Bearer test-token"
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body))
  if (body !== undefined) headers["content-type"] = "application/json"
  const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) })
  const text = await response.text()
  let json: unknown
  try {
    json = text === "" ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json }
}

const withEmulator = async (options: EmulatorOptions, test: (emulator: Emulator) => Promise<void>): Promise<void> => {
  const emulator = await startEmulator(options)
  try {
    await test(emulator)
  } finally {
    await emulator.close()
  }
}

const commandJob = (overrides: Record<string, unknown> = {}) => ({
  properties: {
    jobType: "Command",
    command: "python train.py --epochs 3",
    environmentId: "azureml://registries/azureml/environments/sklearn-1.5/versions/1",
    experimentName: "estimator-tests",
    ...overrides
  }
})

const get = (value: unknown, ...keys: ReadonlyArray<string>): unknown =>
  keys.reduce<unknown>(
    (node, key) => (typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined),
    value
  )

const statusOf = (answer: Answer): unknown => get(answer.json, "properties", "status")

interface PutExample {
  readonly file: string
  readonly relative: string
  readonly body: unknown
}

/** The x-ms-examples request bodies of the job, code and environment PUT operations, on the emulator's workspace. */
const putExamples = (): Array<PutExample> => {
  const mfe: unknown = JSON.parse(fs.readFileSync(path.join(defaultSwaggerDirectory, "mfe.json"), "utf8"))
  const examples: Array<PutExample> = []
  const paths = get(mfe, "paths")
  for (const [template, pathItem] of Object.entries(typeof paths === "object" && paths !== null ? paths : {})) {
    const match = /\/workspaces\/\{workspaceName\}\/((?:jobs|codes|environments)\/.*)$/.exec(template)
    const references = get(pathItem, "put", "x-ms-examples")
    if (match?.[1] === undefined || typeof references !== "object" || references === null) continue
    for (const reference of Object.values(references)) {
      const file = get(reference, "$ref")
      if (typeof file !== "string" || !fs.existsSync(path.join(defaultSwaggerDirectory, file))) continue
      const example: unknown = JSON.parse(fs.readFileSync(path.join(defaultSwaggerDirectory, file), "utf8"))
      const relative = match[1].replace(/\{([^{}]+)\}/g, (_, name: string) =>
        // Each job example gets its own name: the examples all use "string", and a job name is unique.
        name === "id" ? `example-${examples.length}` : encodeURIComponent(String(get(example, "parameters", name)))
      )
      examples.push({ file: path.posix.normalize(file), relative, body: get(example, "parameters", "body") })
    }
  }
  return examples
}

describe("workspace emulator: requests checked against the swagger", () => {
  it("listens on a loopback address only", async () => {
    await withEmulator({}, async (emulator) => {
      expect(new URL(emulator.url).hostname).toBe("127.0.0.1")
      expect(Number(new URL(emulator.url).port)).toBeGreaterThan(0)
    })
  })

  it("accepts every x-ms-examples PUT body of jobs, code and environments", async () => {
    const examples = putExamples()
    expect(examples.map((example) => example.file)).toEqual(
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
    await withEmulator({}, async (emulator) => {
      const statuses: Array<{ file: string; status: number }> = []
      for (const example of examples) {
        const answer = await call(emulator, "PUT", example.relative, { body: example.body })
        statuses.push({ file: example.file, status: answer.status })
      }
      expect(statuses).toEqual(examples.map((example) => ({ file: example.file, status: 201 })))
      expect(emulator.state.violations).toEqual([])
      expect(emulator.state.responseViolations).toEqual([])
      expect(emulator.state.unhandled).toEqual([])
    })
  })

  it("rejects a wrong enum value with 400 SwaggerViolation and records it", async () => {
    await withEmulator({}, async (emulator) => {
      const body = commandJob({
        inputs: { data: { jobInputType: "uri_folder", uri: "azureml://datastores/workspaceblobstore/paths/d", mode: "Mount" } }
      })
      const answer = await call(emulator, "PUT", "jobs/bad-enum", { body })
      expect(answer.status).toBe(400)
      expect(get(answer.json, "error", "code")).toBe("SwaggerViolation")
      expect(String(get(answer.json, "error", "message"))).toContain("/properties/inputs/data/mode")
      expect(emulator.state.violations).toHaveLength(1)
      expect(emulator.state.violations[0]).toMatchObject({
        operation: "PUT jobs",
        method: "PUT",
        issues: [{ path: "/properties/inputs/data/mode", message: expect.stringContaining('"ReadOnlyMount"') }]
      })
      // Nothing was created.
      expect((await call(emulator, "GET", "jobs/bad-enum")).status).toBe(404)
    })
  })

  it("rejects a body missing a required field", async () => {
    await withEmulator({}, async (emulator) => {
      const body = { properties: { jobType: "Command", environmentId: "azureml:env:1" } }
      const answer = await call(emulator, "PUT", "jobs/no-command", { body })
      expect(answer.status).toBe(400)
      expect(get(answer.json, "error", "code")).toBe("SwaggerViolation")
      expect(emulator.state.violations.flatMap((violation) => violation.issues)).toEqual([
        { path: "/properties/command", message: "must have required property 'command'" }
      ])
      expect(emulator.state.jobNames()).toEqual([])
    })
  })

  it("rejects read-only properties, bodies that are not JSON and bodies on operations that take none", async () => {
    await withEmulator({}, async (emulator) => {
      const readOnly = await call(emulator, "PUT", "jobs/with-status", { body: commandJob({ status: "Running" }) })
      const notJson = await call(emulator, "PUT", "jobs/not-json", { rawBody: "{properties:" })
      const cancelBody = await call(emulator, "POST", "datastores/workspaceblobstore/listSecrets", { body: {} })
      expect([readOnly.status, notJson.status, cancelBody.status]).toEqual([400, 400, 400])
      expect(emulator.state.violations.map((violation) => violation.issues[0]?.path)).toEqual(["/properties/status", "", ""])
      expect(emulator.state.violations[1]?.issues[0]?.message).toMatch(/not JSON/)
      expect(emulator.state.violations[2]?.issues[0]?.message).toMatch(/takes no request body/)
    })
  })

  it("checks the URL: api-version present, path parameters by their swagger pattern, known query parameters", async () => {
    await withEmulator({}, async (emulator) => {
      const noApiVersion = await call(emulator, "GET", "", { apiVersion: null })
      const badJobName = await call(emulator, "PUT", "jobs/-starts-with-dash", { body: commandJob() })
      const unknownQuery = await call(emulator, "GET", "datastores", { query: { isdefault: "true" } })
      const badBoolean = await call(emulator, "GET", "datastores", { query: { isDefault: "yes" } })
      const undocumented = await call(emulator, "GET", "jobs/x/logs")
      expect([noApiVersion, badJobName, unknownQuery, badBoolean, undocumented].map((answer) => answer.status)).toEqual([
        400, 400, 400, 400, 400
      ])
      expect(emulator.state.violations.map((violation) => violation.issues.map((issue) => issue.path))).toEqual([
        ["query:api-version"],
        ["path:id"],
        ["query:isdefault"],
        ["query:isDefault"],
        [""]
      ])
      expect(emulator.state.violations[4]?.issues[0]?.message).toMatch(/not an operation of the Azure ML swagger/)
      expect(emulator.state.jobNames()).toEqual([])
    })
  })

  it("answers 501 for a documented operation it does not emulate, and records it apart from violations", async () => {
    await withEmulator({}, async (emulator) => {
      const answer = await call(emulator, "DELETE", "jobs/some-job")
      expect(answer.status).toBe(501)
      expect(emulator.state.unhandled).toEqual([
        { method: "DELETE", path: `${emulator.workspace.resourceId}/jobs/some-job`, operationId: "Jobs_Delete" }
      ])
      expect(emulator.state.violations).toEqual([])
    })
  })

  it("requires a bearer token unless told not to", async () => {
    await withEmulator({}, async (emulator) => {
      const answer = await call(emulator, "GET", "", { auth: false })
      expect(answer.status).toBe(401)
      expect(get(answer.json, "error", "code")).toBe("AuthenticationFailed")
    })
    await withEmulator({ requireAuth: false }, async (emulator) => {
      expect((await call(emulator, "GET", "", { auth: false })).status).toBe(200)
    })
  })

  it("answers 404 for another workspace", async () => {
    await withEmulator({}, async (emulator) => {
      const other = emulator.workspace.resourceId.replace(/workspaces\/[^/]+$/, "workspaces/other-ws")
      const answer = await call(emulator, "GET", `${emulator.url}${other}/jobs/x`)
      expect(answer.status).toBe(404)
      expect(emulator.state.violations).toEqual([])
    })
  })

  it("fails loudly when the swagger folder is missing", async () => {
    await expect(startEmulator({ swaggerDirectory: "/nonexistent/azureml/rest/2024-04-01" })).rejects.toThrow(
      /\/nonexistent\/azureml\/rest\/2024-04-01\/mfe\.json is missing/
    )
  })
})

describe("workspace emulator: jobs", () => {
  it("answers a repeated PUT of the same job idempotently, without restarting it", async () => {
    await withEmulator({}, async (emulator) => {
      const first = await call(emulator, "PUT", "jobs/job-1", { body: commandJob() })
      expect(first.status).toBe(201)
      expect(statusOf(first)).toBe("NotStarted")
      expect(statusOf(await call(emulator, "GET", "jobs/job-1"))).toBe("Queued")
      const again = await call(emulator, "PUT", "jobs/job-1", { body: commandJob() })
      expect(again.status).toBe(200)
      expect(get(again.json, "id")).toBe(get(first.json, "id"))
      expect(statusOf(again)).toBe("Queued")
      expect(emulator.state.jobNames()).toEqual(["job-1"])
      expect(emulator.state.job("job-1")?.history).toEqual(["NotStarted", "Queued"])
    })
  })

  it("updates tags on a repeated PUT, and refuses other changes with 409", async () => {
    await withEmulator({}, async (emulator) => {
      await call(emulator, "PUT", "jobs/job-2", { body: commandJob() })
      const retagged = await call(emulator, "PUT", "jobs/job-2", { body: commandJob({ tags: { team: "ml" } }) })
      expect(retagged.status).toBe(200)
      expect(get(retagged.json, "properties", "tags")).toEqual({ team: "ml" })
      const changed = await call(emulator, "PUT", "jobs/job-2", { body: commandJob({ command: "python other.py" }) })
      expect(changed.status).toBe(409)
      expect(String(get(changed.json, "error", "message"))).toContain("command")
      expect(get((await call(emulator, "GET", "jobs/job-2")).json, "properties", "command")).toBe("python train.py --epochs 3")
    })
  })

  it("answers with swagger-shaped resources: id, name, type, properties, systemData", async () => {
    await withEmulator({}, async (emulator) => {
      const answer = await call(emulator, "PUT", "jobs/shaped", { body: commandJob() })
      expect(answer.json).toMatchObject({
        id: `${emulator.workspace.resourceId}/jobs/shaped`,
        name: "shaped",
        type: "Microsoft.MachineLearningServices/workspaces/jobs",
        properties: {
          jobType: "Command",
          command: "python train.py --epochs 3",
          status: "NotStarted",
          services: { Studio: { jobServiceType: "Studio", endpoint: `${emulator.url}/studio/runs/shaped` } }
        },
        systemData: { createdByType: "User", createdAt: expect.any(String) }
      })
    })
  })

  it("advances statuses one step per poll through the default lifecycle, then stays terminal", async () => {
    await withEmulator({}, async (emulator) => {
      await call(emulator, "PUT", "jobs/polled", { body: commandJob() })
      const seen: Array<unknown> = []
      for (let poll = 0; poll < 6; poll += 1) seen.push(statusOf(await call(emulator, "GET", "jobs/polled")))
      expect(seen).toEqual(["Queued", "Preparing", "Running", "Completed", "Completed", "Completed"])
      expect(emulator.state.job("polled")?.history).toEqual(["NotStarted", "Queued", "Preparing", "Running", "Completed"])
    })
  })

  it("follows a configured lifecycle and poll count per step", async () => {
    await withEmulator(
      { lifecycle: () => ["Queued", "Running", "Failed"], advance: { pollsPerStep: 2 } },
      async (emulator) => {
        await call(emulator, "PUT", "jobs/fails", { body: commandJob() })
        const seen: Array<unknown> = []
        for (let poll = 0; poll < 4; poll += 1) seen.push(statusOf(await call(emulator, "GET", "jobs/fails")))
        expect(seen).toEqual(["Queued", "Running", "Running", "Failed"])
      }
    )
  })

  it("advances with time when msPerStep is set, and only by state.advance when manual", async () => {
    await withEmulator({ advance: { msPerStep: 250 } }, async (emulator) => {
      await call(emulator, "PUT", "jobs/timed", { body: commandJob() })
      expect(statusOf(await call(emulator, "GET", "jobs/timed"))).toBe("NotStarted")
      await new Promise((resolve) => setTimeout(resolve, 600))
      // Two steps after 600 ms (three if this machine is slow), however many polls happened.
      expect(["Preparing", "Running"]).toContain(statusOf(await call(emulator, "GET", "jobs/timed")))
      expect(emulator.state.job("timed")?.history).toEqual(
        ["NotStarted", "Queued", "Preparing", "Running"].slice(0, emulator.state.job("timed")?.history.length)
      )
    })
    await withEmulator({ advance: "manual" }, async (emulator) => {
      await call(emulator, "PUT", "jobs/manual", { body: commandJob() })
      expect(statusOf(await call(emulator, "GET", "jobs/manual"))).toBe("NotStarted")
      expect(emulator.state.advance("manual", 3)).toBe("Running")
      expect(statusOf(await call(emulator, "GET", "jobs/manual"))).toBe("Running")
    })
  })

  it("refuses a job whose codeId or environmentId names an unregistered version of this workspace", async () => {
    await withEmulator({ computes: ["cpu-cluster"] }, async (emulator) => {
      const ws = emulator.workspace.resourceId
      const body = commandJob({
        codeId: `${ws}/codes/snapshot/versions/1`,
        environmentId: `${ws}/environments/CliV2AnonymousEnvironment/versions/abc`,
        computeId: `${ws}/computes/cpu-cluster`
      })
      const before = await call(emulator, "PUT", "jobs/refs", { body })
      expect(before.status).toBe(400)
      expect(String(get(before.json, "error", "message"))).toContain("codeId")
      expect((await call(emulator, "PUT", "codes/snapshot/versions/1", { body: { properties: { codeUri: "https://x/y" } } })).status).toBe(201)
      const withoutEnvironment = await call(emulator, "PUT", "jobs/refs", { body })
      expect(String(get(withoutEnvironment.json, "error", "message"))).toContain("environmentId")
      const environment = { properties: { image: "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04", isAnonymous: true } }
      expect((await call(emulator, "PUT", "environments/CliV2AnonymousEnvironment/versions/abc", { body: environment })).status).toBe(201)
      expect((await call(emulator, "PUT", "jobs/refs", { body })).status).toBe(201)
      const otherCompute = await call(emulator, "PUT", "jobs/refs-2", { body: { properties: { ...body.properties, computeId: `${ws}/computes/gpu` } } })
      expect(otherCompute.status).toBe(400)
      expect(emulator.state.violations).toEqual([])
    })
  })

  it("cancels through the LRO: 202 with Location and Azure-AsyncOperation, then Succeeded and the job Canceled", async () => {
    await withEmulator({ lroRetryAfterSeconds: 11 }, async (emulator) => {
      await call(emulator, "PUT", "jobs/to-cancel", { body: commandJob() })
      await call(emulator, "GET", "jobs/to-cancel")
      const cancel = await call(emulator, "POST", "jobs/to-cancel/cancel")
      expect(cancel.status).toBe(202)
      expect(cancel.text).toBe("")
      expect(cancel.headers.get("retry-after")).toBe("11")
      const asyncOperation = cancel.headers.get("azure-asyncoperation") ?? ""
      const location = cancel.headers.get("location") ?? ""
      expect(asyncOperation).toMatch(/\/mfeOperationsStatus\/[0-9a-f-]+\?api-version=2024-04-01$/)
      expect(location).toMatch(/\/mfeOperationResults\/[0-9a-f-]+\?api-version=2024-04-01$/)
      expect(new URL(asyncOperation).origin).toBe(emulator.url)

      const first = await call(emulator, "GET", asyncOperation)
      expect(get(first.json, "status")).toBe("InProgress")
      expect(first.headers.get("retry-after")).toBe("11")
      const second = await call(emulator, "GET", asyncOperation)
      expect(get(second.json, "status")).toBe("Succeeded")
      expect(get(second.json, "endTime")).toEqual(expect.any(String))
      const result = await call(emulator, "GET", location)
      expect(result.status).toBe(200)
      expect(statusOf(await call(emulator, "GET", "jobs/to-cancel"))).toBe("Canceled")
      expect(emulator.state.job("to-cancel")?.history).toEqual(["NotStarted", "Queued", "CancelRequested", "Canceled"])
      // Cancelling a terminal job again is a no-op.
      expect((await call(emulator, "POST", "jobs/to-cancel/cancel")).status).toBe(200)
      expect(emulator.state.violations).toEqual([])
      expect(emulator.state.responseViolations).toEqual([])
    })
  })

  it("cancel polled by Location alone answers 202 until done; a repeated cancel reuses the operation", async () => {
    await withEmulator({ cancelSteps: 3 }, async (emulator) => {
      await call(emulator, "PUT", "jobs/located", { body: commandJob() })
      const cancel = await call(emulator, "POST", "jobs/located/cancel")
      const again = await call(emulator, "POST", "jobs/located/cancel")
      expect(again.status).toBe(202)
      expect(again.headers.get("location")).toBe(cancel.headers.get("location"))
      const location = cancel.headers.get("location") ?? ""
      const statuses: Array<number> = []
      for (let poll = 0; poll < 4; poll += 1) statuses.push((await call(emulator, "GET", location)).status)
      expect(statuses).toEqual([202, 202, 200, 200])
      expect(emulator.state.job("located")?.status).toBe("Canceled")
    })
  })

  it("cancel of an unknown job is 404", async () => {
    await withEmulator({}, async (emulator) => {
      expect((await call(emulator, "POST", "jobs/nobody/cancel")).status).toBe(404)
    })
  })
})

describe("workspace emulator: assets and the datastore", () => {
  it("registers code versions: 201, 200 for the same codeUri, 409 for another; finds them by content hash", async () => {
    await withEmulator({}, async (emulator) => {
      const code = (codeUri: string, hash: string) => ({
        properties: { codeUri, isAnonymous: true, properties: { hash_sha256: hash, hash_version: "202208" } }
      })
      expect((await call(emulator, "PUT", "codes/a1/versions/1", { body: code("https://s/c/LocalUpload/1/src", "h1") })).status).toBe(201)
      expect((await call(emulator, "PUT", "codes/a1/versions/1", { body: code("https://s/c/LocalUpload/1/src", "h1") })).status).toBe(200)
      const moved = await call(emulator, "PUT", "codes/a1/versions/1", { body: code("https://s/c/LocalUpload/2/src", "h1") })
      expect(moved.status).toBe(409)
      expect(get(moved.json, "error", "message")).toBe("Asset paths cannot be updated.")
      await call(emulator, "PUT", "codes/b2/versions/1", { body: code("https://s/c/LocalUpload/3/src", "h2") })

      const byHash = await call(emulator, "GET", "codes/anything/versions", { query: { hash: "h2", hashVersion: "202208" } })
      expect((get(byHash.json, "value") as Array<unknown>).map((item) => get(item, "id"))).toEqual([
        `${emulator.workspace.resourceId}/codes/b2/versions/1`
      ])
      const none = await call(emulator, "GET", "codes/anything/versions", { query: { hash: "h3", hashVersion: "202208" } })
      expect(get(none.json, "value")).toEqual([])
      const container = await call(emulator, "GET", "codes/a1")
      expect(get(container.json, "properties", "latestVersion")).toBe("1")
      expect(get(container.json, "properties", "nextVersion")).toBe("2")
      expect(emulator.state.violations).toEqual([])
      expect(emulator.state.responseViolations).toEqual([])
    })
  })

  it("registers environment versions: 201, 200 for the same definition, 409 for another; lists the latest first", async () => {
    await withEmulator({}, async (emulator) => {
      const environment = (image: string) => ({ properties: { image, condaFile: "name: x\n", isAnonymous: true } })
      expect((await call(emulator, "PUT", "environments/CliV2AnonymousEnvironment/versions/v1", { body: environment("img:1") })).status).toBe(201)
      expect((await call(emulator, "PUT", "environments/CliV2AnonymousEnvironment/versions/v1", { body: environment("img:1") })).status).toBe(200)
      expect((await call(emulator, "PUT", "environments/CliV2AnonymousEnvironment/versions/v1", { body: environment("img:2") })).status).toBe(409)
      await call(emulator, "PUT", "environments/CliV2AnonymousEnvironment/versions/v2", { body: environment("img:2") })
      const latest = await call(emulator, "GET", "environments/CliV2AnonymousEnvironment/versions", {
        query: { $orderBy: "createdtime desc", $top: "1" }
      })
      expect((get(latest.json, "value") as Array<unknown>).map((item) => get(item, "name"))).toEqual(["v2"])
      const stored = await call(emulator, "GET", "environments/CliV2AnonymousEnvironment/versions/v1")
      expect(get(stored.json, "properties", "image")).toBe("img:1")
      expect(get(stored.json, "properties", "osType")).toBe("Linux")
      expect(emulator.state.responseViolations).toEqual([])
    })
  })

  it("serves the default datastore and its account key", async () => {
    await withEmulator({}, async (emulator) => {
      const listed = await call(emulator, "GET", "datastores", { query: { isDefault: "true" } })
      const [datastore] = get(listed.json, "value") as Array<unknown>
      expect(datastore).toMatchObject({
        name: "workspaceblobstore",
        properties: {
          datastoreType: "AzureBlob",
          isDefault: true,
          accountName: "devstoreaccount1",
          containerName: `azureml-blobstore-${emulator.workspace.workspaceId}`,
          credentials: { credentialsType: "AccountKey" }
        }
      })
      expect((await call(emulator, "GET", "datastores/workspaceblobstore")).json).toEqual(datastore)
      const secrets = await call(emulator, "POST", "datastores/workspaceblobstore/listSecrets")
      expect(secrets.json).toEqual({ secretsType: "AccountKey", key: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) })
      expect((await call(emulator, "GET", "datastores/other")).status).toBe(404)
    })
  })

  it("gives a pending upload slot: blobUri in the datastore container and a SAS URI over it, the same on a repeat", async () => {
    await withEmulator({}, async (emulator) => {
      const body = { pendingUploadType: "TemporaryBlobReference" }
      const first = await call(emulator, "POST", "codes/snap/versions/1/startPendingUpload", { body })
      const again = await call(emulator, "POST", "codes/snap/versions/1/startPendingUpload", { body })
      expect(first.status).toBe(200)
      expect(again.json).toEqual(first.json)
      const blobUri = String(get(first.json, "blobReferenceForConsumption", "blobUri"))
      const sasUri = String(get(first.json, "blobReferenceForConsumption", "credential", "sasUri"))
      const { blobEndpoint, containerName } = emulator.workspace.datastore
      expect(blobUri).toBe(`${blobEndpoint}/${containerName}/LocalUpload/${String(get(first.json, "pendingUploadId"))}`)
      expect(sasUri.startsWith(`${blobUri}?`)).toBe(true)
      expect(new URL(sasUri).searchParams.get("sig")).toEqual(expect.any(String))
      expect(new URL(sasUri).searchParams.get("sr")).toBe("c")
      expect(emulator.state.responseViolations).toEqual([])
    })
  })
})

describe("workspace emulator: run history and logs", () => {
  it("serves discovery, run details and a growing log behind a SAS-style URL", async () => {
    await withEmulator({}, async (emulator) => {
      const workspace = await call(emulator, "GET", "")
      const discoveryUrl = String(get(workspace.json, "properties", "discoveryUrl"))
      const discovery = await call(emulator, "GET", discoveryUrl, { apiVersion: null, auth: false })
      const history = String(get(discovery.json, "history"))
      expect(history).toBe(emulator.url)
      const details = `${history}/history/v1.0${emulator.workspace.resourceId}/runs/logged/details`

      await call(emulator, "PUT", "jobs/logged", { body: commandJob() })
      const queued = await call(emulator, "GET", details, { apiVersion: null })
      expect(get(queued.json, "status")).toBe("Queued")
      expect(get(queued.json, "logFiles")).toEqual({})
      await call(emulator, "GET", details, { apiVersion: null }) // Preparing
      const running = await call(emulator, "GET", details, { apiVersion: null })
      expect(get(running.json, "status")).toBe("Running")
      const logUrl = String(get(running.json, "logFiles", "user_logs/std_log.txt"))
      const partial = await call(emulator, "GET", logUrl, { apiVersion: null, auth: false })
      expect(partial.text).toBe("[emulator] job logged started\nepoch 1/3 loss=0.90\n")

      const completed = await call(emulator, "GET", details, { apiVersion: null })
      expect(get(completed.json, "status")).toBe("Completed")
      expect(get(completed.json, "endTimeUtc")).toEqual(expect.any(String))
      const full = await call(emulator, "GET", logUrl, { apiVersion: null, auth: false })
      expect(full.text.startsWith(partial.text)).toBe(true)
      expect(full.text.trimEnd().split("\n")).toHaveLength(5)
      expect(full.text).toContain("[emulator] job logged finished")

      const withoutSas = await call(emulator, "GET", logUrl.split("?")[0] ?? "", { apiVersion: null, auth: false })
      expect(withoutSas.status).toBe(403)
      expect((await call(emulator, "GET", details, { apiVersion: null, auth: false })).status).toBe(401)
    })
  })

  it("streams a longer log over a lifecycle that repeats Running", async () => {
    await withEmulator(
      { lifecycle: () => ["Queued", "Running", "Running", "Running", "Completed"], logLinesPerStep: 1 },
      async (emulator) => {
        await call(emulator, "PUT", "jobs/streaming", { body: commandJob() })
        const lineCounts: Array<number | undefined> = []
        for (let poll = 0; poll < 4; poll += 1) {
          await call(emulator, "GET", "jobs/streaming")
          lineCounts.push(emulator.state.job("streaming")?.log?.trimEnd().split("\n").length)
        }
        expect(lineCounts).toEqual([1, 2, 3, 5])
        expect(emulator.state.job("streaming")?.history).toEqual(["Queued", "Running", "Completed"])
      }
    )
  })

  it("reports the error of a failed job and the log lines it chose", async () => {
    await withEmulator(
      { lifecycle: () => ["Running", "Failed"], logLines: (name) => [`${name}: boom`, "Traceback (most recent call last):"] },
      async (emulator) => {
        await call(emulator, "PUT", "jobs/failing", { body: commandJob() })
        const details = `${emulator.url}/history/v1.0${emulator.workspace.resourceId}/runs/failing/details`
        const failed = await call(emulator, "GET", details, { apiVersion: null })
        expect(get(failed.json, "status")).toBe("Failed")
        expect(get(failed.json, "error", "error", "code")).toBe("UserError")
        expect(emulator.state.job("failing")?.log).toBe("failing: boom\nTraceback (most recent call last):\n")
      }
    )
  })
})

describe("workspace emulator: fault injection", () => {
  it("answers the next n matching requests with the injected status and Retry-After, then recovers", async () => {
    await withEmulator({}, async (emulator) => {
      const fault = emulator.faults.inject({ operation: "PUT jobs", status: 429, retryAfterSeconds: 3, times: 2 })
      const answers: Array<Answer> = []
      for (let attempt = 0; attempt < 3; attempt += 1) answers.push(await call(emulator, "PUT", "jobs/throttled", { body: commandJob() }))
      expect(answers.map((answer) => answer.status)).toEqual([429, 429, 201])
      expect(answers.map((answer) => answer.headers.get("retry-after"))).toEqual(["3", "3", null])
      expect(get(answers[0]?.json, "error", "code")).toBe("TooManyRequests")
      expect(fault.fired).toBe(2)
      expect(fault.remaining).toBe(0)
      expect(emulator.faults.pending()).toEqual([])
      expect(emulator.faults.fired().map((fired) => [fired.kind, fired.operation])).toEqual([
        ["status", "PUT jobs"],
        ["status", "PUT jobs"]
      ])
      expect(emulator.state.job("throttled")?.history).toEqual(["NotStarted"])
    })
  })

  it("matches only the named operation, or every operation when none is named", async () => {
    await withEmulator({}, async (emulator) => {
      emulator.faults.inject({ operation: "GET jobs", status: 503, retryAfterMs: 250, times: 1 })
      expect((await call(emulator, "GET", "")).status).toBe(200)
      await call(emulator, "PUT", "jobs/j", { body: commandJob() })
      const unavailable = await call(emulator, "GET", "jobs/j")
      expect(unavailable.status).toBe(503)
      expect(unavailable.headers.get("retry-after-ms")).toBe("250")
      expect(unavailable.headers.get("retry-after")).toBe(null)
      expect(statusOf(await call(emulator, "GET", "jobs/j"))).toBe("Queued") // the faulted poll did not count
      emulator.faults.inject({ status: 500, times: 2 })
      expect((await call(emulator, "GET", "")).status).toBe(500)
      expect((await call(emulator, "POST", "datastores/workspaceblobstore/listSecrets")).status).toBe(500)
      expect((await call(emulator, "GET", "")).status).toBe(200)
    })
  })

  it("resets the connection before processing: the client sees a socket error and nothing happens", async () => {
    await withEmulator({}, async (emulator) => {
      const fault = emulator.faults.reset({ operation: "PUT jobs", times: 1 })
      const error = await call(emulator, "PUT", "jobs/reset", { body: commandJob() }).then(
        () => undefined,
        (failure: unknown) => failure
      )
      expect(error).toBeInstanceOf(TypeError)
      expect(String(get(error, "cause", "code"))).toMatch(/ECONNRESET|UND_ERR_SOCKET/)
      expect(fault.fired).toBe(1)
      expect(emulator.state.jobNames()).toEqual([])
      expect((await call(emulator, "PUT", "jobs/reset", { body: commandJob() })).status).toBe(201)
      expect(emulator.state.requests.map((request) => request.status)).toEqual(["reset", 201])
    })
  })

  it("resets after processing: the job exists, and the retried PUT gets it back with 200", async () => {
    await withEmulator({}, async (emulator) => {
      emulator.faults.reset({ operation: "PUT jobs", times: 1, when: "after" })
      const lost = await new Promise<string>((resolve) => {
        const url = new URL(`${emulator.url}${emulator.workspace.resourceId}/jobs/lost?api-version=${API_VERSION}`)
        const request = http.request(url, { method: "PUT", headers: { authorization: "Bearer t", "content-type": "application/json" } })
        request.on("response", () => resolve("response"))
        request.on("error", (failure: NodeJS.ErrnoException) => resolve(failure.code ?? failure.message))
        request.end(JSON.stringify(commandJob()))
      })
      expect(lost).toBe("ECONNRESET")
      expect(emulator.state.jobNames()).toEqual(["lost"])
      const retried = await call(emulator, "PUT", "jobs/lost", { body: commandJob() })
      expect(retried.status).toBe(200)
      expect(get(retried.json, "name")).toBe("lost")
    })
  })

  it("delays responses by the given time, for the given number of requests", async () => {
    await withEmulator({}, async (emulator) => {
      emulator.faults.delay({ operation: "GET workspace", ms: 150, times: 1 })
      const timed = async (): Promise<number> => {
        const start = performance.now()
        expect((await call(emulator, "GET", "")).status).toBe(200)
        return performance.now() - start
      }
      expect(await timed()).toBeGreaterThanOrEqual(145)
      // Spent after one request: the next one is not delayed (the fault is no longer pending).
      expect(emulator.faults.pending()).toEqual([])
      expect((await call(emulator, "GET", "")).status).toBe(200)
      expect(emulator.faults.fired()).toHaveLength(1)
    })
  })

  it("bounds faults: times from 1 to 1000, delays up to a minute", async () => {
    await withEmulator({}, async (emulator) => {
      expect(() => emulator.faults.inject({ status: 500, times: 0 })).toThrow(RangeError)
      expect(() => emulator.faults.inject({ status: 500, times: 1001 })).toThrow(RangeError)
      expect(() => emulator.faults.reset({ times: 1.5 })).toThrow(RangeError)
      expect(() => emulator.faults.delay({ ms: 60_001, times: 1 })).toThrow(RangeError)
      expect(() => emulator.faults.inject({ status: 429, retryAfterSeconds: -1, times: 1 })).toThrow(RangeError)
      expect(emulator.faults.pending()).toEqual([])
      const kept = emulator.faults.inject({ status: 500, times: 5 })
      emulator.faults.clear()
      expect(emulator.faults.pending()).toEqual([])
      expect((await call(emulator, "GET", "")).status).toBe(200)
      expect(kept.fired).toBe(0)
    })
  })
})

describe("workspace emulator: responses checked against the swagger (response mode)", () => {
  /** The response definition of each operation, as `mfe.json` documents it for its 200/201. */
  const documented: Readonly<Record<string, string>> = {
    "GET datastores": "DatastoreResourceArmPaginatedResult",
    "GET datastore": "DatastoreResource",
    "POST listSecrets": "DatastoreSecrets",
    "PUT code container": "CodeContainerResource",
    "GET code container": "CodeContainerResource",
    "GET code versions": "CodeVersionResourceArmPaginatedResult",
    "GET code version": "CodeVersionResource",
    "PUT code version": "CodeVersionResource",
    "POST startPendingUpload": "PendingUploadResponseDto",
    "PUT environment container": "EnvironmentContainerResource",
    "GET environment container": "EnvironmentContainerResource",
    "GET environment versions": "EnvironmentVersionResourceArmPaginatedResult",
    "GET environment version": "EnvironmentVersionResource",
    "PUT environment version": "EnvironmentVersionResource",
    "PUT jobs": "JobBaseResource",
    "GET jobs": "JobBaseResource"
  }

  it("the whole submission flow answers bodies that validate, checked here independently", async () => {
    await withEmulator({}, async (emulator) => {
      const swagger = loadSwagger().check
      const answers: Array<{ operation: string; status: number; json: unknown }> = []
      const step = async (operation: string, method: string, relative: string, options?: CallOptions) => {
        const answer = await call(emulator, method, relative, options)
        answers.push({ operation, status: answer.status, json: answer.json })
        return answer
      }
      const ws = emulator.workspace.resourceId
      const workspace = await step("GET workspace", "GET", "")
      await step("GET datastores", "GET", "datastores", { query: { isDefault: "true" } })
      await step("GET datastore", "GET", "datastores/workspaceblobstore")
      await step("POST listSecrets", "POST", "datastores/workspaceblobstore/listSecrets")
      await step("GET code versions", "GET", "codes/snap/versions", { query: { hash: "abc", hashVersion: "202208" } })
      await step("POST startPendingUpload", "POST", "codes/snap/versions/1/startPendingUpload", {
        body: { pendingUploadType: "TemporaryBlobReference" }
      })
      await step("PUT code version", "PUT", "codes/snap/versions/1", {
        body: { properties: { codeUri: "https://a/b", isAnonymous: true, properties: { hash_sha256: "abc", hash_version: "202208" } } }
      })
      await step("GET code versions", "GET", "codes/snap/versions", { query: { hash: "abc", hashVersion: "202208" } })
      await step("GET code version", "GET", "codes/snap/versions/1")
      await step("PUT code container", "PUT", "codes/other", { body: { properties: { description: "d" } } })
      await step("GET code container", "GET", "codes/snap")
      await step("PUT environment version", "PUT", "environments/CliV2AnonymousEnvironment/versions/e1", {
        body: { properties: { image: "img:1", condaFile: "name: x\n", osType: "Linux", isAnonymous: true } }
      })
      await step("GET environment version", "GET", "environments/CliV2AnonymousEnvironment/versions/e1")
      await step("GET environment versions", "GET", "environments/CliV2AnonymousEnvironment/versions")
      await step("GET environment container", "GET", "environments/CliV2AnonymousEnvironment")
      await step("PUT environment container", "PUT", "environments/mine", { body: { properties: { description: "d" } } })
      const job = commandJob({
        codeId: `${ws}/codes/snap/versions/1`,
        environmentId: `${ws}/environments/CliV2AnonymousEnvironment/versions/e1`,
        computeId: `${ws}/computes/cpu-cluster`,
        distribution: { distributionType: "Mpi", processCountPerInstance: 2 },
        resources: { instanceCount: 2, shmSize: "2g" },
        limits: { jobLimitsType: "Command", timeout: "PT15M" },
        environmentVariables: { SEED: "1" },
        inputs: { lr: { jobInputType: "literal", value: "0.1" } },
        outputs: { model: { jobOutputType: "uri_folder", mode: "ReadWriteMount" } }
      })
      await step("PUT jobs", "PUT", "jobs/flow", { body: job })
      for (let poll = 0; poll < 5; poll += 1) await step("GET jobs", "GET", "jobs/flow")

      expect(answers.filter((answer) => answer.status >= 300)).toEqual([])
      const issues = answers.flatMap((answer) => {
        const definition = documented[answer.operation]
        const found =
          answer.operation === "GET workspace"
            ? SwaggerCheck.checkOperation(swagger, "PUT", `${ws}`, answer.json, { request: false })
            : SwaggerCheck.check(swagger, definition ?? "missing", answer.json, { request: false })
        return found.map((issue) => ({ operation: answer.operation, ...issue }))
      })
      expect(issues).toEqual([])
      expect(get(workspace.json, "properties", "workspaceId")).toBe(emulator.workspace.workspaceId)
      expect(emulator.state.responseViolations).toEqual([])
      expect(emulator.state.violations).toEqual([])
    })
  })

  it("the response check finds a wrong status value, an undocumented status and a bad workspace body", () => {
    const swagger = loadSwagger()
    const ws = "/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w"
    const getJob = findOperation(swagger, "GET", `${ws}/jobs/j`)
    const getWorkspace = findOperation(swagger, "GET", ws)
    expect(getJob?.operationId).toBe("Jobs_Get")
    expect(getWorkspace?.operationId).toBe("Workspaces_Get")
    if (getJob === undefined || getWorkspace === undefined) return
    const job = { id: `${ws}/jobs/j`, name: "j", properties: { jobType: "Command", command: "c", environmentId: "e", status: "Done" } }
    expect(checkResponse(swagger, getJob, `${ws}/jobs/j`, 200, job)).toEqual([
      { path: "/properties/status", message: expect.stringContaining('"Completed"') }
    ])
    expect(checkResponse(swagger, getJob, `${ws}/jobs/j`, 201, job)).toEqual([
      { path: "", message: "status 201 is not documented for Jobs_Get" }
    ])
    expect(checkResponse(swagger, getWorkspace, ws, 200, { properties: { hbiWorkspace: "yes" } })).toEqual([
      { path: "/properties/hbiWorkspace", message: "must be boolean" }
    ])
  })
})
