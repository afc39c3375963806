/**
 * A `LaunchPlan` says which processes to start on which node to run a spec's distribution:
 *
 * - `None`: on every node, one process `[python, ...scriptArgv]`.
 * - `Mpi`: one `mpirun` on node 0 that starts all ranks on all nodes (see `Mpi`); the other
 *   nodes start nothing but must be reachable by `mpirun`'s remote launch agent (ssh by default).
 * - `PyTorch`: one `torchrun` per node (see `PyTorch`), and the alternative `ranks`: every rank's
 *   own process with its `torch.distributed` environment, for backends that start ranks themselves.
 * - `TensorFlow`: one process per task, round-robin over the nodes, each with its `TF_CONFIG`
 *   (see `TensorFlow`).
 *
 * A process is an argv (program first, one item per argument, never a shell string) and the
 * environment variables the launch adds. The job's own variables, its secrets and the
 * run-contract variables (`ESTIMATOR_RUN_ID`, ...) are the backend's to add on top; `mpirun`
 * forwards them to its ranks with `-x` (the names come from the spec and
 * `LaunchOptions.forwardEnvironment`).
 *
 * {@link validate} checks the spec's layout against the options and returns every issue;
 * {@link plan} plans only when there is no error. Pure: nothing in this module performs IO.
 *
 * @since 0.1.0
 */
import type { Estimator, Validation } from "@estimator/core"
import * as issue from "./internal/issue.js"
import * as Mpi from "./Mpi.js"
import * as PyTorch from "./PyTorch.js"
import * as RankLayout from "./RankLayout.js"
import * as TensorFlow from "./TensorFlow.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The Python interpreter used when none is given.
 *
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_PYTHON = "python3"

/**
 * How the backend runs the job: the nodes it has, how it starts Python and what to run.
 *
 * @category models
 * @since 0.1.0
 */
export interface LaunchOptions {
  /** The host name (or IPv4 address) of each node; index = node rank. Node 0 is the head node. */
  readonly nodeHosts: ReadonlyArray<string>
  /** The script (path as the process sees it) and its rendered arguments, passed on unchanged. */
  readonly scriptArgv: ReadonlyArray<string>
  /** The interpreter, argv[0] of every Python process; default {@link DEFAULT_PYTHON}. */
  readonly python?: string
  /**
   * `scriptArgv[0]` is an executable, run without the interpreter (for example
   * `["/bin/sh", "-c", command]` for a command job); `torchrun` is given `--no_python`.
   */
  readonly noPython?: boolean
  /** PyTorch: the rendezvous port on node 0; default `PyTorch.DEFAULT_MASTER_PORT` (29500). */
  readonly masterPort?: number
  /** TensorFlow: the port of the first task on each host; default `TensorFlow.DEFAULT_PORT` (2222). */
  readonly tensorFlowPort?: number
  /** MPI: extra `mpirun` flags, e.g. `--allow-run-as-root`, `--oversubscribe` in containers. */
  readonly mpirunFlags?: ReadonlyArray<string>
  /**
   * MPI: names of further variables the backend sets and the ranks need, forwarded with `-x`
   * after the spec's own (`ESTIMATOR_RUN_ID`, `ESTIMATOR_OUTPUT_DIR`, `ESTIMATOR_INPUT_<NAME>`...).
   */
  readonly forwardEnvironment?: ReadonlyArray<string>
}

/**
 * The options {@link rankEnvironment} reads.
 *
 * @category models
 * @since 0.1.0
 */
export type RankEnvironmentOptions = Pick<LaunchOptions, "nodeHosts" | "masterPort" | "tensorFlowPort">

/**
 * Environment variables, by name.
 *
 * @category models
 * @since 0.1.0
 */
export interface Environment {
  readonly [name: string]: string
}

/**
 * One process to start: its argv (`argv[0]` is the program, looked up on `PATH`) and the
 * variables this launch adds to the job's environment.
 *
 * @category models
 * @since 0.1.0
 */
export interface Process {
  readonly argv: ReadonlyArray<string>
  readonly env: Environment
}

/**
 * What to start on one node. A node with no process still belongs to the job (an MPI worker
 * node, or an idle TensorFlow node).
 *
 * @category models
 * @since 0.1.0
 */
