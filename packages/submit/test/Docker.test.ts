import { Data, Estimator, Secret } from "@estimator/core"
import { BaseImages } from "@estimator/env"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { pipe } from "fp-ts/lib/function.js"
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import * as Backend from "../src/Backend.js"
import * as Docker from "../src/Docker.js"
import type * as Plan from "../src/Plan.js"
import * as Testing from "../src/Testing.js"
import { parseSize } from "../src/internal/units.js"
import { base, context, DOCKERFILE, expectPlan, expectPlanError, project, RUN_DIRECTORY, RUN_ID } from "./utils/planning.js"

const plan = (spec: Estimator.Estimator, overrides: Parameters<typeof context>[0] = {}, options: Docker.Options = {}, files?: Record<string, string>) =>
  expectPlan(Docker.plan(spec, context(overrides), options)).pipe(Effect.provide(project(files === undefined ? {} : { files })))

const planError = (spec: Estimator.Estimator, files?: Record<string, string>) =>
  expectPlanError(Docker.plan(spec, context())).pipe(Effect.provide(project(files === undefined ? {} : { files })))

const createOf = (result: Plan.DockerPlan): Plan.ContainerCreate => {
  expect(result.containers).toHaveLength(1)
  return result.containers[0]!.create
}

const GPUS = { Driver: "nvidia", Count: -1, Capabilities: [["gpu"]] }

describe("Docker.plan: the container", () => {
  it.effect("ContainerCreate: image, argv, variables, working directory, labels, shared memory, binds, GPUs", () =>
    Effect.gen(function*() {
      const spec = pipe(
        base(),
        Estimator.withGpu,
        Estimator.withShmSize("8g"),
        Estimator.withMpi(1, 2),
        Estimator.withArgs("--data", Data.input("mnist"), "--labels", Data.input("labels"), "--out", Data.outputRef("model"), "--name", "a b"),
        Estimator.withInput("mnist", Data.fromLocal("data/mnist")),
        Estimator.withInput("labels", Data.fromLocal("data/labels.csv", { type: "uri_file" })),
        Estimator.withOutput("model", Data.output()),
        Estimator.withEnv({ OMP_NUM_THREADS: "4" }),
        Estimator.withSecretEnv({ TOKEN: Secret.fromEnv("TOKEN") }),
        Estimator.withTags({ team: "vision" }),
        Estimator.withExperimentName("mnist")
      )
      const result = yield* plan(spec)
      expect(result.containers[0]?.name).toBe(`estimator-${RUN_ID}`)
      const create = createOf(result)
      expect({ ...create, Env: [...create.Env].sort() }).toEqual({
        Image: result.image.tag,
        Cmd: [
          "mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2", "--map-by", "ppr:2:node", "--bind-to", "none",
          "-x", "OMP_NUM_THREADS", "-x", "TOKEN", "-x", "ESTIMATOR_RUN_ID", "-x", "ESTIMATOR_OUTPUT_DIR",
          "-x", "ESTIMATOR_OUTPUT_MODEL", "-x", "ESTIMATOR_INPUT_MNIST", "-x", "ESTIMATOR_INPUT_LABELS",
          "python3", "train.py", "--data", "/estimator/inputs/mnist", "--labels", "/estimator/inputs/labels/labels.csv",
          "--out", "/estimator/outputs/model", "--name", "a b"
        ],
        Env: [
          "ESTIMATOR_INPUT_LABELS=/estimator/inputs/labels/labels.csv",
          "ESTIMATOR_INPUT_MNIST=/estimator/inputs/mnist",
          "ESTIMATOR_OUTPUT_DIR=/estimator/outputs",
          "ESTIMATOR_OUTPUT_MODEL=/estimator/outputs/model",
          `ESTIMATOR_RUN_ID=${RUN_ID}`,
          "OMP_NUM_THREADS=4",
          "TOKEN=<redacted>"
        ],
        WorkingDir: "/estimator/workspace",
        Labels: {
          "estimator.run-id": RUN_ID,
          "estimator.spec-hash": result.run.specHash,
          "estimator.experiment-name": "mnist",
          "estimator.tag.team": "vision"
        },
        HostConfig: {
          ShmSize: 8 * 1024 ** 3,
          Binds: [
            `${RUN_DIRECTORY}/snapshot:/estimator/workspace`,
            `${RUN_DIRECTORY}/outputs:/estimator/outputs`,
            "/project/data/mnist:/estimator/inputs/mnist:ro",
            "/project/data/labels.csv:/estimator/inputs/labels/labels.csv:ro"
          ],
          Init: true,
          DeviceRequests: [GPUS]
        }
      })
      expect(result.run.secrets).toEqual({ TOKEN: Secret.fromEnv("TOKEN") })
    }))

  it.effect("a single CPU process: python3 <script>, 2g of shared memory, no DeviceRequests", () =>
    Effect.gen(function*() {
      const create = createOf(yield* plan(Estimator.withArgs(base(), "--x", "$(id); rm -rf /")))
      expect(create.Cmd).toEqual(["python3", "train.py", "--x", "$(id); rm -rf /"])
      expect(create.HostConfig).toEqual({
        ShmSize: 2147483648,
        Binds: [`${RUN_DIRECTORY}/snapshot:/estimator/workspace`, `${RUN_DIRECTORY}/outputs:/estimator/outputs`],
        Init: true
      })
    }))

  it.effect("PyTorch: torchrun inside the container, NODE_RANK set", () =>
    Effect.gen(function*() {
      const create = createOf(yield* plan(Estimator.withPyTorchDistribution(base(), { nodeCount: 1, processCountPerNode: 2 })))
      expect(create.Cmd).toEqual([
        "python3", "-m", "torch.distributed.run", "--nnodes", "1", "--nproc_per_node", "2", "--node_rank", "0",
        "--master_addr", "localhost", "--master_port", "29500", "train.py"
      ])
      expect(create.Env).toContain("NODE_RANK=0")
    }))

  it.effect("TensorFlow with a single task: its TF_CONFIG", () =>
    Effect.gen(function*() {
      const create = createOf(yield* plan(Estimator.withTensorFlow(base(), 1, 0)))
      expect(create.Cmd).toEqual(["python3", "train.py"])
      const tfConfig = create.Env.find((e) => e.startsWith("TF_CONFIG="))
      expect(JSON.parse(tfConfig?.slice("TF_CONFIG=".length) ?? "null")).toEqual({ cluster: { worker: ["localhost:2222"] }, task: { type: "worker", index: 0 } })
    }))

  it.effect("a command: /bin/sh -c with container paths", () =>
    Effect.gen(function*() {
      const spec = pipe(
        Estimator.make({ command: "python train.py --data ${{inputs.data}}", sourceDirectory: "src" }),
        Estimator.withInput("data", Data.fromLocal("data/mnist"))
      )
      expect(createOf(yield* plan(spec)).Cmd).toEqual(["/bin/sh", "-c", "python train.py --data /estimator/inputs/data"])
    }))

  it("shared memory sizes are 1024-based, as Docker reads them", () => {
    expect(parseSize("2g")).toBe(2147483648)
    expect(parseSize("512m")).toBe(536870912)
    expect(parseSize("64k")).toBe(65536)
    expect(parseSize("100b")).toBe(100)
    expect(parseSize("3G")).toBe(3 * 1024 ** 3)
    expect(parseSize("2gb")).toBeUndefined()
    expect(parseSize("g")).toBeUndefined()
  })
})

