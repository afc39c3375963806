import { Estimator, Secret } from "@estimator/core"
import { describe, expect, it } from "vitest"
import * as Mpi from "../src/Mpi.js"
import * as RankLayout from "../src/RankLayout.js"
import { mpi } from "./utils/plans.js"

describe("argv", () => {
  it("places flags right after mpirun and the program last", () => {
    expect(Mpi.argv({
      nodeHosts: ["a", "b", "c"],
      processCountPerNode: 2,
      program: ["python", "x.py", "a b"],
      forwardEnvironment: ["PATH_EXTRA"],
      flags: ["--mca", "btl_tcp_if_include", "eth0"]
    })).toEqual([
      "mpirun", "--mca", "btl_tcp_if_include", "eth0",
      "-np", "6", "--map-by", "ppr:2:node", "--bind-to", "none",
      "--host", "a:2,b:2,c:2",
      "-x", "PATH_EXTRA",
      "python", "x.py", "a b"
    ])
  })
})

describe("forwardedVariables", () => {
  it("lists the spec's variables, then its secrets, then the extras, each once", () => {
    const spec = Estimator.withSecretEnv(Estimator.withEnv(mpi(1, 2), { B: "1", A: "2" }), { TOKEN: Secret.fromFile("/run/secrets/t") })
    expect(Mpi.forwardedVariables(spec, ["ESTIMATOR_RUN_ID", "A", "ESTIMATOR_RUN_ID"])).toEqual(["B", "A", "TOKEN", "ESTIMATOR_RUN_ID"])
    expect(Mpi.forwardedVariables(mpi(1, 1))).toEqual([])
  })
})

describe("expectedEnvironment", () => {
  it("says what Open MPI sets for a rank placed by ppr:<n>:node", () => {
    const rank5 = RankLayout.packed(2, 4)[5]
    expect(rank5).toBeDefined()
    if (rank5 === undefined) return
    expect(Mpi.expectedEnvironment(rank5)).toEqual({
      OMPI_COMM_WORLD_RANK: "5",
      OMPI_COMM_WORLD_SIZE: "8",
      OMPI_COMM_WORLD_LOCAL_RANK: "1",
      OMPI_COMM_WORLD_LOCAL_SIZE: "4"
    })
    expect(Object.keys(Mpi.expectedEnvironment(rank5))).toEqual([...Mpi.RANK_VARIABLES])
  })
})
