import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as RankLayout from "../src/RankLayout.js"
import * as Arb from "./utils/arbitraries.js"
import { mpi, pytorch, tensorflow } from "./utils/plans.js"

const countBy = <A>(items: ReadonlyArray<A>, key: (a: A) => number): Map<number, number> =>
  items.reduce((m, a) => m.set(key(a), (m.get(key(a)) ?? 0) + 1), new Map<number, number>())

describe("packed", () => {
  it("2×2 fills node 0 first", () => {
    expect(RankLayout.packed(2, 2)).toEqual([
      { rank: 0, worldSize: 4, nodeRank: 0, localRank: 0, localWorldSize: 2 },
      { rank: 1, worldSize: 4, nodeRank: 0, localRank: 1, localWorldSize: 2 },
      { rank: 2, worldSize: 4, nodeRank: 1, localRank: 0, localWorldSize: 2 },
      { rank: 3, worldSize: 4, nodeRank: 1, localRank: 1, localWorldSize: 2 }
    ])
  })

  it("has ranks 0..world-1 in order, NODE_RANK = floor(rank / ppn), and each node's local ranks 0..ppn-1 once", () => {
    fc.assert(fc.property(Arb.layout, ({ nodes, perNode }) => {
      const ranks = RankLayout.packed(nodes, perNode)
      expect(ranks.map((r) => r.rank)).toEqual(Array.from({ length: nodes * perNode }, (_, i) => i))
      for (const r of ranks) {
        expect(r.worldSize).toBe(nodes * perNode)
        expect(r.nodeRank).toBe(Math.floor(r.rank / perNode))
        expect(r.localRank).toBeLessThan(perNode)
        expect(r.localWorldSize).toBe(perNode)
      }
      for (let node = 0; node < nodes; node++) {
        expect(ranks.filter((r) => r.nodeRank === node).map((r) => r.localRank)).toEqual(Array.from({ length: perNode }, (_, i) => i))
      }
    }))
  })
})

describe("roundRobin", () => {
  it("deals 5 processes over 2 nodes like cards", () => {
    expect(RankLayout.roundRobin(5, 2).map((r) => [r.nodeRank, r.localRank, r.localWorldSize])).toEqual([
      [0, 0, 3], [1, 0, 2], [0, 1, 3], [1, 1, 2], [0, 2, 3]
    ])
  })

  it("puts process i on node i mod N, and localWorldSize is the real number of processes on that node", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 8 }), (count, nodes) => {
      const ranks = RankLayout.roundRobin(count, nodes)
      expect(ranks).toHaveLength(count)
      const perNode = countBy(ranks, (r) => r.nodeRank)
      ranks.forEach((r, i) => {
        expect(r.rank).toBe(i)
        expect(r.worldSize).toBe(count)
        expect(r.nodeRank).toBe(i % nodes)
        expect(r.localWorldSize).toBe(perNode.get(r.nodeRank))
      })
      for (const [node, size] of perNode) {
        expect(ranks.filter((r) => r.nodeRank === node).map((r) => r.localRank)).toEqual(Array.from({ length: size }, (_, i) => i))
      }
      // no node has two more processes than another
      const sizes = Array.from({ length: nodes }, (_, n) => perNode.get(n) ?? 0)
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
    }))
  })
})

describe("ofSpec", () => {
  it("is packed for MPI and PyTorch, round-robin over tasks for TensorFlow", () => {
    expect(RankLayout.ofSpec(mpi(2, 3))).toEqual(RankLayout.packed(2, 3))
    expect(RankLayout.ofSpec(pytorch(3, 2))).toEqual(RankLayout.packed(3, 2))
    expect(RankLayout.ofSpec(tensorflow(3, 2, 2))).toEqual(RankLayout.roundRobin(5, 2))
  })
})
