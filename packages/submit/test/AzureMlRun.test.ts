import { ContainerClient, StorageSharedKeyCredential } from "@azure/storage-blob"
import type { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Chunk, Effect, Either, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as AzureMl from "../src/AzureMl.js"
import type * as AzureMlClient from "../src/AzureMlClient.js"
import type * as Plan from "../src/Plan.js"
import * as RunStore from "../src/RunStore.js"
import * as Snapshot from "../src/Snapshot.js"
import { type Azurite, startAzurite } from "./emulator/azurite.js"
import { type EmulatorOperation, type EmulatorOptions, startEmulator, type Emulator } from "./emulator/workspace.js"
import {
  fastOptions,
  layers,
  planFor,
  type Project,
  quickstartProject,
  startStorageProxy,
  type StorageProxy,
  TOKEN
} from "./AzureMlRunHarness.js"

let azurite: Azurite

beforeAll(async () => {
  azurite = await startAzurite()
}, 60_000)

afterAll(async () => {
  await (azurite as Azurite | undefined)?.close()
})

/** A workspace emulator whose datastore is Azurite behind a proxy of this test's own (tests run concurrently). */
const withEmulator = async (options: EmulatorOptions, test: (emulator: Emulator, proxy: StorageProxy) => Promise<void>): Promise<void> => {
  const proxy = await startStorageProxy(azurite)
  const emulator = await startEmulator({ storage: proxy, ...options })
  try {
    await test(emulator, proxy)
    // Every request the backend sent was valid against the swagger, and the emulator was right too.
    expect(emulator.state.violations).toEqual([])
    expect(emulator.state.responseViolations).toEqual([])
    expect(emulator.state.unhandled).toEqual([])
  } finally {
    await emulator.close()
    await proxy.close()
  }
}

type Needs = FileSystem.FileSystem | AzureMlClient.AzureMlClient

const run = <A, E>(emulator: Emulator, effect: Effect.Effect<A, E, Needs>): Promise<Either.Either<A, E>> =>
  Effect.runPromise(Effect.either(effect.pipe(Effect.provide(layers(emulator)))))

const ok = async <A, E>(emulator: Emulator, effect: Effect.Effect<A, E, Needs>): Promise<A> => {
  const result = await run(emulator, effect)
  if (Either.isLeft(result)) throw new Error(`expected success, got ${String((result.left as { message?: string }).message ?? result.left)}`)
  return result.right
}

const planned = async (project: Project, emulator: Emulator): Promise<Plan.AzureMlPlan> => {
  const result = await Effect.runPromise(Effect.either(planFor(project, emulator)))
  if (Either.isLeft(result)) throw new Error(`plan failed: ${result.left.message}`)
  return result.right
}

const readRecord = (project: Project, runId: string): RunStore.RunRecord =>
  JSON.parse(fs.readFileSync(path.join(project.runsDirectory, runId, "run.json"), "utf8")) as RunStore.RunRecord

const collect = <E>(stream: Stream.Stream<string, E, Needs>) => Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

/** Every blob under `prefix` downloaded to a fresh folder; returns the folder. */
const download = async (emulator: Emulator, prefix: string): Promise<string> => {
  const container = new ContainerClient(
    `${azurite.blobEndpoint}/${emulator.workspace.datastore.containerName}`,
    new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey)
  )
  const target = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-download-"))
  for await (const blob of container.listBlobsFlat({ prefix: `${prefix}/` })) {
    const at = path.join(target, blob.name.slice(prefix.length + 1))
    fs.mkdirSync(path.dirname(at), { recursive: true })
    fs.writeFileSync(at, await container.getBlockBlobClient(blob.name).downloadToBuffer())
  }
  return target
}

const hashOf = (directory: string) =>
  Effect.runPromise(
    Effect.flatMap(Snapshot.preflight(directory), (report) => Snapshot.contentHash(report)).pipe(Effect.provide(NodeFileSystem.layer))
  )

const storageWrites = (proxy: StorageProxy, from: number) => proxy.requests.slice(from).filter((request) => request.method === "PUT")

