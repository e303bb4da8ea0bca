"""Scores and reports of pooled micro-expression predictions (DATASETS.md §4.3).

Accuracy, UF1 (macro-F1) and UAR (mean per-class recall) from one confusion matrix built over
all pooled test predictions. A class absent from both the ground truth and the predictions is
skipped (as STSTNet does) and reported under ``skipped``.

TODO(merge bench): ``me_scores`` duplicates ``aucli.metrics.me_scores``; keep one.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def confusion(y_true: Sequence[int], y_pred: Sequence[int], num_classes: int) -> np.ndarray:
    """[K, K] counts, rows = ground truth, columns = prediction."""
    cm = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(cm, (np.asarray(y_true, np.int64), np.asarray(y_pred, np.int64)), 1)
    return cm


def scores_from_confusion(cm: np.ndarray) -> dict[str, Any]:
    tp = np.diag(cm).astype(np.float64)
    n_c, pred_c = cm.sum(1).astype(np.float64), cm.sum(0).astype(np.float64)
    used = (n_c > 0) | (pred_c > 0)
    f1 = 2 * tp / np.maximum(n_c + pred_c, 1e-12)
    recall = tp / np.maximum(n_c, 1e-12)
    n = int(cm.sum())
    return {
        "n": n,
        "accuracy": float(tp.sum() / n) if n else float("nan"),
        "uf1": float(f1[used].mean()) if used.any() else float("nan"),
        "uar": float(recall[used].mean()) if used.any() else float("nan"),
        "skipped": [int(k) for k in np.flatnonzero(~used)],
    }


def me_scores(y_true: Sequence[int], y_pred: Sequence[int], num_classes: int) -> dict[str, Any]:
    """Accuracy, UF1, UAR (and n, skipped classes) of class-index predictions."""
    return scores_from_confusion(confusion(y_true, y_pred, num_classes))


def _scores_by(key: Sequence[str], t: np.ndarray, p: np.ndarray, k: int) -> dict[str, Any]:
    key = np.asarray(key)
    return {str(g): me_scores(t[key == g], p[key == g], k) for g in sorted(set(key.tolist()))}


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
    index = {c: i for i, c in enumerate(classes)}
    t = np.array([index[c] for c in pooled["y_true"]], np.int64)
    p = np.array([index[c] for c in pooled["y_pred"]], np.int64)
    cm = confusion(t, p, len(classes))
    metrics = {
        "classes": list(classes),
        "pooled": scores_from_confusion(cm),
        "per_dataset": _scores_by(pooled["dataset"], t, p, len(classes)),
        "folds": _scores_by(pooled["subject"], t, p, len(classes)),
    }
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
    with open(out_dir / "folds.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["subject", "n", "accuracy", "uf1", "uar"])
        for subject, s in metrics["folds"].items():
            writer.writerow([subject, s["n"], s["accuracy"], s["uf1"], s["uar"]])
    with open(out_dir / "confusion.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["true\\pred", *classes])
        for c, row in zip(classes, cm):
            writer.writerow([c, *row.tolist()])
    s = metrics["pooled"]
    plot_confusion(cm, classes, out_dir / "confusion.png",
                   f"acc {s['accuracy']:.3f}  UF1 {s['uf1']:.3f}  UAR {s['uar']:.3f}")
    return metrics
