import { Estimator } from "@estimator/core"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as LaunchPlan from "../src/LaunchPlan.js"
import * as Arb from "./utils/arbitraries.js"
import { flagValue, mpi, occurrences, plannedAs, pytorch, tensorflow } from "./utils/plans.js"

const rankNumbersAreExactlyZeroToWorld = (ranks: ReadonlyArray<number>, worldSize: number) => {
  expect([...ranks].sort((a, b) => a - b)).toEqual(Array.from({ length: worldSize }, (_, i) => i))
}

describe("PyTorch plans over nodeCount 1..8 × processCountPerNode 1..8", () => {
  it("the launchers start world-size ranks, and the per-rank expansion numbers them 0..world-1 once", () => {
    fc.assert(fc.property(Arb.layout.chain((l) => Arb.distinctHosts(l.nodes).map((h) => ({ ...l, hosts: h }))), ({ nodes, perNode, hosts }) => {
      const plan = plannedAs("PyTorch", pytorch(nodes, perNode), { nodeHosts: hosts, scriptArgv: ["train.py"] })
      const world = nodes * perNode
      expect(plan.worldSize).toBe(world)
      const launched = plan.nodes.flatMap((n) => n.processes.map((p) => Number(flagValue(p.argv, "--nproc_per_node"))))
      expect(launched.reduce((a, b) => a + b, 0)).toBe(world)
      plan.nodes.forEach((n, i) => {
        expect(n.processes).toHaveLength(1)
        expect(flagValue(n.processes[0]?.argv ?? [], "--node_rank")).toBe(String(i))
        expect(flagValue(n.processes[0]?.argv ?? [], "--nnodes")).toBe(String(nodes))
        expect(flagValue(n.processes[0]?.argv ?? [], "--master_addr")).toBe(hosts[0])
        expect(n.processes[0]?.env).toEqual({ NODE_RANK: String(i) })
      })
      expect(plan.ranks).toHaveLength(world)
      rankNumbersAreExactlyZeroToWorld(plan.ranks.map((r) => Number(r.env["RANK"])), world)
      for (const r of plan.ranks) {
        const rank = Number(r.env["RANK"])
        const localRank = Number(r.env["LOCAL_RANK"])
        const nodeRank = Number(r.env["NODE_RANK"])
        expect(localRank).toBeLessThan(perNode)
        expect(nodeRank).toBe(Math.floor(rank / perNode))
        expect(nodeRank * perNode + localRank).toBe(rank)
        expect(r.env["WORLD_SIZE"]).toBe(String(world))
        expect(r.env["LOCAL_WORLD_SIZE"]).toBe(String(perNode))
        expect(r.env["MASTER_ADDR"]).toBe(hosts[0])
        expect(r.host).toBe(hosts[nodeRank])
        expect(r.rank).toEqual({ rank, worldSize: world, nodeRank, localRank, localWorldSize: perNode })
      }
    }))
  })
})

describe("MPI plans over nodeCount 1..8 × processCountPerNode 1..8", () => {
  it("one mpirun on node 0 for the whole world, with a slot list that adds up to it", () => {
    fc.assert(fc.property(Arb.layout.chain((l) => Arb.distinctHosts(l.nodes).map((h) => ({ ...l, hosts: h }))), ({ nodes, perNode, hosts }) => {
      const plan = plannedAs("Mpi", mpi(nodes, perNode), { nodeHosts: hosts, scriptArgv: ["train.py"] })
      const world = nodes * perNode
      expect(plan.nodes.map((n) => n.processes.length)).toEqual(hosts.map((_, i) => (i === 0 ? 1 : 0)))
      const argv = plan.launcher.argv
      expect(argv[0]).toBe("mpirun")
      expect(flagValue(argv, "-np")).toBe(String(world))
      expect(flagValue(argv, "--map-by")).toBe(`ppr:${perNode}:node`)
      expect(flagValue(argv, "--bind-to")).toBe("none")
      const hostList = flagValue(argv, "--host")
      if (nodes === 1) {
        expect(hostList).toBeUndefined()
      } else {
        const slots = (hostList ?? "").split(",").map((entry) => entry.split(":"))
        expect(slots.map(([host]) => host)).toEqual(hosts)
        expect(slots.map(([, count]) => Number(count)).reduce((a, b) => a + b, 0)).toBe(world)
      }
      rankNumbersAreExactlyZeroToWorld(plan.placement.map((p) => p.rank.rank), world)
      for (const p of plan.placement) {
        expect(p.rank.localRank).toBeLessThan(perNode)
        expect(p.rank.nodeRank).toBe(Math.floor(p.rank.rank / perNode))
        expect(p.host).toBe(hosts[p.rank.nodeRank])
      }
    }))
  })
})

