import { Data, Estimator, Secret, Validation } from "@estimator/core"
import * as fc from "fast-check"
import * as E from "fp-ts/lib/Either.js"
import { describe, expect, it } from "vitest"
import { pipe } from "fp-ts/lib/function.js"
import { readFileSync } from "node:fs"
import { effectivePackages } from "../src/FrameworkEnvironment.js"
import { pythonFloat } from "../src/internal/v1Json.js"
import { pytorch } from "../src/PyTorch.js"
import * as V1Import from "../src/V1Import.js"

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

type Args = { readonly [name: string]: unknown }

const CLUSTER = { type: "AmlCompute", name: "cluster" }

/** A call that imports cleanly on its own: a script on an AmlCompute cluster. */
const call = (cls: V1Import.V1Class, args: Args = {}) => ({
  class: cls,
  args: { source_directory: ".", entry_script: "train.py", compute_target: CLUSTER, ...args }
})

const ok = (input: unknown): V1Import.Imported => {
  const result = V1Import.fromV1Call(input)
  if (E.isLeft(result)) throw new Error(`expected an import, got:\n${result.left.errors.map(Validation.format).join("\n")}`)
  return result.right
}

const fail = (input: unknown): V1Import.Failure => {
  const result = V1Import.fromV1Call(input)
  if (E.isRight(result)) throw new Error(`expected errors, got a spec with warnings ${JSON.stringify(result.right.warnings)}`)
  return result.left
}

const json = (text: string): V1Import.Result => {
  const result = V1Import.fromJson(text)
  if (E.isLeft(result)) throw new Error(JSON.stringify(result.left))
  const first = result.right.results[0]
  if (first === undefined) throw new Error("no result")
  return first
}

/** `path code` of each issue with one of `codes` (all when none given). */
const pathsOf = (issues: ReadonlyArray<Validation.Issue>, code: string): ReadonlyArray<string> =>
  issues.filter((issue) => issue.code === code).map((issue) => issue.path)

const find = (issues: ReadonlyArray<Validation.Issue>, code: string, path: string): Validation.Issue => {
  const issue = issues.find((i) => i.code === code && i.path === path)
  if (issue === undefined) throw new Error(`no ${code} at ${path} in:\n${issues.map(Validation.format).join("\n")}`)
  return issue
}

const CLASSES = V1Import.classes

// -------------------------------------------------------------------------------------
// the call's shape (Python's own checks)
// -------------------------------------------------------------------------------------

describe("the shape of a call", () => {
  it("rejects an unknown class, suggesting the closest", () => {
    const failure = fail({ class: "Pytorch", args: { source_directory: "." } })
    const issue = find(failure.errors, "v1-unknown-class", "class")
    expect(issue.hint).toContain("\"PyTorch\"")
  })

  it("rejects a call without args, and a non-object call", () => {
    expect(pathsOf(fail({ class: "Estimator" }).errors, "v1-invalid-call")).toEqual(["args"])
    expect(pathsOf(fail([1, 2]).errors, "v1-invalid-call")).toEqual([""])
  })

  it("accepts a \"source\" describing where the call came from, and rejects other top-level keys", () => {
    ok({ ...call("Estimator"), source: { repo: "a/b", path: "x.ipynb" } })
    expect(pathsOf(fail({ ...call("Estimator"), kwargs: {} }).errors, "v1-unknown-field")).toEqual(["kwargs"])
  })

  it("needs source_directory, as Python needs the positional argument", () => {
    const failure = fail({ class: "Estimator", args: { entry_script: "train.py", compute_target: "local" } })
    expect(find(failure.errors, "v1-missing-argument", "args.source_directory").message).toBe("__init__() missing 1 required positional argument: 'source_directory'")
  })

  it("treats source_directory None or \"\" as \".\"", () => {
    expect(ok(call("Estimator", { source_directory: null })).spec.sourceDirectory).toBe(".")
    expect(ok(call("Estimator", { source_directory: "" })).spec.sourceDirectory).toBe(".")
  })

  it("rejects an argument no class takes, as Python's TypeError, with a suggestion", () => {
    const failure = fail(call("Estimator", { entry_scirpt: "train.py" }))
    const issue = find(failure.errors, "v1-unknown-argument", "args.entry_scirpt")
    expect(issue.message).toContain("__init__() got an unexpected keyword argument 'entry_scirpt'")
    expect(issue.hint).toContain("\"entry_script\"")
  })

  it("reports every unknown and unexpected argument at once", () => {
    const failure = fail(call("SKLearn", { use_gpu: true, node_count: 2, gpus: 1 }))
    expect(failure.errors.map((e) => `${e.path} ${e.code}`)).toEqual([
      "args.use_gpu v1-unexpected-keyword",
      "args.node_count v1-unexpected-keyword",
      "args.gpus v1-unknown-argument"
    ])
  })

  it("rejects a repeated keyword argument (Python's SyntaxError) in JSON text", () => {
    const result = json(`{"class": "Estimator", "args": {"source_directory": ".", "entry_script": "a.py", "entry_script": "b.py", "compute_target": "local"}}`)
    if (E.isRight(result)) throw new Error("expected an error")
    expect(find(result.left.errors, "v1-duplicate-key", "args.entry_script").message).toBe("keyword argument repeated: entry_script")
  })

  it("rejects values of the wrong JSON type, naming what was expected but not the value", () => {
    const failure = fail(call("Estimator", { node_count: "2", use_gpu: "yes", pip_packages: "numpy" }))
    expect(pathsOf(failure.errors, "v1-invalid-argument-type")).toEqual(["args.node_count", "args.use_gpu", "args.pip_packages"])
    expect(find(failure.errors, "v1-invalid-argument-type", "args.node_count").message).toBe("args.node_count must be an integer, but it is a string.")
  })

  it("asks for framework_version as a string (v1 compares strings)", () => {
    const failure = fail(call("PyTorch", { framework_version: 1.6 }))
    expect(find(failure.errors, "v1-invalid-argument-type", "args.framework_version").hint).toContain("\"1.6\"")
  })

  it("rejects objects without a type, of an unknown type, with unknown or missing fields", () => {
    expect(pathsOf(fail(call("Estimator", { compute_target: { name: "c" } })).errors, "v1-missing-type")).toEqual(["args.compute_target.type"])
    expect(pathsOf(fail(call("Estimator", { compute_target: { type: "AKSCompute", name: "c" } })).errors, "v1-unknown-type")).toEqual(["args.compute_target.type"])
    const unknownField = fail(call("Estimator", { distributed_training: { type: "Mpi", process_count: 2 }, distributed_backend: null }))
    expect(find(unknownField.errors, "v1-unknown-field", "args.distributed_training.process_count").message).toBe("Mpi.__init__() got an unexpected keyword argument 'process_count'")
    expect(pathsOf(fail(call("Estimator", { compute_target: { type: "AmlCompute" } })).errors, "v1-missing-field")).toEqual(["args.compute_target.name"])
  })

  it("rejects an object where another kind is expected", () => {
    expect(pathsOf(fail(call("Estimator", { compute_target: { type: "Gloo" } })).errors, "v1-invalid-argument-type")).toEqual(["args.compute_target"])
  })
})

// -------------------------------------------------------------------------------------
// every parameter of every class
// -------------------------------------------------------------------------------------

interface Sample {
  readonly args: Args
  readonly check: (spec: Estimator.Estimator) => void
}

const DATA_REFERENCE = { type: "DataReference", datastore: "ds", path: "train", mode: "download" }

