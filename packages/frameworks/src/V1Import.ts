/**
 * The Azure ML SDK v1 importer: an `Estimator(...)`, `Chainer(...)`, `PyTorch(...)`,
 * `TensorFlow(...)` or `SKLearn(...)` call, written as JSON (`{ "class": ..., "args": { v1
 * keyword arguments } }`, objects as `{"type": ...}`), becomes the spec of the same job plus the
 * warnings v1 logged, or every error v1 (and this project) finds in it, at once, in v1's order:
 * Python's own checks (keyword names, types), the helper classes' errors and deprecations, the
 * estimator's deprecation, the shared rules of `_validate_run_config_parameters` in order,
 * `script_params`/data/`resume_from`, the framework version, then what this project adds. Core's
 * `Validation.validate` runs on the result; its issues get the call's paths and are dropped where a
 * v1 issue already says the same. Issues point into the call (`args.custom_docker_base_image`,
 * `args.script_params["--data"]`); in a list of calls they start with the index (`[2].args.node_count`).
 * Nothing in this module performs IO: files named by the call (conda, requirements) are not read.
 *
 * Where v1 was buggy or the spec cannot say what v1 did, the import chooses, and always says so
 * with a warning (never silently):
 * - `distributed_backend='mpi'` with an `Mpi()` object (Estimator, Chainer): v1 rejected it
 *   ("Supported backend: mpi."), the import accepts it (`v1-mpi-backend-with-mpi-object`); 'mpi'
 *   with another helper class stays v1's error.
 * - `shm_size` is applied; late v1 releases could lose it and run with 2g (`v1-shm-size-applied`).
 * - `custom_docker_base_image` alone on a framework estimator: v1 replaced it by the framework image;
 *   the import uses it (`v1-custom-docker-base-image-honoured`).
 * - A `TensorflowConfiguration` on a class other than TensorFlow, or a `PyTorchConfiguration`: v1's
 *   estimators had no branch for them and ran without that distribution; the import applies them
 *   (`v1-distributed-training-honoured`), so core's framework rules then judge the result.
 * - PyTorch's `NCCL_TREE_THRESHOLD=0` comes from the framework (see `FrameworkEnvironment`); a value
 *   the user sets is kept, where v1 overwrote it (`v1-nccl-tree-threshold-kept`).
 * - A `DataReference` without `data_reference_name` had a random uuid name in v1; the import derives
 *   a stable one from datastore and path (`workspaceblobstore` + `mnist` → `workspaceblobstore_mnist`,
 *   `_2` on a clash). Names that are not identifiers are renamed (`v1-input-renamed`). The script sees
 *   the same thing either way: the data's path in its argument.
 * - Things v1 accepted and the spec cannot hold are errors with a fix: a notebook `entry_script`,
 *   `image_registry_details` without a custom image, a literal registry `password` (use
 *   `password_env`; the value is never stored or printed), a `vm_priority` Azure ML rejects.
 * - Parameters without effect on the job are reported as ignored (`v1-parameter-ignored`,
 *   `v1-private-parameter-ignored`, `v1-optimized-mode-ignored`), as are azureml-core's internal
 *   `DockerSection` deprecation notices, which are not reproduced.
 * - `ComputeTarget` objects count as not-AmlCompute for rule 13 (node_count > 1), as do cluster names
 *   given as strings (v1's behaviour for strings); write `{"type": "AmlCompute", ...}` for a cluster.
 * - No compute target and no `vm_size` is v1's error, not this project's default of `Local`.
 *
 * Integral floats (`1.0`) reach the script as Python wrote them (`"1.0"`) only when the text is
 * parsed by {@link parse} / {@link fromJson}; `JSON.parse` cannot tell `1.0` from `1`.
 *
 * @since 0.1.0
 */
import { Validation } from "@estimator/core"
import type { Estimator } from "@estimator/core"
import * as E from "fp-ts/lib/Either.js"
import { effectivePackages } from "./FrameworkEnvironment.js"
import { convert, type Origin } from "./internal/v1Convert.js"
import { decode } from "./internal/v1Decode.js"
import { error, fromUnknown, isUnder, key, parse as parseJson } from "./internal/v1Json.js"
import * as signature from "./internal/v1Signature.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The v1 estimator classes the importer reads.
 *
 * @category models
 * @since 0.1.0
 */
export type V1Class = "Estimator" | "Chainer" | "PyTorch" | "TensorFlow" | "SKLearn"

