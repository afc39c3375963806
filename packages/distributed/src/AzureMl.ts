/**
 * The Azure ML v2 (REST, `CommandJob`) view of a spec's distribution: the `distribution` object
 * (swagger definitions `Mpi`, `PyTorch` and `TensorFlow`, discriminated by `distributionType`)
 * and `resources.instanceCount`. Azure ML launches the processes itself from these two values,
 * so this is all the submit package sends. Pure: nothing in this module performs IO.
 *
 * @since 0.1.0
 */
import type { Estimator } from "@estimator/core"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * Swagger `Mpi`: Azure ML runs `mpirun` with `processCountPerInstance` ranks per node.
 *
 * @category models
 * @since 0.1.0
 */
export interface MpiDistribution {
  readonly distributionType: "Mpi"
  readonly processCountPerInstance: number
}

/**
 * Swagger `PyTorch`: Azure ML starts `processCountPerInstance` ranks per node with the
 * `torch.distributed` environment.
 *
 * @category models
 * @since 0.1.0
 */
export interface PyTorchDistribution {
  readonly distributionType: "PyTorch"
  readonly processCountPerInstance: number
}

/**
 * Swagger `TensorFlow`: parameter-server training with `TF_CONFIG` set by Azure ML.
 *
 * @category models
 * @since 0.1.0
 */
export interface TensorFlowDistribution {
  readonly distributionType: "TensorFlow"
  readonly workerCount: number
  readonly parameterServerCount: number
}

/**
 * A `CommandJob.distribution` value (swagger `DistributionConfiguration`).
 *
 * @category models
 * @since 0.1.0
 */
export type Distribution = MpiDistribution | PyTorchDistribution | TensorFlowDistribution

// -------------------------------------------------------------------------------------
// compiling
// -------------------------------------------------------------------------------------

/**
 * The REST `distribution` of the spec; `undefined` for `None` (the property is then left out of
 * the job body). The PyTorch communication backend has no REST field: the script chooses it
 * when it calls `init_process_group`.
 *
 * @category compiling
 * @since 0.1.0
 */
export const toAzureMlDistribution = (spec: Estimator.Estimator): Distribution | undefined => {
  const distribution = spec.distribution
  switch (distribution._tag) {
    case "None":
      return undefined
    case "Mpi":
      return { distributionType: "Mpi", processCountPerInstance: spec.processCountPerNode }
    case "PyTorch":
      return { distributionType: "PyTorch", processCountPerInstance: spec.processCountPerNode }
    case "TensorFlow":
      return {
        distributionType: "TensorFlow",
        workerCount: distribution.workerCount,
        parameterServerCount: distribution.parameterServerCount
      }
  }
}

/**
 * `resources.instanceCount`: the spec's node count, for every distribution (v1's
 * `TensorflowConfiguration` sets the node count to the worker count when it is built; the
 * spec's `withTensorFlow` does the same).
 *
 * @category compiling
 * @since 0.1.0
 */
export const instanceCount = (spec: Estimator.Estimator): number => spec.nodeCount
