import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as TensorFlow from "../src/TensorFlow.js"

describe("tasks", () => {
  it("lists workers first, then parameter servers", () => {
    expect(TensorFlow.tasks(2, 1)).toEqual([{ type: "worker", index: 0 }, { type: "worker", index: 1 }, { type: "ps", index: 0 }])
  })
})

describe("place", () => {
  it("deals tasks round-robin and counts ports per host", () => {
    const placements = TensorFlow.place({ workerCount: 3, parameterServerCount: 2, nodeHosts: ["a", "b"], basePort: 9000 })
    expect(placements.map((p) => [p.task.type, p.task.index, p.address])).toEqual([
      ["worker", 0, "a:9000"],
      ["worker", 1, "b:9000"],
      ["worker", 2, "a:9001"],
      ["ps", 0, "b:9001"],
      ["ps", 1, "a:9002"]
    ])
    expect(TensorFlow.cluster(placements)).toEqual({ worker: ["a:9000", "b:9000", "a:9001"], ps: ["b:9001", "a:9002"] })
  })

  it("never gives two tasks the same host:port, even on repeated hosts", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 0, max: 4 }),
      fc.array(fc.constantFrom("x", "y"), { minLength: 1, maxLength: 6 }),
      (workerCount, parameterServerCount, nodeHosts) => {
        const addresses = TensorFlow.place({ workerCount, parameterServerCount, nodeHosts, basePort: TensorFlow.DEFAULT_PORT }).map((p) => p.address)
        expect(new Set(addresses).size).toBe(workerCount + parameterServerCount)
      }
    ))
  })
})

describe("tfConfig", () => {
  it("writes the cluster then the task, in TensorFlow's key names", () => {
    expect(TensorFlow.tfConfig({ worker: ["n0:2222", "n1:2222"], ps: ["n0:2223"] }, { type: "ps", index: 0 }))
      .toBe('{"cluster":{"worker":["n0:2222","n1:2222"],"ps":["n0:2223"]},"task":{"type":"ps","index":0}}')
  })

  it("parses back to its inputs", () => {
    const address = fc.tuple(fc.stringMatching(/^[a-z0-9.-]{1,10}$/), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`)
    fc.assert(fc.property(
      fc.array(address, { minLength: 1, maxLength: 5 }),
      fc.array(address, { maxLength: 3 }),
      fc.constantFrom<TensorFlow.TaskType>("worker", "ps"),
      fc.nat(4),
      (worker, ps, type, index) => {
        const cluster: TensorFlow.Cluster = ps.length === 0 ? { worker } : { worker, ps }
        expect(JSON.parse(TensorFlow.tfConfig(cluster, { type, index }))).toEqual({ cluster, task: { type, index } })
      }
    ))
  })
})
