#!/usr/bin/env node
// Time from a line printed by the job (in a container, or a local process) to the same line on the
// terminal of `estimator run`, against a baseline measured in the same run: the same script run by
// `docker run` (or python3) directly, read by this process. The job prints its wall clock (ms since
// the epoch) once every 100 ms; the reader subtracts it from its own clock on receipt (same host).
// Usage: node bench/log-latency.mjs [docker|local]   (docker needs ESTIMATOR_DOCKER_BASE_IMAGE or
// uses estimator/python-mpi:bookworm, built by bash .ci/provision.sh)
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const backend = process.argv[2] ?? "docker"
const root = fileURLToPath(new URL("..", import.meta.url))
const image = process.env.ESTIMATOR_DOCKER_BASE_IMAGE ?? "estimator/python-mpi:bookworm"
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-log-latency-"))
const script = "import time\nfor i in range(30):\n    print(f't={time.time() * 1000:.3f}', flush=True)\n    time.sleep(0.1)\n"
fs.writeFileSync(path.join(dir, "tick.py"), script)
fs.writeFileSync(path.join(dir, "job.json"), JSON.stringify({
  _tag: "Estimator", specVersion: 1, sourceDirectory: ".", entryScript: "tick.py", arguments: [], compute: { _tag: "Local" },
  nodeCount: 1, processCountPerNode: 1, distribution: { _tag: "None" }, gpu: false,
  environment: { docker: true, userManagedPython: false, condaPackages: [], pipPackages: [] },
  environmentVariables: {}, secretEnvironmentVariables: {}, inputs: {}, outputs: {}, tags: {}
}))

const latencies = (command, args, env) => new Promise((resolve, reject) => {
  const child = spawn(command, args, { cwd: dir, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] })
  const seen = []
  let buffer = ""
  child.stdout.on("data", (chunk) => {
    const now = Date.now()
    buffer += chunk.toString()
    const lines = buffer.split("\n")
    buffer = lines.pop() ?? ""
    for (const line of lines) {
      const match = /t=(\d+\.\d+)/.exec(line)
      if (match) seen.push(now - Number(match[1]))
    }
  })
  child.on("error", reject)
  child.on("close", (code) => (code === 0 ? resolve(seen) : reject(new Error(`${command} exited ${code}`))))
})

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const p95 = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)]
const cli = path.join(root, "apps/cli/bin/estimator.js")
const estimator = await latencies("node", [cli, "run", "job.json", "--backend", backend], { ESTIMATOR_DOCKER_BASE_IMAGE: image, ESTIMATOR_HOME: path.join(dir, ".estimator") })
const direct = backend === "docker"
  ? await latencies("docker", ["run", "--rm", "-v", `${dir}:/w`, "-w", "/w", image, "python3", "tick.py"], {})
  : await latencies("python3", ["tick.py"], {})
console.log(`line latency, job print -> terminal (${backend}; ${estimator.length} and ${direct.length} lines):`)
console.log(`  estimator run       median ${median(estimator).toFixed(1)} ms, p95 ${p95(estimator).toFixed(1)} ms`)
console.log(`  ${backend === "docker" ? "docker run        " : "python3 directly  "}  median ${median(direct).toFixed(1)} ms, p95 ${p95(direct).toFixed(1)} ms`)
console.log(`  added by estimator: ${(median(estimator) - median(direct)).toFixed(1)} ms at the median`)
fs.rmSync(dir, { recursive: true, force: true })
