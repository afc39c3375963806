#!/usr/bin/env node
// What `estimator run` adds to running a script yourself, measured in the same run.
//
//   node bench/local-run.mjs [--runs N] [--work SECONDS]
//
// Runs `estimator run trivial.ts --backend local` (a spec whose entry script is job/script.py)
// and `python3 job/script.py` N times each (default 15), interleaved so that machine load hits
// both alike, after one warm-up of each (which also fills the spec's compile cache, as any second
// run would). The script prints one line, or busy-loops for --work SECONDS first (default 0: the
// trivial script). Prints the medians, the ratio and the fixed cost of estimator in milliseconds;
// the goal is a ratio of at most 1.5. Also measured, to say where the time goes: `node -e 0`
// (the floor of any Node command is node start + the script) and `estimator --version` (loading
// the command). The runs are made in a temporary folder inside the repository (so the spec
// resolves @estimator/core), removed at the end with its run store. It reports and never gates:
// the exit code is always 0.
//
// Build first: npm run build -w @estimator/cli (tsc -b, then the bundle).
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const bin = path.join(root, "apps", "cli", "bin", "estimator.js")
const GOAL = 1.5

const option = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`)
  return index === -1 || process.argv[index + 1] === undefined ? fallback : process.argv[index + 1]
}
const runs = Math.max(1, Number(option("runs", "15")) || 15)
const work = Math.max(0, Number(option("work", "0")) || 0)

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

const python = () => {
  for (const candidate of ["python3", "python"]) {
    if (spawnSync(candidate, ["--version"]).status === 0) return candidate
  }
  return undefined
}

const main = (folder) => {
  if (!fs.existsSync(path.join(root, "apps", "cli", "dist", "main.js"))) {
    console.log("apps/cli/dist/main.js is missing: build first (npm run build -w @estimator/cli). Nothing measured.")
    return
  }
  const interpreter = python()
  if (interpreter === undefined) {
    console.log("python3 is not on PATH: the local backend needs it. Nothing measured.")
    return
  }
  fs.mkdirSync(path.join(folder, "job"), { recursive: true })
  fs.writeFileSync(
    path.join(folder, "job", "script.py"),
    `import time\nend = time.time() + ${work}\nwhile time.time() < end:\n    pass\nprint("trained")\n`
  )
  fs.writeFileSync(
    path.join(folder, "trivial.ts"),
    `import { Estimator } from "@estimator/core"\nexport default Estimator.make({ entryScript: "script.py", sourceDirectory: "job" })\n`
  )
  const subjects = [
    { label: `${interpreter} job/script.py`, command: interpreter, args: ["job/script.py"] },
    { label: "estimator run trivial.ts --backend local", command: process.execPath, args: [bin, "run", "trivial.ts", "--backend", "local"] },
    // What no Node program can go below, and what the command costs before it does anything.
    { label: "node -e 0", command: process.execPath, args: ["-e", "0"] },
    { label: "estimator --version", command: process.execPath, args: [bin, "--version"] }
  ]
  const timeOnce = (subject) => {
    const start = process.hrtime.bigint()
    const result = spawnSync(subject.command, subject.args, { cwd: folder, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, status: result.status, stderr: result.stderr ?? "" }
  }
  for (const subject of subjects) {
    const warmUp = timeOnce(subject)
    if (warmUp.status !== 0) {
      console.log(`note: ${subject.label} exits ${warmUp.status}, so this measures its failure path:`)
      console.log(warmUp.stderr.split("\n").slice(0, 8).map((line) => `  ${line}`).join("\n"))
    }
  }
  const times = subjects.map(() => [])
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < subjects.length; j++) {
      const k = (i + j) % subjects.length
      times[k].push(timeOnce(subjects[k]).ms)
    }
  }
  const [baseline, estimator, nodeStart, cliStart] = times.map(median)
  console.log(`local run: estimator run vs the script alone (${work === 0 ? "a trivial script" : `a script that works ${work} s`})`)
  console.log(`(${runs} runs each, interleaved, Node ${process.version})`)
  console.log(`  ${subjects[0].label.padEnd(44)} median ${baseline.toFixed(1).padStart(8)} ms`)
  console.log(`  ${subjects[1].label.padEnd(44)} median ${estimator.toFixed(1).padStart(8)} ms  ratio ${(estimator / baseline).toFixed(2)}x`)
  console.log(`  ${subjects[2].label.padEnd(44)} median ${nodeStart.toFixed(1).padStart(8)} ms`)
  console.log(`  ${subjects[3].label.padEnd(44)} median ${cliStart.toFixed(1).padStart(8)} ms`)
  const added = estimator - baseline
  console.log(`  what estimator adds: ${added.toFixed(0)} ms = node start ${nodeStart.toFixed(0)} + loading the command ${(cliStart - nodeStart).toFixed(0)} + spec, plan, run record, snapshot, following ${(added - cliStart).toFixed(0)}`)
  console.log(`  floor for any Node command (node start + the script): ${((nodeStart + baseline) / baseline).toFixed(2)}x`)
  console.log(`  the ratio is <= ${GOAL}x for scripts that run at least ${Math.ceil(added / (GOAL - 1) / 10) * 10} ms (try --work)`)
  const ratio = estimator / baseline
  console.log(`goal: ratio <= ${GOAL}x: ${ratio <= GOAL ? "met" : "not met"} (${ratio.toFixed(2)}x)`)
}

const folder = fs.mkdtempSync(path.join(root, "bench", ".tmp-local-run-"))
try {
  main(folder)
} catch (error) {
  console.log(`benchmark error: ${error instanceof Error ? error.message : String(error)}`)
} finally {
  fs.rmSync(folder, { recursive: true, force: true })
}
process.exitCode = 0
