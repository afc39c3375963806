/**
 * @since 0.1.0
 */
export * as Catalog from "./Catalog.js"
/**
 * @since 0.1.0
 */
export * as Chainer from "./Chainer.js"
/**
 * @since 0.1.0
 */
export * as Dependencies from "./Dependencies.js"
/**
 * @since 0.1.0
 */
export * as FrameworkEnvironment from "./FrameworkEnvironment.js"
/**
 * @since 0.1.0
 */
export * as PyTorch from "./PyTorch.js"
/**
 * @since 0.1.0
 */
export * as SKLearn from "./SKLearn.js"
/**
 * @since 0.1.0
 */
export * as TensorFlow from "./TensorFlow.js"
/**
 * @since 0.1.0
 */
export * as V1Import from "./V1Import.js"