describe("azureml: submit, follow, complete", () => {
  it("the quickstart job uploads, registers, submits, streams its logs and completes", async () => {
    await withEmulator({}, async (emulator, proxy) => {
      const project = quickstartProject()
      const plan = await planned(project, emulator)
      const before = proxy.requests.length
      const progress: Array<AzureMl.UploadProgress> = []
      const handle = await ok(emulator, AzureMl.execute(plan, fastOptions(project, { onUploadProgress: (p) => progress.push(p) })))
      const jobId = `${emulator.workspace.resourceId}/jobs/${plan.jobName}`
      expect(handle).toEqual({ runId: plan.run.runId, backend: "azureml", runDirectory: plan.run.runDirectory, externalId: jobId })

      const lines = await ok(emulator, collect(AzureMl.logs(plan.run.runId, { follow: true }, fastOptions(project))))
      const finished = await ok(emulator, AzureMl.wait(plan.run.runId, fastOptions(project)))
      expect(finished.status).toBe("Completed")

      // The job the emulator holds is the planned one, with only the placeholders filled.
      const job = emulator.state.job(plan.jobName)
      expect(job?.status).toBe("Completed")
      const record = readRecord(project, plan.run.runId)
      const snapshotHash = record.snapshot?.contentHash ?? ""
      expect(snapshotHash).toMatch(/^[0-9a-f]{64}$/)
      const planJob = plan.requests[plan.requests.length - 1]!
      const expected = JSON.parse(
        JSON.stringify(planJob.body).split("{snapshotHash}").join(snapshotHash).replace(/\{inputHash\.points\}/g, () => {
          const uploads = (record.details?.["uploads"] ?? []) as ReadonlyArray<{ field: string; hash: string }>
          return uploads.find((u) => u.field === "inputs.points")?.hash ?? "?"
        })
      )
      expect(job?.request).toEqual(expected)

      // The streamed log is the job's whole std_log, each line once, in order.
      expect(lines).toEqual((job?.log ?? "").split("\n").filter((line) => line !== ""))
      expect(lines.length).toBeGreaterThan(2)

      // The run record: ARM id, status history through Running to Completed.
      expect(record.externalId).toBe(jobId)
      expect(record.status).toBe("Completed")
      const history = record.statusHistory.map((entry) => entry.status)
      expect(history[0]).toBe("NotStarted")
      expect(history).toContain("Running")
      expect(history[history.length - 1]).toBe("Completed")

      // The requests, in order: hash lookup, datastore, its key, uploads, code, environment, job.
      const operations = emulator.state.requests.map((request) => request.operation)
      const order = ["GET code versions", "GET datastore", "POST listSecrets", "PUT code version", "PUT environment version", "PUT jobs"] as const
      const positions = order.map((operation) => operations.indexOf(operation))
      expect(positions.every((position) => position >= 0)).toBe(true)
      expect([...positions].sort((a, b) => a - b)).toEqual(positions)

      // The snapshot is in storage, complete: downloaded again, it hashes to the code version's hash.
      const folder = await download(emulator, `LocalUpload/${snapshotHash}/quickstart`)
      expect(await hashOf(folder)).toBe(snapshotHash)
      const written = storageWrites(proxy, before).filter((request) => request.bytes > 0)
      const uploadedBytes = written.reduce((sum, request) => sum + request.bytes, 0)
      const localBytes = fs.readFileSync(path.join(project.directory, "jobs/quickstart/train.py")).length +
        fs.readFileSync(path.join(project.directory, "data/quickstart/points.csv")).length
      expect(uploadedBytes).toBe(localBytes)
      const last = progress.filter((p) => p.field === "sourceDirectory").pop()
      expect(last).toMatchObject({ totalFiles: 1, doneFiles: 1, uploadedFiles: 1, skippedFiles: 0 })
    })
  })
})

