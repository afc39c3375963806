/**
 * Import and export of Azure ML CLI v2 command-job YAML (`az ml job create --file job.yml`).
 * `fromYaml` reads a job file into a spec, `toYaml` writes a spec as a job file. Both are pure:
 * nothing here reads or writes files; the caller passes the YAML text and the content of the files
 * it refers to. Every YAML key and every spec field is either mapped or reported: an Azure ML key
 * the spec cannot express (`services`, `identity`, ...) is an import error naming the key, and a
 * spec field YAML cannot carry (secrets, registry credentials, `docker: false`, ...) is an export
 * error naming the field. Nothing is dropped silently.
 *
 * **Mapping** (YAML → spec; export is the inverse):
 * - `command` → an `entryScript` with `arguments` when it is exactly `python <script> <words>` where
 *   every word is a plain word, a quoted string or a whole `${{inputs.x}}` / `${{outputs.y}}`
 *   (plain `True`/`False` → booleans, plain numbers spelled as JavaScript spells them → numbers,
 *   references → `Data.input` / `Data.outputRef`); any other command (pipes, `&&`, `$VAR`, several
 *   lines, `${{inputs.x}}/file`, ...) → `command` as written. Single-brace `{inputs.x}` is rewritten
 *   to `${{inputs.x}}` with a warning, as the Azure ML SDK does. Export writes entry scripts as
 *   `python <script> <args>` with arguments quoted for POSIX `sh` (single quotes, `'\''`), and a
 *   string that looks like a number, boolean or reference is quoted so that it reads back as a string.
 *   An entry script whose last arguments are `--resume-from ${{inputs.MODEL_LOCATION}}` with a
 *   read-only-mounted datastore folder input `MODEL_LOCATION` reads back as `resumeFrom`.
 * - `code` → `sourceDirectory`; without `code` the YAML's folder is the source directory (warning).
 * - `environment`: `azureml:<name>:<version>`, `azureml:<name>@<label>`, `azureml:<name>` and
 *   `azureml://registries/<r>/environments/<n>/versions/<v>` (or `/labels/<l>`) →
 *   `environment.registered`; `{image}` → `image` with `userManagedPython: true` (Azure ML runs an
 *   image without a conda file as is); `{image, conda_file: <path>}` → `image` + `condaFile`;
 *   `{image, conda_file: {name, channels, dependencies}}` (inline) → `condaPackages` +
 *   `pipPackages`; `{build: {path, dockerfile_path}}` → `build` with `userManagedPython: true`.
 *   Export writes the environment the azureml plan registers for the spec (`resolve` of
 *   `internal/environment.ts` with Azure ML's defaults), so the two agree: the spec's image, else
 *   the framework's, else `BaseImages.defaultImage(gpu)`; a conda file by its path; otherwise the
 *   conda specification the spec builds, inline (v1's name and channel, the Python pin — the
 *   user's, the framework's or the default —, `pip`, `azureml-defaults` first in a non-empty pip
 *   list, the framework's packages, a requirements file's lines). Import inverts that: an image
 *   the spec would pick anyway (the framework's or the default one for `estimator.gpu`) is no
 *   `image`, and an inline specification becomes the fewest user packages that rebuild exactly it,
 *   found by resolving candidates (so what resolving adds is left out). An inline specification
 *   the spec cannot rebuild exactly (no `name`, other Python, ...) is read as its packages, with a
 *   warning `conda-specification-differs` that says how the built one differs; `channels` other
 *   than `[conda-forge]` and keys other than `name`, `channels`, `dependencies` are refused.
 * - `compute: azureml:<name>` (or a bare name) → `Cluster`; `local` → `Local`; no `compute` with
 *   `resources.instance_type` → `Serverless` of that VM size (`queue_settings.job_tier` `spot` /
 *   `standard` ↔ `vmPriority` `lowpriority` / `dedicated`). No `compute` and no `instance_type`
 *   means serverless compute of a default VM size on Azure ML, which the spec cannot name: it is
 *   imported as `Local` with a warning saying so.
 * - `resources.instance_count` → `nodeCount`, `shm_size` → `shmSize`, `docker_args` →
 *   `dockerArgs`; `distribution` `mpi` / `pytorch` (`process_count_per_instance`, default 1) →
 *   `Mpi` / `PyTorch` (backend `nccl`) + `processCountPerNode`; `tensorflow` → `TensorFlow`
 *   (`worker_count`, default `instance_count`; `parameter_server_count`, default 0).
 * - `limits.timeout` (seconds) → `maxRunDurationSeconds`.
 * - `inputs`: literals → `Data.literal`; `{type, path, mode}` (type default `uri_folder`, mode
 *   default `ro_mount`) with `path` `azureml://datastores/<ds>/paths/<p>` → `Datastore`,
 *   `azureml:<name>:<version>` / `azureml:<name>@<label>` → `DataAsset` (`@latest` is the asset
 *   without version or label, as `Data.fromAsset(name)` means), another URI → `Uri`, anything else
 *   → `LocalPath`. `outputs`: `{type, mode, path, name, version}` (defaults `uri_folder`,
 *   `rw_mount`) → `Data.Output` with `destination`, `assetName`, `assetVersion`.
 * - `environment_variables`: the framework's variables first (`NCCL_TREE_THRESHOLD` for PyTorch),
 *   then the spec's, which win (as the plan sends them); import drops a framework variable whose
 *   value is the framework's. `tags`, `name`, `display_name`, `experiment_name`, `description`
 *   map 1:1; `$schema` is ignored; `type` must be `command` (sweep and pipeline jobs are refused).
 *
 * **Paths.** Paths in the YAML are relative to the YAML's folder; `baseDirectory` is that folder
 * as the spec sees it (default `.`). `sourceDirectory`, local input paths and the Docker build
 * context are relative to the same base as `sourceDirectory` (written as-is when the base is `.`);
 * `condaFile` is relative to `sourceDirectory` (as in the v1 SDK), so a conda file beside the YAML
 * with `code: src` becomes `../conda.yml`.
 *
 * **Spec fields without a YAML key** that do not change what Azure ML runs are kept in reserved
 * tags, so that export → import is lossless: `estimator.gpu` (`gpu`), `estimator.framework`
 * (`"<name> <version>"`) and `estimator.framework.versionDefaulted`, `estimator.distribution.backend`
 * (a PyTorch backend other than NCCL). Import needs `estimator.gpu` and `estimator.framework` to
 * recognise the image, packages and variables the framework (or the default image) contributes.
 *
 * **Lossless.** `fromYaml(toYaml(spec))` gives back `spec` whenever `toYaml` succeeds, except for
 * spellings the YAML cannot tell apart, which read back in one canonical form: a `command` that is
 * itself a plain `python <script> ...` (→ `entryScript`), explicit `MODEL_LOCATION` +
 * `--resume-from` arguments (→ `resumeFrom`), a data asset with label `latest` (→ no label), a
 * `Uri` of the form `azureml://datastores/...` (→ `Datastore`), un-normalized paths
 * (`./env.yml` → `env.yml`; with a `baseDirectory` other than `.`, every path), and what resolving
 * the environment adds anyway when the user spells it out: an image that is the default or the
 * framework's (→ no image), `python=<the default or the framework's version>`, and `pip`,
 * `azureml-defaults` or a framework's own package line where resolving puts them (→ left out),
 * a Python pin anywhere but first (→ first), a framework variable set to the framework's value
 * (→ left out), and a requirements file (→ its lines as `pipPackages`) — each reads back as a
 * spec that means the same job.
 *
 * **YAML dialect.** Files are read as the Azure ML CLI reads them (PyYAML, YAML 1.1: unquoted
 * `yes`/`on`/`True` are booleans, `0777` is octal), so a value the CLI would reject as a
 * non-string is reported here too; exported files quote every string PyYAML would misread.
 *
 * @since 0.1.0
 */
