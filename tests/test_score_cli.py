"""`aucli score` and `aucli datasets check` from the shell (CliRunner on the real app)."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import f1_score, recall_score
from typer.testing import CliRunner

from aucli import metrics
from aucli.cli import app
from tests.data_fixtures import make_casme2, make_smic

runner = CliRunner()


@pytest.fixture
def au_table():
    rng = np.random.default_rng(3)
    n = 120
    cols = {"subject": [f"F{i % 6:03d}" for i in range(n)],
            "fold": [str(i % 3 + 1) for i in range(n)]}
    for au in ("AU01", "AU12", "AU04"):
        y = rng.integers(0, 2, n).astype(float)
        y[rng.random(n) < 0.1] = 9
        y[rng.random(n) < 0.05] = -1
        col = [None if rng.random() < 0.05 else v for v in y]
        cols[f"{au}_true"] = col
        cols[f"{au}_pred"] = rng.random(n).round(3).tolist()
    return pa.table(cols)


def _valid(table, au):
    y = np.array([np.nan if v is None else v for v in table.column(f"{au}_true").to_pylist()])
    return y, np.array(table.column(f"{au}_pred").to_pylist()), np.isin(y, (0, 1))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_score_au_json_matches_sklearn_per_fold(tmp_path, au_table, suffix):
    path = tmp_path / f"pred{suffix}"
    (pq.write_table if suffix == ".parquet" else pacsv.write_csv)(au_table, path)
    result = runner.invoke(app, ["score", str(path), "--task", "au", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert list(out["f1"]) == ["AU01", "AU04", "AU12"]
    for au in out["f1"]:
        y, p, ok = _valid(au_table, au)
        assert out["f1"][au] == pytest.approx(f1_score(y[ok], p[ok] >= 0.5), abs=1e-12)
        assert out["n"][au] == ok.sum()
    assert out["f1_mean"] == pytest.approx(np.mean(list(out["f1"].values())))
    folds = np.array(au_table.column("fold").to_pylist())
    assert set(out["folds"]) == {"1", "2", "3"}
    y, p, ok = _valid(au_table, "AU12")
    sel = ok & (folds == "2")
    assert out["folds"]["2"]["f1"]["AU12"] == pytest.approx(f1_score(y[sel], p[sel] >= 0.5))
    assert out["f1_mean_over_folds"] == pytest.approx(
        np.mean([b["f1_mean"] for b in out["folds"].values()]))


def test_uncoded_aus_are_null_and_left_out_of_the_mean(tmp_path):
    """2 of 4 AUs never coded (9 / -1 / null): null F1, mean over the 2 coded ones, f1_n = 2;
    an AU with labels but no positive keeps sklearn's zero_division=0 F1."""
    rng = np.random.default_rng(0)
    n = 60
    y1, y2 = rng.integers(0, 2, n).astype(float), np.zeros(n)  # AU02: labelled, no positive
    p1, p2 = rng.random(n), rng.random(n)
    cols = {"subject": ["S1"] * n, "AU01_true": y1, "AU01_pred": p1, "AU02_true": y2,
            "AU02_pred": p2, "AU04_true": [9.0] * n, "AU04_pred": rng.random(n),
            "AU06_true": [None] * (n // 2) + [-1.0] * (n // 2), "AU06_pred": rng.random(n)}
    path = tmp_path / "pred.parquet"
    pq.write_table(pa.table(cols), path)
    out = json.loads(runner.invoke(app, ["score", str(path), "--task", "au", "--json"]).output)
    f1_1 = f1_score(y1, p1 >= 0.5, zero_division=0)
    f1_2 = f1_score(y2, p2 >= 0.5, zero_division=0)
    assert out["f1"] == {"AU01": pytest.approx(f1_1), "AU02": 0.0, "AU04": None, "AU06": None}
    assert out["accuracy"]["AU04"] is None and out["accuracy_n"] == 2
    assert out["f1_mean"] == pytest.approx((f1_1 + f1_2) / 2) and out["f1_n"] == 2
    table = runner.invoke(app, ["score", str(path), "--task", "au"]).output
    assert "mean (2 AUs)" in table


def test_au_metrics_match_scikit_learn():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, (200, 4)).astype(float)
    y[:, 2] = 0  # labelled, never positive
    y[:, 3] = 9  # never coded
    y[rng.random((200, 4)) < 0.1] = -1
    prob = np.round(rng.random((200, 4)), 2)  # ties, as real probabilities have
    f1, auc = metrics.au_f1(y, prob >= 0.5), metrics.au_auc(y, prob)
    for j in range(2):
        ok = np.isin(y[:, j], (0, 1))
        assert f1[j] == pytest.approx(f1_score(y[ok, j], prob[ok, j] >= 0.5, zero_division=0))
        assert auc[j] == pytest.approx(roc_auc_score(y[ok, j], prob[ok, j]))
    ok = y[:, 2] == 0
    assert f1[2] == f1_score(y[ok, 2], prob[ok, 2] >= 0.5, zero_division=0) == 0.0
    assert np.isnan(auc[2]) and np.isnan(f1[3]) and np.isnan(auc[3])
    assert metrics.mean_and_count(f1) == (pytest.approx(np.mean(f1[:3])), 3)


def test_score_au_intensity(tmp_path):
    rng = np.random.default_rng(1)
    y = rng.integers(0, 6, 50).astype(float)
    y[:3] = 9
    p = np.clip(y + rng.normal(0, 0.7, 50), 0, 5)
    path = tmp_path / "int.csv"
    pacsv.write_csv(pa.table({"subject": ["S"] * 50, "AU06_true": y, "AU06_pred": p}), path)
    result = runner.invoke(app, ["score", str(path), "--task", "au", "--intensity", "--json"])
    out = json.loads(result.output)
    ok = y != 9
    assert out["icc"]["AU06"] == pytest.approx(metrics.icc31(y[ok], p[ok]), abs=1e-12)
    assert out["mae"]["AU06"] == pytest.approx(np.abs(y[ok] - p[ok]).mean(), abs=1e-12)
    assert out["f1"]["AU06"] == pytest.approx(f1_score(y[ok] >= 2, p[ok] >= 2), abs=1e-12)


def test_score_au_table_output_and_errors(tmp_path, au_table):
    path = tmp_path / "pred.csv"
    pacsv.write_csv(au_table, path)
    result = runner.invoke(app, ["score", str(path), "--task", "au"])
    assert result.exit_code == 0 and "AU12" in result.output and "mean over folds" in result.output
    bad = runner.invoke(app, ["score", str(path), "--task", "spot-the-bug"])
    assert bad.exit_code == 2 and "'spot-the-bug' is not one of" in bad.output
    me = runner.invoke(app, ["score", str(path), "--task", "me"])
    assert me.exit_code == 1 and "no column 'y_true'" in me.output


def test_score_me_pooled_with_per_dataset(tmp_path):
    rng = np.random.default_rng(7)
    n = 60
    classes = np.array(["negative", "positive", "surprise"])
    t = classes[rng.integers(0, 3, n)]
    p = np.where(rng.random(n) < 0.6, t, classes[rng.integers(0, 3, n)])
    src = np.array(["casme2", "samm", "smic"])[rng.integers(0, 3, n)]
    path = tmp_path / "me.csv"
    pacsv.write_csv(pa.table({"subject": [f"s{i % 9}" for i in range(n)], "y_true": t,
                              "y_pred": p, "dataset": src}), path)
    result = runner.invoke(app, ["score", str(path), "--task", "me", "--json"])
    out = json.loads(result.output)
    assert out["uf1"] == pytest.approx(f1_score(t, p, average="macro"), abs=1e-12)
    assert out["uar"] == pytest.approx(recall_score(t, p, average="macro"), abs=1e-12)
    assert out["subjects"] == 9 and set(out["per_dataset"]) == {"casme2", "samm", "smic"}
    sel = src == "samm"
    assert out["per_dataset"]["samm"]["uf1"] == pytest.approx(
        f1_score(t[sel], p[sel], average="macro"), abs=1e-12)
    table = runner.invoke(app, ["score", str(path), "--task", "me"])
    assert table.exit_code == 0 and "UF1" in table.output and "smic" in table.output


def test_score_me_integer_labels(tmp_path):
    path = tmp_path / "me.csv"
    path.write_text("subject,y_true,y_pred\ns1,0,0\ns1,1,2\ns2,2,2\ns3,1,1\n")
    out = json.loads(runner.invoke(app, ["score", str(path), "--task", "me", "--json"]).output)
    assert out["classes"] == ["0", "1", "2"] and out["accuracy"] == pytest.approx(0.75)
    path.write_text("subject,y_true,y_pred\ns1,0,0\ns1,,2\n")
    result = runner.invoke(app, ["score", str(path), "--task", "me", "--json"])
    assert result.exit_code == 1 and "1 rows have an empty y_true or y_pred" in result.output


def test_datasets_check_json_and_table(tmp_path):
    make_casme2(tmp_path)
    result = runner.invoke(app, ["datasets", "check", "casme2", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    for key in ("dataset", "subjects", "items", "labels", "folds", "problems"):
        assert key in report
    assert report["items"] == 6 and report["folds"] == {"loso": 3}
    assert report["labels"]["disgust"] == 2
    table = runner.invoke(app, ["datasets", "check", "casme2", str(tmp_path)])
    assert table.exit_code == 0 and "apex '/'" in table.output


def test_datasets_check_options_and_errors(tmp_path):
    make_smic(tmp_path, modalities=("VIS",))
    vis = runner.invoke(app, ["datasets", "check", "smic", str(tmp_path), "-o", "modality=VIS",
                              "--json"])
    assert vis.exit_code == 0 and json.loads(vis.output)["items"] == 5
    hs = runner.invoke(app, ["datasets", "check", "smic", str(tmp_path)])
    assert hs.exit_code == 1 and "no HS folder" in hs.output
    typo = runner.invoke(app, ["datasets", "check", "smik", str(tmp_path)])
    assert typo.exit_code == 2 and "did you mean 'smic'" in typo.output
    bad = runner.invoke(app, ["datasets", "check", "smic", str(tmp_path), "-o", "modalty=VIS"])
    assert bad.exit_code == 2 and "did you mean 'modality'" in bad.output
