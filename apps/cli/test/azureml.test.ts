/**
 * `--backend azureml` and `export --format azureml-yaml` through the real binary. Runs go to the
 * workspace emulator of `@estimator/submit` (its datastore is Azurite), reached through
 * ESTIMATOR_AZUREML_ENDPOINT with a static token (ESTIMATOR_AZUREML_TOKEN) and the AZUREML_*
 * workspace variables; `status` and `logs` are separate invocations that read the run store.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import YAML from "yaml"
import { estimator, expectCleanError, json, repoRoot, type Result, tempDirInRepo } from "./utils/cli.js"
import { type Azurite, type Emulator, environmentFor, startWorkspace, TOKEN } from "./utils/azureml.js"

const examples = path.join(repoRoot, "apps", "examples", "src")
const RUN_ID = /^\d{8}-\d{6}-[a-z0-9]{8}$/
const WORKSPACE_VARIABLES = { AZUREML_SUBSCRIPTION_ID: undefined, AZUREML_RESOURCE_GROUP: undefined, AZUREML_WORKSPACE_NAME: undefined }

const temps: Array<string> = []
afterAll(() => {
  for (const temp of temps) fs.rmSync(temp, { recursive: true, force: true })
})

/** A fresh folder (its own run store) with the quickstart job on the workspace cluster cpu-cluster. */
const quickstart = (): string => {
  const folder = tempDirInRepo()
  temps.push(folder)
  fs.cpSync(path.join(examples, "jobs", "quickstart"), path.join(folder, "jobs", "quickstart"), { recursive: true })
  fs.cpSync(path.join(examples, "data", "quickstart"), path.join(folder, "data", "quickstart"), { recursive: true })
  fs.writeFileSync(
    path.join(folder, "job.ts"),
    `import { Data, Estimator } from "@estimator/core"
import { pipe } from "fp-ts/lib/function.js"
export default pipe(
  Estimator.make({ entryScript: "train.py", sourceDirectory: "./jobs/quickstart" }),
  Estimator.withInput("points", Data.fromLocal("./data/quickstart")),
  Estimator.withScriptParams({ "--data": Data.input("points"), "--epochs": 200, "--learning-rate": 0.05 }),
  Estimator.withExperimentName("quickstart"),
  Estimator.withCompute(Estimator.cluster("cpu-cluster"))
)
`
  )
  return folder
}

/** No secret of the workspace reaches the output: the token, the storage key, a SAS signature. */
const expectNoSecrets = (result: Result, azurite: Azurite): void => {
  for (const text of [result.stdout, result.stderr]) {
    expect(text).not.toContain(TOKEN)
    expect(text).not.toContain(azurite.accountKey)
    expect(text).not.toMatch(/[?&]sig=/)
  }
}