describe("TensorFlow plans", () => {
  it("every task gets the same cluster, a unique (type, index), and an address no other task has", () => {
    fc.assert(fc.property(Arb.tensorFlowJob.chain((j) => Arb.maybeRepeatedHosts(j.nodes).map((h) => ({ ...j, hosts: h }))), ({ workers, parameterServers, nodes, hosts }) => {
      const plan = plannedAs("TensorFlow", tensorflow(workers, parameterServers, nodes), { nodeHosts: hosts, scriptArgv: ["train.py"] })
      const configs = plan.ranks.map((r) => JSON.parse(r.env["TF_CONFIG"] ?? "null") as { cluster: unknown; task: { type: string; index: number } })
      expect(configs).toHaveLength(workers + parameterServers)
      expect(plan.worldSize).toBe(Estimator.worldSize(tensorflow(workers, parameterServers, nodes)))
      for (const c of configs) expect(c.cluster).toEqual(plan.cluster)
      expect(plan.cluster.worker).toHaveLength(workers)
      expect(plan.cluster.ps?.length ?? 0).toBe(parameterServers)
      const keys = configs.map((c) => `${c.task.type}/${c.task.index}`)
      expect(new Set(keys).size).toBe(keys.length)
      configs.forEach((c, i) => {
        const jobs = plan.cluster as unknown as Record<string, ReadonlyArray<string>>
        expect(jobs[c.task.type]?.[c.task.index]).toBe(plan.ranks[i]?.address)
      })
      const addresses = plan.ranks.map((r) => r.address)
      expect(new Set(addresses).size).toBe(addresses.length)
      plan.ranks.forEach((r, i) => {
        expect(r.rank.rank).toBe(i)
        expect(r.rank.nodeRank).toBe(i % nodes)
        expect(r.host).toBe(hosts[i % nodes])
        expect(r.address.startsWith(`${r.host}:`)).toBe(true)
      })
      const fromNodes = plan.nodes.flatMap((n) => n.processes.map((p) => p.env["TF_CONFIG"]))
      expect([...fromNodes].sort()).toEqual(plan.ranks.map((r) => r.env["TF_CONFIG"]).sort())
    }))
  })
})

describe("script argv", () => {
  type Case = { readonly spec: Estimator.Estimator; readonly hosts: ReadonlyArray<string> }
  const specs: fc.Arbitrary<Case> = fc.oneof(
    fc.integer({ min: 1, max: 4 }).map((n): Case => ({ spec: Estimator.withNodes(Estimator.make({ entryScript: "train.py" }), n), hosts: Array.from({ length: n }, (_, i) => `h${i}`) })),
    Arb.layout.map(({ nodes, perNode }): Case => ({ spec: mpi(nodes, perNode), hosts: Array.from({ length: nodes }, (_, i) => `h${i}`) })),
    Arb.layout.map(({ nodes, perNode }): Case => ({ spec: pytorch(nodes, perNode), hosts: Array.from({ length: nodes }, (_, i) => `h${i}`) })),
    Arb.tensorFlowJob.map(({ workers, parameterServers, nodes }): Case => ({ spec: tensorflow(workers, parameterServers, nodes), hosts: Array.from({ length: nodes }, (_, i) => `h${i}`) }))
  )

  const everyProcess = (plan: LaunchPlan.LaunchPlan): ReadonlyArray<LaunchPlan.Process> => [
    ...plan.nodes.flatMap((n) => n.processes),
    ...(plan._tag === "Mpi" ? [] : plan.ranks)
  ]

  it("arrives once, item for item, at the end of every process's argv, never joined or re-quoted", () => {
    fc.assert(fc.property(specs, Arb.scriptPath, fc.array(Arb.scriptArgument, { maxLength: 6 }), fc.boolean(), ({ spec, hosts }, script, args, noPython) => {
      const scriptArgv = [script, ...args]
      const withArgs = LaunchPlan.plan(spec, { nodeHosts: hosts, scriptArgv, noPython })
      const bare = LaunchPlan.plan(spec, { nodeHosts: hosts, scriptArgv: [script], noPython })
      if (withArgs._tag === "Left" || bare._tag === "Left") throw new Error("expected plans")
      const processes = everyProcess(withArgs.right)
      const bareProcesses = everyProcess(bare.right)
      expect(processes.length).toBe(bareProcesses.length)
      processes.forEach((p, i) => {
        // adding arguments appends exactly those items and changes nothing before them
        expect(p.argv).toEqual([...(bareProcesses[i]?.argv ?? []), ...args])
        expect(occurrences(p.argv, scriptArgv)).toBe(1)
        expect(p.argv.slice(p.argv.length - scriptArgv.length)).toEqual(scriptArgv)
      })
    }))
  })
})
