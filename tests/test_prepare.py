"""`aucli datasets prepare`: real faces in real dataset layouts, aligned by the extract stages."""

from __future__ import annotations

import zlib

import numpy as np
import pyarrow.parquet as pq
from typer.testing import CliRunner

from aucli.cli import app
from aucli.data.prepared import read_index
from tests.data_fixtures.bp4d import make_bp4d
from tests.data_fixtures.me import make_casme2
from tests.media import sample_frames


def _faces(video, n):
    frames = sample_frames(video, range(0, 10 * n, 10))
    # crc32, not hash(): string hashes change from one process to the next
    return lambda subject, frame, labels: frames[zlib.crc32(f"{subject}/{frame}".encode()) % n]


def test_prepare_bp4d_aligns_faces_and_resumes(tmp_path, single_face_video):
    root = tmp_path / "BP4D"
    make_bp4d(root, subjects=("F001", "M007"), tasks=("T1",), n_frames=3, image_fn=_faces(single_face_video, 6))
    cache = tmp_path / "cache"
    args = ["datasets", "prepare", "bp4d", str(root), "-o", str(cache), "--size", "128", "--format", "jpg"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    table, meta = read_index(cache)
    assert meta["dataset"] == "bp4d" and meta["kind"] == "au" and meta["aus"][:3] == [1, 2, 4]
    rows = table.to_pylist()
    assert len(rows) == meta["items"] > 0 and all(r["success"] for r in rows)
    crop = cache / rows[0]["crop"]
    import cv2

    assert cv2.imread(str(crop)).shape == (128, 128, 3)
    lm = np.array(rows[0]["landmarks"]).reshape(68, 2)
    eyes = lm[36:42].mean(0), lm[42:48].mean(0)
    assert abs(eyes[0][1] - eyes[1][1]) < 2.0 and 0 < lm.min() and lm.max() < 128  # aligned
    assert rows[0]["labels"] and set(sum((r["labels"] for r in rows), [])) <= {-1, 0, 1}
    # resume: a finished chunk is not redone
    part = cache / "parts" / "part-00000.parquet"
    before = part.stat().st_mtime_ns
    assert CliRunner().invoke(app, args).exit_code == 0
    assert part.stat().st_mtime_ns == before


def test_prepare_casme2_aligns_each_clip_on_its_onset(tmp_path, single_face_video):
    frames = sample_frames(single_face_video, range(40))

    def draw(subject, frame, info):
        return frames[(frame - info["onset"]) % 40]

    root = tmp_path / "CASME2"
    make_casme2(root, image_fn=draw, image_size=64)
    cache = tmp_path / "cache"
    result = CliRunner().invoke(app, ["datasets", "prepare", "casme2", str(root), "-o", str(cache),
                                      "--size", "112"])
    assert result.exit_code == 0, result.output
    table, meta = read_index(cache)
    assert meta["kind"] == "me" and table.num_rows > 0
    row = table.to_pylist()[0]
    assert row["success"] and len(row["frames"]) == row["offset"] - row["onset"] + 1
    assert all((cache / f).exists() for f in row["frames"])
    assert pq.read_table(cache / "index.parquet").schema.metadata[b"aucli.prepare"]


def test_training_reads_the_prepared_cache_with_its_landmarks(tmp_path, single_face_video):
    """prepare -> train marl (which uses the crop landmarks) on the cache -> evaluate."""
    import json

    from aucli.data import DATASETS

    root = tmp_path / "BP4D"
    make_bp4d(root, subjects=("F001", "M011", "F007"), tasks=("T1",), n_frames=4,
              image_fn=_faces(single_face_video, 6))
    cache = tmp_path / "cache"
    assert CliRunner().invoke(app, ["datasets", "prepare", "bp4d", str(root), "-o", str(cache),
                                    "--size", "64"]).exit_code == 0
    loader = DATASETS.get("prepared")(cache)
    samples = loader.samples()
    assert loader.aus == DATASETS.get("bp4d").aus and len(samples) == len(DATASETS.get("bp4d")(root).samples())
    lms = loader.landmarks_for(samples)
    assert np.isfinite(lms).all() and lms.max() < 64
    assert loader.fold_subjects([s.subject for s in samples])["fold1"][1][0] == "F007"
    tiny = ["--set", 'method.backbone="tiny"', "--set", "train.epochs=1", "--set", "train.batch_size=4",
            "--set", "train.num_workers=0", "--set", "data.input_size=48", "--set", "data.crop_size=40"]
    result = CliRunner().invoke(app, ["train", "marl", "--dataset", "prepared", "--root", str(cache),
                                      "--fold", "1", "--device", "cpu", "-o", str(tmp_path / "runs"), *tiny])
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "runs" / "marl-prepared-fold1" / "metrics.json").read_text())
    assert 0 <= metrics["f1"] <= 1 and metrics["fold"] == 1
