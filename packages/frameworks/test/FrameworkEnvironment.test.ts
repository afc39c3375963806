import { Estimator, Framework, Secret } from "@estimator/core"
import * as fc from "fast-check"
import { pipe } from "fp-ts/lib/function.js"
import { describe, expect, it } from "vitest"
import * as Catalog from "../src/Catalog.js"
import * as Chainer from "../src/Chainer.js"
import * as Dependencies from "../src/Dependencies.js"
import { effectivePackages, frameworkEnvironment, packageName, PACKAGES_OVERRIDDEN } from "../src/FrameworkEnvironment.js"
import type { FrameworkEnvironment } from "../src/FrameworkEnvironment.js"
import * as PyTorch from "../src/PyTorch.js"
import * as SKLearn from "../src/SKLearn.js"
import * as TensorFlow from "../src/TensorFlow.js"

const base = Estimator.make({ entryScript: "train.py" })

const envOf = (name: Framework.FrameworkName, version: string, gpu: boolean): FrameworkEnvironment => {
  const env = frameworkEnvironment({ name, version }, gpu)
  if (env === undefined) throw new Error(`no environment for ${name} ${version} gpu=${gpu}`)
  return env
}

/** Every (framework, version, processor) that has an environment, with its dependency table. */
const all = Catalog.frameworks.flatMap((entry) =>
  entry.versions.flatMap((v) =>
    [false, ...(entry.gpu ? [true] : [])].map((gpu) => ({
      name: entry.name,
      version: v.version as string,
      gpu,
      env: envOf(entry.name, v.version, gpu),
      table: v.dependencies
    }))
  )
)

const pinOf = (packages: ReadonlyArray<string>, name: string): string | undefined =>
  packages.find((p) => packageName(p) === name)?.split("==")[1]

const overrideMessage = (names: string) =>
  `You have specified to install packages in your run. Note that you have overridden Azure ML's installation of the following packages: ${names}. We cannot guarantee image build will succeed.`

