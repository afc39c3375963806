import * as fc from "fast-check"
import * as E from "fp-ts/lib/Either.js"
import { describe, expect, it } from "vitest"
import * as Requirements from "../src/Requirements.js"
import * as Arb from "./utils/arbitraries.js"

const parsed = (text: string): Requirements.Requirements => {
  const result = Requirements.parse(text)
  if (E.isLeft(result)) throw new Error(`unexpected issues: ${JSON.stringify(result.left)}`)
  return result.right
}

const issues = (text: string) => {
  const result = Requirements.parse(text)
  if (E.isRight(result)) throw new Error(`expected issues, got ${JSON.stringify(result.right)}`)
  return result.left
}

describe("Requirements.parse", () => {
  it("drops comments and blank lines, keeps requirements as written", () => {
    expect(parsed("# pinned for the lab\n\nnumpy>=1.24  # fast arrays\n   \nscipy\n")).toEqual([
      Requirements.requirement("numpy>=1.24"),
      Requirements.requirement("scipy")
    ])
  })

  it("keeps a # that is not preceded by whitespace (URL fragments)", () => {
    expect(parsed("https://example.org/p.zip#egg=p\n")).toEqual([Requirements.requirement("https://example.org/p.zip#egg=p")])
  })

  it("joins lines continued with a trailing backslash and reports the first line", () => {
    expect(parsed("torch==1.6.0 \\\n    --hash=sha256:abc\nnumpy\n")).toEqual([
      Requirements.requirement("torch==1.6.0     --hash=sha256:abc"),
      Requirements.requirement("numpy")
    ])
    const [issue] = issues("ok\nbad-option \\\n--x\n--nope\n")
    expect(issue?.line).toBe(4)
  })

  it("keeps options as options, long and short, with = or a space", () => {
    expect(parsed("-i http://127.0.0.1:8765/simple\n--extra-index-url=https://x.example/simple\n-r base.txt\n--pre\n-ehttps://git.example/p.git#egg=p\n")).toEqual([
      Requirements.option("-i", "http://127.0.0.1:8765/simple"),
      Requirements.option("--extra-index-url", "https://x.example/simple"),
      Requirements.option("-r", "base.txt"),
      Requirements.option("--pre"),
      Requirements.option("-e", "https://git.example/p.git#egg=p")
    ])
  })

  it("keeps environment markers, split at ';' (at ' ;' for URL requirements)", () => {
    expect(parsed("pywin32>=300; sys_platform == 'win32'\npkg @ https://x.example/pkg;v=1.whl ; python_version < \"3.10\"\n")).toEqual([
      Requirements.requirement("pywin32>=300", "sys_platform == 'win32'"),
      Requirements.requirement("pkg @ https://x.example/pkg;v=1.whl", "python_version < \"3.10\"")
    ])
  })

  it("accepts CRLF line endings", () => {
    expect(parsed("a\r\nb\r\n")).toEqual([Requirements.requirement("a"), Requirements.requirement("b")])
  })

  it("reports every malformed line with its line and column", () => {
    const found = issues("numpy\n  -r\n==1.0\n--pre now\n--frobnicate x\nok; \nscipy \\ \n")
    expect(found.map((i) => [i.line, i.column])).toEqual([[2, 3], [3, 1], [4, 1], [5, 1], [6, 3], [7, 7]])
    expect(found[0]?.message).toContain("-r needs a value")
    expect(found[1]?.message).toContain("not a requirement")
    expect(found[2]?.message).toContain("takes no value")
    expect(found[3]?.message).toContain("unknown option --frobnicate")
    expect(found[4]?.message).toContain("marker")
    expect(found[5]?.message).toContain("backslash followed by spaces")
  })
})

describe("Requirements.render", () => {
  it("writes one entry per line, each ending in a newline", () => {
    expect(Requirements.render([
      Requirements.option("--extra-index-url", "http://h/simple"),
      Requirements.requirement("numpy==1.24"),
      Requirements.requirement("pywin32", "sys_platform == 'win32'"),
      Requirements.requirement("p @ https://h/p.whl", "python_version < \"3\"")
    ])).toBe("--extra-index-url http://h/simple\nnumpy==1.24\npywin32; sys_platform == 'win32'\np @ https://h/p.whl ; python_version < \"3\"\n")
    expect(Requirements.render([])).toBe("")
  })

  it("parse(render(x)) equals x", () => {
    fc.assert(fc.property(Arb.requirements, (requirements) => {
      expect(Requirements.parse(Requirements.render(requirements))).toEqual(E.right(requirements))
    }))
  })

  it("whatever text parses, its rendering parses to the same entries", () => {
    const fragment = fc.oneof(
      fc.string(),
      fc.constantFrom("numpy>=1", "  # note", "-i http://h/simple", "--pre", "a; b", "x://y ; z", "a \\", "\\", "-r f.txt", "--index-url=u", "p # c")
    )
    fc.assert(fc.property(fc.array(fragment, { maxLength: 8 }).map((lines) => lines.join("\n")), (text) => {
      const first = Requirements.parse(text)
      if (E.isRight(first)) expect(Requirements.parse(Requirements.render(first.right))).toEqual(first)
    }), { numRuns: 500 })
  })
})

describe("Requirements accessors", () => {
  it("names the package a requirement installs, normalised as PEP 503", () => {
    expect(Requirements.packageName(Requirements.requirement("Azureml_Defaults[x]>=1"))).toBe("azureml-defaults")
    expect(Requirements.packageName(Requirements.requirement("pkg @ https://h/p.whl"))).toBe("pkg")
    expect(Requirements.packageName(Requirements.requirement("https://h/p.zip#egg=My.Pkg"))).toBe("my-pkg")
    expect(Requirements.packageName(Requirements.requirement("https://h/p.zip"))).toBeUndefined()
  })

  it("gives the long form of short options", () => {
    expect(["-i", "-f", "-r", "-c", "-e", "--pre"].map(Requirements.longName)).toEqual([
      "--index-url", "--find-links", "--requirement", "--constraint", "--editable", "--pre"
    ])
  })
})