const samples: { readonly [name: string]: (cls: V1Import.V1Class) => Sample } = {
  source_directory: () => ({ args: { source_directory: "./src" }, check: (s) => expect(s.sourceDirectory).toBe("./src") }),
  compute_target: () => ({ args: { compute_target: { type: "AmlCompute", name: "gpu" } }, check: (s) => expect(s.compute).toEqual(Estimator.cluster("gpu")) }),
  vm_size: () => ({ args: { compute_target: undefined, vm_size: "Standard_NC6" }, check: (s) => expect(s.compute).toEqual(Estimator.serverless("Standard_NC6")) }),
  vm_priority: () => ({
    args: { compute_target: undefined, vm_size: "Standard_NC6", vm_priority: "lowpriority" },
    check: (s) => expect(s.compute).toEqual(Estimator.serverless("Standard_NC6", "lowpriority"))
  }),
  entry_script: () => ({ args: { entry_script: "main.py" }, check: (s) => expect(s.entryScript).toBe("main.py") }),
  script_params: () => ({ args: { script_params: { "--lr": 0.1 } }, check: (s) => expect(s.arguments).toEqual(["--lr", 0.1]) }),
  node_count: () => ({ args: { node_count: 3, distributed_backend: "mpi" }, check: (s) => expect(s.nodeCount).toBe(3) }),
  process_count_per_node: () => ({ args: { process_count_per_node: 4, distributed_backend: "mpi" }, check: (s) => expect(s.processCountPerNode).toBe(4) }),
  distributed_backend: () => ({ args: { distributed_backend: "mpi" }, check: (s) => expect(s.distribution).toEqual({ _tag: "Mpi" }) }),
  distributed_training: () => ({
    args: { distributed_training: { type: "MpiConfiguration", process_count_per_node: 2 } },
    check: (s) => {
      expect(s.distribution).toEqual({ _tag: "Mpi" })
      expect(s.processCountPerNode).toBe(2)
    }
  }),
  use_gpu: () => ({ args: { use_gpu: true }, check: (s) => expect(s.gpu).toBe(true) }),
  use_docker: () => ({ args: { use_docker: false }, check: (s) => expect(s.environment.docker).toBe(false) }),
  custom_docker_base_image: () => ({ args: { custom_docker_base_image: "me/base:1" }, check: (s) => expect(s.environment.image).toEqual({ name: "me/base:1" }) }),
  custom_docker_image: () => ({ args: { custom_docker_image: "me/img:1" }, check: (s) => expect(s.environment.image).toEqual({ name: "me/img:1" }) }),
  image_registry_details: () => ({
    args: { custom_docker_image: "acr.io/img:1", image_registry_details: { type: "ContainerRegistry", address: "acr.io", username: "me", password_env: "ACR_PASSWORD" } },
    check: (s) => expect(s.environment.image?.registry).toEqual({ address: "acr.io", username: "me", password: Secret.fromEnv("ACR_PASSWORD") })
  }),
  user_managed: () => ({ args: { user_managed: true }, check: (s) => expect(s.environment.userManagedPython).toBe(true) }),
  conda_packages: () => ({ args: { conda_packages: ["numpy"] }, check: (s) => expect(s.environment.condaPackages).toEqual(["numpy"]) }),
  pip_packages: () => ({ args: { pip_packages: ["requests"] }, check: (s) => expect(s.environment.pipPackages).toEqual(["requests"]) }),
  conda_dependencies_file_path: () => ({ args: { conda_dependencies_file_path: "env.yml" }, check: (s) => expect(s.environment.condaFile).toBe("env.yml") }),
  pip_requirements_file_path: () => ({ args: { pip_requirements_file_path: "req.txt" }, check: (s) => expect(s.environment.pipRequirementsFile).toBe("req.txt") }),
  conda_dependencies_file: () => ({ args: { conda_dependencies_file: "env.yml" }, check: (s) => expect(s.environment.condaFile).toBe("env.yml") }),
  pip_requirements_file: () => ({ args: { pip_requirements_file: "req.txt" }, check: (s) => expect(s.environment.pipRequirementsFile).toBe("req.txt") }),
  environment_variables: () => ({ args: { environment_variables: { MY_SETTING: "1" } }, check: (s) => expect(s.environmentVariables).toEqual({ MY_SETTING: "1" }) }),
  environment_definition: () => ({
    args: { environment_definition: { type: "Environment", name: "env", version: "2" } },
    check: (s) => expect(s.environment.registered).toEqual({ name: "env", version: "2" })
  }),
  inputs: () => ({
    args: { inputs: [DATA_REFERENCE] },
    check: (s) => {
      expect(s.inputs).toEqual({ ds_train: Data.fromDatastore("ds", "train", { mode: "download" }) })
      expect(s.arguments).toEqual([])
    }
  }),
  source_directory_data_store: () => ({
    args: { source_directory_data_store: { type: "Datastore", name: "code" } },
    check: (s) => expect(s.sourceDirectoryDatastore).toBe("code")
  }),
  shm_size: () => ({ args: { shm_size: "8g" }, check: (s) => expect(s.shmSize).toBe("8g") }),
  resume_from: () => ({
    args: { resume_from: { type: "DataPath", datastore: "ds", path: "ckpt" } },
    check: (s) => expect(s.resumeFrom).toEqual(Data.datastorePath("ds", "ckpt"))
  }),
  max_run_duration_seconds: () => ({ args: { max_run_duration_seconds: 3600 }, check: (s) => expect(s.maxRunDurationSeconds).toBe(3600) }),
  framework_version: (cls) => {
    const version = { Chainer: "7.0.0", PyTorch: "1.6", TensorFlow: "2.2", SKLearn: "0.20.3", Estimator: "" }[cls]
    return { args: { framework_version: version }, check: (s) => expect(s.framework).toEqual({ name: cls, version }) }
  },
  worker_count: () => ({
    args: { worker_count: 3, distributed_backend: "ps" },
    check: (s) => expect(s.distribution).toEqual({ _tag: "TensorFlow", workerCount: 3, parameterServerCount: 1 })
  }),
  parameter_server_count: () => ({
    args: { parameter_server_count: 2, distributed_backend: "ps" },
    check: (s) => expect(s.distribution).toEqual({ _tag: "TensorFlow", workerCount: 1, parameterServerCount: 2 })
  }),
  _enable_optimized_mode: () => ({ args: { _enable_optimized_mode: false }, check: () => {} }),
  _disable_validation: (cls) => ({ args: { _disable_validation: cls !== "Estimator" }, check: () => {} }),
  _show_lint_warnings: (cls) => ({ args: { _show_lint_warnings: cls === "Estimator" }, check: () => {} }),
  _show_package_warnings: () => ({ args: { _show_package_warnings: false }, check: () => {} })
}

describe("every parameter of every class", () => {
  it("the samples cover every parameter any class takes", () => {
    const all = new Set(CLASSES.flatMap((cls) => V1Import.parameters[cls]))
    expect(new Set(Object.keys(samples))).toEqual(all)
  })

  it("matches v1's signatures: SKLearn lacks the distributed, GPU and base-image parameters; only TensorFlow has the counts", () => {
    const sklearnMissing = V1Import.parameters.Estimator.filter((p) => !V1Import.parameters.SKLearn.includes(p))
    expect(sklearnMissing).toEqual(["node_count", "process_count_per_node", "distributed_backend", "distributed_training", "use_gpu", "custom_docker_base_image", "source_directory_data_store"])
    expect(V1Import.parameters.Estimator).not.toContain("framework_version")
    for (const cls of CLASSES) {
      expect(V1Import.parameters[cls].includes("worker_count")).toBe(cls === "TensorFlow")
    }
    // TensorFlow inserts its counts right after process_count_per_node.
    const tf = V1Import.parameters.TensorFlow
    expect(tf.slice(tf.indexOf("process_count_per_node"), tf.indexOf("process_count_per_node") + 3)).toEqual(["process_count_per_node", "worker_count", "parameter_server_count"])
  })

  for (const cls of CLASSES) {
    for (const name of Object.keys(samples)) {
      const takes = V1Import.parameters[cls].includes(name)
      it(`${cls} ${takes ? "takes" : "rejects"} ${name}`, () => {
        const sample = samples[name]!(cls)
        if (takes) {
          sample.check(ok(call(cls, sample.args)).spec)
        } else {
          const failure = fail(call(cls, sample.args))
          expect(find(failure.errors, "v1-unexpected-keyword", `args.${name}`).message).toBe(`__init__() got an unexpected keyword argument '${name}': ${cls} does not take ${name}.`)
        }
      })
    }
  }

  it("tells SKLearn users why GPU and distribution are rejected", () => {
    const failure = fail(call("SKLearn", { use_gpu: true }))
    expect(find(failure.errors, "v1-unexpected-keyword", "args.use_gpu").hint).toContain("only supports single-node CPU training")
  })
})

// -------------------------------------------------------------------------------------
// class deprecation
// -------------------------------------------------------------------------------------

describe("deprecation of the classes", () => {
  const expected: { readonly [C in V1Import.V1Class]: string } = {
    Estimator: "'Estimator' is deprecated. Please use 'ScriptRunConfig' from 'azureml.core.script_run_config' with your own defined environment or an Azure ML curated environment.",
    PyTorch: "'PyTorch' estimator is deprecated. Please use 'ScriptRunConfig' from 'azureml.core.script_run_config' with your own defined environment or one of the Azure ML PyTorch curated environments.",
    TensorFlow: "'TensorFlow' estimator is deprecated. Please use 'ScriptRunConfig' from 'azureml.core.script_run_config' with your own defined environment or one of the Azure ML TensorFlow curated environments.",
    SKLearn: "'SKLearn' estimator is deprecated. Please use 'ScriptRunConfig' from 'azureml.core.script_run_config' with your own defined environment or the AzureML-Tutorial curated environment.",
    Chainer: "'Chainer' estimator is deprecated. Please use 'ScriptRunConfig' from 'azureml.core.script_run_config' with your own defined environment or one of the Azure ML Chainer curated environments."
  }
  for (const cls of CLASSES) {
    it(`${cls} logs v1's deprecation warning`, () => {
      const versions = { Chainer: "7.0.0", PyTorch: "1.6", TensorFlow: "2.2", SKLearn: "0.20.3" } as const
      const { warnings } = ok(call(cls, cls === "Estimator" ? {} : { framework_version: versions[cls] }))
      expect(find(warnings, "v1-estimator-deprecated", "class").message).toBe(expected[cls])
    })
  }

  it.each([
    ["Mpi", "'Mpi' is deprecated. Please use 'azureml.core.runconfig.MpiConfiguration' with 'ScriptRunConfig' from 'azureml.core.runconfig'."],
    ["ParameterServer", "'ParameterServer' is deprecated. Use the :class:`azureml.core.runconfig.TensorflowConfiguration` class."],
    ["Gloo", "'Gloo' is deprecated. Please use 'azureml.core.runconfig.PyTorchConfiguration' with 'ScriptRunConfig' from 'azureml.core.runconfig, and set the 'PyTorchConfiguration' 'communication_backend' parameter to 'Gloo'."],
    ["Nccl", "'Nccl' is deprecated. Please use 'azureml.core.runconfig.PyTorchConfiguration' with 'ScriptRunConfig' from 'azureml.core.runconfig, and set the 'PyTorchConfiguration' 'communication_backend' parameter to 'Nccl'."]
  ])("the helper class %s logs v1's deprecation warning", (type, message) => {
    const { warnings } = ok(call("Estimator", { distributed_training: { type } }))
    expect(find(warnings, "v1-distributed-type-deprecated", "args.distributed_training.type").message).toBe(message)
  })

  it("the configuration classes that replaced them are not deprecated", () => {
    for (const type of ["MpiConfiguration", "TensorflowConfiguration"]) {
      expect(pathsOf(ok(call("TensorFlow", { framework_version: "2.2", distributed_training: { type } })).warnings, "v1-distributed-type-deprecated")).toEqual([])
    }
  })
})

// -------------------------------------------------------------------------------------
// §2.1 rules, in order
// -------------------------------------------------------------------------------------

