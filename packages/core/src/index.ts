/**
 * @since 0.1.0
 */
export * as Data from "./Data.js"
/**
 * @since 0.1.0
 */
export * as Estimator from "./Estimator.js"
/**
 * @since 0.1.0
 */
export * as Framework from "./Framework.js"
/**
 * @since 0.1.0
 */
export * as Function from "./Function.js"
/**
 * @since 0.1.0
 */
export * as Secret from "./Secret.js"
/**
 * @since 0.1.0
 */
export * as JsonSchema from "./JsonSchema.js"
/**
 * @since 0.1.0
 */
export * as Validation from "./Validation.js"
