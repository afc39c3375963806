/**
 * Test support for tests that install Python packages without PyPI: `writeWheel` writes a tiny
 * pure-Python wheel (a zip with the module files and `*.dist-info/{METADATA,WHEEL,RECORD}`),
 * and `startPipIndex` serves a folder of wheels as a PEP 503 "simple" index over HTTP.
 *
 * The index listens on 127.0.0.1 (for the host, and for containers and builds with host
 * networking) and, unless told not to, on the default bridge's gateway address, usually
 * 172.17.0.1 (for containers on the default bridge network, where pip also needs
 * `--trusted-host`: it trusts plain http only for loopback). Both on random ports.
 */
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { bridgeGateway } from "./docker.js"

/** A project name as PEP 503 compares them: runs of `-`, `_`, `.` become one `-`, lowercased. */
export const normalizeProjectName = (name: string): string => name.replace(/[-_.]+/g, "-").toLowerCase()

export interface WheelOptions {
  /** Folder the wheel is written to (created if absent). */
  readonly directory: string
  /** Project name, e.g. "example-hello". */
  readonly name: string
  readonly version: string
  /** Files of the wheel by their path inside it, e.g. `{ "example_hello/__init__.py": "..." }`. */
  readonly files: Readonly<Record<string, string>>
}

const sha256 = (data: Buffer, encoding: "hex" | "base64url"): string =>
  crypto.createHash("sha256").update(data).digest(encoding)

// Entries are deflated and dated 1980-01-01 00:00, so the same input gives the same bytes.
const zip = (entries: ReadonlyArray<readonly [string, Buffer]>): Buffer => {
  const local: Array<Buffer> = []
  const central: Array<Buffer> = []
  let offset = 0
  for (const [name, data] of entries) {
    const nameBytes = Buffer.from(name, "utf8")
    const compressed = zlib.deflateRawSync(data)
    const crc = zlib.crc32(data)
    const header = Buffer.alloc(30)
    header.writeUInt32LE(0x04034b50, 0)
    header.writeUInt16LE(20, 4) // version needed
    header.writeUInt16LE(0x0800, 6) // flags: UTF-8 names
    header.writeUInt16LE(8, 8) // deflate
    header.writeUInt16LE(0, 10) // time
    header.writeUInt16LE(0x21, 12) // date 1980-01-01
    header.writeUInt32LE(crc, 14)
    header.writeUInt32LE(compressed.length, 18)
    header.writeUInt32LE(data.length, 22)
    header.writeUInt16LE(nameBytes.length, 26)
    header.writeUInt16LE(0, 28)
    local.push(header, nameBytes, compressed)

    const entry = Buffer.alloc(46)
    entry.writeUInt32LE(0x02014b50, 0)
    entry.writeUInt16LE(0x0314, 4) // made by: Unix, 2.0
    entry.writeUInt16LE(20, 6)
    entry.writeUInt16LE(0x0800, 8)
    entry.writeUInt16LE(8, 10)
    entry.writeUInt16LE(0, 12)
    entry.writeUInt16LE(0x21, 14)
    entry.writeUInt32LE(crc, 16)
    entry.writeUInt32LE(compressed.length, 20)
    entry.writeUInt32LE(data.length, 24)
    entry.writeUInt16LE(nameBytes.length, 28)
    entry.writeUInt32LE((0o100644 << 16) >>> 0, 38) // external attributes: a regular file, rw-r--r--
    entry.writeUInt32LE(offset, 42)
    central.push(entry, nameBytes)
    offset += header.length + nameBytes.length + compressed.length
  }
  const centralSize = central.reduce((size, part) => size + part.length, 0)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(centralSize, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...local, ...central, end])
}

/** Writes a pure-Python `py3-none-any` wheel and returns its path. */
export const writeWheel = (options: WheelOptions): string => {
  const distribution = normalizeProjectName(options.name).replace(/-/g, "_")
  const distInfo = `${distribution}-${options.version}.dist-info`
  const entries: Array<readonly [string, Buffer]> = [
    ...Object.entries(options.files).map(([name, text]) => [name, Buffer.from(text, "utf8")] as const),
    [
      `${distInfo}/METADATA`,
      Buffer.from(`Metadata-Version: 2.1\nName: ${options.name}\nVersion: ${options.version}\n`, "utf8")
    ],
    [
      `${distInfo}/WHEEL`,
      Buffer.from("Wheel-Version: 1.0\nGenerator: estimator-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n", "utf8")
    ]
  ]
  const record = [
    ...entries.map(([name, data]) => `${name},sha256=${sha256(data, "base64url")},${data.length}`),
    `${distInfo}/RECORD,,`
  ].join("\n")
  entries.push([`${distInfo}/RECORD`, Buffer.from(`${record}\n`, "utf8")])

  fs.mkdirSync(options.directory, { recursive: true })
  const file = path.join(options.directory, `${distribution}-${options.version}-py3-none-any.whl`)
  fs.writeFileSync(file, zip(entries))
  return file
}

