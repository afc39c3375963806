// The pure parts of running a docker plan: the build-context tar, the log reader (demultiplexing,
// lines, rank prefixes, redaction), the container body sent to the engine, the Dockerfile's base
// images, and the plan's base image substitution. No engine needed.
import { Estimator, Secret } from "@estimator/core"
import { BaseImages } from "@estimator/env"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import * as fc from "fast-check"
import { pipe } from "fp-ts/lib/function.js"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Backend from "../src/Backend.js"
import * as Docker from "../src/Docker.js"
import type * as Plan from "../src/Plan.js"
import * as Redact from "../src/Redact.js"
import * as dockerBuild from "../src/internal/dockerBuild.js"
import * as dockerLogs from "../src/internal/dockerLogs.js"
import * as dockerRun from "../src/internal/dockerRun.js"
import * as dockerTar from "../src/internal/dockerTar.js"
import { base, context, expectPlan, project, RUN_DIRECTORY } from "./utils/planning.js"

// -------------------------------------------------------------------------------------
// tar
// -------------------------------------------------------------------------------------

// Python's tarfile is the independent reader: it must see exactly the files written. One Python
// process reads a batch of archives (starting Python is the slow part).
type Member = { name: string; size: number; mode: number; type: string; data: string }
const readWithPython = (archives: ReadonlyArray<Uint8Array>): ReadonlyArray<ReadonlyArray<Member>> => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-tar-"))
  const files = archives.map((archive, index) => {
    const file = path.join(directory, `${index}.tar`)
    fs.writeFileSync(file, archive)
    return file
  })
  const script = [
    "import tarfile, json, sys, base64",
    "def read(name):",
    "    with tarfile.open(name, 'r:') as t:",
    "        return [{'name': m.name, 'size': m.size, 'mode': m.mode, 'type': m.type.decode(), 'data': base64.b64encode(t.extractfile(m).read()).decode()} for m in t.getmembers()]",
    "print(json.dumps([read(name) for name in sys.argv[1:]]))"
  ].join("\n")
  try {
    return JSON.parse(execFileSync("python3", ["-c", script, ...files], { encoding: "utf8" }))
  } finally {
    fs.rmSync(directory, { recursive: true, force: true })
  }
}

const segment = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,60}$/).filter((s) => s !== "." && s !== "..")
const unicodeSegment = fc.constantFrom("données", "模型", "ü-ß", "emoji-🙂")
const tarPath = fc.array(fc.oneof({ weight: 4, arbitrary: segment }, { weight: 1, arbitrary: unicodeSegment }), { minLength: 1, maxLength: 6 }).map((parts) => parts.join("/"))

describe("dockerTar.pack", () => {
  it("Python's tarfile reads back every file: path (short, ustar-split or PAX-long, Unicode), bytes and mode", () => {
    const archive = fc.uniqueArray(fc.record({ path: tarPath, data: fc.uint8Array({ maxLength: 1500 }), executable: fc.boolean() }), { selector: (entry) => entry.path, minLength: 1, maxLength: 6 })
    fc.assert(
      fc.property(fc.array(archive, { minLength: 1, maxLength: 15 }), (batch) => {
        const read = readWithPython(batch.map((entries) => dockerTar.pack(entries)))
        batch.forEach((entries, which) => {
          const members = read[which]!
          expect(members.map((member) => member.name)).toEqual(entries.map((entry) => entry.path))
          members.forEach((member, index) => {
            const entry = entries[index]!
            expect(member.type).toBe("0")
            expect(member.size).toBe(entry.data.length)
            expect(Buffer.from(member.data, "base64")).toEqual(Buffer.from(entry.data))
            expect(member.mode).toBe(entry.executable ? 0o755 : 0o644)
          })
        })
      }),
      { numRuns: 4 }
    )
  })

  it("is a whole number of 512-byte blocks ending in two zero blocks, and deterministic", () => {
    const entries = [{ path: "Dockerfile", data: new TextEncoder().encode("FROM x\n") }]
    const archive = dockerTar.pack(entries)
    expect(archive.length % 512).toBe(0)
    expect(archive.subarray(archive.length - 1024).every((byte) => byte === 0)).toBe(true)
    expect(dockerTar.pack(entries)).toEqual(archive)
  })
})