describe("Docker.plan: the image", () => {
  it.effect("the rendered Dockerfile starts from the environment's base image; the tag is the content hash", () =>
    Effect.gen(function*() {
      const result = yield* plan(Estimator.withPip(base(), ["numpy"]))
      expect(result.image.tag).toMatch(/^estimator\/env:[0-9a-f]{16}$/)
      expect(result.image.dockerfile).toContain(`FROM ${BaseImages.DEFAULT_CPU_IMAGE}\n`)
      expect(result.imageBuild._tag).toBe("Rendered")
      const files = result.imageBuild._tag === "Rendered" ? result.imageBuild.files : {}
      expect(files["conda.yml"]).toContain("numpy")
      expect(files["conda.yml"]).not.toContain("azureml-defaults")
      expect(createOf(result).Image).toBe(result.image.tag)
    }))

  it.effect("equal environments share a tag; packages change it, variables and arguments do not", () =>
    Effect.gen(function*() {
      const spec = Estimator.withPip(base(), ["numpy"])
      const first = yield* plan(spec)
      const same = yield* plan(pipe(spec, Estimator.withArgs("--x"), Estimator.withEnv({ A: "1" })))
      const other = yield* plan(Estimator.withPip(spec, ["pandas"]))
      const gpu = yield* plan(Estimator.withGpu(spec))
      expect(same.image.tag).toBe(first.image.tag)
      expect(other.image.tag).not.toBe(first.image.tag)
      expect(gpu.image.tag).not.toBe(first.image.tag)
    }))

  it.effect("build is false when the engine has the tag, true when it has not, true with a warning when it cannot be asked", () =>
    Effect.gen(function*() {
      const present = yield* plan(base(), { imageExists: () => Effect.succeed(true) })
      expect(present.image.build).toBe(false)
      const absent = yield* plan(base(), { imageExists: () => Effect.succeed(false) })
      expect(absent.image.build).toBe(true)
      expect(absent.warnings).toEqual([])
      const down = yield* plan(base(), { imageExists: () => Effect.fail(new Backend.EngineUnavailable({ reason: "connect ENOENT /var/run/docker.sock" })) })
      expect(down.image.build).toBe(true)
      expect(down.warnings).toEqual([expect.objectContaining({ code: "image-check-failed", severity: "warning", message: expect.stringContaining("connect ENOENT") })])
    }))

  it.effect("the plan context's image check wins over the backend option's", () =>
    Effect.gen(function*() {
      const result = yield* plan(base(), { imageExists: () => Effect.succeed(true) }, { imageExists: () => Effect.succeed(false) })
      expect(result.image.build).toBe(false)
    }))

  it.effect("baseImageOverride builds from a local stand-in", () =>
    Effect.gen(function*() {
      const result = yield* plan(Estimator.withPip(base(), ["numpy"]), {}, { baseImageOverride: "estimator-test/python-mpi:bookworm" })
      expect(result.image.dockerfile).toContain("FROM estimator-test/python-mpi:bookworm\n")
    }))

  it.effect("a build context: its own Dockerfile, a tag that follows every file of the context", () =>
    Effect.gen(function*() {
      const spec = Estimator.withBuildContext(base(), "docker")
      const result = yield* plan(spec)
      expect(result.image.dockerfile).toBe(DOCKERFILE)
      expect(result.imageBuild).toEqual({ _tag: "Context", context: "/project/src/docker", dockerfile: "Dockerfile" })
      const edited = yield* plan(spec, {}, {}, { "/project/src/docker/requirements.txt": "torch==2.1\n" })
      expect(edited.image.tag).not.toBe(result.image.tag)
      const again = yield* plan(spec)
      expect(again.image.tag).toBe(result.image.tag)
    }))

  it.effect("a build context without its Dockerfile is an error", () =>
    Effect.gen(function*() {
      const error = yield* planError(Estimator.withBuildContext(base(), "docker", "Dockerfile.missing"))
      expect(error._tag).toBe("InvalidSpec")
      expect(error.issues).toEqual([expect.objectContaining({ path: "environment.build", code: "dockerfile-missing" })])
    }))

  it.effect("a private registry: the credentials stay a secret reference for execute", () =>
    Effect.gen(function*() {
      const registry = { address: "myacr.azurecr.io", username: "me", password: Secret.fromEnv("ACR_PASSWORD") }
      const result = yield* plan(pipe(base(), Estimator.withImage("team/train:1", registry), Estimator.withUserManagedPython))
      expect(result.registry).toEqual(registry)
      expect(result.image.dockerfile).toContain("FROM myacr.azurecr.io/team/train:1\n")
    }))
})

