/**
 * The JSON layer of the v1 importer: an exact parser that keeps what `JSON.parse` loses and v1's
 * argv depends on (key order, including integer-like keys; whether a number was written as a
 * Python float such as `1.0`), a converter from already-parsed values, JSON paths for issues, and
 * Python's `repr` of floats and lists (v1 passed `str(value)` to the script). No IO.
 *
 * @internal
 */
import type { Validation } from "@estimator/core"
import type { Json, JsonObject } from "../V1Import.js"

// -------------------------------------------------------------------------------------
// issues and paths
// -------------------------------------------------------------------------------------

/** @internal */
export const error = (path: string, code: string, message: string, hint: string): Validation.Issue => ({
  path,
  code,
  message,
  hint,
  severity: "error"
})

/** @internal */
export const warning = (path: string, code: string, message: string, hint: string): Validation.Issue => ({
  path,
  code,
  message,
  hint,
  severity: "warning"
})

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

/** `args` + `node_count` → `args.node_count`; `--data` → `args.script_params["--data"]`. @internal */
export const key = (path: string, name: string): string =>
  IDENTIFIER.test(name) ? (path === "" ? name : `${path}.${name}`) : `${path}[${JSON.stringify(name)}]`

/** @internal */
export const index = (path: string, i: number): string => `${path}[${i}]`