describe("azureml: an unchanged snapshot is not uploaded again", () => {
  it("a second submit finds the code version by its hash: 0 bytes written to storage, no code PUT", async () => {
    await withEmulator({}, async (emulator, proxy) => {
      const project = quickstartProject()
      const first = await planned(project, emulator)
      await ok(emulator, AzureMl.execute(first, fastOptions(project)))
      const second = await planned(project, emulator)
      expect(second.run.runId).not.toBe(first.run.runId)
      const storageBefore = proxy.requests.length
      const armBefore = emulator.state.requests.length
      const progress: Array<AzureMl.UploadProgress> = []
      await ok(emulator, AzureMl.execute(second, fastOptions(project, { onUploadProgress: (p) => progress.push(p) })))

      const writes = storageWrites(proxy, storageBefore)
      expect(writes).toEqual([])
      expect(proxy.requests.slice(storageBefore).reduce((sum, request) => sum + request.bytes, 0)).toBe(0)
      const operations = emulator.state.requests.slice(armBefore).map((request) => request.operation)
      expect(operations).toContain("GET code versions")
      expect(operations).not.toContain("PUT code version")
      expect(operations.filter((operation) => operation === "PUT jobs")).toHaveLength(1)
      const code = progress.filter((p) => p.field === "sourceDirectory").pop()
      expect(code).toMatchObject({ uploadedBytes: 0, uploadedFiles: 0, skippedFiles: 1 })
      // Both jobs refer to the same code version.
      const codeIds = [first, second].map((plan) => (emulator.state.job(plan.jobName)?.request as { properties: { codeId: string } }).properties.codeId)
      expect(codeIds[0]).toBe(codeIds[1])
      expect(emulator.state.codeVersions()).toHaveLength(1)
    })
  })

  it("an upload cut short resumes: blobs already there with the same size and MD5 are skipped", async () => {
    await withEmulator({}, async (emulator, proxy) => {
      const project = quickstartProject()
      for (let index = 0; index < 5; index++) fs.writeFileSync(path.join(project.directory, "jobs/quickstart", `module${index}.py`), `x = ${index}\n`.repeat(100 + index))
      const plan = await planned(project, emulator)
      // Three files reach storage, then the storage answers 500 to every further write for longer than the client retries.
      const before = proxy.requests.length
      let written = 0
      const first = await run(emulator, AzureMl.execute(plan, fastOptions(project, {
        uploadConcurrency: 1,
        storageRetry: { maxTries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 2 },
        onUploadProgress: (p) => {
          if (p.field === "sourceDirectory" && p.uploadedFiles > written) {
            written = p.uploadedFiles
            if (written === 3) proxy.fail("PUT", 4, 500)
          }
        }
      })))
      expect(Either.isLeft(first)).toBe(true)
      if (Either.isLeft(first)) {
        expect(first.left._tag).toBe("UploadError")
        expect(first.left.message).toContain("HTTP 500")
        expect(first.left.message).toContain("Run again")
      }
      expect(readRecord(project, plan.run.runId).status).toBe("Failed")
      expect(emulator.state.jobNames()).toEqual([])
      const puts = storageWrites(proxy, before).filter((request) => request.outcome === 201)
      expect(puts).toHaveLength(3)

      const again = await planned(project, emulator)
      const progress: Array<AzureMl.UploadProgress> = []
      await ok(emulator, AzureMl.execute(again, fastOptions(project, { onUploadProgress: (p) => progress.push(p) })))
      const code = progress.filter((p) => p.field === "sourceDirectory").pop()
      expect(code).toMatchObject({ totalFiles: 6, skippedFiles: 3, uploadedFiles: 3 })
      const hash = readRecord(project, again.run.runId).snapshot?.contentHash ?? ""
      expect(await hashOf(await download(emulator, `LocalUpload/${hash}/quickstart`))).toBe(hash)
    })
  })
})

const EVERY_OPERATION: ReadonlyArray<EmulatorOperation> = [
  "GET workspace", "GET datastores", "GET datastore", "POST listSecrets", "GET code versions", "GET code version",
  "PUT code version", "POST startPendingUpload", "PUT environment version", "PUT jobs", "GET jobs", "POST cancel",
  "GET operation status", "GET operation result", "GET discovery", "GET run details", "GET logs"
]

const injectEverywhere = (emulator: Emulator) => {
  for (const operation of EVERY_OPERATION) {
    emulator.faults.inject({ operation, status: 429, retryAfterSeconds: 1, times: 1 })
    emulator.faults.inject({ operation, status: 503, times: 1 })
    emulator.faults.reset({ operation, when: "before", times: 1 })
    emulator.faults.inject({ operation, status: 500, times: 1 })
    emulator.faults.reset({ operation, when: "after", times: 1 })
  }
}

