import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as BaseImages from "../src/BaseImages.js"

describe("BaseImages defaults", () => {
  it("are the last v1 defaults (openmpi4.1.0, ubuntu20.04), tagged from the tag table", () => {
    expect(BaseImages.DEFAULT_CPU_IMAGE).toBe(`mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:${BaseImages.TAGS["mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04"]}`)
    expect(BaseImages.DEFAULT_GPU_IMAGE).toBe(`mcr.microsoft.com/azureml/openmpi4.1.0-cuda11.3-cudnn8-ubuntu20.04:${BaseImages.TAGS["mcr.microsoft.com/azureml/openmpi4.1.0-cuda11.3-cudnn8-ubuntu20.04"]}`)
    expect(BaseImages.DEFAULT_GPU_IMAGE).toBe("mcr.microsoft.com/azureml/openmpi4.1.0-cuda11.3-cudnn8-ubuntu20.04:20230509.v1")
  })

  it("defaultImage picks by GPU", () => {
    expect(BaseImages.defaultImage(false)).toBe(BaseImages.DEFAULT_CPU_IMAGE)
    expect(BaseImages.defaultImage(true)).toBe(BaseImages.DEFAULT_GPU_IMAGE)
  })

  it("the history ends with the current defaults and lists four eras, oldest first", () => {
    expect(BaseImages.history.map((era) => era.era)).toHaveLength(4)
    const last = BaseImages.history[BaseImages.history.length - 1]!
    expect(BaseImages.tagged(last.cpu)).toBe(BaseImages.DEFAULT_CPU_IMAGE)
    expect(BaseImages.tagged(last.gpu)).toBe(BaseImages.DEFAULT_GPU_IMAGE)
    expect(BaseImages.history[0]?.cpu).toBe("mcr.microsoft.com/azureml/base:0.2.4")
    expect(BaseImages.history.filter((era) => era.inferred).map((era) => era.cpu)).toEqual(["mcr.microsoft.com/azureml/intelmpi2018.3-ubuntu16.04"])
  })
})

describe("BaseImages references", () => {
  it("splits registry host ports, tags and digests", () => {
    expect(BaseImages.parseReference("localhost:5000/team/img:1.0@sha256:ab")).toEqual({ repository: "localhost:5000/team/img", tag: "1.0", digest: "sha256:ab" })
    expect(BaseImages.parseReference("localhost:5000/team/img")).toEqual({ repository: "localhost:5000/team/img" })
    expect(BaseImages.parseReference("python:3.11")).toEqual({ repository: "python", tag: "3.11" })
  })

  it("tagged adds a known tag only to untagged references", () => {
    const repository = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04"
    expect(BaseImages.tagged(`${repository}:custom`)).toBe(`${repository}:custom`)
    expect(BaseImages.tagged(`${repository}@sha256:00`)).toBe(`${repository}@sha256:00`)
    expect(BaseImages.tagged("unknown/repo")).toBe("unknown/repo")
    fc.assert(fc.property(fc.constantFrom(...Object.keys(BaseImages.TAGS)), (repo) => {
      expect(BaseImages.tagged(BaseImages.tagged(repo))).toBe(BaseImages.tagged(repo))
    }))
  })

  it("qualify prefixes the registry address once", () => {
    expect(BaseImages.qualify("team/img:1", "myacr.azurecr.io")).toBe("myacr.azurecr.io/team/img:1")
    expect(BaseImages.qualify("myacr.azurecr.io/team/img:1", "myacr.azurecr.io")).toBe("myacr.azurecr.io/team/img:1")
    expect(BaseImages.qualify("team/img:1", "https://myacr.azurecr.io/")).toBe("myacr.azurecr.io/team/img:1")
    expect(BaseImages.qualify("team/img:1")).toBe("team/img:1")
  })

  it("knows that Azure ML images have conda and local ones are not assumed to", () => {
    expect(BaseImages.hasConda(BaseImages.DEFAULT_CPU_IMAGE)).toBe(true)
    expect(BaseImages.hasConda("estimator-test/python-mpi:bookworm")).toBe(false)
  })
})
