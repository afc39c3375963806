import { execFile } from "node:child_process"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"
import * as fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { baseImage, requireDocker } from "./docker.js"
import { normalizeProjectName, startPipIndex, writeWheel } from "./pipIndex.js"

const run = promisify(execFile)

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-pip-index-"))
const wheels = path.join(scratch, "wheels")
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

const helloModule = (version: string): Record<string, string> => ({
  "example_hello/__init__.py": `def greet(name):\n    return "hello " + name + " from ${version}"\n`
})
const oldHello = writeWheel({ directory: wheels, name: "example-hello", version: "0.1.0", files: helloModule("0.1.0") })
const newHello = writeWheel({ directory: wheels, name: "example-hello", version: "0.2.0", files: helloModule("0.2.0") })
const other = writeWheel({
  directory: wheels,
  name: "Other.Tool",
  version: "1.0",
  files: { "other_tool.py": "VALUE = 42\n" }
})

const sha256Hex = (file: string): string => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex")

describe("normalizeProjectName", () => {
  const word = fc.stringMatching(/^[a-zA-Z0-9]{1,8}$/)
  const separator = fc.stringMatching(/^[-_.]{1,3}$/)

  it("is idempotent", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[-_.a-zA-Z0-9]{0,20}$/), (name) => {
        expect(normalizeProjectName(normalizeProjectName(name))).toBe(normalizeProjectName(name))
      })
    )
  })

  it("maps any spelling of the same words to the lowercase words joined by single dashes (PEP 503)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(word, separator), { minLength: 1, maxLength: 5 }), (parts) => {
        const spelled = parts.map(([w, s], i) => (i === 0 ? w : s + w)).join("")
        const expected = parts.map(([w]) => w.toLowerCase()).join("-")
        expect(normalizeProjectName(spelled)).toBe(expected)
      })
    )
  })
})

describe("writeWheel", () => {
  it("names the wheel after the normalized project with underscores, for any Python", () => {
    expect(path.basename(newHello)).toBe("example_hello-0.2.0-py3-none-any.whl")
    expect(path.basename(other)).toBe("other_tool-1.0-py3-none-any.whl")
  })

  it("writes the same bytes for the same input", () => {
    const again = writeWheel({
      directory: path.join(scratch, "again"),
      name: "example-hello",
      version: "0.2.0",
      files: helloModule("0.2.0")
    })
    expect(fs.readFileSync(again).equals(fs.readFileSync(newHello))).toBe(true)
  })
})

describe("startPipIndex over HTTP", () => {
  let index: Awaited<ReturnType<typeof startPipIndex>>
  beforeAll(async () => {
    index = await startPipIndex({ directory: wheels, bridge: false })
  })
  afterAll(() => index.close())

  const get = (relative: string, base = index.url): Promise<Response> =>
    fetch(new URL(relative, base), { redirect: "manual" })

  it("listens on loopback and lists every project by its normalized name", async () => {
    expect(index.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/simple\/$/)
    expect(index.bridge).toBeUndefined()
    const body = await (await get("")).text()
    expect(body).toContain('<a href="example-hello/">example-hello</a>')
    expect(body).toContain('<a href="other-tool/">other-tool</a>')
  })

  it("links each wheel of a project with the sha256 of its bytes, and serves those bytes", async () => {
    const response = await get("example-hello/")
    expect(response.status).toBe(200)
    const hrefs = [...(await response.text()).matchAll(/href="([^"]+)"/g)].map((m) => m[1] ?? "")
    expect(hrefs).toEqual([oldHello, newHello].map((f) => `../../packages/${path.basename(f)}#sha256=${sha256Hex(f)}`))
    const served = await get(hrefs[1] ?? "", new URL("example-hello/", index.url).href)
    expect(Buffer.from(await served.arrayBuffer()).equals(fs.readFileSync(newHello))).toBe(true)
  })

  it("redirects other spellings of a project to its normalized page", async () => {
    const response = await get("Example_Hello")
    expect(response.status).toBe(301)
    expect(response.headers.get("location")).toBe("/simple/example-hello/")
  })

  it("answers 404 for an unknown project and for paths outside the wheel folder", async () => {
    expect((await get("requests/")).status).toBe(404)
    expect((await get("/packages/..%2Fwheels%2Fexample_hello-0.1.0-py3-none-any.whl")).status).toBe(404)
    expect((await get("/packages/missing-1.0-py3-none-any.whl")).status).toBe(404)
  })

  it("records the requests it served", async () => {
    await get("other-tool/")
    expect(index.requests).toContain("GET /simple/other-tool/")
  })
})

describe("pip in the base image installs from the index", () => {
  // Checked in each test rather than in beforeAll, so that without Docker every one of them fails
  // with the provisioning hint (a failing beforeAll would report them as skipped).
  const docker = async (args: ReadonlyArray<string>) => {
    await requireDocker()
    return run("docker", [...args], { timeout: 60_000 })
  }

  it("checks out as a valid wheel: every zip entry's CRC and every RECORD hash match", async () => {
    const check = [
      "import base64, hashlib, sys, zipfile",
      "z = zipfile.ZipFile(sys.argv[1])",
      "assert z.testzip() is None, 'bad CRC'",
      "record = [n for n in z.namelist() if n.endswith('.dist-info/RECORD')][0]",
      "rows = [l.split(',') for l in z.read(record).decode().splitlines()]",
      "for name, digest, size in rows:",
      "    if name == record: continue",
      "    data = z.read(name)",
      "    want = 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()",
      "    assert (digest, int(size)) == (want, len(data)), name",
      "print(len(rows), 'entries ok')"
    ].join("\n")
    const { stdout } = await docker([
      "run", "--rm", "-v", `${wheels}:/wheels:ro`, baseImage,
      "python3", "-c", check, `/wheels/${path.basename(newHello)}`
    ])
    expect(stdout.trim()).toBe("4 entries ok")
  })

  it("with host networking, from the loopback URL, picking the newest version", async () => {
    const index = await startPipIndex({ directory: wheels, bridge: false })
    try {
      const { stdout } = await docker([
        "run", "--rm", "--network", "host", baseImage, "sh", "-c",
        `pip install --no-cache-dir --index-url ${index.url} example-hello >&2 && ` +
          `python3 -c 'import example_hello; print(example_hello.greet("ci"))'`
      ])
      expect(stdout.trim()).toBe("hello ci from 0.2.0")
      expect(index.requests).toContain(`GET /packages/${path.basename(newHello)}`)
    } finally {
      await index.close()
    }
  })

  it("fails for a project the index does not have: there is no other index to fall back on", async () => {
    const index = await startPipIndex({ directory: wheels, bridge: false })
    try {
      const error = await docker([
        "run", "--rm", "--network", "host", baseImage,
        "pip", "install", "--no-cache-dir", "--index-url", index.url, "requests"
      ]).then(
        () => undefined,
        (e: unknown) => e as { readonly code?: unknown; readonly stderr?: unknown }
      )
      expect(error?.code).toBe(1)
      expect(String(error?.stderr)).toContain("No matching distribution found for requests")
      expect(index.requests).toContain("GET /simple/requests/")
    } finally {
      await index.close()
    }
  })
})
