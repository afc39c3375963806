#!/usr/bin/env node
// A docker run of a trivial script with a cached image, against the docker CLI running the same
// image, measured in the same run.
//
//   node bench/docker-run.mjs [--runs N] [--image BASE]
//
// Measured: `estimator run job.ts --backend docker` (the command: start, load the spec, plan with
// the engine image check, record the run, copy the snapshot, check the image again, create +
// start the container, stream its output, wait, store the logs, remove the container), the same
// through the submit API in this process (Docker.plan then Docker.run: no command start), and the
// baseline `docker run --rm IMAGE python3 -c pass` on the same image; plus `node -e 0`, since
// node's own start is a floor no Node command goes below (shown as node start + the baseline).
// All run N times (default 10), interleaved so machine load hits them alike, after one warm-up of
// each (which also builds the image if it is missing). Prints medians and the ratios (goal for the
// command: at most 1.3), and the time of the image cache check for the unchanged environment,
// with the number of builds during the measured runs (must be 0). It reports and never gates: the
// exit code is 0 unless something failed.
//
// Needs the engine and the base image (bash .ci/provision.sh) and a build (npm run build). The
// project is made in a temporary folder inside the repository (so the spec resolves
// @estimator/core), removed at the end; an image the warm-up builds is removed too.
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const bin = path.join(root, "apps", "cli", "bin", "estimator.js")
const submit = path.join(root, "packages", "submit")

const option = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`)
  return index === -1 || process.argv[index + 1] === undefined ? fallback : process.argv[index + 1]
}
const runs = Math.max(1, Number(option("runs", "10")) || 10)
const baseImage = option("image", process.env.ESTIMATOR_BASE_IMAGE ?? "estimator/python-mpi:bookworm")
const GOAL = 1.3

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
const ms = (value) => `${value.toFixed(0)} ms`
const time = async (f) => {
  const start = process.hrtime.bigint()
  const result = await f()
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result }
}

const main = async () => {
  if (!fs.existsSync(path.join(submit, "dist", "Docker.js"))) {
    console.log("packages/submit/dist/Docker.js is missing: build first (npx tsc -b packages/submit/tsconfig.src.json). Nothing measured.")
    return
  }
  const require = createRequire(path.join(submit, "package.json"))
  const load = (specifier) => import(pathToFileURL(require.resolve(specifier)).href)
  const [{ Estimator }, Docker, { NodeContext }, { Effect }] = await Promise.all([
    load("@estimator/core"),
    import(pathToFileURL(path.join(submit, "dist", "Docker.js")).href),
    load("@effect/platform-node"),
    load("effect")
  ])

  const project = fs.mkdtempSync(path.join(root, "bench", ".tmp-docker-run-"))
  fs.mkdirSync(path.join(project, "src"))
  fs.writeFileSync(path.join(project, "src", "train.py"), "pass\n")
  fs.writeFileSync(
    path.join(project, "job.ts"),
    `import { Estimator } from "@estimator/core"\nexport default Estimator.make({ entryScript: "train.py", sourceDirectory: "src" })\n`
  )
  const runsDirectory = path.join(project, "runs")
  let builds = 0
  const options = {
    baseImage,
    runsDirectory,
    onProgress: (event) => {
      if (event._tag === "BuildStarted") builds++
    }
  }
  const spec = Estimator.make({ entryScript: "train.py", sourceDirectory: "src" })
  const provide = (effect) => Effect.runPromise(effect.pipe(Effect.provide(NodeContext.layer)))

  const estimatorRun = async () => {
    const planned = await provide(Docker.plan(spec, { baseDirectory: project, runsDirectory }, options))
    const status = await provide(Docker.run(planned, () => undefined, options))
    if (status.status !== "Completed") throw new Error(`the run ended ${status.status}: ${status.reason ?? ""}`)
    return planned.image.tag
  }
  const cliRun = (image) => execFileSync("docker", ["run", "--rm", image, "python3", "-c", "pass"], { stdio: ["ignore", "ignore", "pipe"] })
  const commandRun = () => {
    const result = spawnSync(process.execPath, [bin, "run", "job.ts", "--backend", "docker"], {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", ESTIMATOR_DOCKER_BASE_IMAGE: baseImage }
    })
    if (result.status !== 0) throw new Error(`estimator run exited ${result.status}: ${result.stderr.split("\n").slice(0, 6).join(" | ")}`)
  }
  const nodeStart = () => execFileSync(process.execPath, ["-e", "0"])

  let builtForBench
  try {
    const tag = await estimatorRun() // warm-up; builds the image when it is missing
    if (builds > 0) builtForBench = tag
    cliRun(tag)
    if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: build first (npm run build)`)
    commandRun()
    const buildsBefore = builds
    const images = () => new Set(execFileSync("docker", ["images", "--all", "--quiet", "--no-trunc"], { encoding: "utf8" }).split("\n").filter((id) => id !== ""))
    const imagesBefore = images()
    const estimator = []
    const cli = []
    const command = []
    const node = []
    for (let i = 0; i < runs; i++) {
      command.push((await time(async () => commandRun())).ms)
      estimator.push((await time(estimatorRun)).ms)
      cli.push((await time(async () => cliRun(tag))).ms)
      node.push((await time(async () => nodeStart())).ms)
    }
    const imagesAdded = [...images()].filter((id) => !imagesBefore.has(id)).length
    const check = Docker.engineImageCheck(options.dockerHost)
    const checks = []
    for (let i = 0; i < runs; i++) checks.push((await time(() => Effect.runPromise(check(tag)))).ms)
    const plans = []
    for (let i = 0; i < runs; i++) plans.push((await time(() => provide(Docker.plan(spec, { baseDirectory: project, runsDirectory }, options)))).ms)

    const e = median(estimator)
    const c = median(cli)
    const k = median(command)
    const n = median(node)
    const range = (values) => `(min ${ms(Math.min(...values))}, max ${ms(Math.max(...values))})`
    console.log(`docker run of a trivial script, image ${tag} (cached), ${runs} runs each, interleaved, medians:`)
    console.log(`  estimator run job.ts --backend docker    ${ms(k)}   ${range(command)}   ratio ${(k / c).toFixed(2)} (goal <= ${GOAL}: ${k / c <= GOAL ? "met" : "NOT met"})`)
    console.log(`  the same through the submit API          ${ms(e)}   ${range(estimator)}   ratio ${(e / c).toFixed(2)}`)
    console.log(`  docker run --rm IMAGE python3 -c pass    ${ms(c)}   ${range(cli)}`)
    console.log(`  node -e 0                                ${ms(n)}   floor for any Node command (node start + docker run): ${((n + c) / c).toFixed(2)}`)
    console.log(`  what the command adds: ${ms(k - c)} (node start ${ms(n)}; the API alone ${ms(e - c)})`)
    console.log(`cache check of the unchanged environment: image check ${ms(median(checks))}, whole plan ${ms(median(plans))}; builds during the measured runs: ${builds - buildsBefore} (API), images they added: ${imagesAdded} (API and command)`)
  } finally {
    fs.rmSync(project, { recursive: true, force: true })
    // An image the warm-up had to build is removed again (the base image is never touched).
    if (builtForBench !== undefined) {
      try {
        execFileSync("docker", ["rmi", builtForBench], { stdio: "ignore" })
        console.log(`removed ${builtForBench}, built for this bench`)
      } catch {
        console.log(`could not remove ${builtForBench}, built for this bench`)
      }
    }
  }
}

main().catch((error) => {
  console.error(`bench failed: ${error?.message ?? error}`)
  process.exitCode = 1
})
