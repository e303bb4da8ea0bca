"""Benchmark metrics as pure numpy functions (DATASETS.md §4).

AU occurrence (§4.1): counts pooled over the whole evaluation set, per AU only over frames whose
label is valid; F1 = 2TP / (2TP + FP + FN), 0 when TP = 0.
"""

from __future__ import annotations

import numpy as np


def _valid(y_true: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    y_true = np.asarray(y_true)
    if mask is None:
        return (y_true == 0) | (y_true == 1)
    return np.asarray(mask).astype(bool) & ((y_true == 0) | (y_true == 1))


def _counts(y_true, y_pred, mask):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred).astype(bool)
    valid = _valid(y_true, mask)
    pos = (y_true == 1) & valid
    neg = (y_true == 0) & valid
    tp = (pos & y_pred).sum(0)
    fp = (neg & y_pred).sum(0)
    fn = (pos & ~y_pred).sum(0)
    tn = (neg & ~y_pred).sum(0)
    return tp, fp, fn, tn


def au_f1(y_true: np.ndarray, y_pred: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Per-AU F1 [C] from labels [N, C] in {0, 1} (others invalid), binary predictions [N, C]
    and an optional validity mask [N, C]; TP = 0 gives 0."""
    tp, fp, fn, _ = _counts(y_true, y_pred, mask)
    denom = 2 * tp + fp + fn
    return np.where(tp > 0, 2 * tp / np.maximum(denom, 1), 0.0).astype(np.float64)


def au_accuracy(y_true: np.ndarray, y_pred: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Per-AU accuracy (TP + TN) / N_valid [C]; NaN for an AU with no valid frame."""
    tp, fp, fn, tn = _counts(y_true, y_pred, mask)
    n = tp + fp + fn + tn
    return np.where(n > 0, (tp + tn) / np.maximum(n, 1), np.nan).astype(np.float64)


def class_weights(labels: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Per-AU loss weights w_i = (1/r_i) / sum_j(1/r_j) * C from training occurrence rates r_i
    (ME-GraphAU / AUNCE). Rates are floored at 1/N so an AU that never occurs stays finite."""
    labels = np.asarray(labels)
    valid = _valid(labels, mask)
    rate = ((labels == 1) & valid).sum(0) / np.maximum(valid.sum(0), 1)
    rate = np.clip(rate.astype(np.float64), 1.0 / max(len(labels), 1), None)
    inv = 1.0 / rate
    return inv / inv.sum() * len(inv)
