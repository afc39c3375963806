import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { estimator, expectCleanError, fixtures, json, tempDirInRepo } from "./utils/cli.js"

const temp = tempDirInRepo()
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }))

// valid.ts reads WANDB_API_KEY from the environment as a secret: its value must never appear.
const SECRET = "s3cr3t-value-that-must-not-leak"
const secretEnv = { WANDB_API_KEY: SECRET }

const WORKSPACE_PREFIX =
  "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}/"

describe("estimator plan --format json (DESIGN §4 envelopes)", () => {
  it("local: backend, warnings and processes with argv, cwd and redacted env", async () => {
    const result = await estimator(["plan", "valid.ts", "--backend", "local", "--format", "json"], { env: secretEnv })
    expect(result.code).toBe(0)
    expect(result.stdout).not.toContain(SECRET)
    const envelope = json(result)
    expect(Object.keys(envelope).sort()).toEqual(["backend", "processes", "warnings"])
    expect(envelope.backend).toBe("local")
    expect(Array.isArray(envelope.warnings)).toBe(true)
    expect(envelope.processes).toHaveLength(1)
    const [process] = envelope.processes
    // The script and its arguments arrive exactly as the spec lists them (10 from ./helper.ts).
    expect(process.argv.slice(-3)).toEqual(["train.py", "--epochs", "10"])
    expect(typeof process.cwd).toBe("string")
    expect(process.env.WANDB_API_KEY).toBe("<redacted>")
  })

  it("docker: image (tag, build, dockerfile) and containers with a ContainerCreate body", async () => {
    const result = await estimator(["plan", "valid.json", "--backend", "docker", "--json"])
    expect(result.code).toBe(0)
    const envelope = json(result)
    expect(Object.keys(envelope).sort()).toEqual(["backend", "containers", "image", "warnings"])
    expect(envelope.backend).toBe("docker")
    expect(envelope.image).toEqual({ tag: expect.any(String), build: expect.any(Boolean), dockerfile: expect.stringContaining("FROM ") })
    expect(envelope.containers).toHaveLength(1)
    const [container] = envelope.containers
    expect(typeof container.name).toBe("string")
    expect(container.create.Image).toBe(envelope.image.tag)
    expect(container.create.Cmd.slice(-3)).toEqual(["train.py", "--epochs", "10"])
  })

  it("azureml: requests with method, path, apiVersion and body; placeholders without a workspace", async () => {
    const result = await estimator(["plan", "exportable.ts", "--backend", "azureml", "--format", "json"])
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    const envelope = json(result)
    expect(Object.keys(envelope).sort()).toEqual(["backend", "requests", "warnings"])
    expect(envelope.backend).toBe("azureml")
    expect(envelope.requests.length).toBeGreaterThan(0)
    for (const request of envelope.requests) {
      expect(request).toEqual(expect.objectContaining({ method: expect.any(String), path: expect.any(String), apiVersion: expect.any(String) }))
      expect(request.path.startsWith(WORKSPACE_PREFIX)).toBe(true)
    }
    const job = envelope.requests.find((r: { path: string }) => /\/jobs\/[^/]+$/.test(r.path))
    expect(job?.method).toBe("PUT")
    expect(job?.body.properties.jobType).toBe("Command")
  })

  it("azureml with --workspace: the workspace's names replace the placeholders", async () => {
    const config = path.join(temp, "config.json")
    fs.writeFileSync(config, JSON.stringify({ subscription_id: "0000-sub", resource_group: "my-rg", workspace_name: "my-ws" }))
    const result = await estimator(["plan", "exportable.ts", "--backend", "azureml", "--format", "json", "--workspace", config])
    expect(result.code).toBe(0)
    const envelope = json(result)
    for (const request of envelope.requests) {
      expect(request.path).toContain("/subscriptions/0000-sub/resourceGroups/my-rg/providers/Microsoft.MachineLearningServices/workspaces/my-ws/")
      expect(request.path).not.toContain("{subscriptionId}")
    }
  })

  it("dry-run is the default backend", async () => {
    const result = await estimator(["plan", "valid.ts", "--format", "json"], { env: secretEnv })
    expect(result.code).toBe(0)
    expect(result.stdout).not.toContain(SECRET)
    const envelope = json(result)
    expect(envelope.backend).toBe("dry-run")
    expect(Array.isArray(envelope.warnings)).toBe(true)
  })

  it("an array of specs gives an array of envelopes", async () => {
    const result = await estimator(["plan", "array.ts", "--backend", "local", "--format", "json"])
    expect(result.code).toBe(0)
    const envelopes = json(result)
    expect(Array.isArray(envelopes)).toBe(true)
    expect(envelopes.map((e: { backend: string }) => e.backend)).toEqual(["local", "local"])
    // The second spec of array.ts adds --epochs 100.
    expect(envelopes[1].processes[0].argv.slice(-3)).toEqual(["train.py", "--epochs", "100"])
  })
})