describe("Docker.plan: what it cannot honour", () => {
  it.effect("errors name the field and the backends that can honour it", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [Estimator.Estimator, string, ReadonlyArray<string>]> = [
        [pipe(base(), Estimator.withCompute(Estimator.cluster("c")), Estimator.withMpi(2, 1)), "nodeCount", ["azureml"]],
        [Estimator.withoutDocker(base()), "environment.docker", ["local"]],
        [Estimator.withEnvironmentRef(base(), { name: "env", label: "latest" }), "environment.registered", ["azureml"]],
        [Estimator.withTensorFlow(base(), 1, 1), "distribution", ["local", "azureml"]],
        [Estimator.withInput(base(), "d", Data.fromDatastore("ds", "p")), "inputs.d", ["azureml"]],
        [{ ...base(), dockerArgs: "--ipc=host" }, "dockerArgs", ["azureml"]]
      ]
      for (const [spec, field, backends] of cases) {
        const error = yield* planError(spec)
        expect(error._tag, field).toBe("Unsupported")
        expect(error.issues.find((i) => i.path === field), field).toMatchObject({ code: "unsupported-by-backend", severity: "error", backends })
      }
    }))

  it.effect("a host path with ':' cannot be bound", () =>
    Effect.gen(function*() {
      const error = yield* planError(Estimator.withInput(base(), "d", Data.fromLocal("data/a:b")), { "/project/data/a:b/x.csv": "1" })
      expect(error._tag).toBe("Unsupported")
      expect(error.issues).toEqual([expect.objectContaining({ path: "inputs.d.source.path", code: "path-not-bindable", backends: ["local", "azureml"] })])
    }))
})

