/**
 * Where each process of a distributed job sits: its global rank, the node it runs on and its
 * index among the processes of that node. Two layouts exist: `packed` (ranks fill node 0, then
 * node 1, ...; what `torchrun` and `mpirun --map-by ppr:<n>:node` produce) and `roundRobin`
 * (process `i` on node `i mod nodeCount`; how TensorFlow tasks are spread). Pure arithmetic:
 * nothing in this module performs IO.
 *
 * @since 0.1.0
 */
import { Estimator } from "@estimator/core"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * One process of a job: `rank` in `0..worldSize-1`, `nodeRank` in `0..nodeCount-1`, and
 * `localRank` in `0..localWorldSize-1` among the processes of its node.
 *
 * @category models
 * @since 0.1.0
 */
export interface RankLayout {
  readonly rank: number
  readonly worldSize: number
  readonly nodeRank: number
  readonly localRank: number
  readonly localWorldSize: number
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * `processCountPerNode` processes on each of `nodeCount` nodes, ranks numbered node by node:
 * rank `r` runs on node `floor(r / processCountPerNode)` with local rank `r mod processCountPerNode`.
 *
 * @example
 * RankLayout.packed(2, 2).map((r) => [r.rank, r.nodeRank, r.localRank])
 * // [[0, 0, 0], [1, 0, 1], [2, 1, 0], [3, 1, 1]]
 *
 * @category constructors
 * @since 0.1.0
 */
export const packed = (nodeCount: number, processCountPerNode: number): ReadonlyArray<RankLayout> => {
  const worldSize = nodeCount * processCountPerNode
  const ranks: Array<RankLayout> = []
  for (let rank = 0; rank < worldSize; rank++) {
    ranks.push({
      rank,
      worldSize,
      nodeRank: Math.floor(rank / processCountPerNode),
      localRank: rank % processCountPerNode,
      localWorldSize: processCountPerNode
    })
  }
  return ranks
}

/**
 * `processCount` processes dealt over `nodeCount` nodes like cards: process `i` runs on node
 * `i mod nodeCount` with local rank `floor(i / nodeCount)`. With more nodes than processes the
 * last nodes get none.
 *
 * @category constructors
 * @since 0.1.0
 */
export const roundRobin = (processCount: number, nodeCount: number): ReadonlyArray<RankLayout> => {
  const ranks: Array<RankLayout> = []
  for (let rank = 0; rank < processCount; rank++) {
    const nodeRank = rank % nodeCount
    ranks.push({
      rank,
      worldSize: processCount,
      nodeRank,
      localRank: Math.floor(rank / nodeCount),
      localWorldSize: Math.ceil((processCount - nodeRank) / nodeCount)
    })
  }
  return ranks
}

/**
 * Every process of the spec's job: `packed` over `nodeCount` × `processCountPerNode` for
 * `None`, `Mpi` and `PyTorch`; for `TensorFlow` the `workerCount + parameterServerCount` tasks
 * (workers first, then parameter servers) `roundRobin` over `nodeCount` nodes. The spec's
 * counts are assumed valid (see `LaunchPlan.validate`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const ofSpec = (spec: Estimator.Estimator): ReadonlyArray<RankLayout> =>
  spec.distribution._tag === "TensorFlow"
    ? roundRobin(Estimator.worldSize(spec), spec.nodeCount)
    : packed(spec.nodeCount, spec.processCountPerNode)
