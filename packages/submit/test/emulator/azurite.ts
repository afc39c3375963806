/**
 * Starts Azurite's blob service (the `azurite` devDependency, from node_modules) as a child
 * process for tests: in memory (`--inMemoryPersistence`), on 127.0.0.1 at a port the system
 * picks, with `--skipApiVersionCheck` (current `@azure/storage-blob` sends API versions Azurite
 * does not know), `--loose` and telemetry off. Resolves once the service answers HTTP, with the
 * well-known development account. It runs in a fresh temporary folder (Azurite refuses
 * `--location` together with `--inMemoryPersistence`, and writes nothing there). `close()` stops the process (SIGTERM, then SIGKILL after 5 s)
 * and removes its working folder; a process still running when the test process exits is killed.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"

export interface Azurite {
  /** Account URL, path-style: `http://127.0.0.1:<port>/devstoreaccount1`. */
  readonly blobEndpoint: string
  readonly accountName: string
  readonly accountKey: string
  /** A connection string for `BlobServiceClient.fromConnectionString`. */
  readonly connectionString: string
  readonly port: number
  readonly close: () => Promise<void>
}

export interface AzuriteOptions {
  /** How long to wait for the service to answer (default 30 000 ms). */
  readonly startTimeoutMs?: number
  /** Memory for blob contents in MB (default 256). */
  readonly extentMemoryLimitMb?: number
}

/** Azurite's fixed development account. */
export const ACCOUNT_NAME = "devstoreaccount1"
export const ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

const LISTENING = /successfully listens on (https?:\/\/[^\s]+)/

const azuriteBlobEntry = (): string => {
  const require = createRequire(import.meta.url)
  const manifestPath = require.resolve("azurite/package.json")
  const manifest: unknown = JSON.parse(fs.readFileSync(manifestPath, "utf8"))
  const bin =
    typeof manifest === "object" && manifest !== null && "bin" in manifest && typeof manifest.bin === "object" && manifest.bin !== null
      ? (manifest.bin as Record<string, unknown>)["azurite-blob"]
      : undefined
  if (typeof bin !== "string") throw new Error(`startAzurite: ${manifestPath} has no azurite-blob bin`)
  return path.join(path.dirname(manifestPath), bin)
}

/** One GET against the service: any HTTP answer (Azurite says 400/403 without a signature) means it is up. */
const answers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const request = http.get({ host: "127.0.0.1", port, path: `/${ACCOUNT_NAME}?comp=list`, timeout: 2000 }, (response) => {
      response.resume()
      resolve(true)
    })
    request.on("timeout", () => request.destroy())
    request.on("error", () => resolve(false))
  })

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()))

const stop = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill("SIGTERM")
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000)
  await exited(child)
  clearTimeout(timer)
}

/** Starts Azurite's blob service and waits until it answers. */
export const startAzurite = async (options: AzuriteOptions = {}): Promise<Azurite> => {
  const timeoutMs = options.startTimeoutMs ?? 30_000
  const workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-azurite-"))
  const child = spawn(
    process.execPath,
    [
      azuriteBlobEntry(),
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      "0",
      "--inMemoryPersistence",
      "--extentMemoryLimit",
      String(options.extentMemoryLimitMb ?? 256),
      "--skipApiVersionCheck",
      "--loose",
      "--disableTelemetry",
      "--silent"
    ],
    { cwd: workDirectory, stdio: ["ignore", "pipe", "pipe"] }
  )
  const killOnExit = (): void => {
    child.kill("SIGKILL")
  }
  process.once("exit", killOnExit)
  const cleanUp = async (): Promise<void> => {
    await stop(child)
    process.removeListener("exit", killOnExit)
    fs.rmSync(workDirectory, { recursive: true, force: true })
  }

  let output = ""
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString("utf8")).slice(-8000)
  }
  child.stdout?.on("data", collect)
  child.stderr?.on("data", collect)

  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Azurite did not start within ${timeoutMs} ms`)), timeoutMs)
      const onData = (): void => {
        const match = LISTENING.exec(output)
        if (match?.[1] === undefined) return
        clearTimeout(timer)
        child.stdout?.off("data", onData)
        resolve(Number(new URL(match[1]).port))
      }
      child.stdout?.on("data", onData)
      child.once("exit", (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`Azurite exited during start (code ${String(code)}, signal ${String(signal)})`))
      })
      child.once("error", (error) => {
        clearTimeout(timer)
        reject(error)
      })
    })
    const deadline = Date.now() + timeoutMs
    while (!(await answers(port))) {
      if (Date.now() > deadline) throw new Error(`Azurite listens on ${port} but does not answer`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const blobEndpoint = `http://127.0.0.1:${port}/${ACCOUNT_NAME}`
    let closing: Promise<void> | undefined
    return {
      blobEndpoint,
      accountName: ACCOUNT_NAME,
      accountKey: ACCOUNT_KEY,
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT_NAME};AccountKey=${ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`,
      port,
      close: () => (closing ??= cleanUp())
    }
  } catch (error) {
    await cleanUp()
    throw new Error(`startAzurite: ${error instanceof Error ? error.message : String(error)}\n--- Azurite output ---\n${output}`)
  }
}
