/**
 * Git's ignore-file semantics: the line syntax of `.gitignore` (comments, `\#`, `\!`, trailing
 * spaces, `!` negation, trailing `/` for directories only, a leading or inner `/` anchoring the
 * pattern to the ignore file's folder, a pattern without `/` matching a name at any depth) and
 * git's `wildmatch` with `WM_PATHNAME` (`*`, `?` and `[...]` never match `/`; `**` matches across
 * directories only as a whole path segment: `**\/x`, `x/**`, `a/**\/b`; otherwise it is `*`).
 * Matching is on UTF-8 bytes, as git does, so `?` matches one byte. Case-sensitive (git's
 * default on Linux). Ported from git's `wildmatch.c` and `dir.c`. Nothing here performs IO.
 *
 * @internal
 */

// -------------------------------------------------------------------------------------
// wildmatch
// -------------------------------------------------------------------------------------

type Token =
  | { readonly _tag: "Literal"; readonly byte: number }
  | { readonly _tag: "Any" }
  | { readonly _tag: "Class"; readonly test: (byte: number) => boolean; readonly negated: boolean }
  /** `*`: any run of bytes without `/` (with `pathname`; any run at all otherwise). */
  | { readonly _tag: "Star" }
  /** `**` as a whole segment: any run of bytes, `/` included. */
  | { readonly _tag: "GlobStar" }
  /** `**` followed by `/`: nothing, or any run of bytes ending with `/`. */
  | { readonly _tag: "GlobStarSlash" }

/** A compiled pattern; `undefined` tokens mean it can never match (an unterminated `[`). */
interface Compiled {
  readonly tokens: ReadonlyArray<Token> | undefined
}

const SLASH = 0x2f
const BACKSLASH = 0x5c

const encoder = new TextEncoder()

const isUpper = (c: number) => c >= 0x41 && c <= 0x5a
const isLower = (c: number) => c >= 0x61 && c <= 0x7a
const isDigit = (c: number) => c >= 0x30 && c <= 0x39
const isAlpha = (c: number) => isUpper(c) || isLower(c)
const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d)
const isPrint = (c: number) => c >= 0x20 && c <= 0x7e
const isGraph = (c: number) => c > 0x20 && c <= 0x7e

const CHARACTER_CLASSES: { readonly [name: string]: (c: number) => boolean } = {
  alnum: (c) => isAlpha(c) || isDigit(c),
  alpha: isAlpha,
  blank: (c) => c === 0x20 || c === 0x09,
  cntrl: (c) => c < 0x20 || c === 0x7f,
  digit: isDigit,
  graph: isGraph,
  lower: isLower,
  print: isPrint,
  punct: (c) => isGraph(c) && !isAlpha(c) && !isDigit(c),
  space: isSpace,
  upper: isUpper,
  xdigit: (c) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
}

/**
 * Parses a bracket expression starting after `[` at `start`; returns the token and the index
 * after the closing `]`, or `undefined` when the class is malformed (git aborts the match).
 */
const parseClass = (p: Uint8Array, start: number): { readonly token: Token; readonly next: number } | undefined => {
  let i = start
  let c = p[i]
  let negated = false
  if (c === 0x5e /* ^ */ || c === 0x21 /* ! */) {
    negated = true
    c = p[++i]
  }
  const tests: Array<(byte: number) => boolean> = []
  let previous = 0
  for (;;) {
    if (c === undefined) return undefined
    if (c === BACKSLASH) {
      c = p[++i]
      if (c === undefined) return undefined
      const literal = c
      tests.push((t) => t === literal)
    } else if (c === 0x2d /* - */ && previous !== 0 && p[i + 1] !== undefined && p[i + 1] !== 0x5d) {
      c = p[++i]!
      if (c === BACKSLASH) {
        c = p[++i]
        if (c === undefined) return undefined
      }
      const low = previous
      const high = c
      tests.push((t) => t >= low && t <= high)
      c = 0
    } else if (c === 0x5b /* [ */ && p[i + 1] === 0x3a /* : */) {
      const nameStart = i + 2
      let j = nameStart
      while (p[j] !== undefined && p[j] !== 0x5d) j++
      if (p[j] === undefined) return undefined
      if (j - nameStart - 1 < 0 || p[j - 1] !== 0x3a) {
        // No ":]": the "[" is an ordinary member and scanning resumes after it.
        tests.push((t) => t === 0x5b)
        c = 0x5b
        // resume right after "[" (git rewinds p to s - 2, the "[")
        previous = c
        c = p[++i]
        if (c === 0x5d) break
        continue
      }
      const name = new TextDecoder().decode(p.subarray(nameStart, j - 1))
      const test = CHARACTER_CLASSES[name]
      if (test === undefined) return undefined
      tests.push(test)
      i = j
      c = 0
    } else {
      const literal = c
      tests.push((t) => t === literal)
    }
    previous = c
    c = p[++i]
    if (c === 0x5d /* ] */) break
  }
  return { token: { _tag: "Class", negated, test: (t) => tests.some((f) => f(t)) }, next: i + 1 }
}

