"""Golden output: the Pexels sample's first 60 frames must come out as committed.

Every column is compared within the tolerance of its kind and the schema exactly (names, types,
order). A change to the output must update the reference on purpose:

    AUCLI_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py

and the commit says why the rows changed.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from aucli.cli import app

GOLDEN = Path(__file__).parent / "golden" / "pexels_60.parquet"
FRAMES = 60

# Absolute tolerance by column kind: pixels for geometry, radians for pose, [0, 1] scores.
TOLERANCE = {"px": 0.5, "rad": 0.01, "score": 0.02, "time": 1e-6}


def _kind(name: str) -> str:
    if name.startswith(("x_", "y_", "face_")):
        return "px"
    if name.startswith(("pose_R", "gaze_angle")):
        return "rad"
    if name == "timestamp":
        return "time"
    return "score"


def _extract(tmp_path: Path, video: Path) -> pa.Table:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(video, src / "pexels.mp4")
    result = CliRunner().invoke(app, ["extract", str(src), "-o", str(tmp_path / "out"), "-q",
                                      "--set", f"decode.max_frames={FRAMES}"])
    assert result.exit_code == 0, result.output
    return pq.read_table(tmp_path / "out" / "pexels.parquet")


def test_extract_matches_golden_parquet(tmp_path, pexels_video):
    table = _extract(tmp_path, pexels_video)
    if os.environ.get("AUCLI_UPDATE_GOLDEN") == "1":
        keep = {k: v for k, v in table.schema.metadata.items() if k == b"aucli.schema_version"}
        pq.write_table(table.replace_schema_metadata(keep), GOLDEN, compression="zstd")
    golden = pq.read_table(GOLDEN)
    assert table.schema.remove_metadata() == golden.schema.remove_metadata(), \
        "the output schema changed; update the golden file on purpose (see the module docstring)"
    assert table.schema.metadata[b"aucli.schema_version"] == golden.schema.metadata[b"aucli.schema_version"]
    assert table.num_rows == golden.num_rows
    for name in golden.column_names:
        got, want = table.column(name), golden.column(name)
        if pa.types.is_floating(want.type):
            a = got.to_numpy(zero_copy_only=False).astype(np.float64)
            b = want.to_numpy(zero_copy_only=False).astype(np.float64)
            assert np.array_equal(np.isnan(a), np.isnan(b)), f"{name}: nulls moved"
            err = np.nanmax(np.abs(a - b)) if np.isfinite(b).any() else 0.0
            assert err <= TOLERANCE[_kind(name)], f"{name}: max |diff| {err:.4g} > {TOLERANCE[_kind(name)]}"
        else:
            assert got.to_pylist() == want.to_pylist(), f"{name}: values differ"
    frames = set(table.column("frame").to_pylist())
    assert frames == set(range(FRAMES)), "every decoded frame has a row"
    assert json.loads(table.schema.metadata[b"aucli.video"])["frames"] > FRAMES
