"""The MEGC spotting metric (MEGC 2019-2022 spotting tasks; He et al. 2020 baseline).

A spotted interval is a true positive when its IoU with a ground-truth interval of the same
video is >= 0.5, frames counted inclusively: |W_spot ∩ W_gt| / |W_spot ∪ W_gt|. Matching is
one-to-one, greedy by descending IoU; unmatched predictions are false positives and unmatched
ground truths false negatives. Over several videos the counts are summed first, then
P = TP / (TP + FP), R = TP / (TP + FN), F1 = 2PR / (P + R) (0 where undefined).
"""

from __future__ import annotations

from collections.abc import Sequence

from aucli.ops.spotting import interval_iou


def match_intervals(pred: Sequence[tuple[int, int]], true: Sequence[tuple[int, int]],
                    iou: float = 0.5) -> list[tuple[int, int]]:
    """One-to-one (pred index, true index) pairs with IoU >= ``iou``, greedy by IoU."""
    pairs = sorted(
        ((interval_iou(p, t), i, j) for i, p in enumerate(pred) for j, t in enumerate(true)),
        reverse=True,
    )
    used_p, used_t, out = set(), set(), []
    for value, i, j in pairs:
        if value < iou:
            break
        if i not in used_p and j not in used_t:
            used_p.add(i)
            used_t.add(j)
            out.append((i, j))
    return out


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall, F1 and the counts."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def score_spotting(pred_intervals: Sequence[tuple[int, int]],
                   true_intervals: Sequence[tuple[int, int]], iou: float = 0.5) -> dict:
    """MEGC metric for the (onset, offset) intervals of ONE video (or one already-grouped
    set): dict(precision, recall, f1, tp, fp, fn)."""
    pred = [(int(a), int(b)) for a, b in pred_intervals]
    true = [(int(a), int(b)) for a, b in true_intervals]
    tp = len(match_intervals(pred, true, iou))
    return prf(tp, len(pred) - tp, len(true) - tp)