const compile = (pattern: Uint8Array, pathname: boolean): Compiled => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < pattern.length) {
    const c = pattern[i]!
    if (c === BACKSLASH) {
      const next = pattern[i + 1]
      // A trailing backslash never matches (git compares it against the end of the text).
      if (next === undefined) return { tokens: undefined }
      tokens.push({ _tag: "Literal", byte: next })
      i += 2
    } else if (c === 0x3f /* ? */) {
      tokens.push({ _tag: "Any" })
      i++
    } else if (c === 0x2a /* * */) {
      let j = i + 1
      while (pattern[j] === 0x2a) j++
      const run = j - i
      if (run >= 2 && pathname) {
        const before = i === 0 ? undefined : pattern[i - 1]
        const after = pattern[j]
        const segmentStart = before === undefined || before === SLASH
        if (segmentStart && after === undefined) {
          tokens.push({ _tag: "GlobStar" })
          i = j
          continue
        }
        if (segmentStart && after === SLASH) {
          tokens.push({ _tag: "GlobStarSlash" })
          i = j + 1
          continue
        }
        if (segmentStart && after === BACKSLASH && pattern[j + 1] === SLASH) {
          tokens.push({ _tag: "GlobStar" })
          i = j
          continue
        }
      }
      tokens.push(pathname ? { _tag: "Star" } : { _tag: "GlobStar" })
      i = j
    } else if (c === 0x5b /* [ */) {
      const parsed = parseClass(pattern, i + 1)
      if (parsed === undefined) return { tokens: undefined }
      tokens.push(parsed.token)
      i = parsed.next
    } else {
      tokens.push({ _tag: "Literal", byte: c })
      i++
    }
  }
  return { tokens }
}

const run = (tokens: ReadonlyArray<Token>, text: Uint8Array, pathname: boolean): boolean => {
  // memo[t * (text.length + 1) + x]: 0 unknown, 1 match, 2 no match
  const width = text.length + 1
  const memo = new Uint8Array((tokens.length + 1) * width)
  const go = (t: number, x: number): boolean => {
    const key = t * width + x
    const known = memo[key]
    if (known !== 0) return known === 1
    let result: boolean
    const token = tokens[t]
    if (token === undefined) {
      result = x === text.length
    } else {
      const c = text[x]
      switch (token._tag) {
        case "Literal":
          result = c === token.byte && go(t + 1, x + 1)
          break
        case "Any":
          result = c !== undefined && !(pathname && c === SLASH) && go(t + 1, x + 1)
          break
        case "Class":
          result = c !== undefined && token.test(c) !== token.negated && !(pathname && c === SLASH) && go(t + 1, x + 1)
          break
        case "Star": {
          result = false
          for (let y = x; ; y++) {
            if (go(t + 1, y)) {
              result = true
              break
            }
            const d = text[y]
            if (d === undefined || d === SLASH) break
          }
          break
        }
        case "GlobStar": {
          result = false
          for (let y = x; y <= text.length; y++) {
            if (go(t + 1, y)) {
              result = true
              break
            }
          }
          break
        }
        case "GlobStarSlash": {
          result = go(t + 1, x)
          for (let y = x; !result && y < text.length; y++) {
            if (text[y] === SLASH && go(t + 1, y + 1)) result = true
          }
          break
        }
      }
    }
    memo[key] = result ? 1 : 2
    return result
  }
  return go(0, 0)
}