describe("frameworkEnvironment", () => {
  it("covers every supported version on CPU, and on GPU except SKLearn", () => {
    // 2 Chainer + 7 PyTorch + 6 TensorFlow versions on CPU and GPU, 1 SKLearn version on CPU.
    expect(all).toHaveLength((2 + 7 + 6) * 2 + 1)
  })

  it("names full Azure ML base images with the 2020-08-21 tag", () => {
    for (const { env } of all) {
      expect(env.baseImage).toMatch(/^mcr\.microsoft\.com\/azureml\/[a-z0-9.-]+:20200821\.v1$/)
    }
  })

  it("uses a CUDA image exactly on GPU, with the CUDA version the docstring table documents", () => {
    for (const { name, version, gpu, env, table } of all) {
      const cuda = /-cuda(\d+\.\d+)-/.exec(env.baseImage)?.[1]
      if (!gpu) {
        expect(cuda, `${name} ${version} CPU`).toBeUndefined()
      } else if (name === "TensorFlow" && version === "2.2") {
        // The one disagreement the reference records (§4.3): the image has CUDA 10.1, the docstring 10.0.
        expect(cuda).toBe("10.1")
        expect(Dependencies.find(table, "CUDA")?.version).toBe("10.0")
      } else {
        expect(cuda, `${name} ${version} GPU`).toBe(Dependencies.find(table, "CUDA")?.version)
      }
    }
  })

  it("uses an image of the MPI flavour the docstring table documents", () => {
    for (const { name, version, gpu, env, table } of all) {
      // The PyTorch 1.3 CPU curated environment used the Intel MPI image although the table says OpenMpi (§4.3).
      if (name === "PyTorch" && version === "1.3" && !gpu) {
        expect(env.baseImage).toContain("/intelmpi2018.3-")
        continue
      }
      const mpi = Dependencies.find(table, "IntelMpi") !== undefined ? "intelmpi2018.3" : "openmpi3.1.2"
      expect(env.baseImage, `${name} ${version} gpu=${gpu}`).toContain(`/${mpi}-`)
    }
  })

  it("pins the Python the dependency table documents", () => {
    for (const { env, table } of all) {
      expect(env.condaPackages).toContain(`python=${Dependencies.find(table, "Python")?.version}`)
    }
  })

  it("lists each package once", () => {
    for (const { env } of all) {
      const names = [...env.condaPackages, ...env.pipPackages].map(packageName)
      expect(new Set(names).size).toBe(names.length)
    }
  })

  it("marks the images §4.3 does not confirm (Chainer, SKLearn) as unconfirmed, the others as confirmed", () => {
    for (const { name, env } of all) {
      expect(env.confirmed).toBe(name === "PyTorch" || name === "TensorFlow")
    }
  })

  it("is undefined for unsupported versions and for SKLearn on GPU", () => {
    expect(frameworkEnvironment({ name: "Chainer", version: "1.0.0" }, false)).toBeUndefined()
    expect(frameworkEnvironment({ name: "PyTorch", version: "1.4.0" }, true)).toBeUndefined()
    expect(frameworkEnvironment({ name: "TensorFlow", version: "2.3" }, false)).toBeUndefined()
    expect(frameworkEnvironment({ name: "SKLearn", version: "0.20.3" }, true)).toBeUndefined()
    fc.assert(
      fc.property(fc.constantFrom(...Framework.names), fc.string({ maxLength: 8 }), fc.boolean(), (name, version, gpu) => {
        const defined = Framework.isSupportedVersion(name, version) && !(name === "SKLearn" && gpu)
        expect(frameworkEnvironment({ name, version }, gpu) !== undefined).toBe(defined)
      })
    )
  })

  describe("PyTorch", () => {
    it("sets NCCL_TREE_THRESHOLD=0 on every version, CPU and GPU", () => {
      for (const version of PyTorch.supportedVersions) {
        for (const gpu of [false, true]) {
          expect(envOf("PyTorch", version, gpu).environmentVariables).toEqual({ NCCL_TREE_THRESHOLD: "0" })
        }
      }
    })

    it("uses the CUDA 10.1 image for 1.4–1.6 and the CUDA 10.0 image before", () => {
      for (const version of ["1.4", "1.5", "1.6"]) {
        expect(envOf("PyTorch", version, true).baseImage).toBe("mcr.microsoft.com/azureml/openmpi3.1.2-cuda10.1-cudnn7-ubuntu18.04:20200821.v1")
      }
      for (const version of ["1.0", "1.1", "1.2", "1.3"]) {
        expect(envOf("PyTorch", version, true).baseImage).toBe("mcr.microsoft.com/azureml/openmpi3.1.2-cuda10.0-cudnn7-ubuntu16.04:20200821.v1")
      }
    })

    it("pins 1.4 as the curated environment did", () => {
      const env = envOf("PyTorch", "1.4", true)
      expect(env.pipPackages).toEqual(expect.arrayContaining(["torch==1.4.0", "torchvision==0.5.0", "horovod==0.18.1", "mkl==2018.0.3"]))
      expect(env.curatedEnvironment).toBe("AzureML-PyTorch-1.4-GPU")
    })

    it("pins the torch release of the version it is", () => {
      for (const version of PyTorch.supportedVersions) {
        expect(pinOf(envOf("PyTorch", version, false).pipPackages, "torch")?.startsWith(version)).toBe(true)
      }
    })
  })

  describe("TensorFlow", () => {
    it("installs tensorflow on CPU and tensorflow-gpu on GPU, never both", () => {
      for (const version of TensorFlow.supportedVersions) {
        const cpu = envOf("TensorFlow", version, false).pipPackages.map(packageName)
        const gpu = envOf("TensorFlow", version, true).pipPackages.map(packageName)
        expect(cpu).toContain("tensorflow")
        expect(cpu).not.toContain("tensorflow-gpu")
        expect(gpu).toContain("tensorflow-gpu")
        expect(gpu).not.toContain("tensorflow")
      }
    })

    it("pins the TensorFlow release of the version it is, and Horovod", () => {
      for (const version of TensorFlow.supportedVersions) {
        expect(pinOf(envOf("TensorFlow", version, false).pipPackages, "tensorflow")?.startsWith(version)).toBe(true)
        expect(pinOf(envOf("TensorFlow", version, true).pipPackages, "tensorflow-gpu")?.startsWith(version)).toBe(true)
        expect(pinOf(envOf("TensorFlow", version, true).pipPackages, "horovod")).toBeDefined()
      }
      expect(envOf("TensorFlow", "1.13", true).pipPackages).toEqual(["tensorflow-gpu==1.13.1", "horovod==0.16.1"])
    })

    it("sets no environment variables", () => {
      for (const { name, env } of all) if (name === "TensorFlow") expect(env.environmentVariables).toEqual({})
    })
  })

  describe("Chainer", () => {
    it("installs chainer and mpi4py, and cupy-cuda90 of the same version on GPU only", () => {
      for (const version of Chainer.supportedVersions) {
        expect(envOf("Chainer", version, false).pipPackages).toEqual([`chainer==${version}`, "mpi4py==3.0.0"])
        expect(envOf("Chainer", version, true).pipPackages).toEqual([`chainer==${version}`, "mpi4py==3.0.0", `cupy-cuda90==${version}`])
      }
    })

    it("uses the Intel MPI images, CUDA 9.0 on GPU", () => {
      expect(envOf("Chainer", "5.1.0", false).baseImage).toBe("mcr.microsoft.com/azureml/intelmpi2018.3-ubuntu16.04:20200821.v1")
      expect(envOf("Chainer", "7.0.0", true).baseImage).toBe("mcr.microsoft.com/azureml/intelmpi2018.3-cuda9.0-cudnn7-ubuntu16.04:20200821.v1")
    })

    it("does not set the 1.0.x-era NCCL variables, which stay available on request", () => {
      for (const version of Chainer.supportedVersions) expect(envOf("Chainer", version, true).environmentVariables).toEqual({})
      expect(Chainer.LEGACY_MPI_ENVIRONMENT_VARIABLES).toEqual({ NCCL_SOCKET_IFNAME: "eth0", NCCL_IB_DISABLE: "1" })
    })

    it("names a curated environment only for 5.1.0, the only one ever listed", () => {
      expect(envOf("Chainer", "5.1.0", true).curatedEnvironment).toBe("AzureML-Chainer-5.1.0-GPU")
      expect(envOf("Chainer", "7.0.0", true).curatedEnvironment).toBeUndefined()
    })
  })

  describe("SKLearn", () => {
    it("installs the curated pins on the Intel MPI CPU image", () => {
      expect(SKLearn.environment("0.20.3", false)).toEqual({
        baseImage: "mcr.microsoft.com/azureml/intelmpi2018.3-ubuntu16.04:20200821.v1",
        confirmed: false,
        condaPackages: ["python=3.6.2"],
        pipPackages: ["scikit-learn==0.20.3", "scipy==1.2.1", "joblib==0.13.2"],
        environmentVariables: {},
        curatedEnvironment: "AzureML-Scikit-learn-0.20.3"
      })
    })
  })
})