describe("azureml: faults on every operation", () => {
  it("429 with Retry-After, 500, 503 and resets before and after processing: one job, a complete upload", async () => {
    await withEmulator({}, async (emulator, proxy) => {
      injectEverywhere(emulator)
      proxy.fail("PUT", 2, 503)
      proxy.fail("PUT", 1, "reset")
      proxy.fail("HEAD", 1, 503)
      const project = quickstartProject()
      const plan = await planned(project, emulator)
      await ok(emulator, AzureMl.execute(plan, fastOptions(project)))
      // Its status read was processed twice (once unanswered, reset after), so the job moved two steps.
      expect((await ok(emulator, AzureMl.status(plan.run.runId, fastOptions(project)))).status).toBe("Preparing")
      const lines = await ok(emulator, collect(AzureMl.logs(plan.run.runId, { follow: true }, fastOptions(project, { logDownloadAttempts: 8 }))))
      const finished = await ok(emulator, AzureMl.wait(plan.run.runId, fastOptions(project)))
      expect(finished.status).toBe("Completed")

      // Exactly one job, although its PUT was answered by faults (and once processed without an answer).
      expect(emulator.state.jobNames()).toEqual([plan.jobName])
      const jobPuts = emulator.state.requests.filter((request) => request.operation === "PUT jobs").map((request) => request.status)
      expect(jobPuts).toEqual([429, 503, "reset", 500, "reset", 200])
      expect(emulator.state.job(plan.jobName)?.history).toEqual(["NotStarted", "Queued", "Preparing", "Running", "Completed"])
      const fired = new Set(emulator.faults.fired().map((fault) => fault.operation))
      for (const operation of EVERY_OPERATION.filter((operation) => !["GET datastores", "GET code version", "POST startPendingUpload", "POST cancel", "GET operation status", "GET operation result"].includes(operation))) {
        expect(fired.has(operation), operation).toBe(true)
      }
      for (const operation of ["GET code versions", "GET datastore", "POST listSecrets", "PUT code version", "PUT environment version", "PUT jobs", "GET jobs", "GET workspace", "GET discovery", "GET run details", "GET logs"] as const) {
        expect(fired.has(operation)).toBe(true)
      }
      expect(lines).toEqual((emulator.state.job(plan.jobName)?.log ?? "").split("\n").filter((line) => line !== ""))

      const hash = readRecord(project, plan.run.runId).snapshot?.contentHash ?? ""
      expect(await hashOf(await download(emulator, `LocalUpload/${hash}/quickstart`))).toBe(hash)
      expect(emulator.state.codeVersions()).toHaveLength(1)
    })
  })

  it("cancel mid-run, with faults on the cancel and its polling: CancelRequested then Canceled, once", async () => {
    await withEmulator({ advance: "manual" }, async (emulator, proxy) => {
      const project = quickstartProject()
      const plan = await planned(project, emulator)
      await ok(emulator, AzureMl.execute(plan, fastOptions(project)))
      emulator.state.advance(plan.jobName, 3)
      expect((await ok(emulator, AzureMl.status(plan.run.runId, fastOptions(project)))).status).toBe("Running")
      const partial = await ok(emulator, collect(AzureMl.logs(plan.run.runId, {}, fastOptions(project))))
      expect(partial.length).toBeGreaterThan(0)
      // Once the cancel is accepted, the job moves on by itself (to Canceled after the emulator's cancel steps).
      for (const operation of ["POST cancel", "GET operation status", "GET operation result"] as const) {
        emulator.faults.inject({ operation, status: 429, retryAfterSeconds: 1, times: 1 })
        emulator.faults.reset({ operation, when: "after", times: 1 })
      }
      const canceling = run(emulator, AzureMl.cancel(plan.run.runId, fastOptions(project)))
      const stepper = setInterval(() => {
        if (emulator.state.job(plan.jobName)?.status === "CancelRequested") emulator.state.advance(plan.jobName)
      }, 5)
      const result = await canceling
      clearInterval(stepper)
      if (Either.isLeft(result)) throw new Error(String((result.left as { message: string }).message))
      expect(result.right.status).toBe("Canceled")
      const job = emulator.state.job(plan.jobName)
      expect(job?.status).toBe("Canceled")
      expect(job?.history.slice(-2)).toEqual(["CancelRequested", "Canceled"])
      const record = readRecord(project, plan.run.runId)
      const history = record.statusHistory.map((entry) => entry.status)
      expect(history.slice(-2)).toEqual(["CancelRequested", "Canceled"])
      expect(record.endedAt).toBeDefined()
      // Canceling a finished run changes nothing.
      const againBefore = emulator.state.requests.length
      expect((await ok(emulator, AzureMl.cancel(plan.run.runId, fastOptions(project)))).status).toBe("Canceled")
      expect(emulator.state.requests.length).toBe(againBefore)
    })
  })

  it("a failing job ends Failed with the service's reason; status, wait and logs work from the record alone", async () => {
    await withEmulator({ lifecycle: () => ["NotStarted", "Queued", "Running", "Failed"] }, async (emulator, proxy) => {
      const project = quickstartProject()
      const plan = await planned(project, emulator)
      await ok(emulator, AzureMl.execute(plan, fastOptions(project)))
      // Another process: nothing but the run store directory and the workspace.
      const finished = await ok(emulator, AzureMl.wait(plan.run.runId, fastOptions(project)))
      expect(finished.status).toBe("Failed")
      expect(finished.reason).toContain("emulated failure")
      const lines = await ok(emulator, collect(AzureMl.logs(plan.run.runId, {}, fastOptions(project))))
      expect(lines).toEqual((emulator.state.job(plan.jobName)?.log ?? "").split("\n").filter((line) => line !== ""))
    })
  })
})

