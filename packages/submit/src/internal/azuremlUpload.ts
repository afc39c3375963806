/**
 * Uploading a folder's files to a blob container under a content-addressed prefix, as the Azure
 * ML v2 SDK does (reference §2.3): `LocalUpload/<hash>/<folder>/<relative path>`, one blob per
 * file, with bounded concurrency, a completion marker written last (metadata
 * `upload_status=completed` on the first file in sorted order), and resumable: a finished upload
 * is recognised by its marker and skipped whole; an unfinished one skips every blob already there
 * with the same size and MD5.
 *
 * `@azure/storage-blob` is loaded at the first upload, so planning never loads it.
 *
 * Secrets (the account key, a SAS) are only ever inside the storage client; errors are built from
 * the status and code of the service's answer, scrubbed.
 *
 * @internal
 */
import type { ContainerClient, StorageRetryOptions } from "@azure/storage-blob"
import type { TokenCredential } from "@azure/identity"
import { Data, Effect } from "effect"
import { createHash } from "node:crypto"
import * as nodeFs from "node:fs"
import * as http from "./azuremlHttp.js"

/** @internal */
export class UploadError extends Data.TaggedError("UploadError")<{
  readonly operation: string
  readonly account: string
  readonly container: string
  readonly blob?: string
  readonly status?: number
  readonly code?: string
  readonly reason: string
  readonly hint: string
}> {
  override get message(): string {
    const where = `${this.account}/${this.container}${this.blob === undefined ? "" : `/${this.blob}`}`
    const status = this.status === undefined ? "" : ` (HTTP ${this.status}${this.code === undefined ? "" : ` ${this.code}`})`
    return `The upload to the workspace's storage failed to ${this.operation} ${where}${status}: ${this.reason}. ${this.hint}`
  }
}

/** How the container is reached. @internal */
export type StorageCredential =
  | { readonly _tag: "AccountKey"; readonly key: string }
  | { readonly _tag: "Sas"; readonly token: string }
  | { readonly _tag: "Token"; readonly credential: TokenCredential }

/** @internal */
export interface Target {
  /** `{protocol}://{account}.blob.{suffix}` or, for an IP/host:port endpoint, `{protocol}://{endpoint}/{account}`. */
  readonly accountUrl: string
  readonly account: string
  readonly container: string
  readonly credential: StorageCredential
  readonly retry?: StorageRetryOptions
}

/** One file to upload: its blob name relative to the prefix, where its bytes are, its size. @internal */
export interface File {
  readonly path: string
  readonly from: string
  readonly bytes: number
}

/** @internal */
export interface Progress {
  readonly totalFiles: number
  readonly totalBytes: number
  readonly doneFiles: number
  readonly uploadedFiles: number
  readonly uploadedBytes: number
  readonly skippedFiles: number
  readonly skippedBytes: number
}

/** @internal */
export interface Result extends Progress {
  /** `marker`: the completion marker was there, nothing was read or written. */
  readonly reused: "marker" | "none"
}

/** @internal */
export interface UploadOptions {
  readonly prefix: string
  readonly files: ReadonlyArray<File>
  readonly concurrency: number
  readonly metadata: { readonly [key: string]: string }
  readonly onProgress?: (progress: Progress) => void
}

/** The account URL of a blob datastore: path-style for an IP address, `localhost` or a `host:port`. @internal */
export const accountUrl = (protocol: string, endpoint: string, account: string): string => {
  const host = endpoint.replace(/\/+$/, "")
  const pathStyle = /:\d+$/.test(host) || /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host === "localhost" || host.startsWith("[")
  return pathStyle ? `${protocol}://${host}/${account}` : `${protocol}://${account}.blob.${host}`
}

/** A 32-hex MD5 of a file, read as a stream. @internal */
export const md5File = (file: string): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const hash = createHash("md5")
    nodeFs.createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest()))
  })

/** Files larger than this go up in blocks; the service then stores no MD5, so we set it. */
const SINGLE_SHOT_BYTES = 64 * 1024 * 1024

const containerClient = async (target: Target): Promise<ContainerClient> => {
  const { AnonymousCredential, ContainerClient, newPipeline, StorageSharedKeyCredential } = await import("@azure/storage-blob")
  const credential = target.credential._tag === "AccountKey"
    ? new StorageSharedKeyCredential(target.account, target.credential.key)
    : target.credential._tag === "Token"
    ? target.credential.credential
    : new AnonymousCredential()
  const sas = target.credential._tag === "Sas" ? `?${target.credential.token.replace(/^\?/, "")}` : ""
  const pipeline = newPipeline(credential, {
    retryOptions: target.retry ?? { maxTries: 6, retryDelayInMs: 500, maxRetryDelayInMs: 30_000 },
    userAgentOptions: { userAgentPrefix: "estimator" }
  })
  return new ContainerClient(`${target.accountUrl}/${encodeURIComponent(target.container)}${sas}`, pipeline)
}

const storageHint = (status: number | undefined, credential: StorageCredential["_tag"]): string => {
  if (status === 403) {
    return credential === "Token"
      ? "Your identity needs the \"Storage Blob Data Contributor\" role on the workspace's storage account (the datastore uses identity-based access)."
      : "The datastore's credentials were refused: the account key may have been rotated or the SAS has expired; update the datastore's credentials in the workspace."
  }
  if (status === 404) return "The datastore's container does not exist: check the datastore in the workspace (Data > Datastores)."
  if (status === undefined) return "Check the network (proxy, firewall) and that the storage account is reachable from this machine; run again to resume the upload."
  return "Run again: files already uploaded are skipped."
}

