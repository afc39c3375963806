/**
 * The one place that removes secret values from what the project shows or stores: plans, run
 * records, errors and log lines. `execute` resolves the spec's secrets, builds a `Redactor` from
 * their values, and passes everything it prints or writes through it; every occurrence of a value
 * becomes `Secret.REDACTED`.
 *
 * Details that matter: every occurrence of every value is found in the original text and
 * overlapping occurrences are replaced as one (so a value containing another is never
 * half-replaced, and the marker itself is never searched again); a value with line breaks is also redacted line by line, so that a log read line
 * by line cannot show one of its lines; empty values are ignored (they would match everywhere).
 * Object keys are redacted as well as string values. Nothing in this module performs IO.
 *
 * @since 0.1.0
 */
import { Secret } from "@estimator/core"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The secret values to hide.
 *
 * @category models
 * @since 0.1.0
 */
export interface Redactor {
  readonly _tag: "Redactor"
  readonly values: ReadonlyArray<string>
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A redactor for these secret values (and, for multi-line values, each of their non-blank lines).
 *
 * @example
 * const redactor = Redact.make([process.env.WANDB_API_KEY ?? ""])
 * Redact.string(redactor, line)
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (values: Iterable<string>): Redactor => {
  const all = new Set<string>()
  for (const value of values) {
    if (value === "") continue
    all.add(value)
    if (/[\r\n]/.test(value)) {
      for (const line of value.split(/\r\n|\r|\n/)) if (line.trim() !== "") all.add(line)
    }
  }
  return { _tag: "Redactor", values: [...all].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0)) }
}

/**
 * A redactor that hides nothing.
 *
 * @category constructors
 * @since 0.1.0
 */
export const empty: Redactor = make([])

// -------------------------------------------------------------------------------------
// combinators
// -------------------------------------------------------------------------------------

/**
 * The text with every occurrence of a secret value replaced by `Secret.REDACTED`. Overlapping
 * occurrences become one marker. No value is left in the result, not even one that a marker
 * and the text beside it would spell (a value `>x` in the text `>xx`): such text is hidden too.
 *
 * @category combinators
 * @since 0.1.0
 */
export const string = (redactor: Redactor, text: string): string => {
  let spans = merge(occurrences(redactor, text))
  if (spans.length === 0) return text
  for (;;) {
    const result = render(text, spans)
    const found = occurrences(redactor, result)
    if (found.length === 0) return result
    // An occurrence that takes in text beside a marker hides that text too: fewer characters
    // are visible every time, so this ends. A value inside the marker itself (a value such as
    // `redact`) is no secret the text can hide: nothing more to do then.
    const wider = merge([...spans, ...found.map(([from, to]) => toTextSpan(spans, from, to))])
    if (covered(wider) === covered(spans)) return result
    spans = wider
  }
}

/** How many characters of the text the (merged) spans cover. */
const covered = (spans: ReadonlyArray<Span>): number => {
  let count = 0
  for (const [from, to] of spans) count += to - from
  return count
}

type Span = readonly [from: number, to: number]

/** Where the values occur in `text`, unsorted. */
const occurrences = (redactor: Redactor, text: string): Array<Span> => {
  const spans: Array<Span> = []
  for (const value of redactor.values) {
    for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + 1)) spans.push([at, at + value.length])
  }
  return spans
}

/** The spans sorted, those that overlap or touch made one. */
const merge = (spans: Array<Span>): Array<Span> => {
  spans.sort((a, b) => a[0] - b[0])
  const merged: Array<[number, number]> = []
  for (const [from, to] of spans) {
    const last = merged[merged.length - 1]
    if (last !== undefined && from <= last[1]) last[1] = Math.max(last[1], to)
    else merged.push([from, to])
  }
  return merged
}

/** The text with each (merged) span replaced by the marker. */
const render = (text: string, spans: ReadonlyArray<Span>): string => {
  let result = ""
  let cursor = 0
  for (const [from, to] of spans) {
    result += text.slice(cursor, from) + Secret.REDACTED
    cursor = to
  }
  return result + text.slice(cursor)
}

/** The span of `text` that the characters `from` to `to` of its rendering show (a marker stands for its whole span). */
const toTextSpan = (spans: ReadonlyArray<Span>, from: number, to: number): Span => {
  const marker = Secret.REDACTED.length
  let start = from
  let shift = 0 // text position minus rendered position, before the current span
  let startDone = false
  for (const [spanFrom, spanTo] of spans) {
    const renderedFrom = spanFrom - shift
    const renderedTo = renderedFrom + marker
    if (!startDone) {
      if (from < renderedFrom) {
        start = from + shift
        startDone = true
      } else if (from < renderedTo) {
        start = spanFrom
        startDone = true
      }
    }
    if (to <= renderedFrom) return [start, to + shift]
    if (to <= renderedTo) return [start, spanTo]
    shift += spanTo - spanFrom - marker
  }
  return [startDone ? start : from + shift, to + shift]
}

/**
 * A JSON-like value (plans, run records, error data) with every string — values and object
 * keys, at any depth — redacted. Other values are kept as they are; the input is not modified.
 *
 * @category combinators
 * @since 0.1.0
 */
export const json = <A>(redactor: Redactor, value: A): A => deep(redactor, value) as A

const deep = (redactor: Redactor, value: unknown): unknown => {
  if (typeof value === "string") return string(redactor, value)
  if (Array.isArray(value)) return value.map((item) => deep(redactor, item))
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [string(redactor, key), deep(redactor, item)]))
  }
  return value
}

/**
 * An error's message and stack (and any own string properties), redacted, as plain data.
 *
 * @category combinators
 * @since 0.1.0
 */
export const error = (redactor: Redactor, cause: unknown): { readonly message: string; readonly [key: string]: unknown } => {
  if (cause instanceof Error) {
    const own = Object.fromEntries(Object.entries(cause))
    return json(redactor, { ...own, name: cause.name, message: cause.message, ...(cause.stack === undefined ? {} : { stack: cause.stack }) })
  }
  return { message: string(redactor, typeof cause === "string" ? cause : JSON.stringify(cause) ?? String(cause)) }
}

/**
 * Whether the text still shows a secret value (for checks before writing).
 *
 * @category guards
 * @since 0.1.0
 */
export const leaks = (redactor: Redactor, text: string): boolean => redactor.values.some((value) => text.includes(value))
