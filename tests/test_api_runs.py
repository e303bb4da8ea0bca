"""aucli.score / aucli.train / aucli.evaluate: the same results as the commands they mirror."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from au_helpers import TINY, synthetic_au  # noqa: F401
from typer.testing import CliRunner

import aucli
from aucli.cli import app

runner = CliRunner()
TINY_OVERRIDES = [f"{k}.{key}={v}" for k, table in TINY.items() for key, v in table.items()] + [
    'method.backbone="tiny"']


def test_score_equals_the_command_and_leaves_uncoded_aus_out(tmp_path):
    rng = np.random.default_rng(1)
    n = 40
    cols = {"subject": ["S1"] * n, "AU01_true": rng.integers(0, 2, n).astype(float),
            "AU01_pred": rng.random(n), "AU04_true": [9.0] * n, "AU04_pred": rng.random(n)}
    path = tmp_path / "pred.parquet"
    pq.write_table(pa.table(cols), path)
    got = aucli.score(path, "au")
    cli = json.loads(runner.invoke(app, ["score", str(path), "--task", "au", "--json"]).output)
    assert got["f1"] == pytest.approx(cli["f1"]) and got["f1"]["AU04"] is None
    assert got["f1_n"] == 1 and got["f1_mean"] == pytest.approx(cli["f1_mean"])
    with pytest.raises(aucli.AucliError, match="unknown score option"):
        aucli.score(path, "au", treshold=0.3)
    with pytest.raises(aucli.AucliError, match="needs truth"):
        aucli.score(path, "spot")


def test_train_then_evaluate_from_python(synthetic_au, tmp_path):
    result = aucli.train("baseline-au", "synthetic-au", synthetic_au, tmp_path, fold=1,
                         device="cpu", threads=1, overrides=TINY_OVERRIDES)
    assert (result.run_dir / "best.pt").is_file()
    assert json.loads((result.run_dir / "metrics.json").read_text())["f1_n"] == result.metrics["f1_n"]
    ev = aucli.evaluate(result.run_dir, "synthetic-au", synthetic_au, fold=1, device="cpu", threads=1)
    assert ev.task == "au" and ev.metrics["f1"] == pytest.approx(result.metrics["f1"], abs=1e-6)
    with pytest.raises(aucli.AucliError):
        aucli.train("no-such-method", "synthetic-au", synthetic_au, tmp_path, fold=1)
