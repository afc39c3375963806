/**
 * A local Azure ML workspace emulator for the azureml backend's tests: an HTTP server on
 * 127.0.0.1 (random port) that answers the ARM calls of a v2 command-job submission, validates
 * every request against the official swagger (`shared/azureml/rest/2024-04-01`), checks its own
 * answers against the swagger in response mode, advances job statuses as they are polled, serves
 * run logs, and injects faults on demand.
 *
 * ARM operations (`{WS}` = `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}`,
 * every one needs `?api-version=` and `Authorization: Bearer …`):
 *
 * | operation (fault name)      | request                                                          |
 * | --------------------------- | ---------------------------------------------------------------- |
 * | `GET workspace`             | `GET {WS}` → `properties.discoveryUrl`, `workspaceId`, `storageAccount` |
 * | `GET datastores`            | `GET {WS}/datastores[?isDefault=true]`                           |
 * | `GET datastore`             | `GET {WS}/datastores/workspaceblobstore`                         |
 * | `POST listSecrets`          | `POST {WS}/datastores/workspaceblobstore/listSecrets` → `{secretsType: "AccountKey", key}` |
 * | `GET/PUT code container`    | `{WS}/codes/{name}`                                              |
 * | `GET code versions`         | `GET {WS}/codes/{name}/versions[?hash=…&hashVersion=…][&$orderBy=…&$top=…]` (with `hash`: every code version with that `properties.hash_sha256`, whatever its name) |
 * | `GET/PUT code version`      | `{WS}/codes/{name}/versions/{version}` (PUT 201 created, 200 same `codeUri`, 409 "Asset paths cannot be updated." for another `codeUri`) |
 * | `POST startPendingUpload`   | `POST {WS}/codes/{name}/versions/{version}/startPendingUpload` → `blobUri` = `<container URL>/LocalUpload/<pendingUploadId>`, `credential.sasUri` = `blobUri` + `?` + a container SAS (read/add/create/write/list, 1 h); upload each file to `<blobUri>/<relative path>` with that query |
 * | `GET/PUT environment container` | `{WS}/environments/{name}`                                   |
 * | `GET environment versions`  | `GET {WS}/environments/{name}/versions[?$orderBy=createdtime desc&$top=1]` |
 * | `GET/PUT environment version` | `{WS}/environments/{name}/versions/{version}` (201 / 200 same definition / 409 other definition) |
 * | `PUT jobs`                  | `PUT {WS}/jobs/{id}` → 201; the same name again with the same immutable properties → 200 and the existing job (not restarted; `tags`, `description`, `displayName`, `isArchived` are updated); other immutable properties → 409 |
 * | `GET jobs`                  | `GET {WS}/jobs/{id}` → `properties.status` (a status read, see below) |
 * | `POST cancel`               | `POST {WS}/jobs/{id}/cancel` → 202 with `Location`, `Azure-AsyncOperation`, `Retry-After`; 200 when the job is already terminal |
 * | `GET operation status`      | the `Azure-AsyncOperation` URL → `{ id, name, status: "InProgress" | "Succeeded", startTime, endTime? }` |
 * | `GET operation result`      | the `Location` URL → 202 (with `Location`, `Retry-After`) while the cancel is in progress, then 200 without a body |
 *
 * A job's `codeId` / `environmentId` that is an ARM id of this workspace must name a registered
 * code / environment version (else 400 `UserError`), and, when `computes` is given, a `computeId`
 * of this workspace must name one of them. Other forms (`azureml://registries/…`) pass unchecked.
 *
 * Storage: the default datastore `workspaceblobstore` is an `AzureBlob` datastore with account
 * key credentials. With `storage` (an Azurite from `startAzurite`), it points at that account and
 * the container `azureml-blobstore-<workspace guid>` is created on start. Its `endpoint` is then
 * the emulator's `host:port` and `protocol` `http`: for an IP-address endpoint the account URL is
 * path-style, `{protocol}://{endpoint}/{accountName}` (as Azurite serves it), instead of
 * `{protocol}://{accountName}.blob.{endpoint}`. `emulator.storage.blobEndpoint` gives it directly.
 *
 * Job statuses and log streaming (a minimal form of the run-history service that the v2 tooling
 * reads, reference §6.2):
 * - Each job follows a lifecycle, by default `NotStarted → Queued → Preparing → Running → Completed`
 *   (`lifecycle` chooses another per job, for example one ending in `Failed`). The PUT answers
 *   the first status. The job moves one step after every `pollsPerStep` status reads (default 1),
 *   or every `msPerStep` milliseconds (computed when read: no timers), or only by
 *   `state.advance(name)`. A status read is `GET jobs`, `GET run details`, `GET operation status`
 *   or `GET operation result` of that job; the step happens before the answer.
 * - Cancel moves the job to `CancelRequested`, then `Canceled` after `cancelSteps` more steps
 *   (default 2: the first poll of the operation still says InProgress).
 * - `GET workspace` → `properties.discoveryUrl` = `{url}/discovery`; `GET {url}/discovery` →
 *   `{ api, history, … }`, all `{url}`. The run-history call is
 *   `GET {history}/history/v1.0{WS}/runs/{name}/details` (bearer token) → `{ runId, status,
 *   startTimeUtc, endTimeUtc, logFiles, warnings, error }` where `logFiles` maps
 *   `user_logs/std_log.txt` to a SAS-style URL `{url}/artifacts/{name}/user_logs/std_log.txt?…&sig=…`
 *   (no bearer token; the query must be kept as given). The log appears when the job first
 *   reaches `Running`/`Finalizing` with `logLinesPerStep` lines (default 2) of `logLines(name)`,
 *   gains as many on every further step into `Running`/`Finalizing` (a lifecycle may repeat
 *   `Running` to stream longer), and is complete at `Completed`, or at `Failed` after it ran
 *   (a canceled job keeps what it had). Each read returns the whole file so far: a client prints
 *   only the lines it has not printed yet. A `Failed` job's details carry
 *   `error: { error: { code: "UserError", message } }`.
 * - The job's `properties.services.Studio.endpoint` is `{url}/studio/runs/{name}`.
 *
 * Violations: a request whose path parameters, query (`api-version` is required; unknown query
 * parameters are reported) or body break the swagger is answered 400 with
 * `{ "error": { "code": "SwaggerViolation", "message": <issues with their paths> } }` and
 * recorded in `state.violations`, as is any ARM request the swagger does not document. A
 * documented operation that the emulator does not implement is answered 501 and recorded in
 * `state.unhandled`. Every 2xx answer of an ARM operation is checked against the response
 * definition the swagger documents for its status (`{ request: false }`); problems go to
 * `state.responseViolations` (they would be bugs of the emulator).
 *
 * Bounds: the server listens on 127.0.0.1 only and refuses other peers; faults fire a bounded
 * number of times; nothing runs between requests; `close()` ends every connection.
 */
