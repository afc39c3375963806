/**
 * Reading and writing YAML the way the Azure ML CLI does. The CLI loads job files with PyYAML,
 * which implements YAML 1.1: `yes`/`on`/`off` are booleans, `0777` is octal, `1:30` is 90. The
 * `yaml` package's 1.1 schema matches that except for `y`/`n`, which PyYAML reads as strings, so
 * its boolean tags are narrowed accordingly. Writing with the same schema quotes every string that
 * PyYAML would read as something else.
 *
 * @internal
 */
import * as Yaml from "yaml"

type Tags = Extract<NonNullable<Yaml.SchemaOptions["customTags"]>, ReadonlyArray<unknown>>

const BOOL = "tag:yaml.org,2002:bool"
const INT = "tag:yaml.org,2002:int"
const FLOAT = "tag:yaml.org,2002:float"

// PyYAML's resolvers (resolver.py), where they differ from the `yaml` package's YAML 1.1 schema:
// `y`/`n` are strings, a decimal int has no leading zero, a float needs a digit and a dot, and an
// exponent needs a dot and a sign (`1e5` is a string, `1.0e+5` a float).
const PY_DECIMAL = /^[-+]?(?:0|[1-9][0-9_]*)$/
const PY_FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)$/
const PY_FLOAT_EXP = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)[eE][-+][0-9]+$/

/** `1e+21` → `1.0e+21`, so that PyYAML reads a number back. */
const withExponentDot = (text: string): string => (/^[-+]?[0-9]+e[-+][0-9]+$/.test(text) ? text.replace("e", ".0e") : text)

const pyYamlTags = (tags: Tags): Tags =>
  tags.map((tag) => {
    if (typeof tag !== "object" || !("test" in tag) || !(tag.test instanceof RegExp)) return tag
    const scalar = tag as Yaml.ScalarTag
    const source = tag.test.source
    const number = (test: RegExp): Yaml.ScalarTag => {
      const stringify = scalar.stringify
      return stringify === undefined
        ? { ...scalar, test }
        : { ...scalar, test, stringify: (item, context, onComment, onChompKeep) => withExponentDot(stringify(item, context, onComment, onChompKeep)) }
    }
    if (tag.tag === BOOL) return { ...scalar, test: new RegExp(source.replace("Y|y|", "").replace("N|n|", "")) }
    if (tag.tag === INT && tag.format === undefined) return number(PY_DECIMAL)
    if (tag.tag === FLOAT && tag.format === "EXP") return number(PY_FLOAT_EXP)
    if (tag.tag === FLOAT && tag.format === undefined && !/inf|nan/i.test(source)) return number(PY_FLOAT)
    if (tag.tag === INT || tag.tag === FLOAT) return number(tag.test)
    return tag
  })

const schemaOptions = { version: "1.1", customTags: pyYamlTags } as const

/** @internal */
export type YamlPath = ReadonlyArray<string | number>

/** @internal */
export interface Position {
  readonly line: number
  readonly column: number
}

/** @internal */
export interface ParsedYaml {
  readonly value: unknown
  /** Where the value (or, with `atKey`, the key) at `path` starts. */
  readonly locate: (path: YamlPath, atKey?: boolean) => Position | undefined
}

/** @internal */
export interface SyntaxError {
  readonly message: string
  readonly position?: Position
}

const findPair = (map: Yaml.YAMLMap, key: string | number): Yaml.Pair | undefined =>
  map.items.find((pair) => {
    const k: unknown = pair.key
    const value = Yaml.isScalar(k) ? k.value : k
    return String(value) === String(key)
  })

/**
 * Parse one YAML document; every syntax error with its line and column (1-based).
 *
 * @internal
 */
export const parse = (text: string): { readonly _tag: "Ok"; readonly parsed: ParsedYaml } | { readonly _tag: "Errors"; readonly errors: ReadonlyArray<SyntaxError> } => {
  const lineCounter = new Yaml.LineCounter()
  const documents = Yaml.parseAllDocuments(text, { ...schemaOptions, lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: "error" })
  const list = Array.isArray(documents) ? documents : []
  const toPosition = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset)
    return { line, column: col }
  }
  const errors: Array<SyntaxError> = list.flatMap((document) =>
    document.errors.map((error) => ({ message: error.message, position: toPosition(error.pos[0]) }))
  )
  if (list.length > 1) {
    const second = list[1]
    const offset = second?.range[0]
    errors.push(
      offset === undefined
        ? { message: "The file holds more than one YAML document; a job file holds exactly one." }
        : { message: "The file holds more than one YAML document; a job file holds exactly one.", position: toPosition(offset) }
    )
  }
  if (errors.length > 0) return { _tag: "Errors", errors }
  const document = list[0]
  if (document === undefined) return { _tag: "Ok", parsed: { value: null, locate: () => undefined } }
  const locate = (path: YamlPath, atKey = false): Position | undefined => {
    let node: unknown = document.contents
    let keyNode: unknown = undefined
    for (const segment of path) {
      if (Yaml.isMap(node)) {
        const pair = findPair(node, segment)
        if (pair === undefined) return undefined
        keyNode = pair.key
        node = pair.value
      } else if (Yaml.isSeq(node) && typeof segment === "number") {
        keyNode = undefined
        node = node.items[segment]
      } else {
        return undefined
      }
    }
    const target = atKey && keyNode !== undefined ? keyNode : node
    const range = Yaml.isNode(target) ? target.range : undefined
    return range === undefined || range === null ? undefined : toPosition(range[0])
  }
  try {
    return { _tag: "Ok", parsed: { value: document.toJS({ maxAliasCount: 1000 }), locate } }
  } catch (cause) {
    // Resolving aliases can fail after a clean parse (an alias before its anchor, alias bombs).
    const message = cause instanceof Error ? cause.message : String(cause)
    let position: Position | undefined
    Yaml.visit(document, {
      Alias(_, alias) {
        if (alias.resolve(document) !== undefined) return undefined
        if (alias.range !== undefined && alias.range !== null) position = toPosition(alias.range[0])
        return Yaml.visit.BREAK
      }
    })
    return { _tag: "Errors", errors: [position === undefined ? { message } : { message, position }] }
  }
}

/**
 * Write plain data as YAML that PyYAML reads back as the same data (no line folding).
 *
 * @internal
 */
export const stringify = (value: unknown): string => Yaml.stringify(value, { ...schemaOptions, lineWidth: 0, aliasDuplicateObjects: false })
