import * as fc from "fast-check"

/** nodeCount 1..8 × processCountPerNode 1..8. */
export const layout = fc.record({ nodes: fc.integer({ min: 1, max: 8 }), perNode: fc.integer({ min: 1, max: 8 }) })

/** A TensorFlow job: workers, parameter servers and the nodes to spread them on. */
export const tensorFlowJob = fc.record({
  workers: fc.integer({ min: 1, max: 8 }),
  parameterServers: fc.integer({ min: 0, max: 4 }),
  nodes: fc.integer({ min: 1, max: 8 })
})

/** Distinct host names, `count` of them. */
export const distinctHosts = (count: number): fc.Arbitrary<ReadonlyArray<string>> =>
  fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), { minLength: count, maxLength: count })

/** Host names that may repeat (several nodes on one machine), `count` of them. */
export const maybeRepeatedHosts = (count: number): fc.Arbitrary<ReadonlyArray<string>> =>
  fc.array(fc.constantFrom("localhost", "a", "b"), { minLength: count, maxLength: count })

/** Arguments a shell would mangle: spaces, quotes, substitutions, newlines, globs, empty strings. */
const hostile = fc.constantFrom(
  "a b",
  "'single'",
  "\"double\"",
  "$(rm -rf /)",
  "`id`",
  "${HOME}",
  "line1\nline2",
  "; ls",
  "*",
  "",
  "--flag=1 2",
  "-np",
  "--master_port",
  "python3",
  "\\"
)

/** One script argument; NUL is excluded (no process argument can hold it, validation rejects it). */
export const scriptArgument: fc.Arbitrary<string> = fc.oneof(
  hostile,
  fc.string({ unit: "binary", maxLength: 12 }).filter((s) => !s.includes("\u0000"))
)

/** A script path that is not an option. */
export const scriptPath = fc.constantFrom("train.py", "src/train model.py", "dir/$(x).py", "./-odd.py")
