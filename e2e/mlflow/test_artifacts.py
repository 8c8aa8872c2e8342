"""Run artifacts through the unmodified mlflow client: Gantry's proxied artifact API.

Run by e2e/mlflow.spec.ts with MLFLOW_TRACKING_URI pointing at a running Gantry and
MLFLOW_TRACKING_TOKEN set to a Gantry API key with read and write scopes.
"""

import filecmp
import os
import uuid

import mlflow
import pytest
import requests
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

URI = os.environ["MLFLOW_TRACKING_URI"]
TOKEN = os.environ["MLFLOW_TRACKING_TOKEN"]


@pytest.fixture(autouse=True)
def tracking():
    mlflow.set_tracking_uri(URI)
    yield
    if mlflow.active_run():
        mlflow.end_run()


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def logged(tmp_path):
    """A run with one file at the root and a directory tree under `outputs/`."""
    src = tmp_path / "src"
    (src / "nested" / "deeper").mkdir(parents=True)
    (src / "summary.txt").write_text("loss went down\n")
    (src / "nested" / "config.json").write_text('{"lr": 0.01}')
    (src / "nested" / "plot.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(64))
    # Random bytes over several MiB: crosses the client's 1 MiB download chunks and any buffer boundary.
    (src / "nested" / "deeper" / "weights.bin").write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    single = tmp_path / "notes.md"
    single.write_text("# notes\n\nüñíçødé\n")

    mlflow.set_experiment(unique("artifacts"))
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(single))
        mlflow.log_artifacts(str(src), artifact_path="outputs")
    return run.info.run_id, single, src


def test_run_artifact_uri_is_proxied():
    mlflow.set_experiment(unique("artifact-uri"))
    with mlflow.start_run() as run:
        assert run.info.artifact_uri.startswith("mlflow-artifacts:/")
        assert run.info.artifact_uri.endswith(f"/{run.info.run_id}/artifacts")


def test_list_artifacts_one_level_at_a_time(logged):
    run_id, _, _ = logged
    client = MlflowClient()
    root = client.list_artifacts(run_id)
    assert [(f.path, f.is_dir) for f in root] == [("notes.md", False), ("outputs", True)]
    assert root[0].file_size == len("# notes\n\nüñíçødé\n".encode())

    outputs = client.list_artifacts(run_id, "outputs")
    assert [(f.path, f.is_dir) for f in outputs] == [("outputs/nested", True), ("outputs/summary.txt", False)]
    deeper = client.list_artifacts(run_id, "outputs/nested/deeper")
    assert [(f.path, f.file_size) for f in deeper] == [("outputs/nested/deeper/weights.bin", 3 * 1024 * 1024 + 17)]
    nested = client.list_artifacts(run_id, "outputs/nested")
    assert [(f.path, f.is_dir) for f in nested] == [("outputs/nested/config.json", False), ("outputs/nested/deeper", True), ("outputs/nested/plot.png", False)]
    # Listing a file lists nothing, as MLflow's own server answers.
    assert client.list_artifacts(run_id, "notes.md") == []


def test_download_file_and_directory_bytes_match(logged, tmp_path):
    run_id, single, src = logged
    one = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="notes.md", dst_path=str(tmp_path / "d1"))
    assert open(one, "rb").read() == single.read_bytes()

    tree = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="outputs", dst_path=str(tmp_path / "d2"))
    cmp = filecmp.dircmp(str(src), tree)
    assert cmp.left_only == [] and cmp.right_only == []
    for rel in ["summary.txt", "nested/config.json", "nested/plot.png", "nested/deeper/weights.bin"]:
        assert filecmp.cmp(os.path.join(src, rel), os.path.join(tree, rel), shallow=False), rel


def test_content_type_is_kept(logged):
    """The client declares a type per file on upload (PNG: image/png; JSON: text/plain, its label for every
    text file); Gantry keeps a specific type and, for a generic one, stores the type the extension names."""
    run_id, _, src = logged
    run = MlflowClient().get_run(run_id)
    base = f"{URI}/api/2.0/mlflow-artifacts/artifacts/{run.info.artifact_uri.removeprefix('mlflow-artifacts:/')}"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    png = requests.get(f"{base}/outputs/nested/plot.png", headers=auth, timeout=30)
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert int(png.headers["content-length"]) == len(png.content)
    assert png.content == (src / "nested" / "plot.png").read_bytes()
    cfg = requests.get(f"{base}/outputs/nested/config.json", headers=auth, timeout=30)
    assert cfg.headers["content-type"].startswith("application/json")
    assert cfg.json() == {"lr": 0.01}


def test_path_traversal_is_refused(logged):
    run_id, _, _ = logged
    run = MlflowClient().get_run(run_id)
    base = f"{URI}/api/2.0/mlflow-artifacts/artifacts/{run.info.artifact_uri.removeprefix('mlflow-artifacts:/')}"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for evil in ["%2e%2e/%2e%2e/%2e%2e/x", "..%2f..%2fx", "%252e%252e/x", "a%5c..%5cb"]:
        r = requests.put(f"{base}/{evil}", data=b"x", headers=auth, timeout=30)
        # 400 when the path reaches Gantry as written; 404 if a proxy resolved the dots first.
        assert r.status_code in (400, 404), (evil, r.status_code, r.text)
        assert r.json()["error_code"] in ("INVALID_PARAMETER_VALUE", "RESOURCE_DOES_NOT_EXIST", "ENDPOINT_NOT_FOUND")
    r = requests.get(
        f"{URI}/api/2.0/mlflow-artifacts/artifacts",
        params={"path": f"{run.info.artifact_uri.removeprefix('mlflow-artifacts:/')}/../../.."},
        headers=auth,
        timeout=30,
    )
    assert r.status_code == 400 and r.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_wrong_token_is_an_auth_error(logged, monkeypatch):
    run_id, _, _ = logged
    run = MlflowClient().get_run(run_id)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "gty_wrongwrongwr_" + "x" * 38)
    with pytest.raises((MlflowException, requests.HTTPError)) as e:
        mlflow.artifacts.download_artifacts(artifact_uri=f"{run.info.artifact_uri}/notes.md")
    assert "401" in str(e.value) or "UNAUTHENTICATED" in str(e.value)
