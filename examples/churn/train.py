"""Trains a customer-churn classifier and logs it through the mlflow client.

A logistic regression fitted with mini-batch gradient descent in numpy on
data/churn.csv. Per epoch it logs the training loss and, on a validation split,
log_loss, auc and accuracy. It logs its hyperparameters, the dataset as a run
input, the model as ONNX under the run's `model/` artifact directory (with an
MLmodel file declaring the `onnx` flavor and the signature), and the validation
predictions under `predictions/`.

Hyperparameters come from the environment: the job spec's hyperparameter `foo`
arrives as `GANTRY_PARAM_FOO` (see examples/README.md). Under Gantry the run
already exists (MLFLOW_RUN_ID) and the job's API key is MLFLOW_TRACKING_TOKEN;
on its own the script starts a run in the experiment `churn`.

    python3 train.py [--data data/churn.csv]
"""

import argparse
import os
import tempfile
from pathlib import Path

import mlflow
import mlflow.onnx
import numpy as np
import onnx
from mlflow.models import ModelSignature
from mlflow.types import Schema, TensorSpec
from onnx import TensorProto, helper, numpy_helper

from churn_common import FEATURES, HERE, LABEL, classification_metrics, load, log_loss, sigmoid

PARAM_PREFIX = "GANTRY_PARAM_"
DEFAULTS = {
    "learning_rate": "0.1",
    "epochs": "40",
    "batch_size": "128",
    "l2": "0.001",
    "validation_fraction": "0.2",
    "seed": "7",
}
ONNX_OPSET = 17


def hyperparameters() -> dict:
    """The defaults, overridden by every GANTRY_PARAM_* variable (`GANTRY_PARAM_LEARNING_RATE` → `learning_rate`)."""
    params = dict(DEFAULTS)
    for key, value in os.environ.items():
        if key.startswith(PARAM_PREFIX) and len(key) > len(PARAM_PREFIX):
            params[key[len(PARAM_PREFIX) :].lower()] = value
    return params


