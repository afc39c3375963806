import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as wildmatch from "../src/internal/wildmatch.js"
import * as Snapshot from "../src/Snapshot.js"

const run = <A, E>(effect: Effect.Effect<A, E, import("@effect/platform").FileSystem.FileSystem>) =>
  Effect.runPromise(Effect.provide(effect, NodeFileSystem.layer))

const temporary = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `estimator-${prefix}-`))

const writeTree = (root: string, files: Record<string, string>) => {
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(root, relative)
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.writeFileSync(target, content)
  }
}

const paths = (report: Snapshot.Report) => report.files.map((file) => file.path)

// -------------------------------------------------------------------------------------
// git as the oracle
// -------------------------------------------------------------------------------------

/** The untracked, not ignored files of `tree` according to git, with only `tree/.gitignore` read. */
const gitIncluded = (tree: string, gitDirectory: string): ReadonlyArray<string> => {
  const output = execFileSync(
    "git",
    ["-c", "core.excludesFile=/dev/null", `--git-dir=${gitDirectory}`, `--work-tree=${tree}`, "ls-files", "--others", "--exclude-standard", "-z"],
    { cwd: tree, encoding: "utf8" }
  )
  return output.split("\0").filter((line) => line !== "").sort()
}

const gitCheckIgnore = (tree: string, gitDirectory: string, candidates: ReadonlyArray<string>): ReadonlySet<string> => {
  try {
    const output = execFileSync(
      "git",
      ["-c", "core.excludesFile=/dev/null", `--git-dir=${gitDirectory}`, `--work-tree=${tree}`, "check-ignore", "--no-index", "-z", "--stdin"],
      { cwd: tree, encoding: "utf8", input: candidates.join("\0") + "\0" }
    )
    return new Set(output.split("\0").filter((line) => line !== ""))
  } catch (error) {
    // exit 1: nothing is ignored
    if ((error as { status?: number }).status === 1) return new Set()
    throw error
  }
}

const TREE_FILES = [
  "ab.txt", "c.log", "#c", "!d", "q?", "star*name", "br[a]ck", "x y",
  "a/a", "a/b.txt", "a/c.log", "a/b/c.log", "a/b/d/e.txt", "a/b/d/f.log",
  "b/a", "b/a.txt", "build/out.bin", "build/keep.txt", "build/sub/x.o",
  "logs/today.log", "logs/keep/readme.md", "deep/x/y/z.py", "deep/x/y/a", "deep/b/a",
  "src/main.py", "src/__pycache__/main.cpython-311.pyc", "src/data/train.csv", "Doc/A.TXT"
]

/** A tree of TREE_FILES and an empty bare repository to ask git about it (one per test: tests run concurrently). */
const oracle = () => {
  const tree = temporary("oracle")
  const gitDirectory = temporary("oracle-git")
  execFileSync("git", ["init", "-q", "--bare", gitDirectory])
  fs.writeFileSync(path.join(gitDirectory, "info", "exclude"), "")
  writeTree(tree, Object.fromEntries(TREE_FILES.map((file) => [file, `${file}\n`])))
  return { tree, gitDirectory }
}

/** Excluded as git sees it: the path or one of its parent directories is excluded. */
const excludedWithParents = (patterns: ReadonlyArray<wildmatch.Pattern>, file: string): boolean => {
  const parts = file.split("/")
  for (let i = 1; i <= parts.length; i++) {
    if (wildmatch.isExcluded(patterns, parts.slice(0, i).join("/"), i < parts.length)) return true
  }
  return false
}