describe("§2.1 rule 1: conda_dependencies_file_path and pip_requirements_file_path", () => {
  it("conda_dependencies_file_path alone: used, with v1's deprecation warning", () => {
    const { spec, warnings } = ok(call("Estimator", { conda_dependencies_file_path: "env.yml" }))
    expect(spec.environment.condaFile).toBe("env.yml")
    expect(find(warnings, "v1-deprecated-parameter", "args.conda_dependencies_file_path").message).toBe("'conda_dependencies_file_path' parameter will be deprecated. Please use 'conda_dependencies_file' instead")
  })

  it("conda_dependencies_file wins over conda_dependencies_file_path, with v1's warning", () => {
    const { spec, warnings } = ok(call("Estimator", { conda_dependencies_file: "new.yml", conda_dependencies_file_path: "old.yml" }))
    expect(spec.environment.condaFile).toBe("new.yml")
    expect(find(warnings, "v1-deprecated-parameter-ignored", "args.conda_dependencies_file_path").message).toBe("Either 'conda_dependencies_file' or 'conda_dependencies_file_path' should be used. 'conda_dependencies_file' will take precedence since 'conda_dependencies_file_path' will be deprecated.")
    expect(pathsOf(warnings, "v1-deprecated-parameter")).toEqual([])
  })

  it("pip_requirements_file_path alone: used, with v1's deprecation warning", () => {
    const { spec, warnings } = ok(call("Estimator", { pip_requirements_file_path: "req.txt" }))
    expect(spec.environment.pipRequirementsFile).toBe("req.txt")
    expect(find(warnings, "v1-deprecated-parameter", "args.pip_requirements_file_path").message).toBe("'pip_requirements_file_path' parameter will be deprecated. Please use 'pip_requirements_file' instead")
  })

  it("pip_requirements_file wins over pip_requirements_file_path, with v1's warning", () => {
    const { spec, warnings } = ok(call("Estimator", { pip_requirements_file: "new.txt", pip_requirements_file_path: "old.txt" }))
    expect(spec.environment.pipRequirementsFile).toBe("new.txt")
    expect(find(warnings, "v1-deprecated-parameter-ignored", "args.pip_requirements_file_path").message).toBe("Either 'pip_requirements_file' or 'pip_requirements_file_path' should be used. 'pip_requirements_file' will take precedence since 'pip_requirements_file_path' will be deprecated.")
  })
})

describe("§2.1 rule 2: process_count_per_node", () => {
  it("warns that it is deprecated when it is not 1", () => {
    const { spec, warnings } = ok(call("Estimator", { process_count_per_node: 2, distributed_backend: "mpi" }))
    expect(find(warnings, "v1-deprecated-parameter", "args.process_count_per_node").message).toBe("'process_count_per_node' parameter will be deprecated. Please use it as part of 'distributed_training' parameter.")
    expect(pathsOf(warnings, "v1-parameter-needs-distributed-backend")).toEqual([])
    expect(spec.processCountPerNode).toBe(2)
  })

  it("warns a second time without distributed_backend", () => {
    const { warnings } = ok(call("Estimator", { process_count_per_node: 2, distributed_training: { type: "MpiConfiguration", process_count_per_node: 2 } }))
    expect(pathsOf(warnings, "v1-parameter-needs-distributed-backend")).toEqual(["args.process_count_per_node"])
  })

  it("is ignored, as in v1, when a distributed_training object sets the layout", () => {
    const { spec, warnings } = ok(call("Estimator", { process_count_per_node: 4, distributed_training: { type: "Mpi", process_count_per_node: 2 } }))
    expect(spec.processCountPerNode).toBe(2)
    expect(pathsOf(warnings, "v1-parameter-ignored")).toEqual(["args.process_count_per_node"])
  })
})

describe("§2.1 rule 3: use_docker=False", () => {
  it("warns that use_docker is deprecated and runs without a container", () => {
    const { spec, warnings } = ok(call("Estimator", { use_docker: false }))
    expect(spec.environment.docker).toBe(false)
    expect(find(warnings, "v1-deprecated-parameter", "args.use_docker").message).toBe("'use_docker' parameter will be deprecated. Please use 'environment_definition' instead.")
  })

  it("use_docker=True is not warned about", () => {
    expect(pathsOf(ok(call("Estimator", { use_docker: true })).warnings, "v1-deprecated-parameter")).toEqual([])
  })

  it.each(["custom_docker_image", "custom_docker_base_image"])("rejects %s without Docker, with v1's message and no duplicate from core", (param) => {
    const failure = fail(call("Estimator", { use_docker: false, [param]: "me/img:1" }))
    expect(find(failure.errors, "v1-docker-disabled-with-image", `args.${param}`).message).toBe("If use_docker parameter is set to false, custom_docker_image or custom_docker_base_image parameter is not allowed")
    expect(pathsOf(failure.errors, "docker-off-with-image")).toEqual([])
  })
})

describe("§2.1 rule 4: environment_definition replaces the whole environment", () => {
  const ENV = { type: "Environment", name: "env", version: "1" }
  const conflicting: ReadonlyArray<readonly [string, unknown]> = [
    ["pip_packages", ["numpy"]],
    ["pip_requirements_file", "req.txt"],
    ["pip_requirements_file_path", "req.txt"],
    ["conda_packages", ["numpy"]],
    ["conda_dependencies_file", "env.yml"],
    ["conda_dependencies_file_path", "env.yml"],
    ["custom_docker_image", "me/img:1"],
    ["image_registry_details", { type: "ContainerRegistry", address: "acr.io" }],
    ["use_gpu", true],
    ["user_managed", true],
    ["shm_size", "8g"],
    ["environment_variables", { A: "1" }]
  ]
  it.each(conflicting)("rejects %s with it", (param, value) => {
    const failure = fail(call("Estimator", { environment_definition: ENV, [param]: value }))
    const issue = find(failure.errors, "v1-environment-definition-conflict", `args.${param}`)
    expect(issue.message).toMatch(/^If environment_definition parameter is specified, the following parameters cannot be specified: pip_packages, pip_requirements_file(_path)?, conda_packages, conda_dependencies_file(_path)?, custom_docker_image, image_registry_details, use_gpu, user_managed, shm_size, environment_variables$/)
    expect(pathsOf(failure.errors, "registered-environment-conflict")).toEqual([])
  })

  it("names the deprecated file parameter in the message when that is the one passed", () => {
    const failure = fail(call("Estimator", { environment_definition: ENV, pip_requirements_file_path: "r.txt" }))
    expect(failure.errors[0]?.message).toContain("pip_packages, pip_requirements_file_path, conda_packages, conda_dependencies_file,")
  })

  it("checks truthiness as v1 does: use_gpu=False and empty lists pass", () => {
    const { spec } = ok(call("Estimator", { environment_definition: ENV, use_gpu: false, pip_packages: [], environment_variables: {} }))
    expect(spec.environment.registered).toEqual({ name: "env", version: "1" })
  })

  it("custom_docker_base_image and use_docker, which v1 did not check, have no effect: warnings, and not in the spec", () => {
    const base = ok(call("Estimator", { environment_definition: ENV, custom_docker_base_image: "me/base:1" }))
    expect(base.spec.environment.image).toBeUndefined()
    expect(pathsOf(base.warnings, "v1-parameter-ignored")).toEqual(["args.custom_docker_base_image"])
    const noDocker = ok(call("Estimator", { environment_definition: ENV, use_docker: false }))
    expect(noDocker.spec.environment.docker).toBe(true)
    expect(pathsOf(noDocker.warnings, "v1-parameter-ignored")).toEqual(["args.use_docker"])
    // Rule 3 still applies to the two together, as in v1.
    expect(pathsOf(fail(call("Estimator", { environment_definition: ENV, custom_docker_base_image: "me/base:1", use_docker: false })).errors, "v1-docker-disabled-with-image"))
      .toEqual(["args.custom_docker_base_image"])
  })

  it("references a registered environment without a version as its latest", () => {
    expect(ok(call("Estimator", { environment_definition: { type: "Environment", name: "env" } })).spec.environment.registered).toEqual({ name: "env" })
  })
})

describe("§2.1 rule 5: a conda file replaces the conda specification", () => {
  it.each([
    ["pip_packages", ["numpy"]],
    ["pip_requirements_file", "req.txt"],
    ["conda_packages", ["numpy"]]
  ] as const)("rejects %s with conda_dependencies_file", (param, value) => {
    const failure = fail(call("Estimator", { conda_dependencies_file: "env.yml", [param]: value }))
    expect(find(failure.errors, "v1-conda-file-conflict", `args.${param}`).message).toBe("If conda_dependencies_file parameter is specified, the following parameters cannot be specified: pip_packages, pip_requirements_file, conda_packages")
    expect(pathsOf(failure.errors, "conda-file-conflict")).toEqual([])
  })

  it("names conda_dependencies_file_path when that is the file in effect", () => {
    const failure = fail(call("Estimator", { conda_dependencies_file_path: "env.yml", pip_packages: ["numpy"] }))
    expect(find(failure.errors, "v1-conda-file-conflict", "args.pip_packages").message).toBe("If conda_dependencies_file_path parameter is specified, the following parameters cannot be specified: pip_packages, pip_requirements_file, conda_packages")
  })
})

describe("§2.1 rule 6: counts of at least 1", () => {
  it("node_count 0", () => {
    const failure = fail(call("Estimator", { node_count: 0 }))
    expect(find(failure.errors, "v1-node-count-too-small", "args.node_count").message).toBe("Node count should be at least 1.")
    expect(pathsOf(failure.errors, "not-positive-integer")).toEqual([])
  })

  it("process_count_per_node 0", () => {
    const failure = fail(call("Estimator", { process_count_per_node: 0 }))
    expect(find(failure.errors, "v1-process-count-too-small", "args.process_count_per_node").message).toBe("Process count per node should be at least 1.")
  })
})

