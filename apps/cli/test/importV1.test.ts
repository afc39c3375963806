/**
 * `estimator import --from v1` through the real binary, on the ten real v1 estimator calls of
 * ../shared/testdata (Azure/MachineLearningNotebooks). Each imported spec is planned again with
 * `estimator plan -`, and the plan is checked against what v1 itself would have run, as
 * ../shared/reference/azureml-v1-estimator.md describes it (sections cited per expectation):
 * node count, distribution, image, argv order, environment variables and data inputs.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { estimator, expectCleanError, json, repoRoot } from "./utils/cli.js"

const callsFile = path.resolve(repoRoot, "../shared/testdata/v1-estimator-calls.json")
if (!fs.existsSync(callsFile)) {
  throw new Error(`The v1 estimator calls are missing: expected them at ${callsFile} (the shared reference folder beside the repository).`)
}

interface V1Call {
  readonly class: string
  readonly args: { readonly [name: string]: any }
}
const calls: ReadonlyArray<V1Call> = JSON.parse(fs.readFileSync(callsFile, "utf8"))

// The notebooks' folder: the calls file and, under each call's source_directory, its entry script
// (plans check that the script exists).
const work = fs.mkdtempSync(path.join(os.tmpdir(), "estimator-v1-"))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))
beforeAll(() => {
  fs.copyFileSync(callsFile, path.join(work, "calls.json"))
  for (const call of calls) {
    const script = path.join(work, call.args["source_directory"], call.args["entry_script"])
    fs.mkdirSync(path.dirname(script), { recursive: true })
    fs.writeFileSync(script, "print('training')\n")
  }
})

const write = (name: string, text: string): string => {
  fs.writeFileSync(path.join(work, name), text)
  return name
}

/** The words of a POSIX command line (single and double quotes, backslashes), as a shell splits it. */
const shellWords = (command: string): ReadonlyArray<string> => {
  const words: Array<string> = []
  let word: string | undefined
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!
    if (c === " ") {
      if (word !== undefined) words.push(word)
      word = undefined
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1)
      word = (word ?? "") + command.slice(i + 1, end)
      i = end
    } else if (c === "\\") {
      word = (word ?? "") + command[++i]
    } else {
      word = (word ?? "") + c
    }
  }
  if (word !== undefined) words.push(word)
  return words
}

/** What the script receives, from the job's command: the words after `python <script>`, without the leading VAR=value assignments. */
const scriptArgv = (command: string): ReadonlyArray<string> => {
  const words = shellWords(command)
  const python = words.findIndex((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w))
  expect(words[python]).toBe("python")
  return words.slice(python + 1)
}

/** An argument that names a data input: the job input it refers to. */
const DATA = Symbol("data")
type Expected = string | { readonly [DATA]: { readonly datastore?: string; readonly path?: string; readonly asset?: string } }
const datastore = (name: string, p: string): Expected => ({ [DATA]: { datastore: name, path: p } })
const dataset = (name: string): Expected => ({ [DATA]: { asset: name } })

interface Expectation {
  /** `resources.instanceCount`: v1's node_count (§1.1, "node_count is always the estimator parameter", §3.4). */
  readonly nodes: number
  /** The job's `distribution` (§3.4, §5.2), absent for a single process. */
  readonly distribution?: { readonly [key: string]: unknown }
  /** The image the environment is built on, or the registered environment the job refers to. */
  readonly image: { readonly exact: string } | { readonly matches: RegExp } | { readonly registered: string }
  /** Packages that must be in the environment's conda file (pip section). */
  readonly packages?: ReadonlyArray<string>
  /** The script and its argv, in order (§2.3: insertion order, "" dropped, Python's str()). */
  readonly argv: ReadonlyArray<Expected>
  /** Environment variables the job sets besides the run contract's ESTIMATOR_*. */
  readonly env: { readonly [name: string]: string }
  readonly compute?: string
}

