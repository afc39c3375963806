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
 * Pure: SHA-256 (`node:crypto`) is a pure function of its input.
 *
 * @since 0.1.0
 */
import * as internal from "./internal/canonicalJson.js"
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
export const canonicalJson = (value: Json): string => internal.canonicalJson(value) as string

/**
 * The SHA-256 (64 lower-case hex digits) of `canonicalJson(value)` as UTF-8, without building the
 * text: equal for values that differ only in key order.
 *
 * @example
 * Hash.canonicalHash(spec) // the same as sha256 of Hash.canonicalJson(spec), faster
 *
 * @category compiling
 * @since 0.1.0
 */
export const canonicalHash = (value: Json): string =>
  value === null || typeof value !== "object" ? internal.sha256(canonicalJson(value)) : internal.canonicalSha256(value)

/**
 * `canonicalHash` of an object that has no fields but those named by `sortedKeys` (sorted as
 * `Array.prototype.sort` sorts them): its own fields are read by name, `undefined` ones left out, so
 * that an object of one fixed shape, with every field it may have, is hashed without listing and
 * sorting its keys. Fields of `value` not named are not hashed.
 *
 * @example
 * Hash.canonicalHashOfFields({ a: 1, b: undefined, c: [2] }, ["a", "b", "c"]) // = Hash.canonicalHash({ a: 1, c: [2] })
 *
 * @category compiling
 * @since 0.1.0
 */
export const canonicalHashOfFields = (value: { readonly [key: string]: Json | undefined }, sortedKeys: ReadonlyArray<string>): string =>
  internal.canonicalSha256Fields(value, sortedKeys)

// Keys in sorted order, so that the canonical writer has nothing to sort.
const imageRelevant = (self: ResolvedEnvironment.ResolvedEnvironment): Json => {
  switch (self._tag) {
    case "Image":
      return {
        _tag: self._tag,
        baseImage: self.baseImage,
        docker: self.docker,
        python: self.python as unknown as Json,
        registry: self.registry?.address
      }
    case "Build":
      return { _tag: self._tag, context: self.context, docker: self.docker, dockerfile: self.dockerfile }
    case "Registered":
      return {
        _tag: self._tag,
        docker: self.docker,
        label: self.label,
        name: self.name,
        registry: self.registry,
        version: self.version
      }
  }
}

const fileHashes = (files: { readonly [path: string]: string | Uint8Array } | undefined): { readonly [path: string]: string } => {
  // No prototype, so that a file named `__proto__` is a key like any other.
  const hashes: { [path: string]: string } = Object.create(null)
  if (files === undefined) return hashes
  for (const path of Object.keys(files)) hashes[path] = internal.sha256(files[path] as string | Uint8Array)
  return hashes
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
export const contentHash = (self: ResolvedEnvironment.ResolvedEnvironment, buildInputs: BuildInputs = {}): string =>
  internal.canonicalSha256({
    dockerfile: buildInputs.dockerfile,
    environment: imageRelevant(self),
    files: fileHashes(buildInputs.files),
    scheme: SCHEME
  })

/**
 * The local image tag of an environment: `estimator/env:<first 16 hex digits of its content hash>`.
 *
 * @category compiling
 * @since 0.1.0
 */
export const imageTag = (self: ResolvedEnvironment.ResolvedEnvironment, buildInputs: BuildInputs = {}): string =>
  `${IMAGE_REPOSITORY}:${contentHash(self, buildInputs).slice(0, 16)}`