import * as FpEither from "fp-ts/lib/Either.js"
import type { Estimator } from "@estimator/core"
import { exportYaml } from "./internal/azureMlYamlExport.js"
import { importYaml } from "./internal/azureMlYamlImport.js"
import * as shared from "./internal/azureMlYamlShared.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * One problem found while importing or exporting: `path` is the YAML path of the key on import
 * (`resources.instance_count`, `inputs.data.path`; `""` for the whole file) and the spec path of
 * the field on export (`secretEnvironmentVariables.API_KEY`); `code` is stable, for tools and
 * tests; `line` and `column` (1-based) say where in the YAML, when known.
 *
 * @category models
 * @since 0.1.0
 */
export interface ImportIssue {
  readonly path: string
  readonly code: string
  readonly message: string
  readonly hint?: string
  readonly line?: number
  readonly column?: number
}

/**
 * Options of {@link fromYaml}. `files` holds the content of the files the YAML refers to (conda
 * files, Dockerfiles), keyed by their path relative to the YAML; when given, a referenced file that
 * is missing from it is an error. `baseDirectory` is the YAML's folder as the spec's paths should
 * start from (default `.`).
 *
 * @category models
 * @since 0.1.0
 */
export interface FromYamlOptions {
  readonly files?: { readonly [relativePath: string]: string }
  readonly baseDirectory?: string
}

