"""The unmodified mlflow client against Gantry's MLflow-compatible tracking API.

Run by e2e/mlflow.spec.ts with MLFLOW_TRACKING_URI pointing at a running Gantry and
MLFLOW_TRACKING_TOKEN set to a Gantry API key with read and write scopes.
"""

import math
import os
import time
import uuid

import mlflow
import pytest
import requests
from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

URI = os.environ["MLFLOW_TRACKING_URI"]


@pytest.fixture(autouse=True)
def tracking():
    mlflow.set_tracking_uri(URI)
    yield
    if mlflow.active_run():
        mlflow.end_run()


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_fluent_run_logs_params_metrics_tags():
    exp = mlflow.set_experiment(unique("fluent"))
    assert exp.experiment_id.startswith("exp_")
    with mlflow.start_run(run_name="baseline") as run:
        mlflow.log_param("lr", 0.01)
        mlflow.log_params({"batch_size": 32, "optimizer": "adam"})
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metrics({"acc": 0.91, "f1": 0.88}, step=4)
        mlflow.set_tag("stage", "dev")
        mlflow.set_tags({"owner": "e2e", "kind": "smoke"})
        run_id = run.info.run_id

    got = MlflowClient().get_run(run_id)
    assert got.info.status == "FINISHED"
    assert got.info.end_time is not None and got.info.end_time >= got.info.start_time
    assert got.info.run_name == "baseline"
    assert got.info.experiment_id == exp.experiment_id
    assert got.data.params == {"lr": "0.01", "batch_size": "32", "optimizer": "adam"}
    assert got.data.metrics["loss"] == pytest.approx(0.2)
    assert got.data.metrics["acc"] == pytest.approx(0.91)
    assert got.data.tags["stage"] == "dev"
    assert got.data.tags["owner"] == "e2e"
    assert got.data.tags["mlflow.runName"] == "baseline"

    history = MlflowClient().get_metric_history(run_id, "loss")
    assert [m.step for m in history] == [0, 1, 2, 3, 4]
    assert [m.value for m in history] == pytest.approx([1.0, 0.5, 1 / 3, 0.25, 0.2])


def test_param_is_immutable():
    mlflow.set_experiment(unique("params"))
    with mlflow.start_run():
        mlflow.log_param("lr", "0.01")
        mlflow.log_param("lr", "0.01")
        with pytest.raises(MlflowException) as err:
            mlflow.log_param("lr", "0.02")
        assert err.value.error_code == "INVALID_PARAMETER_VALUE"


def test_log_batch_nan_infinity_and_retry_is_idempotent():
    client = MlflowClient()
    exp_id = client.create_experiment(unique("batch"))
    run = client.create_run(exp_id, run_name="batch")
    now = int(time.time() * 1000)
    metrics = [Metric("m", float(i), now + i, i) for i in range(1000)]
    client.log_batch(run.info.run_id, metrics=metrics, params=[Param("p", "1")], tags=[RunTag("t", "v")])
    # The same batch again, as a client retrying after a timeout would send it.
    client.log_batch(run.info.run_id, metrics=metrics, params=[Param("p", "1")], tags=[RunTag("t", "v")])
    assert len(client.get_metric_history(run.info.run_id, "m")) == 1000

    odd = [Metric("odd", v, now, i) for i, v in enumerate([float("nan"), float("inf"), float("-inf"), 0.5])]
    client.log_batch(run.info.run_id, metrics=odd)
    values = [m.value for m in client.get_metric_history(run.info.run_id, "odd")]
    assert math.isnan(values[0])
    assert values[1:] == [float("inf"), float("-inf"), 0.5]

    # The client splits large batches itself, so the server's limit is checked with a raw request.
    too_many = [{"key": "m", "value": 1.0, "timestamp": now, "step": i} for i in range(1001)]
    res = requests.post(
        f"{URI}/api/2.0/mlflow/runs/log-batch",
        json={"run_id": run.info.run_id, "metrics": too_many},
        headers={"Authorization": f"Bearer {os.environ['MLFLOW_TRACKING_TOKEN']}"},
        timeout=30,
    )
    assert res.status_code == 400
    assert res.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "at most 1000 metrics" in res.json()["message"]
    client.set_terminated(run.info.run_id)


