/**
 * An MPI job with two processes that checks its ranks (mpi4py, from Debian's python3-mpi4py in
 * the base image built by `bash .ci/provision.sh`). Runs on `docker` (mpirun inside the container)
 * or on `local` where Open MPI and mpi4py are installed.
 *
 * @since 0.1.0
 */
import { Estimator } from "@estimator/core"
import { pipe } from "fp-ts/lib/function.js"

export default pipe(
  Estimator.make({ entryScript: "check_ranks.py", sourceDirectory: "./jobs/mpi-ranks" }),
  Estimator.withMpi(1, 2),
  Estimator.withUserManagedPython,
  Estimator.withArgs("--expect-size", 2),
  Estimator.withExperimentName("mpi-ranks")
)
