"""End to end on the real sample videos: the README's first command, checked against OUTPUT.md."""

from __future__ import annotations

import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from aucli.cli import app
from aucli.ops.blendshapes import AU_NUMBERS
from aucli.extract.parquet import read_metadata

REQUIRED_AUS = (1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 16, 17, 18, 20, 22, 24, 26, 28, 45)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory, pexels_video, single_face_video):
    root = tmp_path_factory.mktemp("samples")
    src = root / "in"
    src.mkdir()
    for v in (pexels_video, single_face_video):
        shutil.copy(v, src / v.name)
    out = root / "out"
    result = CliRunner().invoke(app, ["extract", str(src), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return src, out


def test_one_parquet_per_video_and_manifest(extracted):
    src, out = extracted
    assert sorted(p.name for p in out.glob("*.parquet")) == [
        "WolfgangLanger_Pexels.parquet", "manifest.parquet", "single_face.parquet"]
    manifest = pq.read_table(out / "manifest.parquet").to_pylist()
    assert {m["status"] for m in manifest} == {"ok"}
    assert all(len(m["output_sha256"]) == 64 and m["frames"] > 0 for m in manifest)


def test_pexels_faces_timestamps_and_smile(extracted, pexels_video):
    import decord

    _, out = extracted
    table = pq.read_table(out / "WolfgangLanger_Pexels.parquet")
    frames = table.column("frame").to_numpy()
    reader = decord.VideoReader(str(pexels_video))
    assert len(np.unique(frames)) == len(reader) == 472
    success = table.column("success").to_numpy(zero_copy_only=False)
    assert success.mean() >= 0.99
    ts = table.column("timestamp").to_numpy()
    expected = np.array([reader.get_frame_timestamp(int(i))[0] for i in frames])
    assert np.all(np.diff(ts) >= 0) and np.allclose(ts, expected)
    au12 = table.column("AU12_r").to_numpy(zero_copy_only=False).astype(float)
    au12 = au12[~np.isnan(au12)]
    assert au12.max() > np.median(au12) + 0.2 and au12.max() - au12.min() > 0.5
    assert table.column("face_id").unique().to_pylist() == [0]


def test_schema_follows_output_contract(extracted):
    _, out = extracted
    schema = pq.read_schema(out / "single_face.parquet")
    types = {f.name: f.type for f in schema}
    assert types["frame"] == pa.int32() and types["timestamp"] == pa.float64()
    assert types["face_id"] == pa.int32() and types["success"] == pa.bool_()
    for name in ["confidence", "face_x", "face_y", "face_w", "face_h", "pose_Rx", "pose_Ry",
                 "pose_Rz", "x_0", "x_67", "y_0", "y_67", "bs_jawOpen", "bs_mouthSmileLeft"]:
        assert types[name] == pa.float32(), name
    for au in REQUIRED_AUS:
        assert types[f"AU{au:02d}_r"] == pa.float32()
    assert set(REQUIRED_AUS) <= set(AU_NUMBERS)
    assert len([n for n in schema.names if n.startswith("bs_")]) == 52


def test_metadata_holds_version_config_models_video(extracted):
    import tomllib

    _, out = extracted
    meta = read_metadata(out / "single_face.parquet")
    assert meta["aucli.schema_version"] == "2"
    config = tomllib.loads(meta["aucli.config"])
    assert config["stages"] == ["detect", "track", "align", "gaze", "au"]
    assert config["detect"]["detector"] == "mediapipe"
    (model,) = [m for m in meta["aucli.models"] if "sha256" in m]
    assert model["sha256"].startswith("64184e22") and model["licence"] == "Apache-2.0"
    video = meta["aucli.video"]
    assert video["frames"] == 72 and video["width"] == 640 and video["rotation"] == 0
    assert len(video["head_sha256"]) == 64


def test_landmarks_and_box_are_consistent(extracted):
    _, out = extracted
    df = pq.read_table(out / "single_face.parquet").to_pandas()
    xs = df[[f"x_{i}" for i in range(68)]].to_numpy()
    ys = df[[f"y_{i}" for i in range(68)]].to_numpy()
    assert (xs.min(1) >= df.face_x - 1).all() and (xs.max(1) <= df.face_x + df.face_w + 1).all()
    assert (ys.min(1) >= df.face_y - 1).all()
    # iBUG order: the right eye (36-41) is left of the left eye (42-47) in the image
    assert (xs[:, 36:42].mean(1) < xs[:, 42:48].mean(1)).all()
    assert (ys[:, 8] > ys[:, 27]).all()  # chin below the nose bridge


def test_rerun_skips_done_and_overwrite_redoes(extracted):
    src, out = extracted
    before = (out / "single_face.parquet").stat().st_mtime_ns
    result = CliRunner().invoke(app, ["extract", str(src / "single_face.mp4"), "-o", str(out), "-q"])
    assert result.exit_code == 0
    rows = {r["path"]: r for r in pq.read_table(out / "manifest.parquet").to_pylist()}
    assert rows[str(src / "single_face.mp4")]["status"] == "skipped-done"
    assert (out / "single_face.parquet").stat().st_mtime_ns == before
    result = CliRunner().invoke(app, ["extract", str(src / "single_face.mp4"), "-o", str(out),
                                      "-q", "--overwrite", "--stride", "3"])
    assert result.exit_code == 0
    frames = pq.read_table(out / "single_face.parquet").column("frame").to_pylist()
    assert frames == list(range(0, 72, 3))
