import type { Validation } from "@estimator/core"
import type * as FpEither from "fp-ts/lib/Either.js"
import { describe, expectTypeOf, it } from "vitest"
import * as LaunchPlan from "../src/LaunchPlan.js"
import type * as RankLayout from "../src/RankLayout.js"
import type * as TensorFlow from "../src/TensorFlow.js"
import { base } from "./utils/plans.js"

const options: LaunchPlan.LaunchOptions = { nodeHosts: ["h"], scriptArgv: ["train.py"] }

describe("LaunchPlan types", () => {
  it("plan returns an fp-ts-compatible Either of issues or a plan", () => {
    const result = LaunchPlan.plan(base, options)
    expectTypeOf(result).toEqualTypeOf<LaunchPlan.PlanResult>()
    expectTypeOf(result).toExtend<FpEither.Either<ReadonlyArray<Validation.Issue>, LaunchPlan.LaunchPlan>>()
    if (result._tag === "Left") expectTypeOf(result.left).toEqualTypeOf<ReadonlyArray<Validation.Issue>>()
    else expectTypeOf(result.right).toEqualTypeOf<LaunchPlan.LaunchPlan>()
  })

  it("validate returns core's issues", () => {
    expectTypeOf(LaunchPlan.validate).returns.toEqualTypeOf<ReadonlyArray<Validation.Issue>>()
  })

  it("narrowing on _tag exposes each distribution's fields", () => {
    const plan = {} as LaunchPlan.LaunchPlan
    switch (plan._tag) {
      case "None":
        expectTypeOf(plan.ranks).toEqualTypeOf<ReadonlyArray<LaunchPlan.RankProcess>>()
        break
      case "Mpi":
        expectTypeOf(plan.launcher).toEqualTypeOf<LaunchPlan.Process>()
        expectTypeOf(plan.placement).toEqualTypeOf<ReadonlyArray<LaunchPlan.RankPlacement>>()
        // @ts-expect-error MPI ranks are started by mpirun: there is no per-rank expansion
        void plan.ranks
        break
      case "PyTorch":
        expectTypeOf(plan.backend).toEqualTypeOf<"nccl" | "gloo">()
        expectTypeOf(plan.ranks[0]).toEqualTypeOf<LaunchPlan.RankProcess | undefined>()
        break
      case "TensorFlow":
        expectTypeOf(plan.cluster).toEqualTypeOf<TensorFlow.Cluster>()
        expectTypeOf(plan.ranks).toEqualTypeOf<ReadonlyArray<LaunchPlan.TaskProcess>>()
        break
    }
    expectTypeOf(plan.nodes).toEqualTypeOf<ReadonlyArray<LaunchPlan.NodeProcesses>>()
    expectTypeOf(plan.worldSize).toEqualTypeOf<number>()
  })

  it("processes are read-only argv arrays and string environments", () => {
    expectTypeOf<LaunchPlan.Process["argv"]>().toEqualTypeOf<ReadonlyArray<string>>()
    expectTypeOf<LaunchPlan.Process["env"]>().toEqualTypeOf<LaunchPlan.Environment>()
    expectTypeOf<LaunchPlan.RankProcess["rank"]>().toEqualTypeOf<RankLayout.RankLayout>()
    const process = {} as LaunchPlan.Process
    // @ts-expect-error argv is read-only
    process.argv.push("x")
  })

  it("options need hosts and an argv array, never a command string", () => {
    // @ts-expect-error nodeHosts is required
    LaunchPlan.plan(base, { scriptArgv: ["train.py"] })
    // @ts-expect-error scriptArgv is required
    LaunchPlan.plan(base, { nodeHosts: ["h"] })
    // @ts-expect-error scriptArgv is a list of arguments, not a shell string
    LaunchPlan.plan(base, { nodeHosts: ["h"], scriptArgv: "train.py --lr 0.1" })
    // @ts-expect-error ports are numbers
    LaunchPlan.plan(base, { nodeHosts: ["h"], scriptArgv: ["train.py"], masterPort: "29500" })
    // @ts-expect-error exactOptionalPropertyTypes: an absent option is left out, not undefined
    LaunchPlan.plan(base, { nodeHosts: ["h"], scriptArgv: ["train.py"], python: undefined })
    // @ts-expect-error unknown options are rejected
    LaunchPlan.plan(base, { nodeHosts: ["h"], scriptArgv: ["train.py"], hostfile: "/tmp/h" })
  })

  it("rankEnvironment needs only the addressing options", () => {
    expectTypeOf(LaunchPlan.rankEnvironment).parameter(2).toEqualTypeOf<LaunchPlan.RankEnvironmentOptions>()
    expectTypeOf(LaunchPlan.rankEnvironment).returns.toEqualTypeOf<LaunchPlan.Environment>()
  })
})