export interface NodeProcesses {
  readonly nodeRank: number
  readonly host: string
  readonly processes: ReadonlyArray<Process>
}

/**
 * Where one rank runs.
 *
 * @category models
 * @since 0.1.0
 */
export interface RankPlacement {
  readonly rank: RankLayout.RankLayout
  readonly host: string
}

/**
 * One rank's own process, for backends that start every rank themselves.
 *
 * @category models
 * @since 0.1.0
 */
export interface RankProcess extends RankPlacement, Process {}

/**
 * One TensorFlow task's process, with its task and `host:port`.
 *
 * @category models
 * @since 0.1.0
 */
export interface TaskProcess extends RankProcess {
  readonly task: TensorFlow.Task
  readonly address: string
}

/**
 * What every plan has: the number of processes of the job, what to start on each node (one
 * entry per node, in node order) and the warnings found while planning.
 *
 * @category models
 * @since 0.1.0
 */
export interface PlanCommon {
  readonly worldSize: number
  readonly nodes: ReadonlyArray<NodeProcesses>
  readonly warnings: ReadonlyArray<Validation.Issue>
}

/**
 * No distribution: the same process on every node, independently; `ranks` lists them.
 *
 * @category models
 * @since 0.1.0
 */
export interface NonePlan extends PlanCommon {
  readonly _tag: "None"
  readonly ranks: ReadonlyArray<RankProcess>
}

/**
 * MPI: `launcher` (also `nodes[0].processes[0]`) starts every rank; `placement` says where
 * `mpirun` puts each rank. There is no per-rank alternative: MPI ranks need `mpirun`.
 *
 * @category models
 * @since 0.1.0
 */
export interface MpiPlan extends PlanCommon {
  readonly _tag: "Mpi"
  readonly launcher: Process
  readonly placement: ReadonlyArray<RankPlacement>
}

/**
 * PyTorch: `nodes` runs one `torchrun` per node; `ranks` is the per-rank alternative (start
 * either, not both).
 *
 * @category models
 * @since 0.1.0
 */
export interface PyTorchPlan extends PlanCommon {
  readonly _tag: "PyTorch"
  readonly backend: Estimator.PyTorchBackend
  readonly rendezvous: PyTorch.Rendezvous
  readonly ranks: ReadonlyArray<RankProcess>
}

/**
 * TensorFlow: one process per task; `nodes` and `ranks` hold the same processes, by node and by
 * task.
 *
 * @category models
 * @since 0.1.0
 */
export interface TensorFlowPlan extends PlanCommon {
  readonly _tag: "TensorFlow"
  readonly cluster: TensorFlow.Cluster
  readonly ranks: ReadonlyArray<TaskProcess>
}

/**
 * The processes that launch a spec's distribution, by distribution.
 *
 * @category models
 * @since 0.1.0
 */
export type LaunchPlan = NonePlan | MpiPlan | PyTorchPlan | TensorFlowPlan

/**
 * The result of {@link plan}: `Left` with every issue when one is an error, else `Right` with
 * the plan (warnings inside). The shape is fp-ts's `Either`, so `Either.match`, `isRight`...
 * apply to it directly.
 *
 * @category models
 * @since 0.1.0
 */
export type PlanResult =
  | { readonly _tag: "Left"; readonly left: ReadonlyArray<Validation.Issue> }
  | { readonly _tag: "Right"; readonly right: LaunchPlan }

// -------------------------------------------------------------------------------------
// validation
// -------------------------------------------------------------------------------------

const HOST = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/
const MAX_PORT = 65535
const NUL = "\u0000"

const isPositiveInteger = (n: number): boolean => Number.isInteger(n) && n > 0
const isPort = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= MAX_PORT

