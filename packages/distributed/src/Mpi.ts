/**
 * The `mpirun` command line of an MPI job, for Open MPI (4.x and 5.x): one launcher started on
 * the head node (node 0) that starts every rank, on every node, itself. This is what Azure ML v2
 * does for `distribution.type: mpi` (mpirun on the head node, the other nodes reached by
 * mpirun's remote launch agent), and what the `local` and `docker` backends do on one node.
 *
 * The ranks' identity (`OMPI_COMM_WORLD_RANK`, `OMPI_COMM_WORLD_SIZE`,
 * `OMPI_COMM_WORLD_LOCAL_RANK`, `OMPI_COMM_WORLD_LOCAL_SIZE`) is set by `mpirun` in each rank's
 * environment, never by us: a process started with these variables but without `mpirun` would
 * make `MPI_Init` look for a daemon that does not exist. {@link expectedEnvironment} says what
 * `mpirun` will set, for checks and tests only.
 *
 * Pure: nothing in this module performs IO.
 *
 * @since 0.1.0
 */
import type { Estimator } from "@estimator/core"
import type * as RankLayout from "./RankLayout.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * What {@link argv} needs: the node hosts (index = node rank), the processes per node, the
 * program of one rank (argv, program first), the environment variables to forward to every rank
 * and extra `mpirun` flags placed right after `mpirun`.
 *
 * @category models
 * @since 0.1.0
 */
export interface MpirunOptions {
  readonly nodeHosts: ReadonlyArray<string>
  readonly processCountPerNode: number
  readonly program: ReadonlyArray<string>
  readonly forwardEnvironment: ReadonlyArray<string>
  readonly flags: ReadonlyArray<string>
}

/**
 * The variables `mpirun` (Open MPI) sets in each rank's environment.
 *
 * @category models
 * @since 0.1.0
 */
export const RANK_VARIABLES = [
  "OMPI_COMM_WORLD_RANK",
  "OMPI_COMM_WORLD_SIZE",
  "OMPI_COMM_WORLD_LOCAL_RANK",
  "OMPI_COMM_WORLD_LOCAL_SIZE"
] as const

// -------------------------------------------------------------------------------------
// compiling
// -------------------------------------------------------------------------------------

/**
 * The full `mpirun` argv:
 * `mpirun <flags> -np <world> --map-by ppr:<perNode>:node --bind-to none [--host h0:<perNode>,h1:<perNode>,...] -x NAME... <program...>`.
 *
 * - `-np` is nodes × processes per node; `--map-by ppr:<n>:node` places exactly `n` ranks on each
 *   node, ranks numbered node by node (the `RankLayout.packed` layout). `-npernode` means the
 *   same but is deprecated in Open MPI 5.
 * - `--host` is given only for more than one node: on one node `mpirun` starts the ranks where it
 *   runs (pass `--oversubscribe` in `flags` when there are fewer cores than ranks).
 * - `--bind-to none` leaves thread placement to the training framework (Open MPI otherwise binds
 *   each rank to one core, which starves multi-threaded data loaders).
 * - `-x NAME` (no value) forwards the variable from `mpirun`'s own environment to every rank, so
 *   values, secrets included, never appear on the command line. Every forwarded name must be set
 *   in the environment `mpirun` runs with.
 * - The program's argv follows unchanged, one item per argument: Open MPI stops reading its own
 *   options at the program name.
 *
 * @category compiling
 * @since 0.1.0
 */
export const argv = (options: MpirunOptions): ReadonlyArray<string> => {
  const perNode = options.processCountPerNode
  const worldSize = options.nodeHosts.length * perNode
  return [
    "mpirun",
    ...options.flags,
    "-np",
    String(worldSize),
    "--map-by",
    `ppr:${perNode}:node`,
    "--bind-to",
    "none",
    ...(options.nodeHosts.length > 1 ? ["--host", options.nodeHosts.map((host) => `${host}:${perNode}`).join(",")] : []),
    ...options.forwardEnvironment.flatMap((name) => ["-x", name]),
    ...options.program
  ]
}

/**
 * The names `mpirun` must forward for a spec: its environment variables, then its secret
 * environment variables, then `extra` (the run-contract variables the backend sets, such as
 * `ESTIMATOR_RUN_ID`), each name once, in that order.
 *
 * @category compiling
 * @since 0.1.0
 */
export const forwardedVariables = (spec: Estimator.Estimator, extra: ReadonlyArray<string> = []): ReadonlyArray<string> => [
  ...new Set([...Object.keys(spec.environmentVariables), ...Object.keys(spec.secretEnvironmentVariables), ...extra])
]

/**
 * What `mpirun` sets in the environment of the rank at `rank` (when ranks are placed as
 * {@link argv} asks). For checks and tests: never set these on a process yourself.
 *
 * @category compiling
 * @since 0.1.0
 */
export const expectedEnvironment = (rank: RankLayout.RankLayout): { readonly [name in typeof RANK_VARIABLES[number]]: string } => ({
  OMPI_COMM_WORLD_RANK: String(rank.rank),
  OMPI_COMM_WORLD_SIZE: String(rank.worldSize),
  OMPI_COMM_WORLD_LOCAL_RANK: String(rank.localRank),
  OMPI_COMM_WORLD_LOCAL_SIZE: String(rank.localWorldSize)
})
