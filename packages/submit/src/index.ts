/**
 * Backends (dry-run, local, docker, azureml) behind one Effect service, the plans they make, and
 * the Azure ML YAML import/export. The swagger test helper lives at
 * `@estimator/submit/testing/SwaggerCheck` and is not re-exported.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as AzureMl from "./AzureMl.js"
/**
 * @since 0.1.0
 */
export * as AzureMlClient from "./AzureMlClient.js"
/**
 * @since 0.1.0
 */
export * as AzureMlYaml from "./AzureMlYaml.js"
/**
 * @since 0.1.0
 */
export * as Backend from "./Backend.js"
/**
 * @since 0.1.0
 */
export * as Docker from "./Docker.js"
/**
 * @since 0.1.0
 */
export * as DryRun from "./DryRun.js"
/**
 * @since 0.1.0
 */
export * as Local from "./Local.js"
/**
 * @since 0.1.0
 */
export * as Plan from "./Plan.js"
/**
 * @since 0.1.0
 */
export * as PlanError from "./PlanError.js"
/**
 * @since 0.1.0
 */
export * as Redact from "./Redact.js"
/**
 * @since 0.1.0
 */
export * as RunStore from "./RunStore.js"
/**
 * @since 0.1.0
 */
export * as Snapshot from "./Snapshot.js"
/**
 * @since 0.1.0
 */
export * as Testing from "./Testing.js"
/**
 * @since 0.1.0
 */
export * as Workspace from "./Workspace.js"
