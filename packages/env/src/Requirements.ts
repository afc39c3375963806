/**
 * The pip requirements file format (`requirements.txt`), as pip reads it: one requirement or
 * option per line, `#` comments (at the start of a line or after whitespace), blank lines, and
 * lines continued with a trailing backslash. Requirements keep their text as written (version
 * specifiers, extras, URLs, per-requirement options such as `--hash`) with their environment
 * marker split off; options such as `--extra-index-url`, `-i` and `-r` are kept as options.
 * Nothing in this module performs IO.
 *
 * @since 0.1.0
 */
import { Function } from "@estimator/core"
import * as E from "fp-ts/lib/Either.js"
import * as ParseIssue from "./ParseIssue.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * A requirement: `spec` is everything before the environment marker (`numpy[extra]>=1.24`,
 * `pkg @ https://...`, `./local/pkg`, `torch==2.0 --hash=sha256:...`); `marker` is the PEP 508
 * environment marker after `;` (`python_version < "3.10"`).
 *
 * @category models
 * @since 0.1.0
 */
export interface Requirement {
  readonly _tag: "Requirement"
  readonly spec: string
  readonly marker?: string
}

/**
 * A line-level pip option: `name` as written (`-i`, `--extra-index-url`), `value` if it takes one.
 *
 * @category models
 * @since 0.1.0
 */
export interface Option {
  readonly _tag: "Option"
  readonly name: string
  readonly value?: string
}

/**
 * One meaningful line of a requirements file.
 *
 * @category models
 * @since 0.1.0
 */
export type Entry = Requirement | Option

/**
 * A requirements file: its entries in order (comments and blank lines are not kept).
 *
 * @category models
 * @since 0.1.0
 */
export type Requirements = ReadonlyArray<Entry>

/**
 * The long name of each short option pip accepts in a requirements file.
 *
 * @category models
 * @since 0.1.0
 */
export const SHORT_OPTIONS: { readonly [short: string]: string } = {
  "-i": "--index-url",
  "-f": "--find-links",
  "-r": "--requirement",
  "-c": "--constraint",
  "-e": "--editable"
}

const VALUE_OPTIONS: ReadonlyArray<string> = [
  "--index-url",
  "--extra-index-url",
  "--find-links",
  "--requirement",
  "--constraint",
  "--editable",
  "--trusted-host",
  "--use-feature",
  "--only-binary",
  "--no-binary"
]

const FLAG_OPTIONS: ReadonlyArray<string> = ["--no-index", "--pre", "--prefer-binary", "--require-hashes"]

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A requirement, optionally with an environment marker.
 *
 * @category constructors
 * @since 0.1.0
 */
export const requirement = (spec: string, marker?: string): Requirement =>
  marker === undefined ? { _tag: "Requirement", spec } : { _tag: "Requirement", spec, marker }

/**
 * An option line, optionally with a value.
 *
 * @category constructors
 * @since 0.1.0
 */
export const option = (name: string, value?: string): Option =>
  value === undefined ? { _tag: "Option", name } : { _tag: "Option", name, value }

// -------------------------------------------------------------------------------------
// accessors
// -------------------------------------------------------------------------------------

/**
 * The long form of an option name (`-i` → `--index-url`); long names are returned unchanged.
 *
 * @category accessors
 * @since 0.1.0
 */
export const longName = (name: string): string => SHORT_OPTIONS[name] ?? name

/**
 * A package name normalised as PEP 503 does (lower case, runs of `-_.` as `-`).
 *
 * @category accessors
 * @since 0.1.0
 */
export const normalizeName = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, "-")

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/
const EGG = /#(?:.*&)?egg=([A-Za-z0-9][A-Za-z0-9._-]*)/

/**
 * The normalised name of the package a requirement installs, when its text says it
 * (`numpy>=1` → `numpy`, `pkg @ https://...` → `pkg`, `https://...#egg=pkg` → `pkg`); `undefined`
 * for a bare path or URL.
 *
 * @category accessors
 * @since 0.1.0
 */
export const packageName = (self: Requirement): string | undefined => {
  if (self.spec.includes("://") && !/^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*@/.test(self.spec)) {
    const egg = EGG.exec(self.spec)
    return egg?.[1] === undefined ? undefined : normalizeName(egg[1])
  }
  const match = NAME.exec(self.spec)
  return match === null ? undefined : normalizeName(match[0])
}

// -------------------------------------------------------------------------------------
// codecs
// -------------------------------------------------------------------------------------

/**
 * One entry as a requirements-file line. A URL requirement's marker is written after ` ; `
 * (pip needs the space there), any other after `; `.
 *
 * @category codecs
 * @since 0.1.0
 */
export const renderEntry = (self: Entry): string => {
  if (self._tag === "Option") return self.value === undefined ? self.name : `${self.name} ${self.value}`
  if (self.marker === undefined) return self.spec
  // A space before a leading "#" would turn the marker into a comment.
  const marker = self.marker.startsWith("#") ? self.marker : ` ${self.marker}`
  return self.spec.includes("://") ? `${self.spec} ;${marker}` : `${self.spec};${marker}`
}

