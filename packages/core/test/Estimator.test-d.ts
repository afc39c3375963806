import { pipe } from "fp-ts/lib/function.js"
import { describe, expectTypeOf, it } from "vitest"
import * as Data from "../src/Data.js"
import * as Estimator from "../src/Estimator.js"
import * as Framework from "../src/Framework.js"
import * as Secret from "../src/Secret.js"

const base = Estimator.make({ entryScript: "train.py" })

describe("Estimator types", () => {
  it("both dual forms return an Estimator", () => {
    expectTypeOf(Estimator.withMpi(2, 4)).toEqualTypeOf<(self: Estimator.Estimator) => Estimator.Estimator>()
    expectTypeOf(Estimator.withMpi(base, 2, 4)).toEqualTypeOf<Estimator.Estimator>()
    expectTypeOf(Estimator.withImage("img")).toEqualTypeOf<(self: Estimator.Estimator) => Estimator.Estimator>()
    expectTypeOf(Estimator.withImage(base, "img")).toEqualTypeOf<Estimator.Estimator>()
    expectTypeOf(Estimator.withArgs("a", 1, true)).toEqualTypeOf<(self: Estimator.Estimator) => Estimator.Estimator>()
    expectTypeOf(Estimator.withArgs(base, "a", Data.input("x"))).toEqualTypeOf<Estimator.Estimator>()
    expectTypeOf(pipe(base, Estimator.withGpu, Estimator.withMpi(2, 4), Estimator.withConda(["numpy"]))).toEqualTypeOf<Estimator.Estimator>()
  })

  it("wrong combinator arguments do not compile", () => {
    // @ts-expect-error counts are numbers
    Estimator.withMpi("2", 4)
    // @ts-expect-error conda packages are a list
    Estimator.withConda("numpy")
    // @ts-expect-error a compute is one of Local | Cluster | Serverless
    Estimator.withCompute({ _tag: "Kubernetes" })
    // @ts-expect-error vm priority is dedicated | lowpriority
    Estimator.serverless("Standard_NC6", "spot")
    // @ts-expect-error secret env values are Secret references, never plain strings
    Estimator.withSecretEnv({ TOKEN: "s3cr3t" })
    // @ts-expect-error PyTorch backends are nccl | gloo
    Estimator.withPyTorchDistribution({ nodeCount: 1, processCountPerNode: 2, backend: "mpi" })
    // @ts-expect-error make needs an entry script or a command
    Estimator.make({ sourceDirectory: "." })
    // @ts-expect-error resumeFrom takes a datastore path
    Estimator.withResumeFrom(Data.fromUri("https://x"))
  })

  it("framework versions are checked at compile time", () => {
    expectTypeOf(Framework.make("Chainer", "7.0.0")).toEqualTypeOf<Framework.Framework>()
    // @ts-expect-error Chainer supports 5.1.0 and 7.0.0 only
    Framework.make("Chainer", "1.0.0")
    // @ts-expect-error versions are exact strings: "1.4", not "1.4.0"
    Framework.make("PyTorch", "1.4.0")
    // @ts-expect-error unknown framework
    Framework.make("Keras", "2.0")
    expectTypeOf<Framework.ChainerVersion>().toEqualTypeOf<"5.1.0" | "7.0.0">()
  })

  it("the spec is readonly", () => {
    // @ts-expect-error fields are readonly
    base.nodeCount = 2
    // @ts-expect-error arrays are readonly
    base.environment.pipPackages.push("x")
  })

  it("secrets are references", () => {
    expectTypeOf(Secret.fromEnv("X")).toEqualTypeOf<Secret.Secret>()
    expectTypeOf<Secret.Secret>().not.toHaveProperty("value")
  })
})
