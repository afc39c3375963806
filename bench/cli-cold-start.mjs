#!/usr/bin/env node
// Cold start of the `estimator` command against a bare Node process, measured in the same run.
//
//   node bench/cli-cold-start.mjs [--runs N] [--spec FILE] [--backend B]
//
// Runs `estimator plan <spec> --backend <B> --format json` (default: the Chainer MNIST example,
// azureml) and `node -e 0` N times each (default 20), interleaved so that machine load hits both
// alike, after one warm-up of each (which also fills tsx's transform cache, as any second run
// would, and compiles a .ts spec into its compile cache). The command is run as installed
// (bin/estimator.js: the bundle when it is up to date, .ts specs from the compile cache), then
// with the spec loaded by tsx instead (ESTIMATOR_NO_SPEC_CACHE=1) and, when the bundle is up to
// date, as the plain tsc build (ESTIMATOR_NO_BUNDLE=1), to show what each buys. Prints medians
// and ratios; the goal is a ratio of at most 4. It reports and never gates: the exit code is
// always 0.
//
// Build first: npm run build -w @estimator/cli (tsc -b, then the bundle).
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const app = path.join(root, "apps", "cli")
const bin = path.join(app, "bin", "estimator.js")

const option = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`)
  return index === -1 || process.argv[index + 1] === undefined ? fallback : process.argv[index + 1]
}
const runs = Math.max(1, Number(option("runs", "20")) || 20)
const spec = path.resolve(option("spec", path.join(root, "apps", "examples", "src", "chainerMnist.ts")))
const backend = option("backend", "azureml")
const GOAL = 4

const timeOnce = ({ args, env }) => {
  const start = process.hrtime.bigint()
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ...env } })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  return { ms, status: result.status, stderr: result.stderr ?? "", stdout: result.stdout ?? "" }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

const bundleIsFresh = async () => {
  const launch = path.join(app, "dist", "internal", "launch.js")
  if (!fs.existsSync(launch)) return false
  const { isFresh } = await import(pathToFileURL(launch).href)
  return isFresh(path.join(app, "dist", "bundle", "estimator.js"), path.join(app, "dist", "bundle", "inputs.json"))
}

const main = async () => {
  if (!fs.existsSync(path.join(app, "dist", "main.js"))) {
    console.log("apps/cli/dist/main.js is missing: build first (npm run build -w @estimator/cli). Nothing measured.")
    return
  }
  if (!fs.existsSync(spec)) {
    console.log(`spec ${spec} does not exist; pass one with --spec FILE. Nothing measured.`)
    return
  }
  const command = ["plan", spec, "--backend", backend, "--format", "json"]
  const fresh = await bundleIsFresh()
  const subjects = [
    { label: "node -e 0", args: ["-e", "0"], env: {} },
    { label: `estimator (${fresh ? "bundle" : "plain build: the bundle is missing or stale"}, spec cache)`, args: [bin, ...command], env: {} },
    ...(/\.[cm]?ts$/.test(spec)
      ? [{ label: "estimator (spec loaded by tsx, ESTIMATOR_NO_SPEC_CACHE=1)", args: [bin, ...command], env: { ESTIMATOR_NO_SPEC_CACHE: "1" } }]
      : []),
    ...(fresh ? [{ label: "estimator (plain build, ESTIMATOR_NO_BUNDLE=1)", args: [bin, ...command], env: { ESTIMATOR_NO_BUNDLE: "1" } }] : [])
  ]
  for (const subject of subjects) {
    const warmUp = timeOnce(subject)
    if (warmUp.status !== 0) {
      console.log(`note: ${subject.label} exits ${warmUp.status}, so this measures its failure path:`)
      console.log(warmUp.stderr.split("\n").slice(0, 6).map((line) => `  ${line}`).join("\n"))
    }
  }
  const times = subjects.map(() => [])
  for (let i = 0; i < runs; i++) {
    // Rotate the order, so no subject always runs on a "warmer" machine.
    for (let j = 0; j < subjects.length; j++) {
      const k = (i + j) % subjects.length
      times[k].push(timeOnce(subjects[k]).ms)
    }
  }
  const medians = times.map(median)
  const baseline = medians[0]
  console.log(`cli cold start: estimator plan ${path.relative(root, spec)} --backend ${backend} --format json`)
  console.log(`(${runs} runs each, interleaved, Node ${process.version})`)
  subjects.forEach((subject, index) => {
    const ratio = index === 0 ? "" : `  ratio ${(medians[index] / baseline).toFixed(2)}x`
    console.log(`  ${subject.label.padEnd(62)} median ${medians[index].toFixed(1).padStart(7)} ms${ratio}`)
  })
  const ratio = medians[1] / baseline
  console.log(`goal: ratio <= ${GOAL}x for the command as installed: ${ratio <= GOAL ? "met" : "not met"} (${ratio.toFixed(2)}x)`)
  if (!fresh) console.log("note: run npm run build -w @estimator/cli to measure the bundle, which is what the build ships.")
}

try {
  await main()
} catch (error) {
  console.log(`benchmark error: ${error instanceof Error ? error.message : String(error)}`)
}
process.exitCode = 0