// -------------------------------------------------------------------------------------
// log reader
// -------------------------------------------------------------------------------------

const frame = (stream: "stdout" | "stderr", text: string): Buffer => {
  const data = Buffer.from(text, "utf8")
  const header = Buffer.alloc(8)
  header[0] = stream === "stdout" ? 1 : 2
  header.writeUInt32BE(data.length, 4)
  return Buffer.concat([header, data])
}

// The reference model: per stream, text accumulates and a line is emitted when its "\n" arrives.
const model = (frames: ReadonlyArray<readonly ["stdout" | "stderr", string]>): ReadonlyArray<dockerLogs.LogLine> => {
  const partial = { stdout: "", stderr: "" }
  const lines: Array<dockerLogs.LogLine> = []
  for (const [stream, text] of frames) {
    const parts = (partial[stream] + text).split("\n")
    partial[stream] = parts.pop()!
    lines.push(...parts.map((line) => ({ stream, text: line })))
  }
  for (const stream of ["stdout", "stderr"] as const) if (partial[stream] !== "") lines.push({ stream, text: partial[stream] })
  return lines
}

const frames = fc.array(
  fc.tuple(fc.constantFrom("stdout" as const, "stderr" as const), fc.stringOf(fc.constantFrom("a", "b", " ", "\n", "é", "模", "🙂", "$", "'"), { maxLength: 30 })),
  { maxLength: 12 }
)

describe("dockerLogs.Reader", () => {
  it("splits a multiplexed stream into each stream's lines, in the order their line breaks came (the model's)", () => {
    fc.assert(fc.property(frames, (input) => {
      const lines = dockerLogs.readAll(Buffer.concat(input.map(([stream, text]) => frame(stream, text))), Redact.empty)
      expect(lines).toEqual(model(input))
    }))
  })

  it("gives the same lines however the bytes are cut into chunks (frame headers and UTF-8 characters split too)", () => {
    fc.assert(fc.property(frames, fc.array(fc.nat(), { maxLength: 8 }), (input, cuts) => {
      const whole = Buffer.concat(input.map(([stream, text]) => frame(stream, text)))
      const points = [...new Set(cuts.map((cut) => (whole.length === 0 ? 0 : cut % whole.length)))].sort((a, b) => a - b)
      const reader = new dockerLogs.Reader(Redact.empty)
      const lines: Array<dockerLogs.LogLine> = []
      let from = 0
      for (const point of [...points, whole.length]) {
        lines.push(...reader.push(whole.subarray(from, point)))
        from = point
      }
      lines.push(...reader.end())
      expect(lines).toEqual(dockerLogs.readAll(whole, Redact.empty))
    }))
  })

  it("turns mpirun's --tag-output prefixes into [rank N] and remembers the rank", () => {
    const lines = dockerLogs.readAll(
      Buffer.concat([frame("stdout", "[1,0]<stdout>:hello\n[1,12]<stdout>:world\nplain\n"), frame("stderr", "[1,1]<stderr>:oops\n")]),
      Redact.empty
    )
    expect(lines).toEqual([
      { stream: "stdout", text: "[rank 0] hello", rank: 0 },
      { stream: "stdout", text: "[rank 12] world", rank: 12 },
      { stream: "stdout", text: "plain" },
      { stream: "stderr", text: "[rank 1] oops", rank: 1 }
    ])
    expect(dockerLogs.rankPrefix("x [1,0]<stdout>:not at the start")).toBe("x [1,0]<stdout>:not at the start")
  })

  it("never lets a secret value through, wherever it sits in the output", () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9]{6,20}$/)
    fc.assert(fc.property(secret, frames, fc.nat(), (value, input, position) => {
      const text = input.map(([, t]) => t).join("")
      const at = text.length === 0 ? 0 : position % (text.length + 1)
      const withSecret = `${text.slice(0, at)}${value}${text.slice(at)}\n`
      const lines = dockerLogs.readAll(frame("stdout", withSecret), Redact.make([value]))
      expect(lines.some((line) => line.text.includes(value))).toBe(false)
      expect(lines.some((line) => line.text.includes(Secret.REDACTED))).toBe(true)
    }))
  })

  it("files: combined.log has every line; process-<rank>.log each rank's without the prefix (process-0.log alone without ranks)", () => {
    expect(dockerLogs.files([{ stream: "stdout", text: "a" }, { stream: "stderr", text: "b" }])).toEqual({ "combined.log": "a\nb\n", "process-0.log": "a\nb\n" })
    expect(dockerLogs.files([
      { stream: "stdout", text: "[rank 1] one", rank: 1 },
      { stream: "stdout", text: "mpirun says" },
      { stream: "stderr", text: "[rank 0] zero", rank: 0 }
    ])).toEqual({ "combined.log": "[rank 1] one\nmpirun says\n[rank 0] zero\n", "process-1.log": "one\n", "process-0.log": "zero\n" })
  })
})

