"""The one runner: preset picking, cascaded stages, checkpoint selection, the final table."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch
from au_helpers import TINY, synthetic_au, tiny_run  # noqa: F401
from typer.testing import CliRunner

from aucli.cli import app
from aucli.config import ConfigError
from aucli.engine.recipe import load_config, preset_for
from aucli.engine.trainer import TrainConfig, select_best

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
TINY_SET = [x for k, table in TINY.items() for key, v in table.items()
            for x in ("--set", f"{k}.{key}={v}")] + ["--set", 'method.backbone="tiny"']


def test_au_and_me_runs_pick_presets_the_same_way():
    for method, dataset in (("marl", "bp4d"), ("mmmst", "casme2")):
        path, source = preset_for(method, dataset, None)
        assert path.stem == f"train-{method}-{dataset}" and source == f"preset {path.stem}"
        config, _ = load_config(method, dataset, "/data", protocol="folds", fold=1)
        assert config.run.method == method and config.run.root == "/data"
        assert config.train != TrainConfig()  # the preset's, not the code defaults
    assert preset_for("marl", "bp4d", "none") == (None, "code defaults (--config none)")
    config, source = load_config("marl", "bp4d", "/data", fold=1, config="none")
    assert config.train == TrainConfig() and "code defaults" in source
    assert preset_for("marl", "synthetic-au", None)[0] is None
    with pytest.raises(ConfigError, match="no such file"):
        preset_for("marl", "bp4d", "train-marl-nowhere")


def test_a_wheel_install_finds_the_presets(tmp_path):
    """Build the wheel, unpack it alone, and ask aucli.config.preset from there."""
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("aucli-*.whl"))
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    code = ("import aucli.config as c; p = c.preset('train-marl-bp4d'); "
            "print(p, c.preset('extract-au') is not None)")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, env={"PYTHONPATH": str(tmp_path / "site"), "PATH": ""})
    assert out.returncode == 0, out.stderr[-2000:]
    path, extract = out.stdout.split()
    assert path.startswith(str(tmp_path / "site")) and path.endswith("train-marl-bp4d.toml")
    assert extract == "True"


def _history(*rows):
    return [{"epoch": i + 1, **{f"val_{k}": v for k, v in r.items()}} for i, r in enumerate(rows)]


def test_selection_falls_back_to_roc_auc_while_f1_is_zero_and_ties_go_later():
    zero = _history({"f1": 0.0, "auc": 0.6}, {"f1": 0.0, "auc": 0.8}, {"f1": 0.0, "auc": 0.7})
    assert select_best(zero) == (1, "val_auc")
    some = zero + _history({"f1": 0.2, "auc": 0.5})
    assert select_best(some) == (3, "val_f1")
    ties = _history({"f1": 0.4, "auc": 0.6}, {"f1": 0.4, "auc": 0.6})
    assert select_best(ties) == (1, "val_f1")
    assert select_best([{"epoch": 1}, {"epoch": 2}]) == (1, "last epoch")
    assert select_best(ties, "auc").metric == "val_auc"
    with pytest.raises(Exception, match="not a validation metric"):
        select_best(ties, "loss")


def test_best_checkpoint_comes_from_the_fallback_monitor_when_f1_stays_zero(synthetic_au, tmp_path,
                                                                            monkeypatch):
    """A real fit whose validation F1 is 0 for the first epochs (scripted validation scores)."""
    from aucli.engine import au_task
    from aucli.engine.runner import train
    from aucli.methods.checkpoint import load_checkpoint

    scripted = iter([{"f1": 0.0, "acc": 0.5, "auc": 0.55}, {"f1": 0.0, "acc": 0.5, "auc": 0.71},
                     {"f1": 0.0, "acc": 0.5, "auc": 0.64}])
    original = au_task.AUTask.fold_data

    def fold_data(self, *args):
        data = original(self, *args)
        data.validate = lambda method, loader, device: next(scripted)
        return data

    monkeypatch.setattr(au_task.AUTask, "fold_data", fold_data)
    result = train(tiny_run("baseline-au", synthetic_au, 1, epochs=3), tmp_path, device="cpu")
    best = load_checkpoint(tmp_path / "best.pt")["meta"]
    assert (best["epoch"], best["selected_by"]) == (2, "val_auc")
    assert (result.fits[0].best_epoch, result.fits[0].selected_by) == (2, "val_auc")
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert (saved["checkpoint"], saved["epoch"], saved["selected_by"]) == ("best.pt", 2, "val_auc")
    assert saved["init"] == "random init" and "auc_AU01" in saved and "f1_n" in saved


def test_train_prints_preset_checkpoint_epoch_and_init(synthetic_au, tmp_path):
    res = runner.invoke(app, ["train", "baseline-au", "--dataset", "synthetic-au", "--root",
                              str(synthetic_au), "--fold", "1", "--device", "cpu", "--threads",
                              "1", "-o", str(tmp_path), *TINY_SET])
    assert res.exit_code == 0, res.output
    assert "preset: code defaults (no preset ships for baseline-au on synthetic-au)" in res.output
    assert "scored: best.pt, epoch " in res.output and "backbone: random init" in res.output
    assert "mean (6 AUs)" in res.output


def test_aunce_probe_is_its_own_run_and_finds_stage_one(synthetic_au, tmp_path):
    base = ["train", "aunce", "--dataset", "synthetic-au", "--root", str(synthetic_au), "--fold",
            "1", "--device", "cpu", "-o", str(tmp_path), *TINY_SET, "--set", "method.embed_dim=32",
            "--set", "train.epochs=1"]
    res = runner.invoke(app, base)
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, [*base, "--set", "method.stage=2"])
    assert res.exit_code == 0, res.output
    stage1, probe = tmp_path / "aunce-synthetic-au-fold1", tmp_path / "aunce-probe-synthetic-au-fold1"
    assert (stage1 / "best.pt").is_file() and (probe / "best.pt").is_file()
    saved = torch.load(probe / "best.pt", weights_only=True)["config"]["method"]
    assert saved["stage"] == 2 and saved["encoder_checkpoint"] == str(stage1)
