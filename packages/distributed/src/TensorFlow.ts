/**
 * Parameter-server TensorFlow jobs: where each task runs and the `TF_CONFIG` each one reads.
 * A job of `workerCount` workers and `parameterServerCount` parameter servers is
 * `workerCount + parameterServerCount` processes, one per task, each started directly (no
 * launcher) with `TF_CONFIG = {"cluster": {"worker": [...], "ps": [...]}, "task": {"type", "index"}}`.
 *
 * Placement is round-robin: tasks are numbered workers first, then parameter servers, and task
 * `i` runs on node `i mod nodeCount`. With v1's default of one node per worker each worker gets
 * its own node and the parameter servers share nodes `0..ps-1` with the first workers; packing
 * tasks onto the first nodes instead would leave later nodes idle while the first ones are
 * oversubscribed. Tasks on the same host listen on consecutive ports from the base port (2222,
 * TensorFlow's customary server port, unless given), so two tasks never share a `host:port`,
 * even when several nodes are given the same host name. Pure: nothing in this module performs IO.
 *
 * @since 0.1.0
 */
import * as RankLayout from "./RankLayout.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The port of the first task on each host when none is given.
 *
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_PORT = 2222

/**
 * The two kinds of task of a parameter-server job, as `TF_CONFIG` spells them.
 *
 * @category models
 * @since 0.1.0
 */
export type TaskType = "worker" | "ps"

/**
 * One task: its type and its index among the tasks of that type.
 *
 * @category models
 * @since 0.1.0
 */
export interface Task {
  readonly type: TaskType
  readonly index: number
}

/**
 * The `cluster` part of `TF_CONFIG`: the `host:port` of every task, by type and index. `ps` is
 * absent when the job has no parameter server (TensorFlow rejects an empty job).
 *
 * @category models
 * @since 0.1.0
 */
export interface Cluster {
  readonly worker: ReadonlyArray<string>
  readonly ps?: ReadonlyArray<string>
}

/**
 * A task and where it runs: its process's rank layout (`rank` is the task's position in the
 * list of all tasks), its node's host, its port and `address` = `host:port`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Placement {
  readonly task: Task
  readonly rank: RankLayout.RankLayout
  readonly host: string
  readonly port: number
  readonly address: string
}

/**
 * What {@link place} needs: the task counts, the node hosts (index = node rank) and the port of
 * the first task on each host.
 *
 * @category models
 * @since 0.1.0
 */
export interface PlaceOptions {
  readonly workerCount: number
  readonly parameterServerCount: number
  readonly nodeHosts: ReadonlyArray<string>
  readonly basePort: number
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Every task of the job in rank order: workers `0..workerCount-1`, then parameter servers.
 *
 * @category constructors
 * @since 0.1.0
 */
export const tasks = (workerCount: number, parameterServerCount: number): ReadonlyArray<Task> => [
  ...Array.from({ length: workerCount }, (_, index): Task => ({ type: "worker", index })),
  ...Array.from({ length: parameterServerCount }, (_, index): Task => ({ type: "ps", index }))
]

/**
 * Place every task round-robin on the nodes and give it a port that no earlier task on the same
 * host uses.
 *
 * @category constructors
 * @since 0.1.0
 */
export const place = (options: PlaceOptions): ReadonlyArray<Placement> => {
  const all = tasks(options.workerCount, options.parameterServerCount)
  const layouts = RankLayout.roundRobin(all.length, options.nodeHosts.length)
  const usedPerHost = new Map<string, number>()
  return all.map((task, i) => {
    const rank = layouts[i] as RankLayout.RankLayout
    const host = options.nodeHosts[rank.nodeRank] as string
    const slot = usedPerHost.get(host) ?? 0
    usedPerHost.set(host, slot + 1)
    const port = options.basePort + slot
    return { task, rank, host, port, address: `${host}:${port}` }
  })
}

/**
 * The `cluster` of `TF_CONFIG` for placed tasks: addresses listed by task index.
 *
 * @category constructors
 * @since 0.1.0
 */
export const cluster = (placements: ReadonlyArray<Placement>): Cluster => {
  const addresses = (type: TaskType): ReadonlyArray<string> =>
    placements.filter((p) => p.task.type === type).sort((a, b) => a.task.index - b.task.index).map((p) => p.address)
  const ps = addresses("ps")
  return ps.length === 0 ? { worker: addresses("worker") } : { worker: addresses("worker"), ps }
}

// -------------------------------------------------------------------------------------
// compiling
// -------------------------------------------------------------------------------------

/**
 * The `TF_CONFIG` value (compact JSON) of `task` in `cluster`.
 *
 * @example
 * TensorFlow.tfConfig({ worker: ["n0:2222", "n1:2222"], ps: ["n0:2223"] }, { type: "ps", index: 0 })
 * // '{"cluster":{"worker":["n0:2222","n1:2222"],"ps":["n0:2223"]},"task":{"type":"ps","index":0}}'
 *
 * @category compiling
 * @since 0.1.0
 */
export const tfConfig = (cluster: Cluster, task: Task): string =>
  JSON.stringify({
    cluster: cluster.ps === undefined ? { worker: cluster.worker } : { worker: cluster.worker, ps: cluster.ps },
    task: { type: task.type, index: task.index }
  })