/**
 * A JSON value as the importer reads it: objects keep their keys in order (repeated keys too) and
 * numbers keep how they were written (`literal`, and `float` for `1.0` or `1e3`, as Python reads them).
 *
 * @category models
 * @since 0.1.0
 */
export type Json =
  | { readonly _tag: "Null" }
  | { readonly _tag: "Boolean"; readonly value: boolean }
  | { readonly _tag: "Number"; readonly value: number; readonly literal: string; readonly float: boolean }
  | { readonly _tag: "String"; readonly value: string }
  | { readonly _tag: "Array"; readonly items: ReadonlyArray<Json> }
  | JsonObject

/**
 * A JSON object with its entries in the order written.
 *
 * @category models
 * @since 0.1.0
 */
export interface JsonObject {
  readonly _tag: "Object"
  readonly entries: ReadonlyArray<readonly [string, Json]>
}

/**
 * JSON text parsed by {@link parse}, exactly as written; pass it to {@link fromV1Call} or {@link fromV1Calls}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Document {
  readonly _tag: "V1Document"
  readonly json: Json
}

/**
 * An imported call: the spec of the job and the warnings v1 (and the import) gave, in order.
 *
 * @category models
 * @since 0.1.0
 */
export interface Imported {
  readonly spec: Estimator.Estimator
  readonly warnings: ReadonlyArray<Validation.Issue>
}

/**
 * A call that cannot be imported: every error, and the warnings found on the way, each in order.
 *
 * @category models
 * @since 0.1.0
 */
export interface Failure {
  readonly errors: ReadonlyArray<Validation.Issue>
  readonly warnings: ReadonlyArray<Validation.Issue>
}

/**
 * The outcome of importing one call.
 *
 * @category models
 * @since 0.1.0
 */
export type Result = E.Either<Failure, Imported>

/**
 * The classes, in a stable order.
 *
 * @category models
 * @since 0.1.0
 */
export const classes: ReadonlyArray<V1Class> = signature.classes

/**
 * The keyword parameters of each class, in the order of its v1 signature (private ones included).
 *
 * @category models
 * @since 0.1.0
 */
export const parameters: { readonly [C in V1Class]: ReadonlyArray<string> } = signature.parameters

/**
 * The object types (`{"type": ...}`) the JSON form knows, with their fields.
 *
 * @category models
 * @since 0.1.0
 */
export const objectTypes: { readonly [type: string]: ReadonlyArray<string> } = Object.fromEntries(
  Object.entries(signature.objectTypes).map(([type, schema]) => [type, Object.keys(schema.fields)])
)

// -------------------------------------------------------------------------------------
// parsing
// -------------------------------------------------------------------------------------

const split = (issues: ReadonlyArray<Validation.Issue>): Failure => ({
  errors: Validation.errors(issues),
  warnings: Validation.warnings(issues)
})

/**
 * Parse JSON text exactly (key order, `1.0` versus `1`); a syntax error names its line and column.
 *
 * @category codecs
 * @since 0.1.0
 */
export const parse = (text: string): E.Either<Failure, Document> => {
  const parsed = parseJson(text)
  return "issue" in parsed ? E.left(split([parsed.issue])) : E.right({ _tag: "V1Document", json: parsed.json })
}

/**
 * @category guards
 * @since 0.1.0
 */
export const isDocument = (u: unknown): u is Document =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "V1Document"

// -------------------------------------------------------------------------------------
// importing
// -------------------------------------------------------------------------------------

// Core rules the import re-states with v1's text and paths: core's issue goes when v1's is there.
const coveredBy: { readonly [coreCode: string]: ReadonlyArray<string> } = {
  "distribution-required": ["v1-distribution-required", "v1-unsupported-backend"],
  "multi-node-local": ["v1-distributed-compute-not-amlcompute"],
  "docker-off-with-image": ["v1-docker-disabled-with-image"],
  "registered-environment-conflict": ["v1-environment-definition-conflict"],
  "conda-file-conflict": ["v1-conda-file-conflict"],
  "user-managed-with-packages": ["v1-user-managed-conflict"],
  "unsupported-framework-version": ["v1-unsupported-framework-version"],
  "distribution-not-supported-by-framework": ["v1-unsupported-distributed-training", "v1-unsupported-backend"]
}

// Core rules the import always states itself, with v1's conditions.
const owned: ReadonlySet<string> = new Set(["framework-version-defaulted", "framework-packages-not-installed"])

