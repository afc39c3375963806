/**
 * The `local` backend: runs the entry script as processes of this machine's Python (Azure ML
 * v1's `compute_target="local", use_docker=False`), the embedded default of `estimator run`.
 *
 * The plan lists every process: its argv (the interpreter, the script and the rendered
 * arguments exactly, never re-parsed by a shell; `mpirun -np N ...` for MPI, one process per rank
 * for PyTorch and TensorFlow, each with its rank variables), its working directory (the run's
 * snapshot of the source directory, `.estimator/runs/<run id>/snapshot`, created by `execute`)
 * and the variables it adds to the inherited environment (the job's, its secrets as
 * `<redacted>`, and the run contract's `ESTIMATOR_*`). Inputs are local files used in place;
 * outputs go to the run store.
 *
 * What it cannot honour (more than one node, an image, a build context, a registered
 * environment, docker arguments, remote data) is a plan error; what it ignores by nature
 * (packages — nothing is installed —, a GPU request, a shared memory size, the compute) is a
 * warning. `environment.docker` (true by default) is not a warning: running outside a container
 * is what this backend is for. `toProcesses` and `compile` are pure; `plan` reads the spec's files.
 *
 * @since 0.1.0
 */
import type { Estimator } from "@estimator/core"
import { LaunchPlan } from "@estimator/distributed"
import { FileSystem } from "@effect/platform"
import { Effect, Either, Layer } from "effect"
import * as path from "node:path"
import * as Backend from "./Backend.js"
import * as contract from "./internal/contract.js"
import * as internalPrepare from "./internal/prepare.js"
import type * as Plan from "./Plan.js"
import * as PlanError from "./PlanError.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * Options of the local backend.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The Python interpreter (default `python3`). */
  readonly python?: string
  /** Extra `mpirun` flags (default `["--oversubscribe"]`, so more ranks than cores still start). */
  readonly mpirunFlags?: ReadonlyArray<string>
}

/**
 * The capabilities of the local backend.
 *
 * @category models
 * @since 0.1.0
 */
export const capabilities: Backend.Capabilities = Backend.capabilityTable.local

// -------------------------------------------------------------------------------------
// compiling
// -------------------------------------------------------------------------------------

const locations = (prepared: Plan.Prepared): contract.Locations & { readonly snapshot: string } => {
  const outputDirectory = path.join(prepared.runDirectory, "outputs")
  const inputs: Record<string, contract.InputLocation> = {}
  for (const [name, input] of Object.entries(prepared.spec.inputs)) {
    if (input._tag === "Literal") inputs[name] = { _tag: "Literal", value: contract.literalValue(input.value) }
  }
  for (const [name, local] of Object.entries(prepared.localInputs)) {
    if (local.kind !== "missing") inputs[name] = { _tag: "Path", path: local.path }
  }
  return {
    snapshot: path.join(prepared.runDirectory, "snapshot"),
    outputDirectory,
    outputs: Object.fromEntries(Object.keys(prepared.spec.outputs).map((name) => [name, path.join(outputDirectory, name)])),
    inputs
  }
}

/**
 * The processes of a local run (assumes the spec passed the capability check): argv, working
 * directory and variables (`plain` are the job's plain variables, framework's included).
 *
 * @category compiling
 * @since 0.1.0
 */
export const toProcesses = (
  prepared: Plan.Prepared,
  plain: Plan.Variables,
  options: Options = {}
): Either.Either<ReadonlyArray<Plan.LocalProcess>, PlanError.PlanError> => {
  const spec = prepared.spec
  const where = locations(prepared)
  const env = contract.jobVariables(spec, plain, prepared.runId, where)
  const { noPython, scriptArgv } = contract.program(spec, where)
  const launch = LaunchPlan.plan(spec, {
    nodeHosts: ["localhost"],
    scriptArgv,
    noPython,
    python: options.python ?? LaunchPlan.DEFAULT_PYTHON,
    mpirunFlags: options.mpirunFlags ?? ["--oversubscribe"],
    forwardEnvironment: Object.keys(env)
  })
  if (launch._tag === "Left") return Either.left(internalPrepare.launchError("local", launch.left, prepared))
  const plan = launch.right
  const processes: ReadonlyArray<LaunchPlan.Process> = plan._tag === "PyTorch" || plan._tag === "TensorFlow"
    ? plan.ranks
    : plan.nodes.flatMap((node) => node.processes)
  return Either.right(processes.map((process) => ({ argv: process.argv, cwd: where.snapshot, env: { ...env, ...process.env } })))
}

/**
 * The local plan of a prepared spec, or every reason there is none.
 *
 * @category compiling
 * @since 0.1.0
 */
export const compile = (prepared: Plan.Prepared, options: Options = {}): Either.Either<Plan.LocalPlan, PlanError.PlanError> =>
  Either.gen(function*() {
    const ignored = yield* internalPrepare.checkCapabilities("local", prepared)
    const environment = yield* internalPrepare.environmentOf("local", prepared, { azuremlDefaults: false })
    const processes = yield* toProcesses(prepared, environment.variables, options)
    return {
      backend: "local" as const,
      warnings: [...prepared.warnings, ...ignored, ...environment.warnings],
      processes,
      run: internalPrepare.runInfo(prepared)
    }
  })

/**
 * Plan `spec` for the local backend: decode, validate, read its files, compile.
 *
 * @category compiling
 * @since 0.1.0
 */
export const plan = (
  spec: Estimator.Estimator,
  context: Backend.PlanContext,
  options: Options = {}
): Effect.Effect<Plan.LocalPlan, PlanError.PlanError, FileSystem.FileSystem> =>
  Effect.flatMap(internalPrepare.prepare("local", spec, context), (prepared) => compile(prepared, options))

// -------------------------------------------------------------------------------------
// layers
// -------------------------------------------------------------------------------------

/**
 * The local backend with options.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerWith = (options: Options = {}): Layer.Layer<Backend.Backend, never, FileSystem.FileSystem> =>
  Layer.effect(
    Backend.Backend,
    Effect.map(FileSystem.FileSystem, (fs) =>
      Backend.planOnly("local", (spec, context) =>
        plan(spec, context, options).pipe(Effect.provideService(FileSystem.FileSystem, fs))))
  )

/**
 * The local backend with `python3`.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<Backend.Backend, never, FileSystem.FileSystem> = layerWith()
