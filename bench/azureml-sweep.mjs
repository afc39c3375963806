#!/usr/bin/env node
// A sweep: 200 specs (one hyper-parameter each) submitted with bounded concurrency to the workspace
// emulator while it throttles (the first T requests of each ARM operation of a submit answer 429
// with retry-after-ms, default T 100; 20 job PUTs 429 with Retry-After: 1, 20 answer 503, 20 lose
// their answer after creating the job) — all on loopback, bounded in count and time.
//
//   node bench/azureml-sweep.mjs [--specs N] [--concurrency C] [--throttled T]
//
// Every job must be created exactly once: prints how many submits succeeded, how many jobs the
// emulator holds, how many job PUTs were answered 201 (created) vs 200 (a retried PUT that found
// its job) vs faults, and the time. Reports, never gates: exit 0 unless something fails.
// Build first: npx tsc -b packages/submit/tsconfig.src.json.
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
const specs = Math.max(1, Number(option("specs", "200")) || 200)
const concurrency = Math.max(1, Number(option("concurrency", "16")) || 16)
const throttled = Math.max(1, Math.min(1000, Number(option("throttled", "100")) || 100))

const load = (relative) => tsImport(pathToFileURL(path.join(root, relative)).href, import.meta.url)
const { startAzurite } = await load("packages/submit/test/emulator/azurite.ts")
const { startEmulator } = await load("packages/submit/test/emulator/workspace.ts")
const AzureMl = await import("@estimator/submit/AzureMl")
const AzureMlClient = await import("@estimator/submit/AzureMlClient")
const { Estimator } = await import("@estimator/core")
const { Effect, Layer } = await import("effect")
const { FetchHttpClient } = await import("@effect/platform")
const { NodeFileSystem } = await import("@effect/platform-node")

const work = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-bench-sweep-"))
fs.mkdirSync(path.join(work, "src"))
fs.writeFileSync(path.join(work, "src", "train.py"), "import sys\nprint(sys.argv)\n")

const azurite = await startAzurite()
const emulator = await startEmulator({ storage: azurite })
try {
  // Throttling on every ARM write and read of a submit, and lost answers on the job PUT.
  for (const operation of ["PUT jobs", "PUT environment version", "PUT code version", "GET code versions"]) {
    emulator.faults.inject({ operation, status: 429, retryAfterMs: 20, times: throttled })
  }
  emulator.faults.inject({ operation: "PUT jobs", status: 429, retryAfterSeconds: 1, times: 20 })
  emulator.faults.inject({ operation: "PUT jobs", status: 503, times: 20 })
  emulator.faults.reset({ operation: "PUT jobs", when: "after", times: 20 })

  const layer = Layer.mergeAll(
    NodeFileSystem.layer,
    AzureMlClient.layer({ endpoint: emulator.url, maxAttempts: 20, initialBackoffMillis: 20, maxBackoffMillis: 500, maxRetryAfterMillis: 2000 }).pipe(
      Layer.provide(FetchHttpClient.layer),
      Layer.provide(AzureMlClient.layerStaticToken("bench"))
    )
  )
  const workspace = { subscriptionId: emulator.workspace.subscriptionId, resourceGroup: emulator.workspace.resourceGroup, workspaceName: emulator.workspace.workspace }
  const submitOne = (index) =>
    Effect.gen(function*() {
      const spec = Estimator.withScriptParams(
        Estimator.withCompute(Estimator.make({ entryScript: "train.py", sourceDirectory: "./src" }), Estimator.cluster("cpu-cluster")),
        { "--learning-rate": 0.001 * (index + 1) }
      )
      const plan = yield* AzureMl.plan(spec, { baseDirectory: work, runsDirectory: path.join(work, "runs"), workspace })
      return yield* AzureMl.execute(plan)
    })
  const start = performance.now()
  const results = await Effect.runPromise(
    Effect.forEach(Array.from({ length: specs }, (_, i) => i), (i) => Effect.either(submitOne(i)), { concurrency }).pipe(Effect.provide(layer))
  )
  const ms = performance.now() - start
  const failed = results.filter((result) => result._tag === "Left")
  const jobs = emulator.state.jobNames()
  const puts = emulator.state.requests.filter((request) => request.operation === "PUT jobs")
  const count = (status) => puts.filter((request) => request.status === status).length
  const handles = results.filter((result) => result._tag === "Right").map((result) => result.right.externalId)
  console.log(`specs: ${specs}, concurrency ${concurrency}`)
  console.log(`submits succeeded: ${specs - failed.length}, failed: ${failed.length}${failed.length > 0 ? ` (first: ${failed[0].left.message})` : ""}`)
  console.log(`jobs in the workspace: ${jobs.length} (distinct ARM ids returned: ${new Set(handles).size})`)
  console.log(`job PUTs: ${puts.length} — 201 created ${count(201)}, 200 found again ${count(200)}, 429 ${count(429)}, 503 ${count(503)}, reset ${count("reset")}`)
  console.log(`faults fired: ${emulator.faults.fired().length}; swagger violations: ${emulator.state.violations.length}`)
  // A job PUT whose answer was lost (reset after processing) created its job; the retry then finds it (200).
  const once = jobs.length === specs && new Set(handles).size === specs && handles.every((id) => jobs.includes(String(id).split("/").pop()))
  console.log(`all succeeded, none twice: ${failed.length === 0 && once ? "yes" : "NO"}`)
  console.log(`time: ${(ms / 1000).toFixed(2)} s (${(ms / specs).toFixed(0)} ms per spec)`)
} finally {
  await emulator.close()
  await azurite.close()
  fs.rmSync(work, { recursive: true, force: true })
}