describe("estimator run --backend azureml (workspace emulator + Azurite)", () => {
  let workspace: Awaited<ReturnType<typeof startWorkspace>>
  let emulator: Emulator
  beforeAll(async () => {
    workspace = await startWorkspace()
    emulator = workspace.emulator
  }, 60_000)
  afterAll(async () => {
    await workspace?.close()
  })

  it("runs the quickstart job to Completed (exit 0), streaming its log; status and logs read it later", async () => {
    const cwd = quickstart()
    const env = environmentFor(emulator)
    const result = await estimator(["run", "job.ts", "--backend", "azureml"], { cwd, env })
    expect(result.stderr).toMatch(/run \S+ Completed/)
    expect(result.code).toBe(0)
    // The emulator's log of the job, streamed to standard output.
    expect(result.stdout).toContain("epoch 3/3 loss=0.20")
    // Not a terminal: one line per upload when it is done (the code and the input).
    expect(result.stderr).toMatch(/^upload sourceDirectory 1\/1 file, /m)
    expect(result.stderr).toMatch(/^upload inputs\.points 1\/1 file, /m)
    expectNoSecrets(result, workspace.azurite)

    const runId = /run (\S+) Completed/.exec(result.stderr)?.[1] ?? ""
    expect(runId).toMatch(RUN_ID)
    // The job was created in the emulated workspace under the run id, and got to its end.
    const job = emulator.state.job(runId)
    expect(job?.status).toBe("Completed")
    expect(job?.history).toEqual(["NotStarted", "Queued", "Preparing", "Running", "Completed"])
    expect(emulator.state.violations).toEqual([])
    expect(emulator.state.unhandled).toEqual([])

    const status = await estimator(["status", runId, "--json"], { cwd, env })
    expect(status.code).toBe(0)
    expect(json(status)).toEqual(expect.objectContaining({ runId, backend: "azureml", status: "Completed" }))
    expect(json(status).externalId).toMatch(new RegExp(`/workspaces/${emulator.workspace.workspace}/jobs/${runId}$`))
    const human = await estimator(["status", runId], { cwd, env })
    expect(human.stdout).toContain("Completed")
    expect(human.stdout).toContain(`/jobs/${runId}`)

    const logs = await estimator(["logs", runId], { cwd, env })
    expect(logs.code).toBe(0)
    expect(logs.stdout).toContain(`[emulator] job ${runId} finished`)
    expectNoSecrets(logs, workspace.azurite)
  }, 60_000)

  it("--detach prints the run id and returns; status, asked again, follows the job to Completed", async () => {
    const cwd = quickstart()
    const env = environmentFor(emulator)
    const result = await estimator(["run", "job.ts", "--backend", "azureml", "--detach"], { cwd, env })
    expect(result.code).toBe(0)
    const runId = result.stdout.trim()
    expect(runId).toMatch(RUN_ID)
    expect(emulator.state.job(runId)?.status).not.toBe("Completed")
    let status = ""
    for (let attempt = 0; attempt < 10 && status !== "Completed"; attempt++) {
      const asked = await estimator(["status", runId, "--json"], { cwd, env })
      expect(asked.code).toBe(0)
      status = json(asked).status
    }
    expect(status).toBe("Completed")
    expect(emulator.state.job(runId)?.status).toBe("Completed")
  }, 60_000)

  it("cancel from another invocation: the job is canceled in the workspace (its cancel operation followed to the end), exit 0", async () => {
    // A workspace whose jobs stay Running for a minute, and whose cancel takes one step.
    const slow = await startWorkspace({
      lifecycle: () => ["Queued", "Running", ...Array.from({ length: 60 }, () => "Running"), "Completed"],
      advance: { msPerStep: 1000 },
      cancelSteps: 1,
      lroRetryAfterSeconds: 1
    })
    try {
      const cwd = quickstart()
      const env = environmentFor(slow.emulator)
      const started = await estimator(["run", "job.ts", "--backend", "azureml", "--detach"], { cwd, env })
      expect(started.code).toBe(0)
      const runId = started.stdout.trim()
      expect(runId).toMatch(RUN_ID)
      const canceled = await estimator(["cancel", runId], { cwd, env })
      expectNoSecrets(canceled, slow.azurite)
      expect(canceled.code).toBe(0)
      expect(canceled.stdout).toMatch(new RegExp(`^run ${runId} Canceled`))
      const job = slow.emulator.state.job(runId)
      expect(job?.status).toBe("Canceled")
      expect(job?.history).toContain("CancelRequested")
      expect(job?.history).not.toContain("Completed")
      const asked = await estimator(["status", runId, "--json"], { cwd, env })
      expect(json(asked).status).toBe("Canceled")
      expect(slow.emulator.state.violations).toEqual([])
    } finally {
      await slow.close()
    }
  }, 60_000)

  it("a workspace the service does not know: exit 1, a clean message, nothing leaked", async () => {
    const cwd = quickstart()
    const result = await estimator(["run", "job.ts", "--backend", "azureml"], {
      cwd,
      env: { ...environmentFor(emulator), AZUREML_WORKSPACE_NAME: "no-such-workspace" }
    })
    expect(result.code).toBe(1)
    expectCleanError(result)
    expectNoSecrets(result, workspace.azurite)
  }, 60_000)
})

