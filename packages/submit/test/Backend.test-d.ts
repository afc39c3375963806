import type { Estimator } from "@estimator/core"
import type { FileSystem } from "@effect/platform"
import type { Effect, Either, Layer } from "effect"
import { describe, expectTypeOf, it } from "vitest"
import * as AzureMl from "../src/AzureMl.js"
import * as Backend from "../src/Backend.js"
import * as Docker from "../src/Docker.js"
import * as DryRun from "../src/DryRun.js"
import * as Local from "../src/Local.js"
import * as Plan from "../src/Plan.js"
import type * as PlanError from "../src/PlanError.js"
import * as Redact from "../src/Redact.js"
import * as Testing from "../src/Testing.js"

declare const spec: Estimator.Estimator
declare const context: Backend.PlanContext
declare const prepared: Plan.Prepared

describe("layers", () => {
  it("every backend layer provides Backend and needs only a FileSystem", () => {
    expectTypeOf(DryRun.layer).toEqualTypeOf<Layer.Layer<Backend.Backend, never, FileSystem.FileSystem>>()
    expectTypeOf(Local.layer).toEqualTypeOf<Layer.Layer<Backend.Backend, never, FileSystem.FileSystem>>()
    expectTypeOf(Docker.layer).toEqualTypeOf<Layer.Layer<Backend.Backend, never, FileSystem.FileSystem>>()
    expectTypeOf(AzureMl.layer).toEqualTypeOf<Layer.Layer<Backend.Backend, never, FileSystem.FileSystem>>()
    expectTypeOf(Testing.recording()).toEqualTypeOf<Effect.Effect<Testing.Recording>>()
    expectTypeOf<Testing.Recording["layer"]>().toEqualTypeOf<Layer.Layer<Backend.Backend>>()
  })
})

describe("accessors", () => {
  it("plan needs the Backend service and fails only with a PlanError", () => {
    expectTypeOf(Backend.plan(spec, context)).toEqualTypeOf<Effect.Effect<Plan.Plan, PlanError.PlanError, Backend.Backend>>()
    expectTypeOf(Backend.execute).returns.toEqualTypeOf<Effect.Effect<Backend.RunHandle, Backend.BackendError, Backend.Backend>>()
    // @ts-expect-error the context is required
    Backend.plan(spec)
    // @ts-expect-error a context names its base directory
    const missing: Backend.PlanContext = { workspace: { subscriptionId: "s", resourceGroup: "g", workspaceName: "w" } }
    void missing
  })

  it("each backend's plan has its own type", () => {
    expectTypeOf(Local.plan(spec, context)).toEqualTypeOf<Effect.Effect<Plan.LocalPlan, PlanError.PlanError, FileSystem.FileSystem>>()
    expectTypeOf(AzureMl.compile(prepared)).toEqualTypeOf<Either.Either<Plan.AzureMlPlan, PlanError.PlanError>>()
    expectTypeOf(Docker.compile).returns.toEqualTypeOf<Either.Either<Plan.DockerPlan, PlanError.PlanError>>()
    expectTypeOf(DryRun.compile).returns.toEqualTypeOf<Either.Either<Plan.DryRunPlan, PlanError.PlanError>>()
  })
})

describe("plans", () => {
  it("the envelope narrows by backend", () => {
    const envelope = Plan.toJson({} as Plan.Plan)
    if (envelope.backend === "azureml") expectTypeOf(envelope.requests).toEqualTypeOf<ReadonlyArray<Plan.HttpRequest>>()
    if (envelope.backend === "docker") expectTypeOf(envelope.image).toEqualTypeOf<Plan.DockerImage>()
    if (envelope.backend === "local") expectTypeOf(envelope.processes).toEqualTypeOf<ReadonlyArray<Plan.LocalProcess>>()
    expectTypeOf<Backend.Status>().toEqualTypeOf<
      "NotStarted" | "Queued" | "Preparing" | "Running" | "Finalizing" | "CancelRequested" | "Completed" | "Failed" | "Canceled" | "NotResponding"
    >()
  })

  it("Redact.json keeps the type of what it redacts", () => {
    expectTypeOf(Redact.json(Redact.empty, { a: 1 })).toEqualTypeOf<{ a: number }>()
  })
})