const layoutIssues = (spec: Estimator.Estimator): ReadonlyArray<Validation.Issue> => {
  const issues: Array<Validation.Issue> = []
  const distribution = spec.distribution
  if (!isPositiveInteger(spec.nodeCount)) {
    issues.push(issue.error("nodeCount", "not-positive-integer", `nodeCount is ${spec.nodeCount}: the number of nodes must be a whole number of at least 1.`, "Set nodeCount to 1 or more."))
  }
  if (!isPositiveInteger(spec.processCountPerNode)) {
    issues.push(issue.error("processCountPerNode", "not-positive-integer", `processCountPerNode is ${spec.processCountPerNode}: the number of processes per node must be a whole number of at least 1.`, "Set processCountPerNode to 1 or more."))
  }
  if (distribution._tag === "None" && spec.processCountPerNode > 1) {
    issues.push(issue.error("processCountPerNode", "processes-per-node-without-distribution", `processCountPerNode is ${spec.processCountPerNode} but there is no distribution: without a launcher each node runs the script once, so ${spec.processCountPerNode - 1} process(es) per node would be dropped.`, "Add withMpi(nodes, processesPerNode) or withPyTorchDistribution({...}), or set processCountPerNode to 1."))
  }
  if (distribution._tag === "TensorFlow") {
    if (!isPositiveInteger(distribution.workerCount)) {
      issues.push(issue.error("distribution.workerCount", "not-positive-integer", `distribution.workerCount is ${distribution.workerCount}: a parameter-server job needs at least one worker.`, "Set workerCount to 1 or more."))
    }
    if (!(Number.isInteger(distribution.parameterServerCount) && distribution.parameterServerCount >= 0)) {
      issues.push(issue.error("distribution.parameterServerCount", "not-non-negative-integer", `distribution.parameterServerCount is ${distribution.parameterServerCount}: it must be a whole number of 0 or more.`, "Set parameterServerCount to 0 or more."))
    }
    if (spec.processCountPerNode > 1) {
      issues.push(issue.error("processCountPerNode", "processes-per-node-with-tensorflow", `processCountPerNode is ${spec.processCountPerNode}, but a TensorFlow job runs one process per task, counted by workerCount and parameterServerCount.`, "Set processCountPerNode to 1 and size the job with withTensorFlow(workers, parameterServers)."))
    }
  }
  return issues
}

const hostIssues = (spec: Estimator.Estimator, options: LaunchOptions): ReadonlyArray<Validation.Issue> => {
  const issues: Array<Validation.Issue> = []
  const hosts = options.nodeHosts
  if (isPositiveInteger(spec.nodeCount) && hosts.length !== spec.nodeCount) {
    issues.push(issue.error("options.nodeHosts", "node-hosts-count-mismatch", `The job has ${spec.nodeCount} node(s) but ${hosts.length} node host(s) were given: every node needs exactly one host, node 0 first.`, `Give ${spec.nodeCount} host name(s), or change the spec's nodeCount to ${hosts.length}.`))
  }
  const seen = new Map<string, number>()
  hosts.forEach((host, index) => {
    const path = `options.nodeHosts[${index}]`
    if (host === "") {
      issues.push(issue.error(path, "node-host-empty", `The host of node ${index} is empty.`, "Give the node's host name or IPv4 address."))
    } else if (!HOST.test(host)) {
      issues.push(issue.error(path, "invalid-node-host", `The host of node ${index}, ${JSON.stringify(host)}, is not a host name or IPv4 address: it must be letters, digits, '.', '-' and '_' (it is written into "host:port" and mpirun's --host list).`, "Use the node's host name or IPv4 address (no port, no spaces, no commas; IPv6 literals are not supported)."))
    }
    const first = seen.get(host)
    if (first !== undefined && spec.distribution._tag === "Mpi") {
      issues.push(issue.error(path, "duplicate-node-host", `Nodes ${first} and ${index} have the same host ${JSON.stringify(host)}: mpirun would see one node and could not place ${spec.processCountPerNode} rank(s) on each of ${hosts.length} nodes.`, "Give every node its own host, or run one node with more processes per node."))
    }
    if (first === undefined) seen.set(host, index)
  })
  return issues
}

