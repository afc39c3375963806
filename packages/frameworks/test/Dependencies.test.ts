import { describe, expect, it } from "vitest"
import * as Catalog from "../src/Catalog.js"
import * as Chainer from "../src/Chainer.js"
import * as Dependencies from "../src/Dependencies.js"
import * as PyTorch from "../src/PyTorch.js"
import * as SKLearn from "../src/SKLearn.js"
import * as TensorFlow from "../src/TensorFlow.js"

const versionOf = (table: Dependencies.DependencyTable, name: string) => Dependencies.find(table, name)?.version

describe("Chainer", () => {
  it("has the table of the v1 Chainer image, the framework and CuPy following the version", () => {
    for (const version of Chainer.supportedVersions) {
      const table = Chainer.dependencies(version)
      expect(table).toMatchObject({ framework: "Chainer", version, os: "Ubuntu 16.04", confirmed: false })
      const rows = Object.fromEntries(table.dependencies.map((d) => [d.name, [d.version, d.gpuOnly, d.source]]))
      expect(rows).toEqual({
        Python: ["3.6.2", false, "documented"],
        CUDA: ["9.0", true, "documented"],
        cuDNN: ["7.6.3", true, "documented"],
        NCCL: ["2.4.8", true, "documented"],
        IntelMpi: ["2018.3.222", false, "documented"],
        horovod: ["0.15.2", false, "documented"],
        miniconda: ["4.5.11", false, "documented"],
        chainer: [version, false, "documented"],
        "cupy-cuda90": [version, true, "documented"],
        git: ["2.7.4", false, "documented"],
        mpi4py: ["3.0.0", false, "curated"]
      })
    }
  })
})

describe("PyTorch", () => {
  it("follows the docstring's two columns", () => {
    expect(versionOf(PyTorch.dependencies("1.3"), "torch")).toBe("1.3.1")
    expect(versionOf(PyTorch.dependencies("1.3"), "CUDA")).toBe("10.0")
    expect(versionOf(PyTorch.dependencies("1.3"), "torchvision")).toBe("0.4.1")
    expect(versionOf(PyTorch.dependencies("1.4"), "CUDA")).toBe("10.1")
    expect(versionOf(PyTorch.dependencies("1.5"), "horovod")).toBe("0.19.1")
    expect(versionOf(PyTorch.dependencies("1.6"), "horovod")).toBe("0.19.5")
    expect(versionOf(PyTorch.dependencies("1.6"), "torchvision")).toBe("0.5.0")
    for (const version of PyTorch.supportedVersions) {
      const table = PyTorch.dependencies(version)
      expect(versionOf(table, "OpenMpi")).toBe("3.1.2")
      expect(versionOf(table, "tensorboard")).toBe("1.14")
      expect(versionOf(table, "future")).toBe("0.17.1")
      expect(table.dependencies.every((d) => d.source === "documented")).toBe(true)
    }
  })
})

describe("TensorFlow", () => {
  it("uses Intel MPI on Ubuntu 16.04 for 1.x and Open MPI on Ubuntu 18.04 for 2.x", () => {
    for (const version of TensorFlow.supportedVersions) {
      const table = TensorFlow.dependencies(version)
      const v1 = version.startsWith("1.")
      expect(table.os).toBe(v1 ? "Ubuntu 16.04" : "Ubuntu 18.04")
      expect(versionOf(table, "IntelMpi")).toBe(v1 ? "2018.3.222" : undefined)
      expect(versionOf(table, "OpenMpi")).toBe(v1 ? undefined : "3.1.2")
      expect(versionOf(table, "azureml-dataset-runtime[fuse,pandas]")).toBe("Latest")
    }
    expect(versionOf(TensorFlow.dependencies("1.10"), "CUDA")).toBe("9.0")
    expect(versionOf(TensorFlow.dependencies("1.13"), "tensorflow")).toBe("1.13.1")
    expect(versionOf(TensorFlow.dependencies("1.13"), "horovod")).toBe("0.16.1")
    expect(versionOf(TensorFlow.dependencies("2.2"), "horovod")).toBe("0.19.5")
  })
})

describe("SKLearn", () => {
  it("has the CPU-only table of the docstring", () => {
    const table = SKLearn.dependencies("0.20.3")
    expect(versionOf(table, "scikit-learn")).toBe("0.20.3")
    expect(versionOf(table, "numpy")).toBe("1.16.2")
    expect(versionOf(table, "scipy")).toBe("1.2.1")
    expect(versionOf(table, "joblib")).toBe("0.13.2")
    expect(table.dependencies.some((d) => d.gpuOnly)).toBe(false)
  })
})

describe("every table", () => {
  const frameworkPackage = { Chainer: "chainer", PyTorch: "torch", TensorFlow: "tensorflow", SKLearn: "scikit-learn" } as const

  it("lists the framework at a release of its own version, and Python 3.6.2", () => {
    for (const entry of Catalog.frameworks) {
      for (const v of entry.versions) {
        expect(v.dependencies.framework).toBe(entry.name)
        expect(v.dependencies.version).toBe(v.version)
        expect(versionOf(v.dependencies, frameworkPackage[entry.name])?.startsWith(v.version)).toBe(true)
        expect(versionOf(v.dependencies, "Python")).toBe("3.6.2")
      }
    }
  })

  it("names each dependency once", () => {
    for (const entry of Catalog.frameworks) {
      for (const v of entry.versions) {
        const names = v.dependencies.dependencies.map((d) => d.name.toLowerCase())
        expect(new Set(names).size).toBe(names.length)
      }
    }
  })
})

describe("forProcessor and find", () => {
  it("drops the GPU-only rows on CPU and keeps every row on GPU", () => {
    const table = Chainer.dependencies("7.0.0")
    const cpu = Dependencies.forProcessor(table, false).map((d) => d.name)
    expect(cpu).not.toContain("CUDA")
    expect(cpu).not.toContain("cupy-cuda90")
    expect(cpu).toContain("chainer")
    expect(Dependencies.forProcessor(table, true)).toEqual(table.dependencies)
    expect(Dependencies.forProcessor(table, false)).toHaveLength(table.dependencies.length - 4)
  })

  it("finds rows case-insensitively", () => {
    expect(Dependencies.find(PyTorch.dependencies("1.6"), "cudnn")?.version).toBe("7.6.3")
    expect(Dependencies.find(PyTorch.dependencies("1.6"), "IntelMpi")).toBeUndefined()
  })
})
