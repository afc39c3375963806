/**
 * Data a job reads and writes: where it lives (`DataSource`), how a job consumes it (`Input`),
 * where its results go (`Output`), and references to inputs and outputs from script arguments.
 * The vocabulary is Azure ML v2's (`uri_folder`, `ro_mount`, ...), which every backend maps onto
 * its own mechanism (a bind mount, a download, a `${{inputs.x}}` reference). Pure data.
 *
 * @since 0.1.0
 */

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * A path on a registered datastore (v1 `DataReference` / `DataPath`).
 *
 * @category models
 * @since 0.1.0
 */
export interface DatastorePath {
  readonly _tag: "Datastore"
  readonly datastore: string
  readonly path: string
}

/**
 * A registered data asset (v1 `Dataset` by name, v2 `azureml:name:version` or `azureml:name@label`).
 *
 * @category models
 * @since 0.1.0
 */
export interface DataAsset {
  readonly _tag: "DataAsset"
  readonly name: string
  readonly version?: string
  readonly label?: string
}

/**
 * Any URI a backend can read (`https://`, `azureml://`, `wasbs://`, `abfss://`, ...).
 *
 * @category models
 * @since 0.1.0
 */
export interface Uri {
  readonly _tag: "Uri"
  readonly uri: string
}

/**
 * A file or folder on the machine that submits the job. A relative path is resolved against the
 * spec's base directory (the folder of the spec file), the same base as `sourceDirectory`.
 * Uploaded by `azureml`, mounted by `docker`, used in place by `local`.
 *
 * @category models
 * @since 0.1.0
 */
export interface LocalPath {
  readonly _tag: "LocalPath"
  readonly path: string
}

/**
 * Where data lives.
 *
 * @category models
 * @since 0.1.0
 */
export type DataSource = DatastorePath | DataAsset | Uri | LocalPath

/**
 * The kind of data an input or output holds.
 *
 * @category models
 * @since 0.1.0
 */
export type DataType = "uri_folder" | "uri_file" | "mltable" | "mlflow_model" | "custom_model" | "triton_model"

/**
 * How a job reads a data input.
 *
 * @category models
 * @since 0.1.0
 */
export type InputMode = "ro_mount" | "download" | "direct" | "eval_mount" | "eval_download"

/**
 * How a job writes an output.
 *
 * @category models
 * @since 0.1.0
 */
export type OutputMode = "rw_mount" | "upload" | "direct"

/**
 * A data input: its type, where it comes from and how it is made available.
 *
 * @category models
 * @since 0.1.0
 */
export interface DataInput {
  readonly _tag: "Data"
  readonly type: DataType
  readonly source: DataSource
  readonly mode: InputMode
  readonly optional?: boolean
}

/**
 * A literal input (a number, string or boolean passed to the command).
 *
 * @category models
 * @since 0.1.0
 */
export interface LiteralInput {
  readonly _tag: "Literal"
  readonly value: string | number | boolean
}

/**
 * @category models
 * @since 0.1.0
 */
export type Input = DataInput | LiteralInput

/**
 * An output of the job: a folder or file the script writes, kept after the run. Without a
 * `destination` the backend chooses (the run store locally, the default datastore on Azure ML).
 *
 * @category models
 * @since 0.1.0
 */
export interface Output {
  readonly type: DataType
  readonly mode: OutputMode
  readonly destination?: DatastorePath | Uri
  readonly assetName?: string
  readonly assetVersion?: string
}

/**
 * A reference to an input, replaced by its path (or value) in the script's argv.
 *
 * @category models
 * @since 0.1.0
 */
export interface InputReference {
  readonly _tag: "InputRef"
  readonly name: string
}

/**
 * A reference to an output, replaced by its path in the script's argv.
 *
 * @category models
 * @since 0.1.0
 */
export interface OutputReference {
  readonly _tag: "OutputRef"
  readonly name: string
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Options shared by the data input constructors.
 *
 * @category constructors
 * @since 0.1.0
 */
export interface InputOptions {
  readonly type?: DataType
  readonly mode?: InputMode
  readonly optional?: boolean
}

const dataInput = (source: DataSource, options: InputOptions = {}): DataInput => ({
  _tag: "Data",
  type: options.type ?? "uri_folder",
  source,
  mode: options.mode ?? "ro_mount",
  ...(options.optional === undefined ? {} : { optional: options.optional })
})

/**
 * A path on a datastore, mounted read-only by default.
 *
 * @category constructors
 * @since 0.1.0
 */
export const datastorePath = (datastore: string, path: string): DatastorePath => ({ _tag: "Datastore", datastore, path })

/**
 * An input read from a datastore path (a folder, mounted read-only, unless told otherwise).
 *
 * @example
 * Data.fromDatastore("workspaceblobstore", "mnist", { mode: "download" })
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromDatastore = (datastore: string, path: string, options?: InputOptions): DataInput =>
  dataInput(datastorePath(datastore, path), options)

/**
 * An input read from a registered data asset; without version or label, the latest version.
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromAsset = (
  name: string,
  options: InputOptions & { readonly version?: string; readonly label?: string } = {}
): DataInput =>
  dataInput(
    {
      _tag: "DataAsset",
      name,
      ...(options.version === undefined ? {} : { version: options.version }),
      ...(options.label === undefined ? {} : { label: options.label })
    },
    options
  )

/**
 * An input read from a URI.
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromUri = (uri: string, options?: InputOptions): DataInput => dataInput({ _tag: "Uri", uri }, options)

/**
 * An input read from a local file or folder.
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromLocal = (path: string, options?: InputOptions): DataInput =>
  dataInput({ _tag: "LocalPath", path }, options)

/**
 * A literal input.
 *
 * @category constructors
 * @since 0.1.0
 */
export const literal = (value: string | number | boolean): LiteralInput => ({ _tag: "Literal", value })

/**
 * An output folder (or file), read-write mounted by default.
 *
 * @category constructors
 * @since 0.1.0
 */
export const output = (
  options: {
    readonly type?: DataType
    readonly mode?: OutputMode
    readonly destination?: DatastorePath | Uri
    readonly assetName?: string
    readonly assetVersion?: string
  } = {}
): Output => ({
  type: options.type ?? "uri_folder",
  mode: options.mode ?? "rw_mount",
  ...(options.destination === undefined ? {} : { destination: options.destination }),
  ...(options.assetName === undefined ? {} : { assetName: options.assetName }),
  ...(options.assetVersion === undefined ? {} : { assetVersion: options.assetVersion })
})

/**
 * A reference to the input `name`, for script arguments.
 *
 * @category constructors
 * @since 0.1.0
 */
export const input = (name: string): InputReference => ({ _tag: "InputRef", name })

/**
 * A reference to the output `name`, for script arguments.
 *
 * @category constructors
 * @since 0.1.0
 */
export const outputRef = (name: string): OutputReference => ({ _tag: "OutputRef", name })

// -------------------------------------------------------------------------------------
// guards
// -------------------------------------------------------------------------------------

/**
 * @category guards
 * @since 0.1.0
 */
export const isInputReference = (u: unknown): u is InputReference =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "InputRef"

/**
 * @category guards
 * @since 0.1.0
 */
export const isOutputReference = (u: unknown): u is OutputReference =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "OutputRef"
