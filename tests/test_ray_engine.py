"""The Ray engine on a local Ray instance gives the local engine's rows, row for row."""

from __future__ import annotations

import shutil

import numpy as np

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from aucli.cli import app

ray = pytest.importorskip("ray", reason="the optional ray extra is not installed")
pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def ray_local():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def test_ray_engine_matches_local_engine(ray_local, tmp_path, pexels_video, single_face_video):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    shutil.copy(pexels_video, src / "pexels.mp4")
    shutil.copy(single_face_video, src / "sub" / "single.mp4")
    (src / "broken.mp4").write_text("not a video")
    common = [str(src), "-q", "--stride", "6"]
    local = CliRunner().invoke(app, ["extract", *common, "-o", str(tmp_path / "local")])
    remote = CliRunner().invoke(app, ["extract", *common, "-o", str(tmp_path / "ray"), "--engine", "ray",
                                      "--address", "auto"])
    assert local.exit_code == remote.exit_code == 1, remote.output  # broken.mp4 fails in both
    for rel in ("pexels.parquet", "sub/single.parquet"):
        a = pq.read_table(tmp_path / "local" / rel).to_pylist()
        b = pq.read_table(tmp_path / "ray" / rel).to_pylist()
        assert len(a) == len(b) > 0
        assert a == b
    def statuses(folder):
        return {r["path"].split("/")[-1]: r["status"] for r in pq.read_table(folder / "manifest.parquet").to_pylist()}
    assert statuses(tmp_path / "local") == statuses(tmp_path / "ray") == {
        "pexels.mp4": "ok", "single.mp4": "ok", "broken.mp4": "failed"}
    again = CliRunner().invoke(app, ["extract", *common, "-o", str(tmp_path / "ray"), "--engine", "ray",
                                     "--address", "auto"])
    assert again.exit_code == 1
    assert statuses(tmp_path / "ray")["pexels.mp4"] == "skipped-done"


def test_prepare_on_ray_matches_local(ray_local, tmp_path, single_face_video):
    from aucli.extract.prepare import PrepareConfig, prepare, read_index
    from tests.data_fixtures.bp4d import make_bp4d
    from tests.media import sample_frames

    frames = sample_frames(single_face_video, range(0, 60, 10))
    root = tmp_path / "BP4D"
    make_bp4d(root, subjects=("F001", "M011"), tasks=("T1",), n_frames=4,
              image_fn=lambda subject, frame, labels: frames[frame % len(frames)])
    config = PrepareConfig(size=64, chunk=3)  # several chunks, so several Ray tasks
    local = prepare("bp4d", root, tmp_path / "local", config=config)
    remote = prepare("bp4d", root, tmp_path / "ray", config=config, ray_address="auto")
    assert local["items"] == remote["items"] and local["faces_found"] == remote["faces_found"] > 0
    a, _ = read_index(tmp_path / "local")
    b, _ = read_index(tmp_path / "ray")
    keys = ["subject", "sequence", "frame", "source", "crop", "success", "labels", "expression"]
    assert a.select(keys).to_pylist() == b.select(keys).to_pylist()
    # Ray gives each task one CPU thread; the landmarker's float sums differ in the last bits
    la = np.array(a.column("landmarks").to_pylist(), float)
    lb = np.array(b.column("landmarks").to_pylist(), float)
    assert np.abs(la - lb).max() < 0.5
