import { Estimator, Secret } from "@estimator/core"
import { describe, expect, it } from "vitest"
import * as LaunchPlan from "../src/LaunchPlan.js"
import * as RankLayout from "../src/RankLayout.js"
import { base, codes, hosts, mpi, plannedAs, pytorch, rejected, tensorflow } from "./utils/plans.js"

const script = ["train.py", "--lr", "0.1"] as const

describe("None", () => {
  it("1×1 runs the script once with the interpreter and adds no variables", () => {
    const plan = plannedAs("None", base, { nodeHosts: ["localhost"], scriptArgv: script })
    expect(plan.worldSize).toBe(1)
    expect(plan.nodes).toEqual([{ nodeRank: 0, host: "localhost", processes: [{ argv: ["python3", "train.py", "--lr", "0.1"], env: {} }] }])
    expect(plan.ranks).toEqual([{ rank: { rank: 0, worldSize: 1, nodeRank: 0, localRank: 0, localWorldSize: 1 }, host: "localhost", argv: ["python3", "train.py", "--lr", "0.1"], env: {} }])
    expect(plan.warnings).toEqual([])
  })

  it("several nodes run one independent copy each (Azure ML v2's command job on N instances)", () => {
    const plan = plannedAs("None", Estimator.withNodes(base, 3), { nodeHosts: hosts(3), scriptArgv: ["train.py"], python: "/opt/py/bin/python" })
    expect(plan.nodes.map((n) => [n.host, n.processes.map((p) => p.argv)])).toEqual([
      ["node-0", [["/opt/py/bin/python", "train.py"]]],
      ["node-1", [["/opt/py/bin/python", "train.py"]]],
      ["node-2", [["/opt/py/bin/python", "train.py"]]]
    ])
  })

  it("more than one process per node without a launcher is an error, not a silent drop", () => {
    const issues = rejected(Estimator.withProcessesPerNode(base, 4), { nodeHosts: ["localhost"], scriptArgv: ["train.py"] })
    expect(issues).toContainEqual(expect.objectContaining({ path: "processCountPerNode", code: "processes-per-node-without-distribution", severity: "error" }))
  })

  it("noPython runs scriptArgv as it is (a command job)", () => {
    const plan = plannedAs("None", base, { nodeHosts: ["h"], scriptArgv: ["/bin/sh", "-c", "echo $HOME && ls"], noPython: true })
    expect(plan.nodes[0]?.processes[0]?.argv).toEqual(["/bin/sh", "-c", "echo $HOME && ls"])
  })
})

