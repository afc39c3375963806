#!/usr/bin/env node
// Throughput of validate + plan for every backend over generated spec variants, against a baseline
// measured in the same run: JSON.stringify of the same plan envelopes (the least any planner does).
// Each spec is prepared once (decode, validate, read its files) and compiled for the four backends
// (DryRun.planEvery). Every round plans fresh deep copies of the specs, made outside the timed part,
// so nothing keyed on an object's identity can carry over from one round to the next.
// Goal: >= 20,000 specs/s and <= 10x the baseline. Usage: node bench/plan-throughput.mjs [count]
import { Backend, DryRun, Plan, Testing } from "@estimator/submit"
import { Either, ManagedRuntime } from "effect"
import * as fc from "fast-check"

const count = Number(process.argv[2] ?? 10_000)
const rounds = 5
const specs = fc.sample(Testing.arbitraries.estimator, { numRuns: count, seed: 20261122 })
const runtime = ManagedRuntime.make(Testing.fileSystem({ assumeExists: true, files: { [`/project/${Testing.arbitraries.CONDA_FILE}`]: "dependencies:\n  - python=3.10\n", [`/project/${Testing.arbitraries.REQUIREMENTS_FILE}`]: "numpy\n" } }))
const context = Testing.defaultContext

const planAll = (batch) => {
  const envelopes = []
  let refused = 0
  for (const spec of batch) {
    const plans = runtime.runSync(DryRun.planEvery(spec, context))
    for (const name of Backend.names) {
      const result = plans[name]
      if (Either.isRight(result)) envelopes.push(Plan.toJson(result.right))
      else refused++
    }
  }
  return { envelopes, refused }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const time = (f) => { const start = performance.now(); const result = f(); return [performance.now() - start, result] }

planAll(structuredClone(specs)) // warm up (JIT, lazy imports)
const planTimes = []
const baseTimes = []
let last
for (let round = 0; round < rounds; round++) {
  const fresh = structuredClone(specs)
  const [planMs, result] = time(() => planAll(fresh))
  const [baseMs] = time(() => result.envelopes.map((envelope) => JSON.stringify(envelope)))
  planTimes.push(planMs)
  baseTimes.push(baseMs)
  last = result
}
const planMs = median(planTimes)
const baseMs = median(baseTimes)
const perSecond = Math.round(count / (planMs / 1000))
console.log(`validate + plan (dry-run, local, docker, azureml) of ${count} generated specs, ${rounds} rounds over fresh copies, medians:`)
console.log(`  plans: ${last.envelopes.length} envelopes, ${last.refused} plan errors (fields a backend cannot honour)`)
console.log(`  estimator        ${planMs.toFixed(0)} ms  (${perSecond} specs/s; goal >= 20000)`)
console.log(`  JSON.stringify   ${baseMs.toFixed(0)} ms  (the same plan envelopes)`)
console.log(`  ratio ${(planMs / baseMs).toFixed(1)}x (goal <= 10x)`)
await runtime.dispose()
