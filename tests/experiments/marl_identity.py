"""MARL vs its ablation (method.meta = false) vs baseline-au on a synthetic set with strong
identity offsets (tests/data_fixtures/identity.py), 3 seeds, plus the inner step's effect size
and the leak-free identity probe. Not a test: run it and read the table (issue 12).

    .venv/bin/python -m tests.experiments.marl_identity [OUT]
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from aucli.config import from_dict
from aucli.engine.au_task import build_datasets, load_split
from aucli.engine.evaluate import au_scores, evaluate_split
from aucli.engine.recipe import RunConfig, resolved
from aucli.engine.runner import train
from aucli.methods import METHODS
from aucli.methods.inputs import DataConfig
from tests.au_helpers import tiny_config
from tests.data_fixtures.identity import make_rest

torch.set_num_threads(1)
OLD = {"inner_lr": 0.01, "both_halves": False}  # the settings before issue 12
ARMS = {"marl": ("marl", {}), "marl-old": ("marl", OLD), "ablation": ("marl", {"meta": False}),
        "baseline-au": ("baseline-au", {})}


def config(name: str, seed: int, method: dict) -> dict:
    cfg = tiny_config(name, epochs=12, seed=seed)
    cfg["data"].update(input_size=64, crop_size=56)
    cfg["method"].update(method)
    return cfg


def resolve_config(name: str, tables: dict, aus) -> dict:
    return resolved(from_dict(RunConfig, {"run": {"method": name}, **tables}), tuple(aus))


def inner_effect(split, method: dict) -> dict[str, float]:
    """inner_step and inner_query_gain of one episode at initialisation."""
    cfg = resolve_config("marl", config("marl", 0, method), split.loader.aus)
    cls = METHODS.get("marl")
    torch.manual_seed(0)
    net = cls(from_dict(cls.config_class, cfg["method"]), len(split.loader.aus))
    train, _, _, collate = build_datasets(split, from_dict(DataConfig, cfg["data"]), 1, 0)
    batch = collate([train[i] for i in next(iter(net.sampler(train, 16, 0)))])
    out = net.train().training_step(batch)
    return {k: float(out[k]) for k in ("inner_step", "inner_query_gain")}


def main(out: Path) -> None:
    root = make_rest(out / "data", subjects=9, frames=40, size=64, seed=0)
    split = load_split("synthetic-au", root, fold=1)
    report: dict = {"init": {k: inner_effect(split, m) for k, m in
                             (("before", OLD), ("after", {}))}, "runs": {}}
    print("inner step at init:", report["init"], flush=True)
    for arm, (name, method) in ARMS.items():
        for seed in range(3):
            run = out / f"{arm}-{seed}"
            tables = config(name, seed, method)
            spec = {"run": {"method": name, "dataset": "synthetic-au", "root": str(root),
                            "protocol": "folds", "fold": 1}, **tables}
            result = train(from_dict(RunConfig, spec), run, device="cpu")
            m, result = result.metrics, result.fits[0]
            test = build_datasets(split, from_dict(DataConfig, resolve_config(
                name, config(name, seed, method), split.loader.aus)["data"]), 1, seed)
            probe = evaluate_split(run / "best.pt", test[2], test[3], run / "probe", 1, probe=True)
            last = result.history[-1]
            row = {"f1": m["f1"], "probe": probe["identity_probe_acc"],
                   "chance": probe["identity_probe_chance"],
                   "inner_step_last": last.get("train_inner_step"),
                   "gain_last": last.get("train_inner_query_gain")}
            report["runs"][f"{arm}-{seed}"] = row
            print(arm, seed, row, flush=True)
    labels = np.stack([s.labels for s in split.test])
    trivial = au_scores(np.ones(labels.shape), np.maximum(labels, 0), (labels >= 0).astype(float))
    report["all_positive_f1"] = trivial["f1"]
    for arm in ARMS:
        f1 = [report["runs"][f"{arm}-{s}"]["f1"] for s in range(3)]
        pr = [report["runs"][f"{arm}-{s}"]["probe"] for s in range(3)]
        print(f"{arm:12s} F1 {np.mean(f1):.3f} +- {np.std(f1):.3f} {np.round(f1, 3).tolist()}  "
              f"probe {np.mean(pr):.3f} {np.round(pr, 3).tolist()}")
    print(f"all-positive F1 {trivial['f1']:.3f}; probe chance "
          f"{report['runs']['marl-0']['chance']:.3f}")
    (out / "report.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
