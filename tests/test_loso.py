"""LOSO runs one fold per subject, pools before scoring, resumes fold by fold."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from aucli.config import preset
from aucli.data import DATASETS
from tests.data_fixtures.synthetic_me import CASME_CLASSES, make
from aucli.engine.loso import load_run_config, run_loso
from aucli.metrics import me_scores
from aucli.errors import AucliError


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return make(tmp_path_factory.mktemp("casme2"), subjects=3, clips_per_class=1, size=48, seed=7)


def _config(root, *extra):
    return load_run_config(None, [
        'run.method="baseline-me"', 'run.dataset="synthetic-me"', f'run.root="{root}"',
        "input.size=28", "train.epochs=2", "train.batch_size=8", "train.lr=0.01", *extra])


def test_loso_pools_all_folds_and_resumes(root, tmp_path):
    out = tmp_path / "run"
    metrics = run_loso(_config(root), out)
    folds = sorted(p.name for p in (out / "folds").iterdir())
    assert folds == ["sub01", "sub02", "sub03"]
    pred = pq.read_table(out / "predictions.parquet").to_pandas()
    assert list(pred.columns[:4]) == ["subject", "y_true", "y_pred", "dataset"]
    assert len(pred) == 15 and not pred[["subject", "clip"]].duplicated().any()
    assert set(pred["subject"]) == set(folds)
    for f in folds:  # each fold predicts exactly its held-out subject
        fold = pq.read_table(out / "folds" / f / "predictions.parquet").to_pandas()
        assert set(fold["subject"]) == {f} and len(fold) == 5
        assert (out / "folds" / f / "best.pt").is_file()
        assert not (out / "folds" / f / "last.pt").exists()
    pooled = me_scores(list(pred["y_true"]), list(pred["y_pred"]), CASME_CLASSES)
    assert metrics["pooled"]["uf1"] == pytest.approx(pooled["uf1"])
    per_fold = [me_scores(list(g["y_true"]), list(g["y_pred"]), CASME_CLASSES)["uf1"]
                for _, g in pred.groupby("subject")]
    assert metrics["folds"]["sub01"]["uf1"] == pytest.approx(per_fold[0])
    assert metrics["pooled"]["accuracy"] == pytest.approx((pred["y_true"] == pred["y_pred"]).mean())
    assert set(metrics["folds"]) == set(folds)
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["pooled"] == metrics["pooled"] and "synthetic-me" in saved["per_dataset"]
    assert (out / "confusion.png").stat().st_size > 0
    assert (out / "final" / "best.pt").is_file()  # the all-subjects model for aucli mer
    assert (out / "confusion.csv").read_text().startswith("true\\pred,happiness")
    probs = pred[[f"p_{c}" for c in CASME_CLASSES]].to_numpy()
    np.testing.assert_allclose(probs.sum(1), 1, atol=1e-5)

    # resume: only the fold without predictions is trained again
    stamps = {f: (out / "folds" / f / "predictions.parquet").stat().st_mtime_ns for f in folds}
    (out / "folds" / "sub02" / "predictions.parquet").unlink()
    again = run_loso(_config(root), out)
    assert (out / "folds" / "sub02" / "predictions.parquet").is_file()
    for f in ("sub01", "sub03"):
        assert (out / "folds" / f / "predictions.parquet").stat().st_mtime_ns == stamps[f]
    assert again["pooled"]["n"] == 15

    with pytest.raises(AucliError, match="different config"):
        run_loso(_config(root, "train.epochs=3"), out)


def test_loso_label_noise_only_touches_training_labels(root, tmp_path):
    metrics = run_loso(_config(root, "robustness.label_noise=1.0", "robustness.shots=1",
                               "run.final_model=false"),
                       tmp_path / "noisy")
    pred = pq.read_table(tmp_path / "noisy" / "predictions.parquet").to_pandas()
    truth = {(c.subject, c.clip): c.label for c in DATASETS.get("synthetic-me")(root).clips()}
    assert [truth[k] for k in zip(pred["subject"], pred["clip"])] == pred["y_true"].tolist()
    assert metrics["pooled"]["n"] == 15


def test_train_and_evaluate_from_the_shell(root, tmp_path):
    from typer.testing import CliRunner

    from aucli.cli import app

    runner = CliRunner()
    base = ["train", "baseline-me", "--dataset", "synthetic-me", "--root", str(root),
            "-o", str(tmp_path), "--set", "input.size=28", "--set", "train.epochs=1",
            "--set", "run.final_model=false"]
    res = runner.invoke(app, [*base, "--protocol", "loso"])
    assert res.exit_code == 0, res.output
    run = tmp_path / "baseline-me-synthetic-me-loso"
    metrics = json.loads((run / "metrics.json").read_text())
    assert len(metrics["folds"]) == 3 and "pooled" in res.output
    res = runner.invoke(app, [*base, "--protocol", "loso"])
    assert res.exit_code == 2 and "--resume" in res.output
    assert runner.invoke(app, [*base, "--protocol", "loso", "--resume"]).exit_code == 0
    res = runner.invoke(app, [*base, "--fold", "1"])
    assert res.exit_code == 2 and "--protocol loso" in res.output

    # the predictions file is what `aucli score --task me` reads, with the same pooled scores
    res = runner.invoke(app, ["score", str(run / "predictions.parquet"), "--task", "me", "--json"])
    assert res.exit_code == 0, res.output
    scored = json.loads(res.output[res.output.index("{"):])
    assert scored["uf1"] == pytest.approx(metrics["pooled"]["uf1"])

    res = runner.invoke(app, ["evaluate", str(run), "--dataset", "synthetic-me", "--root",
                              str(root), "--protocol", "loso", "--label-noise", "0.4",
                              "--shots", "2"])
    assert res.exit_code == 0, res.output
    noisy = run / "eval-noise0.4-shots2"
    saved = load_run_config(noisy / "config.toml")
    assert (saved.robustness.label_noise, saved.robustness.shots) == (0.4, 2)
    assert json.loads((noisy / "metrics.json").read_text())["pooled"]["n"] == 15


def test_loso_on_the_megc2019_composite_reports_each_source(tmp_path):
    from tests.data_fixtures.me import make_megc2019

    make_megc2019(tmp_path / "megc")
    loader = DATASETS.get("megc2019")(tmp_path / "megc", sample_list="megc_list.csv")
    clips = loader.clips()
    config = load_run_config(None, [
        'run.method="baseline-me"', 'run.dataset="megc2019"', f'run.root="{tmp_path / "megc"}"',
        'run.options={sample_list = "megc_list.csv"}', "input.size=28", "train.epochs=1",
        "run.final_model=false"])
    metrics = run_loso(config, tmp_path / "run")
    assert len(metrics["folds"]) == len({c.subject for c in clips})  # one fold per subject
    assert metrics["pooled"]["n"] == len(clips)
    sources = {c.dataset for c in clips}
    assert set(metrics["per_dataset"]) == sources and len(sources) == 3
    assert sum(s["n"] for s in metrics["per_dataset"].values()) == len(clips)


def test_missing_auxiliary_root_fails_before_writing(root, tmp_path):
    config = load_run_config(preset("train-lightman-casme2"), [
        'run.dataset="synthetic-me"', f'run.root="{root}"', "run.options={}"])
    with pytest.raises(AucliError, match="--aux-root"):
        run_loso(config, tmp_path / "run")
    assert not (tmp_path / "run").exists()
