import * as fs from "node:fs"
import * as http from "node:http"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { baseImage, bridgeGateway, requireDocker } from "./docker.js"

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-docker-support-"))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

const provisionHint = /bash \.ci\/provision\.sh/

// A Unix socket in the scratch folder, served by `server` for the duration of `body`.
const withSocketServer = async <A>(
  name: string,
  server: net.Server,
  body: (socketPath: string) => Promise<A>
): Promise<A> => {
  const socketPath = path.join(scratch, name)
  await new Promise<void>((resolve) => server.listen(socketPath, resolve))
  try {
    return await body(socketPath)
  } finally {
    if (server instanceof http.Server) server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

describe("requireDocker", () => {
  it("resolves on a provisioned machine with the engine's API version and the base image's id", async () => {
    const engine = await requireDocker()
    expect(engine.image).toBe(baseImage)
    expect(engine.imageId).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(engine.apiVersion).toMatch(/^1\.\d+$/)
  })

  it("rejects, naming the socket and the provisioning command, when no socket exists", async () => {
    const socketPath = path.join(scratch, "absent.sock")
    const error = await requireDocker({ socketPath }).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(Error)
    const message = (error as Error).message
    expect(message).toContain(socketPath)
    expect(message).toContain("ENOENT")
    expect(message).toMatch(provisionHint)
  })

  it("rejects when the socket path is a leftover nobody listens on", async () => {
    const socketPath = path.join(scratch, "stale.sock")
    fs.writeFileSync(socketPath, "")
    await expect(requireDocker({ socketPath })).rejects.toThrow(/not reachable[\s\S]*bash \.ci\/provision\.sh/)
  })

  it("rejects when something other than a Docker engine answers on the socket", async () => {
    const notDocker = http.createServer((_request, response) => response.writeHead(404).end("nope"))
    await withSocketServer("not-docker.sock", notDocker, (socketPath) =>
      expect(requireDocker({ socketPath })).rejects.toThrow(/did not answer GET \/_ping like a Docker engine \(HTTP 404/)
    )
  })

  it("rejects when the engine does not answer in time", async () => {
    // Reads and drops the request, never answers; resume() lets it see the client hang up.
    const silent = net.createServer((socket) => socket.resume())
    await withSocketServer("silent.sock", silent, (socketPath) =>
      expect(requireDocker({ socketPath, timeoutMs: 200 })).rejects.toThrow(/no answer within 200 ms/)
    )
  })

  it("rejects, naming the image and the provisioning command, when the base image is absent", async () => {
    const image = "estimator/absent-image:never-built"
    const error = await requireDocker({ image }).then(
      () => undefined,
      (e: unknown) => e
    )
    expect((error as Error).message).toContain(`the base image ${image} is absent`)
    expect((error as Error).message).toMatch(provisionHint)
  })
})

describe("bridgeGateway", () => {
  // A fake engine that answers GET /networks/bridge with the given IPAM section.
  const fakeEngine = (ipam: unknown): http.Server =>
    http.createServer((request, response) => {
      if (request.url !== "/networks/bridge") return void response.writeHead(404).end()
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ Name: "bridge", IPAM: ipam }))
    })

  it("takes the Gateway the engine reports", async () => {
    const engine = fakeEngine({ Config: [{ Subnet: "192.168.5.0/24", Gateway: "192.168.5.5" }] })
    await withSocketServer("gateway.sock", engine, async (socketPath) =>
      expect(await bridgeGateway(socketPath)).toBe("192.168.5.5")
    )
  })

  it("falls back to the first host of the IPv4 subnet, skipping an IPv6 one", async () => {
    const engine = fakeEngine({ Config: [{ Subnet: "fd00::/64" }, { Subnet: "10.99.128.0/17" }] })
    await withSocketServer("subnet.sock", engine, async (socketPath) =>
      expect(await bridgeGateway(socketPath)).toBe("10.99.128.1")
    )
  })

  it("rejects when the network has no IPv4 subnet", async () => {
    const engine = fakeEngine({ Config: [] })
    await withSocketServer("no-subnet.sock", engine, (socketPath) =>
      expect(bridgeGateway(socketPath)).rejects.toThrow(/no IPv4 subnet[\s\S]*bash \.ci\/provision\.sh/)
    )
  })

  it("names an address of this machine on a provisioned one: a server can listen on it", async () => {
    const address = await bridgeGateway()
    const server = net.createServer()
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen(0, address, resolve)
    })
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
})
