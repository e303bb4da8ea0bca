"""`aucli bench --json` runs on CPU and reports every figure (structure, never speed)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from aucli.cli import app


def test_bench_json_structure(single_face_video):
    result = CliRunner().invoke(app, ["bench", "--video", str(single_face_video), "--frames", "12", "--repeat", "2",
                                       "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["frames"] == 12 and report["repeat"] == 2
    assert report["startup_seconds"] > 0
    assert set(report["reference_fps"]) == {"decord_raw", "landmarker_direct"}
    assert list(report["stage_fps"]) == ["decode", "detect", "track", "align", "gaze", "au"]
    assert all(v > 0 for v in [*report["reference_fps"].values(), *report["stage_fps"].values()])
    assert report["end_to_end_fps"] > 0
    assert set(report["ratios"]) == {"end_to_end_vs_landmarker", "decode_vs_decord_raw"}
    assert report["peak_rss_mb"]["end_to_end"] > 50