describe("wildmatch against git", () => {

  const segment = fc.constantFrom(
    "a", "b", "ab.txt", "*.log", "*", "**", "?", "[ab]", "[!a]", "[a-c]*", "build", "keep.txt", "d", "x", "y",
    "\\#c", "\\!d", "q\\?", "star\\*name", "br\\[a]ck", "*.txt", "A*", "[[:upper:]]*", "deep", "logs", "c*", "x\\ y", "__pycache__"
  )
  const pattern = fc.tuple(
    fc.boolean(), // negated
    fc.boolean(), // leading slash
    fc.array(segment, { minLength: 1, maxLength: 3 }),
    fc.boolean() // trailing slash
  ).map(([negated, leading, segments, trailing]) =>
    `${negated ? "!" : ""}${leading ? "/" : ""}${segments.join("/")}${trailing ? "/" : ""}`)

  it("the included files are exactly git's untracked, not ignored files", async () => {
    const { tree, gitDirectory } = oracle()
    await fc.assert(
      fc.asyncProperty(fc.array(pattern, { minLength: 1, maxLength: 6 }), async (patterns) => {
        fs.writeFileSync(path.join(tree, ".gitignore"), patterns.join("\n") + "\n")
        const expected = gitIncluded(tree, gitDirectory)
        const report = await run(Snapshot.preflight(tree))
        expect({ patterns, files: [...paths(report)].sort() }).toEqual({ patterns, files: expected })
      }),
      { numRuns: 150 }
    )
  })

  it("each path is excluded exactly when git check-ignore --no-index says so", async () => {
    const { tree, gitDirectory } = oracle()
    await fc.assert(
      fc.asyncProperty(fc.array(pattern, { minLength: 1, maxLength: 4 }), async (patterns) => {
        fs.writeFileSync(path.join(tree, ".gitignore"), patterns.join("\n") + "\n")
        const parsed = wildmatch.parse(patterns.join("\n"), ".gitignore")
        const ignored = gitCheckIgnore(tree, gitDirectory, TREE_FILES)
        for (const file of TREE_FILES) {
          expect({ patterns, file, ignored: excludedWithParents(parsed, file) }).toEqual({ patterns, file, ignored: ignored.has(file) })
        }
      }),
      { numRuns: 100 }
    )
  })

  it("ignore-file syntax like git: comments, CRLF, BOM, trailing spaces, escapes, negation order", () => {
    const { tree, gitDirectory } = oracle()
    const files: ReadonlyArray<string> = [
      "\uFEFF*.log\r\n!a/c.log\r\n",
      "#c\n\\#c\n",
      "\\!d\n!\\!d\n",
      "x\\ y   \n",
      "ab.txt \n",
      "ab.txt\\ \n",
      "build/\n!build/keep.txt\n",
      "build/**\n!build/keep.txt\n",
      "/logs/*\n!/logs/keep/\n",
      "**/a\n",
      "a/**/*.log\n",
      "deep/**/a\n!deep/x/**\n",
      "*\n!*/\n!*.py\n",
      "[\n",
      "src/\n!src/main.py\n",
      "/*.txt\n**/Doc\n",
      "   \n\t\n!\n/\n"
    ]
    for (const text of files) {
      fs.writeFileSync(path.join(tree, ".gitignore"), text)
      const expected = gitIncluded(tree, gitDirectory)
      const parsed = wildmatch.parse(text.replace(/^\uFEFF/, ""), ".gitignore")
      const included = TREE_FILES.concat(".gitignore").filter((file) => !excludedWithParents(parsed, file)).sort()
      expect({ text, included }).toEqual({ text, included: expected })
    }
  })

  it("a table of git's own wildmatch cases (t3070)", () => {
    const cases: ReadonlyArray<readonly [pattern: string, text: string, match: boolean]> = [
      ["foo", "foo", true],
      ["bar", "foo", false],
      ["???", "foo", true],
      ["??", "foo", false],
      ["*", "foo", true],
      ["f*", "foo", true],
      ["*f", "foo", false],
      ["*foo*", "foo", true],
      ["*ob*a*r*", "foobar", true],
      ["*ab", "aaaaaaabababab", true],
      ["foo\\*", "foo*", true],
      ["foo\\*bar", "foobar", false],
      ["f\\\\oo", "f\\oo", true],
      ["*[al]?", "ball", true],
      ["[ten]", "ten", false],
      ["**[!te]", "ten", true],
      ["**[!ten]", "ten", false],
      ["t[a-g]n", "ten", true],
      ["t[!a-g]n", "ten", false],
      ["t[!a-g]n", "ton", true],
      ["t[^a-g]n", "ton", true],
      ["a[]]b", "a]b", true],
      ["a[]-]b", "a-b", true],
      ["a[]-]b", "a]b", true],
      ["a[]-]b", "aab", false],
      ["a[]a-]b", "aab", true],
      ["]", "]", true],
      ["foo*bar", "foo/baz/bar", false],
      ["foo**bar", "foo/baz/bar", false],
      ["foo**bar", "foobazbar", true],
      ["foo/**/bar", "foo/baz/bar", true],
      ["foo/**/**/bar", "foo/baz/bar", true],
      ["foo/**/bar", "foo/b/a/z/bar", true],
      ["foo/**/**/bar", "foo/b/a/z/bar", true],
      ["foo/**/bar", "foo/bar", true],
      ["foo/**/**/bar", "foo/bar", true],
      ["foo?bar", "foo/bar", false],
      ["foo[/]bar", "foo/bar", false],
      ["foo[^a-z]bar", "foo/bar", false],
      ["f[^eiu][^eiu][^eiu][^eiu][^eiu]r", "foo/bar", false],
      ["f[^eiu][^eiu][^eiu][^eiu][^eiu]r", "foo-bar", true],
      ["**/foo", "foo", true],
      ["**/foo", "XXX/foo", true],
      ["**/foo", "bar/baz/foo", true],
      ["*/foo", "bar/baz/foo", false],
      ["**/bar*", "foo/bar/baz", false],
      ["**/bar/*", "deep/foo/bar/baz", true],
      ["**/bar/*", "deep/foo/bar/baz/", false],
      ["**/bar/**", "deep/foo/bar/baz/", true],
      ["**/bar/*", "deep/foo/bar", false],
      ["**/bar/**", "deep/foo/bar/", true],
      ["**/bar**", "foo/bar/baz", false],
      ["*/bar/**", "foo/bar/baz/x", true],
      ["*/bar/**", "deep/foo/bar/baz/x", false],
      ["**/bar/*/*", "deep/foo/bar/baz/x", true],
      ["a[c-c]st", "acrt", false],
      ["a[c-c]rt", "acrt", true],
      ["[!]-]", "]", false],
      ["[!]-]", "a", true],
      ["\\", "", false],
      ["\\", "\\", false],
      ["*/\\", "XXX/\\", false],
      ["*/\\\\", "XXX/\\", true],
      ["foo", "foo", true],
      ["@foo", "@foo", true],
      ["@foo", "foo", false],
      ["\\[ab]", "[ab]", true],
      ["[[]ab]", "[ab]", true],
      ["[[:]ab]", "[ab]", true],
      ["[[::]ab]", "[ab]", false],
      ["[[:digit]ab]", "[ab]", true],
      ["[\\[:]ab]", "[ab]", true],
      ["\\??\\?b", "?a?b", true],
      ["\\a\\b\\c", "abc", true],
      ["", "foo", false],
      ["**/t[o]", "foo/bar/baz/to", true],
      ["[[:alpha:]][[:digit:]][[:upper:]]", "a1B", true],
      ["[[:digit:][:upper:][:space:]]", "a", false],
      ["[[:digit:][:upper:][:space:]]", "A", true],
      ["[[:digit:][:upper:][:space:]]", "1", true],
      ["[[:digit:][:upper:][:spaci:]]", "1", false],
      ["[[:space:]]", " ", true],
      ["[[:xdigit:]]", "5", true],
      ["[[:xdigit:]]", "f", true],
      ["[[:xdigit:]]", "D", true],
      ["[a-c[:digit:]x-z]", "5", true],
      ["[a-c[:digit:]x-z]", "b", true],
      ["[a-c[:digit:]x-z]", "y", true],
      ["[a-c[:digit:]x-z]", "q", false],
      ["[\\\\-^]", "]", true],
      ["[\\\\-^]", "[", false],
      ["[\\-_]", "-", true],
      ["[\\]]", "]", true],
      ["[\\]]", "\\]", false],
      ["[\\]]", "\\", false],
      ["a[]b", "ab", false],
      ["a[]b", "a[]b", false],
      ["ab[", "ab[", false],
      ["[!", "ab", false],
      ["[-", "ab", false],
      ["[-]", "-", true],
      ["[a-", "-", false],
      ["[!a-", "-", false],
      ["[--A]", "-", true],
      ["[--A]", "5", true],
      ["[ --]", " ", true],
      ["[ --]", "$", true],
      ["[ --]", "-", true],
      ["[ --]", "0", false],
      ["[---]", "-", true],
      ["[------]", "-", true],
      ["[a-e-n]", "j", false],
      ["[a-e-n]", "-", true],
      ["[!------]", "a", true],
      ["[]-a]", "[", false],
      ["[]-a]", "^", true],
      ["[!]-a]", "^", false],
      ["[!]-a]", "[", true],
      ["[a^bc]", "^", true],
      ["[a-]b]", "-b]", true],
      ["[\\]", "\\", false],
      ["[\\\\]", "\\", true],
      ["[!\\\\]", "\\", false],
      ["[A-\\\\]", "G", true],
      ["b*a", "aaabbb", false],
      ["*ba*", "aabcaa", false],
      ["[,]", ",", true],
      ["[\\\\,]", ",", true],
      ["[\\\\,]", "\\", true],
      ["[,-.]", "-", true],
      ["[,-.]", "+", false],
      ["[,-.]", "-.]", false],
      ["[\\1-\\3]", "2", true],
      ["[\\1-\\3]", "3", true],
      ["[\\1-\\3]", "4", false],
      ["[[-\\]]", "\\", true],
      ["[[-\\]]", "[", true],
      ["[[-\\]]", "]", true],
      ["[[-\\]]", "-", false],
      ["-*-*-*-*-*-*-12-*-*-*-m-*-*-*", "-adobe-courier-bold-o-normal--12-120-75-75-m-70-iso8859-1", true],
      ["-*-*-*-*-*-*-12-*-*-*-m-*-*-*", "-adobe-courier-bold-o-normal--12-120-75-75-X-70-iso8859-1", false],
      ["-*-*-*-*-*-*-12-*-*-*-m-*-*-*", "-adobe-courier-bold-o-normal--12-120-75-75-/-70-iso8859-1", false],
      ["XXX/*/*/*/*/*/*/12/*/*/*/m/*/*/*", "XXX/adobe/courier/bold/o/normal//12/120/75/75/m/70/iso8859/1", true],
      ["XXX/*/*/*/*/*/*/12/*/*/*/m/*/*/*", "XXX/adobe/courier/bold/o/normal//12/120/75/75/X/70/iso8859/1", false],
      ["**/*a*b*g*n*t", "abcd/abcdefg/abcdefghijk/abcdefghijklmnop.txt", true],
      ["**/*a*b*g*n*t", "abcd/abcdefg/abcdefghijk/abcdefghijklmnop.txtz", false],
      ["*/*/*", "foo", false],
      ["*/*/*", "foo/bar", false],
      ["*/*/*", "foo/bba/arr", true],
      ["*/*/*", "foo/bb/aa/rr", false],
      ["**/**/**", "foo/bb/aa/rr", true],
      ["*X*i", "abcXdefXghi", true],
      ["*X*i", "ab/cXd/efXg/hi", false],
      ["*/*X*/*/*i", "ab/cXd/efXg/hi", true],
      ["**/*X*/**/*i", "ab/cXd/efXg/hi", true]
    ]
    for (const [p, text, match] of cases) {
      expect({ p, text, match: wildmatch.wildmatch(p, text, { pathname: true }) }).toEqual({ p, text, match })
    }
  })
})

