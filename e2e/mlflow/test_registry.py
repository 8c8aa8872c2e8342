"""The model registry and MLflow 3 logged models through the unmodified mlflow client.

Run by e2e/mlflow.spec.ts with MLFLOW_TRACKING_URI pointing at a running Gantry and
MLFLOW_TRACKING_TOKEN set to a Gantry API key with read and write scopes.
"""

import os
import uuid

import mlflow
import numpy as np
import pytest
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

URI = os.environ["MLFLOW_TRACKING_URI"]


@pytest.fixture(autouse=True)
def tracking():
    mlflow.set_tracking_uri(URI)
    mlflow.set_registry_uri(URI)
    yield
    if mlflow.active_run():
        mlflow.end_run()


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def logged_run(tmp_path):
    """A finished run with a metric and a small artifact directory to register from."""
    mlflow.set_experiment(unique("registry"))
    with mlflow.start_run() as run:
        mlflow.log_param("alpha", "0.5")
        mlflow.log_metric("rmse", 0.25, step=3)
        d = tmp_path / "model"
        d.mkdir()
        (d / "weights.txt").write_text("1 2 3\n")
        mlflow.log_artifacts(str(d), artifact_path="model")
    return run


def test_client_registry_round_trip(tmp_path):
    client = MlflowClient()
    run = logged_run(tmp_path)
    name = unique("churn")

    rm = client.create_registered_model(name, tags={"team": "growth"}, description="churn model")
    assert rm.name == name and rm.tags == {"team": "growth"} and rm.description == "churn model"
    with pytest.raises(MlflowException) as dup:
        client.create_registered_model(name)
    assert dup.value.error_code == "RESOURCE_ALREADY_EXISTS"

    source = f"{run.info.artifact_uri}/model"
    v1 = client.create_model_version(name, source=source, run_id=run.info.run_id, tags={"stage": "candidate"})
    v2 = client.create_model_version(name, source=f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
    assert (v1.version, v2.version) == ("1", "2")
    assert v1.status == "READY" and v1.run_id == run.info.run_id and v1.tags == {"stage": "candidate"}

    client.set_registered_model_alias(name, "champion", "1")
    client.set_registered_model_alias(name, "challenger", "2")
    assert client.get_model_version_by_alias(name, "champion").version == "1"
    client.set_registered_model_alias(name, "champion", "2")
    champion = client.get_model_version_by_alias(name, "champion")
    assert champion.version == "2" and set(champion.aliases) == {"champion", "challenger"}
    assert {a: v for a, v in client.get_registered_model(name).aliases.items()} == {"champion": "2", "challenger": "2"}

    client.delete_registered_model_alias(name, "challenger")
    with pytest.raises(MlflowException) as gone:
        client.get_model_version_by_alias(name, "challenger")
    assert gone.value.error_code == "RESOURCE_DOES_NOT_EXIST"

    found = client.search_registered_models(filter_string=f"name LIKE '%{name[-8:]}%'")
    assert [m.name for m in found] == [name]
    assert [m.name for m in client.search_registered_models(filter_string=f"name = '{name}'")] == [name]
    by_name = client.search_model_versions(f"name='{name}'")
    assert sorted(v.version for v in by_name) == ["1", "2"]
    by_run = client.search_model_versions(f"run_id='{run.info.run_id}'")
    assert {(v.name, v.version) for v in by_run} == {(name, "1"), (name, "2")}

    client.set_registered_model_tag(name, "owner", "ml")
    client.delete_registered_model_tag(name, "team")
    assert client.get_registered_model(name).tags == {"owner": "ml"}
    client.set_model_version_tag(name, "1", "validated", "yes")
    client.delete_model_version_tag(name, "1", "stage")
    client.update_model_version(name, "1", description="first cut")
    v1 = client.get_model_version(name, "1")
    assert v1.tags == {"validated": "yes"} and v1.description == "first cut"
    client.update_registered_model(name, description="updated")
    assert client.get_registered_model(name).description == "updated"

    assert client.get_model_version_download_uri(name, "1") == source
    assert client.get_model_version_download_uri(name, "2") == source
    files = mlflow.artifacts.download_artifacts(f"models:/{name}@champion", dst_path=str(tmp_path / "dl"))
    assert open(os.path.join(files, "weights.txt")).read() == "1 2 3\n"

    renamed = unique("renamed")
    client.rename_registered_model(name, renamed)
    assert client.get_model_version(renamed, "2").version == "2"
    client.delete_model_version(renamed, "1")
    with pytest.raises(MlflowException) as missing:
        client.get_model_version(renamed, "1")
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    client.delete_registered_model(renamed)
    with pytest.raises(MlflowException) as deleted:
        client.get_registered_model(renamed)
    assert deleted.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_invalid_alias_and_unknown_version_are_mlflow_errors():
    client = MlflowClient()
    name = unique("errs")
    client.create_registered_model(name)
    with pytest.raises(MlflowException) as no_version:
        client.set_registered_model_alias(name, "champion", "7")
    assert no_version.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as bad_alias:
        client.set_registered_model_alias(name, "v3", "1")
    assert bad_alias.value.error_code in ("INVALID_PARAMETER_VALUE", "RESOURCE_DOES_NOT_EXIST")
    with pytest.raises(MlflowException) as no_model:
        client.get_registered_model(unique("nobody"))
    assert no_model.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_sklearn_log_model_register_and_load_by_alias():
    from sklearn.linear_model import LinearRegression

    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([1.0, 3.0, 5.0, 7.0])
    model = LinearRegression().fit(X, y)
    name = unique("ranker")

    mlflow.set_experiment(unique("sklearn"))
    with mlflow.start_run() as run:
        mlflow.log_metric("r2", 1.0)
        info = mlflow.sklearn.log_model(model, name="m", registered_model_name=name)
    assert str(info.registered_model_version) == "1"
    assert info.model_id

    client = MlflowClient()
    logged = client.get_logged_model(info.model_id)
    assert logged.source_run_id == run.info.run_id
    assert logged.name == "m"
    v = client.get_model_version(name, "1")
    assert v.run_id == run.info.run_id

    client.set_registered_model_alias(name, "champion", "1")
    loaded = mlflow.pyfunc.load_model(f"models:/{name}@champion")
    pred = loaded.predict(np.array([[4.0], [5.0]]))
    assert np.allclose(pred, [9.0, 11.0])

    # The logged model is searchable in its experiment and can be tagged.
    client.set_logged_model_tags(info.model_id, {"reviewed": "yes"})
    found = client.search_logged_models(experiment_ids=[run.info.experiment_id])
    assert [m.model_id for m in found] == [info.model_id]
    assert found[0].tags.get("reviewed") == "yes"


def test_register_model_from_runs_uri_of_a_logged_model():
    from sklearn.linear_model import LinearRegression

    model = LinearRegression().fit(np.array([[0.0], [1.0]]), np.array([0.0, 2.0]))
    name = unique("from-run")
    mlflow.set_experiment(unique("runs-uri"))
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(model, name="m")
    # The MLflow 3 way: runs:/<run>/<name> resolves to the run's logged model named "m".
    mv = mlflow.register_model(f"runs:/{run.info.run_id}/m", name)
    assert mv.version == "1" and mv.run_id == run.info.run_id
    loaded = mlflow.pyfunc.load_model(f"models:/{name}/1")
    assert np.allclose(loaded.predict(np.array([[3.0]])), [6.0])
    latest = MlflowClient().get_latest_versions(name)
    assert [v.version for v in latest] == ["1"]