describe("§2.1 rule 7: distributed_backend", () => {
  it("warns that it is deprecated", () => {
    const { warnings } = ok(call("Estimator", { distributed_backend: "mpi" }))
    expect(find(warnings, "v1-deprecated-parameter", "args.distributed_backend").message).toBe("'distributed_backend' parameter will be deprecated. Please use 'distributed_training' instead.")
  })

  it("compares case-insensitively", () => {
    expect(ok(call("Estimator", { distributed_backend: "MPI" })).spec.distribution).toEqual({ _tag: "Mpi" })
  })

  it.each([
    ["Estimator", "nccl", "mpi"],
    ["Chainer", "gloo", "mpi"],
    ["PyTorch", "ps", "mpi, gloo, nccl"],
    ["TensorFlow", "nccl", "mpi, ps"]
  ] as const)("%s rejects '%s', listing its backends", (cls, value, list) => {
    const failure = fail(call(cls, { distributed_backend: value }))
    expect(find(failure.errors, "v1-unsupported-backend", "args.distributed_backend").message).toBe(`Unsupported distributed backend value: ${value}. Supported backend(s): ${list}.`)
  })

  it.each(["Estimator", "Chainer"] as const)("%s: 'mpi' with a non-MPI object is v1's error \"Supported backend: mpi.\"", (cls) => {
    const failure = fail(call(cls, { distributed_backend: "mpi", distributed_training: { type: "ParameterServer" } }))
    expect(find(failure.errors, "v1-unsupported-backend", "args.distributed_backend").message).toBe("Unsupported distributed backend value: mpi. Supported backend: mpi.")
  })

  it.each(["Estimator", "Chainer"] as const)("%s: 'mpi' with an Mpi() object, which v1 rejected by a bug, is accepted with a warning", (cls) => {
    const { spec, warnings } = ok(call(cls, { distributed_backend: "mpi", distributed_training: { type: "Mpi", process_count_per_node: 3 } }))
    expect(spec.distribution).toEqual({ _tag: "Mpi" })
    expect(spec.processCountPerNode).toBe(3)
    expect(find(warnings, "v1-mpi-backend-with-mpi-object", "args.distributed_backend").message).toContain("Supported backend: mpi.")
  })

  it("'mpi' with an MpiConfiguration is fine, and the configuration's count wins", () => {
    const { spec, warnings } = ok(call("Estimator", { distributed_backend: "mpi", process_count_per_node: 2, distributed_training: { type: "MpiConfiguration", process_count_per_node: 4 } }))
    expect(spec.processCountPerNode).toBe(4)
    expect(pathsOf(warnings, "v1-distributed-backend-overridden")).toEqual(["args.distributed_backend"])
  })

  it("PyTorch: 'mpi' with Nccl() is not rejected; distributed_training overwrites the backend's settings", () => {
    const { spec, warnings } = ok(call("PyTorch", { framework_version: "1.6", distributed_backend: "mpi", distributed_training: { type: "Nccl" } }))
    expect(spec.distribution).toEqual({ _tag: "PyTorch", backend: "nccl" })
    expect(pathsOf(warnings, "v1-distributed-backend-overridden")).toEqual(["args.distributed_backend"])
  })
})

describe("§2.1 rule 8: which estimator each helper class may be used with", () => {
  const cases: ReadonlyArray<readonly [V1Import.V1Class, string, string]> = [
    ["TensorFlow", "Gloo", "pytorch, estimator"],
    ["Chainer", "Nccl", "pytorch, estimator"],
    ["PyTorch", "ParameterServer", "tensorflow, estimator"],
    ["Chainer", "ParameterServer", "tensorflow, estimator"]
  ]
  it.each(cases)("%s rejects %s", (cls, type, list) => {
    const failure = fail(call(cls, { distributed_training: { type } }))
    expect(find(failure.errors, "v1-unsupported-distributed-training", "args.distributed_training.type").message).toBe(`Unsupported framework for ${type} distributed training type. Supported frameworks are: ${list}`)
    expect(pathsOf(failure.errors, "distribution-not-supported-by-framework")).toEqual([])
  })

  it("Mpi works with every class that takes distributed_training", () => {
    for (const cls of ["Estimator", "Chainer", "PyTorch", "TensorFlow"] as const) {
      expect(ok(call(cls, { distributed_training: { type: "Mpi" } })).spec.distribution).toEqual({ _tag: "Mpi" })
    }
  })

  it("the generic Estimator takes Gloo, Nccl and ParameterServer", () => {
    expect(ok(call("Estimator", { distributed_training: { type: "Gloo" } })).spec.distribution).toEqual({ _tag: "PyTorch", backend: "gloo" })
    expect(ok(call("Estimator", { distributed_training: { type: "Nccl" } })).spec.distribution).toEqual({ _tag: "PyTorch", backend: "nccl" })
    expect(ok(call("Estimator", { distributed_training: { type: "ParameterServer", worker_count: 2, parameter_server_count: 1 } })).spec.distribution)
      .toEqual({ _tag: "TensorFlow", workerCount: 2, parameterServerCount: 1 })
  })
})

describe("§2.1 rule 9: user_managed installs nothing", () => {
  it.each([
    ["conda_packages", ["numpy"]],
    ["conda_dependencies_file", "env.yml"],
    ["pip_packages", ["numpy"]],
    ["pip_requirements_file", "req.txt"]
  ] as const)("rejects %s", (param, value) => {
    const failure = fail(call("Estimator", { user_managed: true, [param]: value }))
    expect(find(failure.errors, "v1-user-managed-conflict", `args.${param}`).message).toBe("If user_managed is True, then conda_packages, conda_dependencies_file, pip_packages or pip_requirements_file cannot be specified.")
    expect(pathsOf(failure.errors, "user-managed-with-packages")).toEqual([])
  })
})

describe("§2.1 rule 10: more than one process needs a distribution", () => {
  it("node_count > 1", () => {
    const failure = fail(call("Estimator", { node_count: 2 }))
    expect(find(failure.errors, "v1-distribution-required", "args.node_count").message).toBe("'distributed_backend' or 'distributed_training' must be specified when node_count > 1 or process_count_per_node > 1.")
    expect(pathsOf(failure.errors, "distribution-required")).toEqual([])
  })

  it("process_count_per_node > 1", () => {
    expect(pathsOf(fail(call("Estimator", { process_count_per_node: 2 })).errors, "v1-distribution-required")).toEqual(["args.process_count_per_node"])
  })

  it("a configuration object satisfies it", () => {
    expect(ok(call("Estimator", { node_count: 2, distributed_training: { type: "MpiConfiguration" } })).spec.nodeCount).toBe(2)
  })
})

describe("§2.1 rules 11–13: the compute target", () => {
  it("rule 11: HDInsight is not supported", () => {
    const failure = fail(call("Estimator", { compute_target: { type: "HDInsightCompute", name: "hdi" } }))
    expect(find(failure.errors, "v1-unsupported-compute-type", "args.compute_target.type").message).toBe("Unsupported compute target type. Type=HDInsight")
  })

  it("rule 12: neither a compute target nor a VM size is v1's error (not a default of local)", () => {
    const failure = fail(call("Estimator", { compute_target: undefined }))
    expect(find(failure.errors, "v1-compute-missing", "args.compute_target").message).toBe("Either compute target or VM size should be specified.")
  })

  it.each([
    ["\"local\"", "local"],
    ["a cluster name as a string", "gpu-cluster"],
    ["a ComputeTarget object", { type: "ComputeTarget", name: "gpu-cluster" }],
    ["a RemoteCompute object", { type: "RemoteCompute", name: "vm" }]
  ])("rule 13: node_count > 1 on %s is v1's error", (_, target) => {
    const failure = fail(call("Estimator", { compute_target: target, node_count: 2, distributed_backend: "mpi" }))
    expect(find(failure.errors, "v1-distributed-compute-not-amlcompute", "args.compute_target").message).toBe("Compute target should be AmlCompute for distributed training (node_count > 1).")
    expect(pathsOf(failure.errors, "multi-node-local")).toEqual([])
  })

  it("rule 13: an AmlCompute object or only a vm_size is fine", () => {
    expect(ok(call("Estimator", { node_count: 2, distributed_backend: "mpi" })).spec.compute).toEqual(Estimator.cluster("cluster"))
    expect(ok(call("Estimator", { compute_target: undefined, vm_size: "Standard_NC6", node_count: 2, distributed_backend: "mpi" })).spec.compute)
      .toEqual(Estimator.serverless("Standard_NC6"))
  })
})

describe("§2.1 rule 14: custom_docker_base_image", () => {
  it("both images given is v1's error", () => {
    const failure = fail(call("Estimator", { custom_docker_image: "a:1", custom_docker_base_image: "b:1" }))
    expect(find(failure.errors, "v1-custom-docker-base-image-conflict", "args.custom_docker_base_image").message).toBe("'custom_docker_base_image' parameter will be deprecated. Please use 'custom_docker_image' only.")
  })

  it("alone: used as the image, with v1's deprecation warning", () => {
    const { spec, warnings } = ok(call("Estimator", { custom_docker_base_image: "b:1" }))
    expect(spec.environment.image).toEqual({ name: "b:1" })
    expect(find(warnings, "v1-deprecated-parameter", "args.custom_docker_base_image").message).toBe("'custom_docker_base_image' parameter will be deprecated. Please use 'custom_docker_image' instead.")
  })

  it("alone on a framework estimator: v1 replaced it by the framework image (a bug); the import keeps it and says so", () => {
    const { spec, warnings } = ok(call("PyTorch", { framework_version: "1.6", custom_docker_base_image: "b:1" }))
    expect(spec.environment.image).toEqual({ name: "b:1" })
    expect(pathsOf(warnings, "v1-custom-docker-base-image-honoured")).toEqual(["args.custom_docker_base_image"])
    expect(effectivePackages(spec).baseImage).toBeUndefined()
  })
})

describe("the order of the issues", () => {
  it("follows v1: the class warning, then §2.1 in rule order, then data, then the framework version", () => {
    const failure = fail(call("PyTorch", {
      framework_version: "1.4.0",
      resume_from: { type: "DataReference", datastore: "ds", path: "ckpt" },
      compute_target: "local",
      node_count: 2,
      process_count_per_node: 0,
      user_managed: true,
      pip_packages: ["torch"],
      use_docker: false,
      custom_docker_image: "img:1",
      pip_requirements_file_path: "req.txt"
    }))
    expect(failure.errors.map((e) => e.code)).toEqual([
      "v1-docker-disabled-with-image", // rule 3
      "v1-process-count-too-small", // rule 6
      "v1-user-managed-conflict", // rule 9 (pip_packages)
      "v1-user-managed-conflict", // rule 9 (pip_requirements_file_path)
      "v1-distribution-required", // rule 10
      "v1-distributed-compute-not-amlcompute", // rule 13
      "v1-resume-from-type", // §2.5
      "v1-unsupported-framework-version" // §2.2
    ])
    expect(failure.warnings.map((w) => w.code).slice(0, 4)).toEqual([
      "v1-estimator-deprecated",
      "v1-deprecated-parameter", // rule 1: pip_requirements_file_path
      "v1-deprecated-parameter", // rule 2: process_count_per_node
      "v1-parameter-needs-distributed-backend"
    ])
  })
})