// Only calls on an AmlCompute cluster can be planned for azureml; calls 0 and 1 ran on "local".
const expectations: { readonly [index: number]: Expectation } = {
  // Estimator, distributed_backend='mpi', node_count=2, custom image, a DataReference in script_params.
  2: {
    nodes: 2,
    distribution: { distributionType: "Mpi", processCountPerInstance: 1 }, // §3.4: 'mpi' → mpi.process_count_per_node = 1
    image: { exact: "microsoft/mmlspark:gpu-0.12" }, // §3.3: base_image = custom_docker_image
    packages: ["azureml-defaults", "cntk-gpu==2.6"], // §3.3: pip list = ["azureml-defaults", *pip_packages]
    argv: ["cntk_distr_mnist.py", "--num_epochs", "20", "--data_dir", datastore("workspaceblobstore", "mnist"), "--output_dir", "./outputs"],
    env: {},
    compute: "gpu-cluster"
  },
  // Estimator with environment_definition and a DatasetConsumptionConfig in script_params.
  3: {
    nodes: 1,
    image: { registered: "/environments/env/versions/1" }, // §3.2: environment = environment_definition as is
    argv: ["train.py", "--data-folder", dataset("mnist_opendataset"), "--regularization", "0.5"],
    env: {},
    compute: "gpu-cluster"
  },
  // PyTorch, no framework_version (default 1.4, §1.2), GPU, pip_packages.
  4: {
    nodes: 1,
    image: { matches: /^mcr\.microsoft\.com\/azureml\/openmpi3\.1\.2-cuda10\.1-cudnn7-ubuntu18\.04(:|$)/ }, // §4.3: PyTorch 1.4 GPU
    packages: ["pillow==5.4.1", "torch==1.4.0"], // §4.3: PyTorch 1.4 pins torch==1.4.0
    argv: ["pytorch_train.py", "--num_epochs", "30", "--output_dir", "./outputs"],
    env: { NCCL_TREE_THRESHOLD: "0" }, // §3.4: PyTorch always sets it
    compute: "gpu-cluster"
  },
  // PyTorch + Horovod: distributed_backend='mpi', node_count=2, no script_params.
  5: {
    nodes: 2,
    distribution: { distributionType: "Mpi", processCountPerInstance: 1 },
    image: { matches: /^mcr\.microsoft\.com\/azureml\/openmpi3\.1\.2-cuda10\.1-cudnn7-ubuntu18\.04(:|$)/ },
    packages: ["torch==1.4.0"],
    argv: ["pytorch_horovod_mnist.py"],
    env: { NCCL_TREE_THRESHOLD: "0" },
    compute: "gpu-cluster"
  },
  // Chainer, no framework_version (default 5.1.0, §1.2), GPU, pip_packages.
  6: {
    nodes: 1,
    image: { matches: /^mcr\.microsoft\.com\/azureml\/.*cuda/ }, // a GPU image (§3.5: processor = 'gpu'); the exact Chainer image is unconfirmed (§4.2)
    packages: ["numpy", "pytest", "chainer==5.1.0"], // §4.2: the 5.1.0 environment pins chainer==5.1.0
    argv: ["chainer_mnist.py", "--epochs", "10", "--batchsize", "128", "--output_dir", "./outputs"],
    env: {},
    compute: "gpu-cluster"
  },
  // TensorFlow with ParameterServer(worker_count=2, parameter_server_count=1) and node_count=2.
  7: {
    nodes: 2,
    distribution: { distributionType: "TensorFlow", workerCount: 2, parameterServerCount: 1 }, // §3.4
    image: { matches: /^mcr\.microsoft\.com\/azureml\/intelmpi2018\.3-cuda10\.0-cudnn7-ubuntu16\.04(:|$)/ }, // §4.3: TF 1.13 GPU
    packages: ["tensorflow-gpu==1.13.1"], // §4.3
    argv: ["tf_mnist_replica.py", "--num_gpus", "1", "--train_steps", "500"],
    env: {},
    compute: "gpu-cluster"
  },
  // TensorFlow with resume_from: --resume-from <MODEL_LOCATION> goes at the end (§2.5).
  8: {
    nodes: 1,
    image: { matches: /^mcr\.microsoft\.com\/azureml\/intelmpi2018\.3-cuda10\.0-cudnn7-ubuntu16\.04(:|$)/ },
    packages: ["azureml-dataset-runtime[pandas,fuse]", "tensorflow-gpu==1.13.1"],
    argv: ["tf_mnist_with_checkpoint.py", "--data-folder", dataset("mnist"), "--resume-from", datastore("workspaceblobstore", "model_location")],
    env: {},
    compute: "gpu-cluster"
  },
  // SKLearn on a CPU cluster; 1.0 reaches the script as Python's str(1.0).
  9: {
    nodes: 1,
    image: { matches: /^mcr\.microsoft\.com\/azureml\/(?!.*cuda)/ }, // a CPU image: SKLearn never uses a GPU (§1.4)
    packages: ["joblib==0.13.2", "scikit-learn==0.20.3"], // §4.3: SKLearn 0.20.3 pins scikit-learn==0.20.3
    argv: ["train_iris.py", "--kernel", "linear", "--penalty", "1.0"],
    env: {},
    compute: "cpu-cluster"
  }
}

