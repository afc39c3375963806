/**
 * The JSON Schema of the spec, for editors and tools that check JSON or YAML spec files. It is
 * derived from the same codec as `Estimator.decode`, so it accepts exactly the same shapes
 * (rules such as positive counts are `Validation`'s, not the schema's).
 *
 * @since 0.1.0
 */
import * as internalCodec from "./internal/codec.js"
import * as internalJsonSchema from "./internal/jsonSchema.js"

/**
 * A JSON Schema document.
 *
 * @category models
 * @since 0.1.0
 */
export type JsonSchema = internalJsonSchema.JsonSchema

/**
 * The JSON Schema (draft 2020-12) of an `Estimator` spec.
 *
 * @category constructors
 * @since 0.1.0
 */
export const estimator = (): JsonSchema => ({
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://estimator.dev/schema/estimator-v1.json",
  description: "An Estimator training-job spec (specVersion 1).",
  ...internalJsonSchema.fromCodec(internalCodec.Estimator)
})