describe("Mpi", () => {
  it("1×1: one rank through mpirun, no --host list", () => {
    const plan = plannedAs("Mpi", mpi(1, 1), { nodeHosts: ["localhost"], scriptArgv: script })
    expect(plan.launcher.argv).toEqual(["mpirun", "-np", "1", "--map-by", "ppr:1:node", "--bind-to", "none", "python3", "train.py", "--lr", "0.1"])
    expect(plan.worldSize).toBe(1)
  })

  it("1×4: -np 4 on the local node, container flags first, every spec variable forwarded by name", () => {
    const spec = Estimator.withSecretEnv(Estimator.withEnv(mpi(1, 4), { OMP_NUM_THREADS: "1", DATA: "x y" }), { WANDB_API_KEY: Secret.fromEnv("WANDB_API_KEY") })
    const plan = plannedAs("Mpi", spec, {
      nodeHosts: ["localhost"],
      scriptArgv: ["train.py"],
      mpirunFlags: ["--allow-run-as-root", "--oversubscribe"],
      forwardEnvironment: ["ESTIMATOR_RUN_ID", "ESTIMATOR_OUTPUT_DIR", "DATA"]
    })
    expect(plan.launcher).toEqual({
      argv: [
        "mpirun", "--allow-run-as-root", "--oversubscribe",
        "-np", "4", "--map-by", "ppr:4:node", "--bind-to", "none",
        "-x", "OMP_NUM_THREADS", "-x", "DATA", "-x", "WANDB_API_KEY", "-x", "ESTIMATOR_RUN_ID", "-x", "ESTIMATOR_OUTPUT_DIR",
        "python3", "train.py"
      ],
      env: {}
    })
    // values (and so secrets) never reach the command line
    expect(plan.launcher.argv.join(" ")).not.toContain("x y")
  })

  it("2×4: mpirun on the head node only, 4 slots on each host, ranks 0-3 on node 0 and 4-7 on node 1", () => {
    const plan = plannedAs("Mpi", mpi(2, 4), { nodeHosts: ["10.0.0.4", "10.0.0.5"], scriptArgv: script })
    expect(plan.launcher.argv).toEqual([
      "mpirun", "-np", "8", "--map-by", "ppr:4:node", "--bind-to", "none", "--host", "10.0.0.4:4,10.0.0.5:4",
      "python3", "train.py", "--lr", "0.1"
    ])
    expect(plan.nodes).toEqual([
      { nodeRank: 0, host: "10.0.0.4", processes: [plan.launcher] },
      { nodeRank: 1, host: "10.0.0.5", processes: [] }
    ])
    expect(plan.placement.map((p) => [p.rank.rank, p.host, p.rank.localRank])).toEqual([
      [0, "10.0.0.4", 0], [1, "10.0.0.4", 1], [2, "10.0.0.4", 2], [3, "10.0.0.4", 3],
      [4, "10.0.0.5", 0], [5, "10.0.0.5", 1], [6, "10.0.0.5", 2], [7, "10.0.0.5", 3]
    ])
  })

  it("two nodes with the same host are an error for MPI (mpirun would merge them)", () => {
    const issues = rejected(mpi(2, 2), { nodeHosts: ["localhost", "localhost"], scriptArgv: ["train.py"] })
    expect(issues).toContainEqual(expect.objectContaining({ path: "options.nodeHosts[1]", code: "duplicate-node-host", severity: "error" }))
  })

  it("a forwarded name that is not a variable name is an error (it would become -x A=B)", () => {
    const issues = rejected(mpi(1, 2), { nodeHosts: ["h"], scriptArgv: ["train.py"], forwardEnvironment: ["OK", "A=B"] })
    expect(issues).toEqual([expect.objectContaining({ path: "options.forwardEnvironment[1]", code: "invalid-env-name" })])
  })
})

