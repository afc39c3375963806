import { createHash } from "node:crypto"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Conda from "../src/Conda.js"
import * as Hash from "../src/Hash.js"
import * as ResolvedEnvironment from "../src/ResolvedEnvironment.js"
import * as Arb from "./utils/arbitraries.js"

const buildInputs: fc.Arbitrary<Hash.BuildInputs> = fc.record(
  {
    dockerfile: fc.string(),
    files: fc.dictionary(fc.string({ minLength: 1 }), fc.oneof(fc.string(), fc.uint8Array()))
  },
  { requiredKeys: [] }
)

const conda = (spec: Conda.CondaSpecification) =>
  ResolvedEnvironment.image({ baseImage: "base:1", python: ResolvedEnvironment.conda(spec) })

describe("Hash.canonicalJson", () => {
  it("sorts keys at every level, keeps array order, drops undefined", () => {
    expect(Hash.canonicalJson({ b: 1, a: [{ d: 2, c: "x" }, null], e: undefined })).toBe("{\"a\":[{\"c\":\"x\",\"d\":2},null],\"b\":1}")
  })
})

describe("Hash.contentHash", () => {
  it("is 64 lower-case hex digits, a SHA-256 of the canonical JSON", () => {
    fc.assert(fc.property(Arb.resolvedEnvironment, (resolved) => {
      expect(Hash.contentHash(resolved)).toMatch(/^[0-9a-f]{64}$/)
    }))
    const resolved = ResolvedEnvironment.build("ctx", "Dockerfile")
    const expected = createHash("sha256").update(Hash.canonicalJson({
      scheme: Hash.SCHEME,
      environment: { _tag: "Build", docker: true, context: "ctx", dockerfile: "Dockerfile" },
      files: {}
    })).digest("hex")
    expect(Hash.contentHash(resolved)).toBe(expected)
  })

  it("does not depend on the key order of the values", () => {
    fc.assert(fc.property(Arb.resolvedEnvironment, buildInputs, fc.nat(), (resolved, inputs, seed) => {
      expect(Hash.contentHash(Arb.shuffleKeys(resolved, seed), Arb.shuffleKeys(inputs, seed + 1))).toBe(Hash.contentHash(resolved, inputs))
    }))
  })

  it("ignores environment variables", () => {
    fc.assert(fc.property(Arb.resolvedEnvironment, fc.dictionary(fc.string({ minLength: 1 }), fc.string()), (resolved, variables) => {
      expect(Hash.contentHash(ResolvedEnvironment.withEnvironmentVariables(resolved, variables))).toBe(Hash.contentHash(resolved))
    }))
  })

  it("ignores registry credentials but not the registry address", () => {
    fc.assert(fc.property(Arb.imageEnvironment, Arb.registry, fc.string(), (resolved, registry, username) => {
      const a = ResolvedEnvironment.withBaseImage(resolved, resolved.baseImage, registry)
      const b = ResolvedEnvironment.withBaseImage(resolved, resolved.baseImage, { address: registry.address, username })
      expect(Hash.contentHash(a)).toBe(Hash.contentHash(b))
      const moved = ResolvedEnvironment.withBaseImage(resolved, resolved.baseImage, { ...registry, address: `${registry.address}.other` })
      expect(Hash.contentHash(moved)).not.toBe(Hash.contentHash(a))
    }))
  })

  it("changes with the base image", () => {
    fc.assert(fc.property(Arb.imageEnvironment, fc.string({ minLength: 1 }), (resolved, image) => {
      fc.pre(image !== resolved.baseImage)
      expect(Hash.contentHash(ResolvedEnvironment.withBaseImage(resolved, image, resolved.registry))).not.toBe(Hash.contentHash(resolved))
    }))
  })

  it("changes with any added conda or pip package, the Python version and the channels", () => {
    fc.assert(fc.property(Arb.condaSpecification, Arb.condaDependency, Arb.text, (spec, dependency, line) => {
      const h = Hash.contentHash(conda(spec))
      fc.pre(!spec.dependencies.includes(dependency) && !spec.pip.includes(line))
      expect(Hash.contentHash(conda({ ...spec, dependencies: [...spec.dependencies, dependency] }))).not.toBe(h)
      expect(Hash.contentHash(conda({ ...spec, pip: [...spec.pip, line] }))).not.toBe(h)
      expect(Hash.contentHash(conda({ ...spec, python: `${spec.python ?? "3"}.1` }))).not.toBe(h)
      expect(Hash.contentHash(conda({ ...spec, channels: [...spec.channels, "extra"] }))).not.toBe(h)
    }))
  })

  it("changes with the way Python is provided and with the Docker flag", () => {
    const spec = Conda.fromPip(["numpy"])
    const hashes = new Set([
      Hash.contentHash(conda(spec)),
      Hash.contentHash(ResolvedEnvironment.image({ baseImage: "base:1", python: ResolvedEnvironment.pip(["numpy"]) })),
      Hash.contentHash(ResolvedEnvironment.image({ baseImage: "base:1", python: ResolvedEnvironment.userManaged })),
      Hash.contentHash({ ...conda(spec), docker: false })
    ])
    expect(hashes.size).toBe(4)
  })

  it("changes with the Dockerfile and with any file's content, and reads bytes and text alike", () => {
    fc.assert(fc.property(Arb.resolvedEnvironment, fc.string({ minLength: 1 }), fc.string(), fc.string(), (resolved, path, content, other) => {
      fc.pre(content !== other)
      const h = Hash.contentHash(resolved, { files: { [path]: content } })
      expect(Hash.contentHash(resolved, { files: { [path]: other } })).not.toBe(h)
      expect(Hash.contentHash(resolved, { files: { [path]: new TextEncoder().encode(content) } })).toBe(h)
      expect(Hash.contentHash(resolved, { files: { [path]: content }, dockerfile: "FROM x\n" })).not.toBe(h)
      expect(Hash.contentHash(resolved, { files: { [path]: content }, dockerfile: "FROM x\n" }))
        .not.toBe(Hash.contentHash(resolved, { files: { [path]: content }, dockerfile: "FROM y\n" }))
    }))
  })

  it("distinguishes registered environments by name, version and label", () => {
    const hashes = new Set([
      ResolvedEnvironment.registered({ name: "env" }),
      ResolvedEnvironment.registered({ name: "env", version: "1" }),
      ResolvedEnvironment.registered({ name: "env", label: "latest" }),
      ResolvedEnvironment.registered({ name: "env2" })
    ].map((r) => Hash.contentHash(r)))
    expect(hashes.size).toBe(4)
  })
})

describe("Hash.imageTag", () => {
  it("is estimator/env:<first 16 hex digits of the content hash>", () => {
    fc.assert(fc.property(Arb.resolvedEnvironment, buildInputs, (resolved, inputs) => {
      const tag = Hash.imageTag(resolved, inputs)
      expect(tag).toMatch(/^estimator\/env:[0-9a-f]{16}$/)
      expect(tag.slice(Hash.IMAGE_REPOSITORY.length + 1)).toBe(Hash.contentHash(resolved, inputs).slice(0, 16))
    }))
  })
})
