import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Either } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as Workspace from "../src/Workspace.js"

const config = (value: unknown) => JSON.stringify(value)
const FULL = { subscription_id: "sub-1", resource_group: "rg-1", workspace_name: "ws-1" }

const text = (at: string, content: string): Workspace.ConfigFile => ({ path: at, content: { _tag: "Text", text: content } })

const load = (options: Workspace.LoadOptions) =>
  Effect.runPromise(Effect.either(Workspace.load(options)).pipe(Effect.provide(NodeFileSystem.layer)))

const tree = (files: Record<string, string>): string => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-ws-"))
  for (const [relative, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true })
    fs.writeFileSync(path.join(root, relative), content)
  }
  return root
}

describe("Workspace.resolveWorkspace (pure)", () => {
  it("a complete --workspace file is the workspace, whatever the environment says", () => {
    const result = Workspace.resolveWorkspace({
      file: text("/p/config.json", config(FULL)),
      environment: { AZUREML_WORKSPACE_NAME: "other" },
      searched: []
    })
    expect(result).toEqual(Either.right({
      workspace: { subscriptionId: "sub-1", resourceGroup: "rg-1", workspaceName: "ws-1" },
      origins: { subscription_id: "/p/config.json", resource_group: "/p/config.json", workspace_name: "/p/config.json" }
    }))
  })

  it("environment variables override a discovered config.json field by field", () => {
    const result = Workspace.resolveWorkspace({
      discovered: text("/p/.azureml/config.json", config(FULL)),
      environment: { AZUREML_WORKSPACE_NAME: "ws-env" },
      searched: ["/p"]
    })
    expect(Either.isRight(result) && result.right.workspace).toEqual({ subscriptionId: "sub-1", resourceGroup: "rg-1", workspaceName: "ws-env" })
    expect(Either.isRight(result) && result.right.origins.workspace_name).toBe("$AZUREML_WORKSPACE_NAME")
  })

  it("nothing anywhere: one error listing the three fields and the three ways", () => {
    const result = Workspace.resolveWorkspace({ environment: {}, searched: ["/p", "/p/.azureml", "parents"] })
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left.missing).toEqual(["subscription_id", "resource_group", "workspace_name"])
      const message = result.left.message
      expect(message).toContain("not configured")
      expect(message).toContain("--workspace FILE")
      expect(message).toContain("AZUREML_SUBSCRIPTION_ID, AZUREML_RESOURCE_GROUP, AZUREML_WORKSPACE_NAME")
      expect(message).toContain("its .azureml/ folder, or a parent directory")
      expect(message).toContain("no config.json in /p")
    }
  })

  it("partial: exactly the missing fields are named, with the problems found", () => {
    const result = Workspace.resolveWorkspace({
      file: text("/p/ws.json", config({ subscription_id: "sub", workspace_name: "" })),
      environment: { AZUREML_RESOURCE_GROUP: "rg-env" },
      searched: []
    })
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left.missing).toEqual(["resource_group", "workspace_name"])
      expect(result.left.message).toContain("incomplete: missing resource_group, workspace_name")
      expect(result.left.message).toContain("workspace_name in /p/ws.json is not a non-empty string")
    }
    const partialEnvironment = Workspace.resolveWorkspace({ environment: { AZUREML_SUBSCRIPTION_ID: "s", AZUREML_RESOURCE_GROUP: " " }, searched: ["/x"] })
    expect(Either.isLeft(partialEnvironment) && partialEnvironment.left.missing).toEqual(["resource_group", "workspace_name"])
    expect(Either.isLeft(partialEnvironment) && partialEnvironment.left.message).toContain("AZUREML_RESOURCE_GROUP is empty")
  })

  it("an invalid file is reported as such", () => {
    const result = Workspace.resolveWorkspace({ file: text("/p/c.json", "{ nope"), environment: {}, searched: [] })
    expect(Either.isLeft(result) && result.left.message).toContain("/p/c.json is not valid JSON")
  })
})

describe("Workspace.load (files)", () => {
  it("finds config.json in the current directory, its .azureml/ folder, or a parent", async () => {
    const inParent = tree({ "config.json": config(FULL), "a/b/.keep": "" })
    const found = await load({ cwd: path.join(inParent, "a", "b"), environment: {} })
    expect(Either.isRight(found) && found.right.origins.subscription_id).toBe(path.join(inParent, "config.json"))

    const inDotAzureml = tree({ ".azureml/config.json": config({ ...FULL, workspace_name: "dot" }) })
    const dot = await load({ cwd: inDotAzureml, environment: {} })
    expect(Either.isRight(dot) && dot.right.workspace.workspaceName).toBe("dot")

    // The nearest wins: the current directory's over a parent's.
    const nested = tree({ "config.json": config({ ...FULL, workspace_name: "outer" }), "inner/config.json": config({ ...FULL, workspace_name: "inner" }) })
    const nearest = await load({ cwd: path.join(nested, "inner"), environment: {} })
    expect(Either.isRight(nearest) && nearest.right.workspace.workspaceName).toBe("inner")
  })

  it("--workspace FILE that does not exist says so, and lists all three fields as missing", async () => {
    const root = tree({})
    const result = await load({ cwd: root, file: "nope.json", environment: {} })
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left.missing).toHaveLength(3)
      expect(result.left.message).toContain(`${path.join(root, "nope.json")} cannot be read (it does not exist)`)
    }
  })

  it("environment variables alone are enough", async () => {
    const root = tree({})
    const result = await load({
      cwd: root,
      environment: { AZUREML_SUBSCRIPTION_ID: "s", AZUREML_RESOURCE_GROUP: "g", AZUREML_WORKSPACE_NAME: "w" }
    })
    // (A config.json in a parent of the temporary folder would be overridden field by field.)
    expect(Either.isRight(result) && result.right.workspace).toEqual({ subscriptionId: "s", resourceGroup: "g", workspaceName: "w" })
  })
})
