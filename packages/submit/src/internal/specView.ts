/**
 * A decoded spec's top-level fields as one object of a fixed shape, read in one pass over the
 * spec's own keys. A spec's own shape depends on which optional fields it has and in which order
 * (a planner meets hundreds of shapes), so reading its fields by name is slow everywhere it
 * happens; reading them from the view is not. Its optional fields are present, `undefined` when
 * the spec has none: read it, never enumerate or print it — that is the spec's job. Its
 * {@link hash} is the spec's.
 *
 * @internal
 */
import type { Estimator } from "@estimator/core"
import { Hash } from "@estimator/env"

type Blank = { [K in keyof Required<Estimator.Estimator>]: undefined }

const blank = (): Blank => ({
  _tag: undefined,
  specVersion: undefined,
  sourceDirectory: undefined,
  entryScript: undefined,
  command: undefined,
  arguments: undefined,
  compute: undefined,
  nodeCount: undefined,
  processCountPerNode: undefined,
  distribution: undefined,
  gpu: undefined,
  environment: undefined,
  environmentVariables: undefined,
  secretEnvironmentVariables: undefined,
  inputs: undefined,
  outputs: undefined,
  resumeFrom: undefined,
  maxRunDurationSeconds: undefined,
  shmSize: undefined,
  dockerArgs: undefined,
  framework: undefined,
  sourceDirectoryDatastore: undefined,
  name: undefined,
  displayName: undefined,
  experimentName: undefined,
  description: undefined,
  tags: undefined
})

/**
 * The view of a decoded spec (see the module's comment).
 *
 * @internal
 */
export const of = (spec: Estimator.Estimator): Estimator.Estimator => {
  const view = blank() as Record<string, unknown>
  const fields = spec as unknown as Record<string, unknown>
  for (const key in fields) view[key] = fields[key]
  return view as unknown as Estimator.Estimator
}

/** Every field a view has, sorted as canonical JSON sorts keys. */
const SORTED_FIELDS: ReadonlyArray<string> = Object.keys(blank()).sort()

/**
 * The canonical hash of the spec a view was made of (`Hash.canonicalHash(spec)`), read from the
 * view: its fields in sorted order, without listing and sorting the spec's own keys.
 *
 * @internal
 */
export const hash = (view: Estimator.Estimator): string =>
  Hash.canonicalHashOfFields(view as unknown as { readonly [key: string]: Hash.Json | undefined }, SORTED_FIELDS)
