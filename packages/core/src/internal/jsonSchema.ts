/**
 * Derives a JSON Schema (draft 2020-12) from the spec's io-ts codec, so the schema editors use
 * cannot drift from what `decode` accepts.
 *
 * @internal
 */
import type * as t from "io-ts"
import { OneOfType, StrictType, TaggedUnionType } from "./codec.js"

/** @internal */
export type JsonSchema = { readonly [key: string]: unknown }

/** @internal */
export const fromCodec = (codec: t.Mixed): JsonSchema => {
  if (codec instanceof StrictType) {
    const properties = Object.fromEntries(
      [...Object.entries(codec.required), ...Object.entries(codec.optional)].map(([key, type]) => [key, fromCodec(type)])
    )
    return {
      type: "object",
      title: codec.name,
      properties,
      required: Object.keys(codec.required),
      additionalProperties: false
    }
  }
  if (codec instanceof TaggedUnionType) return { oneOf: codec.members.map(fromCodec) }
  if (codec instanceof OneOfType) return { anyOf: codec.alternatives.map(fromCodec) }
  const tagged = codec as t.Mixed & { readonly _tag?: string }
  switch (tagged._tag) {
    case "StringType":
      return { type: "string" }
    case "NumberType":
      return { type: "number" }
    case "BooleanType":
      return { type: "boolean" }
    case "LiteralType":
      return { const: (codec as t.LiteralC<string | number | boolean>).value }
    case "KeyofType":
      return { enum: Object.keys((codec as t.KeyofC<Record<string, unknown>>).keys) }
    case "ReadonlyArrayType":
      return { type: "array", items: fromCodec((codec as unknown as { readonly type: t.Mixed }).type) }
    case "DictionaryType":
      return { type: "object", additionalProperties: fromCodec((codec as unknown as { readonly codomain: t.Mixed }).codomain) }
    case "UnknownType":
      return {}
    default:
      throw new Error(`jsonSchema: no JSON Schema rule for io-ts type ${codec.name} (${String(tagged._tag)})`)
  }
}
