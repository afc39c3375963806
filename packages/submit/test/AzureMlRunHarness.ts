/**
 * Shared set-up of the azureml run tests: a counting (and fault-injecting) proxy in front of
 * Azurite, a project with the quickstart job in a temporary folder, and the layers that point the
 * backend at a workspace emulator with a static token and tiny waits.
 */
import { FetchHttpClient } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Data, Estimator } from "@estimator/core"
import { Effect, Layer } from "effect"
import { pipe } from "fp-ts/lib/function.js"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo, Socket } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as AzureMl from "../src/AzureMl.js"
import * as AzureMlClient from "../src/AzureMlClient.js"
import type * as Backend from "../src/Backend.js"
import type { Emulator } from "./emulator/workspace.js"

// -------------------------------------------------------------------------------------
// a proxy in front of Azurite
// -------------------------------------------------------------------------------------

export interface ProxiedRequest {
  readonly method: string
  readonly path: string
  readonly query: string
  readonly bytes: number
  readonly outcome: number | "reset"
}

export interface StorageProxy {
  /** `http://127.0.0.1:<port>/devstoreaccount1`: give it to the emulator as the storage endpoint. */
  readonly blobEndpoint: string
  readonly accountName: string
  readonly accountKey: string
  readonly requests: Array<ProxiedRequest>
  /** Answers the next `times` requests of `method` with `status` (or destroys them with `reset`). */
  readonly fail: (method: string, times: number, outcome: number | "reset") => void
  readonly close: () => Promise<void>
}

/** A proxy to Azurite on 127.0.0.1 that records every request (method, path, body size) and can fail some. */
export const startStorageProxy = async (azurite: { readonly port: number; readonly accountName: string; readonly accountKey: string }): Promise<StorageProxy> => {
  const requests: Array<ProxiedRequest> = []
  const faults: Array<{ method: string; left: number; outcome: number | "reset" }> = []
  const sockets = new Set<Socket>()
  const server = http.createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const body = Buffer.concat(chunks)
      const url = new URL(request.url ?? "/", "http://127.0.0.1")
      const method = request.method ?? "GET"
      const fault = faults.find((entry) => entry.left > 0 && entry.method === method)
      const record = (outcome: number | "reset") =>
        requests.push({ method, path: url.pathname, query: url.search, bytes: body.length, outcome })
      if (fault !== undefined) {
        fault.left -= 1
        record(fault.outcome)
        if (fault.outcome === "reset") {
          request.socket.destroy()
          return
        }
        response.writeHead(fault.outcome, { "content-type": "application/xml", "x-ms-error-code": "ServerBusy" })
        response.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>Injected ${fault.outcome}</Message></Error>`)
        return
      }
      const upstream = http.request(
        { host: "127.0.0.1", port: azurite.port, method, path: request.url, headers: request.headers },
        (answer) => {
          record(answer.statusCode ?? 0)
          response.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(response)
        }
      )
      upstream.on("error", () => {
        record("reset")
        request.socket.destroy()
      })
      upstream.end(body)
    })
  })
  server.on("connection", (socket: Socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))
  server.unref()
  const port = (server.address() as AddressInfo).port
  return {
    blobEndpoint: `http://127.0.0.1:${port}/${azurite.accountName}`,
    accountName: azurite.accountName,
    accountKey: azurite.accountKey,
    requests,
    fail: (method, times, outcome) => {
      faults.push({ method, left: times, outcome })
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

// -------------------------------------------------------------------------------------
// a project
// -------------------------------------------------------------------------------------

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../apps/examples/src")

export interface Project {
  readonly directory: string
  readonly runsDirectory: string
  readonly spec: Estimator.Estimator
}

/**
 * A temporary folder holding the quickstart job (`jobs/quickstart/train.py`, the `data/quickstart`
 * input) and the quickstart spec, as `apps/examples/src/quickstart.ts` writes it, on the
 * workspace cluster `cpu-cluster` (a workspace job needs workspace compute).
 */
export const quickstartProject = (compute: Estimator.Compute = Estimator.cluster("cpu-cluster")): Project => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-azureml-"))
  fs.cpSync(path.join(EXAMPLES, "jobs", "quickstart"), path.join(directory, "jobs", "quickstart"), { recursive: true })
  fs.cpSync(path.join(EXAMPLES, "data", "quickstart"), path.join(directory, "data", "quickstart"), { recursive: true })
  const spec = pipe(
    Estimator.make({ entryScript: "train.py", sourceDirectory: "./jobs/quickstart" }),
    Estimator.withInput("points", Data.fromLocal("./data/quickstart")),
    Estimator.withScriptParams({ "--data": Data.input("points"), "--epochs": 200, "--learning-rate": 0.05 }),
    Estimator.withExperimentName("quickstart"),
    Estimator.withTags({ example: "quickstart" }),
    Estimator.withCompute(compute)
  )
  return { directory, runsDirectory: path.join(directory, ".estimator", "runs"), spec }
}

// -------------------------------------------------------------------------------------
// layers
// -------------------------------------------------------------------------------------

export const TOKEN = "canary-token-3f9d1c0e7b2a4d6f8e1a"

/** Client options with tiny waits, so retries and polling take milliseconds. */
export const fastClient = (emulator: Emulator, overrides: AzureMlClient.Options = {}): AzureMlClient.Options => ({
  endpoint: emulator.url,
  initialBackoffMillis: 2,
  maxBackoffMillis: 20,
  maxRetryAfterMillis: 20,
  requestTimeoutMillis: 10_000,
  ...overrides
})

export const fastOptions = (project: Project, overrides: AzureMl.Options = {}): AzureMl.Options => ({
  runsDirectory: project.runsDirectory,
  polling: { minMillis: 5, maxMillis: 20 },
  lroPollMillis: 5,
  storageRetry: { maxTries: 6, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
  ...overrides
})

export const layers = (emulator: Emulator, client: AzureMlClient.Options = {}, token: string = TOKEN) =>
  Layer.mergeAll(
    NodeFileSystem.layer,
    AzureMlClient.layer(fastClient(emulator, client)).pipe(
      Layer.provide(FetchHttpClient.layer),
      Layer.provide(AzureMlClient.layerStaticToken(token))
    )
  )

export const workspaceOf = (emulator: Emulator): Backend.Workspace => ({
  subscriptionId: emulator.workspace.subscriptionId,
  resourceGroup: emulator.workspace.resourceGroup,
  workspaceName: emulator.workspace.workspace
})

/** Plans the project for the emulator's workspace (a fresh run id each time). */
export const planFor = (project: Project, emulator: Emulator) =>
  AzureMl.plan(project.spec, {
    baseDirectory: project.directory,
    runsDirectory: project.runsDirectory,
    workspace: workspaceOf(emulator)
  }).pipe(Effect.provide(NodeFileSystem.layer))
