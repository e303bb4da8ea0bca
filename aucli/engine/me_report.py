"""Reports of pooled micro-expression predictions (DATASETS.md §4.3).

Scores come from ``aucli.metrics.me_scores`` on the predictions of all LOSO folds pooled (never
the mean of per-fold scores); per-fold and per-source (MEGC2019) slices are reported beside them.
The confusion matrix (CSV and plot) keeps every class of the protocol, in its order.
"""

from __future__ import annotations

import csv
import json
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aucli.metrics import me_scores, me_scores_by


def confusion(y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    """[K, K] counts over ``classes``, rows = ground truth, columns = prediction."""
    index = {c: i for i, c in enumerate(classes)}
    cm = np.zeros((len(classes), len(classes)), np.int64)
    for t, p in zip(y_true, y_pred):
        cm[index[t], index[p]] += 1
    return cm


def _brief(scores: dict[str, Any]) -> dict[str, Any]:
    return {k: scores[k] for k in ("n", "accuracy", "uf1", "uar", "classes", "per_class")}


def plot_confusion(cm: np.ndarray, classes: Sequence[str], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.1 * len(classes) + 2, 1.1 * len(classes) + 1.5))
    norm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    for (i, j), v in np.ndenumerate(cm):
        ax.text(j, i, str(v), ha="center", va="center",
                color="white" if norm[i, j] > 0.5 else "black")
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_report(pooled: dict[str, list], classes: Sequence[str], out_dir: Path) -> dict[str, Any]:
    """metrics.json, folds.csv, confusion.csv/png from pooled prediction columns."""
    t, p = list(pooled["y_true"]), list(pooled["y_pred"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a class absent from a slice is skipped, by design
        by_subject = me_scores_by(t, p, pooled["subject"], list(classes))
    metrics = {
        "classes": list(classes),
        "pooled": _brief(me_scores(t, p, list(classes))),
        "per_dataset": {k: _brief(v) for k, v in
                        me_scores_by(t, p, pooled["dataset"], list(classes)).items()},
        "folds": {k: _brief(v) for k, v in by_subject.items()},
    }
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
    with open(out_dir / "folds.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["subject", "n", "accuracy", "uf1", "uar"])
        for subject, s in metrics["folds"].items():
            writer.writerow([subject, s["n"], s["accuracy"], s["uf1"], s["uar"]])
    cm = confusion(t, p, classes)
    with open(out_dir / "confusion.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["true\\pred", *classes])
        for c, row in zip(classes, cm):
            writer.writerow([c, *row.tolist()])
    s = metrics["pooled"]
    plot_confusion(cm, classes, out_dir / "confusion.png",
                   f"acc {s['accuracy']:.3f}  UF1 {s['uf1']:.3f}  UAR {s['uar']:.3f}")
    return metrics