// -------------------------------------------------------------------------------------
// §2.2 framework rules
// -------------------------------------------------------------------------------------

describe("§2.2 framework_version", () => {
  it.each([
    ["PyTorch", "1.4.0", "1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6"],
    ["TensorFlow", "2.3", "1.10, 1.12, 1.13, 2.0, 2.1, 2.2"],
    ["Chainer", "6.0.0", "5.1.0, 7.0.0"],
    ["SKLearn", "1.0", "0.20.3"]
  ] as const)("%s %s is not supported: v1's error, and the supported versions in the hint", (cls, version, list) => {
    const failure = fail(call(cls, { framework_version: version }))
    const issue = find(failure.errors, "v1-unsupported-framework-version", "args.framework_version")
    expect(issue.message).toBe(`${cls} ${version} is not currently supported by the ${cls} estimator. Check https://docs.microsoft.com/python/api/azureml-train-core/azureml.train.dnn?view=azure-ml-py for all supported versions. To use ${cls} ${version}, switch to the generic Estimator class for your experiment.`)
    expect(issue.hint).toContain(list)
    expect(failure.errors).toHaveLength(1)
  })

  it.each([
    ["Chainer", "5.1.0"],
    ["PyTorch", "1.4"],
    ["TensorFlow", "1.13"]
  ] as const)("%s without a version defaults to %s, with v1's warning", (cls, version) => {
    const { spec, warnings } = ok(call(cls))
    expect(spec.framework).toEqual({ name: cls, version, versionDefaulted: true })
    expect(find(warnings, "v1-framework-version-defaulted", "args.framework_version").message).toBe(`framework_version is not specified, defaulting to version ${version}.`)
    expect(pathsOf(warnings, "framework-version-defaulted")).toEqual([])
  })

  it("no warning for a user-managed environment or for SKLearn's single version", () => {
    expect(pathsOf(ok(call("PyTorch", { user_managed: true })).warnings, "v1-framework-version-defaulted")).toEqual([])
    expect(pathsOf(ok(call("SKLearn")).warnings, "v1-framework-version-defaulted")).toEqual([])
  })

  it("an explicit version is kept as given", () => {
    expect(ok(call("TensorFlow", { framework_version: "2.1" })).spec.framework).toEqual({ name: "TensorFlow", version: "2.1" })
  })
})

describe("§2.2 other framework rules", () => {
  it("environment_definition: Azure ML installs no framework packages (warning)", () => {
    const { warnings } = ok(call("PyTorch", { framework_version: "1.6", environment_definition: { type: "Environment", name: "env" } }))
    expect(find(warnings, "v1-framework-packages-not-installed", "args.environment_definition").message).toBe("If environment_definition or conda_dependencies_file is specified, Azure ML will not install any framework related packages on behalf of the user.")
    expect(pathsOf(warnings, "framework-packages-not-installed")).toEqual([])
  })

  it("a conda file: the same warning, naming the parameter passed", () => {
    const { warnings } = ok(call("Chainer", { framework_version: "7.0.0", conda_dependencies_file_path: "env.yml" }))
    expect(find(warnings, "v1-framework-packages-not-installed", "args.conda_dependencies_file_path").message).toBe("If environment_definition or conda_dependencies_file_path is specified, Azure ML will not install any framework related packages on behalf of the user.")
  })

  it("user packages overriding the framework's: v1's warning on pip_packages", () => {
    const { warnings } = ok(call("PyTorch", { framework_version: "1.6", pip_packages: ["torch==1.5.0"] }))
    expect(find(warnings, "framework-packages-overridden", "args.pip_packages").message).toContain("['torch']")
  })

  it("TensorFlow: worker_count and parameter_server_count other than 1 are deprecated", () => {
    const { warnings } = ok(call("TensorFlow", { framework_version: "2.2", distributed_backend: "ps", worker_count: 2, parameter_server_count: 2 }))
    expect(find(warnings, "v1-deprecated-parameter", "args.worker_count").message).toBe("'worker_count' parameter will be deprecated. Please use it as part of 'distributed_training' parameter.")
    expect(find(warnings, "v1-deprecated-parameter", "args.parameter_server_count").message).toBe("'parameter_server_count' parameter will be deprecated. Please use it as part of 'distributed_training' parameter.")
  })

  it("TensorFlow: without distributed_backend they have no effect, with v1's warning", () => {
    const { spec, warnings } = ok(call("TensorFlow", { framework_version: "2.2", worker_count: 2 }))
    expect(spec.distribution).toEqual({ _tag: "None" })
    expect(pathsOf(warnings, "v1-parameter-needs-distributed-backend")).toEqual(["args.worker_count"])
  })

  it("optimized mode: v1's errors where it was not supported", () => {
    const failure = fail(call("PyTorch", { framework_version: "1.6", _enable_optimized_mode: true, compute_target: "local", custom_docker_image: "img:1", entry_script: "train.ipynb" }))
    expect(failure.errors.filter((e) => e.code === "v1-optimized-mode-unsupported").map((e) => e.message)).toEqual([
      "Optimized mode is not supported for non-AmlCompute targets.",
      "Optimized mode is not supported when environment_definition or custom_docker_image is provided.",
      "Optimized mode is not supported when entry_script is a notebook file(.ipynb)."
    ])
  })

  it("optimized mode elsewhere is not reproduced, and says so", () => {
    const { warnings } = ok(call("PyTorch", { framework_version: "1.6", _enable_optimized_mode: true }))
    expect(pathsOf(warnings, "v1-optimized-mode-ignored")).toEqual(["args._enable_optimized_mode"])
  })

  it("private parameters with a non-default value only steered v1's own checks: a warning", () => {
    const { warnings } = ok(call("Estimator", { _disable_validation: true, _show_lint_warnings: true }))
    expect(pathsOf(warnings, "v1-private-parameter-ignored")).toEqual(["args._disable_validation"])
  })
})

// -------------------------------------------------------------------------------------
// §2.3 script_params → argv
// -------------------------------------------------------------------------------------

describe("§2.3 script_params → argv", () => {
  const argv = (params: unknown) => ok(call("Estimator", { script_params: params })).spec.arguments

  it("keeps insertion order and expands lists in place", () => {
    expect(argv({ "--b": 1, "--a": "x", "--ids": [1, 2, 3], "--c": "y" })).toEqual(["--b", 1, "--a", "x", "--ids", 1, 2, 3, "--c", "y"])
  })

  it("drops None and \"\", so {\"--flag\": \"\"} and {\"--flag\": null} are bare flags", () => {
    expect(argv({ "--flag": "", "--other": null, "--x": 1 })).toEqual(["--flag", "--other", "--x", 1])
  })

  it("keeps True, False and 0 (v1 does not turn True into a bare flag)", () => {
    expect(argv({ "--t": true, "--f": false, "--zero": 0 })).toEqual(["--t", true, "--f", false, "--zero", 0])
  })

  it("drops None and \"\" inside lists too, and an empty key", () => {
    expect(argv({ "--l": [1, null, "", 2], "": "value" })).toEqual(["--l", 1, 2, "value"])
  })

  it("passes a nested list as Python's str() of it", () => {
    expect(argv({ "--shape": [[1, 2], ["a", "b's"], [true, null, 1.5]] })).toEqual(["--shape", "[1, 2]", "['a', \"b's\"]", "[True, None, 1.5]"])
  })

  it("passes a dict without \"type\" as its keys, as v1's iteration did, with a warning", () => {
    const { spec, warnings } = ok(call("Estimator", { script_params: { "--opts": { a: 1, b: 2 } } }))
    expect(spec.arguments).toEqual(["--opts", "a", "b"])
    expect(pathsOf(warnings, "v1-dict-script-param")).toEqual(["args.script_params[\"--opts\"]"])
  })

  it("writes floats as Python does when read from the text: 1.0 → \"1.0\", 1e-7 → \"1e-07\"; big integers exactly", () => {
    const result = json(`{"class": "Estimator", "args": {"source_directory": ".", "entry_script": "t.py", "compute_target": "local",
      "script_params": {"--a": 1.0, "--b": 0.5, "--c": 1e-7, "--d": 2E3, "--e": 12345678901234567890, "--f": 10}}}`)
    if (E.isLeft(result)) throw new Error("expected an import")
    expect(result.right.spec.arguments).toEqual(["--a", "1.0", "--b", 0.5, "--c", "1e-07", "--d", "2000.0", "--e", "12345678901234567890", "--f", 10])
  })

  it("keeps the file's key order from the text, even for integer-like keys", () => {
    const text = `{"class": "Estimator", "args": {"source_directory": ".", "entry_script": "t.py", "compute_target": "local", "script_params": {"--x": 1, "2": "two"}}}`
    const exact = json(text)
    if (E.isLeft(exact)) throw new Error("expected an import")
    expect(exact.right.spec.arguments).toEqual(["--x", 1, "2", "two"])
    expect(pathsOf(exact.right.warnings, "v1-script-params-order")).toEqual([])
    // JSON.parse has already moved "2" first; the import says the order may differ.
    const parsed = ok(JSON.parse(text))
    expect(parsed.spec.arguments).toEqual(["2", "two", "--x", 1])
    expect(pathsOf(parsed.warnings, "v1-script-params-order")).toEqual(["args.script_params"])
  })

  it("no script_params, null or {} give no arguments", () => {
    expect(ok(call("Estimator")).spec.arguments).toEqual([])
    expect(argv(null)).toEqual([])
    expect(argv({})).toEqual([])
  })

  it("agrees with core's scriptParamsToArguments on plain values (property)", () => {
    const scalar = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(""))
    const value = fc.oneof(scalar, fc.array(fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxLength: 4 }))
    fc.assert(fc.property(fc.dictionary(fc.string().map((k) => `--${k}`), value, { maxKeys: 6 }), (params) => {
      expect(argv(params)).toEqual(Estimator.scriptParamsToArguments(params as { readonly [key: string]: Estimator.ScriptParamValue }))
    }))
  })
})

