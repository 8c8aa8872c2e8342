"""What train.py and evaluate.py share: the dataset's columns and the metrics, in numpy."""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent

# The model's input, in this order: the ONNX graph takes a float32 tensor [batch, len(FEATURES)].
FEATURES = [
    "tenure_months",
    "contract_months",
    "monthly_charges",
    "total_charges",
    "support_calls",
    "late_payments",
    "auto_pay",
    "has_fiber",
    "senior",
    "num_products",
]
LABEL = "churned"


def load(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path)
    missing = [c for c in [*FEATURES, LABEL] if c not in df.columns]
    if missing:
        raise SystemExit(f"{path}: missing columns {', '.join(missing)}")
    return df


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve as the Mann-Whitney statistic, ties counted half."""
    ranks = pd.Series(p).rank(method="average").to_numpy()
    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def classification_metrics(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> dict:
    predicted = p >= threshold
    actual = y == 1
    tp = int(np.sum(predicted & actual))
    fp = int(np.sum(predicted & ~actual))
    fn = int(np.sum(~predicted & actual))
    return {
        "auc": roc_auc(y, p),
        "accuracy": float(np.mean(predicted == actual)),
        "log_loss": log_loss(y, p),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
    }
