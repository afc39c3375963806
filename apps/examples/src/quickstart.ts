/**
 * The quickstart job: a stdlib-only Python script that reads a small CSV input, fits a line and
 * writes its model and metrics to the run's outputs. Runs on `local` with the machine's python3.
 *
 * @since 0.1.0
 */
import { Data, Estimator } from "@estimator/core"
import { pipe } from "fp-ts/lib/function.js"

export default pipe(
  Estimator.make({ entryScript: "train.py", sourceDirectory: "./jobs/quickstart" }),
  Estimator.withInput("points", Data.fromLocal("./data/quickstart")),
  Estimator.withScriptParams({ "--data": Data.input("points"), "--epochs": 200, "--learning-rate": 0.05 }),
  Estimator.withExperimentName("quickstart"),
  Estimator.withTags({ example: "quickstart" })
)