describe("PyTorch", () => {
  it("1×1: one torchrun with one process; rendezvous on the only host at port 29500", () => {
    const plan = plannedAs("PyTorch", pytorch(1, 1), { nodeHosts: ["localhost"], scriptArgv: script })
    expect(plan.nodes).toEqual([{
      nodeRank: 0,
      host: "localhost",
      processes: [{
        argv: ["python3", "-m", "torch.distributed.run", "--nnodes", "1", "--nproc_per_node", "1", "--node_rank", "0", "--master_addr", "localhost", "--master_port", "29500", "train.py", "--lr", "0.1"],
        env: { NODE_RANK: "0" }
      }]
    }])
    expect(plan.ranks).toEqual([{
      rank: { rank: 0, worldSize: 1, nodeRank: 0, localRank: 0, localWorldSize: 1 },
      host: "localhost",
      argv: ["python3", "train.py", "--lr", "0.1"],
      env: { MASTER_ADDR: "localhost", MASTER_PORT: "29500", WORLD_SIZE: "1", RANK: "0", LOCAL_RANK: "0", LOCAL_WORLD_SIZE: "1", NODE_RANK: "0" }
    }])
  })

  it("1×4: --nproc_per_node 4, and four ranks with local ranks 0-3", () => {
    const plan = plannedAs("PyTorch", pytorch(1, 4, "gloo"), { nodeHosts: ["127.0.0.1"], scriptArgv: ["train.py"], masterPort: 23456 })
    expect(plan.backend).toBe("gloo")
    expect(plan.nodes[0]?.processes[0]?.argv).toEqual([
      "python3", "-m", "torch.distributed.run", "--nnodes", "1", "--nproc_per_node", "4", "--node_rank", "0",
      "--master_addr", "127.0.0.1", "--master_port", "23456", "train.py"
    ])
    expect(plan.ranks.map((r) => [r.env["RANK"], r.env["LOCAL_RANK"], r.env["WORLD_SIZE"], r.env["MASTER_PORT"]])).toEqual([
      ["0", "0", "4", "23456"], ["1", "1", "4", "23456"], ["2", "2", "4", "23456"], ["3", "3", "4", "23456"]
    ])
  })

  it("2×4: one torchrun per node differing only in --node_rank and NODE_RANK; rank 6 is node 1's local rank 2", () => {
    const plan = plannedAs("PyTorch", pytorch(2, 4), { nodeHosts: ["gpu-0", "gpu-1"], scriptArgv: script })
    const launcher = (nodeRank: number) => [
      "python3", "-m", "torch.distributed.run", "--nnodes", "2", "--nproc_per_node", "4", "--node_rank", String(nodeRank),
      "--master_addr", "gpu-0", "--master_port", "29500", "train.py", "--lr", "0.1"
    ]
    expect(plan.nodes).toEqual([
      { nodeRank: 0, host: "gpu-0", processes: [{ argv: launcher(0), env: { NODE_RANK: "0" } }] },
      { nodeRank: 1, host: "gpu-1", processes: [{ argv: launcher(1), env: { NODE_RANK: "1" } }] }
    ])
    expect(plan.worldSize).toBe(8)
    expect(plan.ranks[6]).toEqual({
      rank: { rank: 6, worldSize: 8, nodeRank: 1, localRank: 2, localWorldSize: 4 },
      host: "gpu-1",
      argv: ["python3", "train.py", "--lr", "0.1"],
      env: { MASTER_ADDR: "gpu-0", MASTER_PORT: "29500", WORLD_SIZE: "8", RANK: "6", LOCAL_RANK: "2", LOCAL_WORLD_SIZE: "4", NODE_RANK: "1" }
    })
  })

  it("noPython gives torchrun --no_python before the executable", () => {
    const plan = plannedAs("PyTorch", pytorch(1, 2), { nodeHosts: ["h"], scriptArgv: ["./run.sh", "a"], noPython: true })
    expect(plan.nodes[0]?.processes[0]?.argv.slice(-3)).toEqual(["--no_python", "./run.sh", "a"])
    expect(plan.ranks[0]?.argv).toEqual(["./run.sh", "a"])
  })

  it("two nodes on one host are allowed (a local multi-node rehearsal)", () => {
    const plan = plannedAs("PyTorch", pytorch(2, 1), { nodeHosts: ["localhost", "localhost"], scriptArgv: ["train.py"] })
    expect(plan.nodes.map((n) => n.host)).toEqual(["localhost", "localhost"])
  })
})

