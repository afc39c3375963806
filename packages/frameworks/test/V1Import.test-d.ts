import type { Estimator, Validation } from "@estimator/core"
import type * as E from "fp-ts/lib/Either.js"
import { describe, expectTypeOf, it } from "vitest"
import * as V1Import from "../src/V1Import.js"

describe("V1Import", () => {
  it("fromV1Call takes any parsed value and gives a spec with warnings, or errors and warnings", () => {
    expectTypeOf(V1Import.fromV1Call).parameter(0).toEqualTypeOf<unknown>()
    expectTypeOf(V1Import.fromV1Call).returns.toEqualTypeOf<E.Either<V1Import.Failure, V1Import.Imported>>()
    expectTypeOf<V1Import.Imported["spec"]>().toEqualTypeOf<Estimator.Estimator>()
    expectTypeOf<V1Import.Imported["warnings"]>().toEqualTypeOf<ReadonlyArray<Validation.Issue>>()
    expectTypeOf<V1Import.Failure["errors"]>().toEqualTypeOf<ReadonlyArray<Validation.Issue>>()
  })

  it("fromV1Calls gives one result per call; fromJson says whether the text held a list", () => {
    expectTypeOf(V1Import.fromV1Calls).returns.toEqualTypeOf<E.Either<V1Import.Failure, ReadonlyArray<V1Import.Result>>>()
    expectTypeOf(V1Import.fromJson).parameter(0).toEqualTypeOf<string>()
    expectTypeOf(V1Import.fromJson).returns.toEqualTypeOf<
      E.Either<V1Import.Failure, { readonly batch: boolean; readonly results: ReadonlyArray<V1Import.Result> }>
    >()
  })

  it("parse gives a Document that the importers accept", () => {
    expectTypeOf(V1Import.parse).returns.toEqualTypeOf<E.Either<V1Import.Failure, V1Import.Document>>()
    expectTypeOf<V1Import.Document>().toMatchTypeOf<Parameters<typeof V1Import.fromV1Call>[0]>()
    expectTypeOf(V1Import.isDocument).guards.toEqualTypeOf<V1Import.Document>()
  })

  it("the classes and their parameters are typed by class name", () => {
    expectTypeOf<V1Import.V1Class>().toEqualTypeOf<"Estimator" | "Chainer" | "PyTorch" | "TensorFlow" | "SKLearn">()
    expectTypeOf(V1Import.parameters.SKLearn).toEqualTypeOf<ReadonlyArray<string>>()
    // @ts-expect-error ScriptRunConfig is not an estimator class
    V1Import.parameters.ScriptRunConfig
  })

  it("Json numbers carry how they were written", () => {
    type JsonNumber = Extract<V1Import.Json, { readonly _tag: "Number" }>
    expectTypeOf<JsonNumber["literal"]>().toEqualTypeOf<string>()
    expectTypeOf<JsonNumber["float"]>().toEqualTypeOf<boolean>()
  })
})
