"""Two MPI ranks check that they see each other: each reports its rank, the ranks sum their ids
with an allreduce, and each writes what it saw to $ESTIMATOR_OUTPUT_DIR/rank-<n>.json."""
import json
import os
import pathlib
import sys

from mpi4py import MPI

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
total = comm.allreduce(rank, op=MPI.SUM)
expected_size = int(sys.argv[sys.argv.index("--expect-size") + 1])
print(f"rank {rank} of {size}: sum of ranks {total}", flush=True)

outputs = pathlib.Path(os.environ["ESTIMATOR_OUTPUT_DIR"])
outputs.mkdir(parents=True, exist_ok=True)
(outputs / f"rank-{rank}.json").write_text(json.dumps({"rank": rank, "size": size, "sum": total}) + "\n")
if size != expected_size or total != size * (size - 1) // 2:
    sys.exit(f"rank {rank}: expected {expected_size} ranks summing to {expected_size * (expected_size - 1) // 2}")