describe("TensorFlow", () => {
  const config = (worker: ReadonlyArray<string>, ps: ReadonlyArray<string>, type: string, index: number) =>
    JSON.stringify({ cluster: { worker, ps }, task: { type, index } })

  it("2 workers + 1 ps on 1 node: three processes on consecutive ports from 2222", () => {
    const plan = plannedAs("TensorFlow", tensorflow(2, 1, 1), { nodeHosts: ["tf-0"], scriptArgv: script })
    const worker = ["tf-0:2222", "tf-0:2223"]
    const ps = ["tf-0:2224"]
    expect(plan.cluster).toEqual({ worker, ps })
    expect(plan.worldSize).toBe(3)
    expect(plan.nodes).toEqual([{
      nodeRank: 0,
      host: "tf-0",
      processes: [
        { argv: ["python3", "train.py", "--lr", "0.1"], env: { TF_CONFIG: config(worker, ps, "worker", 0) } },
        { argv: ["python3", "train.py", "--lr", "0.1"], env: { TF_CONFIG: config(worker, ps, "worker", 1) } },
        { argv: ["python3", "train.py", "--lr", "0.1"], env: { TF_CONFIG: config(worker, ps, "ps", 0) } }
      ]
    }])
  })

  it("2 workers + 1 ps on 2 nodes: round-robin, so each worker has a node and the ps joins node 0 on the next port", () => {
    const plan = plannedAs("TensorFlow", tensorflow(2, 1, 2), { nodeHosts: ["tf-0", "tf-1"], scriptArgv: ["train.py"] })
    const worker = ["tf-0:2222", "tf-1:2222"]
    const ps = ["tf-0:2223"]
    expect(plan.ranks.map((r) => [r.task, r.host, r.address])).toEqual([
      [{ type: "worker", index: 0 }, "tf-0", "tf-0:2222"],
      [{ type: "worker", index: 1 }, "tf-1", "tf-1:2222"],
      [{ type: "ps", index: 0 }, "tf-0", "tf-0:2223"]
    ])
    expect(plan.nodes.map((n) => n.processes.map((p) => p.env["TF_CONFIG"]))).toEqual([
      [config(worker, ps, "worker", 0), config(worker, ps, "ps", 0)],
      [config(worker, ps, "worker", 1)]
    ])
  })

  it("without parameter servers the cluster has no ps job", () => {
    const plan = plannedAs("TensorFlow", tensorflow(2, 0, 2), { nodeHosts: ["a", "b"], scriptArgv: ["train.py"], tensorFlowPort: 5000 })
    expect(plan.cluster).toEqual({ worker: ["a:5000", "b:5000"] })
    expect(plan.ranks[1]?.env["TF_CONFIG"]).toBe('{"cluster":{"worker":["a:5000","b:5000"]},"task":{"type":"worker","index":1}}')
  })

  it("nodes that share a host name never share a port", () => {
    const plan = plannedAs("TensorFlow", tensorflow(2, 2, 2), { nodeHosts: ["localhost", "localhost"], scriptArgv: ["train.py"] })
    expect(plan.ranks.map((r) => r.address)).toEqual(["localhost:2222", "localhost:2223", "localhost:2224", "localhost:2225"])
  })

  it("more nodes than tasks plans the idle nodes with a warning", () => {
    const plan = plannedAs("TensorFlow", tensorflow(1, 1, 3), { nodeHosts: hosts(3), scriptArgv: ["train.py"] })
    expect(plan.nodes.map((n) => n.processes.length)).toEqual([1, 1, 0])
    expect(plan.warnings).toEqual([expect.objectContaining({ path: "nodeCount", code: "idle-nodes", severity: "warning" })])
  })

  it("more than one process per node is an error: tasks are counted by workers and parameter servers", () => {
    const issues = rejected(Estimator.withProcessesPerNode(tensorflow(2, 1, 2), 2), { nodeHosts: hosts(2), scriptArgv: ["train.py"] })
    expect(codes(issues)).toContain("processes-per-node-with-tensorflow")
  })

  it("ports past 65535 are an error", () => {
    const issues = rejected(tensorflow(3, 1, 1), { nodeHosts: ["h"], scriptArgv: ["train.py"], tensorFlowPort: 65533 })
    expect(issues).toEqual([expect.objectContaining({ path: "options.tensorFlowPort", code: "port-out-of-range" })])
    // 65532..65535 fits exactly
    expect(LaunchPlan.plan(tensorflow(3, 1, 1), { nodeHosts: ["h"], scriptArgv: ["train.py"], tensorFlowPort: 65532 })._tag).toBe("Right")
  })
})

