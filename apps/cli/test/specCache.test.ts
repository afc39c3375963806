/**
 * The compile cache of TypeScript spec modules (src/internal/specCache.ts), through the real
 * binary: a spec is compiled once into the nearest node_modules/.cache/estimator/specs, loaded
 * from there while its inputs are unchanged, recompiled when one changes, and always means what it
 * means under tsx (ESTIMATOR_NO_SPEC_CACHE=1), including import.meta.url. ESTIMATOR_DEBUG=1 says
 * how each spec was loaded.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import * as specCache from "../src/internal/specCache.js"
import { estimator, fixtures, json, tempDirInRepo } from "./utils/cli.js"

// A project folder with its own (empty) node_modules: the cache goes there, and @estimator/core
// still resolves from the repository's node_modules above it.
const project = tempDirInRepo()
fs.mkdirSync(path.join(project, "node_modules"))
const cacheDirectory = path.join(project, "node_modules", ".cache", "estimator", "specs")
const outside = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-nocache-"))
afterAll(() => {
  fs.rmSync(project, { recursive: true, force: true })
  fs.rmSync(outside, { recursive: true, force: true })
})

const write = (relative: string, content: string, root = project): string => {
  const file = path.join(root, relative)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, content)
  return file
}

type How = "compiled" | "cached" | "tsx"

/** `export --format json` of a spec, and how the command says it loaded it. */
const load = async (spec: string, env: { readonly [name: string]: string } = {}, cwd = project) => {
  const result = await estimator(["export", spec, "--format", "json"], { cwd, env: { ESTIMATOR_DEBUG: "1", ...env } })
  expect(result.stderr).not.toMatch(/^error/m)
  expect(result.code).toBe(0)
  const how: How | undefined = /just compiled into the cache/.test(result.stderr)
    ? "compiled"
    : /from the cache/.test(result.stderr)
    ? "cached"
    : /loading with tsx/.test(result.stderr)
    ? "tsx"
    : undefined
  const mode = /\((bundled|packages-external)\)/.exec(result.stderr)?.[1]
  const reason = /not from the compile cache: (.*)$/m.exec(result.stderr)?.[1]
  return { spec: json(result), how, mode, reason, stderr: result.stderr }
}

const withTsx = { ESTIMATOR_NO_SPEC_CACHE: "1" }

const specSource = (helper: string) => `import { Estimator } from "@estimator/core"
import { pipe } from "fp-ts/lib/function.js"
import { EPOCHS } from "${helper}"

export default pipe(
  Estimator.make({ entryScript: "train.py", sourceDirectory: "src" }),
  Estimator.withScriptParams({ "--epochs": EPOCHS })
)
`

