import { describe, expect, it } from "vitest"
import * as PyTorch from "../src/PyTorch.js"
import * as RankLayout from "../src/RankLayout.js"

describe("torchrunArgv", () => {
  it("uses the module form of torchrun with static rendezvous flags, then the script", () => {
    expect(PyTorch.torchrunArgv({
      python: "/usr/bin/python3.11",
      nodeCount: 4,
      processCountPerNode: 8,
      nodeRank: 3,
      rendezvous: { masterAddr: "10.1.0.4", masterPort: 6000 },
      program: ["train.py", "--epochs", "3"],
      noPython: false
    })).toEqual([
      "/usr/bin/python3.11", "-m", "torch.distributed.run",
      "--nnodes", "4", "--nproc_per_node", "8", "--node_rank", "3",
      "--master_addr", "10.1.0.4", "--master_port", "6000",
      "train.py", "--epochs", "3"
    ])
  })
})

describe("rankEnvironment", () => {
  it("gives the last rank of 3×2 its coordinates and the rendezvous", () => {
    const last = RankLayout.packed(3, 2)[5]
    expect(last).toBeDefined()
    if (last === undefined) return
    expect(PyTorch.rankEnvironment(last, { masterAddr: "m", masterPort: PyTorch.DEFAULT_MASTER_PORT })).toEqual({
      MASTER_ADDR: "m",
      MASTER_PORT: "29500",
      WORLD_SIZE: "6",
      RANK: "5",
      LOCAL_RANK: "1",
      LOCAL_WORLD_SIZE: "2",
      NODE_RANK: "2"
    })
  })

  it("the launcher gets NODE_RANK, which torchrun does not set", () => {
    expect(PyTorch.launcherEnvironment(2)).toEqual({ NODE_RANK: "2" })
  })
})
