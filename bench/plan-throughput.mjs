#!/usr/bin/env node
// Throughput of validate + plan for every backend over generated spec variants, against a baseline
// measured in the same run: JSON.stringify of the same request bodies (the least any planner does).
// Goal: >= 20,000 specs/s and <= 10x the baseline. Usage: node bench/plan-throughput.mjs [count]
import { Validation } from "@estimator/core"
import { AzureMl, Docker, DryRun, Local, Plan, Testing } from "@estimator/submit"
import { Effect, Either, ManagedRuntime } from "effect"
import * as fc from "fast-check"

const count = Number(process.argv[2] ?? 10_000)
const specs = fc.sample(Testing.arbitraries.estimator, { numRuns: count, seed: 20261122 })
const runtime = ManagedRuntime.make(Testing.fileSystem({ assumeExists: true, files: { [`/project/${Testing.arbitraries.CONDA_FILE}`]: "dependencies:\n  - python=3.10\n", [`/project/${Testing.arbitraries.REQUIREMENTS_FILE}`]: "numpy\n" } }))
const context = Testing.defaultContext
const planners = [DryRun.plan, Local.plan, Docker.plan, AzureMl.plan]

const planAll = () => {
  const envelopes = []
  let refused = 0
  for (const spec of specs) {
    Validation.validate(spec)
    for (const plan of planners) {
      const result = runtime.runSync(Effect.either(plan(spec, context)))
      if (Either.isRight(result)) envelopes.push(Plan.toJson(result.right))
      else refused++
    }
  }
  return { envelopes, refused }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const time = (f) => { const start = performance.now(); const result = f(); return [performance.now() - start, result] }

planAll() // warm up (JIT, lazy imports)
const planTimes = []
const baseTimes = []
let last
for (let round = 0; round < 5; round++) {
  const [planMs, result] = time(planAll)
  const [baseMs] = time(() => result.envelopes.map((envelope) => JSON.stringify(envelope)))
  planTimes.push(planMs)
  baseTimes.push(baseMs)
  last = result
}
const planMs = median(planTimes)
const baseMs = median(baseTimes)
const perSecond = Math.round(count / (planMs / 1000))
console.log(`validate + plan (dry-run, local, docker, azureml) of ${count} generated specs, 5 rounds, medians:`)
console.log(`  plans: ${last.envelopes.length} envelopes, ${last.refused} plan errors (fields a backend cannot honour)`)
console.log(`  estimator        ${planMs.toFixed(0)} ms  (${perSecond} specs/s; goal >= 20000)`)
console.log(`  JSON.stringify   ${baseMs.toFixed(0)} ms  (the same request bodies)`)
console.log(`  ratio ${(planMs / baseMs).toFixed(1)}x (goal <= 10x)`)
await runtime.dispose()