describe("azureml: secrets never leak", () => {
  const scan = (texts: ReadonlyArray<string>, secrets: ReadonlyArray<string>) => {
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8)
      for (const text of texts) expect(text.includes(secret), `a secret appeared in: ${text.slice(0, 200)}`).toBe(false)
    }
  }

  const filesUnder = (directory: string): ReadonlyArray<string> =>
    fs.readdirSync(directory, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => fs.readFileSync(path.join(entry.parentPath, entry.name), "utf8"))

  it("the token, the datastore key, the upload SAS and the log SAS appear in no output, log, record or error", async () => {
    await withEmulator({}, async (emulator, proxy) => {
      const project = quickstartProject()
      const texts: Array<string> = []
      const sasBefore = proxy.requests.length
      // A run through the datastore key, and one through startPendingUpload's SAS (a changed snapshot).
      const viaKey = await planned(project, emulator)
      await ok(emulator, AzureMl.execute(viaKey, fastOptions(project, { onUploadProgress: (p) => texts.push(JSON.stringify(p)) })))
      fs.writeFileSync(path.join(project.directory, "jobs/quickstart/extra.py"), "print('changed')\n")
      const viaSas = await planned(project, emulator)
      await ok(emulator, AzureMl.execute(viaSas, fastOptions(project, { uploadVia: "pendingUpload", onUploadProgress: (p) => texts.push(JSON.stringify(p)) })))
      const pending = emulator.state.requests.filter((request) => request.operation === "POST startPendingUpload")
      expect(pending).toHaveLength(1)
      for (const plan of [viaKey, viaSas]) {
        texts.push(...(await ok(emulator, collect(AzureMl.logs(plan.run.runId, { follow: true }, fastOptions(project))))))
        texts.push(JSON.stringify(await ok(emulator, AzureMl.wait(plan.run.runId, fastOptions(project)))))
      }
      // Errors: a refused job PUT, and a storage failure.
      emulator.faults.inject({ operation: "PUT jobs", status: 400, times: 1 })
      fs.writeFileSync(path.join(project.directory, "jobs/quickstart/extra.py"), "print('changed again')\n")
      const refused = await run(emulator, AzureMl.execute(await planned(project, emulator), fastOptions(project)))
      expect(Either.isLeft(refused)).toBe(true)
      if (Either.isLeft(refused)) texts.push(refused.left.message, JSON.stringify(refused.left))
      fs.writeFileSync(path.join(project.directory, "jobs/quickstart/extra.py"), "print('changed a third time')\n")
      proxy.fail("PUT", 20, 403)
      const storageRefused = await run(emulator, AzureMl.execute(await planned(project, emulator), fastOptions(project, { uploadVia: "pendingUpload" })))
      expect(Either.isLeft(storageRefused)).toBe(true)
      if (Either.isLeft(storageRefused)) texts.push(storageRefused.left.message, JSON.stringify(storageRefused.left))
      proxy.fail("PUT", 0, 403)
      texts.push(...filesUnder(project.runsDirectory))

      // The secrets, as they went over the wire.
      const sasSignatures = proxy.requests.slice(sasBefore)
        .map((request) => new URLSearchParams(request.query).get("sig"))
        .filter((sig): sig is string => sig !== null)
      expect(sasSignatures.length).toBeGreaterThan(0)
      const details = await fetch(
        `${emulator.url}/history/v1.0${emulator.workspace.resourceId}/runs/${viaKey.jobName}/details`,
        { headers: { authorization: "Bearer x" } }
      ).then((response) => response.json()) as { logFiles: Record<string, string> }
      const logSig = new URL(Object.values(details.logFiles)[0] ?? "http://x/?sig=none").searchParams.get("sig") ?? "none"
      scan(texts, [TOKEN, azurite.accountKey, ...new Set(sasSignatures), logSig])
    })
  })
})