def build_onnx(mean: np.ndarray, std: np.ndarray, weights: np.ndarray, bias: float) -> onnx.ModelProto:
    """The fitted model as an ONNX graph: standardize, linear, sigmoid; outputs the churn probability and the 0/1 label."""
    d = len(FEATURES)
    inits = [
        numpy_helper.from_array(mean.astype(np.float32), "mean"),
        numpy_helper.from_array(std.astype(np.float32), "std"),
        numpy_helper.from_array(weights.astype(np.float32).reshape(d, 1), "weights"),
        numpy_helper.from_array(np.array([bias], dtype=np.float32), "bias"),
        numpy_helper.from_array(np.array([-1], dtype=np.int64), "flat"),
        numpy_helper.from_array(np.array(0.5, dtype=np.float32), "threshold"),
    ]
    nodes = [
        helper.make_node("Sub", ["features", "mean"], ["centered"]),
        helper.make_node("Div", ["centered", "std"], ["scaled"]),
        helper.make_node("MatMul", ["scaled", "weights"], ["linear"]),
        helper.make_node("Add", ["linear", "bias"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["probability_column"]),
        helper.make_node("Reshape", ["probability_column", "flat"], ["probability"]),
        helper.make_node("GreaterOrEqual", ["probability", "threshold"], ["is_churn"]),
        helper.make_node("Cast", ["is_churn"], ["label"], to=TensorProto.INT64),
    ]
    graph = helper.make_graph(
        nodes,
        "churn_logistic_regression",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", d])],
        [
            helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["batch"]),
            helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"]),
        ],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", ONNX_OPSET)], producer_name="gantry-examples-churn")
    # IR version 8 loads in every ONNX Runtime since 1.10.
    model.ir_version = 8
    model.doc_string = "Churn probability from " + ", ".join(FEATURES)
    helper.set_model_props(model, {"feature_names": ",".join(FEATURES), "positive_class": LABEL})
    onnx.checker.check_model(model, full_check=True)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=HERE / "data" / "churn.csv")
    args = parser.parse_args()

    params = hyperparameters()
    lr = float(params["learning_rate"])
    epochs = int(params["epochs"])
    batch_size = int(params["batch_size"])
    l2 = float(params["l2"])
    validation_fraction = float(params["validation_fraction"])
    rng = np.random.default_rng(int(params["seed"]))

    df = load(args.data)
    X = df[FEATURES].to_numpy(dtype=np.float64)
    y = df[LABEL].to_numpy(dtype=np.float64)
    order = rng.permutation(len(df))
    n_val = int(round(len(df) * validation_fraction))
    val, train = order[:n_val], order[n_val:]

    # Standardization learnt on the training split only; the ONNX graph applies the same numbers.
    mean = X[train].mean(axis=0)
    std = X[train].std(axis=0)
    std[std == 0] = 1.0
    Z = (X - mean) / std

    if not any(os.environ.get(k) for k in ("MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME")):
        mlflow.set_experiment("churn")

    with mlflow.start_run() as run:
        print(f"run_id: {run.info.run_id}", flush=True)
        # Values exactly as received, so a param Gantry already recorded from the job spec matches.
        mlflow.log_params(params)
        mlflow.log_params({"model": "logistic_regression", "features": len(FEATURES), "train_rows": len(train), "validation_rows": len(val)})
        dataset = mlflow.data.from_pandas(df, source=str(args.data), name=args.data.stem, targets=LABEL)
        mlflow.log_input(dataset, context="training")

        w = np.zeros(len(FEATURES))
        b = float(np.log(y[train].mean() / (1 - y[train].mean())))
        for epoch in range(1, epochs + 1):
            shuffled = rng.permutation(train)
            for start in range(0, len(shuffled), batch_size):
                idx = shuffled[start : start + batch_size]
                err = sigmoid(Z[idx] @ w + b) - y[idx]
                w -= lr * (Z[idx].T @ err / len(idx) + l2 * w)
                b -= lr * float(err.mean())
            train_loss = log_loss(y[train], sigmoid(Z[train] @ w + b))
            metrics = classification_metrics(y[val], sigmoid(Z[val] @ w + b))
            mlflow.log_metrics({"train_loss": train_loss, **metrics}, step=epoch)
            print(
                f"epoch {epoch:3d}  train_loss {train_loss:.4f}  log_loss {metrics['log_loss']:.4f}  "
                f"auc {metrics['auc']:.4f}  accuracy {metrics['accuracy']:.4f}",
                flush=True,
            )

        model = build_onnx(mean, std, w, b)
        signature = ModelSignature(
            inputs=Schema([TensorSpec(np.dtype(np.float32), (-1, len(FEATURES)), "features")]),
            outputs=Schema([TensorSpec(np.dtype(np.float32), (-1,), "probability"), TensorSpec(np.dtype(np.int64), (-1,), "label")]),
        )
        with tempfile.TemporaryDirectory() as tmp:
            model_dir = Path(tmp) / "model"
            mlflow.onnx.save_model(
                model,
                str(model_dir),
                signature=signature,
                input_example=X[val[:5]].astype(np.float32),
                metadata={"feature_names": FEATURES, "positive_class": LABEL, "threshold": 0.5},
                save_as_external_data=False,
            )
            mlflow.log_artifacts(str(model_dir), artifact_path="model")

            # The script's own predictions (float64) for the validation rows, to check the ONNX model against.
            predictions = df.iloc[val][["customer_id", LABEL]].copy()
            predictions["probability"] = sigmoid(Z[val] @ w + b)
            pred_file = Path(tmp) / "validation.csv"
            predictions.to_csv(pred_file, index=False, float_format="%.9f")
            mlflow.log_artifact(str(pred_file), artifact_path="predictions")

        print(f"final: auc {metrics['auc']:.4f}  accuracy {metrics['accuracy']:.4f}  log_loss {metrics['log_loss']:.4f}", flush=True)


if __name__ == "__main__":
    main()
