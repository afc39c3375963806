/**
 * The `command` of an Azure ML command job, as far as an entry script with arguments is concerned:
 * rendering `python <script> <args>` for POSIX `sh` (what Azure ML runs the command with), and
 * recognising exactly that shape again. Only a small, unambiguous subset of `sh` is recognised —
 * bare words of safe characters, single-quoted strings, double-quoted strings without expansions,
 * backslash escapes, and whole-word `${{inputs.x}}` / `${{outputs.y}}` references. Anything else
 * (pipes, `&&`, variables, globs, several lines, `python -m`, ...) stays a command.
 *
 * @internal
 */
import type { Data, Estimator } from "@estimator/core"

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/
const SAFE_CHAR = /[A-Za-z0-9_@%+=:,./-]/
const REFERENCE = /^\$\{\{(inputs|outputs)\.([A-Za-z_][A-Za-z0-9_]*)\}\}/
const DOUBLE_QUOTE_SPECIAL = /[$`\\!]/

/**
 * The command-line spelling of a number: `String(n)` for finite numbers, and only that spelling
 * reads back as a number (so `"1.0"` and `"3e-05"` stay strings).
 *
 * @internal
 */
export const isCanonicalNumber = (text: string): boolean => {
  if (!/^-?[0-9]/.test(text)) return false
  const value = Number(text)
  return Number.isFinite(value) && String(value) === text
}

/** @internal */
export const referenceText = (reference: Data.InputReference | Data.OutputReference): string =>
  `\${{${reference._tag === "InputRef" ? "inputs" : "outputs"}.${reference.name}}}`

/**
 * A string as one `sh` word that reads back as the same string (never as a number, boolean or
 * reference): bare when that is unambiguous, else single-quoted with `'\''` for embedded quotes.
 *
 * @internal
 */
export const quoteString = (text: string): string =>
  SAFE_WORD.test(text) && text !== "True" && text !== "False" && !isCanonicalNumber(text)
    ? text
    : `'${text.replaceAll("'", "'\\''")}'`

/**
 * One argument as `sh` source. Booleans are written as Python writes them (`True`/`False`), as
 * `Estimator.renderArgument` does.
 *
 * @internal
 */
export const renderArgument = (argument: Estimator.Argument): string => {
  switch (typeof argument) {
    case "string":
      return quoteString(argument)
    case "number":
      return Object.is(argument, -0) ? "0" : String(argument)
    case "boolean":
      return argument ? "True" : "False"
    default:
      return referenceText(argument)
  }
}

/**
 * `python <entryScript> <arguments>`.
 *
 * @internal
 */
export const renderEntryScript = (entryScript: string, args: ReadonlyArray<Estimator.Argument>): string =>
  ["python", quoteString(entryScript), ...args.map(renderArgument)].join(" ")

type Word =
  | { readonly _tag: "Text"; readonly text: string; readonly quoted: boolean }
  | { readonly _tag: "Reference"; readonly reference: Data.InputReference | Data.OutputReference }

const isBlank = (c: string): boolean => c === " " || c === "\t"

/**
 * Split a command into words, or `undefined` when it uses any `sh` feature outside the subset.
 *
 * @internal
 */
export const words = (command: string): ReadonlyArray<Word> | undefined => {
  const source = command.trim()
  const result: Array<Word> = []
  let index = 0
  while (index < source.length) {
    while (index < source.length && isBlank(source[index] ?? "")) index++
    if (index >= source.length) break
    const reference = REFERENCE.exec(source.slice(index))
    if (reference !== null) {
      const end = index + reference[0].length
      if (end < source.length && !isBlank(source[end] ?? "")) return undefined
      const name = reference[2] ?? ""
      result.push({
        _tag: "Reference",
        reference: reference[1] === "inputs" ? { _tag: "InputRef", name } : { _tag: "OutputRef", name }
      })
      index = end
      continue
    }
    let text = ""
    let quoted = false
    while (index < source.length && !isBlank(source[index] ?? "")) {
      const c = source[index] ?? ""
      if (c === "'") {
        const close = source.indexOf("'", index + 1)
        if (close < 0) return undefined
        text += source.slice(index + 1, close)
        quoted = true
        index = close + 1
      } else if (c === "\"") {
        const close = source.indexOf("\"", index + 1)
        if (close < 0) return undefined
        const inner = source.slice(index + 1, close)
        if (DOUBLE_QUOTE_SPECIAL.test(inner)) return undefined
        text += inner
        quoted = true
        index = close + 1
      } else if (c === "\\") {
        const next = source[index + 1]
        if (next === undefined || next === "\n" || next === "\r") return undefined
        text += next
        quoted = true
        index += 2
      } else if (SAFE_CHAR.test(c)) {
        text += c
        index++
      } else {
        return undefined
      }
    }
    result.push({ _tag: "Text", text, quoted })
  }
  return result
}

const toArgument = (word: Word): Estimator.Argument => {
  if (word._tag === "Reference") return word.reference
  if (word.quoted) return word.text
  if (word.text === "True") return true
  if (word.text === "False") return false
  return isCanonicalNumber(word.text) ? Number(word.text) : word.text
}

/**
 * The entry script and arguments of a command of the form `python <script> <args...>`, or
 * `undefined`. The script must be a plain relative path inside the source directory that does not
 * start with `-` and is not a notebook.
 *
 * @internal
 */
export const parseEntryScript = (
  command: string
): { readonly entryScript: string; readonly arguments: ReadonlyArray<Estimator.Argument> } | undefined => {
  const parsed = words(command)
  if (parsed === undefined) return undefined
  const [program, script, ...rest] = parsed
  if (program?._tag !== "Text" || program.quoted || program.text !== "python") return undefined
  if (script?._tag !== "Text") return undefined
  const entryScript = script.text
  if (
    entryScript === "" ||
    entryScript.startsWith("-") ||
    entryScript.startsWith("/") ||
    entryScript.split("/").includes("..") ||
    entryScript.endsWith(".ipynb") ||
    (!script.quoted && (entryScript === "True" || entryScript === "False" || isCanonicalNumber(entryScript)))
  ) {
    return undefined
  }
  return { entryScript, arguments: rest.map(toArgument) }
}
