import {
  BlobServiceClient,
  BlockBlobClient,
  ContainerClient,
  StorageSharedKeyCredential
} from "@azure/storage-blob"
import * as http from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ACCOUNT_NAME, type Azurite, startAzurite } from "./emulator/azurite.js"
import { startEmulator } from "./emulator/workspace.js"

let azurite: Azurite

beforeAll(async () => {
  azurite = await startAzurite()
})

afterAll(async () => {
  // Undefined when the start failed; that failure is reported by beforeAll.
  await (azurite as Azurite | undefined)?.close()
})

const armJson = async (url: string, method = "GET"): Promise<Record<string, unknown>> => {
  const response = await fetch(url, { method, headers: { authorization: "Bearer t" } })
  expect(response.status).toBe(200)
  return (await response.json()) as Record<string, unknown>
}

const portAnswers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const request = http.get({ host: "127.0.0.1", port, path: "/" }, (response) => {
      response.resume()
      resolve(true)
    })
    request.on("error", () => resolve(false))
  })

describe("Azurite from node_modules", () => {
  it("listens on a random loopback port with the development account", () => {
    expect(azurite.accountName).toBe(ACCOUNT_NAME)
    expect(azurite.blobEndpoint).toBe(`http://127.0.0.1:${azurite.port}/devstoreaccount1`)
    expect(azurite.port).not.toBe(10000)
  })

  it("stores and returns a blob through @azure/storage-blob", async () => {
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString)
    const container = service.getContainerClient("roundtrip")
    await container.createIfNotExists()
    const content = `hello from the emulator test ${Date.now()}\n`
    await container.getBlockBlobClient("dir/hello.txt").upload(content, Buffer.byteLength(content), {
      metadata: { upload_status: "completed" }
    })
    const downloaded = await container.getBlockBlobClient("dir/hello.txt").downloadToBuffer()
    expect(downloaded.toString("utf8")).toBe(content)
    const properties = await container.getBlockBlobClient("dir/hello.txt").getProperties()
    expect(properties.metadata).toEqual({ upload_status: "completed" })
    const names: Array<string> = []
    for await (const blob of container.listBlobsFlat({ prefix: "dir/" })) names.push(blob.name)
    expect(names).toEqual(["dir/hello.txt"])
  })

  it("stops cleanly: close() ends the process and the port no longer answers", async () => {
    const second = await startAzurite()
    expect(await portAnswers(second.port)).toBe(true)
    await second.close()
    await second.close() // idempotent
    expect(await portAnswers(second.port)).toBe(false)
  })
})

describe("workspace emulator with Azurite as its datastore", () => {
  it("creates the datastore container on start, and its listSecrets key writes to it", async () => {
    const emulator = await startEmulator({ storage: azurite })
    try {
      const ws = `${emulator.url}${emulator.workspace.resourceId}`
      const datastore = await armJson(`${ws}/datastores/workspaceblobstore?api-version=2024-04-01`)
      const properties = datastore["properties"] as Record<string, string>
      expect(properties["containerName"]).toBe(`azureml-blobstore-${emulator.workspace.workspaceId}`)
      expect(properties["protocol"]).toBe("http")
      expect(properties["endpoint"]).toBe(`127.0.0.1:${azurite.port}`)
      const secrets = await armJson(`${ws}/datastores/workspaceblobstore/listSecrets?api-version=2024-04-01`, "POST")

      // The path-style account URL documented for an IP-address endpoint.
      const accountUrl = `${properties["protocol"]}://${properties["endpoint"]}/${properties["accountName"]}`
      const container = new ContainerClient(
        `${accountUrl}/${properties["containerName"]}`,
        new StorageSharedKeyCredential(String(properties["accountName"]), String(secrets["key"]))
      )
      expect(await container.exists()).toBe(true)
      await container.getBlockBlobClient("LocalUpload/abc/src/train.py").upload("print(1)\n", 9)
      const read = await container.getBlockBlobClient("LocalUpload/abc/src/train.py").downloadToBuffer()
      expect(read.toString()).toBe("print(1)\n")
      expect(emulator.state.violations).toEqual([])
      expect(emulator.state.responseViolations).toEqual([])
    } finally {
      await emulator.close()
    }
  })

  it("a startPendingUpload SAS lets a client upload under blobUri without the account key", async () => {
    const emulator = await startEmulator({ storage: azurite })
    try {
      const ws = `${emulator.url}${emulator.workspace.resourceId}`
      const response = await fetch(`${ws}/codes/snap/versions/1/startPendingUpload?api-version=2024-04-01`, {
        method: "POST",
        headers: { authorization: "Bearer t", "content-type": "application/json" },
        body: JSON.stringify({ pendingUploadType: "TemporaryBlobReference" })
      })
      expect(response.status).toBe(200)
      const slot = (await response.json()) as {
        blobReferenceForConsumption: { blobUri: string; credential: { sasUri: string } }
      }
      const { blobUri, credential } = slot.blobReferenceForConsumption
      const sas = new URL(credential.sasUri).search
      await new BlockBlobClient(`${blobUri}/src/train.py${sas}`).upload("print(2)\n", 9)
      expect((await new BlockBlobClient(`${blobUri}/src/train.py${sas}`).downloadToBuffer()).toString()).toBe("print(2)\n")
      // Without the SAS, Azurite refuses.
      await expect(new BlockBlobClient(`${blobUri}/src/other.py`).upload("x", 1)).rejects.toMatchObject({
        statusCode: 403
      })
      const listed: Array<string> = []
      const service = BlobServiceClient.fromConnectionString(azurite.connectionString)
      for await (const blob of service.getContainerClient(emulator.workspace.datastore.containerName).listBlobsFlat()) {
        listed.push(blob.name)
      }
      expect(listed).toEqual([`${new URL(blobUri).pathname.split("/").slice(3).join("/")}/src/train.py`])
    } finally {
      await emulator.close()
    }
  })
})
