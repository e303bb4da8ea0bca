"""What a run starts from (issue 12 items 1 and 2): aligned crops of a raw AU release by default
(a prepare cache built once with a progress bar, reused), and pretrained weights or a recorded
``random init`` when a preset's weights file is missing."""

from __future__ import annotations

import json
import tomllib

import pytest
import torch
from au_helpers import synthetic_au  # noqa: F401
from typer.testing import CliRunner

from aucli.cli import app
from tests.data_fixtures.bp4d import make_bp4d
from tests.media import sample_frames

TINY = ["--set", 'method.backbone="tiny"', "--set", "train.epochs=1", "--set", "train.batch_size=4",
        "--set", "train.num_workers=0", "--set", "data.input_size=48", "--set", "data.crop_size=40",
        "--device", "cpu"]


def _faces(video, n):
    frames = sample_frames(video, range(0, 10 * n, 10))
    return lambda subject, frame, labels: frames[hash((subject, frame)) % n]


def test_train_on_a_raw_release_aligns_first_and_reuses_the_cache(tmp_path, single_face_video):
    root = tmp_path / "BP4D"
    make_bp4d(root, subjects=("F001", "M011", "F007"), tasks=("T1",), n_frames=4,
              image_fn=_faces(single_face_video, 6), missing_image=False)
    runs = tmp_path / "runs"
    result = CliRunner().invoke(app, ["train", "marl", "--dataset", "bp4d", "--root", str(root),
                                      "--fold", "1", "-o", str(runs), *TINY])
    assert result.exit_code == 0, result.output
    assert "align bp4d" in result.output  # the progress bar of the one-off alignment
    cache = tmp_path / "BP4D.aucli-cache"
    assert (cache / "index.parquet").is_file()
    run = runs / "marl-bp4d-fold1"
    inputs = tomllib.loads((run / "config.toml").read_text())["inputs"]
    assert inputs["cache"] == str(cache.resolve()) and inputs["template"] == "jaanet"
    assert inputs["alignment"] == "prepare cache" and inputs["backbone"].startswith("random init")
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["inputs"]["cache"] == str(cache.resolve())
    from aucli.data.prepared import read_index

    table, _ = read_index(cache)
    assert all(table.column("success").to_pylist())  # real faces were found and aligned
    # evaluate reuses the cache: no chunk is redone
    part = cache / "parts" / "part-00000.parquet"
    before = part.stat().st_mtime_ns
    again = CliRunner().invoke(app, ["evaluate", str(run), "--dataset", "bp4d", "--root", str(root),
                                     "--fold", "1", "--device", "cpu"])
    assert again.exit_code == 0, again.output
    assert part.stat().st_mtime_ns == before and "align bp4d" not in again.output
    # --no-align reads whole frames, and says so
    plain = CliRunner().invoke(app, ["train", "marl", "--dataset", "bp4d", "--root", str(root),
                                     "--fold", "1", "-o", str(tmp_path / "plain"), "--no-align", *TINY])
    assert plain.exit_code == 0, plain.output
    cfg = tomllib.loads((tmp_path / "plain" / "marl-bp4d-fold1" / "config.toml").read_text())
    assert cfg["inputs"]["alignment"].startswith("none")


def test_a_missing_preset_weights_file_warns_once_and_records_random_init(
        synthetic_au, tmp_path, monkeypatch, capsys):
    from dataclasses import replace

    from au_helpers import tiny_run

    from aucli.engine.runner import train

    monkeypatch.setenv("AUCLI_WEIGHTS", str(tmp_path / "weights"))
    base = tiny_run("baseline-au", synthetic_au, epochs=1)
    cfg = replace(base, method={**base.method, "backbone": "resnet18",
                                "backbone_weights": "resnet18-f37072fd.pth"})
    metrics = train(cfg, tmp_path / "run", device="cpu").metrics
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "resnet18-f37072fd.pth" in ln]
    assert len(lines) == 1 and "random init" in lines[0]
    recorded = tomllib.loads((tmp_path / "run" / "config.toml").read_text())
    assert recorded["inputs"]["backbone"] == "random init (expected resnet18-f37072fd.pth)"
    assert recorded["method"]["backbone_weights"] == ""
    assert metrics["inputs"]["backbone"].startswith("random init")
    # the file in $AUCLI_WEIGHTS: it loads, and the run records which file
    from aucli.nn import create_backbone

    (tmp_path / "weights").mkdir()
    torch.save(create_backbone("resnet18").state_dict(), tmp_path / "weights" / "resnet18-f37072fd.pth")
    metrics = train(cfg, tmp_path / "run2", device="cpu").metrics
    assert metrics["inputs"]["backbone"].endswith("weights/resnet18-f37072fd.pth")
    assert "random init" not in capsys.readouterr().err
    # a path (not a bare preset name) that does not exist is an error, not a silent random init
    from aucli.errors import InputError

    bad = replace(cfg, method={**cfg.method, "backbone_weights": str(tmp_path / "no" / "r18.pth")})
    with pytest.raises(InputError, match="not found"):
        train(bad, tmp_path / "run3", device="cpu")
