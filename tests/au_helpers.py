"""Shared fixtures for the AU training tests: tiny synthetic sets in the real layouts."""

from __future__ import annotations

import pytest
import torch

from tests.data_fixtures.synthetic import make, make_fe

# One intra-op thread: on a shared, loaded CPU OpenMP spin-waiting makes tiny models 10-20x slower.
torch.set_num_threads(1)

# Small backbone and inputs so every method trains in seconds on a loaded CPU.
TINY = {
    "train": {"epochs": 2, "batch_size": 16, "lr": 3e-3, "num_workers": 0},
    "data": {"input_size": 48, "crop_size": 40, "val_fraction": 0.2},
}


def tiny_config(method: str, **train) -> dict:
    from aucli.methods import METHODS

    cfg = {k: dict(v) for k, v in TINY.items()}
    cfg["train"].update(train)
    fields = METHODS.get(method).config_class.__dataclass_fields__
    cfg["method"] = {k: v for k, v in METHOD_TINY.items() if k in fields}
    return cfg


METHOD_TINY = {"backbone": "tiny", "embed_dim": 32, "episode_subjects": 2, "layers": 1,
               "heads": 2, "weight_net_hidden": 16, "probe_lr_scale": 10.0}


@pytest.fixture(scope="session")
def synthetic_au(tmp_path_factory):
    return make(tmp_path_factory.mktemp("bp4d"), subjects=6, frames=24, size=48, seed=0)


@pytest.fixture(scope="session")
def synthetic_fe(tmp_path_factory):
    return make_fe(tmp_path_factory.mktemp("raf"), images=40, size=48, seed=1)