const mapPath = (origins: ReadonlyArray<Origin>, fallback: string) => (path: string): string => {
  let best: Origin | undefined
  for (const origin of origins) {
    if (isUnder(path, origin.spec) && (best === undefined || origin.spec.length > best.spec.length)) best = origin
  }
  if (best === undefined) return fallback
  return best.keepRemainder ? best.v1 + path.slice(best.spec.length) : best.v1
}

const importOne = (json: Json, prefix: string, exactOrder: boolean): Result => {
  const issues: Array<Validation.Issue> = []
  const decoded = decode(json, prefix, issues)
  if (decoded === undefined) return E.left(split(issues))
  const converted = convert(decoded, prefix, exactOrder)
  const v1Issues = [...issues, ...converted.issues]
  const remap = mapPath(converted.origins, key(prefix, "args"))
  const packageWarnings = effectivePackages(converted.spec).warnings.map((issue) => ({ ...issue, path: remap(issue.path) }))
  const v1Codes = new Set(v1Issues.map((issue) => issue.code))
  const v1Errors = Validation.errors(v1Issues)
  const coreIssues = Validation.validate(converted.spec)
    .filter((issue) => !owned.has(issue.code) && !(coveredBy[issue.code] ?? []).some((code) => v1Codes.has(code)))
    .map((issue) => ({ ...issue, path: remap(issue.path) }))
    .filter((issue) => !v1Errors.some((e) => isUnder(issue.path, e.path) || isUnder(e.path, issue.path)))
  const all = [...v1Issues, ...packageWarnings, ...coreIssues]
  return Validation.hasErrors(all) ? E.left(split(all)) : E.right({ spec: converted.spec, warnings: all })
}

const toJson = (input: unknown, path: string): E.Either<Failure, { readonly json: Json; readonly exact: boolean }> => {
  if (isDocument(input)) return E.right({ json: input.json, exact: true })
  const issues: Array<Validation.Issue> = []
  const json = fromUnknown(input, path, issues)
  return issues.length > 0 ? E.left(split(issues)) : E.right({ json, exact: false })
}

/**
 * Import one v1 call: parsed JSON (`JSON.parse`) or a {@link Document} from {@link parse}.
 *
 * @example
 * const result = fromV1Call({
 *   class: "PyTorch",
 *   args: { source_directory: "./src", entry_script: "train.py", compute_target: "local", framework_version: "1.6" }
 * })
 * // Right({ spec: { ..., framework: { name: "PyTorch", version: "1.6" } }, warnings: [v1-estimator-deprecated] })
 *
 * @category codecs
 * @since 0.1.0
 */
export const fromV1Call = (input: unknown): Result => {
  const json = toJson(input, "")
  return E.isLeft(json) ? json : importOne(json.right.json, "", json.right.exact)
}

/**
 * Import a JSON array of v1 calls: one result per call, its issues' paths starting with its index
 * (`[1].args.node_count`). `Left` when the input is not an array.
 *
 * @category codecs
 * @since 0.1.0
 */
export const fromV1Calls = (input: unknown): E.Either<Failure, ReadonlyArray<Result>> => {
  const json = toJson(input, "")
  if (E.isLeft(json)) return json
  const root = json.right.json
  if (root._tag !== "Array") {
    return E.left(split([error("", "v1-invalid-call", "Expected a list of v1 calls ([{ \"class\": ..., \"args\": ... }, ...]).", "Wrap the call in [ ], or import it with fromV1Call.")]))
  }
  return E.right(root.items.map((item, i) => importOne(item, `[${i}]`, json.right.exact)))
}

/**
 * Import JSON text holding one call (`batch: false`, one result) or a list of calls (`batch: true`),
 * parsed exactly: what `estimator import <file> --from v1` needs.
 *
 * @example
 * const imported = fromJson(fs.readFileSync("calls.json", "utf8"))
 *
 * @category codecs
 * @since 0.1.0
 */
export const fromJson = (text: string): E.Either<Failure, { readonly batch: boolean; readonly results: ReadonlyArray<Result> }> => {
  const document = parse(text)
  if (E.isLeft(document)) return document
  if (document.right.json._tag === "Array") {
    const results = fromV1Calls(document.right)
    return E.isLeft(results) ? results : E.right({ batch: true, results: results.right })
  }
  return E.right({ batch: false, results: [fromV1Call(document.right)] })
}
