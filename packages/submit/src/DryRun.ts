/**
 * The `dry-run` backend: plans only, and is the embedded default of `estimator plan`. Its plan is
 * backend-neutral: the validated spec, its resolved environment (framework image, packages and
 * variables included), the job's variables (secrets redacted) and the launch layout (every rank
 * with its node and local rank). It honours every field, so it fails only for an invalid spec.
 *
 * A dry run can also plan a spec for every backend at once ({@link planEvery}): the spec is
 * decoded, validated and read once, then compiled by each backend, which gives the same plans
 * and plan errors as each backend's own `plan`.
 *
 * `compile` is pure; `plan` and `planEvery` read the spec's files.
 *
 * @since 0.1.0
 */
import { Estimator } from "@estimator/core"
import { RankLayout } from "@estimator/distributed"
import { FileSystem } from "@effect/platform"
import { Cause, Effect, Either, Exit, Layer } from "effect"
import * as AzureMl from "./AzureMl.js"
import * as Backend from "./Backend.js"
import * as Docker from "./Docker.js"
import * as contract from "./internal/contract.js"
import * as internalPrepare from "./internal/prepare.js"
import * as Local from "./Local.js"
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
export const compile = (prepared: Plan.Prepared): Either.Either<Plan.DryRunPlan, PlanError.PlanError> => {
  const memo = internalPrepare.memoOf(prepared)
  const environment = internalPrepare.environmentOf("dry-run", prepared, { azuremlDefaults: false }, memo)
  if (Either.isLeft(environment)) return Either.left(environment.left)
  const view = internalPrepare.viewOf(prepared, memo)
  return Either.right({
    backend: "dry-run",
    warnings: internalPrepare.concat(prepared.warnings, environment.right.warnings),
    spec: prepared.spec,
    environment: environment.right.environment,
    environmentVariables: contract.withRedactedSecrets(environment.right.variables, view),
    launch: toLaunch(view),
    run: internalPrepare.runInfo(prepared, memo)
  })
}

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

/**
 * Every backend's plan of one spec, or the plan error saying why that backend cannot run it.
 *
 * @category models
 * @since 0.1.0
 */
export interface Plans {
  readonly "dry-run": Either.Either<Plan.DryRunPlan, PlanError.PlanError>
  readonly local: Either.Either<Plan.LocalPlan, PlanError.PlanError>
  readonly docker: Either.Either<Plan.DockerPlan, PlanError.PlanError>
  readonly azureml: Either.Either<Plan.AzureMlPlan, PlanError.PlanError>
}

/**
 * Options of {@link planEvery}: those of the local and docker planners.
 *
 * @category models
 * @since 0.1.0
 */
export interface PlanEveryOptions {
  readonly local?: Local.Options
  readonly docker?: Docker.Options
}

const refusedByEvery = (refusal: internalPrepare.Refusal): Plans => ({
  "dry-run": Either.left(internalPrepare.invalidSpec("dry-run", refusal)),
  local: Either.left(internalPrepare.invalidSpec("local", refusal)),
  docker: Either.left(internalPrepare.invalidSpec("docker", refusal)),
  azureml: Either.left(internalPrepare.invalidSpec("azureml", refusal))
})

/**
 * Plan `spec` for every backend, preparing it once (decode, validate, read its files, resolve its
 * environment) and compiling it for each: each entry equals what that backend's `plan` gives for
 * the same context, except that the four plans share one run id. The docker entry asks whether
 * its image exists as `Docker.plan` does (`PlanContext.imageExists`, else the docker options).
 *
 * @example
 * const plans = yield* DryRun.planEvery(spec, { baseDirectory: "." })
 * if (Either.isLeft(plans.local)) console.log(plans.local.left.message)
 *
 * @category compiling
 * @since 0.1.0
 */
export const planEvery = (
  spec: Estimator.Estimator,
  context: Backend.PlanContext,
  options: PlanEveryOptions = {}
): Effect.Effect<Plans, never, FileSystem.FileSystem> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) =>
    internalPrepare.andThenExit(internalPrepare.prepareWith(fs, spec, context), (prepared) => {
      if (Exit.isFailure(prepared)) {
        const failure = Cause.failureOrCause(prepared.cause)
        return Either.isLeft(failure) ? Effect.succeed(refusedByEvery(failure.left)) : Effect.failCause(failure.right)
      }
      return internalPrepare.andThenExit(Docker.planPreparedNow(prepared.value, context, options.docker), (docker) => {
        if (Exit.isFailure(docker)) {
          const failure = Cause.failureOrCause(docker.cause)
          if (Either.isRight(failure)) return Effect.failCause(failure.right)
          return Effect.succeed(everyPlan(prepared.value, Either.left(failure.left), options))
        }
        return Effect.succeed(everyPlan(prepared.value, Either.right(docker.value), options))
      })
    }))

const everyPlan = (prepared: Plan.Prepared, docker: Plans["docker"], options: PlanEveryOptions): Plans => ({
  "dry-run": compile(prepared),
  local: Local.compile(prepared, options.local),
  docker,
  azureml: AzureMl.compile(prepared)
})

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