const argvIssues = (spec: Estimator.Estimator, options: LaunchOptions): ReadonlyArray<Validation.Issue> => {
  const issues: Array<Validation.Issue> = []
  const script = options.scriptArgv[0]
  if (script === undefined) {
    issues.push(issue.error("options.scriptArgv", "script-argv-empty", "scriptArgv is empty: there is no script to run.", "Pass the script's path first, then its arguments."))
  } else if (script.startsWith("-")) {
    issues.push(issue.error("options.scriptArgv[0]", "script-looks-like-option", `The script ${JSON.stringify(script)} starts with '-', so python, mpirun and torchrun would read it as one of their options.`, "Write the path as ./" + script + "."))
  } else if (script === "") {
    issues.push(issue.error("options.scriptArgv[0]", "script-empty", "The script path (scriptArgv[0]) is empty.", "Pass the script's path first, then its arguments."))
  }
  const nul = (path: string) =>
    issues.push(issue.error(path, "argument-contains-nul", `${path} contains a NUL character, which no process argument can carry.`, "Remove the NUL character."))
  if (options.python?.includes(NUL)) nul("options.python")
  const scriptArgv = options.scriptArgv
  for (let index = 0; index < scriptArgv.length; index++) if ((scriptArgv[index] as string).includes(NUL)) nul(`options.scriptArgv[${index}]`)
  const flags = options.mpirunFlags ?? []
  for (let index = 0; index < flags.length; index++) if ((flags[index] as string).includes(NUL)) nul(`options.mpirunFlags[${index}]`)
  if (options.python !== undefined && options.python.trim() === "" && (options.noPython !== true || spec.distribution._tag === "PyTorch")) {
    issues.push(issue.error("options.python", "python-empty", "The Python interpreter is empty.", `Leave python out to use "${DEFAULT_PYTHON}", or give the interpreter's path.`))
  }
  return issues
}

const portIssues = (spec: Estimator.Estimator, options: LaunchOptions): ReadonlyArray<Validation.Issue> => {
  const issues: Array<Validation.Issue> = []
  const ports = [["options.masterPort", options.masterPort], ["options.tensorFlowPort", options.tensorFlowPort]] as const
  for (const [path, port] of ports) {
    if (port !== undefined && !isPort(port)) {
      issues.push(issue.error(path, "invalid-port", `${path} is ${port}: a TCP port is a whole number from 1 to ${MAX_PORT}.`, "Choose a free port, or leave it out for the default."))
    }
  }
  const distribution = spec.distribution
  if (distribution._tag === "TensorFlow" && isPositiveInteger(spec.nodeCount)) {
    const base = options.tensorFlowPort ?? TensorFlow.DEFAULT_PORT
    const taskCount = distribution.workerCount + distribution.parameterServerCount
    const perHost = new Map<string, number>()
    RankLayout.roundRobin(Number.isInteger(taskCount) && taskCount > 0 ? taskCount : 0, spec.nodeCount).forEach((rank) => {
      const host = options.nodeHosts[rank.nodeRank] ?? ""
      perHost.set(host, (perHost.get(host) ?? 0) + 1)
    })
    const most = Math.max(0, ...perHost.values())
    if (isPort(base) && base + most - 1 > MAX_PORT) {
      issues.push(issue.error("options.tensorFlowPort", "port-out-of-range", `Up to ${most} tasks share a host, so their ports run from ${base} to ${base + most - 1}, beyond ${MAX_PORT}.`, `Choose a base port of at most ${MAX_PORT - most + 1}.`))
    }
  }
  return issues
}

const environmentIssues = (spec: Estimator.Estimator, options: LaunchOptions): ReadonlyArray<Validation.Issue> => {
  if (spec.distribution._tag !== "Mpi") return []
  const issues: Array<Validation.Issue> = []
  const check = (path: string, name: string) => {
    if (!IDENTIFIER.test(name)) {
      issues.push(issue.error(path, "invalid-env-name", `The environment variable name ${JSON.stringify(name)} cannot be forwarded by mpirun -x: names are letters, digits and underscores, not starting with a digit.`, "Rename the variable, e.g. \"MY_SETTING\"."))
    }
  }
  for (const name of Object.keys(spec.environmentVariables)) check(`environmentVariables.${name}`, name)
  for (const name of Object.keys(spec.secretEnvironmentVariables)) check(`secretEnvironmentVariables.${name}`, name)
  const forwarded = options.forwardEnvironment ?? []
  for (let index = 0; index < forwarded.length; index++) check(`options.forwardEnvironment[${index}]`, forwarded[index] as string)
  return issues
}

