"""Bad input never crashes the batch and never loses data: one line per problem, others go on."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from aucli.cli import app
from tests.media import sample_frames, write_video


@pytest.fixture(scope="module")
def batch(tmp_path_factory, single_face_video):
    root = tmp_path_factory.mktemp("bad")
    src = root / "in put"  # a space in the folder
    src.mkdir()
    (src / "empty.mp4").write_bytes(b"")
    data = single_face_video.read_bytes()
    (src / "truncated.mp4").write_bytes(data[: len(data) // 3])
    (src / "notes.mp4").write_text("this is a text file, not a video\n")
    rng = np.random.default_rng(0)
    write_video(src / "noface.mp4", [rng.integers(0, 255, (120, 160, 3), np.uint8) for _ in range(6)])
    face = sample_frames(single_face_video, [10])[0]
    write_video(src / "one_frame.mp4", [face])
    big = np.ascontiguousarray(np.kron(face, np.ones((6, 6, 1), np.uint8))[:2160, :3840])
    write_video(src / "uhd_4k.mp4", [big, big])
    write_video(src / "gray.avi", [f.mean(2).astype(np.uint8) for f in sample_frames(single_face_video, range(5))],
                fourcc="MJPG")
    unicode_dir = src / "vidéo ça"
    unicode_dir.mkdir()
    shutil.copy(single_face_video, unicode_dir / "été 1.mp4")
    out = root / "out"
    result = CliRunner().invoke(
        app, ["extract", str(src), str(root / "missing.mp4"), "-o", str(out), "-q", "--stride", "4"])
    rows = {Path(r["path"]).name: r for r in pq.read_table(out / "manifest.parquet").to_pylist()}
    return result, rows, out


def test_exit_status_one_and_every_input_in_manifest(batch):
    result, rows, _ = batch
    assert result.exit_code == 1
    assert set(rows) == {"empty.mp4", "truncated.mp4", "notes.mp4", "noface.mp4", "one_frame.mp4",
                         "uhd_4k.mp4", "gray.avi", "été 1.mp4", "missing.mp4"}


@pytest.mark.parametrize("name,reason", [
    ("empty.mp4", "empty file"), ("notes.mp4", "not a readable video"),
    ("truncated.mp4", "not a readable video"), ("missing.mp4", "no such file"),
])
def test_bad_files_fail_with_one_line_naming_file_and_reason(batch, name, reason):
    _, rows, out = batch
    row = rows[name]
    assert row["status"] == "failed"
    assert name in row["error"] and reason in row["error"] and "\n" not in row["error"]
    assert not (out / Path(name).with_suffix(".parquet").name).exists()
    assert not list(out.rglob("*.tmp"))


def test_good_odd_files_succeed(batch):
    _, rows, out = batch
    for name in ("noface.mp4", "one_frame.mp4", "uhd_4k.mp4", "gray.avi", "été 1.mp4"):
        assert rows[name]["status"] == "ok", rows[name]
    assert (out / "vidéo ça" / "été 1.parquet").exists()
    one = pq.read_table(out / "one_frame.parquet").to_pylist()
    assert len(one) == 1 and one[0]["success"]
    assert pq.read_table(out / "uhd_4k.parquet").column("success").to_pylist() == [True]
    assert all(pq.read_table(out / "gray.parquet").column("success").to_pylist())
    big = pq.read_table(out / "uhd_4k.parquet").to_pylist()[0]
    assert big["face_w"] > 600  # pixels of the 4K frame, not of a resized copy


def test_faceless_frames_get_one_row_each(batch):
    _, _, out = batch
    rows = pq.read_table(out / "noface.parquet").to_pylist()
    assert [r["frame"] for r in rows] == [0, 4]
    assert all(r["face_id"] is None and r["success"] is False for r in rows)
    assert all(r["AU12_r"] is None and r["x_0"] is None for r in rows)


@pytest.mark.skipif(not hasattr(os, "setuid"), reason="POSIX only")
def test_unreadable_file_is_reported(single_face_video):
    # root reads every file, so the check runs as an unprivileged user when the suite is root
    base = Path(tempfile.mkdtemp(prefix="aucli-perm-"))
    try:
        os.chmod(base, 0o777)
        video = base / "locked.mp4"
        shutil.copy(single_face_video, video)
        os.chmod(video, 0)
        out = base / "out"
        # import everything first, then drop to user 'nobody' (the interpreter lives under /root)
        code = ("import os, sys; from aucli.cli import app; import aucli.extract.batch, aucli.extract.video, "
                "aucli.extract.pipeline, aucli.extract.parquet, aucli.progress, aucli.extract.normalise, pyarrow.parquet, "
                "rich.progress, decord, cv2, mediapipe, numpy\n"
                "aucli.extract.pipeline.build_stages(aucli.extract.pipeline.resolve())\n"
                "if os.geteuid() == 0: os.setgid(65534); os.setuid(65534)\n"
                "sys.argv=['aucli','extract',sys.argv[1],'-o',sys.argv[2],'-q']; app()")
        proc = subprocess.run([sys.executable, "-c", code, str(video), str(out)],
                              capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parents[1], timeout=120)
        assert proc.returncode == 1, proc.stderr
        assert "locked.mp4: permission denied" in proc.stderr
    finally:
        shutil.rmtree(base, ignore_errors=True)
