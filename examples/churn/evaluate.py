"""Evaluates a churn model version on the holdout set and logs the metrics evaluation checks read.

Downloads the model (`models:/<name>/<version>`, or any model URI) through the mlflow
client, runs its ONNX file with onnxruntime on data/churn_holdout.csv, and logs
auc, accuracy, log_loss, precision and recall to the run, with the holdout set as
an `evaluation` input. Under a Gantry evaluation the model URI arrives as
GANTRY_MODEL_URI and the run as MLFLOW_RUN_ID; on its own the script starts a run
in the experiment `churn-evaluation`.

    python3 evaluate.py [--model-uri models:/churn/1] [--data data/churn_holdout.csv]
"""

import argparse
import os
import tempfile
from pathlib import Path

import mlflow
import numpy as np
import onnxruntime
import yaml

from churn_common import FEATURES, HERE, LABEL, classification_metrics, load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-uri", default=os.environ.get("GANTRY_MODEL_URI"))
    parser.add_argument("--data", type=Path, default=HERE / "data" / "churn_holdout.csv")
    parser.add_argument("--threshold", type=float, default=0.5)
    args = parser.parse_args()
    if not args.model_uri:
        raise SystemExit("No model to evaluate: pass --model-uri or set GANTRY_MODEL_URI")

    if not any(os.environ.get(k) for k in ("MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME")):
        mlflow.set_experiment("churn-evaluation")

    df = load(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=args.model_uri, dst_path=tmp))
        mlmodel = yaml.safe_load((local / "MLmodel").read_text())
        flavor = (mlmodel.get("flavors") or {}).get("onnx")
        if not flavor:
            raise SystemExit(f"{args.model_uri} is not an ONNX model (flavors: {', '.join(mlmodel.get('flavors') or {})})")
        features = (mlmodel.get("metadata") or {}).get("feature_names") or FEATURES
        session = onnxruntime.InferenceSession(str(local / flavor["data"]), providers=["CPUExecutionProvider"])
        input_name = session.get_inputs()[0].name
        (probability,) = session.run(["probability"], {input_name: df[features].to_numpy(dtype=np.float32)})

    y = df[LABEL].to_numpy(dtype=np.float64)
    metrics = classification_metrics(y, probability.astype(np.float64), args.threshold)

    with mlflow.start_run() as run:
        print(f"run_id: {run.info.run_id}", flush=True)
        mlflow.set_tags({"gantry.evaluated_model_uri": args.model_uri, "gantry.evaluation_data": args.data.name})
        dataset = mlflow.data.from_pandas(df, source=str(args.data), name=args.data.stem, targets=LABEL)
        mlflow.log_input(dataset, context="evaluation")
        mlflow.log_metrics({**metrics, "holdout_rows": float(len(df))})
    print(
        f"{args.model_uri} on {len(df)} holdout rows: auc {metrics['auc']:.4f}  accuracy {metrics['accuracy']:.4f}  "
        f"log_loss {metrics['log_loss']:.4f}  precision {metrics['precision']:.4f}  recall {metrics['recall']:.4f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