import {
  BlobServiceClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters
} from "@azure/storage-blob"
import * as crypto from "node:crypto"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import type { Socket } from "node:net"
import { type EmulatorOperation, type FaultController, type Faults, makeFaults } from "./faults.js"
import {
  checkParameters,
  checkResponse,
  defaultSwaggerDirectory,
  findOperation,
  type Issue,
  loadSwagger,
  segmentsOf,
  type SwaggerOperation
} from "./swagger.js"
import * as SwaggerCheck from "../../src/testing/SwaggerCheck.js"

export type { EmulatorOperation, Fault, FaultStatus, Faults, FiredFault } from "./faults.js"

/** Azure ML's job statuses (`JobStatus` in the swagger). */
export type JobStatus =
  | "NotStarted"
  | "Starting"
  | "Provisioning"
  | "Preparing"
  | "Queued"
  | "Running"
  | "Finalizing"
  | "CancelRequested"
  | "Completed"
  | "Failed"
  | "Canceled"
  | "NotResponding"
  | "Paused"
  | "Unknown"

/** Statuses after which a job no longer changes (the Python SDK's terminal list). */
export const terminalStatuses: ReadonlySet<JobStatus> = new Set(["Completed", "Failed", "Canceled", "NotResponding", "Paused"])

/** The default lifecycle of a job. */
export const defaultLifecycle: ReadonlyArray<JobStatus> = ["NotStarted", "Queued", "Preparing", "Running", "Completed"]

/** A blob service account, such as the one `startAzurite` returns. */
export interface StorageAccount {
  /** Account URL, e.g. `http://127.0.0.1:41234/devstoreaccount1`. */
  readonly blobEndpoint: string
  readonly accountName: string
  readonly accountKey: string
}

/** How jobs move through their lifecycle. */
export type Advance = { readonly pollsPerStep: number } | { readonly msPerStep: number } | "manual"

export interface EmulatorOptions {
  readonly subscriptionId?: string
  readonly resourceGroup?: string
  readonly workspace?: string
  readonly location?: string
  /** The datastore's account; without it the well-known development account at a placeholder endpoint. */
  readonly storage?: StorageAccount
  /** Swagger version folder; default `<repo>/../shared/azureml/rest/2024-04-01`. */
  readonly swaggerDirectory?: string
  /** Require `Authorization: Bearer …` on ARM and run-history calls (default true). */
  readonly requireAuth?: boolean
  /** The statuses a job goes through, first one answered by the PUT. */
  readonly lifecycle?: (job: { readonly name: string; readonly properties: unknown }) => ReadonlyArray<JobStatus>
  readonly advance?: Advance
  /** Steps from a cancel request to `Canceled` (at least 1, default 2). */
  readonly cancelSteps?: number
  /** The full content of a job's `user_logs/std_log.txt`, as lines. */
  readonly logLines?: (jobName: string) => ReadonlyArray<string>
  readonly logLinesPerStep?: number
  /** `Retry-After` of the cancel LRO (the swagger documents 10 to 600; default 10). */
  readonly lroRetryAfterSeconds?: number
  /** Compute names a job may use; any when absent. */
  readonly computes?: ReadonlyArray<string>
}

export interface Violation {
  readonly operation: EmulatorOperation | undefined
  readonly method: string
  readonly path: string
  /** `path:<name>` / `query:<name>` for URL problems, a JSON pointer into the body otherwise. */
  readonly issues: ReadonlyArray<Issue>
}

export interface RecordedRequest {
  readonly operation: EmulatorOperation | undefined
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly body: unknown
  /** The status answered, or `"reset"` when the connection was destroyed. */
  readonly status: number | "reset"
}

export interface JobView {
  readonly name: string
  readonly status: JobStatus
  /** Statuses the job has been in, in order (consecutive repeats once). */
  readonly history: ReadonlyArray<JobStatus>
  /** The body of the PUT that created the job. */
  readonly request: unknown
  /** The log as served now (`undefined` before the job ran). */
  readonly log: string | undefined
}

export interface EmulatorState {
  readonly requests: ReadonlyArray<RecordedRequest>
  readonly violations: ReadonlyArray<Violation>
  readonly responseViolations: ReadonlyArray<Violation>
  readonly unhandled: ReadonlyArray<{ readonly method: string; readonly path: string; readonly operationId: string }>
  readonly job: (name: string) => JobView | undefined
  readonly jobNames: () => ReadonlyArray<string>
  /** Moves a job `steps` steps along its lifecycle (or its cancel); returns the new status. */
  readonly advance: (name: string, steps?: number) => JobStatus
  readonly codeVersions: () => ReadonlyArray<unknown>
  readonly environmentVersions: () => ReadonlyArray<unknown>
}

export interface WorkspaceInfo {
  readonly subscriptionId: string
  readonly resourceGroup: string
  readonly workspace: string
  readonly location: string
  readonly workspaceId: string
  /** `/subscriptions/…/workspaces/{ws}`: append it to `url` for ARM calls. */
  readonly resourceId: string
  readonly datastore: {
    readonly name: string
    readonly accountName: string
    readonly containerName: string
    readonly blobEndpoint: string
  }
}

export interface Emulator {
  /** Base URL, `http://127.0.0.1:<port>`: the ARM host, the run-history host and the log host. */
  readonly url: string
  readonly workspace: WorkspaceInfo
  readonly state: EmulatorState
  readonly faults: Faults
  readonly close: () => Promise<void>
}

type Json = Record<string, unknown>

interface Reply {
  readonly status: number
  readonly body?: unknown
  readonly text?: string
  readonly headers?: Readonly<Record<string, string>>
}

interface JobEntry {
  readonly name: string
  readonly request: Json
  properties: Json
  status: JobStatus
  queue: Array<JobStatus>
  readonly history: Array<JobStatus>
  polls: number
  lastStepAt: number
  revealed: number | undefined
  readonly logLines: ReadonlyArray<string>
  readonly createdAt: string
  modifiedAt: string
  startedAt: string | undefined
  endedAt: string | undefined
  cancelOperation: string | undefined
}

interface AssetEntry {
  readonly name: string
  readonly version: string
  properties: Json
  readonly createdAt: string
  modifiedAt: string
  readonly sequence: number
}

interface ContainerEntry {
  readonly name: string
  properties: Json
  readonly createdAt: string
  modifiedAt: string
}

interface OperationEntry {
  readonly id: string
  readonly jobName: string
  readonly startTime: string
  endTime: string | undefined
}

interface PendingUpload {
  readonly body: Json
}

const DEV_ACCOUNT = "devstoreaccount1"
const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
const PLACEHOLDER_BLOB_ENDPOINT = `http://127.0.0.1:10000/${DEV_ACCOUNT}`
const DATASTORE = "workspaceblobstore"
const PROVIDER = "Microsoft.MachineLearningServices"
const MAX_BODY_BYTES = 8 * 1024 * 1024
const ARM_SHAPE = ["subscriptions", ":subscription", "resourceGroups", ":resourceGroup", "providers", PROVIDER, "workspaces", ":workspace"]
const RUNNING_LIKE: ReadonlySet<JobStatus> = new Set(["Running", "Finalizing"])
const MUTABLE_JOB_PROPERTIES = new Set(["tags", "description", "displayName", "isArchived"])
const ENVIRONMENT_DEFINITION = ["image", "condaFile", "build", "osType", "inferenceConfig"] as const

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)
const now = (): string => new Date().toISOString()

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, nested: unknown) =>
    isObject(nested) ? Object.fromEntries(Object.entries(nested).sort(([a], [b]) => a.localeCompare(b))) : nested
  )

