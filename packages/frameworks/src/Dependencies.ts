/**
 * The software a framework's Docker image carried in Azure ML SDK v1, as the estimators'
 * docstrings tabulated it ("Docker image dependencies"): Python, CUDA, MPI, Horovod, the framework
 * itself. The tables are reference data for docs and the CLI; the packages an environment actually
 * installs are in `FrameworkEnvironment`. Nothing in this module performs IO.
 *
 * @since 0.1.0
 */
import type { Framework } from "@estimator/core"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * Where a row comes from: the estimator docstrings (`"documented"`) or the pins of the curated
 * environment that backed the estimator (`"curated"`, observed in 2020).
 *
 * @category models
 * @since 0.1.0
 */
export type Source = "documented" | "curated"

/**
 * One row of a dependency table. `version` is `"Latest"` where v1 wrote so.
 *
 * @category models
 * @since 0.1.0
 */
export interface Dependency {
  readonly name: string
  readonly version: string
  readonly gpuOnly: boolean
  readonly source: Source
}

/**
 * The dependency table of one framework version. `confirmed` is `false` when no v1 docstring
 * table could be checked for it (Chainer).
 *
 * @category models
 * @since 0.1.0
 */
export interface DependencyTable {
  readonly framework: Framework.FrameworkName
  readonly version: string
  readonly os: string
  readonly confirmed: boolean
  readonly dependencies: ReadonlyArray<Dependency>
}

// -------------------------------------------------------------------------------------
// accessors
// -------------------------------------------------------------------------------------

/**
 * The rows of the CPU image (`gpu = false`) or of the GPU image (`gpu = true`).
 *
 * @category accessors
 * @since 0.1.0
 */
export const forProcessor = (table: DependencyTable, gpu: boolean): ReadonlyArray<Dependency> =>
  gpu ? table.dependencies : table.dependencies.filter((dependency) => !dependency.gpuOnly)

/**
 * The row named `name` (case-insensitive), if the table has one.
 *
 * @category accessors
 * @since 0.1.0
 */
export const find = (table: DependencyTable, name: string): Dependency | undefined =>
  table.dependencies.find((dependency) => dependency.name.toLowerCase() === name.toLowerCase())