const userEnv = (variables: { readonly [name: string]: string }) =>
  Object.fromEntries(Object.entries(variables).filter(([name]) => !name.startsWith("ESTIMATOR_")))

describe("estimator import --from v1: the ten real v1 calls", () => {
  let specs: ReadonlyArray<any> = []

  beforeAll(async () => {
    const result = await estimator(["import", "calls.json", "--from", "v1"], { cwd: work })
    expect(result.stderr).not.toMatch(/^error/m)
    expect(result.code).toBe(0)
    specs = json(result)
  })

  it("imports every call (exit 0): one spec per call, v1's warnings on stderr with the call's index", async () => {
    expect(specs).toHaveLength(calls.length)
    const result = await estimator(["import", "calls.json", "--from", "v1"], { cwd: work })
    // Every class was deprecated in 1.19.0 (§5), and v1 logged it on construction (§2.2).
    for (const [index, call] of calls.entries()) {
      expect(result.stderr).toContain(`calls.json[${index}]`)
      expect(result.stderr).toContain(`'${call.class}'${call.class === "Estimator" ? "" : " estimator"} is deprecated`)
    }
    // Each call's entry script and source directory, relative to where the output is saved (here: the file's folder).
    for (const [index, spec] of specs.entries()) {
      expect(spec.entryScript).toBe(calls[index]!.args["entry_script"])
      expect(path.resolve(work, spec.sourceDirectory)).toBe(path.resolve(work, calls[index]!.args["source_directory"]))
    }
  })

  it("--json: one array, one { spec, warnings } per call", async () => {
    const result = await estimator(["import", "calls.json", "--from", "v1", "--json"], { cwd: work })
    expect(result.code).toBe(0)
    const documents = json(result)
    expect(documents).toHaveLength(calls.length)
    documents.forEach((document: any, index: number) => {
      expect(Object.keys(document).sort()).toEqual(["spec", "warnings"])
      expect(document.spec).toEqual(specs[index])
      expect(document.warnings.map((w: any) => w.code)).toContain("v1-estimator-deprecated")
      for (const warning of document.warnings) expect(warning.path.startsWith(`[${index}]`)).toBe(true)
    })
  })

  it("read from another folder, the source directory still names the call's folder", async () => {
    const elsewhere = fs.mkdtempSync(path.join(work, "cwd-"))
    const result = await estimator(["import", path.join(work, "calls.json"), "--from", "v1"], { cwd: elsewhere })
    expect(result.code).toBe(0)
    json(result).forEach((spec: any, index: number) =>
      expect(path.resolve(elsewhere, spec.sourceDirectory)).toBe(path.resolve(work, calls[index]!.args["source_directory"]))
    )
  })

  it.each(Object.keys(expectations).map(Number))("call %i plans for azureml as v1 would have run it", async (index) => {
    const expected = expectations[index]!
    const planned = await estimator(["plan", "-", "--backend", "azureml", "--format", "json"], { cwd: work, input: JSON.stringify(specs[index]) })
    expect(planned.stderr).toBe("")
    expect(planned.code).toBe(0)
    const { requests } = json(planned)
    const job = requests.find((r: any) => r.path.includes("/jobs/")).body.properties
    const environmentRequest = requests.find((r: any) => r.path.includes("/environments/"))

    expect(job.resources.instanceCount).toBe(expected.nodes)
    expect(job.distribution).toEqual(expected.distribution)
    if (expected.compute !== undefined) expect(job.computeId).toMatch(new RegExp(`/computes/${expected.compute}$`))

    if ("registered" in expected.image) {
      expect(job.environmentId.endsWith(expected.image.registered)).toBe(true)
      expect(environmentRequest).toBeUndefined()
    } else {
      expect(environmentRequest.path.endsWith(job.environmentId.slice(job.environmentId.indexOf("/environments/")))).toBe(true)
      const image: string = environmentRequest.body.properties.image
      if ("exact" in expected.image) expect(image).toBe(expected.image.exact)
      else expect(image).toMatch(expected.image.matches)
      const conda: string = environmentRequest.body.properties.condaFile
      for (const name of expected.packages ?? []) expect(conda).toContain(`- ${name}\n`)
    }

    const argv = scriptArgv(job.command)
    expect(argv).toHaveLength(expected.argv.length)
    expected.argv.forEach((want, position) => {
      const got = argv[position]!
      if (typeof want === "string") return expect(got).toBe(want)
      const reference = /^\$\{\{inputs\.([A-Za-z_][A-Za-z0-9_]*)\}\}$/.exec(got)
      expect(reference, `argument ${position} (${got}) should refer to a job input`).not.toBeNull()
      const input = job.inputs[reference![1]!]
      expect(input.mode).toBe("ReadOnlyMount") // "mode": "mount"
      const data = want[DATA]
      if (data.datastore !== undefined) expect(input.uri).toBe(`azureml://datastores/${data.datastore}/paths/${data.path}`)
      else expect(reference![1]).toBe(data.asset)
    })
    // Every input the job mounts is one the argv refers to (v1 collected them from script_params and resume_from, §2.4).
    const referenced = expected.argv.filter((a) => typeof a !== "string").length
    expect(Object.keys(job.inputs ?? {})).toHaveLength(referenced)

    expect(userEnv(job.environmentVariables)).toEqual(expected.env)
  })

  it("call 0 (compute_target 'local', use_docker=False) is a local process; azureml refuses it and names the fields", async () => {
    const input = JSON.stringify(specs[0])
    const local = await estimator(["plan", "-", "--backend", "local", "--format", "json"], { cwd: work, input })
    expect(local.code).toBe(0)
    const [process] = json(local).processes
    // §2.3: {"--my_bool_var": ""} is a bare flag; 10 reaches the script as "10".
    expect(process.argv.slice(1)).toEqual(["dummy_train.py", "--numbers-in-sequence", "10", "--my_bool_var"])
    expect(userEnv(process.env)).toEqual({})
    const azureml = await estimator(["plan", "-", "--backend", "azureml", "--format", "json"], { cwd: work, input })
    expect(azureml.code).toBe(1)
    expect(azureml.stdout).toBe("")
    expect(azureml.stderr).toMatch(/error\s+compute\s/)
    expect(azureml.stderr).toMatch(/error\s+environment\.docker\s/)
  })

  it("call 1 (compute_target 'local' with a custom image, user-managed) is a container of that image, with no packages installed", async () => {
    const input = JSON.stringify(specs[1])
    const docker = await estimator(["plan", "-", "--backend", "docker", "--format", "json"], { cwd: work, input })
    expect(docker.code).toBe(0)
    const envelope = json(docker)
    // §3.3: base_image = custom_docker_image; user_managed: nothing installed on top of it.
    expect(envelope.image.dockerfile).toMatch(/^FROM continuumio\/miniconda3$/m)
    expect(envelope.image.dockerfile).not.toMatch(/pip install|conda (env )?(create|update|install)/)
    const [container] = envelope.containers
    expect(container.create.Cmd.slice(1)).toEqual(["dummy_train.py", "--numbers-in-sequence", "10"])
    const azureml = await estimator(["plan", "-", "--backend", "azureml", "--format", "json"], { cwd: work, input })
    expect(azureml.code).toBe(1)
    expect(azureml.stderr).toMatch(/error\s+compute\s/)
  })
})