// -------------------------------------------------------------------------------------
// ignore files
// -------------------------------------------------------------------------------------

describe("Snapshot.preflight: ignore files", () => {
  it("uses .amlignore when present, and then .gitignore is not read at all", async () => {
    const root = temporary("aml")
    writeTree(root, { ".amlignore": "*.csv\n", ".gitignore": "*.py\n", "train.py": "x", "data.csv": "1,2", "notes.md": "n" })
    const report = await run(Snapshot.preflight(root))
    expect(report.ignoreFile).toBe(".amlignore")
    expect(paths(report)).toEqual([".amlignore", ".gitignore", "notes.md", "train.py"])
    expect(report.excluded).toEqual([{ path: "data.csv", kind: "file", rule: "*.csv", source: ".amlignore:1" }])
  })

  it("falls back to .gitignore, reads only the root one, and says which line excluded what", async () => {
    const root = temporary("git")
    writeTree(root, {
      ".gitignore": "# comment\n\n*.log\n/build/\n!keep.log\n",
      "a.log": "1",
      "keep.log": "2",
      "build/x.o": "3",
      "sub/build/y.o": "4",
      "sub/.gitignore": "*.py\n",
      "sub/m.py": "5"
    })
    const report = await run(Snapshot.preflight(root))
    expect(report.ignoreFile).toBe(".gitignore")
    expect(paths(report)).toEqual([".gitignore", "keep.log", "sub/.gitignore", "sub/build/y.o", "sub/m.py"])
    expect(report.excluded).toEqual([
      { path: "a.log", kind: "file", rule: "*.log", source: ".gitignore:3" },
      { path: "build", kind: "directory", rule: "/build/", source: ".gitignore:4" }
    ])
  })

  it("without an ignore file nothing is excluded but the run store", async () => {
    const root = temporary("none")
    writeTree(root, { "a.py": "a", ".estimator/runs/r1/run.json": "{}", "deep/.estimator/x": "kept: only the root one is the store" })
    const report = await run(Snapshot.preflight(root))
    expect(report.ignoreFile).toBeNull()
    expect(paths(report)).toEqual(["a.py", "deep/.estimator/x"])
    expect(report.excluded.map((e) => [e.path, e.source])).toEqual([[".estimator", "built-in"]])
  })
})

