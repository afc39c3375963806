/**
 * A minimal tar writer for Docker build contexts: regular files only, POSIX ustar headers, and a
 * PAX extended header for a path that ustar cannot hold (longer than its 100 + 155 bytes, or not
 * splittable at a `/`). Entries are written in the order given, with mode 0644 (0755 when asked),
 * owner 0 and a fixed time, so the same files give the same bytes. No IO.
 *
 * @internal
 */

/** @internal */
export interface Entry {
  /** Relative path with `/` separators. */
  readonly path: string
  readonly data: Uint8Array
  readonly executable?: boolean
}

const BLOCK = 512
const encoder = new TextEncoder()

const octal = (value: number, width: number): string => value.toString(8).padStart(width - 1, "0") + "\0"

const header = (name: Uint8Array, prefix: Uint8Array, size: number, mode: number, type: "0" | "x"): Uint8Array => {
  const block = new Uint8Array(BLOCK)
  const put = (offset: number, bytes: Uint8Array | string) => block.set(typeof bytes === "string" ? encoder.encode(bytes) : bytes, offset)
  put(0, name)
  put(100, octal(mode, 8))
  put(108, octal(0, 8))
  put(116, octal(0, 8))
  put(124, octal(size, 12))
  put(136, octal(0, 12))
  put(148, "        ")
  put(156, type)
  put(257, "ustar\u000000")
  put(345, prefix)
  let sum = 0
  for (const byte of block) sum += byte
  put(148, octal(sum, 7) + " ")
  return block
}

const padding = (size: number): Uint8Array => new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK)

// ustar keeps a path as prefix (155 bytes) + "/" + name (100 bytes).
const split = (path: Uint8Array): { readonly name: Uint8Array; readonly prefix: Uint8Array } | undefined => {
  if (path.length <= 100) return { name: path, prefix: new Uint8Array(0) }
  for (let slash = path.lastIndexOf(0x2f); slash > 0; slash = path.lastIndexOf(0x2f, slash - 1)) {
    if (slash <= 155 && path.length - slash - 1 <= 100 && path.length - slash - 1 > 0) {
      return { name: path.subarray(slash + 1), prefix: path.subarray(0, slash) }
    }
  }
  return undefined
}

// A PAX record is "<length> path=<value>\n", where <length> counts its own digits.
const paxRecord = (key: string, value: Uint8Array): Uint8Array => {
  const body = encoder.encode(` ${key}=`)
  const rest = body.length + value.length + 1
  let length = rest + 1
  while (String(length).length + rest !== length) length++
  const record = new Uint8Array(length)
  record.set(encoder.encode(String(length)), 0)
  record.set(body, String(length).length)
  record.set(value, String(length).length + body.length)
  record[length - 1] = 0x0a
  return record
}

/**
 * The tar archive of these files (two zero blocks at the end).
 *
 * @internal
 */
export const pack = (entries: ReadonlyArray<Entry>): Uint8Array => {
  const parts: Array<Uint8Array> = []
  for (const entry of entries) {
    const path = encoder.encode(entry.path)
    const mode = entry.executable === true ? 0o755 : 0o644
    const fits = split(path)
    if (fits === undefined) {
      const record = paxRecord("path", path)
      parts.push(header(encoder.encode("PaxHeader"), new Uint8Array(0), record.length, 0o644, "x"), record, padding(record.length))
    }
    const { name, prefix } = fits ?? { name: path.subarray(Math.max(0, path.length - 100)), prefix: new Uint8Array(0) }
    parts.push(header(name, prefix, entry.data.length, mode, "0"), entry.data, padding(entry.data.length))
  }
  parts.push(new Uint8Array(BLOCK * 2))
  const total = parts.reduce((size, part) => size + part.length, 0)
  const archive = new Uint8Array(total)
  let offset = 0
  for (const part of parts) {
    archive.set(part, offset)
    offset += part.length
  }
  return archive
}
