import { Estimator, Framework, Secret } from "@estimator/core"
import type { Validation } from "@estimator/core"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Catalog from "../src/Catalog.js"
import { effectivePackages, frameworkEnvironment, packageName, PACKAGES_OVERRIDDEN } from "../src/FrameworkEnvironment.js"
import type { EffectivePackages } from "../src/FrameworkEnvironment.js"

// `effectivePackages` merges in one pass with plain loops; this property pins it to the
// straightforward implementation it replaced (`Set`s, `Object.entries`/`fromEntries`, spreads),
// values and key order alike (compared as JSON text too).

const reference = (spec: Estimator.Estimator): EffectivePackages => {
  const env = spec.environment
  const user = { condaPackages: env.condaPackages, pipPackages: env.pipPackages }
  const framework = spec.framework === undefined ? undefined : frameworkEnvironment(spec.framework, spec.gpu)
  if (spec.framework === undefined || framework === undefined) {
    return { ...user, environmentVariables: spec.environmentVariables, warnings: [] }
  }
  const frameworkVariables = Object.entries(framework.environmentVariables).filter(([name]) => !Object.hasOwn(spec.secretEnvironmentVariables, name))
  const base = { framework, environmentVariables: { ...Object.fromEntries(frameworkVariables), ...spec.environmentVariables } }
  if (env.userManagedPython || env.registered !== undefined) return { ...base, ...user, warnings: [] }
  const image = env.docker && env.image === undefined && env.build === undefined ? { baseImage: framework.baseImage } : {}
  if (env.condaFile !== undefined) return { ...base, ...image, ...user, warnings: [] }
  const userNames = new Set([...env.condaPackages, ...env.pipPackages].map(packageName))
  const kept = (specification: string) => !userNames.has(packageName(specification))
  const frameworkNames = new Set([...framework.condaPackages, ...framework.pipPackages].map(packageName))
  const overridden = [...frameworkNames].filter((name) => userNames.has(name))
  const inConda = env.condaPackages.some((p) => frameworkNames.has(packageName(p)))
  const inPip = env.pipPackages.some((p) => frameworkNames.has(packageName(p)))
  const warnings: ReadonlyArray<Validation.Issue> = overridden.length === 0 ? [] : [{
    path: inConda && inPip ? "environment" : inConda ? "environment.condaPackages" : "environment.pipPackages",
    code: PACKAGES_OVERRIDDEN,
    message: `You have specified to install packages in your run. Note that you have overridden Azure ML's installation of the following packages: [${overridden.map((name) => `'${name}'`).join(", ")}]. We cannot guarantee image build will succeed.`,
    hint: `The ${spec.framework.name} ${spec.framework.version} environment pins ${overridden.join(", ")}: remove ${overridden.length === 1 ? "it" : "them"} from withPip/withConda to keep its tested versions, or keep yours if you need them.`,
    severity: "warning"
  }]
  return {
    ...base,
    ...image,
    condaPackages: [...framework.condaPackages.filter(kept), ...env.condaPackages],
    pipPackages: [...framework.pipPackages.filter(kept), ...env.pipPackages],
    warnings
  }
}

const versions = Catalog.frameworks.flatMap((entry) => entry.versions.map((v) => ({ name: entry.name, version: v.version as string })))
const framework: fc.Arbitrary<Framework.Framework | undefined> = fc.oneof(
  fc.constantFrom(...versions),
  fc.record({ name: fc.constantFrom(...Framework.names), version: fc.constantFrom("0.1", "1.4.0", "9") }),
  fc.constant(undefined)
)

/** Package names of every framework, re-pinned, mixed with unrelated ones and odd spellings. */
const frameworkNames = [...new Set(versions.flatMap((v) => {
  const cpu = frameworkEnvironment(v, false)
  const gpu = frameworkEnvironment(v, true)
  return [...(cpu === undefined ? [] : [...cpu.condaPackages, ...cpu.pipPackages]), ...(gpu === undefined ? [] : [...gpu.condaPackages, ...gpu.pipPackages])].map(packageName)
}))]
const specification = fc.tuple(
  fc.oneof(fc.constantFrom(...frameworkNames), fc.constantFrom("numpy", "Torch", "tensorflow_gpu", "python", "pip")),
  fc.constantFrom("", "==9.9", ">=1", "=3.6.2")
).map(([name, pin]) => `${name}${pin}`)
const packages = fc.array(specification, { maxLength: 4 })

/** Variable names that collide with the frameworks' (`NCCL_TREE_THRESHOLD`), and `__proto__`. */
const variableName = fc.constantFrom("NCCL_TREE_THRESHOLD", "A", "b_1", "__proto__", "OMP_NUM_THREADS")
const variables = fc.array(fc.tuple(variableName, fc.string({ maxLength: 3 })), { maxLength: 3 }).map((entries) =>
  JSON.parse(JSON.stringify(Object.fromEntries(entries))) as { readonly [name: string]: string }
)
const secrets = fc.array(variableName, { maxLength: 2 }).map((names) => Object.fromEntries(names.map((name) => [name, Secret.fromEnv(name)])))

const spec: fc.Arbitrary<Estimator.Estimator> = fc.record({
  framework,
  gpu: fc.boolean(),
  docker: fc.boolean(),
  userManagedPython: fc.boolean(),
  image: fc.boolean(),
  build: fc.boolean(),
  registered: fc.boolean(),
  condaFile: fc.boolean(),
  condaPackages: packages,
  pipPackages: packages,
  environmentVariables: variables,
  secretEnvironmentVariables: secrets
}).map((s) => {
  const base = Estimator.make({ entryScript: "train.py" })
  return {
    ...base,
    ...(s.framework === undefined ? {} : { framework: s.framework }),
    gpu: s.gpu,
    environmentVariables: s.environmentVariables,
    secretEnvironmentVariables: s.secretEnvironmentVariables,
    environment: {
      docker: s.docker,
      userManagedPython: s.userManagedPython,
      condaPackages: s.condaPackages,
      pipPackages: s.pipPackages,
      ...(s.image ? { image: { name: "me/img:1" } } : {}),
      ...(s.build ? { build: { context: "docker" } } : {}),
      ...(s.registered ? { registered: { name: "env" } } : {}),
      ...(s.condaFile ? { condaFile: "env.yml" } : {})
    }
  }
})

describe("effectivePackages against the straightforward implementation", () => {
  it("gives the same packages, image, variables and warnings, in the same key order", () => {
    fc.assert(fc.property(spec, (s) => {
      const actual = effectivePackages(s)
      const expected = reference(s)
      expect(actual).toStrictEqual(expected)
      expect(JSON.stringify(actual)).toBe(JSON.stringify(expected))
      expect(Object.keys(actual.environmentVariables)).toEqual(Object.keys(expected.environmentVariables))
    }), { numRuns: 2000 })
  })
})

describe("framework environments", () => {
  it("are the same values on every call (built once)", () => {
    for (const v of versions) {
      for (const gpu of [false, true]) {
        expect(frameworkEnvironment(v, gpu)).toBe(frameworkEnvironment(v, gpu))
      }
    }
  })
})
