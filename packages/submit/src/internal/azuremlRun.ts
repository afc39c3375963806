/**
 * Executing and following an azureml plan: snapshot, content hash, reuse or upload, code version,
 * environment version, job; then status, logs and cancel from the run record. See `AzureMl`'s
 * module comment for the flow; this file holds the effects.
 *
 * @internal
 */
import type { TokenCredential } from "@azure/identity"
import type { StorageRetryOptions } from "@azure/storage-blob"
import { FileSystem } from "@effect/platform"
import { Chunk, Clock, Duration, Effect, Either, Option, Redacted, Stream } from "effect"
import * as path from "node:path"
import * as AzureMlClient from "../AzureMlClient.js"
import * as Backend from "../Backend.js"
import type * as Plan from "../Plan.js"
import * as Redact from "../Redact.js"
import * as RunStore from "../RunStore.js"
import * as Snapshot from "../Snapshot.js"
import * as Workspace from "../Workspace.js"
import * as follow from "./azuremlFollow.js"
import * as http from "./azuremlHttp.js"
import * as upload from "./azuremlUpload.js"
import * as lifecycle from "./lifecycle.js"
import * as runStore from "./runStore.js"

// -------------------------------------------------------------------------------------
// options
// -------------------------------------------------------------------------------------

/** @internal */
export interface RunOptions {
  readonly runsDirectory?: string
  /** Status polling back-off (default 2 s rising to 60 s). */
  readonly polling?: follow.Polling
  /** Wait between LRO polls when the service gives no `Retry-After` (default 5 s). */
  readonly lroPollMillis?: number
  /** Give up following a cancel after this long (default 15 min). */
  readonly lroTimeoutMillis?: number
  /** Parallel blob uploads (default 16). */
  readonly uploadConcurrency?: number
  readonly onUploadProgress?: (progress: UploadProgress) => void
  /** `datastore` (default): the datastore's credentials (`listSecrets`), or your identity for an identity-based datastore; `pendingUpload`: the code goes through `startPendingUpload` (a SAS, no datastore secrets). */
  readonly uploadVia?: "datastore" | "pendingUpload"
  readonly storageRetry?: StorageRetryOptions
  /** Attempts per log download (default 4). */
  readonly logDownloadAttempts?: number
}

/** @internal */
export interface UploadProgress extends upload.Progress {
  /** The plan's upload: `sourceDirectory`, `environment.build`, `inputs.<name>`. */
  readonly field: string
}

/** @internal */
export interface Env {
  readonly fs: FileSystem.FileSystem
  readonly client: AzureMlClient.Client
  readonly options: RunOptions
}

/** @internal */
export type ExecuteError =
  | AzureMlClient.ClientError
  | upload.UploadError
  | Workspace.WorkspaceMissing
  | RunStore.RunError
  | Backend.WrongBackend

/** @internal */
export type FollowError = AzureMlClient.ClientError | RunStore.RunNotFound | RunStore.RunStoreError

const DEFAULT_POLLING: follow.Polling = { minMillis: 2_000, maxMillis: 60_000 }
const STORAGE_SCOPE = "https://storage.azure.com/.default"

const describe = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "message" in cause ? String((cause as { message: unknown }).message) : String(cause)

const storeOf = (env: Env): RunStore.Store => RunStore.make(env.options.runsDirectory ?? RunStore.root())

const get = (value: unknown, ...keys: ReadonlyArray<string>): unknown =>
  keys.reduce<unknown>((node, key) => (typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined), value)

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined)

// -------------------------------------------------------------------------------------
// filling the plan
// -------------------------------------------------------------------------------------

const PLACEHOLDER_STORAGE_ACCOUNT = "{storageAccount}"
const PLACEHOLDER_STORAGE_CONTAINER = "{storageContainer}"

interface Filled {
  readonly hash: string
  readonly storage?: { readonly account: string; readonly container: string }
}

/**
 * A plan value with its placeholders filled: in every string holding an upload's hash placeholder,
 * `{storageAccount}` / `{storageContainer}` become that upload's datastore's, then the hash.
 *
 * @internal
 */
export const fill = (value: unknown, uploads: ReadonlyMap<string, Filled>): unknown => {
  if (typeof value === "string") {
    let text = value
    for (const [placeholder, filled] of uploads) {
      if (!text.includes(placeholder)) continue
      if (filled.storage !== undefined) {
        text = text.split(PLACEHOLDER_STORAGE_ACCOUNT).join(filled.storage.account).split(PLACEHOLDER_STORAGE_CONTAINER).join(filled.storage.container)
      }
      text = text.split(placeholder).join(filled.hash)
    }
    return text
  }
  if (Array.isArray(value)) return value.map((item) => fill(item, uploads))
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item, uploads)]))
  }
  return value
}