describe("packageName", () => {
  it("strips pins, extras, markers, channels and normalises", () => {
    expect(packageName("torch==1.4.0")).toBe("torch")
    expect(packageName("numpy=1.16")).toBe("numpy")
    expect(packageName("numpy 1.16.*")).toBe("numpy")
    expect(packageName("Horovod>=0.19")).toBe("horovod")
    expect(packageName("conda-forge::Scikit_Learn>=0.20")).toBe("scikit-learn")
    expect(packageName("requests[security]==2.0 ; python_version < '3.8'")).toBe("requests")
    expect(packageName("git+https://github.com/org/repo.git#egg=my_pkg")).toBe("my-pkg")
    expect(packageName("  tensorflow-gpu==2.0.0 ")).toBe("tensorflow-gpu")
  })

  it("is the PEP 503 name whatever pin, extra or channel is attached", () => {
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,6}([-_.][A-Za-z0-9]{1,4}){0,2}$/)
    const suffix = fc.constantFrom("", "==1.0", ">=2", "=3.6.2", "<4,>=3", " 1.16.*", "[extra]==1", "; python_version<'3.8'", "~=1.4")
    const prefix = fc.constantFrom("", "conda-forge::", "defaults::")
    fc.assert(
      fc.property(prefix, name, suffix, (p, n, s) => {
        expect(packageName(`${p}${n}${s}`)).toBe(n.toLowerCase().replace(/[-_.]+/g, "-"))
      })
    )
  })
})