def test_search_runs_with_filter_and_order():
    client = MlflowClient()
    exp_id = client.create_experiment(unique("search"))
    for name, acc, lr in [("a", 0.95, "0.01"), ("b", 0.80, "0.01"), ("c", 0.99, "0.1"), ("d", 0.92, "0.01")]:
        run = client.create_run(exp_id, run_name=name)
        client.log_metric(run.info.run_id, "acc", acc)
        client.log_param(run.info.run_id, "lr", lr)
        client.set_tag(run.info.run_id, "t", "v")
        client.set_terminated(run.info.run_id, "FINISHED" if name != "d" else "FAILED")

    found = client.search_runs(
        [exp_id], filter_string="metrics.acc > 0.9 and params.lr = '0.01' and tags.t = 'v'", order_by=["metrics.acc DESC"]
    )
    assert [r.info.run_name for r in found] == ["a", "d"]
    failed = client.search_runs([exp_id], filter_string="attributes.status = 'FAILED'")
    assert [r.info.run_name for r in failed] == ["d"]

    page1 = client.search_runs([exp_id], order_by=["metrics.acc ASC"], max_results=2)
    assert page1.token
    page2 = client.search_runs([exp_id], order_by=["metrics.acc ASC"], max_results=2, page_token=page1.token)
    assert [r.info.run_name for r in list(page1) + list(page2)] == ["b", "d", "a", "c"]

    mlflow.set_experiment(experiment_id=exp_id)
    df_or_list = mlflow.search_runs(filter_string="metrics.acc >= 0.95", output_format="list")
    assert sorted(r.info.run_name for r in df_or_list) == ["a", "c"]


def test_tags_delete_and_run_lifecycle():
    client = MlflowClient()
    exp_id = client.create_experiment(unique("life"))
    run = client.create_run(exp_id)
    client.set_tag(run.info.run_id, "temp", "1")
    client.delete_tag(run.info.run_id, "temp")
    assert "temp" not in client.get_run(run.info.run_id).data.tags
    client.delete_run(run.info.run_id)
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "deleted"
    assert client.search_runs([exp_id]) == []
    client.restore_run(run.info.run_id)
    assert [r.info.run_id for r in client.search_runs([exp_id])] == [run.info.run_id]

    client.rename_experiment(exp_id, unique("renamed"))
    client.delete_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "deleted"
    client.restore_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "active"


def test_default_experiment_and_missing_objects():
    client = MlflowClient()
    default = client.get_experiment("0")
    assert default.experiment_id.startswith("exp_")
    run = client.create_run("0")
    assert run.info.experiment_id == default.experiment_id
    client.set_terminated(run.info.run_id)
    assert client.get_experiment_by_name(unique("nope")) is None
    with pytest.raises(MlflowException) as err:
        client.get_run("run_doesnotexist")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_log_inputs_dataset():
    client = MlflowClient()
    exp_id = client.create_experiment(unique("inputs"))
    run = client.create_run(exp_id)
    ds = Dataset(name="iris", digest="d41d8cd9", source_type="local", source='{"uri": "/data/iris.csv"}', schema='{"mlflow_colspec": []}')
    client.log_inputs(run.info.run_id, [DatasetInput(ds, tags=[InputTag("mlflow.data.context", "training")])])
    inputs = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert [(i.dataset.name, i.dataset.digest, i.dataset.source_type) for i in inputs] == [("iris", "d41d8cd9", "local")]
    assert [(t.key, t.value) for t in inputs[0].tags] == [("mlflow.data.context", "training")]


def test_log_input_with_pandas_dataset():
    pd = pytest.importorskip("pandas")
    mlflow.set_experiment(unique("pandas"))
    frame = pd.DataFrame({"x": [1, 2, 3], "y": [0, 1, 0]})
    dataset = mlflow.data.from_pandas(frame, name="tiny", targets="y")
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training")
    inputs = MlflowClient().get_run(run.info.run_id).inputs.dataset_inputs
    assert inputs[0].dataset.name == "tiny"
    assert inputs[0].dataset.digest == dataset.digest


def test_wrong_token_is_an_auth_error(monkeypatch):
    token = os.environ["MLFLOW_TRACKING_TOKEN"]
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", wrong)
    with pytest.raises(MlflowException) as err:
        MlflowClient().search_experiments()
    assert err.value.get_http_status_code() == 401
    assert err.value.error_code == "UNAUTHENTICATED"