describe("the compile cache of .ts specs", () => {
  it("compiles a spec once into node_modules/.cache/estimator/specs, then loads it from there; it means what tsx reads", async () => {
    write("lib/settings.ts", "export const EPOCHS: number = 10\n")
    const spec = write("first.ts", specSource("./lib/settings.js"))
    const first = await load("first.ts")
    expect(first.how).toBe("compiled")
    expect(first.mode).toBe("bundled")
    expect(first.spec.arguments).toEqual(["--epochs", 10])
    expect(fs.readdirSync(cacheDirectory).filter((f) => f.startsWith("first.ts-") && f.endsWith(".mjs"))).toHaveLength(1)
    const second = await load("first.ts")
    expect(second.how).toBe("cached")
    expect(second.spec).toEqual(first.spec)
    const tsx = await load("first.ts", withTsx)
    expect(tsx.how).toBe("tsx")
    expect(tsx.reason).toContain("ESTIMATOR_NO_SPEC_CACHE")
    expect(tsx.spec).toEqual(first.spec)
    // From another folder the same spec file is the same cache entry.
    const elsewhere = await load(spec, {}, path.dirname(project))
    expect(elsewhere.how).toBe("cached")
  })

  it("recompiles when a local import changes, and not when a file is only touched", async () => {
    write("lib/counts.ts", "export const EPOCHS: number = 10\n")
    write("second.ts", specSource("./lib/counts.js"))
    expect((await load("second.ts")).how).toBe("compiled")
    const helper = write("lib/counts.ts", "export const EPOCHS: number = 300\n")
    const changed = await load("second.ts")
    expect(changed.how).toBe("compiled")
    expect(changed.spec.arguments).toEqual(["--epochs", 300])
    const later = new Date(Date.now() + 60_000)
    fs.utimesSync(helper, later, later)
    const touched = await load("second.ts")
    expect(touched.how).toBe("cached")
    expect(touched.spec.arguments).toEqual(["--epochs", 300])
    // Same size, new content: the mtime differs and so does the hash.
    write("lib/counts.ts", "export const EPOCHS: number = 301\n")
    const sameSize = await load("second.ts")
    expect(sameSize.how).toBe("compiled")
    expect(sameSize.spec.arguments).toEqual(["--epochs", 301])
  })

  it("keeps import.meta.url, import.meta.dirname and import.meta.filename of the spec and of each local file", async () => {
    write(
      "lib/where.ts",
      `import { fileURLToPath } from "node:url"
export const helperFolder: string = fileURLToPath(new URL(".", import.meta.url))
export const helperFile: string = import.meta.filename
`
    )
    write(
      "located.ts",
      `import { Estimator } from "@estimator/core"
import { pipe } from "fp-ts/lib/function.js"
import { fileURLToPath } from "node:url"
import { helperFile, helperFolder } from "./lib/where.js"

export default pipe(
  Estimator.make({ entryScript: "train.py", sourceDirectory: fileURLToPath(new URL("./jobs/located", import.meta.url)) }),
  Estimator.withScriptParams({ "--helper-folder": helperFolder, "--helper-file": helperFile, "--spec-folder": import.meta.dirname })
)
`
    )
    const cached = await load("located.ts")
    expect(cached.how).toBe("compiled")
    expect(cached.spec.arguments).toEqual([
      "--helper-folder",
      path.join(project, "lib") + path.sep,
      "--helper-file",
      path.join(project, "lib", "where.ts"),
      "--spec-folder",
      project
    ])
    // An absolute source directory is kept as written: the spec's own jobs/located.
    expect(cached.spec.sourceDirectory).toBe(path.join(project, "jobs", "located"))
    expect((await load("located.ts")).spec).toEqual(cached.spec)
    expect((await load("located.ts", withTsx)).spec).toEqual(cached.spec)
  })

  it("leaves a spec that uses __dirname to tsx, and says why", async () => {
    write(
      "dirname.ts",
      `import { Estimator } from "@estimator/core"
declare const __dirname: string | undefined
export default Estimator.make({ entryScript: "train.py", sourceDirectory: typeof __dirname === "string" ? __dirname : "esm" })
`
    )
    const loaded = await load("dirname.ts")
    expect(loaded.how).toBe("tsx")
    expect(loaded.reason).toContain("dirname.ts uses __dirname/__filename")
    expect(loaded.spec).toEqual((await load("dirname.ts", withTsx)).spec)
  })

  it("bundles the packages a spec imports, and recompiles when one of them changes", async () => {
    write("node_modules/fake-epochs/package.json", JSON.stringify({ name: "fake-epochs", version: "1.0.0", type: "module", main: "index.js" }))
    write("node_modules/fake-epochs/index.js", "export const EPOCHS = 3\n")
    write("packaged.ts", specSource("fake-epochs"))
    const first = await load("packaged.ts")
    expect(first.how).toBe("compiled")
    expect(first.mode).toBe("bundled")
    expect(first.spec.arguments).toEqual(["--epochs", 3])
    expect((await load("packaged.ts")).how).toBe("cached")
    write("node_modules/fake-epochs/index.js", "export const EPOCHS = 4444\n")
    const changed = await load("packaged.ts")
    expect(changed.how).toBe("compiled")
    expect(changed.spec.arguments).toEqual(["--epochs", 4444])
  })

  it("keeps a package that reads its own location as an import, resolved from the spec's node_modules", async () => {
    write("node_modules/fake-where/package.json", JSON.stringify({ name: "fake-where", version: "1.0.0", type: "module", main: "index.js" }))
    write("node_modules/fake-where/index.js", "import { fileURLToPath } from \"node:url\"\nexport const EPOCHS = fileURLToPath(new URL(\".\", import.meta.url))\n")
    write("whereabouts.ts", specSource("fake-where"))
    const loaded = await load("whereabouts.ts")
    expect(loaded.how).toBe("compiled")
    expect(loaded.mode).toBe("packages-external")
    expect(loaded.spec.arguments).toEqual(["--epochs", path.join(project, "node_modules", "fake-where") + path.sep])
    expect((await load("whereabouts.ts", withTsx)).spec).toEqual(loaded.spec)
  })

  it("without a node_modules folder above the spec, loads it with tsx and says why", async () => {
    expect(specCache.directoryFor(path.join(outside, "plain.ts"))).toBeUndefined()
    const value = { ...JSON.parse(fs.readFileSync(path.join(fixtures, "valid.json"), "utf8")), arguments: ["--epochs", 2] }
    write("plain.ts", `const spec: object = ${JSON.stringify(value)}\nexport default spec\n`, outside)
    const loaded = await load(path.join(outside, "plain.ts"))
    expect(loaded.how).toBe("tsx")
    expect(loaded.reason).toContain("there is no node_modules folder above")
    expect(loaded.spec.arguments).toEqual(["--epochs", 2])
  })

  it("a spec that throws is reported at its own line, as tsx reports it", async () => {
    write("throws.ts", "import { Estimator } from \"@estimator/core\"\nconst boom = (): never => {\n  throw new Error(\"no data\")\n}\nexport default Estimator.make({ entryScript: boom() })\n")
    const result = await estimator(["validate", "throws.ts"], { cwd: project })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("no data")
    expect(result.stderr).toContain("(thrown at throws.ts:3:9)")
  })
})

