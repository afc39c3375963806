/**
 * Images for docker runs: whether a tag is present, pulling a missing base image (there may be no
 * registry: then one clear `ImageUnavailable`), and building through the Engine API (`POST
 * /build`, the legacy builder, which engine 20.10 has without buildx) from a tar of the rendered
 * Dockerfile and its files, or of the spec's build context. Each line of build output goes to
 * `onLine` as it arrives; the caller keeps the log.
 *
 * @internal
 */
import { Effect } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import type { Readable } from "node:stream"
import type { EngineUnavailable } from "../Backend.js"
import type * as Plan from "../Plan.js"
import * as client from "./dockerClient.js"
import { EngineError, ImageUnavailable } from "./dockerErrors.js"
import * as tar from "./dockerTar.js"

/**
 * Whether the engine has `image`.
 *
 * @internal
 */
export const exists = (engine: client.Engine, image: string): Effect.Effect<boolean, EngineUnavailable | EngineError> =>
  client.call(engine, `inspect the image ${image}`, () => engine.docker.getImage(image).inspect()).pipe(
    Effect.as(true),
    Effect.catchIf(client.isNotFound, () => Effect.succeed(false))
  )

/**
 * The image of each `FROM` of a Dockerfile (stage names and `scratch` left out).
 *
 * @internal
 */
export const fromImages = (dockerfile: string): ReadonlyArray<string> => {
  const stages = new Set<string>()
  const images: Array<string> = []
  for (const line of dockerfile.split("\n")) {
    const match = /^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(line)
    if (match === null) continue
    const image = match[1] ?? ""
    if (image !== "scratch" && !stages.has(image.toLowerCase()) && !images.includes(image)) images.push(image)
    if (match[2] !== undefined) stages.add(match[2].toLowerCase())
  }
  return images
}

/** @internal */
export interface Credentials {
  readonly username: string
  readonly password: string
  readonly serveraddress: string
}

const readJsonLines = (
  stream: Readable,
  onEvent: (event: { readonly [key: string]: unknown }) => void
): Promise<void> =>
  new Promise((resolve, reject) => {
    let buffer = ""
    const flush = (final: boolean) => {
      const parts = buffer.split("\n")
      buffer = final ? "" : parts.pop() ?? ""
      for (const part of parts) {
        const line = part.trim()
        if (line === "") continue
        try {
          onEvent(JSON.parse(line) as { readonly [key: string]: unknown })
        } catch {
          onEvent({ stream: `${line}\n` })
        }
      }
    }
    stream.setEncoding("utf8")
    stream.on("data", (chunk: string) => {
      buffer += chunk
      flush(false)
    })
    stream.on("error", reject)
    stream.on("end", () => {
      flush(true)
      resolve()
    })
  })

/**
 * Make sure `image` is present: pull it when it is not (with `credentials` for a private
 * registry). Fails with `ImageUnavailable` when it is absent and cannot be pulled.
 *
 * @internal
 */
export const ensure = (
  engine: client.Engine,
  image: string,
  hint: string,
  onLine: (line: string) => void,
  credentials?: Credentials
): Effect.Effect<void, EngineUnavailable | EngineError | ImageUnavailable> =>
  Effect.gen(function*() {
    if (yield* exists(engine, image)) return
    onLine(`Pulling ${image} (it is not in the engine)`)
    const pulled = yield* client.call(engine, `pull ${image}`, async () => {
      const stream = (await engine.docker.pull(image, credentials === undefined ? {} : { authconfig: credentials })) as Readable
      let error: string | undefined
      await readJsonLines(stream, (event) => {
        if (typeof event["error"] === "string") error = event["error"]
      })
      return error
    }).pipe(
      Effect.catchTag("EngineError", (cause) => Effect.succeed(cause.reason))
    )
    if (pulled !== undefined) {
      return yield* Effect.fail(new ImageUnavailable({ image, reason: `pulling it failed: ${pulled}`, hint }))
    }
  })