const WORKSPACE_PLACEHOLDERS = ["{subscriptionId}", "{resourceGroupName}", "{workspaceName}"]

// -------------------------------------------------------------------------------------
// local content
// -------------------------------------------------------------------------------------

interface Local {
  readonly hash: string
  /** The folder (or file) name the blobs go under. */
  readonly name: string
  readonly files: ReadonlyArray<upload.File>
  readonly report?: Snapshot.Report
}

const localContent = (fs: FileSystem.FileSystem, item: Plan.Upload, runStore: string): Effect.Effect<Local, Snapshot.SnapshotError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const info = yield* fs.stat(item.localPath).pipe(
      Effect.mapError((cause) => new Snapshot.SnapshotError({ path: item.localPath, reason: describe(cause) }))
    )
    if (info.type !== "Directory") {
      const directory = path.dirname(item.localPath)
      const name = path.basename(item.localPath)
      const bytes = Number(info.size)
      const hash = yield* Snapshot.contentHash({ sourceDirectory: directory, files: [{ path: name, bytes }] })
      return { hash, name, files: [{ path: name, from: item.localPath, bytes }] }
    }
    const report = yield* Snapshot.preflight(item.localPath, { exclude: [{ path: runStore, rule: "the run store" }] })
    if (report.fileCount === 0) {
      return yield* Effect.fail(new Snapshot.SnapshotError({
        path: item.localPath,
        reason: `nothing to upload for ${item.field}: the folder is empty or every file is excluded (Azure ML refuses an empty ${item.kind === "code" ? "code snapshot" : "folder"})`
      }))
    }
    const hash = yield* Snapshot.contentHash(report)
    const real = yield* fs.realPath(item.localPath).pipe(
      Effect.mapError((cause) => new Snapshot.SnapshotError({ path: item.localPath, reason: describe(cause) }))
    )
    const name = path.basename(item.localPath)
    return {
      hash,
      name,
      report,
      files: report.files.map((file) => ({
        path: `${name}/${file.path}`,
        from: path.join(real, ...(file.target ?? file.path).split("/")),
        bytes: file.bytes
      }))
    }
  })

// -------------------------------------------------------------------------------------
// storage
// -------------------------------------------------------------------------------------

interface Storage {
  readonly target: upload.Target
  /** The blob prefix the content goes under (`LocalUpload/<hash>`). */
  readonly prefix: string
}

const tokenCredential = (client: AzureMlClient.Client): TokenCredential => ({
  getToken: async (scopes) => {
    const scope = Array.isArray(scopes) ? scopes[0] ?? STORAGE_SCOPE : String(scopes)
    const token = await Effect.runPromise(Effect.either(client.token(scope)))
    if (Either.isLeft(token)) throw new Error(token.left.message)
    return { token: Redacted.value(token.right.token), expiresOnTimestamp: token.right.expiresOnTimestamp ?? Date.now() + 5 * 60_000 }
  }
})

