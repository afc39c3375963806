import { Validation } from "@estimator/core"
import { describe, expect, it } from "vitest"
import chainerMnist from "../src/chainerMnist.js"

describe("examples", () => {
  it("the seed Chainer job is a valid 1-node × 2-process MPI GPU job on Chainer 7.0.0", () => {
    expect(Validation.validate(chainerMnist)).toEqual([])
    expect(chainerMnist).toMatchObject({
      entryScript: "train.py",
      gpu: true,
      nodeCount: 1,
      processCountPerNode: 2,
      distribution: { _tag: "Mpi" },
      compute: { _tag: "Cluster", name: "gpu-cluster" },
      framework: { name: "Chainer", version: "7.0.0" },
      arguments: ["--epochs", 10, "--batchsize", 128]
    })
  })
})

describe("quickstart", () => {
  it("is a valid single-process local job reading the points input", async () => {
    const { default: quickstart } = await import("../src/quickstart.js")
    expect(Validation.validate(quickstart)).toEqual([])
    expect(quickstart.compute).toEqual({ _tag: "Local" })
    expect(quickstart.arguments).toEqual(["--data", { _tag: "InputRef", name: "points" }, "--epochs", 200, "--learning-rate", 0.05])
    expect(quickstart.inputs["points"]).toMatchObject({ _tag: "Data", source: { _tag: "LocalPath", path: "./data/quickstart" } })
  })
})