// -------------------------------------------------------------------------------------
// the container body and the Dockerfile's images
// -------------------------------------------------------------------------------------

const plan = (spec: Estimator.Estimator, options: Docker.Options = {}) =>
  expectPlan(Docker.plan(spec, context(), options)).pipe(Effect.provide(project()))

describe("dockerRun.containerBody", () => {
  it.effect("resolves only the secret variables, keeps everything else of the plan's body, and names the container", () =>
    Effect.gen(function*() {
      const spec = pipe(
        base(),
        Estimator.withEnv({ LOOKS_SECRET: Secret.REDACTED, PLAIN: "1" }),
        Estimator.withSecretEnv({ TOKEN: Secret.fromEnv("TOKEN"), OTHER: Secret.fromFile("/x") })
      )
      const planned = yield* plan(spec)
      const before = JSON.stringify(planned)
      const body = dockerRun.containerBody(planned, { TOKEN: "t0ken", OTHER: "line1\nline2" })
      const create = planned.containers[0]!.create
      expect(body.name).toBe(planned.containers[0]!.name)
      expect(body.Env).toEqual(create.Env.map((entry) =>
        entry === `TOKEN=${Secret.REDACTED}` ? "TOKEN=t0ken" : entry === `OTHER=${Secret.REDACTED}` ? "OTHER=line1\nline2" : entry))
      expect(body.Env).toContain(`LOOKS_SECRET=${Secret.REDACTED}`)
      expect({ ...body, Env: create.Env, name: undefined, Labels: create.Labels }).toEqual({ ...create, name: undefined })
      expect(body.Labels).toEqual({ ...create.Labels, "estimator.run-directory": RUN_DIRECTORY })
      expect(JSON.stringify(planned)).toBe(before)
    }))

  it.effect("asks mpirun to tag each line with its rank only when the container runs mpirun", () =>
    Effect.gen(function*() {
      const mpi = yield* plan(Estimator.withMpi(base(), 1, 2))
      expect(mpi.containers[0]!.create.Cmd[0]).toBe("mpirun")
      expect(dockerRun.containerBody(mpi, {}).Env).toContain("OMPI_MCA_orte_tag_output=1")
      const single = yield* plan(base())
      expect(dockerRun.containerBody(single, {}).Env).toEqual(single.containers[0]!.create.Env)
    }))
})