describe("validate", () => {
  it("a node host count that differs from nodeCount is an issue, not a throw", () => {
    const issues = LaunchPlan.validate(mpi(2, 4), { nodeHosts: ["only-one"], scriptArgv: ["train.py"] })
    expect(issues).toEqual([{
      path: "options.nodeHosts",
      code: "node-hosts-count-mismatch",
      message: expect.stringContaining("2 node(s) but 1 node host(s)"),
      hint: expect.any(String),
      severity: "error"
    }])
    expect(LaunchPlan.plan(mpi(2, 4), { nodeHosts: ["only-one"], scriptArgv: ["train.py"] })).toEqual({ _tag: "Left", left: issues })
  })

  it("reports every problem at once", () => {
    const issues = LaunchPlan.validate(pytorch(2, 2), {
      nodeHosts: ["", "a b", "c"],
      scriptArgv: [],
      masterPort: 70000,
      python: "py\u0000"
    })
    expect(codes(issues)).toEqual([
      "node-hosts-count-mismatch",
      "node-host-empty",
      "invalid-node-host",
      "script-argv-empty",
      "argument-contains-nul",
      "invalid-port"
    ])
    expect(issues.every((i) => i.severity === "error" && i.message.length > 0 && i.hint !== undefined)).toBe(true)
  })

  it("rejects layouts that cannot be planned", () => {
    const zero = { ...mpi(1, 1), nodeCount: 0 }
    expect(codes(LaunchPlan.validate(zero, { nodeHosts: [], scriptArgv: ["train.py"] }))).toEqual(["not-positive-integer"])
    const fractional = { ...pytorch(1, 1), processCountPerNode: 1.5 }
    expect(LaunchPlan.validate(fractional, { nodeHosts: ["h"], scriptArgv: ["train.py"] })).toEqual([expect.objectContaining({ path: "processCountPerNode", code: "not-positive-integer" })])
    const noWorkers = Estimator.withDistribution(base, { _tag: "TensorFlow", workerCount: 0, parameterServerCount: -1 })
    expect(codes(LaunchPlan.validate(noWorkers, { nodeHosts: ["h"], scriptArgv: ["train.py"] }))).toEqual(["not-positive-integer", "not-non-negative-integer"])
  })

  it("a script that looks like an option, or a NUL in an argument, is an error", () => {
    expect(codes(LaunchPlan.validate(base, { nodeHosts: ["h"], scriptArgv: ["--help"] }))).toEqual(["script-looks-like-option"])
    expect(LaunchPlan.validate(base, { nodeHosts: ["h"], scriptArgv: ["train.py", "a\u0000b"] })).toEqual([expect.objectContaining({ path: "options.scriptArgv[1]", code: "argument-contains-nul" })])
    expect(codes(LaunchPlan.validate(base, { nodeHosts: ["h"], scriptArgv: [""] }))).toEqual(["script-empty"])
  })

  it("a valid spec and options have no issue", () => {
    expect(LaunchPlan.validate(pytorch(2, 8), { nodeHosts: ["node-0.cluster.local", "node_1"], scriptArgv: ["train.py"], masterPort: 1 })).toEqual([])
  })
})

describe("rankEnvironment", () => {
  const options = { nodeHosts: ["n0", "n1"], scriptArgv: ["train.py"], masterPort: 1234 }

  it("is what the per-rank expansion of the plan uses, for PyTorch and TensorFlow", () => {
    for (const spec of [pytorch(2, 3), tensorflow(3, 2, 2)]) {
      const plan = plannedAs(spec.distribution._tag === "PyTorch" ? "PyTorch" : "TensorFlow", spec, options)
      expect(plan.ranks.map((r) => r.rank)).toEqual(RankLayout.ofSpec(spec))
      expect(RankLayout.ofSpec(spec).map((rank) => LaunchPlan.rankEnvironment(spec, rank, options))).toEqual(plan.ranks.map((r) => r.env))
    }
  })

  it("adds nothing for MPI (mpirun sets OMPI_COMM_WORLD_*) nor for a single process", () => {
    const [first] = RankLayout.packed(1, 1)
    expect(first).toBeDefined()
    if (first === undefined) return
    expect(LaunchPlan.rankEnvironment(mpi(2, 2), first, options)).toEqual({})
    expect(LaunchPlan.rankEnvironment(base, first, options)).toEqual({})
  })
})

it("the plan's world size is the spec's", () => {
  const cases: ReadonlyArray<readonly [Estimator.Estimator, number]> = [[base, 1], [mpi(2, 4), 2], [pytorch(3, 2), 3], [tensorflow(4, 2, 3), 3]]
  for (const [spec, nodes] of cases) {
    const result = LaunchPlan.plan(spec, { nodeHosts: hosts(nodes), scriptArgv: ["train.py"] })
    expect(result._tag === "Right" ? result.right.worldSize : -1).toBe(Estimator.worldSize(spec))
  }
})
