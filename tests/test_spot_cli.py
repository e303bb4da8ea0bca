"""`aucli spot` on a sample video, file-level MEGC scoring and the spotting plot."""

from __future__ import annotations

import csv

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from aucli.cli import app
from aucli.spotting.plot import plot_spotting
from aucli.spotting.metric import score_spot_file
from tests.media import planted_smile, write_video

runner = CliRunner()


def test_spot_cli_finds_a_planted_expression(single_face_video, tmp_path):
    """A real face that smiles briefly at known frames: `aucli spot` must find that interval,
    scored against a ground truth written the way a user writes one (video stem, frames)."""
    video = write_video(tmp_path / "smile.mp4",
                        planted_smile(single_face_video, 100, onset=40, offset=48))
    res = runner.invoke(app, ["spot", str(video), "-o", str(tmp_path), "--plot"])
    assert res.exit_code == 0, res.output
    ivs = pq.read_table(tmp_path / "smile.spot.parquet")
    scores = pq.read_table(tmp_path / "smile.spot_score.parquet")
    assert ivs.column_names == ["video", "face_id", "onset", "apex", "offset", "onset_time",
                                "apex_time", "offset_time", "score", "region", "kind"]
    assert scores.num_rows == 100 and set(scores.column("face_id").to_pylist()) == {0}
    d = ivs.to_pydict()
    for on, ap, off in zip(d["onset"], d["apex"], d["offset"]):
        assert 0 <= on <= ap <= off < 100
    assert set(d["kind"]) <= {"micro", "macro"}
    assert b"aucli.config" in ivs.schema.metadata
    assert (tmp_path / "smile.spot.png").stat().st_size > 1000
    truth = write_csv(tmp_path / "truth.csv",
                      [{"video": "smile", "onset": 40, "offset": 48, "kind": "micro"}])
    r = score_spot_file(tmp_path / "smile.spot.parquet", truth)
    assert (r["tp"], r["fn"]) == (1, 0), r  # the smile is found, as a micro-expression
    assert r["fp"] <= 3, r
    best = max(range(len(d["score"])), key=d["score"].__getitem__)
    assert 40 <= d["apex"][best] <= 48  # and it is the strongest interval


def test_spot_cli_rejects_unknown_setting(single_face_video, tmp_path):
    res = runner.invoke(app, ["spot", str(single_face_video), "-o", str(tmp_path),
                              "--set", "micro_windw_s=0.1"])
    assert res.exit_code == 2 and "micro_window_s" in res.output


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def test_score_spot_file_pools_videos_and_kinds(tmp_path):
    pred = {"video": ["clips/a.mp4", "clips/a.mp4", "clips/b.mp4"], "onset": [10, 100, 5],
            "offset": [20, 110, 9], "kind": ["micro", "macro", "micro"]}
    truth = write_csv(tmp_path / "gt.csv", [
        {"video": "a", "onset": 11, "offset": 21, "kind": "micro"},
        {"video": "a", "onset": 100, "offset": 111, "kind": "micro"},  # wrong kind
        {"video": "b", "onset": 5, "offset": 10, "kind": "micro"},
    ])
    r = score_spot_file(pred, truth)
    assert (r["tp"], r["fp"], r["fn"]) == (2, 1, 1)
    assert r["by_kind"]["micro"]["tp"] == 2 and r["by_kind"]["macro"]["fp"] == 1
    # without kinds on one side, kinds are ignored: the macro prediction now matches
    no_kind = {k: v for k, v in pred.items() if k != "kind"}
    assert score_spot_file(no_kind, truth)["tp"] == 3


def test_score_spot_file_names_missing_columns():
    from aucli.errors import InputError

    with pytest.raises(InputError, match="offset"):
        score_spot_file({"video": ["a"], "onset": [1]}, {"video": [], "onset": [], "offset": []})


def test_plot_spotting_with_truth(tmp_path):
    import pyarrow as pa

    sc = pa.table({"frame": [0, 1, 2], "timestamp": [0.0, 0.04, 0.08], "face_id": [0, 0, 0],
                   "score": [0.0, 1.0, 0.0], "score_micro": [0.0, 1.0, 0.0],
                   "score_macro": [0.0, 0.5, 0.0]})
    pq.write_table(sc, tmp_path / "s.parquet")
    ivs = {"video": ["v"], "face_id": [0], "onset": [0], "apex": [1], "offset": [2],
           "onset_time": [0.0], "apex_time": [0.04], "offset_time": [0.08], "region": ["AU12"],
           "kind": ["micro"]}
    out = plot_spotting(tmp_path / "s.parquet", ivs, tmp_path / "p.png",
                        truth={"video": ["v"], "onset": [0], "offset": [1]})
    assert out.stat().st_size > 1000


def test_score_spot_file_reads_a_folder_of_spot_files(tmp_path):
    import pyarrow as pa

    for name, on in (("a", 10), ("b", 50)):
        t = pa.table({"video": [f"{name}.mp4"], "onset": [on], "offset": [on + 9],
                      "kind": ["micro"]})
        pq.write_table(t, tmp_path / f"{name}.spot.parquet")
    truth = {"video": ["a", "b"], "onset": [10, 80], "offset": [19, 89], "kind": ["micro"] * 2}
    r = score_spot_file(tmp_path, truth)
    assert (r["tp"], r["fp"], r["fn"]) == (1, 1, 1) and r["f1"] == pytest.approx(0.5)