/**
 * Whether `text` matches the wildmatch `pattern`; `pathname` is git's `WM_PATHNAME` (`*`, `?`
 * and `[...]` do not match `/`, `**` is special only as a whole segment).
 *
 * @internal
 */
export const wildmatch = (pattern: string, text: string, options: { readonly pathname: boolean } = { pathname: true }): boolean => {
  const compiled = compile(encoder.encode(pattern), options.pathname)
  return compiled.tokens !== undefined && run(compiled.tokens, encoder.encode(text), options.pathname)
}

// -------------------------------------------------------------------------------------
// ignore files
// -------------------------------------------------------------------------------------

/**
 * One pattern of an ignore file, with where it came from.
 *
 * @internal
 */
export interface Pattern {
  /** The line as written (trailing spaces trimmed as git does). */
  readonly line: string
  /** `<file>:<line number>`. */
  readonly source: string
  readonly negated: boolean
  readonly directoryOnly: boolean
  /** No `/` in the pattern (besides a trailing one): matched against the base name at any depth. */
  readonly baseNameOnly: boolean
  readonly compiled: Compiled
}

const trimTrailingSpaces = (line: string): string => {
  let lastSpace = -1
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === " ") {
      if (lastSpace === -1) lastSpace = i
    } else if (c === "\\") {
      i++
      if (i >= line.length) return line
      lastSpace = -1
    } else {
      lastSpace = -1
    }
  }
  return lastSpace === -1 ? line : line.slice(0, lastSpace)
}

/**
 * The patterns of an ignore file's text, in order (`file` names it in rules: `.gitignore`).
 *
 * @internal
 */
export const parse = (text: string, file: string): ReadonlyArray<Pattern> => {
  const patterns: Array<Pattern> = []
  const lines = text.split("\n")
  // A final line without "\n" is still a line; an empty last piece after a final "\n" is not.
  lines.forEach((raw, index) => {
    let line = raw.endsWith("\r") ? raw.slice(0, -1) : raw
    if (line === "" || line.startsWith("#")) return
    line = trimTrailingSpaces(line)
    if (line === "") return
    let body = line
    let negated = false
    if (body.startsWith("!")) {
      negated = true
      body = body.slice(1)
    }
    let directoryOnly = false
    if (body.endsWith("/")) {
      directoryOnly = true
      body = body.slice(0, -1)
    }
    const baseNameOnly = !body.includes("/")
    if (!baseNameOnly && body.startsWith("/")) body = body.slice(1)
    if (body === "") return
    patterns.push({
      line,
      source: `${file}:${index + 1}`,
      negated,
      directoryOnly,
      baseNameOnly,
      compiled: compile(encoder.encode(body), !baseNameOnly)
    })
  })
  return patterns
}

/**
 * The pattern that decides a path (relative, `/`-separated, no trailing `/`): the last one that
 * matches it, negated or not; `undefined` when none does.
 *
 * @internal
 */
export const decide = (patterns: ReadonlyArray<Pattern>, relativePath: string, isDirectory: boolean): Pattern | undefined => {
  const full = encoder.encode(relativePath)
  const slash = relativePath.lastIndexOf("/")
  const base = slash === -1 ? full : encoder.encode(relativePath.slice(slash + 1))
  for (let i = patterns.length - 1; i >= 0; i--) {
    const pattern = patterns[i]!
    if (pattern.directoryOnly && !isDirectory) continue
    if (pattern.compiled.tokens === undefined) continue
    const matched = pattern.baseNameOnly
      ? run(pattern.compiled.tokens, base, false)
      : run(pattern.compiled.tokens, full, true)
    if (matched) return pattern
  }
  return undefined
}

/**
 * Whether a path is excluded by the patterns (its parents are not consulted: the walk never
 * enters an excluded directory, as git does).
 *
 * @internal
 */
export const isExcluded = (patterns: ReadonlyArray<Pattern>, relativePath: string, isDirectory: boolean): boolean => {
  const pattern = decide(patterns, relativePath, isDirectory)
  return pattern !== undefined && !pattern.negated
}