const readContext = async (directory: string): Promise<ReadonlyArray<tar.Entry>> => {
  const entries: Array<tar.Entry> = []
  const walk = async (relative: string): Promise<void> => {
    const absolute = path.join(directory, relative)
    for (const entry of (await fs.readdir(absolute, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`
      if (entry.isDirectory()) await walk(child)
      else if (entry.isFile()) {
        const file = path.join(directory, child)
        const [data, info] = await Promise.all([fs.readFile(file), fs.stat(file)])
        entries.push({ path: child, data, executable: (info.mode & 0o111) !== 0 })
      }
    }
  }
  await walk("")
  return entries
}

/**
 * The build context of an image, as a tar archive, and the Dockerfile's path inside it.
 *
 * @internal
 */
export const context = (
  image: Plan.DockerImage,
  build: Plan.DockerBuild
): Effect.Effect<{ readonly archive: Uint8Array; readonly dockerfile: string }, EngineError> => {
  if (build._tag === "Rendered") {
    const encoder = new TextEncoder()
    const entries: Array<tar.Entry> = [
      { path: "Dockerfile", data: encoder.encode(image.dockerfile) },
      ...Object.keys(build.files).sort().map((name) => ({ path: name, data: encoder.encode(build.files[name] ?? "") }))
    ]
    return Effect.succeed({ archive: tar.pack(entries), dockerfile: "Dockerfile" })
  }
  return Effect.tryPromise({
    try: async () => ({ archive: tar.pack(await readContext(build.context)), dockerfile: build.dockerfile }),
    catch: (cause) => new EngineError({ operation: `read the build context ${build.context}`, reason: String((cause as Error)?.message ?? cause) })
  })
}

/** How a build ended. @internal */
export type Outcome =
  | { readonly _tag: "Built" }
  | { readonly _tag: "Failed"; readonly reason: string; readonly layers: ReadonlyArray<string> }

/**
 * Build `tag` from a context archive, sending each output line to `onLine`. A failing Dockerfile
 * step is a `Failed` outcome (not an error): the caller records it. Interrupting the effect
 * aborts the request, which stops the build.
 *
 * @internal
 */
export const build = (
  engine: client.Engine,
  request: {
    readonly tag: string
    readonly archive: Uint8Array
    readonly dockerfile: string
    readonly network: string
    readonly labels: { readonly [label: string]: string }
    readonly onLine: (line: string) => void
  }
): Effect.Effect<Outcome, EngineUnavailable | EngineError> =>
  client.call(engine, `build the image ${request.tag}`, async (signal): Promise<Outcome> => {
    const stream = (await engine.docker.buildImage(Buffer.from(request.archive) as never, {
      t: request.tag,
      dockerfile: request.dockerfile,
      networkmode: request.network,
      labels: { ...request.labels },
      rm: true,
      forcerm: true,
      abortSignal: signal
    } as never)) as unknown as Readable
    let failure: string | undefined
    let partial = ""
    const layers: Array<string> = []
    await readJsonLines(stream, (event) => {
      const text = typeof event["stream"] === "string" ? event["stream"] : typeof event["status"] === "string" ? `${event["status"]}\n` : undefined
      if (text !== undefined) {
        const lines = (partial + text).split("\n")
        partial = lines.pop() ?? ""
        for (const line of lines) {
          const layer = /^ ---> ([0-9a-f]{12,64})\r?$/.exec(line)
          if (layer?.[1] !== undefined) layers.push(layer[1])
          request.onLine(line.replace(/\r$/, ""))
        }
      }
      if (typeof event["error"] === "string") {
        failure = event["error"].trim()
        request.onLine(failure)
      }
    })
    if (partial !== "") request.onLine(partial)
    return failure === undefined ? { _tag: "Built" } : { _tag: "Failed", reason: failure, layers }
  }).pipe(Effect.tap((outcome) => (outcome._tag === "Failed" ? removeDangling(engine, outcome.layers) : Effect.void)))

// The layers a failed build committed before the failing step are left untagged: remove them,
// newest first. Only untagged images are touched (never a base image), and the engine refuses to
// remove one that other images are built on.
const removeDangling = (engine: client.Engine, layers: ReadonlyArray<string>): Effect.Effect<void> =>
  Effect.forEach([...layers].reverse(), (id) =>
    Effect.ignore(Effect.gen(function*() {
      const info = yield* client.call(engine, `inspect the image ${id}`, () => engine.docker.getImage(id).inspect())
      if ((info.RepoTags ?? []).some((tag) => tag !== "<none>:<none>")) return
      yield* client.call(engine, `remove the image ${id}`, () => engine.docker.getImage(id).remove())
    })), { discard: true })
