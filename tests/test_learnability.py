"""Learnability: on synthetic AU data where each AU is a visible disc of its own colour, every
method must reach a stated F1 on *unseen test subjects* within a bounded number of CPU steps.

Budget: 6 subjects x 40 frames at 64 px (fold 1: 4 training subjects, one of them held out for
validation, 2 test subjects), tiny backbone, 12 epochs of batch 16 = 84 steps (MAL: 180, its
batches are half expression images; AUNCE's stage 1: 40 epochs = 280 steps, see below). MARL-T is
trained in cascade from the MARL run; AUNCE runs stage 1 then stage 2 (the paper's linear
evaluation). The default suite runs the two fastest methods; ``-m learn`` (CI's second pass)
runs the others.

AUNCE, a contrastive encoder trained from scratch with the official positives, gets a longer
stage 1 and the same bar as the others. Measured (3 seeds, official positives, all-positive F1
0.502): 12 epochs 0.625 / 0.574 / 0.335 (the earlier "exclusive" variant 0.552 / 0.612 / 0.432)
-- no better than always answering "active"; 40 epochs 0.99 and above.
"""

import pytest
from au_helpers import tiny_config

from aucli.data import DATASETS
from tests.data_fixtures.synthetic import make, make_fe
from aucli.engine.run import load_split, train_run

# Stated targets (mean F1 over the 6 AUs on the test subjects) and step budgets.
TARGET = {"baseline-au": 0.75, "marl": 0.75, "marl-t": 0.75, "mal": 0.75, "aunce": 0.75}
EPOCHS = {"aunce": 40}
STEPS = {"mal": 180, "aunce": 280}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = make(tmp_path_factory.mktemp("learn-bp4d"), subjects=6, frames=40, size=64, seed=0)
    fe = DATASETS.get("synthetic-fe")(make_fe(tmp_path_factory.mktemp("learn-raf"), 60, 64))
    return load_split("synthetic-au", root, fold=1), (fe, fe.samples()), tmp_path_factory


def run(name, world, **method):
    split, aux, tmp = world
    cfg = tiny_config(name, epochs=EPOCHS.get(name, 12))
    cfg["data"].update(input_size=64, crop_size=56)
    cfg["method"].update(method)
    if name == "aunce" and method.get("stage") == 2:
        cfg["train"].update(optimizer="adam", lr=1e-2, weight_decay=0.0, epochs=8)
    out = tmp.mktemp(name)
    result, metrics = train_run(name, cfg, split, out, aux if name == "mal" else None, "cpu")
    assert result.steps <= STEPS.get(name, 84)
    return out, metrics["f1"]


@pytest.mark.parametrize("name", ["baseline-au", "marl"])
def test_fast_methods_learn_visible_aus(name, world):
    _, f1 = run(name, world)
    assert f1 >= TARGET[name], f"{name}: test F1 {f1:.3f} < {TARGET[name]}"


@pytest.mark.learn
@pytest.mark.parametrize("name", ["marl-t", "mal", "aunce"])
def test_every_method_learns_visible_aus(name, world):
    if name == "marl-t":
        marl, _ = run("marl", world)
        _, f1 = run("marl-t", world, marl_checkpoint=str(marl))
    elif name == "aunce":
        stage1, _ = run("aunce", world)
        _, f1 = run("aunce", world, stage=2, encoder_checkpoint=str(stage1))
    else:
        _, f1 = run(name, world)
    assert f1 >= TARGET[name], f"{name}: test F1 {f1:.3f} < {TARGET[name]}"