describe("Python's float text", () => {
  it("matches Python's repr on known values", () => {
    const cases: ReadonlyArray<readonly [number, string]> = [
      [1, "1.0"], [0.5, "0.5"], [1e-7, "1e-07"], [1e-4, "0.0001"], [1e-5, "1e-05"], [1e16, "1e+16"], [1e15, "1000000000000000.0"],
      [123456789012345680000, "1.2345678901234568e+20"], [-2.5, "-2.5"], [0.1 + 0.2, "0.30000000000000004"], [-0, "-0.0"], [0, "0.0"]
    ]
    for (const [n, text] of cases) expect(pythonFloat(n)).toBe(text)
  })

  it("round-trips every double, and writes integral values below 1e16 with \".0\" (property)", () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
      expect(Number(pythonFloat(n))).toBe(n)
    }))
    fc.assert(fc.property(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), (n) => {
      expect(pythonFloat(n)).toBe(`${Object.is(n, -0) ? "-0" : n}.0`)
    }))
  })
})

// -------------------------------------------------------------------------------------
// §2.4 data, §2.5 resume_from
// -------------------------------------------------------------------------------------

describe("§2.4 data references and datasets", () => {
  const argvAndInputs = (params: unknown, extra: Args = {}) => {
    const { spec, warnings } = ok(call("Estimator", { script_params: params, ...extra }))
    return { arguments: spec.arguments, inputs: spec.inputs, outputs: spec.outputs, warnings }
  }

  it("a DataReference in script_params becomes an input referenced from the argument (mount → ro_mount)", () => {
    const r = argvAndInputs({ "--data": { type: "DataReference", datastore: "blob", path: "mnist/train" } })
    expect(r.arguments).toEqual(["--data", Data.input("blob_mnist_train")])
    expect(r.inputs).toEqual({ blob_mnist_train: Data.fromDatastore("blob", "mnist/train", { mode: "ro_mount" }) })
  })

  it("download stays download; data_reference_name names the input; the datastore root is named after the datastore", () => {
    const r = argvAndInputs({
      "--a": { type: "DataReference", datastore: "blob", path: "x", mode: "download", data_reference_name: "train_data" },
      "--b": { type: "DataReference", datastore: "blob", path: "/" }
    })
    expect(r.arguments).toEqual(["--a", Data.input("train_data"), "--b", Data.input("blob")])
    expect(r.inputs).toEqual({ train_data: Data.fromDatastore("blob", "x", { mode: "download" }), blob: Data.fromDatastore("blob", "") })
  })

  it("upload mode is an output, referenced from the argument", () => {
    const r = argvAndInputs({ "--out": { type: "DataReference", datastore: "blob", path: "results", mode: "upload" } })
    expect(r.arguments).toEqual(["--out", Data.outputRef("blob_results")])
    expect(r.outputs).toEqual({ blob_results: Data.output({ mode: "upload", destination: Data.datastorePath("blob", "results") }) })
  })

  it("an invalid DataReference mode is v1's error", () => {
    const failure = fail(call("Estimator", { script_params: { "--d": { type: "DataReference", datastore: "blob", path: "x", mode: "copy" } } }))
    expect(find(failure.errors, "v1-invalid-data-mode", "args.script_params[\"--d\"].mode").message).toBe("Invalid mode copy. Only mount, download, upload are supported")
  })

  it("the same reference twice is one input; different references with the same derived name get _2", () => {
    const same = { type: "DataReference", datastore: "blob", path: "a/b" }
    const r = argvAndInputs({ "--x": same, "--y": same, "--z": { type: "DataReference", datastore: "blob", path: "a_b" } })
    expect(r.arguments).toEqual(["--x", Data.input("blob_a_b"), "--y", Data.input("blob_a_b"), "--z", Data.input("blob_a_b_2")])
    expect(Object.keys(r.inputs)).toEqual(["blob_a_b", "blob_a_b_2"])
  })

  it("an explicit name used for different data is an error (v1 silently kept the last)", () => {
    const failure = fail(call("Estimator", { script_params: {
      "--x": { type: "DataReference", datastore: "a", path: "p", data_reference_name: "d" },
      "--y": { type: "DataReference", datastore: "b", path: "p", data_reference_name: "d" }
    } }))
    expect(pathsOf(failure.errors, "v1-input-name-conflict")).toEqual(["args.script_params[\"--y\"]"])
  })

  it("a Datastore object is its root, named after it", () => {
    const r = argvAndInputs({ "--root": { type: "Datastore", name: "blob" } })
    expect(r.arguments).toEqual(["--root", Data.input("blob")])
    expect(r.inputs).toEqual({ blob: Data.fromDatastore("blob", "") })
  })

  it("DatasetConsumptionConfig: mount, download and direct; the dataset and version when given", () => {
    const r = argvAndInputs({
      "--m": { type: "DatasetConsumptionConfig", name: "m", mode: "mount" },
      "--d": { type: "DatasetConsumptionConfig", name: "d", mode: "download", dataset: "mnist", version: "3" },
      "--t": { type: "DatasetConsumptionConfig", name: "t" }
    })
    expect(r.arguments).toEqual(["--m", Data.input("m"), "--d", Data.input("d"), "--t", Data.input("t")])
    expect(r.inputs).toEqual({
      m: Data.fromAsset("m", { mode: "ro_mount" }),
      d: Data.fromAsset("mnist", { mode: "download", version: "3" }),
      t: Data.fromAsset("t", { mode: "direct" })
    })
  })

  it("a data name that is not an identifier is renamed, with a warning", () => {
    const r = argvAndInputs({ "--d": { type: "DatasetConsumptionConfig", name: "mnist-data", mode: "mount" } })
    expect(r.arguments).toEqual(["--d", Data.input("mnist_data")])
    expect(pathsOf(r.warnings, "v1-input-renamed")).toEqual(["args.script_params[\"--d\"]"])
  })

  it("inputs become job inputs without arguments", () => {
    const r = argvAndInputs(null, { inputs: [{ type: "DatasetConsumptionConfig", name: "train", mode: "download" }, { type: "Datastore", name: "blob" }] })
    expect(r.arguments).toEqual([])
    expect(Object.keys(r.inputs)).toEqual(["train", "blob"])
  })

  it("inputs rejects other types with v1's message", () => {
    const failure = fail(call("Estimator", { inputs: [{ type: "OutputFileDatasetConfig", name: "out" }] }))
    expect(find(failure.errors, "v1-unsupported-type", "args.inputs[0]").message).toBe("Type OutputFileDatasetConfig is not supported for inputs.")
  })

  it("an OutputFileDatasetConfig in script_params is an output", () => {
    const r = argvAndInputs({ "--out": { type: "OutputFileDatasetConfig", name: "out", destination: { type: "DataPath", datastore: "blob", path: "o" } } })
    expect(r.arguments).toEqual(["--out", Data.outputRef("out")])
    expect(r.outputs).toEqual({ out: Data.output({ destination: Data.datastorePath("blob", "o") }) })
  })

  it("path_on_compute is reported as not carried over", () => {
    const r = argvAndInputs({ "--d": { type: "DataReference", datastore: "blob", path: "x", path_on_compute: "/data" } })
    expect(pathsOf(r.warnings, "v1-parameter-ignored")).toEqual(["args.script_params[\"--d\"].path_on_compute"])
  })
})

describe("§2.5 resume_from", () => {
  it("becomes the MODEL_LOCATION input and --resume-from at the end of the arguments", () => {
    const { spec } = ok(call("Estimator", { script_params: { "--epochs": 3 }, resume_from: { type: "DataPath", datastore: "blob", path: "ckpt" } }))
    expect(spec.arguments).toEqual(["--epochs", 3])
    expect(Estimator.effectiveArguments(spec)).toEqual(["--epochs", 3, "--resume-from", Data.input("MODEL_LOCATION")])
    expect(Estimator.effectiveInputs(spec)["MODEL_LOCATION"]).toEqual(Data.fromDatastore("blob", "ckpt", { mode: "ro_mount" }))
  })

  it.each([
    [{ type: "DataReference", datastore: "blob", path: "ckpt" }, "DataReference"],
    ["blob/ckpt", "str"]
  ])("must be a DataPath: v1's error", (value, found) => {
    const failure = fail(call("Estimator", { resume_from: value }))
    expect(find(failure.errors, "v1-resume-from-type", "args.resume_from").message).toBe(`resume_from parameter should be of type DataPath. Found ${found}.`)
  })

  it("replaces a \"--resume-from\" already in script_params, with a warning about its place", () => {
    const { spec, warnings } = ok(call("Estimator", { script_params: { "--resume-from": "old", "--x": 1 }, resume_from: { type: "DataPath", datastore: "blob", path: "ckpt" } }))
    expect(Estimator.effectiveArguments(spec)).toEqual(["--x", 1, "--resume-from", Data.input("MODEL_LOCATION")])
    expect(pathsOf(warnings, "v1-resume-from-replaces-param")).toEqual(["args.script_params[\"--resume-from\"]"])
  })
})

// -------------------------------------------------------------------------------------
// §3.4 distribution mapping
// -------------------------------------------------------------------------------------