const armError = (status: number, code: string, message: string, headers?: Readonly<Record<string, string>>): Reply => ({
  status,
  body: { error: { code, message } },
  ...(headers === undefined ? {} : { headers })
})

const isLoopback = (address: string | undefined): boolean =>
  address !== undefined && (/^127\./.test(address) || /^::ffff:127\./.test(address) || address === "::1")

const defaultLogLines = (name: string): ReadonlyArray<string> => [
  `[emulator] job ${name} started`,
  "epoch 1/3 loss=0.90",
  "epoch 2/3 loss=0.50",
  "epoch 3/3 loss=0.20",
  `[emulator] job ${name} finished`
]

const readBody = (request: http.IncomingMessage): Promise<Buffer | "too large"> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    request.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    request.on("end", () => resolve(size > MAX_BODY_BYTES ? "too large" : Buffer.concat(chunks)))
    request.on("error", reject)
  })

const systemData = (createdAt: string, modifiedAt: string): Json => ({
  createdAt,
  createdBy: "emulator@example.com",
  createdByType: "User",
  lastModifiedAt: modifiedAt,
  lastModifiedBy: "emulator@example.com",
  lastModifiedByType: "User"
})

/**
 * Starts a workspace emulator on 127.0.0.1 at a random port. With `storage`, creates the
 * datastore's container in that account first.
 */