/**
 * A requirements file, one entry per line, each line ending in a newline (`""` for no entries).
 *
 * @category codecs
 * @since 0.1.0
 */
export const render = (self: Requirements): string => self.map((entry) => `${renderEntry(entry)}\n`).join("")

const COMMENT = /(^|\s+)#.*$/

interface LogicalLine {
  readonly line: number
  readonly text: string
}

// pip's `join_lines`: a trailing backslash joins the next line, except on a comment line.
const joinLines = (text: string): ReadonlyArray<LogicalLine> => {
  const physical = text.split(/\r\n|\r|\n/)
  const logical: Array<LogicalLine> = []
  let pending: Array<string> = []
  let start = 0
  physical.forEach((raw, index) => {
    const isComment = /^\s*#/.test(raw)
    if (!raw.endsWith("\\") || isComment) {
      const line = isComment ? ` ${raw}` : raw
      if (pending.length > 0) {
        logical.push({ line: start, text: [...pending, line].join("") })
        pending = []
      } else {
        logical.push({ line: index + 1, text: line })
      }
    } else {
      if (pending.length === 0) start = index + 1
      pending.push(raw.replace(/\\+$/, ""))
    }
  })
  if (pending.length > 0) logical.push({ line: start, text: pending.join("") })
  return logical
}

const parseOption = (text: string, line: number, column: number): E.Either<ParseIssue.ParseIssue, Option> => {
  const long = /^--[A-Za-z0-9][A-Za-z0-9-]*/.exec(text)
  const name = long === null ? text.slice(0, 2) : long[0]
  const rest = text.slice(name.length)
  const value = (long !== null && rest.startsWith("=") ? rest.slice(1) : rest).trim()
  const canonical = longName(name)
  if (FLAG_OPTIONS.includes(canonical)) {
    return value === ""
      ? E.right(option(name))
      : E.left(ParseIssue.make(line, column, `option ${name} takes no value, but "${value}" follows it`))
  }
  if (VALUE_OPTIONS.includes(canonical)) {
    return value === ""
      ? E.left(ParseIssue.make(line, column, `option ${name} needs a value (for example ${name === "-r" || name === "--requirement" ? `${name} other-requirements.txt` : `${name} https://example.org/simple`})`))
      : E.right(option(name, value))
  }
  return E.left(ParseIssue.make(
    line,
    column,
    `unknown option ${name}; a requirements file accepts ${[...Object.keys(SHORT_OPTIONS), ...VALUE_OPTIONS, ...FLAG_OPTIONS].join(", ")}`
  ))
}

const markerSeparator = (text: string): number => {
  if (!text.includes("://")) return text.indexOf(";")
  const match = /\s;/.exec(text)
  return match === null ? -1 : match.index + match[0].length - 1
}

const parseRequirement = (text: string, line: number, column: number): E.Either<ParseIssue.ParseIssue, Requirement> => {
  if (!(/^[A-Za-z0-9.\/]/.test(text) || text.includes("://"))) {
    return E.left(ParseIssue.make(line, column, `"${text}" is not a requirement: expected a package name (numpy>=1.24), a URL or a path`))
  }
  const separator = markerSeparator(text)
  if (separator === -1) return E.right(requirement(text))
  const spec = text.slice(0, separator).trim()
  const marker = text.slice(separator + 1).trim()
  if (marker === "") {
    return E.left(ParseIssue.make(line, column + separator, `the environment marker after ";" is empty in "${text}"`))
  }
  return E.right(requirement(spec, marker))
}

/**
 * Parse the text of a requirements file. Every malformed line is reported (with its line and
 * column), not just the first: an option without its value, an unknown option, a line that is
 * not a requirement, an empty environment marker, a backslash that spaces keep from continuing
 * the line.
 *
 * @category codecs
 * @since 0.1.0
 */
export const parse: (text: string) => E.Either<ReadonlyArray<ParseIssue.ParseIssue>, Requirements> = Function.memoizeString((text) => parseText(text))

const parseText = (text: string): E.Either<ReadonlyArray<ParseIssue.ParseIssue>, Requirements> => {
  const entries: Array<Entry> = []
  const issues: Array<ParseIssue.ParseIssue> = []
  for (const logical of joinLines(text)) {
    const uncommented = logical.text.replace(COMMENT, "")
    const trimmed = uncommented.trim()
    if (trimmed === "") continue
    const column = uncommented.length - uncommented.trimStart().length + 1
    if (trimmed.endsWith("\\")) {
      issues.push(ParseIssue.make(logical.line, column + trimmed.length - 1, "the line ends with a backslash followed by spaces: remove the spaces to continue the line on the next one, or remove the backslash"))
      continue
    }
    const result = trimmed.startsWith("-")
      ? parseOption(trimmed, logical.line, column)
      : parseRequirement(trimmed, logical.line, column)
    if (E.isLeft(result)) issues.push(result.left)
    else entries.push(result.right)
  }
  return issues.length > 0 ? E.left(issues) : E.right(entries)
}