const idleNodeIssues = (spec: Estimator.Estimator): ReadonlyArray<Validation.Issue> => {
  const distribution = spec.distribution
  if (distribution._tag !== "TensorFlow") return []
  const countsValid = isPositiveInteger(spec.nodeCount) && isPositiveInteger(distribution.workerCount) &&
    Number.isInteger(distribution.parameterServerCount) && distribution.parameterServerCount >= 0
  const taskCount = distribution.workerCount + distribution.parameterServerCount
  return countsValid && taskCount < spec.nodeCount
    ? [issue.warning("nodeCount", "idle-nodes", `nodeCount is ${spec.nodeCount} but the job has ${taskCount} task(s) (${distribution.workerCount} worker(s), ${distribution.parameterServerCount} parameter server(s)): node(s) ${taskCount}..${spec.nodeCount - 1} run nothing.`, `Set nodeCount to ${taskCount}, or add workers.`)]
    : []
}

/**
 * Every issue that keeps the spec from being launched with these options, errors and warnings,
 * in a stable order: the layout (counts), the node hosts (one per node, well-formed, distinct for
 * MPI), the argv (a script, no NUL), the ports and, for MPI, the forwarded variable names.
 *
 * @category validation
 * @since 0.1.0
 */
export const validate = (spec: Estimator.Estimator, options: LaunchOptions): ReadonlyArray<Validation.Issue> => [
  ...layoutIssues(spec),
  ...hostIssues(spec, options),
  ...argvIssues(spec, options),
  ...portIssues(spec, options),
  ...environmentIssues(spec, options),
  ...idleNodeIssues(spec)
]

// -------------------------------------------------------------------------------------
// compiling
// -------------------------------------------------------------------------------------

const rendezvousOf = (options: RankEnvironmentOptions): PyTorch.Rendezvous => ({
  masterAddr: options.nodeHosts[0] ?? "",
  masterPort: options.masterPort ?? PyTorch.DEFAULT_MASTER_PORT
})

const placeTasks = (
  distribution: { readonly workerCount: number; readonly parameterServerCount: number },
  options: RankEnvironmentOptions
): ReadonlyArray<TensorFlow.Placement> =>
  TensorFlow.place({
    workerCount: distribution.workerCount,
    parameterServerCount: distribution.parameterServerCount,
    nodeHosts: options.nodeHosts,
    basePort: options.tensorFlowPort ?? TensorFlow.DEFAULT_PORT
  })

/**
 * The variables this package adds to the rank at `rank` (a layout from `RankLayout.ofSpec`):
 * for PyTorch `MASTER_ADDR`, `MASTER_PORT`, `WORLD_SIZE`, `RANK`, `LOCAL_RANK`,
 * `LOCAL_WORLD_SIZE`, `NODE_RANK`; for TensorFlow `TF_CONFIG` (the task at position `rank.rank`);
 * nothing for `None`, and nothing for MPI, whose ranks get `OMPI_COMM_WORLD_*` from `mpirun`.
 * Meant for options that {@link validate} accepts.
 *
 * @category compiling
 * @since 0.1.0
 */
export const rankEnvironment = (
  spec: Estimator.Estimator,
  rank: RankLayout.RankLayout,
  options: RankEnvironmentOptions
): Environment => {
  const distribution = spec.distribution
  switch (distribution._tag) {
    case "None":
    case "Mpi":
      return {}
    case "PyTorch":
      return PyTorch.rankEnvironment(rank, rendezvousOf(options))
    case "TensorFlow": {
      const placements = placeTasks(distribution, options)
      const placement = placements.find((p) => p.rank.rank === rank.rank)
      return placement === undefined ? {} : { TF_CONFIG: TensorFlow.tfConfig(TensorFlow.cluster(placements), placement.task) }
    }
  }
}

const nodesWith = (hosts: ReadonlyArray<string>, processesOf: (nodeRank: number) => ReadonlyArray<Process>): ReadonlyArray<NodeProcesses> =>
  hosts.map((host, nodeRank) => ({ nodeRank, host, processes: processesOf(nodeRank) }))

