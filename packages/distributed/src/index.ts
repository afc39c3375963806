/**
 * @since 0.1.0
 */
export * as AzureMl from "./AzureMl.js"
/**
 * @since 0.1.0
 */
export * as LaunchPlan from "./LaunchPlan.js"
/**
 * @since 0.1.0
 */
export * as Mpi from "./Mpi.js"
/**
 * @since 0.1.0
 */
export * as PyTorch from "./PyTorch.js"
/**
 * @since 0.1.0
 */
export * as RankLayout from "./RankLayout.js"
/**
 * @since 0.1.0
 */
export * as TensorFlow from "./TensorFlow.js"
