/**
 * The canonical JSON writer behind `Hash.canonicalJson` and `Hash.canonicalHash`: one walk of the
 * value writes bytes straight into one reused buffer (no string per key or value), keys sorted
 * only where they are not already. The output is what `JSON.stringify` writes for the value with
 * the keys of every object sorted, including its treatment of values JSON has no words for (see
 * {@link writeValue}).
 *
 * For a hash the bytes are the UTF-8 text, hashed as they are. For the text, the bytes stay ASCII:
 * a string that is not plain ASCII is written by `JSON.stringify` itself, between runs of bytes
 * that are decoded as Latin-1 (a copy, where decoding UTF-8 costs a pass over every byte).
 *
 * @internal
 */
import { Buffer } from "node:buffer"
import * as crypto from "node:crypto"

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const HEX = "0123456789abcdef"

/** A buffer grown past this size for a huge value is not kept for the next one. */
const MAX_KEPT_BYTES = 1 << 20

/** The letter `JSON.stringify` writes after a backslash for `code` (`"`, `\\` or a control character), or -1 for `\u00XX`. */
const escapeLetter = (code: number): number => {
  switch (code) {
    case QUOTE:
    case BACKSLASH:
      return code
    case 0x08:
      return 0x62 // b
    case 0x09:
      return 0x74 // t
    case 0x0a:
      return 0x6e // n
    case 0x0c:
      return 0x66 // f
    case 0x0d:
      return 0x72 // r
    default:
      return -1
  }
}

/** Writes `u` and four lower-case hex digits of `code` at `n`; returns the next position. */
const hexEscape = (bytes: Buffer, n: number, code: number): number => {
  bytes[n++] = 0x75
  bytes[n++] = HEX.charCodeAt(code >> 12)
  bytes[n++] = HEX.charCodeAt((code >> 8) & 0xf)
  bytes[n++] = HEX.charCodeAt((code >> 4) & 0xf)
  bytes[n++] = HEX.charCodeAt(code & 0xf)
  return n
}

class Writer {
  bytes: Buffer = Buffer.allocUnsafe(4096)
  length = 0
  /** Writing text: the text before `start` (bytes before it are in `text` already). */
  text: string | undefined = undefined
  start = 0

  reset(forText: boolean): void {
    this.length = 0
    this.text = forText ? "" : undefined
    this.start = 0
  }

  reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + extra))
    this.bytes.copy(grown, 0, 0, this.length)
    this.bytes = grown
  }

  byte(code: number): void {
    this.reserve(1)
    this.bytes[this.length++] = code
  }

  /** Text known to be ASCII without anything to escape (numbers, `true`, `null`...). */
  plain(text: string): void {
    this.reserve(text.length)
    const bytes = this.bytes
    let n = this.length
    for (let i = 0; i < text.length; i++) bytes[n++] = text.charCodeAt(i)
    this.length = n
  }

  /** A JSON string literal, escaped as `JSON.stringify` escapes it. */
  string(value: string): void {
    // Most strings are ASCII with nothing to escape: copy them as they are.
    this.reserve(value.length + 2)
    const bytes = this.bytes
    let n = this.length
    bytes[n++] = QUOTE
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i)
      if (code < 0x20 || code >= 0x80 || code === QUOTE || code === BACKSLASH) {
        if (this.text !== undefined) return this.textString(value)
        // Writing bytes: the rest from here, after the bytes written so far.
        this.length = n
        return this.utf8Rest(value, i)
      }
      bytes[n++] = code
    }
    bytes[n++] = QUOTE
    this.length = n
  }

  /** Writing text: the bytes so far become text, then the string as `JSON.stringify` writes it. */
  private textString(value: string): void {
    this.text = `${this.text}${this.bytes.toString("latin1", this.start, this.length)}${JSON.stringify(value)}`
    this.start = this.length
  }

  /** Writing bytes to hash: the string literal in UTF-8 from `value[start]` on, and its closing quote. */
  private utf8Rest(value: string, start: number): void {
    // At most 6 bytes per UTF-16 unit (`\u001f`, `\udc00`, or 3 bytes of UTF-8), plus the quote.
    this.reserve((value.length - start) * 6 + 1)
    const bytes = this.bytes
    let n = this.length
    for (let i = start; i < value.length; i++) {
      const code = value.charCodeAt(i)
      if (code < 0x80) {
        if (code >= 0x20 && code !== QUOTE && code !== BACKSLASH) {
          bytes[n++] = code
          continue
        }
        bytes[n++] = BACKSLASH
        const letter = escapeLetter(code)
        if (letter !== -1) bytes[n++] = letter
        else n = hexEscape(bytes, n, code)
      } else if (code < 0x800) {
        bytes[n++] = 0xc0 | (code >> 6)
        bytes[n++] = 0x80 | (code & 0x3f)
      } else if (code < 0xd800 || code > 0xdfff) {
        bytes[n++] = 0xe0 | (code >> 12)
        bytes[n++] = 0x80 | ((code >> 6) & 0x3f)
        bytes[n++] = 0x80 | (code & 0x3f)
      } else {
        const next = code <= 0xdbff && i + 1 < value.length ? value.charCodeAt(i + 1) : 0
        if (next >= 0xdc00 && next <= 0xdfff) {
          const point = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00)
          bytes[n++] = 0xf0 | (point >> 18)
          bytes[n++] = 0x80 | ((point >> 12) & 0x3f)
          bytes[n++] = 0x80 | ((point >> 6) & 0x3f)
          bytes[n++] = 0x80 | (point & 0x3f)
          i++
        } else {
          // A lone surrogate: JSON.stringify writes it as an escape.
          bytes[n++] = BACKSLASH
          n = hexEscape(bytes, n, code)
        }
      }
    }
    bytes[n++] = QUOTE
    this.length = n
  }

  /** The text written (when writing text). */
  toText(): string {
    return `${this.text}${this.bytes.toString("latin1", this.start, this.length)}`
  }

  /** SHA-256 of the bytes written (when writing bytes). */
  sha256(): string {
    return sha256(this.bytes.subarray(0, this.length))
  }
}

