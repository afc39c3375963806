/**
 * The `azureml` backend: submits the job to an Azure ML workspace through the ARM REST API
 * (`Microsoft.MachineLearningServices`, api-version {@link API_VERSION}), as the Azure ML v2 SDK
 * does for a command job with local code (reference: azureml-v2-submit.md §1).
 *
 * The plan is the list of requests, in order:
 *
 * 1. `PUT {WS}/codes/{snapshotHash}/versions/1`: the code version of the run's snapshot
 *    (`CodeVersionResource`, anonymous). `{snapshotHash}` is the SHA-256 content hash of the
 *    snapshot as the v2 SDK computes it (hash version `202208`); the snapshot is made and hashed
 *    by `execute`, which uploads it to `LocalUpload/{snapshotHash}/<folder>` on the workspace's
 *    default blob datastore (or `sourceDirectoryDatastore`) and fills the placeholders
 *    `{snapshotHash}`, `{storageAccount}` and `{storageContainer}`. Naming the code version by
 *    content makes resubmits of unchanged code reuse it.
 * 2. `PUT {WS}/environments/CliV2AnonymousEnvironment/versions/<content hash>`: the anonymous
 *    environment (`EnvironmentVersionResource`): the base image and the conda file (text), or the
 *    build context (uploaded like the code; `{buildContextHash}`). The version is the
 *    environment's content hash from `@estimator/env` (any stable content hash works for the API;
 *    the SDK's MD5 quirk is not reproduced). There is no such request for a registered
 *    environment: `environmentId` is then its ARM id (`name` + `version`), `azureml:<name>@<label>`
 *    (resolved by the service; `@latest` without version or label), or the registry's
 *    `azureml://registries/<registry>/environments/<name>/versions/<version>` (or `/labels/<label>`).
 * 3. `PUT {WS}/jobs/{name}`: the job (`JobBaseResource` whose properties are a `CommandJob`). The
 *    name is the spec's `name`, else the run id (client-generated, so a retried PUT is
 *    idempotent).
 *
 * `{WS}` is the workspace's ARM path, with `{subscriptionId}`, `{resourceGroupName}` and
 * `{workspaceName}` kept when no workspace is given. Local inputs are uploaded like the code and
 * referenced as `azureml://datastores/workspaceblobstore/paths/LocalUpload/{inputHash.<name>}/<file>`.
 *
 * The job's `command` is `python <script> <args>` with every argument POSIX-quoted (single
 * quotes), input and output references as `${{inputs.x}}` / `${{outputs.y}}`, and the run
 * contract's `ESTIMATOR_INPUT_<NAME>=${{inputs.<name>}}` / `ESTIMATOR_OUTPUT_<NAME>=...`
 * assignments in front (they are not arguments: the shell sets them for the script); a spec's
 * own `command` is sent verbatim. `ESTIMATOR_RUN_ID`, `ESTIMATOR_OUTPUT_DIR` (`outputs`, the
 * folder of the working directory that Azure ML keeps) and literal inputs are job variables.
 *
 * **Executing** ({@link execute}) performs the plan, filling only its placeholders:
 *
 * 1. the snapshot: `Snapshot.preflight` of the source directory (the report is kept as
 *    `snapshot-report.json` beside `run.json`) and its content hash (`Snapshot.contentHash`);
 * 2. `GET {WS}/codes/{hash}/versions?hash=&hashVersion=202208`: when the code version of this
 *    content exists, nothing is uploaded and its PUT is skipped;
 * 3. otherwise the upload (`@azure/storage-blob`) to `LocalUpload/{hash}/<folder>/` of the
 *    datastore: `GET {WS}/datastores/{name}`, then `POST .../listSecrets` for a key or SAS
 *    datastore (an identity-based one is written with your own token), or — with
 *    `uploadVia: "pendingUpload"` — the key-less `startPendingUpload` SAS for the code. Uploads
 *    run in parallel (bounded), report progress, skip blobs already there with the same size and
 *    MD5, and end with a completion marker, so an interrupted upload resumes and a finished one is
 *    recognised by one request. Build contexts and local inputs go the same way;
 * 4. the plan's requests in order: the code version, the anonymous environment version, and
 *    `PUT {WS}/jobs/{name}`. Every request is retried on 408/429/5xx and connection failures
 *    (see `AzureMlClient`); the job's name is chosen by the client, so a retried PUT never makes a
 *    second job.
 *
 * The run is recorded in the run store (`RunStore`) with the job's ARM id as `externalId`, and
 * its statuses. {@link status}, {@link wait}, {@link logs} and {@link cancel} work from that
 * record in any process: status from `GET {WS}/jobs/{name}` (Azure's statuses mapped to the
 * project's: `Starting`/`Provisioning` → `Preparing`, `Paused` → `NotResponding`, `Unknown` keeps
 * the last), polled from 2 s rising to 60 s as the v2 SDK does; logs from the run-history service
 * as the v2 tooling streams them (workspace `discoveryUrl` → `history` → run details → the
 * `logFiles` SAS URLs of `user_logs/std_log*.txt`; only new lines are emitted, and each line is
 * also appended, redacted, to the run's `logs/combined.log` exactly once, whichever process streams
 * it: `azureml-logs.json` beside `run.json` counts the lines stored per log file); cancel by
 * `POST {WS}/jobs/{name}/cancel`, following its long-running operation (`Azure-AsyncOperation`,
 * then `Location`, honouring `Retry-After`). Interrupting `wait` stops following; the job keeps
 * running (as in the v2 SDK): cancel it with `cancel`.
 *
 * Secrets: the datastore key, a SAS and the bearer token are never printed, logged or stored; the
 * run store redacts them if they ever reach a message.
 *
 * `toJobBody`, `toRequests` and `compile` are pure; `plan` reads the spec's files; the rest does IO.
 *
 * @since 0.1.0
 */
