/**
 * @since 0.1.0
 */
export * as Args from "./Args.js"
/**
 * @since 0.1.0
 */
export * as Cli from "./Cli.js"
/**
 * @since 0.1.0
 */
export * as Io from "./Io.js"
/**
 * @since 0.1.0
 */
export * as Render from "./Render.js"
/**
 * @since 0.1.0
 */
export * as SpecLoader from "./SpecLoader.js"