describe("Docker.plan: properties", () => {
  it.effect.prop(
    "Cmd ends with the script and every argument exactly as rendered (container paths)",
    [Testing.arbitraries.supportedBy("docker").filter((spec) => spec.entryScript !== undefined)],
    ([spec]) =>
      Effect.gen(function*() {
        const result = yield* Effect.either(Docker.plan(spec, context()))
        // Valid, supported specs fail only on environments an image cannot be rendered for.
        if (result._tag === "Left") {
          for (const issue of result.left.issues) expect(issue.path).toMatch(/^environment/)
          return
        }
        const inputs = Estimator.effectiveInputs(spec)
        const expected = Estimator.effectiveArguments(spec).map((argument) =>
          Estimator.renderArgument(argument, (reference) => {
            if (reference._tag === "OutputRef") return `/estimator/outputs/${reference.name}`
            const input = inputs[reference.name]
            if (input?._tag === "Literal") return Estimator.renderArgument(input.value, () => "")
            if (input?._tag === "Data" && input.source._tag === "LocalPath") {
              const file = path.extname(input.source.path) !== ""
              return file ? `/estimator/inputs/${reference.name}/${path.basename(input.source.path)}` : `/estimator/inputs/${reference.name}`
            }
            return "?"
          })
        )
        const create = createOf(result.right)
        expect(create.Cmd.slice(-(expected.length + 1))).toEqual([spec.entryScript, ...expected])
        if (spec.distribution._tag !== "PyTorch") expect(create.Cmd.at(-(expected.length + 2))).toBe("python3")
        expect(create.HostConfig.ShmSize).toBe(parseSize(Estimator.effectiveShmSize(spec)))
        expect(create.HostConfig.DeviceRequests).toEqual(spec.gpu ? [GPUS] : undefined)
        for (const name of Object.keys(spec.secretEnvironmentVariables)) expect(create.Env).toContain(`${name}=<redacted>`)
      }).pipe(Effect.provide(project({ assumeExists: true }))),
    { fastCheck: { numRuns: 120 } }
  )
})

// -------------------------------------------------------------------------------------
// the engine check, against a fake engine on a unix socket
// -------------------------------------------------------------------------------------

const fakeEngine = (answer: (url: string) => number) =>
  Effect.acquireRelease(
    Effect.async<{ readonly socket: string; readonly urls: Array<string>; readonly server: http.Server }>((resume) => {
      const directory = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-engine-"))
      const socket = path.join(directory, "docker.sock")
      const urls: Array<string> = []
      const server = http.createServer((request, response) => {
        urls.push(request.url ?? "")
        const status = answer(request.url ?? "")
        response.writeHead(status, { "content-type": "application/json" })
        response.end(status === 200 ? JSON.stringify({ Id: "sha256:abc" }) : JSON.stringify({ message: "No such image" }))
      })
      server.listen(socket, () => resume(Effect.succeed({ socket, urls, server })))
    }),
    ({ server, socket }) =>
      Effect.async<void>((resume) => {
        server.close(() => {
          fs.rmSync(path.dirname(socket), { recursive: true, force: true })
          resume(Effect.void)
        })
      })
  )

describe("Docker.engineImageCheck", () => {
  it.scoped("asks GET /images/<tag>/json: 200 is present, 404 absent, anything else unavailable", () =>
    Effect.gen(function*() {
      const engine = yield* fakeEngine((url) => (url.includes("present") ? 200 : url.includes("broken") ? 500 : 404))
      const check = Docker.engineImageCheck(`unix://${engine.socket}`)
      expect(yield* check("estimator/env:present")).toBe(true)
      expect(yield* check("estimator/env:absent")).toBe(false)
      const broken = yield* Effect.flip(check("estimator/env:broken"))
      expect(broken._tag).toBe("EngineUnavailable")
      expect(broken.message).toContain("HTTP 500")
      expect(engine.urls).toEqual(["/images/estimator/env:present/json", "/images/estimator/env:absent/json", "/images/estimator/env:broken/json"])
    }))

  it.effect("a missing socket or an unusable DOCKER_HOST is EngineUnavailable with the reason", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.flip(Docker.engineImageCheck("unix:///nonexistent/docker.sock")("x:1"))
      expect(missing.message).toContain("/nonexistent/docker.sock")
      expect(missing.message).toContain("Start Docker")
      const ssh = yield* Effect.flip(Docker.engineImageCheck("ssh://me@host")("x:1"))
      expect(ssh.reason).toContain("ssh://me@host")
    }))

  it.scoped("Docker.layer reads DOCKER_HOST and asks that engine for the plan's image", () =>
    Effect.gen(function*() {
      const engine = yield* fakeEngine(() => 200)
      const layer = Docker.layer.pipe(
        Layer.provide(project()),
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["DOCKER_HOST", `unix://${engine.socket}`]]))))
      )
      const planned = yield* Backend.plan(base(), { baseDirectory: "/project", runId: Effect.succeed(RUN_ID) }).pipe(Effect.provide(layer))
      expect(planned.backend).toBe("docker")
      const docker = planned as Plan.DockerPlan
      expect(docker.image.build).toBe(false)
      expect(engine.urls).toEqual([`/images/${docker.image.tag}/json`])
    }))
})