describe("effectivePackages", () => {
  it("leaves a spec without a framework as it is", () => {
    const spec = pipe(base, Estimator.withPip(["torch==1.5.0"]), Estimator.withConda(["numpy"]), Estimator.withEnv({ A: "1" }))
    expect(effectivePackages(spec)).toEqual({ condaPackages: ["numpy"], pipPackages: ["torch==1.5.0"], environmentVariables: { A: "1" }, warnings: [] })
  })

  it("adds the framework's packages, image and variables before the user's", () => {
    const spec = pipe(base, Estimator.withGpu, Estimator.withPip(["pillow"]), Estimator.withConda(["numpy"]), PyTorch.pytorch("1.4"))
    const framework = envOf("PyTorch", "1.4", true)
    expect(effectivePackages(spec)).toEqual({
      framework,
      baseImage: framework.baseImage,
      condaPackages: ["python=3.6.2", "numpy"],
      pipPackages: [...framework.pipPackages, "pillow"],
      environmentVariables: { NCCL_TREE_THRESHOLD: "0" },
      warnings: []
    })
  })

  it("lets user packages replace the framework's copies, with v1's warning", () => {
    const spec = pipe(base, Estimator.withPip(["torch==1.5.0", "numpy"]), PyTorch.pytorch("1.4"))
    const result = effectivePackages(spec)
    expect(result.pipPackages.filter((p) => packageName(p) === "torch")).toEqual(["torch==1.5.0"])
    expect(result.pipPackages).toEqual(expect.arrayContaining(["torchvision==0.5.0", "horovod==0.18.1", "mkl==2018.0.3", "numpy"]))
    expect(result.warnings).toEqual([{
      path: "environment.pipPackages",
      code: PACKAGES_OVERRIDDEN,
      message: overrideMessage("['torch']"),
      hint: expect.stringContaining("torch"),
      severity: "warning"
    }])
  })

  it("matches by name across conda and pip, ignoring pins and spelling", () => {
    const spec = pipe(base, Estimator.withConda(["conda-forge::python=3.7", "Horovod>=0.19"]), Estimator.withPip(["Scikit_Learn"]), SKLearn.sklearn())
    const result = effectivePackages(spec)
    expect(result.condaPackages).toEqual(["conda-forge::python=3.7", "Horovod>=0.19"])
    expect(result.pipPackages).toEqual(["scipy==1.2.1", "joblib==0.13.2", "Scikit_Learn"])
    expect(result.warnings.map((w) => [w.path, w.message])).toEqual([["environment", overrideMessage("['python', 'scikit-learn']")]])
  })

  it("uses a custom image instead of the framework's but keeps the framework's packages", () => {
    const spec = pipe(base, Estimator.withImage("myacr.azurecr.io/train:1"), TensorFlow.tensorflow("2.1"))
    const result = effectivePackages(spec)
    expect(result.baseImage).toBeUndefined()
    expect(result.pipPackages).toEqual(["tensorflow==2.1.0", "horovod==0.19.1"])
  })

  it("treats a build context as a custom image", () => {
    const result = effectivePackages(pipe(base, Estimator.withBuildContext("docker"), TensorFlow.tensorflow("2.1")))
    expect(result.baseImage).toBeUndefined()
    expect(result.pipPackages).toEqual(["tensorflow==2.1.0", "horovod==0.19.1"])
  })

  it("installs no framework packages with a conda file, but keeps the framework's image", () => {
    const result = effectivePackages(pipe(base, Estimator.withGpu, Estimator.withCondaFile("env.yml"), Chainer.chainer("7.0.0")))
    expect(result.condaPackages).toEqual([])
    expect(result.pipPackages).toEqual([])
    expect(result.baseImage).toBe(envOf("Chainer", "7.0.0", true).baseImage)
    expect(result.warnings).toEqual([])
  })

  it("installs nothing and uses no framework image with a registered environment, but keeps PyTorch's variable", () => {
    const result = effectivePackages(pipe(base, Estimator.withEnvironmentRef({ name: "my-env", version: "3" }), PyTorch.pytorch("1.6")))
    expect(result.condaPackages).toEqual([])
    expect(result.pipPackages).toEqual([])
    expect(result.baseImage).toBeUndefined()
    expect(result.environmentVariables).toEqual({ NCCL_TREE_THRESHOLD: "0" })
  })

  it("adds nothing to a user-managed Python", () => {
    const result = effectivePackages(pipe(base, Estimator.withImage("me/train:1"), Estimator.withUserManagedPython, Chainer.chainer("5.1.0")))
    expect(result.condaPackages).toEqual([])
    expect(result.pipPackages).toEqual([])
    expect(result.baseImage).toBeUndefined()
  })

  it("uses no image without Docker, but still installs the packages", () => {
    const result = effectivePackages(pipe(base, Estimator.withoutDocker, SKLearn.sklearn()))
    expect(result.baseImage).toBeUndefined()
    expect(result.pipPackages).toEqual(["scikit-learn==0.20.3", "scipy==1.2.1", "joblib==0.13.2"])
  })

  it("lets the user's variables win over the framework's, plain or secret", () => {
    expect(effectivePackages(pipe(base, Estimator.withEnv({ NCCL_TREE_THRESHOLD: "1" }), PyTorch.pytorch("1.6"))).environmentVariables)
      .toEqual({ NCCL_TREE_THRESHOLD: "1" })
    expect(effectivePackages(pipe(base, Estimator.withSecretEnv({ NCCL_TREE_THRESHOLD: Secret.fromEnv("X") }), PyTorch.pytorch("1.6"))).environmentVariables)
      .toEqual({})
  })

  it("adds nothing for an unsupported version or SKLearn on GPU (validation reports those)", () => {
    const spec = pipe(base, Estimator.withPip(["numpy"]), Estimator.withFramework({ name: "PyTorch", version: "1.4.0" }))
    expect(effectivePackages(spec)).toEqual({ condaPackages: [], pipPackages: ["numpy"], environmentVariables: {}, warnings: [] })
    expect(effectivePackages(pipe(base, Estimator.withGpu, SKLearn.sklearn())).pipPackages).toEqual([])
  })

  // Property: over every framework environment and any user packages drawn from a pool that mixes
  // the framework's own package names (re-pinned) with unrelated names, the conflict rule holds.
  it("keeps every user package, drops exactly the framework packages the user also lists, and warns iff it drops any", () => {
    const scenario = fc.constantFrom(...all).chain((s) => {
      const names = [...s.env.condaPackages, ...s.env.pipPackages].map(packageName)
      const userPackage = fc.tuple(
        fc.oneof(fc.constantFrom(...names), fc.constantFrom("numpy", "pandas", "pillow", "tqdm")),
        fc.constantFrom("", "==9.9", ">=1")
      ).map(([n, pin]) => `${n}${pin}`)
      const list = fc.uniqueArray(userPackage, { maxLength: 4, selector: packageName })
      return fc.tuple(fc.constant(s), list, list)
    })
    fc.assert(
      fc.property(scenario, ([s, conda, pip]) => {
        const pipOnly = pip.filter((p) => !conda.some((c) => packageName(c) === packageName(p)))
        const spec = pipe(
          base,
          s.gpu ? Estimator.withGpu : (e: Estimator.Estimator) => e,
          Estimator.withConda(conda),
          Estimator.withPip(pipOnly),
          Estimator.withFramework({ name: s.name, version: s.version })
        )
        const result = effectivePackages(spec)
        const userNames = new Set([...conda, ...pipOnly].map(packageName))
        expect(result.condaPackages).toEqual([...s.env.condaPackages.filter((p) => !userNames.has(packageName(p))), ...conda])
        expect(result.pipPackages).toEqual([...s.env.pipPackages.filter((p) => !userNames.has(packageName(p))), ...pipOnly])
        const all = [...result.condaPackages, ...result.pipPackages].map(packageName)
        expect(new Set(all).size).toBe(all.length)
        const dropped = [...s.env.condaPackages, ...s.env.pipPackages].map(packageName).filter((n) => userNames.has(n))
        expect(result.warnings.length).toBe(dropped.length === 0 ? 0 : 1)
        if (dropped.length > 0) expect(result.warnings[0]?.message).toBe(overrideMessage(`[${dropped.map((n) => `'${n}'`).join(", ")}]`))
      })
    )
  })

  // Property: the rules of §3.5 as a table over every environment shape.
  it("uses the framework image only for a Docker job with neither its own image nor a registered environment nor user-managed Python", () => {
    const shape = fc.record({
      framework: fc.constantFrom(...all),
      docker: fc.boolean(),
      userManagedPython: fc.boolean(),
      image: fc.boolean(),
      build: fc.boolean(),
      registered: fc.boolean(),
      condaFile: fc.boolean()
    })
    fc.assert(
      fc.property(shape, (s) => {
        const spec: Estimator.Estimator = {
          ...pipe(base, Estimator.withFramework({ name: s.framework.name, version: s.framework.version })),
          gpu: s.framework.gpu,
          environment: {
            docker: s.docker,
            userManagedPython: s.userManagedPython,
            condaPackages: ["numpy"],
            pipPackages: [],
            ...(s.image ? { image: { name: "me/img:1" } } : {}),
            ...(s.build ? { build: { context: "docker" } } : {}),
            ...(s.registered ? { registered: { name: "env" } } : {}),
            ...(s.condaFile ? { condaFile: "env.yml" } : {})
          }
        }
        const result = effectivePackages(spec)
        const skipped = s.userManagedPython || s.registered
        const usesImage = !skipped && s.docker && !s.image && !s.build
        expect(result.baseImage).toBe(usesImage ? s.framework.env.baseImage : undefined)
        const addsPackages = !skipped && !s.condaFile
        expect(result.condaPackages).toEqual(addsPackages ? [...s.framework.env.condaPackages, "numpy"] : ["numpy"])
        expect(result.pipPackages).toEqual(addsPackages ? s.framework.env.pipPackages : [])
        expect(result.environmentVariables).toEqual(s.framework.env.environmentVariables)
        expect(result.framework).toEqual(s.framework.env)
      })
    )
  })
})
