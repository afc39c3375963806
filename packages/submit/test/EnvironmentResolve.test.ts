import type { Estimator } from "@estimator/core"
import { Secret } from "@estimator/core"
import { Conda, ResolvedEnvironment } from "@estimator/env"
import * as FrameworkEnvironment from "@estimator/frameworks/FrameworkEnvironment"
import { Either } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as environment from "../src/internal/environment.js"
import * as Testing from "../src/Testing.js"

// `resolve` applies the framework's image, packages, Python pin and variables in one copy of the
// environment; this property pins it to the straightforward composition of the public
// combinators it replaced, values and key order alike (compared as JSON text too).

const withFrameworkPython = (
  resolved: ResolvedEnvironment.ResolvedEnvironment,
  spec: Estimator.Estimator,
  frameworkConda: ReadonlyArray<string>
): ResolvedEnvironment.ResolvedEnvironment => {
  const pin = frameworkConda.map(Conda.pythonPin).find((version) => version !== undefined)
  const userPinned = spec.environment.condaFile !== undefined ||
    spec.environment.condaPackages.some((dependency) => Conda.pythonPin(dependency) !== undefined)
  if (pin === undefined || userPinned || resolved._tag !== "Image" || resolved.python._tag !== "Conda") return resolved
  return ResolvedEnvironment.withPython(resolved, ResolvedEnvironment.conda({ ...resolved.python.specification, python: pin }))
}

const reference = (
  spec: Estimator.Estimator,
  files: { readonly [relativePath: string]: string },
  options: { readonly azuremlDefaults: boolean; readonly validated?: boolean }
): Either.Either<environment.JobEnvironment, ReadonlyArray<unknown>> => {
  const resolved = ResolvedEnvironment.fromEstimator(spec, files, { azuremlDefaults: options.azuremlDefaults, validated: options.validated ?? false })
  if (resolved._tag === "Left") return Either.left(resolved.left)
  const effective = FrameworkEnvironment.effectivePackages(spec)
  let result = resolved.right
  if (effective.baseImage !== undefined) result = ResolvedEnvironment.withBaseImage(result, effective.baseImage)
  if (effective.framework !== undefined) {
    result = ResolvedEnvironment.withPackages(result, effective.condaPackages, effective.pipPackages)
    result = withFrameworkPython(result, spec, effective.framework.condaPackages)
    const frameworkVariables = Object.fromEntries(
      Object.entries(effective.framework.environmentVariables).filter(([name]) =>
        !(name in spec.secretEnvironmentVariables) && !(name in spec.environmentVariables)
      )
    )
    result = ResolvedEnvironment.withEnvironmentVariables(result, frameworkVariables)
  }
  return Either.right({
    environment: result,
    variables: { ...result.environmentVariables, ...spec.environmentVariables },
    warnings: effective.warnings
  })
}

const files = {
  [Testing.arbitraries.CONDA_FILE]: "dependencies:\n  - python=3.10\n  - numpy\n",
  [Testing.arbitraries.REQUIREMENTS_FILE]: "numpy\ntorch==1.4.0\n--extra-index-url http://x/simple\n"
}

const frameworks: ReadonlyArray<Estimator.Estimator["framework"]> = [
  { name: "PyTorch", version: "1.6" },
  { name: "PyTorch", version: "1.2" },
  { name: "TensorFlow", version: "2.1" },
  { name: "Chainer", version: "7.0.0" },
  { name: "SKLearn", version: "0.20.3" },
  { name: "PyTorch", version: "0.1" }
]

/** Valid specs, some changed to meet the frameworks' rules: their packages, Python pins and variable names. */
const spec: fc.Arbitrary<Estimator.Estimator> = fc.tuple(
  Testing.arbitraries.estimator,
  fc.option(fc.constantFrom(...frameworks), { nil: undefined, freq: 3 }),
  fc.subarray(["torch==1.0", "horovod", "numpy", "tensorflow==2.0"]),
  fc.subarray(["python=3.7", "pip", "mpi4py", "python>=3.8"]),
  fc.subarray(["NCCL_TREE_THRESHOLD", "A"]),
  fc.subarray(["NCCL_TREE_THRESHOLD", "B"])
).map(([base, framework, pip, conda, plain, secret]) => {
  const env = base.environment
  const userInstalls = env.registered === undefined && env.build === undefined && !env.userManagedPython && env.condaFile === undefined
  return {
    ...base,
    ...(framework === undefined ? {} : { framework }),
    environment: userInstalls ? { ...env, pipPackages: [...env.pipPackages, ...pip], condaPackages: [...env.condaPackages, ...conda] } : env,
    environmentVariables: { ...base.environmentVariables, ...Object.fromEntries(plain.map((name) => [name, "1"])) },
    secretEnvironmentVariables: { ...base.secretEnvironmentVariables, ...Object.fromEntries(secret.map((name) => [name, Secret.fromEnv(name)])) }
  }
})

describe("resolve against the composition of the public combinators", () => {
  it("gives the same environment, variables and warnings (or issues), in the same key order", () => {
    fc.assert(fc.property(spec, fc.boolean(), fc.boolean(), (s, azuremlDefaults, validated) => {
      const options = { azuremlDefaults, validated }
      const actual = environment.resolve(s, files, options)
      const expected = reference(s, files, options)
      expect(actual).toStrictEqual(expected)
      expect(JSON.stringify(actual)).toBe(JSON.stringify(expected))
    }), { numRuns: 1500 })
  })

  it("covers frameworks with variables, overridden packages and replaced Python pins", () => {
    const samples = fc.sample(spec, { numRuns: 1500, seed: 7 })
    const resolved = samples.map((s) => environment.resolve(s, files, { azuremlDefaults: true, validated: true }))
    const rights = resolved.flatMap((r) => (Either.isRight(r) ? [r.right] : []))
    expect(rights.some((r) => "NCCL_TREE_THRESHOLD" in r.environment.environmentVariables)).toBe(true)
    expect(rights.some((r) => r.warnings.some((w) => w.code === FrameworkEnvironment.PACKAGES_OVERRIDDEN))).toBe(true)
    expect(rights.some((r) => r.environment._tag === "Image" && r.environment.python._tag === "Conda" && r.environment.python.specification.python === "3.6.2")).toBe(true)
    expect(rights.some((r) => r.environment._tag !== "Image" && Object.keys(r.environment.environmentVariables).length > 0)).toBe(true)
  })
})
