/**
 * The content hash of an environment: a SHA-256 over a canonical JSON (object keys sorted at every
 * level, arrays in order) of everything that decides what the image contains, so that equal
 * environments get equal image tags whatever the key order of the values, and any change that
 * could change the image gives a new tag. Backends use {@link imageTag} as the image cache key.
 *
 * What counts: the kind of environment, the Docker flag, the base image and the registry
 * **address**, how Python packages are installed (conda specification or pip lines), a build
 * context's paths, a registered environment's reference, and the build inputs passed in (the
 * rendered Dockerfile and the contents of every file of the build context).
 * What does not: environment variables (they are set when a container starts, not baked into the
 * image), and registry credentials (the username and password reference choose how to pull, not
 * what). Arrays are order-sensitive (channel order is priority; pip reads options in order).
 *
 * Pure: `node:crypto`'s `createHash` is a pure function of its input.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import type * as ResolvedEnvironment from "./ResolvedEnvironment.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * What a build reads besides the environment value: the Dockerfile text and the files of the
 * build context by path (text or bytes). `Dockerfile.render`'s result is one; for a build
 * context, pass the context's files.
 *
 * @category models
 * @since 0.1.0
 */
export interface BuildInputs {
  readonly dockerfile?: string
  readonly files?: { readonly [path: string]: string | Uint8Array }
}

/**
 * The repository of every image tag this package computes.
 *
 * @category models
 * @since 0.1.0
 */
export const IMAGE_REPOSITORY = "estimator/env"

/**
 * Bumped whenever what is hashed changes, so that old tags are not reused by mistake.
 *
 * @category models
 * @since 0.1.0
 */
export const SCHEME = "estimator-env-hash/1"

// -------------------------------------------------------------------------------------
// compiling
// -------------------------------------------------------------------------------------

/**
 * A JSON value (`undefined` properties are allowed and left out).
 *
 * @category models
 * @since 0.1.0
 */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json | undefined }

/**
 * JSON with the keys of every object sorted, no whitespace, and `undefined` properties left out.
 *
 * @category compiling
 * @since 0.1.0
 */
export const canonicalJson = (value: Json): string => {
  // One pass into one string (no arrays of parts); keys are sorted only when they are not already.
  if (value === null || typeof value !== "object") return JSON.stringify(value)
  if (Array.isArray(value)) {
    let out = "["
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + ((canonicalJson(value[i] as Json) as string | undefined) ?? "")
    return `${out}]`
  }
  const record = value as { readonly [key: string]: Json | undefined }
  const keys = Object.keys(record)
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) {
      keys.sort()
      break
    }
  }
  let out = "{"
  let first = true
  for (const key of keys) {
    const field = record[key]
    if (field === undefined) continue
    out += `${first ? "" : ","}${SIMPLE_KEY.test(key) ? `"${key}"` : JSON.stringify(key)}:${canonicalJson(field)}`
    first = false
  }
  return `${out}}`
}

/** Keys that `JSON.stringify` writes as they are, between quotes. */
const SIMPLE_KEY = /^[A-Za-z0-9_$.-]*$/

const sha256 = (content: string | Uint8Array): string => createHash("sha256").update(content).digest("hex")

const imageRelevant = (self: ResolvedEnvironment.ResolvedEnvironment): Json => {
  switch (self._tag) {
    case "Image":
      return {
        _tag: self._tag,
        docker: self.docker,
        baseImage: self.baseImage,
        registry: self.registry?.address,
        python: self.python as unknown as Json
      }
    case "Build":
      return { _tag: self._tag, docker: self.docker, context: self.context, dockerfile: self.dockerfile }
    case "Registered":
      return {
        _tag: self._tag,
        docker: self.docker,
        name: self.name,
        version: self.version,
        label: self.label,
        registry: self.registry
      }
  }
}

/**
 * The SHA-256 (64 lower-case hex digits) of the environment and its build inputs.
 *
 * @example
 * Hash.contentHash(resolved, rendered) // rendered = Dockerfile.render(resolved, options).right
 *
 * @category compiling
 * @since 0.1.0
 */
export const contentHash = (self: ResolvedEnvironment.ResolvedEnvironment, buildInputs: BuildInputs = {}): string => {
  const files = Object.fromEntries(Object.entries(buildInputs.files ?? {}).map(([path, content]) => [path, sha256(content)]))
  return sha256(canonicalJson({
    scheme: SCHEME,
    environment: imageRelevant(self),
    dockerfile: buildInputs.dockerfile,
    files
  }))
}

/**
 * The local image tag of an environment: `estimator/env:<first 16 hex digits of its content hash>`.
 *
 * @category compiling
 * @since 0.1.0
 */
export const imageTag = (self: ResolvedEnvironment.ResolvedEnvironment, buildInputs: BuildInputs = {}): string =>
  `${IMAGE_REPOSITORY}:${contentHash(self, buildInputs).slice(0, 16)}`