const datastoreTarget = (
  env: Env,
  workspacePath: string,
  datastore: string,
  secrets: Set<string>
): Effect.Effect<upload.Target, AzureMlClient.ClientError | upload.UploadError> =>
  Effect.gen(function*() {
    const answer = yield* env.client.send({ method: "GET", url: `${workspacePath}/datastores/${encodeURIComponent(datastore)}`, operation: `read the datastore ${datastore}` })
    const properties = get(answer.json, "properties")
    const account = str(get(properties, "accountName")) ?? ""
    const container = str(get(properties, "containerName")) ?? ""
    const type = str(get(properties, "datastoreType"))
    if (type !== "AzureBlob" || account === "" || container === "") {
      return yield* Effect.fail(new upload.UploadError({
        operation: "use",
        account: account || "?",
        container: container || "?",
        reason: `the datastore ${datastore} is ${type ?? "of an unknown type"}, not an Azure Blob datastore with an account and a container`,
        hint: "Code and local inputs are uploaded to an AzureBlob datastore: use the workspace's default (workspaceblobstore) or another blob datastore as sourceDirectoryDatastore."
      }))
    }
    const accountUrl = upload.accountUrl(str(get(properties, "protocol")) ?? "https", str(get(properties, "endpoint")) ?? "core.windows.net", account)
    const credentialsType = str(get(properties, "credentials", "credentialsType"))
    const retry = env.options.storageRetry === undefined ? {} : { retry: env.options.storageRetry }
    if (credentialsType === "AccountKey" || credentialsType === "Sas") {
      const secret = yield* env.client.send({
        method: "POST",
        url: `${workspacePath}/datastores/${encodeURIComponent(datastore)}/listSecrets`,
        operation: `read the credentials of the datastore ${datastore}`
      })
      const key = str(get(secret.json, "key"))
      const sas = str(get(secret.json, "sasToken"))
      if (key !== undefined && key !== "") {
        secrets.add(key)
        return { accountUrl, account, container, credential: { _tag: "AccountKey", key }, ...retry }
      }
      if (sas !== undefined && sas !== "") {
        secrets.add(sas)
        secrets.add(sas.replace(/^\?/, ""))
        return { accountUrl, account, container, credential: { _tag: "Sas", token: sas }, ...retry }
      }
    }
    return { accountUrl, account, container, credential: { _tag: "Token", credential: tokenCredential(env.client) }, ...retry }
  })

/** The code's storage through `startPendingUpload`, asking for the content hash as the upload id. */
const pendingUploadTarget = (
  env: Env,
  codeVersionPath: string,
  hash: string,
  secrets: Set<string>
): Effect.Effect<Option.Option<Storage>, AzureMlClient.ClientError> =>
  Effect.gen(function*() {
    const answer = yield* env.client.send({
      method: "POST",
      url: `${codeVersionPath}/startPendingUpload`,
      operation: "get an upload location for the code",
      body: { pendingUploadId: hash, pendingUploadType: "TemporaryBlobReference" }
    })
    const reference = get(answer.json, "blobReferenceForConsumption")
    const blobUri = str(get(reference, "blobUri"))
    const sasUri = str(get(reference, "credential", "sasUri"))
    const armId = str(get(reference, "storageAccountArmId")) ?? ""
    if (blobUri === undefined || sasUri === undefined) return Option.none()
    const sas = new URL(sasUri).search.replace(/^\?/, "")
    secrets.add(sas)
    secrets.add(sasUri)
    const url = new URL(blobUri)
    const segments = url.pathname.split("/").filter((segment) => segment !== "")
    const at = segments.lastIndexOf("LocalUpload")
    if (at < 1 || segments[at + 1] !== hash || at + 2 !== segments.length) return Option.none()
    const container = decodeURIComponent(segments[at - 1] ?? "")
    const account = armId.split("/").pop() ?? ""
    const accountUrl = `${url.origin}${segments.slice(0, at - 1).map((segment) => `/${segment}`).join("")}`
    return Option.some({
      prefix: `LocalUpload/${hash}`,
      target: {
        accountUrl,
        account: account === "" ? url.hostname.split(".")[0] ?? "" : account,
        container,
        credential: { _tag: "Sas", token: sas },
        ...(env.options.storageRetry === undefined ? {} : { retry: env.options.storageRetry })
      }
    })
  })

// -------------------------------------------------------------------------------------
// execute
// -------------------------------------------------------------------------------------