describe("§3.4 distribution", () => {
  it("distributed_backend='mpi': MPI with process_count_per_node", () => {
    const { spec } = ok(call("Chainer", { framework_version: "7.0.0", node_count: 2, process_count_per_node: 4, distributed_backend: "mpi" }))
    expect([spec.distribution, spec.nodeCount, spec.processCountPerNode]).toEqual([{ _tag: "Mpi" }, 2, 4])
  })

  it.each(["gloo", "nccl"] as const)("PyTorch distributed_backend='%s': torch.distributed, one process per node", (backend) => {
    const { spec } = ok(call("PyTorch", { framework_version: "1.6", node_count: 2, distributed_backend: backend }))
    expect([spec.distribution, spec.processCountPerNode]).toEqual([{ _tag: "PyTorch", backend }, 1])
  })

  it("TensorFlow distributed_backend='ps': parameter servers from worker_count and parameter_server_count", () => {
    const { spec } = ok(call("TensorFlow", { framework_version: "1.13", node_count: 2, distributed_backend: "ps", worker_count: 2, parameter_server_count: 1 }))
    expect([spec.distribution, spec.nodeCount]).toEqual([{ _tag: "TensorFlow", workerCount: 2, parameterServerCount: 1 }, 2])
  })

  it("Mpi(process_count_per_node=k) and MpiConfiguration: MPI with k processes; node_count stays the estimator's", () => {
    const mpi = ok(call("PyTorch", { framework_version: "1.6", node_count: 2, distributed_training: { type: "Mpi", process_count_per_node: 4 } })).spec
    expect([mpi.distribution, mpi.nodeCount, mpi.processCountPerNode]).toEqual([{ _tag: "Mpi" }, 2, 4])
    const { spec, warnings } = ok(call("Estimator", { node_count: 3, distributed_training: { type: "MpiConfiguration", process_count_per_node: 2, node_count: 5 } }))
    expect([spec.nodeCount, spec.processCountPerNode]).toEqual([3, 2])
    expect(pathsOf(warnings, "v1-parameter-ignored")).toEqual(["args.distributed_training.node_count"])
  })

  it("TensorflowConfiguration on TensorFlow: parameter servers, no warning", () => {
    const { spec, warnings } = ok(call("TensorFlow", { framework_version: "2.2", distributed_training: { type: "TensorflowConfiguration", worker_count: 3, parameter_server_count: 2 } }))
    expect(spec.distribution).toEqual({ _tag: "TensorFlow", workerCount: 3, parameterServerCount: 2 })
    expect(pathsOf(warnings, "v1-distributed-training-honoured")).toEqual([])
  })

  it("TensorflowConfiguration on the generic Estimator: v1 ignored it (a quirk); the import applies it and says so", () => {
    const { spec, warnings } = ok(call("Estimator", { node_count: 2, distributed_training: { type: "TensorflowConfiguration", worker_count: 2, parameter_server_count: 1 } }))
    expect(spec.distribution).toEqual({ _tag: "TensorFlow", workerCount: 2, parameterServerCount: 1 })
    expect(pathsOf(warnings, "v1-distributed-training-honoured")).toEqual(["args.distributed_training.type"])
  })

  it("PyTorchConfiguration: applied with a warning; process_count is spread over the nodes", () => {
    const { spec, warnings } = ok(call("PyTorch", { framework_version: "1.6", node_count: 2, distributed_training: { type: "PyTorchConfiguration", communication_backend: "Gloo", process_count: 8 } }))
    expect([spec.distribution, spec.processCountPerNode]).toEqual([{ _tag: "PyTorch", backend: "gloo" }, 4])
    expect(pathsOf(warnings, "v1-distributed-training-honoured")).toEqual(["args.distributed_training.type"])
  })

  it("PyTorchConfiguration: an uneven process_count and an unknown backend are errors", () => {
    expect(pathsOf(fail(call("PyTorch", { framework_version: "1.6", node_count: 2, distributed_training: { type: "PyTorchConfiguration", process_count: 3 } })).errors, "v1-invalid-process-count"))
      .toEqual(["args.distributed_training.process_count"])
    const failure = fail(call("PyTorch", { framework_version: "1.6", distributed_training: { type: "PyTorchConfiguration", communication_backend: "mpi" } }))
    expect(find(failure.errors, "v1-unsupported-backend", "args.distributed_training.communication_backend").message).toBe("mpi is not a supported backend. 'communication_backend' must be 'Nccl' or 'Gloo'.")
  })

  it("a configuration the framework does not support is core's error, on the call's path", () => {
    const failure = fail(call("Chainer", { framework_version: "7.0.0", distributed_training: { type: "PyTorchConfiguration" } }))
    expect(pathsOf(failure.errors, "distribution-not-supported-by-framework")).toEqual(["args.distributed_training"])
  })
})

// -------------------------------------------------------------------------------------
// compute and environment
// -------------------------------------------------------------------------------------

describe("compute", () => {
  it.each([
    ["local", Estimator.local],
    ["my-cluster", Estimator.cluster("my-cluster")],
    [{ type: "AmlCompute", name: "c" }, Estimator.cluster("c")],
    [{ type: "ComputeTarget", name: "c" }, Estimator.cluster("c")],
    [{ type: "RemoteCompute", name: "vm" }, Estimator.cluster("vm")]
  ])("compute_target %j", (target, compute) => {
    expect(ok(call("Estimator", { compute_target: target })).spec.compute).toEqual(compute)
  })

  it("vm_size with vm_priority without a target: serverless", () => {
    expect(ok(call("Estimator", { compute_target: null, vm_size: "Standard_D2", vm_priority: "dedicated" })).spec.compute).toEqual(Estimator.serverless("Standard_D2", "dedicated"))
  })

  it("a vm_priority Azure ML does not know is an error", () => {
    expect(pathsOf(fail(call("Estimator", { compute_target: null, vm_size: "Standard_D2", vm_priority: "spot" })).errors, "v1-invalid-vm-priority")).toEqual(["args.vm_priority"])
  })

  it("vm_size next to a target, and vm_priority without vm_size, have no effect, as in v1: warnings", () => {
    expect(pathsOf(ok(call("Estimator", { vm_size: "Standard_D2" })).warnings, "v1-parameter-ignored")).toEqual(["args.vm_size"])
    expect(pathsOf(ok(call("Estimator", { vm_priority: "lowpriority" })).warnings, "v1-parameter-ignored")).toEqual(["args.vm_priority"])
  })
})

describe("environment", () => {
  it("use_gpu: the GPU default image (no image in the spec, gpu set)", () => {
    const { spec } = ok(call("Estimator", { use_gpu: true }))
    expect(spec.gpu).toBe(true)
    expect(spec.environment.image).toBeUndefined()
  })

  it("framework images and packages follow the version and the processor", () => {
    const cpu = effectivePackages(ok(call("TensorFlow", { framework_version: "2.2" })).spec)
    const gpu = effectivePackages(ok(call("TensorFlow", { framework_version: "2.2", use_gpu: true })).spec)
    expect(cpu.baseImage).toBe("mcr.microsoft.com/azureml/openmpi3.1.2-ubuntu18.04:20200821.v1")
    expect(gpu.baseImage).toBe("mcr.microsoft.com/azureml/openmpi3.1.2-cuda10.1-cudnn7-ubuntu18.04:20200821.v1")
    expect(cpu.pipPackages).toContain("tensorflow==2.2.0")
    expect(gpu.pipPackages).toContain("tensorflow-gpu==2.2.0")
  })

  it("shm_size defaults to 2g", () => {
    const { spec } = ok(call("Estimator"))
    expect(spec.shmSize).toBeUndefined()
    expect(Estimator.effectiveShmSize(spec)).toBe("2g")
  })

  it("shm_size is applied, and the import says v1 could lose it", () => {
    const { spec, warnings } = ok(call("Estimator", { shm_size: "16g" }))
    expect(Estimator.effectiveShmSize(spec)).toBe("16g")
    expect(pathsOf(warnings, "v1-shm-size-applied")).toEqual(["args.shm_size"])
  })

  it("an invalid shm_size is core's error on the call's path", () => {
    expect(pathsOf(fail(call("Estimator", { shm_size: "8 GB" })).errors, "invalid-shm-size")).toEqual(["args.shm_size"])
  })

  it("max_run_duration_seconds is the spec's limit; 0 is core's error on the call's path", () => {
    expect(ok(call("Estimator", { max_run_duration_seconds: 7200 })).spec.maxRunDurationSeconds).toBe(7200)
    expect(ok(call("Estimator", { max_run_duration_seconds: null })).spec.maxRunDurationSeconds).toBeUndefined()
    expect(pathsOf(fail(call("Estimator", { max_run_duration_seconds: 0 })).errors, "invalid-duration")).toEqual(["args.max_run_duration_seconds"])
  })

  it("PyTorch always gets NCCL_TREE_THRESHOLD=0", () => {
    expect(effectivePackages(ok(call("PyTorch", { framework_version: "1.6" })).spec).environmentVariables).toEqual({ NCCL_TREE_THRESHOLD: "0" })
  })

  it("a NCCL_TREE_THRESHOLD the user sets is kept (v1 overwrote it), with a warning", () => {
    const { spec, warnings } = ok(call("PyTorch", { framework_version: "1.6", environment_variables: { NCCL_TREE_THRESHOLD: "4" } }))
    expect(effectivePackages(spec).environmentVariables).toEqual({ NCCL_TREE_THRESHOLD: "4" })
    expect(pathsOf(warnings, "v1-nccl-tree-threshold-kept")).toEqual(["args.environment_variables.NCCL_TREE_THRESHOLD"])
  })

  it("environment variable values must be strings", () => {
    const failure = fail(call("Estimator", { environment_variables: { N: 4 } }))
    expect(find(failure.errors, "v1-invalid-argument-type", "args.environment_variables.N").hint).toContain("\"4\"")
  })

  it("an invalid environment variable name is core's error on the call's path", () => {
    expect(pathsOf(fail(call("Estimator", { environment_variables: { "MY-VAR": "1" } })).errors, "invalid-env-name")).toEqual(["args.environment_variables.MY-VAR"])
  })

  it("image_registry_details without a custom image is an error", () => {
    expect(pathsOf(fail(call("Estimator", { image_registry_details: { type: "ContainerRegistry", address: "acr.io" } })).errors, "v1-registry-without-image")).toEqual(["args.image_registry_details"])
  })

  it("a password_env without a username is core's error on the registry's path", () => {
    const failure = fail(call("Estimator", { custom_docker_image: "acr.io/i:1", image_registry_details: { type: "ContainerRegistry", address: "acr.io", password_env: "P" } }))
    expect(pathsOf(failure.errors, "registry-username-missing")).toEqual(["args.image_registry_details.username"])
  })

  it("a literal password is an error, and its value appears nowhere in the result (property)", () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9]{12,24}$/), (password) => {
      const failure = fail(call("Estimator", {
        custom_docker_image: "acr.io/i:1",
        image_registry_details: { type: "ContainerRegistry", address: "acr.io", username: "me", password }
      }))
      expect(pathsOf(failure.errors, "v1-literal-password")).toEqual(["args.image_registry_details.password"])
      expect(JSON.stringify(failure)).not.toContain(password)
    }))
  })

  it("a password in malformed JSON text is not quoted by the parse error", () => {
    const result = V1Import.fromJson(`{"class": "Estimator", "args": {"image_registry_details": {"password": "hunter2secret" oops}}}`)
    if (E.isRight(result)) throw new Error("expected a parse error")
    expect(result.left.errors[0]).toMatchObject({ code: "v1-invalid-json", path: "" })
    expect(result.left.errors[0]?.message).toContain("line 1, column")
    expect(JSON.stringify(result.left)).not.toContain("hunter2secret")
  })

  it("a notebook entry script is an error with a fix", () => {
    expect(find(fail(call("Estimator", { entry_script: "train.ipynb" })).errors, "v1-notebook-entry-script", "args.entry_script").hint).toContain("nbconvert")
  })

  it("no entry_script is core's error on the call's path", () => {
    expect(pathsOf(fail(call("Estimator", { entry_script: undefined })).errors, "entry-missing")).toEqual(["args.entry_script"])
  })
})

