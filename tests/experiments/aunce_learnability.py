"""AUNCE's learnability F1 over 3 seeds, with the official positives and the earlier variant, on
the learnability test's synthetic world (tests/test_learnability.py), next to the all-positive F1.

    .venv/bin/python -m tests.experiments.aunce_learnability [OUT]
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from aucli.config import from_dict
from aucli.engine.au_task import load_split
from tests.data_fixtures.synthetic import make
from aucli.engine.evaluate import au_scores
from aucli.engine.recipe import RunConfig
from aucli.engine.runner import train
from tests.au_helpers import tiny_config

torch.set_num_threads(1)


def aunce(split, out: Path, seed: int, epochs: int = 12, **method) -> float:
    cfg = tiny_config("aunce", epochs=epochs, seed=seed)
    cfg["data"].update(input_size=64, crop_size=56)
    cfg["method"].update(method)
    run = {"method": "aunce", "dataset": "synthetic-au", "root": str(split.loader.root),
           "protocol": "folds", "fold": 1}
    train(from_dict(RunConfig, {"run": run, **cfg}), out / "s1", device="cpu")
    cfg["method"].update(stage=2, encoder_checkpoint=str(out / "s1"))
    cfg["train"].update(optimizer="adam", lr=1e-2, weight_decay=0.0, epochs=8)
    return train(from_dict(RunConfig, {"run": run, **cfg}), out / "s2", device="cpu").metrics["f1"]


def main(out: Path) -> None:
    split = load_split("synthetic-au", make(out / "data", subjects=6, frames=40, size=64, seed=0), fold=1)
    labels = np.stack([s.labels for s in split.test])
    trivial = au_scores(np.ones(labels.shape), np.maximum(labels, 0), (labels >= 0).astype(float))["f1"]
    report = {"all_positive_f1": trivial}
    for epochs in (12, 40):
        for positives in ("official", "exclusive"):
            f1 = [aunce(split, out / f"{positives}-{epochs}-{s}", s, epochs, positives=positives)
                  for s in range(3)]
            report[f"{positives}-{epochs}"] = f1
            print(positives, epochs, np.round(f1, 3).tolist(), f"mean {np.mean(f1):.3f}", flush=True)
    print(f"all-positive F1 {trivial:.3f}")
    (out / "report.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
