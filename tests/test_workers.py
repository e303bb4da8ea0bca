"""--workers N runs videos in parallel processes with the same results as one worker."""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
from typer.testing import CliRunner

from aucli.cli import app


def test_parallel_workers_match_serial(tmp_path, pexels_video, single_face_video):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(pexels_video, src / "a.mp4")
    shutil.copy(single_face_video, src / "b.mp4")
    runs = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        result = CliRunner().invoke(app, ["extract", str(src), "-o", str(out), "--stride", "8",
                                          "--workers", str(workers)])
        assert result.exit_code == 0, result.output
        runs[workers] = {n: pq.read_table(out / n).to_pylist() for n in ("a.parquet", "b.parquet")}
        manifest = pq.read_table(out / "manifest.parquet").to_pylist()
        assert sorted(r["status"] for r in manifest) == ["ok", "ok"]
    assert runs[1] == runs[2]