export const startEmulator = async (options: EmulatorOptions = {}): Promise<Emulator> => {
  const swagger = loadSwagger(options.swaggerDirectory ?? defaultSwaggerDirectory)
  const subscriptionId = options.subscriptionId ?? "00000000-1111-2222-3333-444444444444"
  const resourceGroup = options.resourceGroup ?? "estimator-rg"
  const workspaceName = options.workspace ?? "estimator-ws"
  const location = options.location ?? "westeurope"
  const workspaceId = crypto.randomUUID()
  const resourceId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${PROVIDER}/workspaces/${workspaceName}`
  const storage = options.storage ?? { blobEndpoint: PLACEHOLDER_BLOB_ENDPOINT, accountName: DEV_ACCOUNT, accountKey: DEV_KEY }
  const blobEndpoint = storage.blobEndpoint.replace(/\/+$/, "")
  const containerName = `azureml-blobstore-${workspaceId}`
  const requireAuth = options.requireAuth ?? true
  const advance: Advance = options.advance ?? { pollsPerStep: 1 }
  const cancelSteps = options.cancelSteps ?? 2
  if (!Number.isInteger(cancelSteps) || cancelSteps < 1) throw new RangeError("cancelSteps must be an integer ≥ 1")
  const logLinesPerStep = options.logLinesPerStep ?? 2
  const lroRetryAfter = options.lroRetryAfterSeconds ?? 10
  const logToken = crypto.randomBytes(16).toString("hex")
  const credential = new StorageSharedKeyCredential(storage.accountName, storage.accountKey)

  if (options.storage !== undefined) {
    const service = new BlobServiceClient(blobEndpoint, credential)
    await service.getContainerClient(containerName).createIfNotExists()
  }

  const requests: Array<RecordedRequest> = []
  const violations: Array<Violation> = []
  const responseViolations: Array<Violation> = []
  const unhandled: Array<{ method: string; path: string; operationId: string }> = []
  const jobs = new Map<string, JobEntry>()
  const codeContainers = new Map<string, ContainerEntry>()
  const codeVersions = new Map<string, AssetEntry>()
  const environmentContainers = new Map<string, ContainerEntry>()
  const environmentVersions = new Map<string, AssetEntry>()
  const operations = new Map<string, OperationEntry>()
  const pendingUploads = new Map<string, PendingUpload>()
  let sequence = 0
  const controller: FaultController = makeFaults()
  let baseUrl = ""
  const startedAt = now()

  const endpointUrl = new URL(blobEndpoint)
  const endpointHost = endpointUrl.host
  // Azurite (and any emulator) serves path-style account URLs: http://host:port/<account>.
  const accountUrlIsPathStyle = endpointUrl.pathname !== "/" && endpointUrl.pathname !== ""

  // ---------------------------------------------------------------------------------------------
  // Jobs

  const enter = (job: JobEntry, next: JobStatus): void => {
    const total = job.logLines.length
    if (RUNNING_LIKE.has(next)) {
      job.revealed = job.revealed === undefined ? Math.min(total, logLinesPerStep) : Math.min(total, job.revealed + logLinesPerStep)
      job.startedAt ??= now()
    }
    if (next === "Completed" || (next === "Failed" && job.revealed !== undefined)) job.revealed = total
    if (terminalStatuses.has(next)) job.endedAt ??= now()
    if (job.history[job.history.length - 1] !== next) job.history.push(next)
    job.status = next
    job.modifiedAt = now()
  }

  const step = (job: JobEntry, steps: number): void => {
    for (let index = 0; index < steps; index += 1) {
      const next = job.queue.shift()
      if (next === undefined) return
      enter(job, next)
    }
  }

  /** A status read: moves the job per the `advance` option. */
  const poll = (job: JobEntry): void => {
    if (advance === "manual") return
    if ("pollsPerStep" in advance) {
      job.polls += 1
      if (job.polls >= advance.pollsPerStep) {
        job.polls = 0
        step(job, 1)
      }
      return
    }
    const elapsed = Math.floor((Date.now() - job.lastStepAt) / advance.msPerStep)
    if (elapsed > 0) {
      job.lastStepAt += elapsed * advance.msPerStep
      step(job, elapsed)
    }
  }

  const jobResource = (job: JobEntry): Json => {
    const services = isObject(job.properties["services"]) ? job.properties["services"] : {}
    return {
      id: `${resourceId}/jobs/${job.name}`,
      name: job.name,
      type: `${PROVIDER}/workspaces/jobs`,
      properties: {
        ...job.properties,
        experimentName: typeof job.properties["experimentName"] === "string" ? job.properties["experimentName"] : "Default",
        isArchived: job.properties["isArchived"] === true,
        status: job.status,
        services: {
          ...services,
          Studio: { jobServiceType: "Studio", endpoint: `${baseUrl}/studio/runs/${job.name}` }
        }
      },
      systemData: systemData(job.createdAt, job.modifiedAt)
    }
  }

  const logUrl = (job: JobEntry): string =>
    `${baseUrl}/artifacts/${encodeURIComponent(job.name)}/user_logs/std_log.txt?sv=2021-08-06&sr=b&sp=r&sig=${logToken}`

  const logText = (job: JobEntry): string | undefined => {
    if (job.revealed === undefined) return undefined
    const lines = job.logLines.slice(0, job.revealed)
    return lines.length === 0 ? "" : `${lines.join("\n")}\n`
  }

  const armReference = (value: unknown, collection: string): { readonly name: string; readonly rest: Array<string> } | undefined => {
    if (typeof value !== "string") return undefined
    const prefix = `${resourceId}/${collection}/`.toLowerCase()
    if (!value.toLowerCase().startsWith(prefix)) return undefined
    const [name = "", ...rest] = value.slice(prefix.length).split("/")
    return { name, rest }
  }

  const checkJobReferences = (properties: Json): string | undefined => {
    const code = armReference(properties["codeId"], "codes")
    if (code !== undefined) {
      const version = code.rest[0] === "versions" ? code.rest[1] : undefined
      if (version === undefined || !codeVersions.has(`${code.name}:${version}`)) {
        return `codeId ${String(properties["codeId"])} does not name a registered code version of this workspace`
      }
    }
    const environment = armReference(properties["environmentId"], "environments")
    if (environment !== undefined) {
      const version = environment.rest[0] === "versions" ? environment.rest[1] : undefined
      if (version === undefined || !environmentVersions.has(`${environment.name}:${version}`)) {
        return `environmentId ${String(properties["environmentId"])} does not name a registered environment version of this workspace`
      }
    }
    const compute = armReference(properties["computeId"], "computes")
    if (compute !== undefined && options.computes !== undefined && !options.computes.includes(compute.name)) {
      return `computeId ${String(properties["computeId"])} names no compute of this workspace (known: ${options.computes.join(", ")})`
    }
    return undefined
  }

  const immutableDifferences = (before: Json, after: Json): Array<string> => {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)])
    return [...keys]
      .filter((key) => !MUTABLE_JOB_PROPERTIES.has(key) && canonical(before[key]) !== canonical(after[key]))
      .sort()
  }

  const putJob = (name: string, body: unknown): Reply => {
    const properties = isObject(body) && isObject(body["properties"]) ? body["properties"] : {}
    const existing = jobs.get(name)
    if (existing !== undefined) {
      const before = isObject(existing.request["properties"]) ? existing.request["properties"] : {}
      const differences = immutableDifferences(before, properties)
      if (differences.length > 0) {
        return armError(
          409,
          "Conflict",
          `Job ${name} already exists and these properties cannot be updated: ${differences.join(", ")}`
        )
      }
      for (const key of MUTABLE_JOB_PROPERTIES) {
        if (key in properties) existing.properties[key] = properties[key]
      }
      existing.modifiedAt = now()
      return { status: 200, body: jobResource(existing) }
    }
    const problem = checkJobReferences(properties)
    if (problem !== undefined) return armError(400, "UserError", problem)
    const lifecycle = options.lifecycle?.({ name, properties }) ?? defaultLifecycle
    const [first, ...rest] = lifecycle
    if (first === undefined) throw new Error("the lifecycle of a job must have at least one status")
    const createdAt = now()
    const job: JobEntry = {
      name,
      request: structuredClone(isObject(body) ? body : {}),
      properties: structuredClone(properties),
      status: first,
      queue: rest,
      history: [],
      polls: 0,
      lastStepAt: Date.now(),
      revealed: undefined,
      logLines: (options.logLines ?? defaultLogLines)(name),
      createdAt,
      modifiedAt: createdAt,
      startedAt: undefined,
      endedAt: undefined,
      cancelOperation: undefined
    }
    enter(job, first)
    jobs.set(name, job)
    return { status: 201, body: jobResource(job) }
  }

  const operationUrls = (id: string, apiVersion: string): { readonly status: string; readonly result: string } => {
    const base = `${baseUrl}/subscriptions/${subscriptionId}/providers/${PROVIDER}/locations/${location}`
    const query = `?api-version=${encodeURIComponent(apiVersion)}`
    return { status: `${base}/mfeOperationsStatus/${id}${query}`, result: `${base}/mfeOperationResults/${id}${query}` }
  }

  const cancelJob = (job: JobEntry, apiVersion: string): Reply => {
    const inProgress = job.cancelOperation === undefined ? undefined : operations.get(job.cancelOperation)
    if (terminalStatuses.has(job.status) && (inProgress === undefined || inProgress.endTime !== undefined)) {
      return { status: 200 }
    }
    let operation = inProgress
    if (operation === undefined) {
      operation = { id: crypto.randomUUID(), jobName: job.name, startTime: now(), endTime: undefined }
      operations.set(operation.id, operation)
      job.cancelOperation = operation.id
      job.queue = [...Array.from({ length: cancelSteps - 1 }, (): JobStatus => "CancelRequested"), "Canceled"]
      job.polls = 0
      job.lastStepAt = Date.now()
      enter(job, "CancelRequested")
    }
    const urls = operationUrls(operation.id, apiVersion)
    return {
      status: 202,
      headers: { Location: urls.result, "Azure-AsyncOperation": urls.status, "Retry-After": String(lroRetryAfter) }
    }
  }

  const operationStatus = (operation: OperationEntry): "InProgress" | "Succeeded" => {
    const job = jobs.get(operation.jobName)
    if (job === undefined || job.status === "Canceled") {
      operation.endTime ??= now()
      return "Succeeded"
    }
    return "InProgress"
  }

  // ---------------------------------------------------------------------------------------------
  // Assets

  const assetResource = (collection: "codes" | "environments", entry: AssetEntry): Json => ({
    id: `${resourceId}/${collection}/${entry.name}/versions/${entry.version}`,
    name: entry.version,
    type: `${PROVIDER}/workspaces/${collection}/versions`,
    properties: entry.properties,
    systemData: systemData(entry.createdAt, entry.modifiedAt)
  })

  const codeContainerResource = (entry: ContainerEntry): Json => {
    const versions = [...codeVersions.values()].filter((version) => version.name === entry.name)
    const latest = versions.sort((a, b) => b.sequence - a.sequence)[0]
    const numeric = versions.map((version) => Number(version.version)).filter(Number.isInteger)
    return {
      id: `${resourceId}/codes/${entry.name}`,
      name: entry.name,
      type: `${PROVIDER}/workspaces/codes`,
      properties: {
        ...entry.properties,
        isArchived: entry.properties["isArchived"] === true,
        latestVersion: latest?.version ?? null,
        nextVersion: String((numeric.length === 0 ? 0 : Math.max(...numeric)) + 1),
        provisioningState: "Succeeded"
      },
      systemData: systemData(entry.createdAt, entry.modifiedAt)
    }
  }

  const environmentContainerResource = (entry: ContainerEntry): Json => {
    const versions = [...environmentVersions.values()].filter((version) => version.name === entry.name)
    const latest = versions.sort((a, b) => b.sequence - a.sequence)[0]
    return {
      id: `${resourceId}/environments/${entry.name}`,
      name: entry.name,
      type: `${PROVIDER}/workspaces/environments`,
      properties: {
        ...entry.properties,
        isArchived: entry.properties["isArchived"] === true,
        latestVersion: latest?.version ?? null,
        nextVersion: null,
        provisioningState: "Succeeded"
      },
      systemData: systemData(entry.createdAt, entry.modifiedAt)
    }
  }

  const ensureContainer = (containers: Map<string, ContainerEntry>, name: string): void => {
    if (containers.has(name)) return
    const createdAt = now()
    containers.set(name, { name, properties: {}, createdAt, modifiedAt: createdAt })
  }

  const putContainer = (
    containers: Map<string, ContainerEntry>,
    name: string,
    body: unknown,
    toResource: (entry: ContainerEntry) => Json
  ): Reply => {
    const properties = isObject(body) && isObject(body["properties"]) ? body["properties"] : {}
    const existing = containers.get(name)
    const entry: ContainerEntry = {
      name,
      properties: structuredClone(properties),
      createdAt: existing?.createdAt ?? now(),
      modifiedAt: now()
    }
    containers.set(name, entry)
    return { status: existing === undefined ? 201 : 200, body: toResource(entry) }
  }

  const putCodeVersion = (name: string, version: string, body: unknown): Reply => {
    const properties = isObject(body) && isObject(body["properties"]) ? body["properties"] : {}
    const key = `${name}:${version}`
    const existing = codeVersions.get(key)
    if (existing !== undefined) {
      if (canonical(existing.properties["codeUri"] ?? null) !== canonical(properties["codeUri"] ?? null)) {
        return armError(409, "UserError", "Asset paths cannot be updated.")
      }
      existing.properties = { ...existing.properties, ...properties, provisioningState: "Succeeded" }
      existing.modifiedAt = now()
      return { status: 200, body: assetResource("codes", existing) }
    }
    ensureContainer(codeContainers, name)
    const createdAt = now()
    const entry: AssetEntry = {
      name,
      version,
      properties: { isAnonymous: false, isArchived: false, ...structuredClone(properties), provisioningState: "Succeeded" },
      createdAt,
      modifiedAt: createdAt,
      sequence: (sequence += 1)
    }
    codeVersions.set(key, entry)
    return { status: 201, body: assetResource("codes", entry) }
  }

  const listCodeVersions = (name: string, query: URLSearchParams): Reply => {
    const hash = query.get("hash")
    const hashVersion = query.get("hashVersion")
    const selected = [...codeVersions.values()].filter((entry) => {
      if (hash === null) return entry.name === name
      const assetProperties = isObject(entry.properties["properties"]) ? entry.properties["properties"] : {}
      return (
        assetProperties["hash_sha256"] === hash && (hashVersion === null || assetProperties["hash_version"] === hashVersion)
      )
    })
    return { status: 200, body: { value: ordered(selected, query).map((entry) => assetResource("codes", entry)) } }
  }

  const ordered = (entries: Array<AssetEntry>, query: URLSearchParams): Array<AssetEntry> => {
    const descending = /\bdesc\b/i.test(query.get("$orderBy") ?? "")
    const sorted = entries.sort((a, b) => (descending ? b.sequence - a.sequence : a.sequence - b.sequence))
    const top = Number(query.get("$top") ?? Number.NaN)
    return Number.isInteger(top) && top >= 0 ? sorted.slice(0, top) : sorted
  }

  const startPendingUpload = (name: string, version: string, body: unknown): Reply => {
    const request = isObject(body) ? body : {}
    const key = `${name}:${version}`
    const requestedId = typeof request["pendingUploadId"] === "string" ? request["pendingUploadId"] : undefined
    const existing = pendingUploads.get(key)
    if (existing !== undefined && (requestedId === undefined || requestedId === existing.body["pendingUploadId"])) {
      return { status: 200, body: existing.body }
    }
    const pendingUploadId = requestedId ?? crypto.randomUUID()
    const blobUri = `${blobEndpoint}/${containerName}/LocalUpload/${pendingUploadId}`
    const sas = generateBlobSASQueryParameters(
      {
        containerName,
        permissions: ContainerSASPermissions.parse("racwl"),
        startsOn: new Date(Date.now() - 5 * 60_000),
        expiresOn: new Date(Date.now() + 60 * 60_000)
      },
      credential
    ).toString()
    const response: Json = {
      blobReferenceForConsumption: {
        blobUri,
        storageAccountArmId: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Storage/storageAccounts/${storage.accountName}`,
        credential: { credentialType: "SAS", sasUri: `${blobUri}?${sas}` }
      },
      pendingUploadId,
      pendingUploadType:
        typeof request["pendingUploadType"] === "string" ? request["pendingUploadType"] : "TemporaryBlobReference"
    }
    pendingUploads.set(key, { body: response })
    return { status: 200, body: response }
  }

  const putEnvironmentVersion = (name: string, version: string, body: unknown): Reply => {
    const properties = isObject(body) && isObject(body["properties"]) ? body["properties"] : {}
    const key = `${name}:${version}`
    const normalized: Json = { osType: "Linux", autoRebuild: "Disabled", isAnonymous: false, isArchived: false, ...structuredClone(properties) }
    const existing = environmentVersions.get(key)
    if (existing !== undefined) {
      const changed = ENVIRONMENT_DEFINITION.filter(
        (field) => canonical(existing.properties[field] ?? null) !== canonical(normalized[field] ?? null)
      )
      if (changed.length > 0) {
        return armError(409, "UserError", `Environment ${name}:${version} already exists with another ${changed.join(", ")}; versions are immutable.`)
      }
      existing.properties = { ...existing.properties, ...normalized }
      existing.modifiedAt = now()
      return { status: 200, body: assetResource("environments", existing) }
    }
    ensureContainer(environmentContainers, name)
    const createdAt = now()
    const entry: AssetEntry = {
      name,
      version,
      properties: { ...normalized, environmentType: "UserCreated", provisioningState: "Succeeded" },
      createdAt,
      modifiedAt: createdAt,
      sequence: (sequence += 1)
    }
    environmentVersions.set(key, entry)
    return { status: 201, body: assetResource("environments", entry) }
  }

  // ---------------------------------------------------------------------------------------------
  // Workspace and datastore

  const workspaceResource = (): Json => ({
    id: resourceId,
    name: workspaceName,
    type: `${PROVIDER}/workspaces`,
    location,
    kind: "Default",
    properties: {
      workspaceId,
      friendlyName: workspaceName,
      discoveryUrl: `${baseUrl}/discovery`,
      storageAccount: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Storage/storageAccounts/${storage.accountName}`,
      mlFlowTrackingUri: `azureml://${location}.api.azureml.ms/mlflow/v1.0${resourceId}`,
      provisioningState: "Succeeded",
      publicNetworkAccess: "Enabled",
      v1LegacyMode: false
    },
    systemData: systemData(startedAt, startedAt)
  })

  const datastoreResource = (): Json => ({
    id: `${resourceId}/datastores/${DATASTORE}`,
    name: DATASTORE,
    type: `${PROVIDER}/workspaces/datastores`,
    properties: {
      description: "Default blob datastore of the emulated workspace",
      tags: {},
      properties: {},
      datastoreType: "AzureBlob",
      credentials: { credentialsType: "AccountKey", secrets: { secretsType: "AccountKey" } },
      isDefault: true,
      accountName: storage.accountName,
      containerName,
      endpoint: accountUrlIsPathStyle ? endpointHost : endpointHost.replace(/^[^.]+\.blob\./, ""),
      protocol: endpointUrl.protocol.replace(/:$/, ""),
      serviceDataAccessAuthIdentity: "None"
    },
    systemData: systemData(startedAt, startedAt)
  })

  // ---------------------------------------------------------------------------------------------
  // Routing

  interface Context {
    readonly method: string
    readonly path: string
    readonly segments: ReadonlyArray<string>
    readonly query: URLSearchParams
    readonly body: unknown
    readonly headers: http.IncomingHttpHeaders
  }

  interface Route {
    readonly operation: EmulatorOperation
    /** An ARM operation under `{WS}`: segments after the workspace, `:x` for a parameter. */
    readonly arm?: ReadonlyArray<string>
    /** Any other path: full segments, `:x` for a parameter, `*` for a workspace path (7 segments). */
    readonly other?: ReadonlyArray<string>
    readonly method: string
    readonly auth: "bearer" | "sas" | "none"
    readonly handle: (context: Context, parameters: Readonly<Record<string, string>>) => Reply
  }

  const jobOr404 = (name: string, then: (job: JobEntry) => Reply): Reply => {
    const job = jobs.get(name)
    return job === undefined ? armError(404, "UserError", `Job ${name} was not found in workspace ${workspaceName}.`) : then(job)
  }

  const routes: ReadonlyArray<Route> = [
    { operation: "GET workspace", method: "GET", arm: [], auth: "bearer", handle: () => ({ status: 200, body: workspaceResource() }) },
    {
      operation: "GET datastores",
      method: "GET",
      arm: ["datastores"],
      auth: "bearer",
      handle: ({ query }) => ({
        status: 200,
        body: { value: query.get("isDefault") === "false" ? [] : [datastoreResource()] }
      })
    },
    {
      operation: "GET datastore",
      method: "GET",
      arm: ["datastores", ":name"],
      auth: "bearer",
      handle: (_, { name = "" }) =>
        name === DATASTORE ? { status: 200, body: datastoreResource() } : armError(404, "UserError", `Datastore ${name} not found.`)
    },
    {
      operation: "POST listSecrets",
      method: "POST",
      arm: ["datastores", ":name", "listSecrets"],
      auth: "bearer",
      handle: (_, { name = "" }) =>
        name === DATASTORE
          ? { status: 200, body: { secretsType: "AccountKey", key: storage.accountKey } }
          : armError(404, "UserError", `Datastore ${name} not found.`)
    },
    {
      operation: "GET code container",
      method: "GET",
      arm: ["codes", ":name"],
      auth: "bearer",
      handle: (_, { name = "" }) => {
        const entry = codeContainers.get(name)
        return entry === undefined
          ? armError(404, "UserError", `Code container ${name} not found.`)
          : { status: 200, body: codeContainerResource(entry) }
      }
    },
    {
      operation: "PUT code container",
      method: "PUT",
      arm: ["codes", ":name"],
      auth: "bearer",
      handle: ({ body }, { name = "" }) => putContainer(codeContainers, name, body, codeContainerResource)
    },
    {
      operation: "GET code versions",
      method: "GET",
      arm: ["codes", ":name", "versions"],
      auth: "bearer",
      handle: ({ query }, { name = "" }) => listCodeVersions(name, query)
    },
    {
      operation: "GET code version",
      method: "GET",
      arm: ["codes", ":name", "versions", ":version"],
      auth: "bearer",
      handle: (_, { name = "", version = "" }) => {
        const entry = codeVersions.get(`${name}:${version}`)
        return entry === undefined
          ? armError(404, "UserError", `Code ${name}:${version} not found.`)
          : { status: 200, body: assetResource("codes", entry) }
      }
    },
    {
      operation: "PUT code version",
      method: "PUT",
      arm: ["codes", ":name", "versions", ":version"],
      auth: "bearer",
      handle: ({ body }, { name = "", version = "" }) => putCodeVersion(name, version, body)
    },
    {
      operation: "POST startPendingUpload",
      method: "POST",
      arm: ["codes", ":name", "versions", ":version", "startPendingUpload"],
      auth: "bearer",
      handle: ({ body }, { name = "", version = "" }) => startPendingUpload(name, version, body)
    },
    {
      operation: "GET environment container",
      method: "GET",
      arm: ["environments", ":name"],
      auth: "bearer",
      handle: (_, { name = "" }) => {
        const entry = environmentContainers.get(name)
        return entry === undefined
          ? armError(404, "UserError", `Environment container ${name} not found.`)
          : { status: 200, body: environmentContainerResource(entry) }
      }
    },
    {
      operation: "PUT environment container",
      method: "PUT",
      arm: ["environments", ":name"],
      auth: "bearer",
      handle: ({ body }, { name = "" }) => putContainer(environmentContainers, name, body, environmentContainerResource)
    },
    {
      operation: "GET environment versions",
      method: "GET",
      arm: ["environments", ":name", "versions"],
      auth: "bearer",
      handle: ({ query }, { name = "" }) => ({
        status: 200,
        body: {
          value: ordered(
            [...environmentVersions.values()].filter((entry) => entry.name === name),
            query
          ).map((entry) => assetResource("environments", entry))
        }
      })
    },
    {
      operation: "GET environment version",
      method: "GET",
      arm: ["environments", ":name", "versions", ":version"],
      auth: "bearer",
      handle: (_, { name = "", version = "" }) => {
        const entry = environmentVersions.get(`${name}:${version}`)
        return entry === undefined
          ? armError(404, "UserError", `Environment ${name}:${version} not found.`)
          : { status: 200, body: assetResource("environments", entry) }
      }
    },
    {
      operation: "PUT environment version",
      method: "PUT",
      arm: ["environments", ":name", "versions", ":version"],
      auth: "bearer",
      handle: ({ body }, { name = "", version = "" }) => putEnvironmentVersion(name, version, body)
    },
    {
      operation: "PUT jobs",
      method: "PUT",
      arm: ["jobs", ":id"],
      auth: "bearer",
      handle: ({ body }, { id = "" }) => putJob(id, body)
    },
    {
      operation: "GET jobs",
      method: "GET",
      arm: ["jobs", ":id"],
      auth: "bearer",
      handle: (_, { id = "" }) =>
        jobOr404(id, (job) => {
          poll(job)
          return { status: 200, body: jobResource(job) }
        })
    },
    {
      operation: "POST cancel",
      method: "POST",
      arm: ["jobs", ":id", "cancel"],
      auth: "bearer",
      handle: ({ query }, { id = "" }) => jobOr404(id, (job) => cancelJob(job, query.get("api-version") ?? ""))
    },
    {
      operation: "GET operation status",
      method: "GET",
      other: ["subscriptions", ":sub", "providers", PROVIDER, "locations", ":location", "mfeOperationsStatus", ":operation"],
      auth: "bearer",
      handle: (_, { operation: id = "" }) => {
        const operation = operations.get(id)
        if (operation === undefined) return armError(404, "ResourceNotFound", `Operation ${id} not found.`)
        const job = jobs.get(operation.jobName)
        if (job !== undefined) poll(job)
        const status = operationStatus(operation)
        return {
          status: 200,
          body: {
            id: `/subscriptions/${subscriptionId}/providers/${PROVIDER}/locations/${location}/mfeOperationsStatus/${id}`,
            name: id,
            status,
            startTime: operation.startTime,
            ...(operation.endTime === undefined ? {} : { endTime: operation.endTime })
          },
          ...(status === "InProgress" ? { headers: { "Retry-After": String(lroRetryAfter) } } : {})
        }
      }
    },
    {
      operation: "GET operation result",
      method: "GET",
      other: ["subscriptions", ":sub", "providers", PROVIDER, "locations", ":location", "mfeOperationResults", ":operation"],
      auth: "bearer",
      handle: ({ query }, { operation: id = "" }) => {
        const operation = operations.get(id)
        if (operation === undefined) return armError(404, "ResourceNotFound", `Operation ${id} not found.`)
        const job = jobs.get(operation.jobName)
        if (job !== undefined) poll(job)
        if (operationStatus(operation) === "Succeeded") return { status: 200 }
        return {
          status: 202,
          headers: {
            Location: operationUrls(id, query.get("api-version") ?? "").result,
            "Retry-After": String(lroRetryAfter)
          }
        }
      }
    },
    {
      operation: "GET discovery",
      method: "GET",
      other: ["discovery"],
      auth: "none",
      handle: () => ({
        status: 200,
        body: Object.fromEntries(
          ["api", "catalog", "experimentation", "gallery", "history", "hyperdrive", "labeling", "modelmanagement", "pipelines", "studio"].map(
            (service) => [service, baseUrl]
          )
        )
      })
    },
    {
      operation: "GET run details",
      method: "GET",
      other: ["history", "v1.0", "*", "runs", ":run", "details"],
      auth: "bearer",
      handle: (_, { run = "" }) =>
        jobOr404(run, (job) => {
          poll(job)
          const log = logText(job)
          return {
            status: 200,
            body: {
              runId: job.name,
              runUuid: crypto.createHash("sha256").update(job.name).digest("hex").slice(0, 32),
              status: job.status,
              target: typeof job.properties["computeId"] === "string" ? job.properties["computeId"].split("/").pop() : "local",
              startTimeUtc: job.startedAt ?? null,
              endTimeUtc: job.endedAt ?? null,
              logFiles: log === undefined ? {} : { "user_logs/std_log.txt": logUrl(job) },
              warnings: [],
              error:
                job.status === "Failed"
                  ? { error: { code: "UserError", message: `Execution failed for job ${job.name} (emulated failure).` } }
                  : null,
              properties: {}
            }
          }
        })
    },
    {
      operation: "GET logs",
      method: "GET",
      other: ["artifacts", ":run", "user_logs", "std_log.txt"],
      auth: "sas",
      handle: ({ query }, { run = "" }) => {
        if (query.get("sig") !== logToken) {
          return { status: 403, text: "AuthenticationFailed: the SAS signature is missing or wrong." }
        }
        const job = jobs.get(run)
        const log = job === undefined ? undefined : logText(job)
        return log === undefined ? { status: 404, text: "BlobNotFound" } : { status: 200, text: log }
      }
    }
  ]

  const workspacePrefix = ["subscriptions", subscriptionId, "resourceGroups", resourceGroup, "providers", PROVIDER, "workspaces", workspaceName]

  const sameSegment = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()

  const decode = (segment: string): string => {
    try {
      return decodeURIComponent(segment)
    } catch {
      return segment
    }
  }

  const matchPattern = (
    pattern: ReadonlyArray<string>,
    segments: ReadonlyArray<string>
  ): Record<string, string> | undefined => {
    const parameters: Record<string, string> = {}
    let offset = 0
    for (const part of pattern) {
      if (part === "*") {
        const workspace = segments.slice(offset, offset + workspacePrefix.length)
        if (workspace.length !== workspacePrefix.length || !workspace.every((segment, index) => sameSegment(segment, workspacePrefix[index] ?? ""))) {
          return undefined
        }
        offset += workspacePrefix.length
        continue
      }
      const segment = segments[offset]
      if (segment === undefined) return undefined
      if (part.startsWith(":")) parameters[part.slice(1)] = decode(segment)
      else if (!sameSegment(part, segment)) return undefined
      offset += 1
    }
    return offset === segments.length ? parameters : undefined
  }

  /** The route for a request; for ARM paths also whether the workspace part names this workspace. */
  const resolve = (
    method: string,
    segments: ReadonlyArray<string>
  ): { readonly route: Route; readonly parameters: Record<string, string>; readonly foreignWorkspace: boolean } | undefined => {
    for (const route of routes) {
      if (route.method !== method) continue
      if (route.other !== undefined) {
        const parameters = matchPattern(route.other, segments)
        if (parameters !== undefined) return { route, parameters, foreignWorkspace: false }
        continue
      }
      const arm = route.arm ?? []
      if (segments.length !== ARM_SHAPE.length + arm.length) continue
      const parameters = matchPattern([...ARM_SHAPE, ...arm], segments)
      if (parameters === undefined) continue
      const foreignWorkspace = !segments
        .slice(0, workspacePrefix.length)
        .every((segment, index) => sameSegment(segment, workspacePrefix[index] ?? ""))
      return { route, parameters, foreignWorkspace }
    }
    return undefined
  }

  const isArmPath = (segments: ReadonlyArray<string>): boolean => sameSegment(segments[0] ?? "", "subscriptions")

  // ---------------------------------------------------------------------------------------------
  // Server

  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let closed = false

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolveSleep) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        resolveSleep()
      }, ms)
      timers.add(timer)
    })

  const send = (response: http.ServerResponse, reply: Reply): void => {
    const headers: Record<string, string> = { "x-ms-request-id": crypto.randomUUID(), ...reply.headers }
    if (reply.text !== undefined) {
      response.writeHead(reply.status, { ...headers, "Content-Type": "text/plain; charset=utf-8" })
      response.end(reply.text)
    } else if (reply.body !== undefined) {
      response.writeHead(reply.status, { ...headers, "Content-Type": "application/json; charset=utf-8" })
      response.end(JSON.stringify(reply.body))
    } else {
      response.writeHead(reply.status, { ...headers, "Content-Length": "0" })
      response.end()
    }
  }

  const handle = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    if (!isLoopback(request.socket.remoteAddress)) {
      request.socket.destroy()
      return
    }
    const method = (request.method ?? "GET").toUpperCase()
    const url = new URL(request.url ?? "/", "http://127.0.0.1")
    const segments = segmentsOf(url.pathname)
    const raw = await readBody(request)
    const resolved = resolve(method, segments)
    const operation = resolved?.route.operation
    const record = (status: number | "reset", body: unknown): void => {
      requests.push({ operation, method, path: url.pathname, query: Object.fromEntries(url.searchParams), body, status })
    }

    if (raw === "too large") {
      send(response, armError(413, "RequestEntityTooLarge", `bodies are limited to ${MAX_BODY_BYTES} bytes`))
      record(413, undefined)
      return
    }
    let body: unknown
    let bodyIssue: Issue | undefined
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString("utf8"))
      } catch (error) {
        bodyIssue = { path: "", message: `body is not JSON: ${String(error)}` }
      }
    }

    if (operation !== undefined) {
      const delay = controller.takeDelay(operation)
      if (delay > 0) await sleep(delay)
      if (closed) return
      const fault = controller.takeFault(operation)
      if (fault?.kind === "reset" && fault.when === "before") {
        record("reset", body)
        request.socket.destroy()
        return
      }
      if (fault?.kind === "status") {
        const { spec } = fault
        const headers: Record<string, string> = {}
        if (spec.retryAfterSeconds !== undefined) headers["Retry-After"] = String(spec.retryAfterSeconds)
        if (spec.retryAfterMs !== undefined) {
          headers["retry-after-ms"] = String(spec.retryAfterMs)
          headers["x-ms-retry-after-ms"] = String(spec.retryAfterMs)
        }
        const code = spec.status === 429 ? "TooManyRequests" : spec.status === 503 ? "ServiceUnavailable" : "InjectedFault"
        send(response, armError(spec.status, code, `Injected fault: ${spec.status} for ${operation}.`, headers))
        record(spec.status, body)
        return
      }
      const reply = answer(method, url, segments, body, bodyIssue, request.headers, resolved)
      if (fault?.kind === "reset") {
        record("reset", body)
        request.socket.destroy()
        return
      }
      send(response, reply)
      record(reply.status, body)
      return
    }
    const reply = answer(method, url, segments, body, bodyIssue, request.headers, resolved)
    send(response, reply)
    record(reply.status, body)
  }

  const answer = (
    method: string,
    url: URL,
    segments: ReadonlyArray<string>,
    body: unknown,
    bodyIssue: Issue | undefined,
    headers: http.IncomingHttpHeaders,
    resolved: ReturnType<typeof resolve>
  ): Reply => {
    const operation = resolved?.route.operation
    const auth = resolved?.route.auth ?? (isArmPath(segments) ? "bearer" : "none")
    if (requireAuth && auth === "bearer" && !/^Bearer\s+\S+/i.test(headers.authorization ?? "")) {
      return armError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
    }
    const swaggerOperation = isArmPath(segments) && resolved?.route.other === undefined ? findOperation(swagger, method, url.pathname) : undefined
    if (isArmPath(segments) && resolved?.route.other === undefined) {
      const violation = validateArm(swaggerOperation, method, url, body, bodyIssue)
      if (violation !== undefined) {
        violations.push({ operation, method, path: url.pathname, issues: violation })
        return armError(400, "SwaggerViolation", violation.map((issue) => `${issue.path || "/"}: ${issue.message}`).join("; "))
      }
    }
    if (resolved === undefined) {
      if (swaggerOperation !== undefined) {
        unhandled.push({ method, path: url.pathname, operationId: swaggerOperation.operationId })
        return armError(501, "NotImplemented", `The emulator does not implement ${swaggerOperation.operationId}.`)
      }
      return armError(404, "NotFound", `No route for ${method} ${url.pathname}.`)
    }
    if (resolved.foreignWorkspace) {
      return armError(404, "ResourceNotFound", `Workspace ${segments.slice(0, workspacePrefix.length).join("/")} is not the emulated one.`)
    }
    let reply: Reply
    try {
      reply = resolved.route.handle({ method, path: url.pathname, segments, query: url.searchParams, body, headers }, resolved.parameters)
    } catch (error) {
      responseViolations.push({ operation, method, path: url.pathname, issues: [{ path: "", message: `emulator error: ${String(error)}` }] })
      return armError(500, "EmulatorError", String(error))
    }
    if (swaggerOperation !== undefined && reply.status >= 200 && reply.status < 300) {
      const issues = checkResponse(swagger, swaggerOperation, url.pathname, reply.status, reply.body)
      if (issues.length > 0) responseViolations.push({ operation, method, path: url.pathname, issues })
    }
    return reply
  }

  const validateArm = (
    swaggerOperation: SwaggerOperation | undefined,
    method: string,
    url: URL,
    body: unknown,
    bodyIssue: Issue | undefined
  ): ReadonlyArray<Issue> | undefined => {
    if (swaggerOperation === undefined) {
      return [{ path: "", message: `${method} ${url.pathname} is not an operation of the Azure ML swagger` }]
    }
    const issues: Array<Issue> = [...checkParameters(swaggerOperation, url.pathname, url.searchParams)]
    if (bodyIssue !== undefined) issues.push(bodyIssue)
    else issues.push(...SwaggerCheck.checkOperation(swagger.check, method, url.pathname, body))
    return issues.length > 0 ? issues : undefined
  }

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      responseViolations.push({ operation: undefined, method: request.method ?? "", path: request.url ?? "", issues: [{ path: "", message: `emulator error: ${String(error)}` }] })
      if (!response.headersSent) send(response, armError(500, "EmulatorError", String(error)))
    })
  })
  server.on("connection", (socket: Socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolveListen())
  })
  server.unref()
  const address = server.address() as AddressInfo
  baseUrl = `http://127.0.0.1:${address.port}`

  const toView = (job: JobEntry): JobView => ({
    name: job.name,
    status: job.status,
    history: [...job.history],
    request: structuredClone(job.request),
    log: logText(job)
  })

  const state: EmulatorState = {
    requests,
    violations,
    responseViolations,
    unhandled,
    job: (name) => {
      const job = jobs.get(name)
      return job === undefined ? undefined : toView(job)
    },
    jobNames: () => [...jobs.keys()],
    advance: (name, steps = 1) => {
      const job = jobs.get(name)
      if (job === undefined) throw new Error(`no job ${name}`)
      step(job, steps)
      return job.status
    },
    codeVersions: () => [...codeVersions.values()].map((entry) => assetResource("codes", entry)),
    environmentVersions: () => [...environmentVersions.values()].map((entry) => assetResource("environments", entry))
  }

  return {
    url: baseUrl,
    workspace: {
      subscriptionId,
      resourceGroup,
      workspace: workspaceName,
      location,
      workspaceId,
      resourceId,
      datastore: { name: DATASTORE, accountName: storage.accountName, containerName, blobEndpoint }
    },
    state,
    faults: controller.faults,
    close: async () => {
      if (closed) return
      closed = true
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()))
    }
  }
}
