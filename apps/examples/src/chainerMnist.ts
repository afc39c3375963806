/**
 * The seed job: v1's `Chainer(source_directory, compute_target=gpu_cluster, entry_script='train.py',
 * use_gpu=True, node_count=1, distributed_training=Mpi(process_count_per_node=2),
 * framework_version='7.0.0')`, as a spec.
 *
 * @since 0.1.0
 */
import { Estimator } from "@estimator/core"
import { Chainer } from "@estimator/frameworks"
import { pipe } from "fp-ts/lib/function.js"

export default pipe(
  Estimator.make({ entryScript: "train.py", sourceDirectory: "./jobs/chainer-mnist" }),
  Estimator.withCompute(Estimator.cluster("gpu-cluster")),
  Estimator.withGpu,
  Estimator.withMpi(1, 2),
  Estimator.withScriptParams({ "--epochs": 10, "--batchsize": 128 }),
  Chainer.chainer("7.0.0"),
  Estimator.withExperimentName("chainer-mnist")
)
