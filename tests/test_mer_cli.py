"""``aucli mer`` on a sample video with a model trained by the LOSO runner."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from aucli.cli import app
from tests.data_fixtures.synthetic_me import CASME_CLASSES, make
from aucli.engine.loso import load_run_config, run_loso

runner = CliRunner()


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    root = make(tmp_path_factory.mktemp("me"), subjects=2, clips_per_class=1, size=48, seed=0)
    out = tmp_path_factory.mktemp("run")
    run_loso(load_run_config(None, [
        'run.method="baseline-me"', 'run.dataset="synthetic-me"', f'run.root="{root}"',
        "input.size=28", "train.epochs=1", "run.keep_fold_models=false"]), out)
    return out / "final"


def _probs(table) -> np.ndarray:
    return np.stack([table[f"p_{c}"].to_numpy() for c in CASME_CLASSES], 1)


def test_mer_given_interval(model, single_face_video, tmp_path):
    res = runner.invoke(app, ["mer", str(single_face_video), "--model", str(model),
                              "--onset", "0", "--apex", "5", "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    table = pq.read_table(tmp_path / "single_face.mer.parquet").to_pandas()
    assert len(table) == 1 and table["onset"][0] == 0 and table["apex"][0] == 5
    np.testing.assert_allclose(_probs(table).sum(1), 1, atol=1e-5)
    assert table["label"][0] in CASME_CLASSES
    assert table["confidence"][0] == pytest.approx(_probs(table).max())
    assert "p_happiness" in res.output


def test_mer_spot_classifies_every_spotted_interval(model, single_face_video, tmp_path):
    from aucli.spotting.spot import spot_video

    res = runner.invoke(app, ["mer", str(single_face_video), "--model", str(model), "--spot",
                              "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    table = pq.read_table(tmp_path / "single_face.mer.parquet").to_pandas()
    spotted = spot_video(single_face_video)[0].to_pandas()
    pairs = table[["onset", "offset"]].values.tolist()
    assert pairs == spotted[["onset", "offset"]].values.tolist()
    assert (table["apex"] == np.maximum(spotted["apex"], spotted["onset"] + 1)).all()
    np.testing.assert_allclose(_probs(table).sum(1), 1, atol=1e-5)


@pytest.mark.parametrize("args", [[], ["--onset", "1"], ["--onset", "1", "--apex", "3", "--spot"]])
def test_mer_needs_one_interval_choice(model, single_face_video, args):
    res = runner.invoke(app, ["mer", str(single_face_video), "--model", str(model), *args])
    assert res.exit_code == 2 and "--onset" in res.output


def test_mer_rejects_bad_intervals_and_models(model, single_face_video, tmp_path):
    res = runner.invoke(app, ["mer", str(single_face_video), "--model", str(model),
                              "--onset", "5", "--apex", "2"])
    assert res.exit_code == 2 and "onset < apex" in res.output
    res = runner.invoke(app, ["mer", str(single_face_video), "--model", str(tmp_path),
                              "--onset", "0", "--apex", "2"])
    assert res.exit_code == 2 and "best.pt" in res.output
