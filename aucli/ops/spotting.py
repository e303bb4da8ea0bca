"""Training-free expression spotting on per-region motion signals (MEGC baseline idea).

Moilanen, Zhao & Pietikäinen (ICPR 2014), the MEGC spotting baseline: each frame i (the
current frame, CF) is compared with the frames k before and after it (head/tail frames);
the per-region difference D[i, r] is averaged over the top third of regions into F(i); the
contrast C(i) = F(i) − ½(F(i − k) + F(i + k)), negatives set to 0, removes slow drifts; peaks
of C above T = mean(C) + p·(max(C) − mean(C)) at least k frames apart are apexes.

Choices made here (the baseline leaves them open or fixes them differently):
- T is floored at an absolute ``min_contrast`` so a static clip yields nothing (the baseline
  always returns its highest peaks);
- onset/offset are where C falls below ``edge_fraction`` of its apex value, searched at most
  2k frames away (the baseline uses apex ± k);
- the region reported is the one with the largest contrast at the apex;
- at the macro scale, peaks at most k frames apart are merged (:func:`merge_close`): a slow
  expression longer than 2k shows as peaks at its onset, apex and offset;
- overlapping detections of the two scales collapse into the longest (:func:`suppress`).
Everything here is pure numpy on [T, R] signals; :mod:`aucli.spotting.spot` computes the signals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks


@dataclass(frozen=True)
class Interval:
    """One spotted interval, frame indices inclusive."""

    onset: int
    apex: int
    offset: int
    score: float
    region: str
    kind: str = ""


def frame_score(diff: np.ndarray, top_fraction: float = 1 / 3) -> np.ndarray:
    """F(i): mean of the largest ``top_fraction`` of the R region differences, [T, R] -> [T]."""
    d = np.nan_to_num(np.asarray(diff, dtype=np.float64))
    m = max(1, int(np.ceil(top_fraction * d.shape[1])))
    return np.sort(d, axis=1)[:, -m:].mean(1)


def contrast(signal: np.ndarray, k: int) -> np.ndarray:
    """C(i) = s(i) − ½(s(i − k) + s(i + k)) clipped at 0; edges repeat the end values. Works on
    [T] or [T, R] along axis 0."""
    s = np.asarray(signal, dtype=np.float64)
    pad = [(k, k)] + [(0, 0)] * (s.ndim - 1)
    p = np.pad(s, pad, mode="edge")
    n = len(s)
    return np.maximum(s - 0.5 * (p[:n] + p[2 * k:2 * k + n]), 0.0)


def threshold(c: np.ndarray, p: float, floor: float) -> float:
    """max(mean + p·(max − mean), floor)."""
    if len(c) == 0:
        return float(floor)
    mean = float(c.mean())
    return max(mean + p * (float(c.max()) - mean), float(floor))


def peak_bounds(c: np.ndarray, apex: int, reach: int, fraction: float) -> tuple[int, int]:
    """(onset, offset) around ``apex``: the last frames, within ``reach``, where
    c >= fraction·c[apex]."""
    level = fraction * c[apex]
    lo, hi = apex, apex
    while lo > max(0, apex - reach) and c[lo - 1] >= level:
        lo -= 1
    while hi < min(len(c) - 1, apex + reach) and c[hi + 1] >= level:
        hi += 1
    return lo, hi


@dataclass(frozen=True)
class PeakConfig:
    """Peak picking on the contrast signal."""

    p: float = 0.3
    """Adaptive threshold fraction between the mean and the max of the contrast (MEGC's p)."""
    min_contrast: float = 0.05
    """Absolute floor of the threshold, in signal units (px of flow on a 112 crop by default)."""
    top_fraction: float = 1 / 3
    """Fraction of regions averaged into the frame score (Moilanen: the top third)."""
    edge_fraction: float = 0.3
    """Onset/offset where the contrast falls below this fraction of its apex value."""


def spot_signal(diff: np.ndarray, k: int, names: list[str],
                config: PeakConfig = PeakConfig()) -> tuple[list[Interval], np.ndarray]:
    """Intervals from a per-region difference signal [T, R] at half-window ``k``, and the
    per-frame contrast [T] they were picked from."""
    d = np.nan_to_num(np.asarray(diff, dtype=np.float64))
    c = contrast(frame_score(d, config.top_fraction), k)
    per_region = contrast(d, k)
    if len(c) == 0:
        return [], c
    apexes, _ = find_peaks(c, height=threshold(c, config.p, config.min_contrast),
                           distance=max(1, k))
    out = []
    for a in apexes:
        lo, hi = peak_bounds(c, int(a), 2 * k, config.edge_fraction)
        region = names[int(np.argmax(per_region[a]))] if names else ""
        out.append(Interval(lo, int(a), hi, float(c[a]), region))
    return out, c


def interval_iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    """IoU of two inclusive frame intervals (onset, offset)."""
    inter = min(a[1], b[1]) - max(a[0], b[0]) + 1
    if inter <= 0:
        return 0.0
    union = (a[1] - a[0] + 1) + (b[1] - b[0] + 1) - inter
    return inter / union


def overlap_of_smaller(a: tuple[int, int], b: tuple[int, int]) -> float:
    """|a ∩ b| / min(|a|, |b|) for inclusive frame intervals: 1 when one contains the other."""
    inter = min(a[1], b[1]) - max(a[0], b[0]) + 1
    return max(inter, 0) / min(a[1] - a[0] + 1, b[1] - b[0] + 1)


def merge_close(intervals: list[Interval], gap: int) -> list[Interval]:
    """Merge intervals whose gap is at most ``gap`` frames; apex, score and region come from
    the best-scoring member. A long, slow expression yields peaks at its onset, apex and
    offset (the window contrast only sees changes of motion); this joins them."""
    out: list[list[Interval]] = []
    for it in sorted(intervals, key=lambda x: x.onset):
        if out and it.onset - max(m.offset for m in out[-1]) <= gap:
            out[-1].append(it)
        else:
            out.append([it])
    merged = []
    for group in out:
        best = max(group, key=lambda x: x.score)
        merged.append(Interval(group[0].onset, best.apex, max(m.offset for m in group),
                               best.score, best.region, best.kind))
    return merged


def suppress(intervals: list[Interval], overlap: float = 0.5) -> list[Interval]:
    """Greedy suppression, longest first (then by score): an interval sharing ``overlap`` of
    the shorter one with a survivor is dropped, so pieces nested in a longer detection of
    the same expression collapse into it. Survivors sorted by onset."""
    kept: list[Interval] = []
    for it in sorted(intervals, key=lambda x: (x.onset - x.offset, -x.score)):
        span = (it.onset, it.offset)
        if all(overlap_of_smaller(span, (k.onset, k.offset)) < overlap for k in kept):
            kept.append(it)
    return sorted(kept, key=lambda x: x.onset)
