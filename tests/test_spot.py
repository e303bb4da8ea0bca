"""Spotting: the algorithm on synthetic clips, and the MEGC metric."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from aucli.ops.spotting import (
    Interval, contrast, frame_score, merge_close, spot_signal, suppress,
)
from aucli.ops.spotting_metric import match_intervals, score_spotting
from aucli.spotting.spot import SpotConfig, spot_items
from aucli.extract.stages.base import Face, FrameItem

FPS = 30.0
GRID = SpotConfig(regions="grid")


def texture(size=112, seed=0):
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.random((size, size)).astype(np.float32), (0, 0), 2.0)
    return (img - img.min()) / (img.max() - img.min()) * 255


def triangle(t, start, stop, peak):
    """Onset -> apex -> offset amplitude profile."""
    if not start <= t <= stop:
        return 0.0
    mid = (start + stop) / 2
    return peak * (1 - abs(t - mid) / ((stop - start) / 2 + 1))


def synthetic_clip(n=150, event=None, seed=0, slow=None):
    """A static textured face-sized crop with sensor noise; ``event`` = (start, stop, peak px)
    inserts a local bump deformation around (70, 40) rising to ``peak`` px and back; ``slow``
    the same around (40, 80), wider."""
    base = texture(seed=seed)
    rng = np.random.default_rng(seed + 1)
    ys, xs = np.mgrid[0:112, 0:112].astype(np.float32)
    bump = np.exp(-((xs - 70) ** 2 + (ys - 40) ** 2) / (2 * 8.0**2))
    bump2 = np.exp(-((xs - 40) ** 2 + (ys - 80) ** 2) / (2 * 10.0**2))
    frames = []
    for t in range(n):
        d = triangle(t, *event) * bump if event else 0 * bump
        d = d + (triangle(t, *slow) * bump2 if slow else 0)
        img = cv2.remap(base, xs - d, ys - d, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
        img = img + rng.normal(0, 2.0, img.shape)
        frames.append(np.clip(img, 0, 255).astype(np.uint8))
    return frames


def items(frames):
    for i, f in enumerate(frames):
        face = Face(bbox=np.zeros(4), confidence=1.0, landmarks=np.zeros((0, 3)), lm68=None,
                    face_id=0, aligned=np.repeat(f[..., None], 3, -1))
        yield FrameItem(index=i, timestamp=i / FPS, image=f, faces=[face])


def test_local_deformation_is_spotted_at_its_time():
    intervals, scores = spot_items(items(synthetic_clip(event=(72, 79, 2.0))), FPS, GRID)
    assert len(scores) == 150 and {"frame", "timestamp", "face_id", "score"} <= set(scores[0])
    assert len(intervals) == 1, intervals
    it = intervals[0]
    assert 72 <= it["apex"] <= 79
    assert score_spotting([(it["onset"], it["offset"])], [(72, 79)])["tp"] == 1
    assert it["kind"] == "micro"
    assert it["region"] in {"r1c3", "r1c4", "r2c3", "r2c4"}  # the blocks around (70, 40)
    assert it["apex_time"] == pytest.approx(it["apex"] / FPS)


def test_micro_and_macro_expression_are_told_apart():
    clip = synthetic_clip(300, event=(60, 67, 2.0), slow=(150, 195, 3.0), seed=4)
    intervals, _ = spot_items(items(clip), FPS, GRID)
    found = [(it["onset"], it["offset"], it["kind"]) for it in intervals]
    assert [k for *_, k in found] == ["micro", "macro"], found
    r = score_spotting([f[:2] for f in found], [(60, 67), (150, 195)])
    assert (r["tp"], r["fp"], r["fn"]) == (2, 0, 0), found


def test_static_clip_yields_no_interval():
    intervals, scores = spot_items(items(synthetic_clip()), FPS, GRID)
    assert intervals == []
    assert max(s["score"] for s in scores) < GRID.peaks.min_contrast


def test_contrast_removes_slow_drift_and_keeps_bumps():
    t = np.arange(100, dtype=float)
    s = 0.01 * t
    s[50] += 1.0
    c = contrast(s, 5)
    assert c.argmax() == 50 and c[50] == pytest.approx(1.0)
    assert c[[10, 30, 80]].max() < 1e-9


def test_frame_score_is_mean_of_top_third():
    d = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
    assert frame_score(d)[0] == pytest.approx(5.5)


def test_spot_signal_finds_two_separate_peaks():
    d = np.zeros((200, 3))
    d[40:46, 1] = 2.0
    d[140:146, 2] = 2.0
    ivs, c = spot_signal(d, 5, ["a", "b", "c"])
    assert [iv.region for iv in ivs] == ["b", "c"]
    assert all(iv.onset <= iv.apex <= iv.offset for iv in ivs)


def test_suppress_keeps_the_best_of_overlaps():
    a, b = Interval(10, 12, 20, 1.0, "x"), Interval(11, 13, 20, 2.0, "y")
    c = Interval(50, 52, 55, 0.5, "z")
    assert suppress([a, b, c]) == [a, c]  # a is longer
    assert suppress([Interval(10, 12, 20, 1.0, "x"), Interval(10, 13, 20, 2.0, "y")])[0].region == "y"


def test_merge_close_joins_the_peaks_of_a_slow_expression():
    parts = [Interval(100, 101, 104, 0.5, "a"), Interval(110, 112, 115, 0.9, "b"),
             Interval(122, 123, 125, 0.4, "a"), Interval(200, 201, 203, 0.3, "c")]
    merged = merge_close(parts, gap=10)
    assert merged == [Interval(100, 112, 125, 0.9, "b"), parts[3]]


def test_megc_metric_counts():
    true = [(10, 20), (100, 110), (300, 330)]
    pred = [(12, 21), (101, 140), (300, 329), (500, 510)]
    # (12,21) vs (10,20): 9/12 ok; (101,140) vs (100,110): 10/41 no; (300,329): 30/31 ok
    r = score_spotting(pred, true)
    assert (r["tp"], r["fp"], r["fn"]) == (2, 2, 1)
    assert r["precision"] == pytest.approx(0.5)
    assert r["recall"] == pytest.approx(2 / 3)
    assert r["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_megc_metric_is_one_to_one_and_handles_empty():
    assert len(match_intervals([(0, 10), (0, 10)], [(0, 10)])) == 1
    assert score_spotting([], [(1, 2)]) == {"precision": 0.0, "recall": 0.0, "f1": 0.0,
                                             "tp": 0, "fp": 0, "fn": 1}
    r = score_spotting([(0, 9)], [(0, 4)])  # IoU exactly 0.5 counts
    assert r["tp"] == 1


def test_suppress_collapses_nested_intervals():
    big, small = Interval(10, 20, 40, 3.0, "x"), Interval(15, 16, 18, 1.0, "y")
    assert suppress([small, big]) == [big]
