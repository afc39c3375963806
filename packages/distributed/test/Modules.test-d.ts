import { describe, expectTypeOf, it } from "vitest"
import * as AzureMl from "../src/AzureMl.js"
import * as index from "../src/index.js"
import * as Mpi from "../src/Mpi.js"
import * as PyTorch from "../src/PyTorch.js"
import * as RankLayout from "../src/RankLayout.js"
import * as TensorFlow from "../src/TensorFlow.js"
import { base } from "./utils/plans.js"

describe("AzureMl types", () => {
  it("toAzureMlDistribution is a discriminated union on distributionType, or undefined", () => {
    const distribution = AzureMl.toAzureMlDistribution(base)
    expectTypeOf(distribution).toEqualTypeOf<AzureMl.Distribution | undefined>()
    if (distribution?.distributionType === "TensorFlow") {
      expectTypeOf(distribution.workerCount).toEqualTypeOf<number>()
      expectTypeOf(distribution.parameterServerCount).toEqualTypeOf<number>()
    }
    if (distribution?.distributionType === "Mpi") {
      expectTypeOf(distribution.processCountPerInstance).toEqualTypeOf<number>()
      // @ts-expect-error Mpi has no worker count
      void distribution.workerCount
    }
    expectTypeOf(AzureMl.instanceCount).returns.toEqualTypeOf<number>()
  })
})

describe("environment contracts", () => {
  it("PyTorch ranks get exactly the contract's variables", () => {
    expectTypeOf(PyTorch.rankEnvironment).returns.toEqualTypeOf<{
      readonly MASTER_ADDR: string
      readonly MASTER_PORT: string
      readonly WORLD_SIZE: string
      readonly RANK: string
      readonly LOCAL_RANK: string
      readonly LOCAL_WORLD_SIZE: string
      readonly NODE_RANK: string
    }>()
  })

  it("mpirun's variables are named", () => {
    expectTypeOf(Mpi.RANK_VARIABLES).toEqualTypeOf<readonly ["OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE"]>()
    expectTypeOf(Mpi.expectedEnvironment).returns.toHaveProperty("OMPI_COMM_WORLD_LOCAL_RANK")
  })

  it("TF_CONFIG is a string built from a cluster and a task of a known type", () => {
    expectTypeOf(TensorFlow.tfConfig).returns.toEqualTypeOf<string>()
    // @ts-expect-error task types are worker | ps
    TensorFlow.tfConfig({ worker: [] }, { type: "chief", index: 0 })
    expectTypeOf(RankLayout.packed).returns.toEqualTypeOf<ReadonlyArray<RankLayout.RankLayout>>()
  })
})

describe("barrel", () => {
  it("exports one namespace per module", () => {
    expectTypeOf(index.LaunchPlan.plan).toEqualTypeOf(
      (null as unknown as typeof import("../src/LaunchPlan.js")).plan
    )
    expectTypeOf(index).toHaveProperty("AzureMl")
    expectTypeOf(index).toHaveProperty("Mpi")
    expectTypeOf(index).toHaveProperty("PyTorch")
    expectTypeOf(index).toHaveProperty("RankLayout")
    expectTypeOf(index).toHaveProperty("TensorFlow")
  })
})