describe("the azureml workspace", () => {
  it("run: no workspace anywhere is exit 1 listing every missing field and the three ways to give it", async () => {
    const cwd = quickstart()
    const result = await estimator(["run", "job.ts", "--backend", "azureml"], { cwd, env: WORKSPACE_VARIABLES })
    expect(result.code).toBe(1)
    expectCleanError(result)
    expect(result.stderr).toContain("missing subscription_id, resource_group, workspace_name")
    expect(result.stderr).toContain("--workspace FILE")
    expect(result.stderr).toContain("AZUREML_SUBSCRIPTION_ID, AZUREML_RESOURCE_GROUP, AZUREML_WORKSPACE_NAME")
    expect(result.stderr).toContain("config.json")
    // Nothing was started.
    expect(fs.existsSync(path.join(cwd, ".estimator", "runs")) ? fs.readdirSync(path.join(cwd, ".estimator", "runs")) : []).toEqual([])
  })

  it("run: a partial workspace names only what is missing", async () => {
    const cwd = quickstart()
    const result = await estimator(["run", "job.ts", "--backend", "azureml"], {
      cwd,
      env: { ...WORKSPACE_VARIABLES, AZUREML_SUBSCRIPTION_ID: "sub-1", AZUREML_WORKSPACE_NAME: "ws-1" }
    })
    expect(result.code).toBe(1)
    expectCleanError(result)
    expect(result.stderr).toMatch(/incomplete: missing resource_group\./)
  })

  it("run: --workspace FILE that does not exist is exit 1 naming it", async () => {
    const cwd = quickstart()
    const result = await estimator(["run", "job.ts", "--backend", "azureml", "--workspace", "nowhere.json"], { cwd, env: WORKSPACE_VARIABLES })
    expect(result.code).toBe(1)
    expectCleanError(result)
    expect(result.stderr).toContain(path.join(cwd, "nowhere.json"))
  })

  it("--workspace with another backend is a usage error", async () => {
    const result = await estimator(["run", "job.ts", "--backend", "local", "--workspace", "config.json"], { cwd: quickstart() })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("--workspace only applies to --backend azureml")
  })

  const planPaths = async (cwd: string, env: { readonly [name: string]: string | undefined }, extra: ReadonlyArray<string> = []) => {
    const result = await estimator(["plan", "job.ts", "--backend", "azureml", "--format", "json", ...extra], { cwd, env })
    expect(result.code).toBe(0)
    return (json(result).requests as ReadonlyArray<{ readonly path: string }>).map((request) => request.path)
  }

  it("plan: the environment variables, a config.json found in .azureml/, or placeholders when there is none", async () => {
    const cwd = quickstart()
    const fromVariables = await planPaths(cwd, { AZUREML_SUBSCRIPTION_ID: "sub-1", AZUREML_RESOURCE_GROUP: "rg-1", AZUREML_WORKSPACE_NAME: "ws-1" })
    for (const p of fromVariables) expect(p).toMatch(/^\/subscriptions\/sub-1\/resourceGroups\/rg-1\/providers\/Microsoft\.MachineLearningServices\/workspaces\/ws-1\//)

    const none = await planPaths(cwd, WORKSPACE_VARIABLES)
    for (const p of none) expect(p).toContain("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/")

    fs.mkdirSync(path.join(cwd, ".azureml"))
    fs.writeFileSync(path.join(cwd, ".azureml", "config.json"), JSON.stringify({ subscription_id: "sub-2", resource_group: "rg-2", workspace_name: "ws-2" }))
    const discovered = await planPaths(cwd, WORKSPACE_VARIABLES)
    for (const p of discovered) expect(p).toContain("/subscriptions/sub-2/resourceGroups/rg-2/")
    // A variable overrides the same field of the found file.
    const overridden = await planPaths(cwd, { ...WORKSPACE_VARIABLES, AZUREML_WORKSPACE_NAME: "ws-3" })
    for (const p of overridden) expect(p).toContain("/subscriptions/sub-2/resourceGroups/rg-2/providers/Microsoft.MachineLearningServices/workspaces/ws-3/")
    // --workspace FILE wins over both.
    fs.writeFileSync(path.join(cwd, "other.json"), JSON.stringify({ subscription_id: "sub-4", resource_group: "rg-4", workspace_name: "ws-4" }))
    const named = await planPaths(cwd, { ...WORKSPACE_VARIABLES, AZUREML_WORKSPACE_NAME: "ws-3" }, ["--workspace", "other.json"])
    for (const p of named) expect(p).toContain("/workspaces/ws-4/")
  })

  it("plan: a partial workspace keeps the placeholders and warns what is missing", async () => {
    const cwd = quickstart()
    const result = await estimator(["plan", "job.ts", "--backend", "azureml", "--format", "json"], {
      cwd,
      env: { ...WORKSPACE_VARIABLES, AZUREML_RESOURCE_GROUP: "rg-1" }
    })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("{subscriptionId}")
    expect(result.stderr).toContain("missing subscription_id, workspace_name")
  })
})

describe("estimator export --format azureml-yaml with environment files", () => {
  const project = (files: { readonly [name: string]: string }, environment: string): string => {
    const folder = tempDirInRepo()
    temps.push(folder)
    fs.mkdirSync(path.join(folder, "code"))
    fs.writeFileSync(path.join(folder, "code", "train.py"), "print('hi')\n")
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(folder, "code", name), content)
    fs.writeFileSync(
      path.join(folder, "job.ts"),
      `import { Estimator } from "@estimator/core"
export default Estimator.${environment}(Estimator.make({ entryScript: "train.py", sourceDirectory: "code" }), "${environment === "withCondaFile" ? "env/conda.yml" : "requirements.txt"}")
`
    )
    return folder
  }

  it("a requirements file is read from the source directory and its packages written into the YAML", async () => {
    const cwd = project({ "requirements.txt": "numpy==1.26.4\nscikit-learn>=1.3\n" }, "withPipRequirements")
    // Run from elsewhere: the file is found relative to the spec's folder, not the current directory.
    const result = await estimator(["export", path.join(cwd, "job.ts"), "--format", "azureml-yaml"], { cwd: repoRoot })
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    const document = YAML.parse(result.stdout)
    // Inline: the requirements become the pip section of the conda specification.
    const conda = document.environment.conda_file
    const pip = (conda.dependencies as ReadonlyArray<unknown>).find((d): d is { pip: ReadonlyArray<string> } => typeof d === "object" && d !== null && "pip" in d)
    expect(pip?.pip).toEqual(expect.arrayContaining(["numpy==1.26.4", "scikit-learn>=1.3"]))
  })

  it("a conda file in a subfolder is keyed as the spec writes it and referred to from the current directory; missing, it is exit 1", async () => {
    const folder = project({}, "withCondaFile")
    const missing = await estimator(["export", "job.ts", "--format", "azureml-yaml"], { cwd: folder })
    expect(missing.code).toBe(1)
    expectCleanError(missing)
    expect(missing.stderr).toContain("environment.condaFile env/conda.yml does not exist")
    fs.mkdirSync(path.join(folder, "code", "env"))
    fs.writeFileSync(path.join(folder, "code", "env", "conda.yml"), "name: exported\ndependencies:\n  - python=3.10\n  - pip\n")
    const result = await estimator(["export", "job.ts", "--format", "azureml-yaml"], { cwd: folder })
    expect(result.code).toBe(0)
    expect(YAML.parse(result.stdout).environment.conda_file).toBe("code/env/conda.yml")
  })

  it("a missing requirements file is exit 1 naming it, with nothing on standard output", async () => {
    const cwd = project({}, "withPipRequirements")
    const result = await estimator(["export", "job.ts", "--format", "azureml-yaml"], { cwd })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expectCleanError(result)
    expect(result.stderr).toContain("environment.pipRequirementsFile requirements.txt does not exist")
    expect(result.stderr).toContain(path.join(cwd, "code", "requirements.txt"))
  })
})