import { Data, Estimator } from "@estimator/core"
import type { Validation } from "@estimator/core"
import { AzureMl as DistributedAzureMl } from "@estimator/distributed"
import { BaseImages, Conda, Hash, type ResolvedEnvironment } from "@estimator/env"
import { FileSystem } from "@effect/platform"
import { Effect, Either, Layer, Stream } from "effect"
import * as path from "node:path"
import * as AzureMlClient from "./AzureMlClient.js"
import * as Backend from "./Backend.js"
import * as azuremlRun from "./internal/azuremlRun.js"
import * as azuremlUpload from "./internal/azuremlUpload.js"
import * as contract from "./internal/contract.js"
import * as internalPrepare from "./internal/prepare.js"
import * as record from "./internal/record.js"
import * as shell from "./internal/shell.js"
import { isoDuration } from "./internal/units.js"
import type * as Plan from "./Plan.js"
import type * as PlanError from "./PlanError.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The api-version of every request: the newest stable version whose swagger the repository
 * keeps byte-exact (`azureml/rest/2024-04-01`), so every body is checked against the schema
 * the service documents for it. The wire format of these operations is unchanged up to the
 * newest stable version (see the swagger folder's README).
 *
 * @category models
 * @since 0.1.0
 */
export const API_VERSION = "2024-04-01"

/**
 * The name of every anonymous environment (as the v2 SDK names them).
 *
 * @category models
 * @since 0.1.0
 */
export const ANONYMOUS_ENVIRONMENT = "CliV2AnonymousEnvironment"

/**
 * The workspace's default blob datastore, where code and local inputs are uploaded.
 *
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_DATASTORE = "workspaceblobstore"

/**
 * Placeholders that `execute` fills: the snapshot's content hash, the build context's, and the
 * blob storage account and container of the upload datastore. A local input's is
 * {@link inputHashPlaceholder}.
 *
 * @category models
 * @since 0.1.0
 */
export const placeholders = {
  snapshotHash: "{snapshotHash}",
  buildContextHash: "{buildContextHash}",
  storageAccount: "{storageAccount}",
  storageContainer: "{storageContainer}"
} as const

/**
 * The placeholder of the content hash of the local input `name`.
 *
 * @category models
 * @since 0.1.0
 */
export const inputHashPlaceholder = (name: string): string => `{inputHash.${name}}`

/**
 * The capabilities of the azureml backend.
 *
 * @category models
 * @since 0.1.0
 */
export const capabilities: Backend.Capabilities = Backend.capabilityTable.azureml

/**
 * The ARM ids the job refers to.
 *
 * @category models
 * @since 0.1.0
 */
export interface References {
  readonly codeId: string
  readonly environmentId: string
}

// -------------------------------------------------------------------------------------
// compiling
// -------------------------------------------------------------------------------------

/**
 * The ARM path of a workspace; placeholders for a missing workspace.
 *
 * @category compiling
 * @since 0.1.0
 */
export const workspacePath = (workspace?: Backend.Workspace): string =>
  `/subscriptions/${workspace?.subscriptionId ?? "{subscriptionId}"}/resourceGroups/${workspace?.resourceGroup ?? "{resourceGroupName}"}/providers/Microsoft.MachineLearningServices/workspaces/${workspace?.workspaceName ?? "{workspaceName}"}`

const blobFolder = (hashPlaceholder: string, folder: string): string =>
  `https://${placeholders.storageAccount}.blob.core.windows.net/${placeholders.storageContainer}/LocalUpload/${hashPlaceholder}/${folder}`

const INPUT_MODES: { readonly [M in Data.InputMode]: string } = {
  ro_mount: "ReadOnlyMount",
  download: "Download",
  direct: "Direct",
  eval_mount: "EvalMount",
  eval_download: "EvalDownload"
}

const OUTPUT_MODES: { readonly [M in Data.OutputMode]: string } = {
  rw_mount: "ReadWriteMount",
  upload: "Upload",
  direct: "Direct"
}

/**
 * The `azureml://` (or other) URI of a data source; a local path becomes its upload location.
 *
 * @category compiling
 * @since 0.1.0
 */
export const sourceUri = (name: string, source: Data.DataSource): string => {
  switch (source._tag) {
    case "Datastore":
      return `azureml://datastores/${source.datastore}/paths/${source.path}`
    case "DataAsset":
      return source.version !== undefined
        ? `azureml:${source.name}:${source.version}`
        : `azureml:${source.name}@${source.label ?? "latest"}`
    case "Uri":
      return source.uri
    case "LocalPath":
      return `azureml://datastores/${DEFAULT_DATASTORE}/paths/LocalUpload/${inputHashPlaceholder(name)}/${path.basename(source.path)}`
  }
}

/**
 * `environmentId` of a registered environment.
 *
 * @category compiling
 * @since 0.1.0
 */
export const registeredEnvironmentId = (environment: Estimator.RegisteredEnvironment, workspace?: Backend.Workspace): string => {
  if (environment.registry !== undefined) {
    const base = `azureml://registries/${environment.registry}/environments/${environment.name}`
    return environment.version !== undefined ? `${base}/versions/${environment.version}` : `${base}/labels/${environment.label ?? "latest"}`
  }
  return environment.version !== undefined
    ? `${workspacePath(workspace)}/environments/${environment.name}/versions/${environment.version}`
    : `azureml:${environment.name}@${environment.label ?? "latest"}`
}

const hasOwn = Object.prototype.hasOwnProperty

/** The inputs the job gets (a local input that does not exist is left out), in the spec's order. */
const presentInputs = (prepared: Plan.Prepared): Map<string, Data.Input> => {
  const present = new Map<string, Data.Input>()
  const inputs = Estimator.effectiveInputs(internalPrepare.viewOf(prepared))
  for (const name in inputs) {
    if (hasOwn.call(inputs, name) && prepared.localInputs[name]?.kind !== "missing") present.set(name, inputs[name] as Data.Input)
  }
  return present
}

/**
 * The job's `command`: `[ESTIMATOR_INPUT_X=${{inputs.x}} ...] python <script> <args>` for an entry
 * script (see the module comment), the spec's command verbatim otherwise.
 *
 * @category compiling
 * @since 0.1.0
 */
export const toCommand = (prepared: Plan.Prepared): string => commandWith(prepared, presentInputs(prepared))

const commandWith = (prepared: Plan.Prepared, inputs: ReadonlyMap<string, Data.Input>): string => {
  const spec = internalPrepare.viewOf(prepared)
  if (spec.command !== undefined) return spec.command
  let command = ""
  for (const [name, input] of inputs) {
    if (input._tag === "Data") command += `${contract.inputVariable(name)}=\${{inputs.${name}}} `
  }
  for (const name in spec.outputs) {
    if (hasOwn.call(spec.outputs, name)) command += `${contract.outputVariable(name)}=\${{outputs.${name}}} `
  }
  command += `python ${shell.quote(spec.entryScript ?? "")}`
  for (const argument of Estimator.effectiveArguments(spec)) {
    if (Data.isInputReference(argument)) {
      const input = inputs.get(argument.name)
      command += ` ${input === undefined ? shell.quote("") : input._tag === "Literal" ? shell.quote(contract.literalValue(input.value)) : `\${{inputs.${argument.name}}}`}`
    } else if (Data.isOutputReference(argument)) {
      command += ` \${{outputs.${argument.name}}}`
    } else {
      command += ` ${shell.quote(Estimator.renderArgument(argument, () => ""))}`
    }
  }
  return command
}

/**
 * The `CommandJob` job body (`JobBaseResource`), given the code and environment ids and the
 * job's plain variables (framework's included). Assumes the capability check passed.
 *
 * @category compiling
 * @since 0.1.0
 */
export const toJobBody = (prepared: Plan.Prepared, references: References, plain: Plan.Variables): unknown =>
  jobBodyWith(prepared, references, plain, presentInputs(prepared))

const jobBodyWith = (prepared: Plan.Prepared, references: References, plain: Plan.Variables, present: ReadonlyMap<string, Data.Input>): unknown => {
  const spec = internalPrepare.viewOf(prepared)
  const workspace = workspacePath(prepared.workspace)
  const compute = spec.compute
  let inputs: Record<string, unknown> | undefined
  const environmentVariables = record.copy(plain)
  environmentVariables[contract.RUN_ID] = prepared.runId
  environmentVariables[contract.OUTPUT_DIR] = "outputs"
  for (const [name, input] of present) {
    inputs ??= record.empty()
    if (input._tag === "Literal") {
      const value = contract.literalValue(input.value)
      inputs[name] = { jobInputType: "literal", value }
      environmentVariables[contract.inputVariable(name)] = value
    } else {
      inputs[name] = { jobInputType: input.type, uri: sourceUri(name, input.source), mode: INPUT_MODES[input.mode] }
    }
  }
  let outputs: Record<string, unknown> | undefined
  for (const name in spec.outputs) {
    if (!hasOwn.call(spec.outputs, name)) continue
    const output = spec.outputs[name] as Data.Output
    const destination = output.destination
    outputs ??= record.empty()
    outputs[name] = destination === undefined
      ? { jobOutputType: output.type, mode: OUTPUT_MODES[output.mode] }
      : {
        jobOutputType: output.type,
        mode: OUTPUT_MODES[output.mode],
        uri: destination._tag === "Datastore" ? `azureml://datastores/${destination.datastore}/paths/${destination.path}` : destination.uri
      }
  }
  const resources: Record<string, unknown> = { instanceCount: DistributedAzureMl.instanceCount(spec) }
  if (compute._tag === "Serverless" && compute.vmSize !== undefined) resources["instanceType"] = compute.vmSize
  resources["shmSize"] = Estimator.effectiveShmSize(spec)
  if (spec.dockerArgs !== undefined) resources["dockerArgs"] = spec.dockerArgs
  const properties: Record<string, unknown> = {
    jobType: "Command",
    command: commandWith(prepared, present),
    codeId: references.codeId,
    environmentId: references.environmentId,
    environmentVariables
  }
  if (compute._tag === "Cluster") properties["computeId"] = `${workspace}/computes/${compute.name}`
  const distribution = DistributedAzureMl.toAzureMlDistribution(spec)
  if (distribution !== undefined) properties["distribution"] = distribution
  properties["resources"] = resources
  if (spec.maxRunDurationSeconds !== undefined) properties["limits"] = { jobLimitsType: "Command", timeout: isoDuration(spec.maxRunDurationSeconds) }
  if (compute._tag === "Serverless" && compute.vmPriority !== undefined) properties["queueSettings"] = { jobTier: compute.vmPriority === "lowpriority" ? "Spot" : "Standard" }
  if (inputs !== undefined) properties["inputs"] = inputs
  if (outputs !== undefined) properties["outputs"] = outputs
  if (spec.experimentName !== undefined) properties["experimentName"] = spec.experimentName
  if (spec.displayName !== undefined) properties["displayName"] = spec.displayName
  if (spec.description !== undefined) properties["description"] = spec.description
  for (const key in spec.tags) {
    if (hasOwn.call(spec.tags, key)) {
      properties["tags"] = spec.tags
      break
    }
  }
  properties["properties"] = { "estimator.runId": prepared.runId, "estimator.specHash": prepared.specHash }
  properties["isArchived"] = false
  return { properties }
}

/**
 * The anonymous environment's request (none for a registered environment) and the
 * `environmentId` the job refers to.
 *
 * @category compiling
 * @since 0.1.0
 */
export const toEnvironment = (
  prepared: Plan.Prepared,
  environment: ResolvedEnvironment.ResolvedEnvironment
): { readonly environmentId: string; readonly request?: Plan.HttpRequest; readonly upload?: Plan.Upload } => {
  const workspace = workspacePath(prepared.workspace)
  const versionPath = (version: string) => `${workspace}/environments/${ANONYMOUS_ENVIRONMENT}/versions/${version}`
  switch (environment._tag) {
    case "Registered":
      return { environmentId: registeredEnvironmentId(environment, prepared.workspace) }
    case "Build": {
      const context = path.resolve(prepared.sourceDirectory, environment.context)
      const id = versionPath(placeholders.buildContextHash)
      return {
        environmentId: id,
        request: {
          method: "PUT",
          path: id,
          apiVersion: API_VERSION,
          body: {
            properties: {
              build: { contextUri: `${blobFolder(placeholders.buildContextHash, path.basename(context))}/`, dockerfilePath: environment.dockerfile },
              osType: "Linux",
              isAnonymous: true
            }
          }
        },
        upload: { kind: "buildContext", field: "environment.build", localPath: context, datastore: DEFAULT_DATASTORE, placeholder: placeholders.buildContextHash }
      }
    }
    case "Image": {
      const python = environment.python
      const condaFile = python._tag === "Conda"
        ? Conda.render(python.specification)
        : python._tag === "Pip"
        ? Conda.render(Conda.fromPip(python.packages))
        : undefined
      const id = versionPath(Hash.contentHash(environment))
      return {
        environmentId: id,
        request: {
          method: "PUT",
          path: id,
          apiVersion: API_VERSION,
          body: {
            properties: {
              image: BaseImages.qualify(environment.baseImage, environment.registry?.address),
              ...(condaFile === undefined ? {} : { condaFile }),
              osType: "Linux",
              isAnonymous: true
            }
          }
        }
      }
    }
  }
}

/**
 * The code version's request and the upload of the snapshot.
 *
 * @category compiling
 * @since 0.1.0
 */
export const toCode = (prepared: Plan.Prepared): { readonly codeId: string; readonly request: Plan.HttpRequest; readonly upload: Plan.Upload } => {
  const codeId = `${workspacePath(prepared.workspace)}/codes/${placeholders.snapshotHash}/versions/1`
  return {
    codeId,
    request: {
      method: "PUT",
      path: codeId,
      apiVersion: API_VERSION,
      body: {
        properties: {
          codeUri: blobFolder(placeholders.snapshotHash, path.basename(prepared.sourceDirectory)),
          isAnonymous: true,
          properties: { hash_sha256: placeholders.snapshotHash, hash_version: "202208" }
        }
      }
    },
    upload: {
      kind: "code",
      field: "sourceDirectory",
      localPath: prepared.sourceDirectory,
      datastore: prepared.spec.sourceDirectoryDatastore ?? DEFAULT_DATASTORE,
      placeholder: placeholders.snapshotHash
    }
  }
}

/**
 * The job's name: the spec's `name`, else the run id.
 *
 * @category compiling
 * @since 0.1.0
 */
export const jobName = (prepared: Plan.Prepared): string => prepared.spec.name ?? prepared.runId

/**
 * Every request of the plan, in order, and every upload `execute` makes first.
 *
 * @category compiling
 * @since 0.1.0
 */
export const toRequests = (
  prepared: Plan.Prepared,
  environment: ResolvedEnvironment.ResolvedEnvironment,
  plain: Plan.Variables
): { readonly requests: ReadonlyArray<Plan.HttpRequest>; readonly uploads: ReadonlyArray<Plan.Upload> } =>
  requestsWith(prepared, environment, plain, presentInputs(prepared))

const requestsWith = (
  prepared: Plan.Prepared,
  environment: ResolvedEnvironment.ResolvedEnvironment,
  plain: Plan.Variables,
  present: ReadonlyMap<string, Data.Input>
): { readonly requests: ReadonlyArray<Plan.HttpRequest>; readonly uploads: ReadonlyArray<Plan.Upload> } => {
  const code = toCode(prepared)
  const env = toEnvironment(prepared, environment)
  const requests: Array<Plan.HttpRequest> = [code.request]
  const uploads: Array<Plan.Upload> = [code.upload]
  if (env.request !== undefined) requests.push(env.request)
  if (env.upload !== undefined) uploads.push(env.upload)
  requests.push({
    method: "PUT",
    path: `${workspacePath(prepared.workspace)}/jobs/${jobName(prepared)}`,
    apiVersion: API_VERSION,
    body: jobBodyWith(prepared, { codeId: code.codeId, environmentId: env.environmentId }, plain, present)
  })
  const localInputs = prepared.localInputs
  for (const name in localInputs) {
    if (!hasOwn.call(localInputs, name)) continue
    const local = localInputs[name] as Plan.LocalInput
    if (local.kind !== "missing") uploads.push({ kind: "input", field: `inputs.${name}`, localPath: local.path, datastore: DEFAULT_DATASTORE, placeholder: inputHashPlaceholder(name) })
  }
  return { requests, uploads }
}

const commandWarnings = (prepared: Plan.Prepared, present: ReadonlyMap<string, Data.Input>): ReadonlyArray<Validation.Issue> => {
  const spec = internalPrepare.viewOf(prepared)
  if (spec.command === undefined) return []
  const data: Array<string> = []
  for (const [name, input] of present) if (input._tag === "Data") data.push(`inputs.${name}`)
  for (const name in spec.outputs) if (hasOwn.call(spec.outputs, name)) data.push(`outputs.${name}`)
  return data.length === 0 ? [] : [{
    path: "command",
    code: "contract-variables-not-set",
    message: `The job runs a command, which is sent verbatim, so ESTIMATOR_INPUT_<NAME> / ESTIMATOR_OUTPUT_<NAME> are not set for ${data.join(", ")} on azureml (Azure ML sets AZURE_ML_INPUT_<name> / AZURE_ML_OUTPUT_<name>).`,
    hint: "Refer to them in the command as ${{inputs.<name>}} / ${{outputs.<name>}}, or run an entryScript.",
    severity: "warning"
  }]
}

/**
 * The azureml plan of a prepared spec, or every reason there is none.
 *
 * @category compiling
 * @since 0.1.0
 */
export const compile = (prepared: Plan.Prepared): Either.Either<Plan.AzureMlPlan, PlanError.PlanError> => {
  const memo = internalPrepare.memoOf(prepared)
  const ignored = internalPrepare.checkCapabilities("azureml", prepared, memo)
  if (Either.isLeft(ignored)) return Either.left(ignored.left)
  const environment = internalPrepare.environmentOf("azureml", prepared, { azuremlDefaults: true }, memo)
  if (Either.isLeft(environment)) return Either.left(environment.left)
  const present = presentInputs(prepared)
  const { requests, uploads } = requestsWith(prepared, environment.right.environment, environment.right.variables, present)
  return Either.right({
    backend: "azureml",
    warnings: internalPrepare.concat(prepared.warnings, ignored.right, environment.right.warnings, commandWarnings(prepared, present)),
    requests,
    uploads,
    jobName: jobName(prepared),
    run: internalPrepare.runInfo(prepared, memo)
  })
}

/**
 * Plan `spec` for the azureml backend: decode, validate, read its files, compile.
 *
 * @category compiling
 * @since 0.1.0
 */
export const plan = (
  spec: Estimator.Estimator,
  context: Backend.PlanContext
): Effect.Effect<Plan.AzureMlPlan, PlanError.PlanError, FileSystem.FileSystem> =>
  Effect.flatMap(internalPrepare.prepare("azureml", spec, context), compile)

// -------------------------------------------------------------------------------------
// running
// -------------------------------------------------------------------------------------

/**
 * Progress of one upload of the plan (`field`: `sourceDirectory`, `environment.build`,
 * `inputs.<name>`): files and bytes done, uploaded and skipped (already there).
 *
 * @category models
 * @since 0.1.0
 */
export type UploadProgress = azuremlRun.UploadProgress

/**
 * Options of executing and following runs.
 *
 * - `client`: the HTTP client's options (endpoint, retries, timeouts), for {@link layerWith}.
 * - `runsDirectory`: where `status`, `logs`, `wait` and `cancel` find runs (default
 *   `RunStore.root()`); `execute` writes where the plan says.
 * - `polling`: the status back-off (default `{ minMillis: 2000, maxMillis: 60000 }`).
 * - `lroPollMillis` (default 5000) / `lroTimeoutMillis` (default 15 min): following a cancel
 *   when the service gives no `Retry-After`, and for how long.
 * - `uploadConcurrency` (default 16), `onUploadProgress`, `uploadVia` (`datastore`, the default,
 *   or `pendingUpload`), `storageRetry` (the storage client's retry options).
 * - `logDownloadAttempts` (default 4).
 *
 * @category models
 * @since 0.1.0
 */
export interface Options extends azuremlRun.RunOptions {
  readonly client?: AzureMlClient.Options
}

/**
 * The upload to the workspace's storage failed (names the account, container and blob, the
 * status, and what to do; never a key or SAS).
 *
 * @category errors
 * @since 0.1.0
 */
export const UploadError = azuremlUpload.UploadError

/**
 * @category errors
 * @since 0.1.0
 */
export type UploadError = azuremlUpload.UploadError

/**
 * What executing a plan can fail with.
 *
 * @category errors
 * @since 0.1.0
 */
export type ExecuteError = azuremlRun.ExecuteError

/**
 * What following a run can fail with.
 *
 * @category errors
 * @since 0.1.0
 */
export type FollowError = azuremlRun.FollowError

const envOf = (options: Options) =>
  Effect.map(Effect.all([FileSystem.FileSystem, AzureMlClient.AzureMlClient]), ([fs, client]): azuremlRun.Env => ({ fs, client, options }))

/**
 * Performs an azureml plan (see the module comment) and returns once the job is created.
 *
 * @category running
 * @since 0.1.0
 */
export const execute = (
  plan: Plan.AzureMlPlan,
  options: Options = {}
): Effect.Effect<Backend.RunHandle, ExecuteError, FileSystem.FileSystem | AzureMlClient.AzureMlClient> =>
  Effect.flatMap(envOf(options), (env) => azuremlRun.execute(env, plan))

/**
 * The run's status, read from Azure ML (and recorded) unless the record is already terminal.
 *
 * @category running
 * @since 0.1.0
 */
export const status = (runId: string, options: Options = {}): Effect.Effect<Backend.RunStatus, FollowError, FileSystem.FileSystem | AzureMlClient.AzureMlClient> =>
  Effect.flatMap(envOf(options), (env) => azuremlRun.status(env, runId))

/**
 * Polls the run's status with back-off until it is `Completed`, `Failed` or `Canceled`.
 *
 * @category running
 * @since 0.1.0
 */
export const wait = (runId: string, options: Options = {}): Effect.Effect<Backend.RunStatus, FollowError, FileSystem.FileSystem | AzureMlClient.AzureMlClient> =>
  Effect.flatMap(envOf(options), (env) => azuremlRun.wait(env, runId))

/**
 * The job's log lines (rank 0's `user_logs/std_log*.txt`); with `follow`, new lines as they come
 * until the job ends. Lines not yet in the run's `logs/combined.log` are appended to it.
 *
 * @category running
 * @since 0.1.0
 */
export const logs = (
  runId: string,
  logsOptions: Backend.LogsOptions = {},
  options: Options = {}
): Stream.Stream<string, FollowError, FileSystem.FileSystem | AzureMlClient.AzureMlClient> =>
  Stream.unwrap(Effect.map(envOf(options), (env) => azuremlRun.logs(env, runId, logsOptions)))

/**
 * Cancels the job and follows the cancel to its end; returns the run's status then.
 *
 * @category running
 * @since 0.1.0
 */
export const cancel = (runId: string, options: Options = {}): Effect.Effect<Backend.RunStatus, FollowError, FileSystem.FileSystem | AzureMlClient.AzureMlClient> =>
  Effect.flatMap(envOf(options), (env) => azuremlRun.cancel(env, runId, `canceled by request (process ${process.pid})`))

// -------------------------------------------------------------------------------------
// layers
// -------------------------------------------------------------------------------------

/**
 * The azureml backend as a service value.
 *
 * @category layers
 * @since 0.1.0
 */
export const make = (fs: FileSystem.FileSystem, client: AzureMlClient.Client, options: Options = {}): Backend.Service => {
  const env: azuremlRun.Env = { fs, client, options }
  return {
    name: "azureml",
    capabilities,
    plan: (spec, context) => plan(spec, context).pipe(Effect.provideService(FileSystem.FileSystem, fs)),
    execute: (planned) =>
      planned.backend !== "azureml"
        ? Effect.fail(new Backend.WrongBackend({ backend: "azureml", planBackend: planned.backend }))
        : azuremlRun.execute(env, planned),
    status: (runId) => azuremlRun.status(env, runId),
    logs: (runId, logsOptions) => azuremlRun.logs(env, runId, logsOptions),
    wait: (runId) => azuremlRun.wait(env, runId),
    cancel: (runId) => azuremlRun.cancel(env, runId, `canceled by request (process ${process.pid})`)
  }
}

/**
 * The azureml backend on the `AzureMlClient` in context.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerWith = (options: Options = {}): Layer.Layer<Backend.Backend, never, FileSystem.FileSystem | AzureMlClient.AzureMlClient> =>
  Layer.effect(Backend.Backend, Effect.map(Effect.all([FileSystem.FileSystem, AzureMlClient.AzureMlClient]), ([fs, client]) => make(fs, client, options)))

/**
 * The azureml backend: `fetch`, `DefaultAzureCredential` tokens (loaded at the first request) and
 * the endpoint from `$ESTIMATOR_AZUREML_ENDPOINT` (default ARM's).
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<Backend.Backend, never, FileSystem.FileSystem> = layerWith().pipe(Layer.provide(AzureMlClient.layerDefault()))
