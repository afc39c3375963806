#!/usr/bin/env node
// The azureml backend's snapshot upload against a plain parallel upload of the same files, measured
// in the same run against the same Azurite (a local process, loopback only).
//
//   node bench/azureml-upload.mjs [--scale S] [--concurrency N]
//
// Makes a source directory of 2,000 files / 300 MiB (times S, default 1; --scale 0.1 for a quick
// run), then times
//   baseline: @azure/storage-blob BlockBlobClient.uploadFile of every file, N in parallel
//             (default 16), into a fresh container;
//   estimator: AzureMl.execute of a spec with that source directory against the workspace emulator
//             (datastore on the same Azurite): preflight, content hash, hash lookup, datastore and
//             key, the upload (N in parallel), code/environment/job PUTs;
//   resubmit:  AzureMl.execute of the unchanged snapshot again (the code version is found by its
//             hash: 0 bytes are uploaded).
// Prints the times and the ratio estimator/baseline (goal ≤ 1.2). Reports, never gates: exit 0
// unless something fails. Build first: npx tsc -b packages/submit/tsconfig.src.json.
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { tsImport } from "tsx/esm/api"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const option = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`)
  return index === -1 || process.argv[index + 1] === undefined ? fallback : process.argv[index + 1]
}
const scale = Math.max(0.001, Number(option("scale", "1")) || 1)
const concurrency = Math.max(1, Number(option("concurrency", "16")) || 16)
const GOAL = 1.2
const FILES = Math.max(1, Math.round(2000 * scale))
const BYTES = Math.round(300 * 1024 * 1024 * scale)

const load = (relative) => tsImport(pathToFileURL(path.join(root, relative)).href, import.meta.url)
const { startAzurite } = await load("packages/submit/test/emulator/azurite.ts")
const { startEmulator } = await load("packages/submit/test/emulator/workspace.ts")
const { BlobServiceClient, StorageSharedKeyCredential, newPipeline } = await import("@azure/storage-blob")
const AzureMl = await import("@estimator/submit/AzureMl")
const AzureMlClient = await import("@estimator/submit/AzureMlClient")
const { Estimator } = await import("@estimator/core")
const { Effect, Layer } = await import("effect")
const { FetchHttpClient } = await import("@effect/platform")
const { NodeFileSystem } = await import("@effect/platform-node")

// A source tree: sizes vary (many small files, a few large ones), in nested folders.
const work = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-bench-upload-"))
const source = path.join(work, "project", "src")
const weights = Array.from({ length: FILES }, (_, i) => (i % 100 === 0 ? 40 : 1 + (i % 7)))
const total = weights.reduce((a, b) => a + b, 0)
let written = 0
for (let i = 0; i < FILES; i++) {
  const size = i === FILES - 1 ? BYTES - written : Math.floor((BYTES * weights[i]) / total)
  written += size
  const file = path.join(source, `pkg${i % 20}`, `sub${i % 7}`, `file${i}.bin`)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, crypto.randomBytes(Math.max(0, size)))
}
fs.writeFileSync(path.join(source, "train.py"), "print('hello')\n")
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
console.log(`snapshot: ${FILES + 1} files, ${mib(BYTES)} (scale ${scale}), concurrency ${concurrency}`)

const azurite = await startAzurite({ extentMemoryLimitMb: Math.max(256, Math.ceil((BYTES * 3.5) / 1024 / 1024)) })
const emulator = await startEmulator({ storage: azurite, requireAuth: true })
try {
  const files = []
  const walk = (directory) => {
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      const at = path.join(directory, entry.name)
      if (entry.isDirectory()) walk(at)
      else files.push(at)
    }
  }
  walk(source)

  // Baseline: a plain parallel upload of the same files.
  const service = new BlobServiceClient(azurite.blobEndpoint, newPipeline(new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey)))
  const container = service.getContainerClient(`baseline-${Date.now()}`)
  await container.create()
  await container.getBlockBlobClient("warm-up").uploadFile(files[0])
  const baselineStart = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < files.length) {
      const file = files[next++]
      await container.getBlockBlobClient(`src/${path.relative(source, file)}`).uploadFile(file)
    }
  }))
  const baseline = performance.now() - baselineStart

  // The azureml backend, end to end up to the job's creation.
  const layer = Layer.mergeAll(
    NodeFileSystem.layer,
    AzureMlClient.layer({ endpoint: emulator.url }).pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(AzureMlClient.layerStaticToken("bench")))
  )
  const specOf = (sourceDirectory) => Estimator.withCompute(Estimator.make({ entryScript: "train.py", sourceDirectory }), Estimator.cluster("cpu-cluster"))
  const submit = async (sourceDirectory = "./src") => {
    let uploaded = 0
    const program = Effect.gen(function*() {
      const plan = yield* AzureMl.plan(specOf(sourceDirectory), {
        baseDirectory: path.join(work, "project"),
        runsDirectory: path.join(work, "runs"),
        workspace: { subscriptionId: emulator.workspace.subscriptionId, resourceGroup: emulator.workspace.resourceGroup, workspaceName: emulator.workspace.workspace }
      })
      return yield* AzureMl.execute(plan, {
        uploadConcurrency: concurrency,
        onUploadProgress: (progress) => {
          if (progress.field === "sourceDirectory") uploaded = progress.uploadedBytes
        }
      })
    })
    const start = performance.now()
    await Effect.runPromise(program.pipe(Effect.provide(layer)))
    return { ms: performance.now() - start, uploaded }
  }
  // Warm-up (not timed): the emulator compiles its swagger validators and the modules load on a
  // first submit; a real service has no such cost.
  fs.mkdirSync(path.join(work, "project", "warm"), { recursive: true })
  fs.writeFileSync(path.join(work, "project", "warm", "train.py"), "print(0)\n")
  await submit("./warm")
  const first = await submit()
  const again = await submit()

  console.log(`baseline  (plain parallel upload):         ${(baseline / 1000).toFixed(2)} s`)
  console.log(`estimator (snapshot, hash, upload, submit): ${(first.ms / 1000).toFixed(2)} s, uploaded ${mib(first.uploaded)}`)
  console.log(`resubmit  (unchanged snapshot):            ${(again.ms / 1000).toFixed(2)} s, uploaded ${mib(again.uploaded)}`)
  const ratio = first.ms / baseline
  console.log(`ratio estimator/baseline: ${ratio.toFixed(2)} (goal ≤ ${GOAL}: ${ratio <= GOAL ? "met" : "NOT met"})`)
  console.log(`resubmit uploads 0 bytes: ${again.uploaded === 0 ? "yes" : `NO (${again.uploaded})`}`)
  if (emulator.state.violations.length > 0) console.log(`swagger violations: ${emulator.state.violations.length}`)
} finally {
  await emulator.close()
  await azurite.close()
  fs.rmSync(work, { recursive: true, force: true })
}
