"""Motion wired into the CLI: extract --flow columns, score --task spot, plot of a spotting run."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from aucli.cli import app

runner = CliRunner()


def test_extract_flow_adds_region_columns(tmp_path, single_face_video):
    out = tmp_path / "out"
    result = runner.invoke(app, ["extract", str(single_face_video), "-o", str(out), "-q", "--flow",
                                 "--stride", "6"])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out / "single_face.parquet")
    flow_cols = [c for c in table.column_names if c.startswith("flow_")]
    assert "flow_AU12_mag" in flow_cols and len(flow_cols) % 3 == 0
    mags = table.column("flow_AU12_mag").to_numpy(zero_copy_only=False).astype(float)
    assert np.isnan(mags[0]) and np.all(np.isfinite(mags[1:])) and mags[1:].max() > 0
    assert "flow" in json.dumps(pq.read_schema(out / "single_face.parquet").metadata[b"aucli.config"].decode())


def test_score_spot_and_plot(tmp_path):
    truth = tmp_path / "truth.csv"
    truth.write_text("video,onset,offset\nclip,10,20\nclip,50,60\nother,5,9\n")
    pred = tmp_path / "clip.spot.parquet"
    pq.write_table(pa.table({"video": ["clip", "clip"], "face_id": [0, 0], "onset": [11, 100],
                             "apex": [15, 105], "offset": [21, 110], "score": [2.0, 1.0]}), pred)
    result = runner.invoke(app, ["score", str(pred), "--task", "spot", "--truth", str(truth), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert (scores["tp"], scores["fp"], scores["fn"]) == (1, 1, 2)
    assert abs(scores["f1"] - 2 * 0.5 * (1 / 3) / (0.5 + 1 / 3)) < 1e-12
    missing = runner.invoke(app, ["score", str(pred), "--task", "spot"])
    assert missing.exit_code != 0 and "--truth" in missing.output
    score_file = tmp_path / "clip.spot_score.parquet"
    pq.write_table(pa.table({"frame": list(range(120)), "timestamp": [i / 25 for i in range(120)],
                             "face_id": [0] * 120, "score_micro": np.random.rand(120),
                             "score_macro": np.random.rand(120)}), score_file)
    result = runner.invoke(app, ["plot", str(score_file), "-o", str(tmp_path / "s.png"), "--truth", str(truth)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"