const workspacePathOf = (requestPath: string): string => {
  const at = requestPath.search(/\/(codes|environments|jobs)\//)
  return at === -1 ? requestPath : requestPath.slice(0, at)
}

const noWorkspace = new Workspace.WorkspaceMissing({
  missing: Workspace.fields,
  problems: ["the plan was made without a workspace, so its request paths still hold {subscriptionId}, {resourceGroupName} and {workspaceName}"],
  consulted: []
})

/** @internal */
export const execute = (env: Env, plan: Plan.AzureMlPlan): Effect.Effect<Backend.RunHandle, ExecuteError> =>
  Effect.gen(function*() {
    const { fs, client, options } = env
    const runId = plan.run.runId
    const jobRequest = plan.requests[plan.requests.length - 1]
    if (jobRequest === undefined || WORKSPACE_PLACEHOLDERS.some((placeholder) => jobRequest.path.includes(placeholder))) {
      return yield* Effect.fail(noWorkspace)
    }
    const workspacePath = workspacePathOf(jobRequest.path)
    const secrets = new Set<string>()
    const redactor = () => Redact.make(secrets)
    const store = () => RunStore.forPlan(plan, { redactor: redactor() })
    const provide = <A, E>(effect: Effect.Effect<A, E, FileSystem.FileSystem>) => Effect.provideService(effect, FileSystem.FileSystem, fs)

    yield* provide(store().create({
      ...RunStore.fromPlan(plan, { jobName: plan.jobName, workspacePath }),
      pid: process.pid
    }))

    const submitted = { externalId: undefined as string | undefined }
    const main = Effect.gen(function*() {
      const filled = new Map<string, Filled>()
      const uploadsSummary: Array<RunStore.Json> = []
      let codeReused = false
      const targets = new Map<string, upload.Target>()
      const codeRequestPath = plan.requests[0]?.path ?? ""
      for (const item of plan.uploads) {
        const local = yield* provide(localContent(fs, item, path.dirname(plan.run.runDirectory)))
        if (item.kind === "code" && local.report !== undefined) {
          const report = local.report
          yield* provide(store().writeJson(runId, "snapshot-report.json", report))
          yield* provide(store().update(runId, (record) => ({
            ...record,
            snapshot: {
              fileCount: report.fileCount,
              bytes: report.bytes,
              excludedCount: report.excluded.length,
              ignoreFile: report.ignoreFile,
              contentHash: local.hash
            }
          })))
        }
        const progress = (p: upload.Progress) => options.onUploadProgress?.({ ...p, field: item.field })
        const totalBytes = local.files.reduce((sum, file) => sum + file.bytes, 0)
        if (item.kind === "code") {
          const codeVersionPath = codeRequestPath.split(item.placeholder).join(local.hash)
          const found = yield* client.send({
            method: "GET",
            url: `${codeVersionPath.replace(/\/versions\/[^/]+$/, "")}/versions`,
            query: { hash: local.hash, hashVersion: Snapshot.HASH_VERSION },
            operation: "look up the code snapshot by its content hash"
          })
          const items = get(found.json, "value")
          codeReused = Array.isArray(items) && items.some((entry) => str(get(entry, "id"))?.toLowerCase() === codeVersionPath.toLowerCase())
          if (codeReused) {
            filled.set(item.placeholder, { hash: local.hash })
            const done = { totalFiles: local.files.length, totalBytes, doneFiles: local.files.length, uploadedFiles: 0, uploadedBytes: 0, skippedFiles: local.files.length, skippedBytes: totalBytes }
            progress(done)
            uploadsSummary.push({ field: item.field, hash: local.hash, ...done, reused: "code-version" })
            continue
          }
          if (options.uploadVia === "pendingUpload") {
            const storage = yield* pendingUploadTarget(env, codeVersionPath, local.hash, secrets)
            if (Option.isSome(storage)) {
              const result = yield* upload.upload(storage.value.target, {
                prefix: storage.value.prefix,
                files: local.files,
                concurrency: options.uploadConcurrency ?? 16,
                metadata: { name: local.hash, version: "1" },
                onProgress: progress
              }, (text) => Redact.string(redactor(), text))
              filled.set(item.placeholder, { hash: local.hash, storage: { account: storage.value.target.account, container: storage.value.target.container } })
              uploadsSummary.push({ field: item.field, hash: local.hash, via: "startPendingUpload", ...result })
              continue
            }
          }
        }
        let target = targets.get(item.datastore)
        if (target === undefined) {
          target = yield* datastoreTarget(env, workspacePath, item.datastore, secrets)
          targets.set(item.datastore, target)
        }
        const result = yield* upload.upload(target, {
          prefix: `LocalUpload/${local.hash}`,
          files: local.files,
          concurrency: options.uploadConcurrency ?? 16,
          metadata: { name: local.hash, version: "1" },
          onProgress: progress
        }, (text) => Redact.string(redactor(), text))
        filled.set(item.placeholder, { hash: local.hash, storage: { account: target.account, container: target.container } })
        uploadsSummary.push({ field: item.field, hash: local.hash, datastore: item.datastore, ...result })
      }
      yield* provide(store().update(runId, (record) => ({ ...record, details: { ...record.details, uploads: uploadsSummary } })))

      if (Option.isSome(yield* provide(store().cancelRequest(runId)))) {
        return yield* provide(store().appendStatus(runId, "Canceled", { reason: "canceled before the job was submitted" }))
      }

      let record: RunStore.RunRecord | undefined
      for (const [index, request] of plan.requests.entries()) {
        const url = fill(request.path, filled) as string
        const body = fill(request.body, filled)
        const isJob = index === plan.requests.length - 1
        if (index === 0 && codeReused) continue
        const operation = isJob
          ? `create the job ${plan.jobName}`
          : url.includes("/codes/")
          ? "register the code snapshot as a code version"
          : "register the job's environment"
        const answer = yield* client.send({ method: request.method, url, body, operation })
        if (!isJob) continue
        const id = str(get(answer.json, "id")) ?? url
        submitted.externalId = id
        const status = follow.toStatus(get(answer.json, "properties", "status"))
        const properties = get(body, "properties")
        record = yield* provide(store().update(runId, (current) => ({
          ...current,
          externalId: id,
          details: {
            ...current.details,
            jobName: plan.jobName,
            codeId: str(get(properties, "codeId")) ?? null,
            environmentId: str(get(properties, "environmentId")) ?? null,
            studioUrl: str(get(answer.json, "properties", "services", "Studio", "endpoint")) ?? null
          }
        })))
        if (status !== undefined && status !== "NotStarted") record = yield* provide(store().appendStatus(runId, status))
      }
      return record ?? (yield* provide(store().read(runId)))
    })

    const record = yield* main.pipe(
      Effect.tapError((error) =>
        submitted.externalId !== undefined
          ? Effect.void
          : Effect.ignore(provide(store().appendStatus(runId, "Failed", { reason: Redact.string(redactor(), error.message) })))),
      Effect.onInterrupt(() =>
        submitted.externalId !== undefined
          ? Effect.void
          : Effect.ignore(provide(store().appendStatus(runId, "Canceled", { reason: "interrupted before the job was submitted" }))))
    )
    return {
      runId,
      backend: "azureml" as const,
      runDirectory: plan.run.runDirectory,
      ...(record.externalId === undefined ? {} : { externalId: record.externalId })
    }
  })

// -------------------------------------------------------------------------------------
// follow
// -------------------------------------------------------------------------------------

const record = (env: Env, runId: string) => Effect.provideService(storeOf(env).read(runId), FileSystem.FileSystem, env.fs)

const observe = (env: Env, runId: string, status: Backend.Status, reason?: string) =>
  Effect.provideService(
    storeOf(env).appendStatus(runId, status, reason === undefined ? {} : { reason }),
    FileSystem.FileSystem,
    env.fs
  )

const failureReason = (env: Env, jobId: string): Effect.Effect<string | undefined> =>
  Effect.gen(function*() {
    const details = yield* runDetails(env, jobId)
    const message = str(get(details.json, "error", "error", "message")) ?? str(get(details.json, "error", "message"))
    const code = str(get(details.json, "error", "error", "code"))
    return message === undefined ? undefined : `${code === undefined ? "" : `${code}: `}${message}`
  }).pipe(Effect.orElseSucceed(() => undefined))

/** Reads the job's status from ARM and records it; a terminal one with its reason. */
const refresh = (env: Env, current: RunStore.RunRecord): Effect.Effect<RunStore.RunRecord, FollowError> =>
  Effect.gen(function*() {
    const jobId = current.externalId
    if (jobId === undefined || lifecycle.isTerminal(current.status)) return current
    const answer = yield* env.client.send({ method: "GET", url: jobId, operation: `read the status of the job ${jobId.split("/").pop() ?? ""}` })
    const status = follow.toStatus(get(answer.json, "properties", "status"))
    if (status === undefined || status === current.status) return current
    const reason = status === "Failed" ? yield* failureReason(env, jobId) : status === "Canceled" ? "canceled in Azure ML" : undefined
    return yield* observe(env, current.runId, status, reason)
  })

const notSubmitted = (env: Env, current: RunStore.RunRecord): Effect.Effect<RunStore.RunRecord, FollowError> =>
  // A run without a job: still being submitted by a live process, or that process died.
  current.pid !== undefined && !lifecycle.isAlive(current.pid) && !lifecycle.isTerminal(current.status)
    ? observe(env, current.runId, "Failed", `the process that was submitting it (pid ${current.pid}) exited before the job was created`)
    : Effect.succeed(current)

/** @internal */
export const status = (env: Env, runId: string): Effect.Effect<Backend.RunStatus, FollowError> =>
  Effect.gen(function*() {
    const current = yield* record(env, runId)
    const next = current.externalId === undefined ? yield* notSubmitted(env, current) : yield* refresh(env, current)
    return RunStore.toRunStatus(next)
  })

/** @internal */
export const wait = (env: Env, runId: string): Effect.Effect<Backend.RunStatus, FollowError> =>
  Effect.gen(function*() {
    const polling = env.options.polling ?? DEFAULT_POLLING
    const started = yield* Clock.currentTimeMillis
    for (;;) {
      const current = yield* record(env, runId)
      const next = current.externalId === undefined ? yield* notSubmitted(env, current) : yield* refresh(env, current)
      if (lifecycle.isTerminal(next.status)) return RunStore.toRunStatus(next)
      const now = yield* Clock.currentTimeMillis
      yield* Effect.sleep(Duration.millis(follow.pollIntervalMillis(polling, now - started)))
    }
  })

const historyBase = (env: Env, workspacePath: string): Effect.Effect<string, AzureMlClient.ClientError> =>
  Effect.gen(function*() {
    const workspace = yield* env.client.send({ method: "GET", url: workspacePath, operation: "read the workspace" })
    const discoveryUrl = str(get(workspace.json, "properties", "discoveryUrl"))
    if (discoveryUrl === undefined) return yield* Effect.fail(new AzureMlClient.ArmError({
      operation: "read the workspace",
      method: "GET",
      url: `${env.client.options.endpoint}${workspacePath}`,
      status: 200,
      code: "NoDiscoveryUrl",
      detail: "the workspace has no properties.discoveryUrl",
      attempts: 1,
      hint: "The workspace may be a hub or an old v1 workspace; open the job in Azure ML studio to see its logs."
    }))
    const discovery = yield* env.client.send({ method: "GET", url: discoveryUrl, auth: "none", operation: "discover the workspace's services" })
    const history = str(get(discovery.json, "history")) ?? discoveryUrl.replace(/\/discovery\/?$/, "")
    return history.replace(/\/+$/, "")
  })

const histories = new Map<string, string>()

const runDetails = (env: Env, jobId: string): Effect.Effect<AzureMlClient.Response, AzureMlClient.ClientError> =>
  Effect.gen(function*() {
    const [workspacePath = "", name = ""] = jobId.split(/\/jobs\//)
    const key = `${env.client.options.endpoint}${workspacePath}`.toLowerCase()
    let base = histories.get(key)
    if (base === undefined) {
      base = yield* historyBase(env, workspacePath)
      histories.set(key, base)
    }
    return yield* env.client.send({
      method: "GET",
      url: `${base}/history/v1.0${workspacePath}/runs/${encodeURIComponent(name)}/details`,
      operation: `read the run details of the job ${name}`
    })
  })

interface LogState {
  readonly printed: ReadonlyMap<string, number>
  readonly started: number
}

const downloadLog = (env: Env, url: string, name: string): Effect.Effect<string, AzureMlClient.ClientError> =>
  env.client.send({ method: "GET", url, auth: "none", operation: `download the log ${name}`, maxAttempts: env.options.logDownloadAttempts ?? 4 }).pipe(
    Effect.map((answer) => answer.text),
    Effect.catchIf((error) => error._tag === "ArmError" && error.status === 404, () => Effect.succeed(""))
  )

/**
 * The state of the stored log (`azureml-logs.json` beside `run.json`): how many lines of each
 * remote log file `logs/combined.log` holds, and its size once they were appended.
 *
 * @internal
 */
export const LOG_STATE = "azureml-logs.json"

interface StoredLogs {
  readonly files: { readonly [name: string]: number }
  readonly bytes: number
}

const readStoredLogs = (fs: FileSystem.FileSystem, file: string): Effect.Effect<StoredLogs> =>
  fs.readFileString(file).pipe(
    Effect.map((text): StoredLogs => {
      const parsed = JSON.parse(text) as unknown
      const files = get(parsed, "files")
      const bytes = get(parsed, "bytes")
      return {
        files: typeof files === "object" && files !== null ? files as Record<string, number> : {},
        bytes: typeof bytes === "number" ? bytes : 0
      }
    }),
    Effect.orElseSucceed((): StoredLogs => ({ files: {}, bytes: 0 }))
  )

/**
 * Appends to `logs/combined.log` the lines of each downloaded log file it does not hold yet
 * (complete lines only until the job `ended`), redacted, and records how many it holds. Under a
 * lock, so `logs` in several processes store each line once; a tail left by an append that
 * crashed before its state was written is cut off first.
 */
const keepLogs = (
  env: Env,
  store: RunStore.Store,
  runId: string,
  texts: ReadonlyArray<readonly [name: string, text: string]>,
  ended: boolean
): Effect.Effect<void, RunStore.RunStoreError> => {
  const statePath = path.join(store.runDirectory(runId), LOG_STATE)
  const combined = store.logPath(runId, "combined")
  const failed = (operation: string, target: string) => (cause: unknown) =>
    new RunStore.RunStoreError({ path: target, operation, reason: describe(cause) })
  const keep = Effect.gen(function*() {
    const fs = env.fs
    const state = yield* readStoredLogs(fs, statePath)
    const size = yield* fs.stat(combined).pipe(Effect.map((info) => Number(info.size)), Effect.orElseSucceed(() => 0))
    if (size > state.bytes) yield* fs.truncate(combined, state.bytes).pipe(Effect.mapError(failed("truncate", combined)))
    const files: Record<string, number> = { ...state.files }
    const out: Array<string> = []
    for (const [name, text] of texts) {
      const next = follow.newLines(text, files[name] ?? 0, ended)
      files[name] = next.printed
      out.push(...next.lines)
    }
    if (out.length === 0 && texts.every(([name]) => files[name] === state.files[name])) return
    const appended = out.map((line) => `${Redact.string(store.redactor, line)}\n`).join("")
    if (appended !== "") yield* fs.writeFileString(combined, appended, { flag: "a" }).pipe(Effect.mapError(failed("append to", combined)))
    const stored: StoredLogs = { files, bytes: Math.min(size, state.bytes) + Buffer.byteLength(appended) }
    yield* runStore.writeAtomic(statePath, `${JSON.stringify(stored, null, 2)}\n`)
  })
  return runStore.withLock(`${statePath}.lock`, keep).pipe(
    Effect.provideService(FileSystem.FileSystem, env.fs),
    Effect.mapError((error) => error instanceof runStore.FileFailed ? new RunStore.RunStoreError({ path: error.target, operation: error.operation, reason: error.reason }) : error)
  )
}

/** The run's redactor (its spec's secrets), as the other backends build it; `undefined` when they cannot be resolved. */
const redactorOf = (env: Env, current: RunStore.RunRecord): Effect.Effect<Redact.Redactor | undefined> =>
  RunStore.resolveSecrets(current.spec.secretEnvironmentVariables ?? {}).pipe(
    Effect.map((values): Redact.Redactor | undefined => Redact.make(Object.values(values))),
    Effect.orElseSucceed(() => undefined),
    Effect.provideService(FileSystem.FileSystem, env.fs)
  )

/**
 * The job's log lines, each new one also appended (redacted) to the run's `logs/combined.log`
 * once, whichever process streams it (see {@link LOG_STATE}). When the spec's secrets cannot be
 * resolved, nothing is stored rather than something unredacted.
 *
 * @internal
 */
export const logs = (env: Env, runId: string, logsOptions: Backend.LogsOptions = {}): Stream.Stream<string, FollowError> =>
  Stream.unwrap(Effect.gen(function*() {
    const start = yield* record(env, runId)
    const jobId = start.externalId
    if (jobId === undefined) return Stream.empty
    const redactor = yield* redactorOf(env, start)
    const store = redactor === undefined ? undefined : RunStore.make(storeOf(env).root, { redactor })
    const polling = env.options.polling ?? DEFAULT_POLLING
    const followLogs = logsOptions.follow === true
    const step = (state: LogState): Effect.Effect<readonly [Chunk.Chunk<string>, Option.Option<LogState>], FollowError> =>
      Effect.gen(function*() {
        const details = yield* runDetails(env, jobId)
        const status = follow.toStatus(get(details.json, "status"))
        const current = yield* record(env, runId)
        if (status !== undefined && status !== current.status && !lifecycle.isTerminal(current.status)) {
          const reason = status === "Failed"
            ? (str(get(details.json, "error", "error", "message")) ?? undefined)
            : status === "Canceled" ? "canceled in Azure ML" : undefined
          yield* observe(env, runId, status, reason)
        }
        const ended = status !== undefined && lifecycle.isTerminal(status)
        const final = ended || !followLogs
        const logFiles = get(details.json, "logFiles")
        const files = typeof logFiles === "object" && logFiles !== null ? logFiles as Record<string, unknown> : {}
        const printed = new Map(state.printed)
        const out: Array<string> = []
        const texts: Array<readonly [string, string]> = []
        for (const name of follow.selectLogFiles(Object.keys(files))) {
          const url = str(files[name])
          if (url === undefined) continue
          const text = yield* downloadLog(env, url, name)
          texts.push([name, text])
          const next = follow.newLines(text, printed.get(name) ?? 0, final)
          printed.set(name, next.printed)
          out.push(...(redactor === undefined ? next.lines : next.lines.map((line) => Redact.string(redactor, line))))
        }
        if (store !== undefined && texts.length > 0) yield* keepLogs(env, store, runId, texts, ended)
        if (final) return [Chunk.fromIterable(out), Option.none()] as const
        const now = yield* Clock.currentTimeMillis
        yield* Effect.sleep(Duration.millis(follow.pollIntervalMillis(polling, now - state.started)))
        return [Chunk.fromIterable(out), Option.some({ ...state, printed })] as const
      })
    const started = yield* Clock.currentTimeMillis
    return Stream.paginateChunkEffect<LogState, string, FollowError, never>({ printed: new Map(), started }, step)
  }))

// -------------------------------------------------------------------------------------
// cancel
// -------------------------------------------------------------------------------------

const lroWait = (env: Env, headers: { readonly [name: string]: string }, now: number): Duration.Duration =>
  Duration.millis(Math.min(http.retryAfterMillis(headers, now) ?? env.options.lroPollMillis ?? 5_000, env.client.options.maxRetryAfterMillis))

/** Follows the cancel's long-running operation (`Azure-AsyncOperation`, else `Location`) to its end. */
const followCancel = (env: Env, accepted: AzureMlClient.Response, name: string): Effect.Effect<void, AzureMlClient.ClientError> =>
  Effect.gen(function*() {
    const asyncOperation = accepted.headers["azure-asyncoperation"]
    let location = accepted.headers["location"]
    const deadline = (yield* Clock.currentTimeMillis) + (env.options.lroTimeoutMillis ?? 15 * 60_000)
    let headers = accepted.headers
    const operation = `follow the cancel of the job ${name}`
    if (asyncOperation !== undefined) {
      for (;;) {
        const now = yield* Clock.currentTimeMillis
        if (now > deadline) return
        yield* Effect.sleep(lroWait(env, headers, now))
        const answer = yield* env.client.send({ method: "GET", url: asyncOperation, operation })
        headers = answer.headers
        const state = (str(get(answer.json, "status")) ?? "").toLowerCase()
        if (state === "succeeded") break
        if (state === "failed" || state === "canceled") {
          return yield* Effect.fail(new AzureMlClient.ArmError({
            operation: `cancel the job ${name}`,
            method: "GET",
            url: http.withoutQuery(asyncOperation),
            status: 200,
            code: str(get(answer.json, "error", "code")) ?? `Operation${state}`,
            detail: str(get(answer.json, "error", "message")) ?? `the cancel operation ended ${state}`,
            attempts: 1,
            hint: "Check the job in Azure ML studio; it may already have ended."
          }))
        }
      }
      if (location === undefined) return
      const final = yield* env.client.send({ method: "GET", url: location, operation })
      if (final.status !== 202) return
      location = final.headers["location"] ?? location
      headers = final.headers
    }
    while (location !== undefined) {
      const now = yield* Clock.currentTimeMillis
      if (now > deadline) return
      yield* Effect.sleep(lroWait(env, headers, now))
      const answer = yield* env.client.send({ method: "GET", url: location, operation })
      if (answer.status !== 202) return
      headers = answer.headers
      location = answer.headers["location"] ?? location
    }
  })

/** @internal */
export const cancel = (env: Env, runId: string, reason: string): Effect.Effect<Backend.RunStatus, FollowError> =>
  Effect.gen(function*() {
    const current = yield* record(env, runId)
    if (lifecycle.isTerminal(current.status)) return RunStore.toRunStatus(current)
    yield* Effect.provideService(storeOf(env).requestCancel(runId, reason), FileSystem.FileSystem, env.fs)
    const jobId = current.externalId
    if (jobId === undefined) {
      // Not submitted yet: the submitting process reads the request before it creates the job.
      return RunStore.toRunStatus(yield* notSubmitted(env, yield* record(env, runId)))
    }
    const name = jobId.split("/").pop() ?? ""
    const accepted = yield* env.client.send({ method: "POST", url: `${jobId}/cancel`, operation: `cancel the job ${name}` })
    if (accepted.status === 202) yield* followCancel(env, accepted, name)
    return RunStore.toRunStatus(yield* refresh(env, yield* record(env, runId)))
  })
