/**
 * The connection to the Docker engine for running plans: a `dockerode` client (loaded on first
 * use, so planning never loads it) for the address in `DOCKER_HOST` form, a ping that turns
 * "nothing listens there" into one clear `EngineUnavailable`, and `call`, which maps every
 * failure of a request to `EngineUnavailable` (the connection failed) or `EngineError` (the
 * engine answered with an error).
 *
 * @internal
 */
import type Dockerode from "dockerode"
import { Effect } from "effect"
import { EngineUnavailable } from "../Backend.js"
import { endpoint } from "./dockerEngine.js"
import { EngineError } from "./dockerErrors.js"

/** @internal */
export interface Engine {
  readonly docker: Dockerode
  readonly dockerHost: string
}

/** Where the engine is, as people write it: the socket path, or the tcp address. @internal */
export const where = (dockerHost: string): string => {
  const target = endpoint(dockerHost)
  return target?._tag === "Socket" ? target.socketPath : dockerHost
}

/** @internal */
export const unavailable = (dockerHost: string, cause: string): EngineUnavailable =>
  new EngineUnavailable({
    reason: `Docker daemon not reachable at ${where(dockerHost)}: start it (dockerd) or run bash .ci/provision.sh (${cause})`
  })

const CONNECTION_CODES = new Set(["ENOENT", "ECONNREFUSED", "ECONNRESET", "EPIPE", "EACCES", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "ENOTSOCK", "ESOCKETTIMEDOUT"])

interface ModemError {
  readonly statusCode?: number
  readonly code?: string
  readonly json?: { readonly message?: unknown } | null
  readonly message?: string
}

const describe = (cause: unknown): string => {
  const error = cause as ModemError
  const json = error?.json?.message
  if (typeof json === "string") return json.trim()
  return String(error?.message ?? cause).replace(/^\(HTTP code \d+\) [^-]*- /, "").trim()
}

/**
 * One request to the engine, with its failures typed; interrupting the effect aborts `signal`.
 *
 * @internal
 */
export const call = <A>(engine: Engine, operation: string, request: (signal: AbortSignal) => Promise<A>): Effect.Effect<A, EngineUnavailable | EngineError> =>
  Effect.tryPromise({
    try: request,
    catch: (cause) => {
      const error = cause as ModemError
      if (typeof error?.statusCode === "number") {
        return new EngineError({ operation, statusCode: error.statusCode, reason: describe(cause) })
      }
      if (error?.code !== undefined && CONNECTION_CODES.has(error.code)) return unavailable(engine.dockerHost, describe(cause))
      return new EngineError({ operation, reason: describe(cause) })
    }
  })

/** Whether an engine error is "no such object" (HTTP 404). @internal */
export const isNotFound = (error: unknown): boolean =>
  typeof error === "object" && error !== null && (error as { _tag?: unknown })._tag === "EngineError" && (error as EngineError).statusCode === 404

let dockerode: Promise<typeof Dockerode> | undefined

const load = (): Promise<typeof Dockerode> => {
  dockerode ??= import("dockerode").then((module) => (module as unknown as { default: typeof Dockerode }).default ?? module)
  return dockerode
}

const TIMEOUT_MS = 5_000

/**
 * A client for the engine at `dockerHost` (`unix:///path` or `tcp://host:port`), after a ping:
 * fails with `EngineUnavailable` when nothing answers there.
 *
 * @internal
 */
export const connect = (dockerHost: string): Effect.Effect<Engine, EngineUnavailable> =>
  Effect.gen(function*() {
    const target = endpoint(dockerHost)
    if (target === undefined) {
      return yield* Effect.fail(new EngineUnavailable({ reason: `DOCKER_HOST=${dockerHost} is not a unix:// or tcp:// address; the docker backend speaks to a Unix socket or plain TCP` }))
    }
    const Docker = yield* Effect.promise(load)
    const docker = target._tag === "Socket"
      ? new Docker({ socketPath: target.socketPath })
      : new Docker({ host: target.host, port: target.port, protocol: "http" })
    const engine: Engine = { docker, dockerHost }
    yield* call(engine, "answer a ping", () => (docker.ping as unknown as (options: { readonly abortSignal: AbortSignal }) => Promise<unknown>).call(docker, { abortSignal: AbortSignal.timeout(TIMEOUT_MS) })).pipe(
      Effect.mapError((error) => error._tag === "EngineUnavailable" ? error : unavailable(dockerHost, error.reason))
    )
    return engine
  })
