/**
 * Launching `torch.distributed` jobs: the `torchrun` command of each node (static rendezvous on
 * node 0's host), and the environment of each rank for backends that start every rank
 * themselves instead of running `torchrun`. Both give a training script the same contract:
 * `MASTER_ADDR`, `MASTER_PORT`, `WORLD_SIZE`, `RANK`, `LOCAL_RANK`, `LOCAL_WORLD_SIZE` and
 * `NODE_RANK` (the last one is not set by `torchrun`, so the launcher is given it and its ranks
 * inherit it). Pure: nothing in this module performs IO.
 *
 * @since 0.1.0
 */
import type * as RankLayout from "./RankLayout.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The port rank 0 listens on when none is given: the default of `torch.distributed`
 * (`MASTER_PORT`) and of `torchrun --master_port`.
 *
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_MASTER_PORT = 29500

/**
 * Where the ranks meet: node 0's host and a free port on it.
 *
 * @category models
 * @since 0.1.0
 */
export interface Rendezvous {
  readonly masterAddr: string
  readonly masterPort: number
}

/**
 * The variables every rank of a PyTorch job gets.
 *
 * @category models
 * @since 0.1.0
 */
export type RankVariable =
  | "MASTER_ADDR"
  | "MASTER_PORT"
  | "WORLD_SIZE"
  | "RANK"
  | "LOCAL_RANK"
  | "LOCAL_WORLD_SIZE"
  | "NODE_RANK"

/**
 * What {@link torchrunArgv} needs. `program` is the script and its arguments (or, with
 * `noPython`, an executable and its arguments, run by `torchrun --no_python`).
 *
 * @category models
 * @since 0.1.0
 */
export interface TorchrunOptions {
  readonly python: string
  readonly nodeCount: number
  readonly processCountPerNode: number
  readonly nodeRank: number
  readonly rendezvous: Rendezvous
  readonly program: ReadonlyArray<string>
  readonly noPython: boolean
}

// -------------------------------------------------------------------------------------
// compiling
// -------------------------------------------------------------------------------------

/**
 * The launcher of one node:
 * `<python> -m torch.distributed.run --nnodes N --nproc_per_node P --node_rank r --master_addr A --master_port p [--no_python] <program...>`.
 * `python -m torch.distributed.run` is `torchrun` without relying on the entry point being on
 * `PATH`; the underscore spellings of the flags are accepted by every `torchrun` (PyTorch 1.10
 * and later). Everything after the script belongs to the script.
 *
 * @category compiling
 * @since 0.1.0
 */
export const torchrunArgv = (options: TorchrunOptions): ReadonlyArray<string> => [
  options.python,
  "-m",
  "torch.distributed.run",
  "--nnodes",
  String(options.nodeCount),
  "--nproc_per_node",
  String(options.processCountPerNode),
  "--node_rank",
  String(options.nodeRank),
  "--master_addr",
  options.rendezvous.masterAddr,
  "--master_port",
  String(options.rendezvous.masterPort),
  ...(options.noPython ? ["--no_python"] : []),
  ...options.program
]

/**
 * The environment `torchrun` gives the rank at `rank`, plus `NODE_RANK`: what a backend that
 * starts each rank itself must set.
 *
 * @category compiling
 * @since 0.1.0
 */
export const rankEnvironment = (
  rank: RankLayout.RankLayout,
  rendezvous: Rendezvous
): { readonly [name in RankVariable]: string } => ({
  MASTER_ADDR: rendezvous.masterAddr,
  MASTER_PORT: String(rendezvous.masterPort),
  WORLD_SIZE: String(rank.worldSize),
  RANK: String(rank.rank),
  LOCAL_RANK: String(rank.localRank),
  LOCAL_WORLD_SIZE: String(rank.localWorldSize),
  NODE_RANK: String(rank.nodeRank)
})

/**
 * The environment of the `torchrun` launcher of node `nodeRank`: `NODE_RANK`, which `torchrun`
 * does not set but its ranks inherit.
 *
 * @category compiling
 * @since 0.1.0
 */
export const launcherEnvironment = (nodeRank: number): { readonly NODE_RANK: string } => ({
  NODE_RANK: String(nodeRank)
})
