#!/usr/bin/env node
// The README quickstart: build the packages and the CLI, then run the example job on this machine
// with the local backend (`estimator run apps/examples/src/quickstart.ts --backend local`).
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" }
const run = (command, args) => spawnSync(command, args, { cwd: root, stdio: "inherit", env }).status ?? 1

const build = run("npx", ["turbo", "run", "build", "--output-logs=errors-only"])
if (build !== 0) {
  console.error("quickstart: the build failed (see above).")
  process.exit(build)
}
console.log("\n$ estimator run apps/examples/src/quickstart.ts --backend local\n")
process.exit(run("node", ["apps/cli/bin/estimator.js", "run", "apps/examples/src/quickstart.ts", "--backend", "local"]))
