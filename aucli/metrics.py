"""Benchmark metrics as pure numpy functions (DATASETS.md section 4).

AU occurrence: per-AU F1 and accuracy over the frames whose label is valid for that AU
(JAA-Net masks 9 / -1 per AU), TP = 0 gives F1 = 0 (ME-GraphAU, sklearn). AU intensity:
ICC(3,1) (Shrout & Fleiss consistency, k = 2 raters; NaN -> 0 as copula_ordinal_regression)
and MAE. Micro-expressions: accuracy, UF1 (macro F1) and UAR (mean per-class recall) on the
confusion matrix of predictions **pooled over all LOSO folds** (STSTNet, MEGC2019); never the
mean of per-fold scores.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np


def _valid(y_true: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """[N, C] bool: label is 0 or 1 (not 9 / -1 / NaN) and ``mask`` allows it."""
    y = np.asarray(y_true, np.float64)
    valid = (y == 0) | (y == 1)
    return valid if mask is None else valid & np.asarray(mask, bool)


def _as_2d(a: Any) -> np.ndarray:
    a = np.asarray(a)
    return a[:, None] if a.ndim == 1 else a


def confusion_counts(y_true, y_pred, mask=None) -> dict[str, np.ndarray]:
    """Per-AU TP, FP, FN, TN [C] over valid frames; ``y_pred`` holds 0/1 decisions."""
    y, p = _as_2d(y_true), _as_2d(y_pred).astype(bool)
    valid = _valid(y, mask)
    t = (y == 1) & valid
    f = (y == 0) & valid
    return {"tp": (t & p).sum(0), "fp": (f & p).sum(0), "fn": (t & ~p).sum(0),
            "tn": (f & ~p).sum(0)}


def au_f1(y_true, y_pred, mask=None) -> np.ndarray:
    """Per-AU F1 = 2TP / (2TP + FP + FN) on valid frames; 0 where TP = 0.  [N, C] -> [C]"""
    c = confusion_counts(y_true, y_pred, mask)
    denom = 2 * c["tp"] + c["fp"] + c["fn"]
    return np.where(c["tp"] > 0, 2 * c["tp"] / np.maximum(denom, 1), 0.0)


def au_accuracy(y_true, y_pred, mask=None) -> np.ndarray:
    """Per-AU (TP + TN) / N_valid; NaN for an AU without a valid frame.  [N, C] -> [C]"""
    c = confusion_counts(y_true, y_pred, mask)
    n = c["tp"] + c["fp"] + c["fn"] + c["tn"]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (c["tp"] + c["tn"]) / np.maximum(n, 1), np.nan)


def icc31(y, yhat, mask=None) -> np.ndarray | float:
    """ICC(3,1) between labels and predictions per column; a float for 1-D input.

    k = 2 raters, n targets (frames): (BMS - EMS) / (BMS + EMS); NaN (e.g. constant columns)
    -> 0. Frames where ``mask`` is false or either value is NaN are left out.
    """
    one_d = np.ndim(y) == 1
    Y, P = _as_2d(np.asarray(y, np.float64)), _as_2d(np.asarray(yhat, np.float64))
    keep = np.isfinite(Y) & np.isfinite(P)
    if mask is not None:
        keep &= _as_2d(np.asarray(mask, bool))
    out = np.array([_icc31_column(Y[keep[:, j], j], P[keep[:, j], j]) for j in range(Y.shape[1])])
    return float(out[0]) if one_d else out


def _icc31_column(y: np.ndarray, p: np.ndarray) -> float:
    n, k = len(y), 2
    if n < 2:
        return 0.0
    data = np.stack([y, p], axis=1)  # [n, k]
    grand = data.mean()
    bms = k * ((data.mean(1) - grand) ** 2).sum() / (n - 1)
    ss_within = ((data - data.mean(1, keepdims=True)) ** 2).sum()
    ss_raters = n * ((data.mean(0) - grand) ** 2).sum()
    ems = (ss_within - ss_raters) / ((n - 1) * (k - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        icc = (bms - ems) / (bms + (k - 1) * ems)
    return float(icc) if np.isfinite(icc) else 0.0


def mae(y, yhat, mask=None) -> np.ndarray | float:
    """Mean absolute error per column over valid (finite, unmasked) frames; float for 1-D."""
    one_d = np.ndim(y) == 1
    Y, P = _as_2d(np.asarray(y, np.float64)), _as_2d(np.asarray(yhat, np.float64))
    keep = np.isfinite(Y) & np.isfinite(P)
    if mask is not None:
        keep &= _as_2d(np.asarray(mask, bool))
    err = np.where(keep, np.abs(Y - P), 0.0).sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(keep.sum(0) > 0, err / np.maximum(keep.sum(0), 1), np.nan)
    return float(out[0]) if one_d else out


def class_weights(labels, mask=None) -> np.ndarray:
    """Per-AU loss weights w_i = (1/r_i) / sum_j(1/r_j) * C from occurrence rates r_i.

    ME-GraphAU / AUNCE. r_i is counted over valid labels; an AU never present in the training
    set gets r_i = 1 / (N_i + 1) so its weight stays finite.  [N, C] -> [C]
    """
    y = _as_2d(labels)
    valid = _valid(y, mask)
    n = valid.sum(0)
    pos = ((y == 1) & valid).sum(0)
    rate = np.where(pos > 0, pos / np.maximum(n, 1), 1.0 / (n + 1))
    inv = 1.0 / rate
    return inv / inv.sum() * y.shape[1]


def me_scores(y_true: Sequence, y_pred: Sequence, classes: Sequence | None = None,
              ) -> dict[str, Any]:
    """Accuracy, UF1, UAR and the confusion matrix of pooled ME predictions.

    ``classes`` fixes the class order (default: sorted union of both label lists). A class with
    no ground-truth sample and no prediction is skipped, with a warning (STSTNet skips it
    silently). A predicted class without ground truth counts recall 0, as sklearn does.
    """
    t = [_label(v) for v in y_true]
    p = [_label(v) for v in y_pred]
    if len(t) != len(p):
        raise ValueError(f"{len(t)} labels but {len(p)} predictions")
    if classes is None:
        names = sorted(set(t) | set(p), key=_key)
    else:
        names = [_label(c) for c in classes]
    present = set(t) | set(p)
    skipped = [c for c in names if c not in present]
    if skipped:
        warnings.warn(f"classes with no sample and no prediction are skipped: {skipped}",
                      stacklevel=2)
    kept = [c for c in names if c in present]
    index = {c: i for i, c in enumerate(kept)}
    conf = np.zeros((len(kept), len(kept)), np.int64)  # rows truth, columns prediction
    outside = 0
    for a, b in zip(t, p):
        if a in index and b in index:
            conf[index[a], index[b]] += 1
        else:
            outside += 1
    if outside:
        warnings.warn(f"{outside} samples have a label outside the class list", stacklevel=2)
    return _from_confusion(conf, kept)


def _from_confusion(conf: np.ndarray, kept: list[str]) -> dict[str, Any]:
    tp = np.diag(conf).astype(np.float64)
    n_true, n_pred = conf.sum(1), conf.sum(0)
    fp, fn = n_pred - tp, n_true - tp
    total = conf.sum()
    f1 = np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
    recall = np.where(n_true > 0, tp / np.maximum(n_true, 1), 0.0)
    return {
        "accuracy": float(tp.sum() / total) if total else float("nan"),
        "uf1": float(f1.mean()) if len(kept) else float("nan"),
        "uar": float(recall.mean()) if len(kept) else float("nan"),
        "n": int(total),
        "classes": kept,
        "confusion": conf.tolist(),
        "per_class": {c: {"f1": float(f1[i]), "recall": float(recall[i]), "n": int(n_true[i])}
                      for i, c in enumerate(kept)},
    }


def me_scores_by(y_true: Sequence, y_pred: Sequence, groups: Sequence,
                 classes: Sequence | None = None) -> dict[str, dict[str, Any]]:
    """``me_scores`` on each slice of the pooled predictions (MEGC2019 per-source breakdown).

    Every slice uses the full class list, so a source missing a class skips it (with a warning)
    rather than shifting the others.
    """
    t, p, g = list(y_true), list(y_pred), [str(x) for x in groups]
    names = classes if classes is not None else sorted(
        {_label(v) for v in t} | {_label(v) for v in p}, key=_key)
    out = {}
    for group in sorted(set(g)):
        idx = [i for i, x in enumerate(g) if x == group]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[group] = me_scores([t[i] for i in idx], [p[i] for i in idx], names)
    return out


def _label(value: Any) -> str:
    """Labels compare as text: 1, 1.0 and "1" are one class; "positive" stays itself."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (np.integer,)):
        return str(int(value))
    return str(value).strip()


def _key(name: str) -> tuple[int, float | str]:
    try:
        return (0, float(name))
    except ValueError:
        return (1, name)