/** Whether `path` is `prefix` or lies under it. @internal */
export const isUnder = (path: string, prefix: string): boolean =>
  path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`)

// -------------------------------------------------------------------------------------
// values
// -------------------------------------------------------------------------------------

/** What a JSON value is, for messages (never the value itself: it may be a secret). @internal */
export const describe = (json: Json): string => {
  switch (json._tag) {
    case "Null":
      return "null (Python None)"
    case "Boolean":
      return "a boolean"
    case "Number":
      return json.float ? "a float" : "an integer"
    case "String":
      return "a string"
    case "Array":
      return "a list"
    case "Object": {
      const type = field(json, "type")
      return type?._tag === "String" ? `a ${type.value} object` : "an object"
    }
  }
}

/** The value of `name` in an object (the last one, if the key is repeated). @internal */
export const field = (object: JsonObject, name: string): Json | undefined => {
  for (let i = object.entries.length - 1; i >= 0; i--) {
    const entry = object.entries[i]!
    if (entry[0] === name) return entry[1]
  }
  return undefined
}

/** Python truthiness: `None`, `False`, `0`, `""`, `[]` and `{}` are false. @internal */
export const truthy = (json: Json | undefined): boolean => {
  if (json === undefined) return false
  switch (json._tag) {
    case "Null":
      return false
    case "Boolean":
      return json.value
    case "Number":
      return json.value !== 0
    case "String":
      return json.value !== ""
    case "Array":
      return json.items.length > 0
    case "Object":
      return json.entries.length > 0
  }
}

// -------------------------------------------------------------------------------------
// from parsed values
// -------------------------------------------------------------------------------------

const isPlainObject = (u: object): boolean => {
  const prototype = Object.getPrototypeOf(u)
  return prototype === null || prototype === Object.prototype
}

/**
 * A value `JSON.parse` (or code) produced, as `Json`. An integral number counts as a Python int;
 * `undefined` properties are left out, as `JSON.stringify` does. Anything JSON cannot hold is an issue.
 *
 * @internal
 */
export const fromUnknown = (u: unknown, path: string, issues: Array<Validation.Issue>): Json => {
  if (u === null) return { _tag: "Null" }
  switch (typeof u) {
    case "boolean":
      return { _tag: "Boolean", value: u }
    case "string":
      return { _tag: "String", value: u }
    case "number":
      if (!Number.isFinite(u)) {
        issues.push(error(path, "v1-invalid-json", `${path || "The call"} is ${u}, which JSON cannot hold.`, "Use a finite number."))
        return { _tag: "Null" }
      }
      return { _tag: "Number", value: u, literal: String(u), float: !Number.isInteger(u) }
    case "object": {
      if (Array.isArray(u)) return { _tag: "Array", items: u.map((item, i) => fromUnknown(item, index(path, i), issues)) }
      if (!isPlainObject(u)) {
        issues.push(error(path, "v1-invalid-json", `${path || "The call"} is not JSON data (a ${u.constructor?.name ?? "non-plain"} object).`, "Pass parsed JSON: objects, arrays, strings, numbers, booleans and null."))
        return { _tag: "Null" }
      }
      const entries = Object.entries(u)
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => [name, fromUnknown(value, key(path, name), issues)] as const)
      return { _tag: "Object", entries }
    }
    default:
      issues.push(error(path, "v1-invalid-json", `${path || "The call"} is a ${typeof u}, which JSON cannot hold.`, "Pass parsed JSON: objects, arrays, strings, numbers, booleans and null."))
      return { _tag: "Null" }
  }
}

// -------------------------------------------------------------------------------------
// exact parser
// -------------------------------------------------------------------------------------

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y
const MAX_DEPTH = 256

class ParseError {
  constructor(readonly offset: number, readonly expected: string) {}
}

/**
 * Parse JSON text, keeping every object's keys in the order written (repeated keys included) and
 * whether each number was written as a float (`1.0`, `1e3`), as Python's `json` module reads it.
 * A syntax error is one issue naming the line, column and what was expected; it never quotes the
 * text (which may hold a secret).
 *
 * @internal
 */
export const parse = (text: string): { readonly json: Json } | { readonly issue: Validation.Issue } => {
  let offset = 0
  const skip = () => {
    while (offset < text.length && " \t\n\r".includes(text[offset]!)) offset++
  }
  const expect = (char: string) => {
    skip()
    if (text[offset] !== char) throw new ParseError(offset, `'${char}'`)
    offset++
  }
  const value = (depth: number): Json => {
    if (depth > MAX_DEPTH) throw new ParseError(offset, `at most ${MAX_DEPTH} levels of nesting`)
    skip()
    const char = text[offset]
    if (char === "{") {
      offset++
      const entries: Array<readonly [string, Json]> = []
      skip()
      if (text[offset] === "}") {
        offset++
        return { _tag: "Object", entries }
      }
      for (;;) {
        skip()
        const name = string()
        expect(":")
        entries.push([name, value(depth + 1)])
        skip()
        if (text[offset] === ",") {
          offset++
          continue
        }
        if (text[offset] === "}") {
          offset++
          return { _tag: "Object", entries }
        }
        throw new ParseError(offset, "',' or '}'")
      }
    }
    if (char === "[") {
      offset++
      const items: Array<Json> = []
      skip()
      if (text[offset] === "]") {
        offset++
        return { _tag: "Array", items }
      }
      for (;;) {
        items.push(value(depth + 1))
        skip()
        if (text[offset] === ",") {
          offset++
          continue
        }
        if (text[offset] === "]") {
          offset++
          return { _tag: "Array", items }
        }
        throw new ParseError(offset, "',' or ']'")
      }
    }
    if (char === "\"") return { _tag: "String", value: string() }
    for (const [word, json] of [["true", { _tag: "Boolean", value: true }], ["false", { _tag: "Boolean", value: false }], ["null", { _tag: "Null" }]] as const) {
      if (text.startsWith(word, offset)) {
        offset += word.length
        return json
      }
    }
    NUMBER.lastIndex = offset
    const number = NUMBER.exec(text)
    if (number !== null) {
      offset += number[0].length
      return { _tag: "Number", value: Number(number[0]), literal: number[0], float: /[.eE]/.test(number[0]) }
    }
    throw new ParseError(offset, "a value (an object, list, string, number, true, false or null)")
  }
  const string = (): string => {
    STRING.lastIndex = offset
    const match = STRING.exec(text)
    if (match === null) throw new ParseError(offset, "a string in double quotes")
    offset += match[0].length
    return JSON.parse(match[0]) as string
  }
  try {
    const json = value(0)
    skip()
    if (offset < text.length) throw new ParseError(offset, "the end of the text")
    return { json }
  } catch (e) {
    if (!(e instanceof ParseError)) throw e
    const before = text.slice(0, e.offset)
    const line = before.split("\n").length
    const column = e.offset - before.lastIndexOf("\n")
    return {
      issue: error(
        "",
        "v1-invalid-json",
        `The text is not valid JSON: at line ${line}, column ${column}${e.offset >= text.length ? " (the end of the text)" : ""}, expected ${e.expected}.`,
        "Write the call as JSON: { \"class\": \"Estimator\", \"args\": { ... } }, Python None as null, True/False as true/false, strings in double quotes."
      )
    }
  }
}

// -------------------------------------------------------------------------------------
// Python's str() and repr()
// -------------------------------------------------------------------------------------

/**
 * Python's `repr(float)` (also its `str`): the shortest digits that round-trip, positional from
 * 1e-4 up to 1e16 with at least one decimal (`1.0`), scientific outside it (`1e-05`, `1e+16`).
 *
 * @internal
 */
export const pythonFloat = (n: number): string => {
  if (Number.isNaN(n)) return "nan"
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf"
  if (n === 0) return Object.is(n, -0) ? "-0.0" : "0.0"
  const [mantissa = "", exponentText = "0"] = n.toExponential().split("e")
  const exponent = Number(exponentText)
  const sign = mantissa.startsWith("-") ? "-" : ""
  const digits = mantissa.replace("-", "").replace(".", "")
  if (exponent < -4 || exponent >= 16) {
    const m = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`
    return `${sign}${m}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0")
  const fraction = digits.slice(exponent + 1)
  return `${sign}${whole}.${fraction === "" ? "0" : fraction}`
}

/** Python's `repr(str)`: single quotes unless the text has one and no double quote. @internal */
export const pythonString = (s: string): string => {
  const quote = s.includes("'") && !s.includes("\"") ? "\"" : "'"
  let out = quote
  for (const char of s) {
    const code = char.codePointAt(0)!
    if (char === "\\") out += "\\\\"
    else if (char === quote) out += `\\${quote}`
    else if (char === "\n") out += "\\n"
    else if (char === "\r") out += "\\r"
    else if (char === "\t") out += "\\t"
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += `\\x${code.toString(16).padStart(2, "0")}`
    else out += char
  }
  return out + quote
}

/** The Python number a JSON number reads as, as `str()` writes it. @internal */
export const pythonNumber = (json: Extract<Json, { _tag: "Number" }>): string => {
  if (!json.float) {
    // Python ints are unbounded; the literal is exact where a JavaScript number may not be.
    return /^-?0$/.test(json.literal) ? "0" : json.literal
  }
  return pythonFloat(json.value)
}

/**
 * Python's `repr()` of a plain value (`None`, booleans, numbers, strings, lists, dicts), as
 * `str(list)` writes its elements; `undefined` for a typed object (`{"type": ...}`), which has no
 * meaningful text.
 *
 * @internal
 */
export const pythonRepr = (json: Json): string | undefined => {
  switch (json._tag) {
    case "Null":
      return "None"
    case "Boolean":
      return json.value ? "True" : "False"
    case "Number":
      return pythonNumber(json)
    case "String":
      return pythonString(json.value)
    case "Array": {
      const items = json.items.map(pythonRepr)
      return items.every((item): item is string => item !== undefined) ? `[${items.join(", ")}]` : undefined
    }
    case "Object": {
      if (field(json, "type") !== undefined) return undefined
      const items = json.entries.map(([name, value]) => {
        const repr = pythonRepr(value)
        return repr === undefined ? undefined : `${pythonString(name)}: ${repr}`
      })
      return items.every((item): item is string => item !== undefined) ? `{${items.join(", ")}}` : undefined
    }
  }
}