describe("dockerBuild.fromImages", () => {
  it("lists each image a Dockerfile builds from, leaving out stage names and scratch", () => {
    expect(dockerBuild.fromImages("FROM a:1 AS build\nRUN x\nFROM build\nFROM --platform=linux/amd64 b\nfrom scratch\n  FROM a:1\n")).toEqual(["a:1", "b"])
  })
})

// -------------------------------------------------------------------------------------
// base image substitution in the plan
// -------------------------------------------------------------------------------------

describe("Docker.plan: a local stand-in for Azure ML's base images", () => {
  it.effect("the default image is replaced by Options.baseImage, with a warning naming both; the tag follows the Dockerfile", () =>
    Effect.gen(function*() {
      const plain = yield* plan(base())
      const substituted = yield* plan(base(), { baseImage: "estimator/python-mpi:bookworm" })
      expect(plain.image.dockerfile).toContain(`FROM ${BaseImages.DEFAULT_CPU_IMAGE}\n`)
      expect(substituted.image.dockerfile).toContain("FROM estimator/python-mpi:bookworm\n")
      expect(substituted.image.tag).not.toBe(plain.image.tag)
      const warning = substituted.warnings.find((w) => w.code === "base-image-substituted")
      expect(warning?.severity).toBe("warning")
      expect(warning?.message).toContain(BaseImages.DEFAULT_CPU_IMAGE)
      expect(warning?.message).toContain("estimator/python-mpi:bookworm")
      expect(plain.warnings.some((w) => w.code === "base-image-substituted")).toBe(false)
    }))

  it.effect("the GPU default and any mcr.microsoft.com/azureml image are replaced; other images are not", () =>
    Effect.gen(function*() {
      const gpu = yield* plan(Estimator.withGpu(base()), { baseImage: "local/gpu:1" })
      expect(gpu.image.dockerfile).toContain("FROM local/gpu:1\n")
      const curated = yield* plan(Estimator.withImage(base(), "mcr.microsoft.com/azureml/curated/sklearn:1"), { baseImage: "local/cpu:1" })
      expect(curated.image.dockerfile).toContain("FROM local/cpu:1\n")
      const custom = yield* plan(Estimator.withImage(base(), "python:3.11-slim"), { baseImage: "local/cpu:1" })
      expect(custom.image.dockerfile).toContain("FROM python:3.11-slim\n")
      expect(custom.warnings.some((w) => w.code === "base-image-substituted")).toBe(false)
    }))

  it.effect("baseImageOverride replaces any image and says so", () =>
    Effect.gen(function*() {
      const overridden = yield* plan(Estimator.withImage(base(), "python:3.11-slim"), { baseImageOverride: "local/x:1" })
      expect(overridden.image.dockerfile).toContain("FROM local/x:1\n")
      expect(overridden.warnings).toContainEqual(expect.objectContaining({ code: "base-image-overridden", severity: "warning", message: expect.stringContaining("python:3.11-slim") }))
    }))

  it.effect("Docker.layer reads ESTIMATOR_DOCKER_BASE_IMAGE and ESTIMATOR_PIP_INDEX_URL", () =>
    Effect.gen(function*() {
      const planned = yield* Backend.plan(Estimator.withPip(base(), ["example-hello"]), context())
      expect(planned.backend).toBe("docker")
      const docker = planned as Plan.DockerPlan
      expect(docker.image.dockerfile).toContain("FROM estimator/python-mpi:bookworm\n")
      expect(docker.image.dockerfile).toContain("--index-url http://127.0.0.1:9/simple/")
      expect(docker.warnings.some((w) => w.code === "base-image-substituted")).toBe(true)
    }).pipe(
      Effect.provide(Docker.layer),
      Effect.provide(project()),
      Effect.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([
        ["ESTIMATOR_DOCKER_BASE_IMAGE", "estimator/python-mpi:bookworm"],
        ["ESTIMATOR_PIP_INDEX_URL", "http://127.0.0.1:9/simple/"]
      ]))))
    ))
})
