"""Real inputs for the render / plot / report tests, made once per session.

* ``two_faces``: 24 frames of two people (the Pexels clip beside its mirrored, later copy) then 3
  empty grey frames, extracted by the real pipeline.
* ``batch``: ``aucli extract --report`` over that clip, a clip without a face and a broken file.
* ``runs``: two real training runs: an AU fold (baseline-au) and an ME LOSO run (baseline-me).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from media import two_face_frames, write_video
from typer.testing import CliRunner

from aucli.cli import app

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"


@pytest.fixture(scope="session")
def two_faces(tmp_path_factory) -> tuple[Path, Path]:
    """(video, its Parquet)."""
    from aucli.extract.pipeline import resolve, run_video

    root = tmp_path_factory.mktemp("two_faces")
    frames = two_face_frames(SAMPLES / "WolfgangLanger_Pexels.mp4", 24)
    frames += [np.full_like(frames[0], 90) for _ in range(3)]
    video = write_video(root / "two_faces.mp4", frames, fps=24)
    parquet = root / "two_faces.parquet"
    run_video(video, parquet, resolve())
    return video, parquet


@pytest.fixture(scope="session")
def batch(two_faces, tmp_path_factory) -> Path:
    """An extract output folder (ok, ok without faces, failed) with report.html written by --report."""
    root = tmp_path_factory.mktemp("batch")
    videos = root / "videos"
    videos.mkdir()
    shutil.copy(two_faces[0], videos / "two_faces.mp4")
    write_video(videos / "nobody.mp4", [np.full((120, 160, 3), 60, np.uint8)] * 6, fps=12)
    (videos / "broken.mp4").write_bytes(b"not a video at all" * 50)
    out = root / "out"
    res = runner.invoke(app, ["extract", str(videos), "-o", str(out), "-q", "--report"])
    assert res.exit_code == 1, res.output  # the broken file fails, the others are processed
    return out


@pytest.fixture(scope="session")
def runs(tmp_path_factory) -> Path:
    from tests.data_fixtures.synthetic import make
    from tests.data_fixtures.synthetic_me import make as make_me

    root = tmp_path_factory.mktemp("runs")
    au = make(root / "bp4d", subjects=6, frames=12, size=48, seed=0)
    me = make_me(root / "casme", subjects=3, clips_per_class=1, size=48, seed=7)
    out = root / "R"
    res = runner.invoke(app, [
        "train", "baseline-au", "--dataset", "synthetic-au", "--root", str(au), "--fold", "2",
        "--device", "cpu", "-o", str(out), "--set", 'method.backbone="tiny"', "--set", "train.epochs=2",
        "--set", "train.batch_size=16", "--set", "train.num_workers=0", "--set", "data.input_size=48",
        "--set", "data.crop_size=40"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, [
        "train", "baseline-me", "--dataset", "synthetic-me", "--root", str(me), "-o", str(out),
        "--protocol", "loso", "--set", "input.size=28", "--set", "train.epochs=1",
        "--set", "run.final_model=false"])
    assert res.exit_code == 0, res.output
    return out
