import { Estimator, Validation } from "@estimator/core"
import { expect } from "vitest"
import * as LaunchPlan from "../../src/LaunchPlan.js"

export const base = Estimator.make({ entryScript: "train.py" })

export const mpi = (nodes: number, perNode: number): Estimator.Estimator => Estimator.withMpi(base, nodes, perNode)

export const pytorch = (nodes: number, perNode: number, backend: Estimator.PyTorchBackend = "nccl"): Estimator.Estimator =>
  Estimator.withPyTorchDistribution(base, { nodeCount: nodes, processCountPerNode: perNode, backend })

export const tensorflow = (workers: number, parameterServers: number, nodes: number): Estimator.Estimator =>
  Estimator.withNodes(Estimator.withTensorFlow(base, workers, parameterServers), nodes)

export const hosts = (count: number): ReadonlyArray<string> => Array.from({ length: count }, (_, i) => `node-${i}`)

/** The plan, failing the test with the formatted issues when planning fails. */
export const planned = (spec: Estimator.Estimator, options: LaunchPlan.LaunchOptions): LaunchPlan.LaunchPlan => {
  const result = LaunchPlan.plan(spec, options)
  if (result._tag === "Left") throw new Error(`expected a plan, got:\n${result.left.map(Validation.format).join("\n")}`)
  return result.right
}

/** The plan, narrowed to the expected distribution. */
export const plannedAs = <Tag extends LaunchPlan.LaunchPlan["_tag"]>(
  tag: Tag,
  spec: Estimator.Estimator,
  options: LaunchPlan.LaunchOptions
): Extract<LaunchPlan.LaunchPlan, { readonly _tag: Tag }> => {
  const plan = planned(spec, options)
  expect(plan._tag).toBe(tag)
  return plan as Extract<LaunchPlan.LaunchPlan, { readonly _tag: Tag }>
}

/** The issues of a failed plan, failing the test when planning succeeds. */
export const rejected = (spec: Estimator.Estimator, options: LaunchPlan.LaunchOptions): ReadonlyArray<Validation.Issue> => {
  const result = LaunchPlan.plan(spec, options)
  if (result._tag === "Right") throw new Error("expected issues, got a plan")
  return result.left
}

export const codes = (issues: ReadonlyArray<Validation.Issue>): ReadonlyArray<string> => issues.map((i) => i.code)

/** The value following `flag` in `argv`. */
export const flagValue = (argv: ReadonlyArray<string>, flag: string): string | undefined => {
  const index = argv.indexOf(flag)
  return index === -1 ? undefined : argv[index + 1]
}

/** How many times `needle` occurs as a contiguous run of items in `haystack`. */
export const occurrences = (haystack: ReadonlyArray<string>, needle: ReadonlyArray<string>): number => {
  let count = 0
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((item, j) => haystack[i + j] === item)) count++
  }
  return count
}