const build = (spec: Estimator.Estimator, options: LaunchOptions, warnings: ReadonlyArray<Validation.Issue>): LaunchPlan => {
  const hosts = [...options.nodeHosts]
  const python = options.python ?? DEFAULT_PYTHON
  const noPython = options.noPython === true
  const program = noPython ? [...options.scriptArgv] : [python, ...options.scriptArgv]
  const hostOf = (rank: RankLayout.RankLayout): string => hosts[rank.nodeRank] as string
  const distribution = spec.distribution
  switch (distribution._tag) {
    case "None": {
      const ranks = RankLayout.packed(hosts.length, 1).map((rank): RankProcess => ({ rank, host: hostOf(rank), argv: program, env: {} }))
      return {
        _tag: "None",
        worldSize: ranks.length,
        nodes: nodesWith(hosts, () => [{ argv: program, env: {} }]),
        ranks,
        warnings
      }
    }
    case "Mpi": {
      const launcher: Process = {
        argv: Mpi.argv({
          nodeHosts: hosts,
          processCountPerNode: spec.processCountPerNode,
          program,
          forwardEnvironment: Mpi.forwardedVariables(spec, options.forwardEnvironment),
          flags: options.mpirunFlags ?? []
        }),
        env: {}
      }
      const placement = RankLayout.packed(hosts.length, spec.processCountPerNode).map((rank): RankPlacement => ({ rank, host: hostOf(rank) }))
      return {
        _tag: "Mpi",
        worldSize: placement.length,
        nodes: nodesWith(hosts, (nodeRank) => (nodeRank === 0 ? [launcher] : [])),
        launcher,
        placement,
        warnings
      }
    }
    case "PyTorch": {
      const rendezvous = rendezvousOf(options)
      const ranks = RankLayout.packed(hosts.length, spec.processCountPerNode).map((rank): RankProcess => ({
        rank,
        host: hostOf(rank),
        argv: program,
        env: PyTorch.rankEnvironment(rank, rendezvous)
      }))
      return {
        _tag: "PyTorch",
        worldSize: ranks.length,
        nodes: nodesWith(hosts, (nodeRank) => [{
          argv: PyTorch.torchrunArgv({
            python,
            nodeCount: hosts.length,
            processCountPerNode: spec.processCountPerNode,
            nodeRank,
            rendezvous,
            program: options.scriptArgv,
            noPython
          }),
          env: PyTorch.launcherEnvironment(nodeRank)
        }]),
        backend: distribution.backend,
        rendezvous,
        ranks,
        warnings
      }
    }
    case "TensorFlow": {
      const placements = placeTasks(distribution, options)
      const cluster = TensorFlow.cluster(placements)
      const ranks = placements.map((p): TaskProcess => ({
        rank: p.rank,
        host: p.host,
        task: p.task,
        address: p.address,
        argv: program,
        env: { TF_CONFIG: TensorFlow.tfConfig(cluster, p.task) }
      }))
      return {
        _tag: "TensorFlow",
        worldSize: ranks.length,
        nodes: nodesWith(hosts, (nodeRank) => ranks.filter((r) => r.rank.nodeRank === nodeRank).map(({ argv, env }) => ({ argv, env }))),
        cluster,
        ranks,
        warnings
      }
    }
  }
}

/**
 * Plan the launch of `spec` with `options`: `Right` with the plan when {@link validate} finds no
 * error (its warnings are in `plan.warnings`), else `Left` with every issue.
 *
 * @example
 * const result = LaunchPlan.plan(pipe(Estimator.make({ entryScript: "train.py" }), Estimator.withMpi(2, 4)), {
 *   nodeHosts: ["node-0", "node-1"],
 *   scriptArgv: ["train.py", "--epochs", "10"]
 * })
 * // result.right.launcher.argv: mpirun -np 8 --map-by ppr:4:node --bind-to none --host node-0:4,node-1:4 python3 train.py --epochs 10
 *
 * @category compiling
 * @since 0.1.0
 */
export const plan = (spec: Estimator.Estimator, options: LaunchOptions): PlanResult => {
  const issues = validate(spec, options)
  return issues.some((i) => i.severity === "error")
    ? { _tag: "Left", left: issues }
    : { _tag: "Right", right: build(spec, options, issues) }
}