/**
 * The keys in the order `Array.prototype.sort` gives (UTF-16 code units): insertion sort, which
 * costs one comparison per key when they are sorted already and beats the generic sort on the
 * few keys objects have; many keys use the generic sort.
 */
const sortKeys = (keys: Array<string>): Array<string> => {
  if (keys.length > 32) return keys.sort()
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string
    let j = i
    while (j > 0 && (keys[j - 1] as string) > key) {
      keys[j] = keys[j - 1] as string
      j--
    }
    keys[j] = key
  }
  return keys
}

/**
 * Writes `value` below the top level. Object keys are sorted, `undefined` properties are left
 * out; what `JSON.stringify` cannot write (`undefined`, functions, symbols) is written as nothing
 * in an array and as `undefined` after a key, as the string-building implementation this
 * replaced did.
 */
const writeValue = (writer: Writer, value: unknown, inArray: boolean): void => {
  switch (typeof value) {
    case "string":
      return writer.string(value)
    case "number":
      return writer.plain(Number.isFinite(value) ? `${value}` : "null")
    case "boolean":
      return writer.plain(value ? "true" : "false")
    case "object":
      break
    default: {
      const text = JSON.stringify(value) as string | undefined
      if (text !== undefined) writer.plain(text)
      else if (!inArray) writer.plain("undefined")
      return
    }
  }
  if (value === null) return writer.plain("null")
  if (Array.isArray(value)) {
    writer.byte(0x5b)
    for (let i = 0; i < value.length; i++) {
      if (i > 0) writer.byte(COMMA)
      writeValue(writer, value[i], true)
    }
    return writer.byte(0x5d)
  }
  const record = value as { readonly [key: string]: unknown }
  writeObject(writer, record, sortKeys(Object.keys(record)), false)
}

const hasOwn = Object.prototype.hasOwnProperty

/**
 * Writes `record` as an object of the fields named by `keys`, which are sorted, each read by
 * name: an `undefined` one is left out, and with `ownOnly` one that `record` does not have as
 * its own (an inherited property is not a field).
 */
const writeObject = (writer: Writer, record: { readonly [key: string]: unknown }, keys: ReadonlyArray<string>, ownOnly: boolean): void => {
  writer.byte(0x7b)
  let first = true
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    const field = record[key]
    if (field === undefined || (ownOnly && !hasOwn.call(record, key))) continue
    if (!first) writer.byte(COMMA)
    first = false
    writer.string(key)
    writer.byte(COLON)
    writeValue(writer, field, false)
  }
  writer.byte(0x7d)
}

const writeRoot = (writer: Writer, value: object, keys: ReadonlyArray<string> | undefined): void =>
  keys === undefined ? writeValue(writer, value, false) : writeObject(writer, value as { readonly [key: string]: unknown }, keys, true)

const shared = new Writer()
let sharedInUse = false

/**
 * Writes the canonical JSON of an object or array (of the fields named by `keys`, when given), as
 * text or bytes, and passes the writer to `use` (its bytes are valid only during the call). The
 * shared buffer is reused; a nested call (a getter that hashes) gets its own.
 */
const write = <A>(value: object, forText: boolean, use: (writer: Writer) => A, keys?: ReadonlyArray<string>): A => {
  if (sharedInUse) {
    const writer = new Writer()
    writer.reset(forText)
    writeRoot(writer, value, keys)
    return use(writer)
  }
  sharedInUse = true
  try {
    shared.reset(forText)
    writeRoot(shared, value, keys)
    return use(shared)
  } finally {
    if (shared.bytes.length > MAX_KEPT_BYTES) shared.bytes = Buffer.allocUnsafe(4096)
    shared.text = undefined
    sharedInUse = false
  }
}

const toText = (writer: Writer): string => writer.toText()
const toSha256 = (writer: Writer): string => writer.sha256()

/** The canonical JSON text of `value` (`JSON.stringify`'s result for a value that is not an object). */
export const canonicalJson = (value: unknown): string | undefined =>
  value === null || typeof value !== "object" ? JSON.stringify(value) : write(value, true, toText)

/** `crypto.hash` (Node 20.12+), one call instead of a `Hash` object, where available. */
const oneShot = typeof crypto.hash === "function" ? crypto.hash : undefined

/** SHA-256 in lower-case hex of text (as UTF-8) or bytes. */
export const sha256 = (content: string | Uint8Array): string =>
  oneShot !== undefined ? oneShot("sha256", content, "hex") : crypto.createHash("sha256").update(content).digest("hex")

/** SHA-256 of the canonical JSON of an object, from its UTF-8 bytes (the text is never built). */
export const canonicalSha256 = (value: object): string => write(value, false, toSha256)

/**
 * SHA-256 of the canonical JSON of the object whose fields are those of `value` named by `keys`,
 * which are sorted: the fields are read by name, so an object of one fixed shape is hashed
 * without listing and sorting its keys.
 */
export const canonicalSha256Fields = (value: object, keys: ReadonlyArray<string>): string => write(value, false, toSha256, keys)