describe("estimator import --from v1: what cannot be imported", () => {
  const call = (args: object, cls = "Estimator") => JSON.stringify({ class: cls, args })

  it("malformed JSON: exit 1, the file, line and column", async () => {
    const file = write("malformed.json", "{\n  \"class\": \"Estimator\",\n  \"args\": { \"entry_script\": 'train.py' }\n}\n")
    const result = await estimator(["import", file, "--from", "v1"], { cwd: work })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expectCleanError(result)
    expect(result.stderr).toContain("malformed.json")
    expect(result.stderr).toContain("[v1-invalid-json]")
    expect(result.stderr).toMatch(/line 3, column 2\d/)
  })

  it("an object that is not a call ({\"type\": \"Bogus\"}): exit 1, the key and the fix", async () => {
    const file = write("bogus.json", "{\"type\": \"Bogus\"}")
    const result = await estimator(["import", file, "--from", "v1"], { cwd: work })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expectCleanError(result)
    expect(result.stderr).toContain("bogus.json")
    expect(result.stderr).toMatch(/error\s+type\s+\[v1-unknown-field\]/)
    expect(result.stderr).toMatch(/error\s+class\s/)
    expect(result.stderr).toMatch(/fix: /)
  })

  it("an unknown object type inside the call: exit 1 at its path", async () => {
    const file = write("bogus-type.json", call({ source_directory: ".", entry_script: "train.py", compute_target: { type: "Bogus", name: "x" } }))
    const result = await estimator(["import", file, "--from", "v1"], { cwd: work })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expect(result.stderr).toMatch(/error\s+args\.compute_target/)
    expect(result.stderr).toContain("Bogus")
  })

  it("a missing entry_script: exit 1 at args.entry_script", async () => {
    const file = write("no-entry.json", call({ source_directory: ".", compute_target: "local" }))
    const result = await estimator(["import", file, "--from", "v1"], { cwd: work })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expectCleanError(result)
    expect(result.stderr).toMatch(/error\s+args\.entry_script\s/)
  })

  it("use_gpu on SKLearn (v1's TypeError): exit 1 at args.use_gpu", async () => {
    const file = write("sklearn-gpu.json", call({ source_directory: ".", entry_script: "train.py", compute_target: "local", use_gpu: true }, "SKLearn"))
    const result = await estimator(["import", file, "--from", "v1"], { cwd: work })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expectCleanError(result)
    expect(result.stderr).toMatch(/error\s+args\.use_gpu\s+\[v1-unexpected-keyword\]/)
    expect(result.stderr).toContain("unexpected keyword argument 'use_gpu'")
  })

  it("--json on a failing call: { errors, warnings } on stdout, exit 1", async () => {
    const input = call({ source_directory: ".", entry_script: "train.py", compute_target: "local", use_gpu: true }, "SKLearn")
    const result = await estimator(["import", "-", "--from", "v1", "--json"], { cwd: work, input })
    expect(result.code).toBe(1)
    const document = json(result)
    expect(Object.keys(document).sort()).toEqual(["errors", "warnings"])
    expect(document.errors.map((e: any) => [e.path, e.code])).toEqual([["args.use_gpu", "v1-unexpected-keyword"]])
  })

  it("a list with one bad call: exit 1, no specs on stdout, the bad call named by its index; --json keeps one result per call", async () => {
    const good = { class: "Estimator", args: { source_directory: ".", entry_script: "train.py", compute_target: "local" } }
    const bad = { class: "Estimator", args: { source_directory: ".", entry_script: "train.py", compute_target: "local", node_count: 0 } }
    const file = write("mixed.json", JSON.stringify([good, bad]))
    const plain = await estimator(["import", file, "--from", "v1"], { cwd: work })
    expect(plain.code).toBe(1)
    expect(plain.stdout).toBe("")
    expect(plain.stderr).toMatch(/error\s+\[1\]\.args\.node_count\s/)
    expect(plain.stderr).toContain("1 of 2 v1 calls in mixed.json cannot be imported ([1])")
    const withJson = await estimator(["import", file, "--from", "v1", "--json"], { cwd: work })
    expect(withJson.code).toBe(1)
    const [first, second] = json(withJson)
    expect(first.spec.entryScript).toBe("train.py")
    expect(second.spec).toBeUndefined()
    // §2.1 rule 6: "Node count should be at least 1."
    expect(second.errors.find((e: any) => e.path === "[1].args.node_count").message).toContain("Node count should be at least 1")
  })

  it("a file that does not exist: exit 1 with its name", async () => {
    const result = await estimator(["import", "nope.json", "--from", "v1"], { cwd: work })
    expect(result.code).toBe(1)
    expectCleanError(result)
    expect(result.stderr).toContain("nope.json does not exist")
  })
})