// -------------------------------------------------------------------------------------
// symlinks
// -------------------------------------------------------------------------------------

describe("Snapshot: symbolic links", () => {
  it("a link out of the source directory is never followed; a link inside is copied as its target's content", async () => {
    const base = temporary("links")
    const root = path.join(base, "src")
    writeTree(base, { "outside/secret.txt": "OUTSIDE-CONTENT", "src/train.py": "print(1)\n", "src/data/real.csv": "1,2\n" })
    fs.symlinkSync("/etc/passwd", path.join(root, "passwd"))
    fs.symlinkSync("../outside", path.join(root, "out-dir"))
    fs.symlinkSync("../outside/secret.txt", path.join(root, "out-file"))
    fs.symlinkSync("data/real.csv", path.join(root, "in-file"))
    fs.symlinkSync("data", path.join(root, "in-dir"))
    fs.symlinkSync(".", path.join(root, "self"))
    fs.symlinkSync("missing", path.join(root, "dangling"))

    const destination = path.join(base, "copy")
    const report = await run(Snapshot.copy(root, destination))
    expect(paths(report)).toEqual(["data/real.csv", "in-dir/real.csv", "in-file", "train.py"])
    expect(report.files.find((file) => file.path === "in-file")?.target).toBe("data/real.csv")
    const rules = Object.fromEntries(report.excluded.map((e) => [e.path, e.rule]))
    expect(rules).toEqual({
      passwd: Snapshot.SYMLINK_OUTSIDE,
      "out-dir": Snapshot.SYMLINK_OUTSIDE,
      "out-file": Snapshot.SYMLINK_OUTSIDE,
      self: "symlink to a directory that contains it (a cycle)",
      dangling: "symlink whose target does not exist"
    })

    // What was copied: regular files only, no link, nothing from outside.
    const copied: Array<string> = []
    const visit = (directory: string, prefix: string) => {
      for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
        const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`
        expect(entry.isSymbolicLink()).toBe(false)
        if (entry.isDirectory()) visit(path.join(directory, entry.name), relative)
        else copied.push(relative)
      }
    }
    visit(destination, "")
    expect(copied.sort()).toEqual(["data/real.csv", "in-dir/real.csv", "in-file", "train.py"])
    expect(fs.readFileSync(path.join(destination, "in-file"), "utf8")).toBe("1,2\n")
    const everything = copied.map((file) => fs.readFileSync(path.join(destination, file), "utf8")).join("")
    expect(everything).not.toContain("OUTSIDE-CONTENT")
    expect(everything).not.toContain("root:")
  })

  it("a source directory reached through a link is walked at its real path", async () => {
    const base = temporary("linked-root")
    writeTree(base, { "real/a.py": "a" })
    fs.symlinkSync("real", path.join(base, "alias"))
    const report = await run(Snapshot.preflight(path.join(base, "alias")))
    expect(report.files).toEqual([{ path: "a.py", bytes: 1 }])
  })
})

// -------------------------------------------------------------------------------------
// sizes, limits, copy
// -------------------------------------------------------------------------------------

describe("Snapshot: sizes and limits", () => {
  it("counts files and bytes and lists the largest first", async () => {
    const root = temporary("sizes")
    const files: Record<string, string> = {}
    for (let i = 0; i < 12; i++) files[`f${String(i).padStart(2, "0")}.bin`] = "x".repeat(i * 10)
    writeTree(root, files)
    const report = await run(Snapshot.preflight(root))
    expect(report.fileCount).toBe(12)
    expect(report.bytes).toBe(Array.from({ length: 12 }, (_, i) => i * 10).reduce((a, b) => a + b, 0))
    expect(report.largest.map((f) => f.path)).toEqual(["f11.bin", "f10.bin", "f09.bin", "f08.bin", "f07.bin", "f06.bin", "f05.bin", "f04.bin", "f03.bin", "f02.bin"])
    expect(report.warnings).toEqual([])
  })

  it("warns at the limits with their codes (limits injected small)", async () => {
    const root = temporary("limits")
    writeTree(root, { "a.bin": "x".repeat(600), "b.bin": "y".repeat(500), "c.txt": "z" })
    const at = (files: number, bytes: number) => run(Snapshot.preflight(root, { limits: { files, bytes } }))
    expect((await at(3, 1101)).warnings).toEqual([])
    expect((await at(2, 1101)).warnings.map((w) => w.code)).toEqual(["snapshot-too-many-files"])
    const large = await at(3, 1100)
    expect(large.warnings.map((w) => w.code)).toEqual(["snapshot-too-large"])
    expect(large.warnings[0]?.message).toContain("a.bin")
    expect(large.warnings[0]?.severity).toBe("warning")
    expect(Snapshot.limits).toEqual({ files: 2000, bytes: 314_572_800 })
  })

  it("copy refuses a non-empty destination and leaves a destination inside the source out", async () => {
    const root = temporary("copy")
    writeTree(root, { "a.py": "a", "sub/b.py": "b", "empty/.keep": "" })
    fs.mkdirSync(path.join(root, "somewhere"))
    const inside = path.join(root, "somewhere", "snap")
    const report = await run(Snapshot.copy(root, inside))
    expect(paths(report)).toEqual(["a.py", "empty/.keep", "sub/b.py"])
    expect(fs.readFileSync(path.join(inside, "sub", "b.py"), "utf8")).toBe("b")
    expect(report.excluded).toEqual([{ path: "somewhere/snap", kind: "directory", rule: "the snapshot's destination", source: "built-in" }])
    const again = await Effect.runPromise(Effect.either(Effect.provide(Snapshot.copy(root, inside), NodeFileSystem.layer)))
    expect(again._tag).toBe("Left")
  })

  it("keeps the executable bit", async () => {
    const root = temporary("mode")
    writeTree(root, { "run.sh": "#!/bin/sh\n" })
    fs.chmodSync(path.join(root, "run.sh"), 0o755)
    const destination = path.join(temporary("mode-out"), "s")
    await run(Snapshot.copy(root, destination))
    expect(fs.statSync(path.join(destination, "run.sh")).mode & 0o777).toBe(0o755)
  })
})

describe("Snapshot.contentHash", () => {
  it("is Azure ML's 202208 hash: count, #path#size in lower-cased path order, then contents", async () => {
    const root = temporary("hash")
    writeTree(root, { "b.txt": "bb", "A.txt": "a", "sub/c.txt": "ccc" })
    const report = await run(Snapshot.preflight(root))
    // Computed independently: sorted by lower-cased path: A.txt, b.txt, sub/c.txt
    const expected = createHash("sha256").update("3").update("#A.txt#1").update("#b.txt#2").update("#sub/c.txt#3").update("a").update("bb").update("ccc").digest("hex")
    expect(await run(Snapshot.contentHash(report))).toBe(expected)
  })

  it("changes with a file's content or name and not with anything excluded", async () => {
    const root = temporary("hash2")
    writeTree(root, { ".amlignore": "*.log\n", "a.py": "1", "x.log": "one" })
    const first = await run(Effect.flatMap(Snapshot.preflight(root), Snapshot.contentHash))
    fs.writeFileSync(path.join(root, "x.log"), "two")
    expect(await run(Effect.flatMap(Snapshot.preflight(root), Snapshot.contentHash))).toBe(first)
    fs.writeFileSync(path.join(root, "a.py"), "2")
    const second = await run(Effect.flatMap(Snapshot.preflight(root), Snapshot.contentHash))
    expect(second).not.toBe(first)
    fs.renameSync(path.join(root, "a.py"), path.join(root, "b.py"))
    expect(await run(Effect.flatMap(Snapshot.preflight(root), Snapshot.contentHash))).not.toBe(second)
  })

  it("fails with SnapshotError for a missing source directory", async () => {
    const result = await Effect.runPromise(Effect.either(Effect.provide(Snapshot.preflight("/nonexistent/estimator-src"), NodeFileSystem.layer)))
    expect(result._tag === "Left" && result.left._tag).toBe("SnapshotError")
  })
})