describe("estimator plan (text)", () => {
  it("local: a tree of what runs, where, which image and the processes", async () => {
    const result = await estimator(["plan", "valid.ts", "--backend", "local"], { env: secretEnv })
    expect(result.code).toBe(0)
    expect(result.stdout).not.toContain(SECRET)
    expect(result.stdout).not.toContain("\u001b[")
    const lines = result.stdout.split("\n")
    expect(lines[0]).toBe("plan  local  (1 process)")
    expect(lines[1]).toBe("├─ runs     python train.py --epochs 10")
    expect(lines[2]).toBe("├─ on       this machine (local process) · 1 node × 1 process")
    expect(lines[3]).toMatch(/^├─ image {4}none/)
    expect(lines).toContain("└─ processes")
    expect(result.stdout).toMatch(/└─ python3? train\.py --epochs 10/)
  })

  it("docker: the image tag and the container", async () => {
    const result = await estimator(["plan", "valid.json", "--backend", "docker"])
    expect(result.code).toBe(0)
    const envelope = json(await estimator(["plan", "valid.json", "--backend", "docker", "--format", "json"]))
    expect(result.stdout.split("\n")[0]).toBe("plan  docker  (1 container)")
    expect(result.stdout).toContain(`├─ image    ${envelope.image.tag}`)
    expect(result.stdout).toContain("└─ containers")
  })

  it("azureml: the compute and every request as method and path", async () => {
    const result = await estimator(["plan", "exportable.ts", "--backend", "azureml"])
    expect(result.code).toBe(0)
    const envelope = json(await estimator(["plan", "exportable.ts", "--backend", "azureml", "--format", "json"]))
    expect(result.stdout.split("\n")[0]).toBe(`plan  azureml  (${envelope.requests.length} request${envelope.requests.length === 1 ? "" : "s"})`)
    expect(result.stdout).toContain("├─ on       cluster gpu-cluster · 1 node × 1 process")
    expect(result.stdout).toContain("python train.py --data ${{inputs.mnist}} --epochs 10 --note 'a b'")
    // Each run gets a fresh job name, so the two invocations differ only there.
    const withoutJobName = (text: string) => text.replace(/\/jobs\/[^/\s]+/g, "/jobs/<name>")
    for (const request of envelope.requests) expect(withoutJobName(result.stdout)).toContain(withoutJobName(`${request.method} ${request.path}`))
  })

  it("dry-run: the default", async () => {
    const result = await estimator(["plan", "valid.ts"])
    expect(result.code).toBe(0)
    expect(result.stdout.split("\n")[0]).toMatch(/^plan {2}dry-run/)
    expect(result.stdout).toContain("├─ runs     python train.py --epochs 10")
  })
})

describe("estimator plan failures", () => {
  it("fields a backend cannot honour: exit 1, each field with the backends that can", async () => {
    const result = await estimator(["plan", "exportable.ts", "--backend", "local"])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expectCleanError(result)
    expect(result.stderr).toMatch(/environment\.image\s+\[unsupported-by-backend\]/)
    expect(result.stderr).toMatch(/inputs\.mnist\s+\[unsupported-by-backend\]/)
    expect(result.stderr).toContain("backends that can: azureml")
  })

  it("an invalid spec is not planned: every validation error is listed", async () => {
    const result = await estimator(["plan", "invalid.json", "--backend", "local", "--format", "json"])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expectCleanError(result)
    for (const code of ["not-positive-integer", "invalid-shm-size", "invalid-env-name", "invalid-job-name"]) expect(result.stderr).toContain(code)
  })

  it("a bad workspace file: what is missing in it", async () => {
    const config = path.join(temp, "partial-config.json")
    fs.writeFileSync(config, JSON.stringify({ subscription_id: "0000-sub" }))
    const partial = await estimator(["plan", "exportable.ts", "--backend", "azureml", "--workspace", config])
    expect(partial.code).toBe(1)
    expectCleanError(partial)
    expect(partial.stderr).toContain("missing resource_group, workspace_name")
    const missing = await estimator(["plan", "exportable.ts", "--backend", "azureml", "--workspace", "no-config.json"])
    expect(missing.code).toBe(1)
    expectCleanError(missing)
    expect(missing.stderr).toContain(`${path.join(fixtures, "no-config.json")} cannot be read (it does not exist)`)
  })
})
