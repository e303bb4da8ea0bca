"""Killing extraction at any moment leaves no partial file under a final name; a re-run resumes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from aucli.cli import app

ROOT = Path(__file__).resolve().parents[1]


def test_killed_worker_leaves_no_final_file_and_rerun_resumes(tmp_path, pexels_video, single_face_video):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(single_face_video, src / "a_first.mp4")
    shutil.copy(pexels_video, src / "b_second.mp4")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "aucli.cli", "extract", str(src), "-o", str(out), "-q",
           "--set", "output.row_group=16"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 240
        temp = None
        while time.time() < deadline and proc.poll() is None:
            temps = list(out.glob(".b_second.parquet.*.tmp"))
            if temps and temps[0].stat().st_size > 20_000:  # row groups are being written
                temp = temps[0]
                break
            time.sleep(0.05)
        assert temp is not None, "extraction finished before it could be interrupted"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (out / "a_first.parquet").exists()  # finished before the kill: kept
    assert not (out / "b_second.parquet").exists()  # interrupted: no file under the final name
    assert temp.exists()  # the killed process could not clean up

    result = CliRunner().invoke(app, ["extract", str(src), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    rows = {Path(r["path"]).name: r for r in pq.read_table(out / "manifest.parquet").to_pylist()}
    assert rows["a_first.mp4"]["status"] == "skipped-done"
    assert rows["b_second.mp4"]["status"] == "ok" and rows["b_second.mp4"]["frames"] == 472
    assert pq.read_table(out / "b_second.parquet").num_rows >= 472
    assert not list(out.glob(".*.tmp"))  # the stale temporary file was removed
