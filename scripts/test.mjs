#!/usr/bin/env node
// The whole test suite: provision what the tests need (the Docker engine and the locally built
// Python + Open MPI base image: .ci/provision.sh, idempotent, about a second once done), build and
// type-check every package (tests included, via tsc -b), then
// run every package's vitest project in one vitest process, then print one closing line
// "tests: N passed, N failed[, N skipped]" so CI logs end with a plain count.
import { spawnSync } from "node:child_process"
import { readFileSync, rmSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" }
const run = (command, args) => spawnSync(command, args, { cwd: root, stdio: "inherit", env }).status ?? 1

if (process.env.ESTIMATOR_SKIP_PROVISION !== "1") {
  const provision = run("bash", [".ci/provision.sh"])
  if (provision !== 0) {
    console.error("test: provisioning failed (see above); the Docker tests need the engine and the base image. Fix it, or set ESTIMATOR_SKIP_PROVISION=1 to run without provisioning.")
    process.exit(provision)
  }
}

const build = run("npx", ["turbo", "run", "build", "typecheck", "--output-logs=errors-only"])
if (build !== 0) {
  console.error("test: the build or type check failed (see above); no test was run.")
  process.exit(build)
}

const results = `${root}.vitest-results.json`
rmSync(results, { force: true })
const status = run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${results}`, ...process.argv.slice(2)])
try {
  const report = JSON.parse(readFileSync(results, "utf8"))
  const skipped = report.numPendingTests + report.numTodoTests
  console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`)
} catch {
  console.log("tests: 0 passed, 1 failed")
}
process.exit(status)
