"""Each ME method learns the synthetic task (class = direction of a short local motion).

Full LOSO over 3 subjects (60 clips, 5 classes, chance 0.20) with tiny networks and a bounded
number of CPU steps; the pooled accuracy on held-out subjects must reach chance + 0.50. The
lightman run uses its auxiliary branch with the synthetic macro-expression twin.
"""

from __future__ import annotations

import pytest

from tests.data_fixtures.synthetic_me import make, make_macro
from aucli.engine.loso import load_run_config, run_loso
from aucli.methods import METHODS

CHANCE, MARGIN = 0.2, 0.5
SETTINGS = {
    "baseline-me": ["train.epochs=20", "train.lr=0.01"],
    "mmmst": ["train.epochs=15", "method.patch_sizes=[8, 16]", "method.depth=1", "method.dim=32",
              "method.heads=2"],
    "lightman": ["train.epochs=15", "train.optimizer=\"adam\"", "train.lr=0.003",
                 "method.channels=[16, 32]", "method.macro_channels=[8, 16]",
                 "method.embed_dim=32", "method.k_shot=3", "method.q_query=3"],
}
ME_METHODS = [m for m in METHODS.names() if METHODS.get(m).task == "me"]


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    me = make(tmp_path_factory.mktemp("me"), subjects=3, clips_per_class=4, size=64, seed=0)
    macro = make_macro(tmp_path_factory.mktemp("macro"), per_class=10, size=64)
    return me, macro


@pytest.mark.parametrize("name", ME_METHODS)
def test_method_beats_chance_on_held_out_subjects(name, roots, tmp_path):
    me, macro = roots
    config = load_run_config(None, [
        f'run.method="{name}"', 'run.dataset="synthetic-me"', f'run.root="{me}"',
        'aux.dataset="synthetic-macro"', f'aux.root="{macro}"', "input.size=32",
        "train.batch_size=16", "train.lr=0.001", "train.weight_decay=0.0", "train.seed=0",
        "run.final_model=false",
        *SETTINGS.get(name, ["train.epochs=20"])])
    metrics = run_loso(config, tmp_path / name)
    assert metrics["pooled"]["n"] == 60 and len(metrics["folds"]) == 3
    assert metrics["pooled"]["accuracy"] >= CHANCE + MARGIN, metrics["pooled"]
