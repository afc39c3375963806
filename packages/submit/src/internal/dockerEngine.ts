/**
 * The one read the docker plan makes of the engine: `GET /images/<tag>/json` (200: the image
 * exists, 404: it does not), over the unix socket or plain TCP named by `DOCKER_HOST`.
 *
 * @internal
 */
import { Effect } from "effect"
import * as http from "node:http"
import { EngineUnavailable } from "../Backend.js"

/** @internal */
export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"

/** @internal */
export type Endpoint =
  | { readonly _tag: "Socket"; readonly socketPath: string }
  | { readonly _tag: "Tcp"; readonly host: string; readonly port: number }

/**
 * Where the engine listens, from a `DOCKER_HOST` value (`unix:///path`, `tcp://host:port`);
 * `undefined` for what this check cannot speak (TLS, ssh, npipe).
 *
 * @internal
 */
export const endpoint = (dockerHost: string): Endpoint | undefined => {
  if (dockerHost.startsWith("unix://")) return { _tag: "Socket", socketPath: dockerHost.slice("unix://".length) }
  const tcp = /^(?:tcp|http):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(dockerHost)
  if (tcp !== null) return { _tag: "Tcp", host: tcp[1] ?? "localhost", port: Number(tcp[2] ?? "2375") }
  return undefined
}

const TIMEOUT_MS = 3_000

/**
 * Whether the engine at `dockerHost` has the image `tag`.
 *
 * @internal
 */
export const imageExists = (dockerHost: string) => (tag: string): Effect.Effect<boolean, EngineUnavailable> => {
  const target = endpoint(dockerHost)
  if (target === undefined) {
    return Effect.fail(new EngineUnavailable({ reason: `DOCKER_HOST=${dockerHost} is not a unix:// or tcp:// address this check can use` }))
  }
  return Effect.async<boolean, EngineUnavailable>((resumeOnce) => {
    let done = false
    const resume = (effect: Effect.Effect<boolean, EngineUnavailable>) => {
      if (!done) {
        done = true
        resumeOnce(effect)
      }
    }
    const request = http.request(
      {
        ...(target._tag === "Socket" ? { socketPath: target.socketPath } : { host: target.host, port: target.port }),
        method: "GET",
        path: `/images/${encodeURI(tag)}/json`,
        timeout: TIMEOUT_MS
      },
      (response) => {
        response.resume()
        const status = response.statusCode ?? 0
        if (status === 200) resume(Effect.succeed(true))
        else if (status === 404) resume(Effect.succeed(false))
        else resume(Effect.fail(new EngineUnavailable({ reason: `GET /images/${tag}/json answered HTTP ${status}` })))
      }
    )
    request.on("timeout", () => request.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)))
    request.on("error", (cause) => {
      resume(Effect.fail(new EngineUnavailable({ reason: `${dockerHost}: ${cause.message}` })))
    })
    request.end()
    return Effect.sync(() => request.destroy())
  })
}
