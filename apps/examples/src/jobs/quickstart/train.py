"""A stdlib-only "training" job: fits y = a*x + b to a small CSV by gradient descent and writes
metrics and the model to $ESTIMATOR_OUTPUT_DIR (kept after the run)."""
import argparse
import csv
import json
import os
import pathlib

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True, help="folder with points.csv")
parser.add_argument("--epochs", type=int, default=200)
parser.add_argument("--learning-rate", type=float, default=0.05)
args = parser.parse_args()

with open(pathlib.Path(args.data) / "points.csv", newline="") as f:
    points = [(float(row["x"]), float(row["y"])) for row in csv.DictReader(f)]

a, b = 0.0, 0.0
for epoch in range(1, args.epochs + 1):
    grad_a = sum(2 * (a * x + b - y) * x for x, y in points) / len(points)
    grad_b = sum(2 * (a * x + b - y) for x, y in points) / len(points)
    a -= args.learning_rate * grad_a
    b -= args.learning_rate * grad_b
    if epoch % 50 == 0 or epoch == args.epochs:
        loss = sum((a * x + b - y) ** 2 for x, y in points) / len(points)
        print(f"epoch {epoch:4d}  loss {loss:.6f}", flush=True)

outputs = pathlib.Path(os.environ.get("ESTIMATOR_OUTPUT_DIR", "outputs"))
outputs.mkdir(parents=True, exist_ok=True)
(outputs / "model.json").write_text(json.dumps({"a": a, "b": b}, indent=2) + "\n")
(outputs / "metrics.json").write_text(json.dumps({"loss": loss, "epochs": args.epochs, "points": len(points)}, indent=2) + "\n")
print(f"model: y = {a:.3f} * x + {b:.3f}; outputs in {outputs}")
