/**
 * The `dry-run` backend: plans only, and is the embedded default of `estimator plan`. Its plan is
 * backend-neutral: the validated spec, its resolved environment (framework image, packages and
 * variables included), the job's variables (secrets redacted) and the launch layout (every rank
 * with its node and local rank). It honours every field, so it fails only for an invalid spec.
 *
 * `compile` is pure; `plan` reads the spec's files.
 *
 * @since 0.1.0
 */
import { Estimator } from "@estimator/core"
import { RankLayout } from "@estimator/distributed"
import { FileSystem } from "@effect/platform"
import { Effect, Either, Layer } from "effect"
import * as Backend from "./Backend.js"
import * as contract from "./internal/contract.js"
import * as internalPrepare from "./internal/prepare.js"
import type * as Plan from "./Plan.js"
import type * as PlanError from "./PlanError.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The capabilities of the dry run: everything (it runs nothing).
 *
 * @category models
 * @since 0.1.0
 */
export const capabilities: Backend.Capabilities = Backend.capabilityTable["dry-run"]

// -------------------------------------------------------------------------------------
// compiling
// -------------------------------------------------------------------------------------

/**
 * The launch layout of a spec: nodes, processes per node, world size, distribution and every rank.
 *
 * @category compiling
 * @since 0.1.0
 */
export const toLaunch = (spec: Estimator.Estimator): Plan.Launch => ({
  nodeCount: spec.nodeCount,
  processCountPerNode: spec.processCountPerNode,
  worldSize: Estimator.worldSize(spec),
  distribution: spec.distribution,
  ranks: RankLayout.ofSpec(spec)
})

/**
 * The dry-run plan of a prepared spec.
 *
 * @category compiling
 * @since 0.1.0
 */
export const compile = (prepared: Plan.Prepared): Either.Either<Plan.DryRunPlan, PlanError.PlanError> =>
  Either.map(internalPrepare.environmentOf("dry-run", prepared, { azuremlDefaults: false }), (environment) => ({
    backend: "dry-run" as const,
    warnings: [...prepared.warnings, ...environment.warnings],
    spec: prepared.spec,
    environment: environment.environment,
    environmentVariables: { ...environment.variables, ...contract.redactedSecrets(prepared.spec) },
    launch: toLaunch(prepared.spec),
    run: internalPrepare.runInfo(prepared)
  }))

/**
 * Plan `spec` as a dry run: decode, validate, read its files, compile.
 *
 * @category compiling
 * @since 0.1.0
 */
export const plan = (
  spec: Estimator.Estimator,
  context: Backend.PlanContext
): Effect.Effect<Plan.DryRunPlan, PlanError.PlanError, FileSystem.FileSystem> =>
  Effect.flatMap(internalPrepare.prepare("dry-run", spec, context), compile)

// -------------------------------------------------------------------------------------
// layers
// -------------------------------------------------------------------------------------

/**
 * The dry-run backend: `execute` fails with `NotExecutable`.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<Backend.Backend, never, FileSystem.FileSystem> = Layer.effect(
  Backend.Backend,
  Effect.map(FileSystem.FileSystem, (fs) =>
    Backend.planOnly("dry-run", (spec, context) => plan(spec, context).pipe(Effect.provideService(FileSystem.FileSystem, fs))))
)