describe("specCache (in process)", () => {
  it("directoryFor: the nearest node_modules above the spec", () => {
    expect(specCache.directoryFor(path.join(project, "a", "b", "spec.ts"))).toBe(cacheDirectory)
  })

  it("lookup: a spec never compiled is not in the cache; prepare compiles it, then lookup finds it fresh", async () => {
    const spec = write("lookup.ts", specSource("./lib/settings.js"))
    expect(specCache.lookup(spec)).toEqual({ _tag: "Unavailable", reason: "not compiled yet" })
    const built = await specCache.prepare(spec)
    expect(built._tag).toBe("Built")
    const found = specCache.lookup(spec)
    expect(found).toEqual({ _tag: "Fresh", url: built._tag === "Built" ? built.url : "", mode: "bundled" })
    const loaded = (await import(found._tag === "Fresh" ? found.url : "")) as { default: { arguments: unknown } }
    expect(loaded.default.arguments).toEqual(["--epochs", 10])
  })

  it("compiling a spec removes the entries of specs that no longer exist", async () => {
    const gone = write("gone.ts", specSource("./lib/settings.js"))
    expect((await specCache.prepare(gone))._tag).toBe("Built")
    const entries = () => fs.readdirSync(cacheDirectory).filter((f) => f.startsWith("gone.ts-"))
    expect(entries()).toHaveLength(2)
    fs.rmSync(gone)
    expect((await specCache.prepare(write("kept.ts", specSource("./lib/settings.js"))))._tag).toBe("Built")
    expect(entries()).toEqual([])
    expect(fs.readdirSync(cacheDirectory).filter((f) => f.startsWith("kept.ts-"))).toHaveLength(2)
  })

  it("prepare: ESTIMATOR_NO_SPEC_CACHE turns it off", async () => {
    const spec = write("off.ts", specSource("./lib/settings.js"))
    expect(await specCache.prepare(spec, { ESTIMATOR_NO_SPEC_CACHE: "1" })).toEqual({ _tag: "Unavailable", reason: "ESTIMATOR_NO_SPEC_CACHE is set" })
    expect(fs.readdirSync(cacheDirectory).some((f) => f.startsWith("off.ts-"))).toBe(false)
  })
})
