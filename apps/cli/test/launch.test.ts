import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import * as Launch from "../src/internal/launch.js"
import { appRoot, estimator, tempDirInRepo } from "./utils/cli.js"

const temp = tempDirInRepo()
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }))

const touch = (file: string, seconds: number) => {
  if (!fs.existsSync(file)) fs.writeFileSync(file, "")
  fs.utimesSync(file, seconds, seconds)
}

describe("launch: bundle or plain build", () => {
  it("the bundle is fresh only while no input is newer than it or missing", () => {
    const bundle = path.join(temp, "bundle.js")
    const inputs = path.join(temp, "inputs.json")
    const a = path.join(temp, "a.js")
    const b = path.join(temp, "b.js")
    fs.writeFileSync(inputs, JSON.stringify([a, b]))
    touch(a, 1_000)
    touch(b, 2_000)
    touch(bundle, 3_000)
    expect(Launch.isFresh(bundle, inputs)).toBe(true)
    touch(b, 4_000)
    expect(Launch.isFresh(bundle, inputs)).toBe(false)
    touch(bundle, 5_000)
    expect(Launch.isFresh(bundle, inputs)).toBe(true)
    fs.rmSync(a)
    expect(Launch.isFresh(bundle, inputs)).toBe(false)
    expect(Launch.isFresh(path.join(temp, "no-bundle.js"), inputs)).toBe(false)
    fs.writeFileSync(inputs, "not json")
    expect(Launch.isFresh(bundle, inputs)).toBe(false)
  })

  it("entry: the bundle while it is fresh, else dist/main.js; ESTIMATOR_NO_BUNDLE=1 forces dist/main.js", () => {
    const dist = path.join(temp, "dist")
    fs.mkdirSync(path.join(dist, "bundle"), { recursive: true })
    const here = pathToFileURL(path.join(dist, "internal", "launch.js")).href
    const bundle = path.join(dist, "bundle", "estimator.js")
    const main = path.join(dist, "main.js")
    fs.writeFileSync(path.join(dist, "bundle", "inputs.json"), JSON.stringify([main]))
    touch(main, 1_000)
    touch(bundle, 2_000)
    expect(Launch.entry({}, here)).toBe(pathToFileURL(bundle).href)
    expect(Launch.entry({ ESTIMATOR_NO_BUNDLE: "1" }, here)).toBe(pathToFileURL(main).href)
    touch(main, 3_000)
    expect(Launch.entry({}, here)).toBe(pathToFileURL(main).href)
  })

  it("staleness says why the bundle cannot be used, and entry says it under ESTIMATOR_DEBUG", () => {
    const bundle = path.join(temp, "why-bundle.js")
    const inputs = path.join(temp, "why-inputs.json")
    const a = path.join(temp, "why-a.js")
    expect(Launch.staleness(bundle, inputs)).toContain("the bundle is missing")
    touch(bundle, 2_000)
    expect(Launch.staleness(bundle, inputs)).toContain("list of inputs is missing or unreadable")
    fs.writeFileSync(inputs, JSON.stringify([a]))
    expect(Launch.staleness(bundle, inputs)).toBe(`${a} is missing`)
    touch(a, 3_000)
    expect(Launch.staleness(bundle, inputs)).toContain(`${a} is newer than the bundle`)
    touch(a, 1_000)
    expect(Launch.staleness(bundle, inputs)).toBeUndefined()
  })

  it("the bundle script lists dist/main.js and npm's install record among the bundle's inputs", () => {
    const inputs = JSON.parse(fs.readFileSync(path.join(appRoot, "dist/bundle/inputs.json"), "utf8")) as ReadonlyArray<string>
    expect(inputs).toContain(path.join(appRoot, "dist/main.js"))
    expect(inputs.some((file) => file.endsWith(path.join("node_modules", ".package-lock.json")))).toBe(true)
    // Our own built packages are inputs; third-party code is covered by the install record.
    expect(inputs.some((file) => file.includes(`${path.sep}packages${path.sep}submit${path.sep}dist${path.sep}`))).toBe(true)
    expect(inputs.every((file) => !file.split(path.sep).includes("node_modules") || file.endsWith(".package-lock.json"))).toBe(true)
  })

  it("the bundle carries the local backend's run supervisor where the local backend looks first: beside its own chunk", () => {
    const chunks = path.join(appRoot, "dist", "bundle", "chunks")
    const withLocal = fs.readdirSync(chunks).filter((file) => file.endsWith(".js") && fs.readFileSync(path.join(chunks, file), "utf8").includes("\"localRunMain.js\""))
    expect(withLocal.length).toBeGreaterThan(0)
    const supervisor = path.join(chunks, "internal", "localRunMain.js")
    expect(fs.existsSync(supervisor)).toBe(true)
    // It is the supervisor itself, bundled: no import of the unbundled package.
    expect(fs.readFileSync(supervisor, "utf8")).not.toMatch(/from "@estimator\/submit/)
  })

  it.each([
    [["validate", "invalid.json", "--json"]],
    [["plan", "exportable.ts", "--backend", "local"]],
    [["export", "exportable.ts", "--format", "azureml-yaml"]],
    [["plan", "nowhere.ts"]],
    [["--version"]]
  ])("the plain build and the bundle answer %j the same", async (args) => {
    const [bundled, plain] = await Promise.all([estimator(args), estimator(args, { env: { ESTIMATOR_NO_BUNDLE: "1" } })])
    expect(plain).toEqual(bundled)
  })
})