/**
 * A successful import: the spec, and what the user should know about how it was read.
 *
 * @category models
 * @since 0.1.0
 */
export interface Imported {
  readonly spec: Estimator.Estimator
  readonly warnings: ReadonlyArray<ImportIssue>
}

/**
 * Options of {@link toYaml}: `baseDirectory` is the folder the YAML will be written to, as the
 * spec's paths see it (default `.`: the spec's paths are written as they are). `files` holds the
 * text of the files the spec's environment names, keyed as the spec writes their paths
 * (`environment.condaFile`, `environment.pipRequirementsFile`, relative to `sourceDirectory`), as
 * the plans read them: a requirements file is needed (its lines go into the YAML's conda
 * specification); a conda file is only referred to, and its text, when given, is checked.
 *
 * @category models
 * @since 0.1.0
 */
export interface ToYamlOptions {
  readonly baseDirectory?: string
  readonly files?: { readonly [relativePath: string]: string }
}

/**
 * The `$schema` written at the top of exported files.
 *
 * @category models
 * @since 0.1.0
 */
export const SCHEMA_URL: string = shared.SCHEMA_URL

/**
 * The tag prefix reserved for spec fields that Azure ML YAML has no key for.
 *
 * @category models
 * @since 0.1.0
 */
export const RESERVED_TAG_PREFIX: string = shared.TAG_PREFIX

// -------------------------------------------------------------------------------------
// codecs
// -------------------------------------------------------------------------------------

/**
 * Read an Azure ML CLI v2 command-job YAML into a spec; every error at once on failure (warnings
 * come with a successful import only).
 *
 * @example
 * const result = AzureMlYaml.fromYaml(text, { baseDirectory: "jobs/train", files: { "conda.yml": conda } })
 *
 * @category codecs
 * @since 0.1.0
 */
export const fromYaml = (text: string, options: FromYamlOptions = {}): FpEither.Either<ReadonlyArray<ImportIssue>, Imported> => {
  const result = importYaml(text, options)
  return "errors" in result ? FpEither.left(result.errors) : FpEither.right(result)
}

/**
 * Write a spec as an Azure ML CLI v2 command-job YAML; every field it cannot carry on failure.
 *
 * @category codecs
 * @since 0.1.0
 */
export const toYaml = (spec: Estimator.Estimator, options: ToYamlOptions = {}): FpEither.Either<ReadonlyArray<ImportIssue>, string> => {
  const result = exportYaml(spec, options)
  return "errors" in result ? FpEither.left(result.errors) : FpEither.right(result.yaml)
}