// -------------------------------------------------------------------------------------
// batches, parsing and the codec
// -------------------------------------------------------------------------------------

describe("lists of calls", () => {
  const calls = [
    call("Estimator"),
    call("SKLearn", { use_gpu: true }),
    call("PyTorch", { framework_version: "1.6", node_count: 0 })
  ]

  it("one result per call, with paths starting with the call's index", () => {
    const results = V1Import.fromV1Calls(calls)
    if (E.isLeft(results)) throw new Error("expected results")
    expect(results.right.map(E.isRight)).toEqual([true, false, false])
    const second = results.right[1]
    if (second === undefined || E.isRight(second)) throw new Error("expected a failure")
    expect(second.left.errors.map((e) => e.path)).toEqual(["[1].args.use_gpu"])
  })

  it("each result is the single import with prefixed paths (property over subsets)", () => {
    fc.assert(fc.property(fc.subarray(calls), (subset) => {
      const results = V1Import.fromV1Calls(subset)
      if (E.isLeft(results)) throw new Error("expected results")
      results.right.forEach((result, i) => {
        const single = V1Import.fromV1Call(subset[i])
        const prefix = (issues: ReadonlyArray<Validation.Issue>) => issues.map((issue) => ({ ...issue, path: issue.path === "" ? `[${i}]` : issue.path.startsWith("[") ? `[${i}]${issue.path}` : `[${i}].${issue.path}` }))
        expect(result).toEqual(E.isLeft(single)
          ? E.left({ errors: prefix(single.left.errors), warnings: prefix(single.left.warnings) })
          : E.right({ spec: single.right.spec, warnings: prefix(single.right.warnings) }))
      })
    }))
  })

  it("rejects a non-list", () => {
    expect(E.isLeft(V1Import.fromV1Calls(call("Estimator")))).toBe(true)
  })

  it("fromJson tells one call from a list", () => {
    const one = V1Import.fromJson(JSON.stringify(call("Estimator")))
    const many = V1Import.fromJson(JSON.stringify([call("Estimator"), call("Estimator")]))
    expect(E.isRight(one) && one.right.batch).toBe(false)
    expect(E.isRight(many) && many.right.batch === true && many.right.results.length).toBe(2)
  })
})

describe("parse", () => {
  const plain = (j: V1Import.Json): unknown => {
    switch (j._tag) {
      case "Null":
        return null
      case "Array":
        return j.items.map(plain)
      case "Object":
        return Object.fromEntries(j.entries.map(([k, v]) => [k, plain(v)]))
      default:
        return j.value
    }
  }

  it("reads the same values as JSON.parse (property)", () => {
    fc.assert(fc.property(fc.json(), (text) => {
      const document = V1Import.parse(text)
      if (E.isLeft(document)) throw new Error(`rejected ${text}`)
      expect(plain(document.right.json)).toEqual(JSON.parse(text))
    }))
  })

  it("rejects what JSON.parse rejects, naming line and column", () => {
    for (const text of ["", "{", "[1,]", "{\"a\" 1}", "01", "'x'", "{\"a\": 1} x", "tru"]) {
      expect(() => JSON.parse(text)).toThrow()
      const document = V1Import.parse(text)
      if (E.isRight(document)) throw new Error(`accepted ${JSON.stringify(text)}`)
      expect(document.left.errors[0]?.message).toMatch(/^The text is not valid JSON: at line \d+, column \d+/)
    }
    const multiline = V1Import.parse("{\n  \"a\": 1,\n  \"b\" 2\n}")
    expect(E.isLeft(multiline) && multiline.left.errors[0]?.message).toContain("at line 3, column 7")
  })

  it("records how numbers were written", () => {
    const document = V1Import.parse("[1, 1.0, 1e2, -0]")
    if (E.isLeft(document)) throw new Error("rejected")
    expect(document.right.json).toEqual({
      _tag: "Array",
      items: [
        { _tag: "Number", value: 1, literal: "1", float: false },
        { _tag: "Number", value: 1, literal: "1.0", float: true },
        { _tag: "Number", value: 100, literal: "1e2", float: true },
        { _tag: "Number", value: -0, literal: "-0", float: false }
      ]
    })
  })

  it("rejects values that are not JSON data when given parsed input", () => {
    expect(pathsOf(fail({ class: "Estimator", args: { source_directory: ".", node_count: Number.NaN } }).errors, "v1-invalid-json")).toEqual(["args.node_count"])
    expect(pathsOf(fail({ class: "Estimator", args: { source_directory: new Date(0) } }).errors, "v1-invalid-json")).toEqual(["args.source_directory"])
  })
})

describe("imported specs", () => {
  const arbitraryCall = fc.record({
    cls: fc.constantFrom(...CLASSES),
    gpu: fc.boolean(),
    docker: fc.boolean(),
    pip: fc.array(fc.constantFrom("numpy", "pandas==1.0", "requests"), { maxLength: 3 }),
    params: fc.dictionary(fc.constantFrom("--a", "--b", "--c"), fc.oneof(fc.integer(), fc.string(), fc.constant(null))),
    nodes: fc.integer({ min: 1, max: 4 })
  }).map(({ cls, gpu, docker, pip, params, nodes }) => call(cls, {
    ...(cls === "SKLearn" ? {} : { use_gpu: gpu, node_count: nodes, distributed_training: { type: "Mpi" } }),
    use_docker: docker,
    pip_packages: pip,
    script_params: params
  }))

  it("are well-formed specs that survive JSON (property)", () => {
    fc.assert(fc.property(arbitraryCall, (input) => {
      const result = V1Import.fromV1Call(input)
      if (E.isLeft(result)) throw new Error(result.left.errors.map(Validation.format).join("\n"))
      expect(Estimator.decode(JSON.parse(JSON.stringify(result.right.spec)))).toEqual(E.right(result.right.spec))
      expect(Validation.errors(Validation.validate(result.right.spec))).toEqual([])
    }))
  })

  it("the import is deterministic and does not change its input (property)", () => {
    fc.assert(fc.property(arbitraryCall, (input) => {
      const before = JSON.stringify(input)
      expect(V1Import.fromV1Call(input)).toEqual(V1Import.fromV1Call(JSON.parse(before)))
      expect(JSON.stringify(input)).toBe(before)
    }))
  })

  it("a Document and plain JSON give the same result for integer-only calls", () => {
    const input = call("PyTorch", { framework_version: "1.6", script_params: { "--x": 1, "--y": [2, 3] } })
    const document = V1Import.parse(JSON.stringify(input))
    if (E.isLeft(document)) throw new Error("rejected")
    expect(V1Import.fromV1Call(document.right)).toEqual(V1Import.fromV1Call(input))
  })

  it("objectTypes lists every JSON type the importer knows, including those of DESIGN §4", () => {
    for (const type of ["AmlCompute", "ComputeTarget", "RemoteCompute", "Mpi", "MpiConfiguration", "ParameterServer", "Gloo", "Nccl", "PyTorchConfiguration", "TensorflowConfiguration", "DataReference", "DatasetConsumptionConfig", "DataPath", "Environment", "ContainerRegistry"]) {
      expect(Object.keys(V1Import.objectTypes)).toContain(type)
    }
    expect(V1Import.objectTypes["ContainerRegistry"]).toEqual(["address", "username", "password_env", "password"])
  })
})

// -------------------------------------------------------------------------------------
// the migration guide's example
// -------------------------------------------------------------------------------------

describe("docs/v1-migration.md", () => {
  const guide = readFileSync(new URL("../docs/v1-migration.md", import.meta.url), "utf8")
  const jsonBlock = /```json\n([\s\S]*?)```/.exec(guide)?.[1]

  it("the before/after example: the JSON call imports to the hand-written pipe", () => {
    if (jsonBlock === undefined) throw new Error("the guide has no JSON example")
    const result = json(jsonBlock)
    if (E.isLeft(result)) throw new Error(result.left.errors.map(Validation.format).join("\n"))
    const handWritten = pipe(
      Estimator.make({ sourceDirectory: "./src", entryScript: "pytorch_horovod_mnist.py" }),
      Estimator.withCompute(Estimator.cluster("gpu-cluster")),
      Estimator.withInput("workspaceblobstore_mnist", Data.fromDatastore("workspaceblobstore", "mnist")),
      Estimator.withScriptParams({ "--epochs": 10, "--data": Data.input("workspaceblobstore_mnist"), "--verbose": "" }),
      Estimator.withMpi(2, 1),
      Estimator.withGpu,
      pytorch("1.6")
    )
    expect(result.right.spec).toEqual(handWritten)
    expect(result.right.warnings.map((w) => w.code)).toEqual(["v1-distributed-type-deprecated", "v1-estimator-deprecated"])
    const tsBlock = /```ts\nimport \{ Data, Estimator \}[\s\S]*?```/.exec(guide)?.[0] ?? ""
    for (const line of [
      "Estimator.make({ sourceDirectory: \"./src\", entryScript: \"pytorch_horovod_mnist.py\" }),",
      "Estimator.withCompute(Estimator.cluster(\"gpu-cluster\")),",
      "Estimator.withInput(\"workspaceblobstore_mnist\", Data.fromDatastore(\"workspaceblobstore\", \"mnist\")),",
      "Estimator.withScriptParams({ \"--epochs\": 10, \"--data\": Data.input(\"workspaceblobstore_mnist\"), \"--verbose\": \"\" }),",
      "Estimator.withMpi(2, 1),",
      "Estimator.withGpu,",
      "pytorch(\"1.6\")"
    ]) {
      expect(tsBlock).toContain(line)
    }
  })
})