/** A running index. */
export interface PipIndex {
  /** `http://127.0.0.1:PORT/simple/`: for the host and for containers or builds with host networking. */
  readonly url: string
  /**
   * The same index on the docker0 bridge's address, for containers on the default bridge:
   * `pip install --index-url <bridge.url> --trusted-host <bridge.host>`. Undefined when
   * `bridge: false` was asked for.
   */
  readonly bridge: { readonly url: string; readonly host: string } | undefined
  /** Every request served so far, as "GET /simple/example-hello/", in order. */
  readonly requests: ReadonlyArray<string>
  readonly close: () => Promise<void>
}

export interface PipIndexOptions {
  /** Folder of `.whl` files; read on each request, so wheels written later are served too. */
  readonly directory: string
  /**
   * Also listen on the default bridge's gateway address, asked of the engine (default true:
   * then the engine must answer, see `requireDocker`).
   */
  readonly bridge?: boolean
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const page = (title: string, links: ReadonlyArray<readonly [string, string]>): string =>
  `<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0"><title>${escapeHtml(title)}</title></head><body>\n` +
  links.map(([href, text]) => `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a><br>\n`).join("") +
  "</body></html>\n"

const wheelsByProject = (directory: string): Map<string, Array<string>> => {
  const projects = new Map<string, Array<string>>()
  for (const file of fs.readdirSync(directory).sort()) {
    if (!file.endsWith(".whl")) continue
    const project = normalizeProjectName(file.split("-")[0] ?? file)
    projects.set(project, [...(projects.get(project) ?? []), file])
  }
  return projects
}

const handler =
  (directory: string, requests: Array<string>) =>
  (request: http.IncomingMessage, response: http.ServerResponse): void => {
    const url = new URL(request.url ?? "/", "http://index")
    const pathname = decodeURIComponent(url.pathname)
    requests.push(`${request.method ?? "GET"} ${pathname}`)
    const send = (status: number, body: string | Buffer, type: string): void => {
      response.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) })
      response.end(request.method === "HEAD" ? undefined : body)
    }
    const notFound = (): void => send(404, `not found: ${pathname}\n`, "text/plain")

    if (request.method !== "GET" && request.method !== "HEAD") return send(405, "GET only\n", "text/plain")
    if (pathname === "/simple/") {
      const projects = [...wheelsByProject(directory).keys()]
      return send(200, page("Simple index", projects.map((project) => [`${project}/`, project])), "text/html")
    }
    const project = /^\/simple\/([^/]+)(\/?)$/.exec(pathname)
    if (project !== null) {
      const name = normalizeProjectName(project[1] ?? "")
      if (project[2] !== "/" || name !== project[1]) {
        // pip asks for the normalized name with a slash; lead other spellings there, as PyPI does.
        response.writeHead(301, { location: `/simple/${name}/` })
        return void response.end()
      }
      const files = wheelsByProject(directory).get(name)
      if (files === undefined) return notFound()
      const links = files.map((file) => {
        const digest = sha256(fs.readFileSync(path.join(directory, file)), "hex")
        return [`../../packages/${file}#sha256=${digest}`, file] as const
      })
      return send(200, page(`Links for ${name}`, links), "text/html")
    }
    const wheel = /^\/packages\/([^/]+\.whl)$/.exec(pathname)?.[1]
    if (wheel !== undefined && fs.existsSync(path.join(directory, wheel))) {
      return send(200, fs.readFileSync(path.join(directory, wheel)), "application/octet-stream")
    }
    return notFound()
  }

const listen = (server: http.Server, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, host, () => {
      server.off("error", reject)
      resolve((server.address() as AddressInfo).port)
    })
  })

const closeServer = (server: http.Server): Promise<void> =>
  new Promise((resolve, reject) => {
    server.close((error) => (error === undefined ? resolve() : reject(error)))
    server.closeAllConnections()
  })

/** Starts a PEP 503 index serving the wheels of `options.directory`. */
export const startPipIndex = async (options: PipIndexOptions): Promise<PipIndex> => {
  const requests: Array<string> = []
  const servers: Array<http.Server> = []
  const close = async (): Promise<void> => {
    await Promise.all(servers.map(closeServer))
  }
  try {
    const loopback = http.createServer(handler(options.directory, requests))
    servers.push(loopback)
    const port = await listen(loopback, "127.0.0.1")
    const bridgeHost = options.bridge === false ? undefined : await bridgeGateway()
    let bridge: PipIndex["bridge"] = undefined
    if (bridgeHost !== undefined) {
      const server = http.createServer(handler(options.directory, requests))
      servers.push(server)
      const bridgePort = await listen(server, bridgeHost)
      bridge = { url: `http://${bridgeHost}:${bridgePort}/simple/`, host: bridgeHost }
    }
    return { url: `http://127.0.0.1:${port}/simple/`, bridge, requests, close }
  } catch (error) {
    await close().catch(() => undefined)
    throw error
  }
}
