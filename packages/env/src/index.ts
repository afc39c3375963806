/**
 * @since 0.1.0
 */
export * as BaseImages from "./BaseImages.js"
/**
 * @since 0.1.0
 */
export * as Conda from "./Conda.js"
/**
 * @since 0.1.0
 */
export * as Dockerfile from "./Dockerfile.js"
/**
 * @since 0.1.0
 */
export * as Hash from "./Hash.js"
/**
 * @since 0.1.0
 */
export * as ParseIssue from "./ParseIssue.js"
/**
 * @since 0.1.0
 */
export * as Requirements from "./Requirements.js"
/**
 * @since 0.1.0
 */
export * as ResolvedEnvironment from "./ResolvedEnvironment.js"
