/**
 * The examples run for real through the `estimator` binary: the quickstart on `local`, the MPI
 * job on `docker` (the engine and base image come from bash .ci/provision.sh; without them these
 * tests fail, they are never skipped).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const estimator = (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-examples-"))
  const result = spawnSync("node", [path.join(root, "apps/cli/bin/estimator.js"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ESTIMATOR_HOME: home, NO_COLOR: "1", ...env },
    timeout: 240_000
  })
  return { ...result, home }
}
const outputsOf = (home: string): string => {
  const [runId] = fs.readdirSync(path.join(home, "runs"))
  return path.join(home, "runs", runId ?? "", "outputs")
}

describe("examples, run for real", () => {
  it("the quickstart completes on local and leaves its model and metrics in the outputs", () => {
    const result = estimator(["run", "apps/examples/src/quickstart.ts", "--backend", "local"])
    expect(result.stderr + result.stdout).toContain("Completed")
    expect(result.status).toBe(0)
    const model = JSON.parse(fs.readFileSync(path.join(outputsOf(result.home), "model.json"), "utf8"))
    expect(model.a).toBeCloseTo(2.5, 1)
    expect(model.b).toBeCloseTo(1, 0)
  })

  it("the MPI job runs two ranks that see each other, on docker", () => {
    const result = estimator(["run", "apps/examples/src/mpiRanks.ts", "--backend", "docker"], {
      ESTIMATOR_DOCKER_BASE_IMAGE: process.env["ESTIMATOR_DOCKER_BASE_IMAGE"] ?? "estimator/python-mpi:bookworm"
    })
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/\[rank 0\] rank 0 of 2: sum of ranks 1/)
    expect(result.stdout).toMatch(/\[rank 1\] rank 1 of 2: sum of ranks 1/)
    const outputs = outputsOf(result.home)
    expect(fs.readdirSync(outputs).sort()).toEqual(["rank-0.json", "rank-1.json"])
    expect(JSON.parse(fs.readFileSync(path.join(outputs, "rank-1.json"), "utf8"))).toEqual({ rank: 1, size: 2, sum: 1 })
  })
})
