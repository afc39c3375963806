import { Estimator } from "@estimator/core"
import { spawnSync } from "node:child_process"
import * as fc from "fast-check"
import { pipe } from "fp-ts/lib/function.js"
import { describe, expect, it } from "vitest"
import * as Render from "../src/Render.js"

const stripAnsi = (text: string): string => text.replace(/\u001b\[\d+m/g, "")

describe("Render.shellQuote", () => {
  it("a POSIX shell reads every quoted word back as the original word", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }).filter((w) => !w.includes("\u0000")), { minLength: 1, maxLength: 4 }), (words) => {
        const script = `printf '%s\\0' ${words.map(Render.shellQuote).join(" ")}`
        const result = spawnSync("sh", ["-c", script], { encoding: "utf8" })
        expect(result.stdout.split("\u0000").slice(0, -1)).toEqual(words)
      }),
      { numRuns: 60 }
    )
  })

  it("leaves plain words bare", () => {
    expect(Render.shellQuote("--epochs")).toBe("--epochs")
    expect(Render.shellQuote("a b")).toBe("'a b'")
    expect(Render.shellQuote("")).toBe("''")
  })
})

describe("Render.style", () => {
  it("without colour is the identity; with colour, removing the ANSI codes gives the text back", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const plain = Render.style(false)
        const coloured = Render.style(true)
        for (const key of ["bold", "dim", "red", "yellow", "green", "cyan"] as const) {
          expect(plain[key](text)).toBe(text)
          expect(coloured[key](text)).not.toBe(text)
          expect(stripAnsi(coloured[key](text))).toBe(text)
        }
      })
    )
  })
})

interface Node {
  readonly label: string
  readonly children?: ReadonlyArray<Node>
}
const treeOfDepth = (depth: number): fc.Arbitrary<Node> =>
  fc.record({
    label: fc.stringMatching(/^[a-z]{1,6}$/),
    children: depth === 0 ? fc.constant([]) : fc.array(treeOfDepth(depth - 1), { maxLength: 3 })
  })
const nodeArbitrary = treeOfDepth(4)
const countNodes = (node: Node): number => 1 + (node.children ?? []).reduce((n, child) => n + countNodes(child), 0)

describe("Render.tree", () => {
  it("draws one line per node, children below their parent with box-drawing prefixes", () => {
    fc.assert(
      fc.property(nodeArbitrary, (root) => {
        const lines = Render.tree(root).trimEnd().split("\n")
        expect(lines).toHaveLength(countNodes(root))
        expect(lines[0]).toBe(root.label)
        for (const line of lines.slice(1)) expect(line).toMatch(/^(?:[│ ] {2})*[├└]─ [a-z]+$/)
      })
    )
  })

  it("the last child uses └─ and its descendants are indented with spaces", () => {
    expect(Render.tree({ label: "r", children: [{ label: "a", children: [{ label: "x" }] }, { label: "b", children: [{ label: "y" }] }] }))
      .toBe("r\n├─ a\n│  └─ x\n└─ b\n   └─ y\n")
  })
})

const spec = pipe(
  Estimator.make({ entryScript: "train.py", sourceDirectory: "src" }),
  Estimator.withArgs("--epochs", 10, "--name", "a b"),
  Estimator.withCompute(Estimator.cluster("gpu-cluster")),
  Estimator.withGpu,
  Estimator.withMpi(2, 4),
  Estimator.withImage("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04")
)

describe("Render.plan", () => {
  it("azureml: what runs, where, the image of the environment request, and every request", () => {
    const envelope = {
      backend: "azureml",
      warnings: [{ path: "compute", code: "some-code", message: "a warning", severity: "warning" }],
      requests: [
        { method: "PUT", path: "/subscriptions/{subscriptionId}/codes/x", apiVersion: "2024-04-01", body: {} },
        { method: "PUT", path: "/subscriptions/{subscriptionId}/environments/e", apiVersion: "2024-04-01", body: { properties: { image: "the/image:1" } } },
        { method: "PUT", path: "/subscriptions/{subscriptionId}/jobs/j", apiVersion: "2024-04-01", body: {} }
      ]
    }
    const text = Render.plan(spec, envelope)
    expect(text.split("\n")).toEqual([
      "plan  azureml  (3 requests)",
      "├─ runs     python train.py --epochs 10 --name 'a b'",
      "├─ on       cluster gpu-cluster · 2 nodes × 4 processes (Mpi) · GPU",
      "├─ image    the/image:1",
      "├─ warnings (1)",
      "│  └─ compute [some-code]: a warning",
      "└─ requests",
      "   ├─ PUT /subscriptions/{subscriptionId}/codes/x",
      "   ├─ PUT /subscriptions/{subscriptionId}/environments/e",
      "   └─ PUT /subscriptions/{subscriptionId}/jobs/j",
      ""
    ])
  })

  it("docker: the image tag and whether it is built", () => {
    const envelope = {
      backend: "docker",
      warnings: [],
      image: { tag: "estimator/env:abc", build: false, dockerfile: "FROM x" },
      containers: [{ name: "c1", create: { Image: "estimator/env:abc", Cmd: ["python3", "train.py", "a b"] } }]
    }
    const text = Render.plan(spec, envelope)
    expect(text).toContain("├─ on       this machine (Docker container) · 2 nodes × 4 processes (Mpi) · GPU")
    expect(text).toContain("├─ image    estimator/env:abc (cached, no build)")
    expect(text).toContain("   └─ c1\n      image estimator/env:abc\n      runs python3 train.py 'a b'")
    expect(text.split("\n")[0]).toBe("plan  docker  (1 container)")
  })

  it("shows input and output references as ${{...}}", () => {
    const withRefs = Estimator.make({ entryScript: "t.py", arguments: [{ _tag: "InputRef", name: "data" }, true] })
    expect(Render.runs(withRefs)).toBe("python t.py ${{inputs.data}} True")
    expect(Render.runs(Estimator.make({ command: "ls -la | wc -l" }))).toBe("ls -la | wc -l")
  })
})

describe("Render.validation and decodeIssue", () => {
  it("counts errors and warnings and lists errors first", () => {
    const text = Render.validation("job.ts", [
      { path: "a", code: "w", message: "warn", severity: "warning" },
      { path: "b", code: "e", message: "err", hint: "do x", severity: "error" }
    ])
    const lines = text.split("\n")
    expect(lines[0]).toBe("✗ job.ts is invalid: 1 error, 1 warning")
    expect(lines[1]).toMatch(/^ {2}error\s+b\s+\[e\]$/)
    expect(lines[3]).toBe("          fix: do x")
    expect(lines[4]).toMatch(/^ {2}warning a\s+\[w\]$/)
  })

  it("gives decode errors a code from what went wrong", () => {
    expect(Render.decodeIssue({ path: "gpu", message: "missing required field \"gpu\" (boolean)" }).code).toBe("missing-field")
    expect(Render.decodeIssue({ path: "x", message: "unknown field \"x\" in Estimator; known fields: a" }).code).toBe("unknown-field")
    expect(Render.decodeIssue({ path: "nodeCount", message: "expected a finite number, got \"2\"" })).toEqual(
      expect.objectContaining({ code: "wrong-type", severity: "error", hint: expect.stringContaining("nodeCount") })
    )
  })
})
