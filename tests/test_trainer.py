import math

import numpy as np
import pytest
import torch
from au_helpers import synthetic_au, tiny_run  # noqa: F401

from aucli.engine.au_task import load_split
from aucli.engine.data import split_validation
from aucli.engine.runner import train
from aucli.engine.trainer import TrainConfig, lr_factor
from aucli.methods.checkpoint import build_method, load_checkpoint


class Killed(Exception):
    pass


def test_resume_continues_exactly(synthetic_au, tmp_path, monkeypatch):
    """Kill a run after epoch 1, resume from last.pt: same weights as an uninterrupted run."""
    from aucli.engine import trainer

    cfg = tiny_run("baseline-au", synthetic_au, 1, epochs=3)
    train(cfg, tmp_path / "full", device="cpu")
    save = trainer._save_epoch

    def save_then_die(*args, **kwargs):
        save(*args, **kwargs)
        raise Killed

    monkeypatch.setattr(trainer, "_save_epoch", save_then_die)
    with pytest.raises(Killed):
        train(cfg, tmp_path / "cut", device="cpu")
    monkeypatch.setattr(trainer, "_save_epoch", save)
    assert load_checkpoint(tmp_path / "cut" / "last.pt")["train_state"]["epoch"] == 1
    train(cfg, tmp_path / "cut", device="cpu", resume=True)
    full = load_checkpoint(tmp_path / "full" / "last.pt")
    resumed = load_checkpoint(tmp_path / "cut" / "last.pt")
    assert resumed["train_state"]["epoch"] == 3 and len(resumed["train_state"]["history"]) == 3
    for k, v in full["state_dict"].items():
        assert torch.allclose(v.float(), resumed["state_dict"][k].float(), atol=1e-5), k


def test_checkpoint_is_weights_only_and_rebuilds(synthetic_au, tmp_path):
    train(tiny_run("baseline-au", synthetic_au, 2, epochs=1), tmp_path, device="cpu")
    raw = torch.load(tmp_path / "best.pt", weights_only=True)
    assert raw["method"] == "baseline-au" and raw["aucli_version"]
    assert raw["config"]["method"]["backbone"] == "tiny"
    assert "train_state" not in raw and "train_state" in torch.load(tmp_path / "last.pt",
                                                                    weights_only=True)
    method = build_method(raw)
    assert not method.training
    log = (tmp_path / "log.csv").read_text().splitlines()
    assert log[0].startswith("epoch,step") and "val_f1" in log[0] and len(log) == 2


def test_validation_never_uses_test_subjects(synthetic_au):
    split = load_split("synthetic-au", synthetic_au, fold=3)
    test_subjects = {s.subject for s in split.test}
    train, val = split_validation(split.train, 0.3, seed=0)
    assert val and train
    val_subjects = {s.subject for s in val}
    assert not val_subjects & test_subjects
    assert not val_subjects & {s.subject for s in train}


def test_lr_schedules():
    cos = TrainConfig(epochs=10, schedule="cosine")
    assert lr_factor(cos, 0, 10) == pytest.approx(1.0)
    assert lr_factor(cos, 50, 10) == pytest.approx(0.5)
    assert lr_factor(cos, 100, 10) == pytest.approx(0.0, abs=1e-12)
    step = TrainConfig(epochs=10, schedule="step", step_epochs=3, gamma=0.5)
    assert lr_factor(step, 29, 10) == 1.0 and lr_factor(step, 30, 10) == pytest.approx(0.5)
    assert lr_factor(step, 60, 10) == pytest.approx(0.25)
    warm = TrainConfig(epochs=10, warmup_epochs=2)
    assert lr_factor(warm, 0, 10) == pytest.approx(0.05)
    assert lr_factor(warm, 19, 10) == pytest.approx(1.0)
    assert not math.isnan(lr_factor(warm, 20, 10))


def test_seeded_runs_are_identical(synthetic_au, tmp_path):
    cfg = tiny_run("baseline-au", synthetic_au, 1, epochs=1)
    for name in ("a", "b"):
        train(cfg, tmp_path / name, device="cpu")
    a = load_checkpoint(tmp_path / "a" / "last.pt")["state_dict"]
    b = load_checkpoint(tmp_path / "b" / "last.pt")["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert load_checkpoint(tmp_path / "a" / "last.pt")["train_state"]["best_epoch"] == 1


@pytest.mark.learn
def test_torchrun_two_cpu_processes(synthetic_au, tmp_path):
    """The same code under torchrun (gloo): ranks share the epoch and end with equal weights."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "ddp.py"
    script.write_text(
        "import sys, torch\n"
        "from aucli.engine.runner import train\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from au_helpers import tiny_run\n"
        f"res = train(tiny_run('marl', {str(synthetic_au)!r}, 1, epochs=2), sys.argv[1], device='cpu')\n"
        "print('STEPS', res.fits[0].steps, bool(res.metrics))\n")
    single = subprocess.run([sys.executable, str(script), str(tmp_path / "one")],
                            capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1",
                                                                 "PYTHONPATH": os.getcwd()})
    assert single.returncode == 0, single.stderr[-2000:]
    torchrun = Path(sys.executable).with_name("torchrun")
    out = subprocess.run([str(torchrun), "--nproc_per_node", "2", str(script), str(tmp_path / "two")],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.getcwd()})
    assert out.returncode == 0, out.stderr[-2000:]
    steps_one = int(single.stdout.split("STEPS")[1].split()[0])
    steps = [line.split() for line in out.stdout.splitlines() if line.startswith("STEPS")]
    per_epoch = steps_one // 2  # 2 epochs in one process
    assert len(steps) == 2 and {s[1] for s in steps} == {str(2 * -(-per_epoch // 2))}
    assert sorted(s[2] for s in steps) == ["False", "True"]  # only rank 0 evaluates
    assert (tmp_path / "two" / "metrics.json").is_file()


def test_landmarks_follow_crop_and_flip():
    from aucli.engine.data import FLIP_68, DataConfig, transform

    assert sorted(FLIP_68.tolist()) == list(range(68)) and (FLIP_68[FLIP_68] == np.arange(68)).all()
    cfg = DataConfig(input_size=64, crop_size=48, mean=(0, 0, 0), std=(1, 1, 1))
    rng = np.random.default_rng(0)
    for _ in range(20):
        image = np.zeros((96, 80, 3), np.uint8)
        points = np.full((68, 2), np.nan, np.float32)
        points[36] = (20.0, 30.0)  # a left-eye corner on a bright 4x4 patch (x, y)
        image[28:33, 18:23] = 255
        x, lm = transform(image, cfg, rng, points)
        hot = np.argwhere(x[0].numpy() > 0.5).mean(0)  # (row, col) of the patch in the crop
        if not np.isfinite(hot).all():
            continue  # cropped away
        moved = np.flatnonzero(np.isfinite(lm).all(1))
        assert moved.tolist() in ([36], [45])  # a flip moves the point to its mirror index
        point = lm[moved[0]]
        assert np.allclose(point[::-1], hot, atol=1.5), (point, hot)
