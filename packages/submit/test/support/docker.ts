/**
 * Test support for tests that need a real Docker engine and the locally built base image.
 * `requireDocker()` checks both over the engine's Unix socket and throws, with the command that
 * provisions the machine, when either is missing: Docker tests fail in CI, they never skip.
 *
 * The engine and the image come from `.ci/provision.sh` (see docs/machine.md).
 */
import * as http from "node:http"

/** The base image that `.ci/provision.sh` builds; both read `ESTIMATOR_BASE_IMAGE` to rename it. */
export const baseImage: string = process.env["ESTIMATOR_BASE_IMAGE"] ?? "estimator/python-mpi:bookworm"

/** The engine's socket: `DOCKER_HOST` when it names a Unix socket, else Docker's default path. */
export const defaultSocketPath: string = (() => {
  const host = process.env["DOCKER_HOST"]
  return host !== undefined && host.startsWith("unix://") ? host.slice("unix://".length) : "/var/run/docker.sock"
})()

const provisionHint =
  "Provision this machine as root, from the repository root: `bash .ci/provision.sh` " +
  `(installs Debian's docker.io, starts dockerd and builds ${baseImage}; see docs/machine.md).`

/** What a reachable engine reported. */
export interface DockerEngine {
  readonly socketPath: string
  /** The engine's API version, from the `Api-Version` header of `/_ping` (e.g. "1.41"). */
  readonly apiVersion: string
  readonly image: string
  /** The image's id, `sha256:...`. */
  readonly imageId: string
}

export interface RequireDockerOptions {
  readonly socketPath?: string
  readonly image?: string
  /** Milliseconds to wait for each answer of the engine (default 5000). */
  readonly timeoutMs?: number
}

interface EngineResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

/** One GET to the Engine API over its Unix socket. */
export const engineGet = (socketPath: string, path: string, timeoutMs = 5000): Promise<EngineResponse> =>
  new Promise((resolve, reject) => {
    const request = http.get({ socketPath, path, timeout: timeoutMs }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("error", reject)
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString("utf8")
        })
      )
    })
    request.on("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    request.on("error", reject)
  })

function fail(what: string): never {
  throw new Error(`Docker is required by this test, but ${what}.\n${provisionHint}`)
}

const describeError = (error: unknown): string => {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code
    const hint =
      code === "ENOENT"
        ? " (no socket: dockerd is not running)"
        : code === "ECONNREFUSED"
          ? " (a stale socket: dockerd is not running)"
          : code === "EACCES"
            ? " (permission denied: run the tests as root)"
            : ""
    return `${error.message}${hint}`
  }
  return String(error)
}

// "172.17.0.0/16" -> "172.17.0.1": the first host address, which is the bridge's own address
// unless the engine was configured otherwise (it then reports a Gateway).
const firstHost = (subnet: string): string | undefined => {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(subnet)
  if (match === null) return undefined
  const [a, b, c, d, bits] = match.slice(1).map(Number) as [number, number, number, number, number]
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
  const host = ((((a << 24) | (b << 16) | (c << 8) | d) & mask) >>> 0) + 1
  return [host >>> 24, (host >>> 16) & 255, (host >>> 8) & 255, host & 255].join(".")
}

/**
 * The address of Docker's default bridge (docker0, usually 172.17.0.1): the host as seen from a
 * container on that network. Asked of the engine, because Node's `os.networkInterfaces()` omits
 * docker0 while no container is attached to it (the link is down). The engine reports a
 * `Gateway` only when one was configured; otherwise it is the subnet's first host.
 */
export const bridgeGateway = async (socketPath: string = defaultSocketPath, timeoutMs = 5000): Promise<string> => {
  const response = await engineGet(socketPath, "/networks/bridge", timeoutMs).catch((error: unknown) =>
    fail(`the engine at ${socketPath} is not reachable: ${describeError(error)}`)
  )
  if (response.status !== 200) fail(`GET /networks/bridge answered HTTP ${response.status}: ${response.body.trim()}`)
  const network = JSON.parse(response.body) as {
    readonly IPAM?: {
      readonly Config?: ReadonlyArray<{ readonly Gateway?: unknown; readonly Subnet?: unknown }> | null
    }
  }
  const ipv4 = (network.IPAM?.Config ?? []).filter(
    (config) => typeof config.Subnet === "string" && config.Subnet.includes(".")
  )
  const gateway = ipv4
    .map((config) => (typeof config.Gateway === "string" ? config.Gateway : firstHost(String(config.Subnet))))
    .find((address) => address !== undefined)
  if (gateway === undefined) fail(`the default bridge network has no IPv4 subnet (IPAM: ${JSON.stringify(network.IPAM)})`)
  return gateway
}

/**
 * Resolves when the engine answers `GET /_ping` and the base image exists; otherwise rejects with
 * an error that says what is missing and how to provision it. Call it in `beforeAll`.
 */
export const requireDocker = async (options: RequireDockerOptions = {}): Promise<DockerEngine> => {
  const socketPath = options.socketPath ?? defaultSocketPath
  const image = options.image ?? baseImage
  const timeoutMs = options.timeoutMs ?? 5000

  const ping = await engineGet(socketPath, "/_ping", timeoutMs).catch((error: unknown) =>
    fail(`the engine at ${socketPath} is not reachable: ${describeError(error)}`)
  )
  const apiVersion = ping.headers["api-version"]
  if (ping.status !== 200 || ping.body !== "OK" || typeof apiVersion !== "string") {
    fail(
      `${socketPath} did not answer GET /_ping like a Docker engine ` +
        `(HTTP ${ping.status}, body ${JSON.stringify(ping.body.slice(0, 80))})`
    )
  }

  const inspect = await engineGet(socketPath, `/images/${image}/json`, timeoutMs).catch((error: unknown) =>
    fail(`inspecting ${image} failed: ${describeError(error)}`)
  )
  if (inspect.status === 404) fail(`the base image ${image} is absent from the engine at ${socketPath}`)
  if (inspect.status !== 200) fail(`inspecting ${image} answered HTTP ${inspect.status}: ${inspect.body.trim()}`)
  const imageId = (JSON.parse(inspect.body) as { readonly Id?: unknown }).Id
  if (typeof imageId !== "string") fail(`inspecting ${image} returned no image id`)

  return { socketPath, apiVersion, image, imageId }
}