const failure = (target: Target, operation: string, blob: string | undefined, redact: (text: string) => string) => (cause: unknown): UploadError => {
  const error = cause as { statusCode?: unknown; code?: unknown; message?: unknown; details?: { errorCode?: unknown } }
  const status = typeof error.statusCode === "number" ? error.statusCode : undefined
  const code = typeof error.details?.errorCode === "string" ? error.details.errorCode : typeof error.code === "string" ? error.code : undefined
  const message = typeof error.message === "string" ? error.message.split("\n")[0] ?? "" : String(cause)
  return new UploadError({
    operation,
    account: target.account,
    container: target.container,
    ...(blob === undefined ? {} : { blob }),
    ...(status === undefined ? {} : { status }),
    ...(code === undefined ? {} : { code }),
    reason: redact(http.scrub(message)) || "no details",
    hint: storageHint(status, target.credential._tag)
  })
}

const isNotFound = (cause: unknown): boolean => (cause as { statusCode?: unknown }).statusCode === 404

/**
 * Uploads `files` under `prefix` (skipping what is already there) and writes the completion
 * marker. `redact` removes secrets from error text.
 *
 * @internal
 */
export const upload = (
  target: Target,
  options: UploadOptions,
  redact: (text: string) => string
): Effect.Effect<Result, UploadError> =>
  Effect.gen(function*() {
    const container = yield* Effect.tryPromise({ try: () => containerClient(target), catch: failure(target, "load the storage client for", undefined, redact) })
    const sorted = [...options.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    const totalBytes = sorted.reduce((sum, file) => sum + file.bytes, 0)
    const blobName = (file: File) => `${options.prefix}/${file.path}`
    const indicator = sorted[0]
    if (indicator === undefined) {
      return { totalFiles: 0, totalBytes: 0, doneFiles: 0, uploadedFiles: 0, uploadedBytes: 0, skippedFiles: 0, skippedBytes: 0, reused: "none" as const }
    }
    const indicatorClient = container.getBlockBlobClient(blobName(indicator))
    const marker = yield* Effect.tryPromise({
      try: (signal) => indicatorClient.getProperties({ abortSignal: signal }),
      catch: (cause) => cause
    }).pipe(
      Effect.map((properties) => properties.metadata?.["upload_status"] === "completed"),
      Effect.catchAll((cause) => isNotFound(cause) ? Effect.succeed(false) : Effect.fail(failure(target, "read the upload marker of", blobName(indicator), redact)(cause)))
    )
    if (marker) {
      const result = {
        totalFiles: sorted.length,
        totalBytes,
        doneFiles: sorted.length,
        uploadedFiles: 0,
        uploadedBytes: 0,
        skippedFiles: sorted.length,
        skippedBytes: totalBytes,
        reused: "marker" as const
      }
      options.onProgress?.(result)
      return result
    }

    const existing = new Map<string, { readonly bytes: number; readonly md5: Uint8Array | undefined }>()
    yield* Effect.tryPromise({
      try: async (signal) => {
        for await (const blob of container.listBlobsFlat({ prefix: `${options.prefix}/`, abortSignal: signal })) {
          existing.set(blob.name, { bytes: blob.properties.contentLength ?? -1, md5: blob.properties.contentMD5 })
        }
      },
      catch: failure(target, "list", `${options.prefix}/`, redact)
    })

    let doneFiles = 0
    let uploadedFiles = 0
    let uploadedBytes = 0
    let skippedFiles = 0
    let skippedBytes = 0
    const progress = (): Progress => ({ totalFiles: sorted.length, totalBytes, doneFiles, uploadedFiles, uploadedBytes, skippedFiles, skippedBytes })
    options.onProgress?.(progress())

    const one = (file: File): Effect.Effect<void, UploadError> =>
      Effect.tryPromise({
        try: async (signal) => {
          const name = blobName(file)
          const there = existing.get(name)
          let md5: Buffer | undefined
          if (there !== undefined && there.bytes === file.bytes && there.md5 !== undefined) {
            md5 = await md5File(file.from)
            if (Buffer.compare(md5, Buffer.from(there.md5)) === 0) {
              doneFiles++
              skippedFiles++
              skippedBytes += file.bytes
              options.onProgress?.(progress())
              return
            }
          }
          if (md5 === undefined && file.bytes > SINGLE_SHOT_BYTES) md5 = await md5File(file.from)
          let sent = 0
          await container.getBlockBlobClient(name).uploadFile(file.from, {
            abortSignal: signal,
            maxSingleShotSize: SINGLE_SHOT_BYTES,
            blockSize: 8 * 1024 * 1024,
            concurrency: 4,
            ...(md5 === undefined ? {} : { blobHTTPHeaders: { blobContentMD5: md5 } }),
            onProgress: (event) => {
              uploadedBytes += event.loadedBytes - sent
              sent = event.loadedBytes
              options.onProgress?.(progress())
            }
          })
          uploadedBytes += file.bytes - sent
          doneFiles++
          uploadedFiles++
          options.onProgress?.(progress())
        },
        catch: failure(target, "upload", blobName(file), redact)
      })

    yield* Effect.forEach(sorted, one, { concurrency: Math.max(1, options.concurrency), discard: true })
    yield* Effect.tryPromise({
      try: (signal) => indicatorClient.setMetadata({ upload_status: "completed", ...options.metadata }, { abortSignal: signal }),
      catch: failure(target, "write the upload marker of", blobName(indicator), redact)
    })
    return { ...progress(), reused: "none" as const }
  })
