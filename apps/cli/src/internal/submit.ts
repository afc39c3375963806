/**
 * The one place where the command calls `@estimator/submit`: planning a spec with a backend,
 * exporting it as Azure ML YAML and importing Azure ML YAML. The commands see only the small
 * API below. Each submit module is imported lazily, and only the backend that is asked for, so
 * `validate` never loads submit and a plan loads one backend.
 *
 * @internal
 */
import type { Estimator } from "@estimator/core"
import type * as SubmitBackend from "@estimator/submit/Backend"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type { BackendName } from "../Args.js"
import type { Problem } from "../Render.js"

/** The plan envelope of DESIGN §4 as JSON: `backend`, `warnings` and the backend's lists. @internal */
export interface PlanEnvelope {
  readonly backend: string
  readonly warnings: ReadonlyArray<unknown>
  readonly [key: string]: unknown
}

/** An Azure ML workspace, as `--workspace config.json` names it. @internal */
export interface Workspace {
  readonly subscriptionId: string
  readonly resourceGroup: string
  readonly workspaceName: string
}

/** A backend refused the spec (or the file to import): what and why, with every problem. @internal */
export class SubmitRejected extends Data.TaggedError("SubmitRejected")<{
  readonly message: string
  readonly hint?: string
  readonly problems: ReadonlyArray<Problem>
  readonly warnings: ReadonlyArray<Problem>
}> {}

const asError = (issue: Omit<Problem, "severity">): Problem => ({ ...issue, severity: "error" })
const asWarning = (issue: Omit<Problem, "severity">): Problem => ({ ...issue, severity: "warning" })

/** What a plan reads besides the spec (see submit's `Backend.PlanContext`). @internal */
export interface PlanContext {
  readonly baseDirectory: string
  readonly runsDirectory: string
  readonly workspace?: Workspace
}

type BackendLayer = Layer.Layer<SubmitBackend.Backend, never, FileSystem.FileSystem>

const backendLayer = (backend: BackendName): Effect.Effect<BackendLayer> => {
  switch (backend) {
    case "dry-run":
      return Effect.promise(() => import("@estimator/submit/DryRun")).pipe(Effect.map((module) => module.layer))
    case "local":
      return Effect.promise(() => import("@estimator/submit/Local")).pipe(Effect.map((module) => module.layer))
    case "docker":
      return Effect.promise(() => import("@estimator/submit/Docker")).pipe(Effect.map((module) => module.layer))
    case "azureml":
      return Effect.promise(() => import("@estimator/submit/AzureMl")).pipe(Effect.map((module) => module.layer))
  }
}

/**
 * Plan `spec` with `backend`, as the JSON envelope of DESIGN §4.
 *
 * @internal
 */
export const plan = (
  spec: Estimator.Estimator,
  backend: BackendName,
  context: PlanContext
): Effect.Effect<PlanEnvelope, SubmitRejected, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const layer = yield* backendLayer(backend)
    const [Backend, Plan] = yield* Effect.promise(() => Promise.all([import("@estimator/submit/Backend"), import("@estimator/submit/Plan")]))
    const planned = yield* Backend.plan(spec, context).pipe(
      Effect.provide(layer),
      Effect.mapError((error) =>
        new SubmitRejected({
          message: error._tag === "Unsupported"
            ? `the ${error.backend} backend cannot honour ${error.issues.length === 1 ? "a field" : `${error.issues.length} fields`} of this spec`
            : `the spec cannot be planned for ${error.backend} (${error.issues.length} problem${error.issues.length === 1 ? "" : "s"})`,
          hint: error._tag === "Unsupported"
            ? "Remove those fields, or plan with one of the backends named for each."
            : "Fix each problem listed above, then plan again.",
          problems: error.issues,
          warnings: error.warnings.map(asWarning)
        })
      )
    )
    return Plan.toJson(planned) as PlanEnvelope
  })

/**
 * The spec as an Azure ML CLI v2 command-job YAML, written for the current directory.
 *
 * @internal
 */
export const toAzureMlYaml = (spec: Estimator.Estimator): Effect.Effect<string, SubmitRejected> =>
  Effect.gen(function*() {
    const AzureMlYaml = yield* Effect.promise(() => import("@estimator/submit/AzureMlYaml"))
    const result = AzureMlYaml.toYaml(spec)
    if (result._tag === "Right") return result.right
    return yield* new SubmitRejected({
      message: `the spec cannot be written as Azure ML YAML (${result.left.length} field${result.left.length === 1 ? "" : "s"} it cannot carry)`,
      hint: "Change or remove those fields, or export --format json instead.",
      problems: result.left.map(asError),
      warnings: []
    })
  })

/**
 * Read an Azure ML command-job YAML into a spec. `files` are the contents of the files it refers
 * to, keyed by their path relative to the YAML; `baseDirectory` is the YAML's folder as the spec's
 * paths should start from.
 *
 * @internal
 */
export const fromAzureMlYaml = (
  text: string,
  options: { readonly files: { readonly [relativePath: string]: string }; readonly baseDirectory: string }
): Effect.Effect<{ readonly spec: Estimator.Estimator; readonly warnings: ReadonlyArray<Problem> }, SubmitRejected> =>
  Effect.gen(function*() {
    const AzureMlYaml = yield* Effect.promise(() => import("@estimator/submit/AzureMlYaml"))
    const result = AzureMlYaml.fromYaml(text, options)
    if (result._tag === "Right") return { spec: result.right.spec, warnings: result.right.warnings.map(asWarning) }
    return yield* new SubmitRejected({
      message: `the YAML cannot be imported (${result.left.length} problem${result.left.length === 1 ? "" : "s"})`,
      hint: "Fix or remove each key listed above; every key is either carried over or reported, never dropped.",
      problems: result.left.map(asError),
      warnings: []
    })
  })