describe("azureml: no workspace", () => {
  it("a plan made without a workspace is refused before anything is sent, naming the three ways to give one", async () => {
    await withEmulator({}, async (emulator, proxy) => {
      const project = quickstartProject()
      const plan = await Effect.runPromise(
        AzureMl.plan(project.spec, { baseDirectory: project.directory, runsDirectory: project.runsDirectory }).pipe(Effect.provide(NodeFileSystem.layer))
      )
      const result = await run(emulator, AzureMl.execute(plan, fastOptions(project)))
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) {
        expect(result.left._tag).toBe("WorkspaceMissing")
        expect(result.left.message).toContain("--workspace FILE")
        expect(result.left.message).toContain("AZUREML_SUBSCRIPTION_ID")
        expect(result.left.message).toContain("config.json in the current directory")
      }
      expect(emulator.state.requests).toEqual([])
      expect(fs.existsSync(path.join(project.runsDirectory, plan.run.runId))).toBe(false)
    })
  })
})

describe("azureml: the job's log is kept in the run store", () => {
  const combinedLog = (project: Project, runId: string): string =>
    fs.readFileSync(path.join(project.runsDirectory, runId, "logs", "combined.log"), "utf8")

  it("after a completed run logs/combined.log holds the whole std_log once, however often and from however many callers logs is streamed", async () => {
    await withEmulator({}, async (emulator) => {
      const project = quickstartProject()
      const plan = await planned(project, emulator)
      await ok(emulator, AzureMl.execute(plan, fastOptions(project)))
      const streamed = await ok(emulator, collect(AzureMl.logs(plan.run.runId, { follow: true }, fastOptions(project))))
      expect((await ok(emulator, AzureMl.wait(plan.run.runId, fastOptions(project)))).status).toBe("Completed")
      const served = emulator.state.job(plan.jobName)?.log ?? ""
      // The emulator's default log: five lines, each ending with a newline.
      expect(served.split("\n").filter((line) => line !== "")).toHaveLength(5)
      expect(combinedLog(project, plan.run.runId)).toBe(served)
      expect(streamed.map((line) => `${line}\n`).join("")).toBe(served)

      // Streamed again (as a later `estimator logs` would), and by several callers at once: nothing is appended.
      const again = await ok(emulator, collect(AzureMl.logs(plan.run.runId, {}, fastOptions(project))))
      expect(again).toEqual(streamed)
      await Promise.all([0, 1, 2].map(() => ok(emulator, collect(AzureMl.logs(plan.run.runId, { follow: true }, fastOptions(project))))))
      expect(combinedLog(project, plan.run.runId)).toBe(served)
    })
  })

  it("lines stored while the job runs are not stored again when it ends; a torn append is cut off", async () => {
    const allLines = ["step 1", "step 2", "  indented step 3", "", "step 5 after a blank line", "done"]
    await withEmulator({ advance: "manual", logLines: () => allLines }, async (emulator) => {
      const project = quickstartProject()
      const plan = await planned(project, emulator)
      await ok(emulator, AzureMl.execute(plan, fastOptions(project)))
      emulator.state.advance(plan.jobName, 3)
      expect(emulator.state.job(plan.jobName)?.status).toBe("Running")
      const partial = await ok(emulator, collect(AzureMl.logs(plan.run.runId, {}, fastOptions(project))))
      const servedSoFar = emulator.state.job(plan.jobName)?.log ?? ""
      expect(partial.length).toBeGreaterThan(0)
      expect(partial.length).toBeLessThan(allLines.length)
      expect(combinedLog(project, plan.run.runId)).toBe(servedSoFar)

      // A process that died between appending and recording what it appended.
      fs.appendFileSync(path.join(project.runsDirectory, plan.run.runId, "logs", "combined.log"), "half a line from a crash")
      emulator.state.advance(plan.jobName, 10)
      expect(emulator.state.job(plan.jobName)?.status).toBe("Completed")
      await ok(emulator, collect(AzureMl.logs(plan.run.runId, { follow: true }, fastOptions(project))))
      expect(combinedLog(project, plan.run.runId)).toBe(allLines.map((line) => `${line}\n`).join(""))
    })
  })
})
