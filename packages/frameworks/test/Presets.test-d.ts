import type { Estimator, Framework } from "@estimator/core"
import { pipe } from "fp-ts/lib/function.js"
import { describe, expectTypeOf, it } from "vitest"
import * as Catalog from "../src/Catalog.js"
import { chainer } from "../src/Chainer.js"
import * as Chainer from "../src/Chainer.js"
import { frameworkEnvironment } from "../src/FrameworkEnvironment.js"
import type { EffectivePackages, FrameworkEnvironment } from "../src/FrameworkEnvironment.js"
import { pytorch } from "../src/PyTorch.js"
import * as PyTorch from "../src/PyTorch.js"
import { sklearn } from "../src/SKLearn.js"
import * as SKLearn from "../src/SKLearn.js"
import { tensorflow } from "../src/TensorFlow.js"

type Preset = (self: Estimator.Estimator) => Estimator.Estimator

describe("presets", () => {
  it("do not compile with an unsupported version", () => {
    // @ts-expect-error Chainer 1.0.0 is not supported
    chainer("1.0.0")
    // @ts-expect-error PyTorch versions are "1.4", not "1.4.0"
    pytorch("1.4.0")
    // @ts-expect-error TensorFlow 2.3 is not in the estimator's list
    tensorflow("2.3")
    // @ts-expect-error scikit-learn 1.0 is not supported
    sklearn("1.0")
    // @ts-expect-error a version is a string literal, not any string
    chainer("7.0.0" as string)
  })

  it("are data-last combinators", () => {
    expectTypeOf(chainer("7.0.0")).toEqualTypeOf<(self: Estimator.Estimator) => Estimator.Estimator>()
    expectTypeOf(chainer()).toEqualTypeOf<Preset>()
    expectTypeOf(pytorch("1.6")).toEqualTypeOf<Preset>()
    expectTypeOf(tensorflow("2.2")).toEqualTypeOf<Preset>()
    expectTypeOf(sklearn("0.20.3")).toEqualTypeOf<Preset>()
    expectTypeOf(pipe({} as Estimator.Estimator, chainer("7.0.0"))).toEqualTypeOf<Estimator.Estimator>()
  })

  it("take exactly the supported versions", () => {
    expectTypeOf(chainer).parameter(0).toEqualTypeOf<"5.1.0" | "7.0.0" | undefined>()
    expectTypeOf(pytorch).parameter(0).toEqualTypeOf<"1.0" | "1.1" | "1.2" | "1.3" | "1.4" | "1.5" | "1.6" | undefined>()
    expectTypeOf(tensorflow).parameter(0).toEqualTypeOf<"1.10" | "1.12" | "1.13" | "2.0" | "2.1" | "2.2" | undefined>()
    expectTypeOf(sklearn).parameter(0).toEqualTypeOf<"0.20.3" | undefined>()
  })
})

describe("module constants", () => {
  it("are typed by the catalogue", () => {
    expectTypeOf(Chainer.FRAMEWORK_NAME).toEqualTypeOf<"Chainer">()
    expectTypeOf(Chainer.DEFAULT_VERSION).toEqualTypeOf<Framework.ChainerVersion>()
    expectTypeOf(PyTorch.supportedVersions).toEqualTypeOf<ReadonlyArray<Framework.PyTorchVersion>>()
    expectTypeOf(Catalog.byName.TensorFlow.supportedVersions).toEqualTypeOf<ReadonlyArray<Framework.TensorFlowVersion>>()
  })
})

describe("environments", () => {
  it("are optional only where a version or processor may have none", () => {
    expectTypeOf(Chainer.environment("7.0.0", true)).toEqualTypeOf<FrameworkEnvironment>()
    expectTypeOf(SKLearn.environment("0.20.3", false)).toEqualTypeOf<FrameworkEnvironment>()
    expectTypeOf(SKLearn.environment("0.20.3", true as boolean)).toEqualTypeOf<FrameworkEnvironment | undefined>()
    expectTypeOf(frameworkEnvironment).returns.toEqualTypeOf<FrameworkEnvironment | undefined>()
    expectTypeOf<EffectivePackages["warnings"][number]["severity"]>().toEqualTypeOf<"error" | "warning">()
  })
})
