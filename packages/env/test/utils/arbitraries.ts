import * as fc from "fast-check"
import type * as Conda from "../../src/Conda.js"
import * as Requirements from "../../src/Requirements.js"
import * as ResolvedEnvironment from "../../src/ResolvedEnvironment.js"

/** Any text that is not blank, including YAML-significant characters and non-ASCII. */
export const text: fc.Arbitrary<string> = fc.oneof(
  fc.string({ minLength: 1, unit: "grapheme" }),
  fc.string({ minLength: 1, unit: "binary" }),
  fc.constantFrom("1.10", "true", "null", "~", "- x", "a: b", "#c", "{x}", "[y]", "'q'", "\"d\"", "*alias", "&anchor", "!tag", "? k", "|", ">", "yes", "0x1F", ".inf", "x #y")
).filter((s) => s.trim() !== "")

export const version: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 2, max: 3 }), fc.integer({ min: 0, max: 12 }), fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }))
  .map(([a, b, c]) => (c === undefined ? `${a}.${b}` : `${a}.${b}.${c}`))

const packageNameArb: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,12}[A-Za-z0-9])?$/)

/** Conda package specs (never a python=<version> pin, which the model keeps apart). */
export const condaDependency: fc.Arbitrary<string> = fc
  .oneof(
    fc.tuple(packageNameArb, fc.constantFrom("", "=", ">=", "=="), version).map(([n, op, v]) => (op === "" ? n : `${n}${op}${v}`)),
    text
  )
  .filter((d) => !/^python=[0-9][0-9A-Za-z.*+_-]*$/.test(d))

export const condaSpecification: fc.Arbitrary<Conda.CondaSpecification> = fc.record(
  {
    name: fc.string(),
    channels: fc.array(text, { maxLength: 4 }),
    python: version,
    dependencies: fc.array(condaDependency, { maxLength: 6 }),
    pip: fc.array(text, { maxLength: 6 })
  },
  { requiredKeys: ["channels", "dependencies", "pip"] }
)

const marker: fc.Arbitrary<string> = fc.constantFrom(
  "python_version < \"3.10\"",
  "sys_platform == 'linux'",
  "platform_machine == \"x86_64\" and python_version >= \"3.8\"",
  "extra == 'gpu'"
)

const specifier: fc.Arbitrary<string> = fc.oneof(
  fc.constant(""),
  version.map((v) => `==${v}`),
  fc.tuple(version, version).map(([a, b]) => `>=${a},<${b}`),
  version.map((v) => ` ~= ${v}`)
)

const extras: fc.Arbitrary<string> = fc.oneof(
  fc.constant(""),
  fc.array(packageNameArb, { minLength: 1, maxLength: 3 }).map((names) => `[${names.join(",")}]`)
)

export const requirement: fc.Arbitrary<Requirements.Requirement> = fc.oneof(
  fc.tuple(packageNameArb, extras, specifier, fc.option(marker, { nil: undefined })).map(([n, e, s, m]) =>
    Requirements.requirement(`${n}${e}${s}`, m)
  ),
  fc.tuple(packageNameArb, fc.hexaString({ minLength: 8, maxLength: 8 }), fc.option(marker, { nil: undefined })).map(([n, h, m]) =>
    Requirements.requirement(`${n}==1.0 --hash=sha256:${h}`, m)
  ),
  fc.tuple(packageNameArb, fc.option(marker, { nil: undefined })).map(([n, m]) =>
    Requirements.requirement(`${n} @ https://files.example.org/${n}-1.0-py3-none-any.whl`, m)
  ),
  packageNameArb.map((n) => Requirements.requirement(`./vendor/${n}`))
)

export const option: fc.Arbitrary<Requirements.Option> = fc.oneof(
  fc.tuple(fc.constantFrom("-i", "--index-url", "--extra-index-url", "-f", "--find-links"), packageNameArb).map(([o, h]) =>
    Requirements.option(o, `http://${h}.example:8765/simple`)
  ),
  fc.tuple(fc.constantFrom("-r", "--requirement", "-c", "--constraint"), packageNameArb).map(([o, f]) => Requirements.option(o, `${f}.txt`)),
  fc.tuple(fc.constantFrom("--trusted-host"), packageNameArb).map(([o, h]) => Requirements.option(o, h)),
  fc.constantFrom("--no-index", "--pre", "--prefer-binary", "--require-hashes").map((o) => Requirements.option(o))
)

export const requirements: fc.Arbitrary<Requirements.Requirements> = fc.array(fc.oneof(requirement, option), { maxLength: 8 })

export const pipLine: fc.Arbitrary<string> = requirement.map(Requirements.renderEntry)

export const secret = fc.oneof(
  fc.string().map((name) => ({ _tag: "Secret" as const, source: "env" as const, name })),
  fc.string().map((path) => ({ _tag: "Secret" as const, source: "file" as const, path }))
)

export const registry: fc.Arbitrary<ResolvedEnvironment.Registry> = fc.record(
  { address: fc.string({ minLength: 1 }), username: fc.string(), password: secret },
  { requiredKeys: ["address"] }
)

export const python: fc.Arbitrary<ResolvedEnvironment.Python> = fc.oneof(
  fc.constant(ResolvedEnvironment.userManaged),
  condaSpecification.map(ResolvedEnvironment.conda),
  fc.array(pipLine, { maxLength: 5 }).map(ResolvedEnvironment.pip)
)

const variables = fc.dictionary(fc.string({ minLength: 1 }), fc.string())

export const imageEnvironment: fc.Arbitrary<ResolvedEnvironment.ImageEnvironment> = fc
  .record({
    baseImage: fc.string({ minLength: 1 }),
    registry: fc.option(registry, { nil: undefined }),
    python,
    docker: fc.boolean(),
    environmentVariables: variables
  })
  .map(({ registry, ...rest }) => ResolvedEnvironment.image(registry === undefined ? rest : { ...rest, registry }))

export const resolvedEnvironment: fc.Arbitrary<ResolvedEnvironment.ResolvedEnvironment> = fc.oneof(
  imageEnvironment,
  fc.record({ context: fc.string(), dockerfile: fc.string({ minLength: 1 }), docker: fc.boolean(), environmentVariables: variables })
    .map(({ context, dockerfile, docker, environmentVariables }) => ({ ...ResolvedEnvironment.build(context, dockerfile), docker, environmentVariables })),
  fc.record(
    { name: fc.string({ minLength: 1 }), version: fc.string(), label: fc.string(), registry: fc.string() },
    { requiredKeys: ["name"] }
  ).chain((reference) =>
    fc.record({ docker: fc.boolean(), environmentVariables: variables }).map((common) => ({ ...ResolvedEnvironment.registered(reference), ...common }))
  )
)

/** The same value with the keys of every object rebuilt in an order drawn from `seed`. */
export const shuffleKeys = <A>(value: A, seed: number): A => {
  let state = seed >>> 0
  const next = (bound: number): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) % bound)
  }
  const go = (u: unknown): unknown => {
    if (Array.isArray(u)) return u.map(go)
    if (u === null || typeof u !== "object" || ArrayBuffer.isView(u)) return u
    const entries = Object.entries(u as Record<string, unknown>)
    for (let i = entries.length - 1; i > 0; i--) {
      const j = next(i + 1)
      const tmp = entries[i]!
      entries[i] = entries[j]!
      entries[j] = tmp
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, go(v)]))
  }
  return go(value) as A
}
