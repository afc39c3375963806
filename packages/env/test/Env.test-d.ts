import { Estimator, type Validation } from "@estimator/core"
import type * as E from "fp-ts/lib/Either.js"
import { pipe } from "fp-ts/lib/function.js"
import { describe, expectTypeOf, it } from "vitest"
import * as BaseImages from "../src/BaseImages.js"
import * as Conda from "../src/Conda.js"
import * as Dockerfile from "../src/Dockerfile.js"
import * as Hash from "../src/Hash.js"
import type * as ParseIssue from "../src/ParseIssue.js"
import * as Requirements from "../src/Requirements.js"
import * as ResolvedEnvironment from "../src/ResolvedEnvironment.js"

type Resolved = ResolvedEnvironment.ResolvedEnvironment
const spec = Estimator.make({ entryScript: "train.py" })
declare const resolved: Resolved

describe("env signatures", () => {
  it("parsers and compilers return Either with their issue types", () => {
    expectTypeOf(Conda.parse).returns.toEqualTypeOf<E.Either<ReadonlyArray<ParseIssue.ParseIssue>, Conda.CondaSpecification>>()
    expectTypeOf(Requirements.parse).returns.toEqualTypeOf<E.Either<ReadonlyArray<ParseIssue.ParseIssue>, Requirements.Requirements>>()
    expectTypeOf(ResolvedEnvironment.fromEstimator(spec, {})).toEqualTypeOf<E.Either<ReadonlyArray<Validation.Issue>, Resolved>>()
    expectTypeOf(Dockerfile.render(resolved)).toEqualTypeOf<E.Either<ReadonlyArray<Validation.Issue>, Dockerfile.Rendered>>()
    expectTypeOf(Conda.render).returns.toEqualTypeOf<string>()
    expectTypeOf(BaseImages.defaultImage).toEqualTypeOf<(gpu: boolean) => string>()
  })

  it("hashing takes a resolved environment and optional build inputs; a rendering is build inputs", () => {
    expectTypeOf(Hash.contentHash).parameters.toEqualTypeOf<[Resolved, Hash.BuildInputs?]>()
    expectTypeOf<Dockerfile.Rendered>().toMatchTypeOf<Hash.BuildInputs>()
    expectTypeOf(Hash.imageTag(resolved)).toEqualTypeOf<string>()
  })

  it("combinators are dual", () => {
    expectTypeOf(ResolvedEnvironment.withBaseImage("img")).toEqualTypeOf<(self: Resolved) => Resolved>()
    expectTypeOf(ResolvedEnvironment.withBaseImage(resolved, "img", { address: "r.io" })).toEqualTypeOf<Resolved>()
    expectTypeOf(ResolvedEnvironment.withPackages(["a"], ["b"])).toEqualTypeOf<(self: Resolved) => Resolved>()
    expectTypeOf(ResolvedEnvironment.withPackages(resolved, ["a"], ["b"])).toEqualTypeOf<Resolved>()
    expectTypeOf(ResolvedEnvironment.withEnvironmentVariables({ A: "1" })).toEqualTypeOf<(self: Resolved) => Resolved>()
    expectTypeOf(pipe(resolved, ResolvedEnvironment.withPython(ResolvedEnvironment.userManaged))).toEqualTypeOf<Resolved>()
    expectTypeOf(Conda.addPackages(["a"], ["b"])).toEqualTypeOf<(self: Conda.CondaSpecification) => Conda.CondaSpecification>()
  })

  it("the model is a readonly tagged union", () => {
    expectTypeOf<Resolved["_tag"]>().toEqualTypeOf<"Image" | "Build" | "Registered">()
    expectTypeOf<ResolvedEnvironment.Python["_tag"]>().toEqualTypeOf<"UserManaged" | "Conda" | "Pip">()
    const image = ResolvedEnvironment.image({ baseImage: "a" })
    // @ts-expect-error the model is readonly
    image.baseImage = "b"
    // @ts-expect-error registry passwords are Secret references, never strings
    ResolvedEnvironment.image({ baseImage: "a", registry: { address: "r", password: "hunter2" } })
    // @ts-expect-error environment variables are strings
    ResolvedEnvironment.withEnvironmentVariables(resolved, { A: 1 })
  })
})
