"""Scores a dataset with a model version and logs the predictions to the job's run (a Gantry batch prediction job)."""
import os, sys, time, tempfile
from pathlib import Path
import mlflow, pandas as pd
E = os.environ
uri, src, out = E["GANTRY_MODEL_URI"], E["GANTRY_BATCH_INPUT_URI"], E.get("GANTRY_BATCH_OUTPUT", "predictions.csv")
cols = [c for c in E.get("GANTRY_BATCH_COLUMNS", "").split(",") if c]
keep = [c for c in E.get("GANTRY_BATCH_PASSTHROUGH", "").split(",") if c]
t0 = time.time()
with tempfile.TemporaryDirectory() as tmp:
    p = Path(mlflow.artifacts.download_artifacts(artifact_uri=src, dst_path=tmp))
    files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.suffix in (".csv", ".parquet"))
    if not files:
        sys.exit(f"{src} holds no .csv or .parquet file")
    df = pd.concat([pd.read_parquet(f) if f.suffix == ".parquet" else pd.read_csv(f) for f in files], ignore_index=True)
print(f"read {len(df)} rows from {len(files)} file(s) of {src}", flush=True)
model = mlflow.pyfunc.load_model(uri)
sig = model.metadata.get_input_schema()
if not cols and sig is not None and sig.has_input_names() and not sig.is_tensor_spec():
    cols = sig.input_names()
missing = [c for c in cols + keep if c not in df.columns]
if missing:
    sys.exit(f"the dataset has no column {', '.join(missing)} (it has {', '.join(map(str, df.columns))})")
X = df[cols] if cols else df.drop(columns=keep)
if sig is not None and sig.is_tensor_spec() and len(sig.inputs) == 1:
    X = X.to_numpy(dtype=sig.numpy_types()[0])  # one tensor input: the columns are its last dimension
res = model.predict(X)
if isinstance(res, dict):
    pred = pd.DataFrame({k: list(v) if getattr(v, "ndim", 1) == 1 else [list(r) for r in v] for k, v in res.items()})
elif isinstance(res, pd.DataFrame):
    pred = res.reset_index(drop=True)
else:
    pred = pd.DataFrame({"prediction": list(res)})
result = pd.concat([df[keep].reset_index(drop=True), pred], axis=1) if keep else pred
with tempfile.TemporaryDirectory() as tmp:
    f = Path(tmp) / out
    result.to_parquet(f, index=False) if out.endswith(".parquet") else result.to_csv(f, index=False)
    mlflow.log_artifact(str(f))
secs = time.time() - t0
mlflow.log_input(mlflow.data.from_pandas(df, source=src, name=Path(src).stem or "input"), context="batch_prediction")
mlflow.set_tags({"gantry.batch.model_uri": uri, "gantry.batch.input_uri": src, "gantry.batch.output": out})
mlflow.log_metrics({"rows": float(len(df)), "seconds": secs, "rows_per_second": len(df) / max(secs, 1e-9)})
print(f"scored {len(df)} rows with {uri} in {secs:.1f} s: {out}", flush=True)
