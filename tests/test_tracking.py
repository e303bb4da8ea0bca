"""Tracking: the pure matcher, and two real faces in a synthetic two-person video."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
from typer.testing import CliRunner

from aucli.cli import app
from aucli.ops.tracking import Tracker, iou
from tests.media import two_face_frames, write_video


def _face(x, y, s=100.0):
    box = np.array([x, y, s, s])
    lm = np.stack([np.linspace(x, x + s, 68), np.linspace(y, y + s, 68)], 1)
    return box, lm


def test_iou_basic():
    a = np.array([[0, 0, 10, 10]])
    assert iou(a, a)[0, 0] == 1.0
    assert iou(a, np.array([[5, 0, 10, 10]]))[0, 0] == 50 / 150
    assert iou(a, np.array([[20, 20, 5, 5]]))[0, 0] == 0.0


def test_ids_follow_faces_whatever_the_detection_order():
    tracker = Tracker(max_gap=5)
    ids = []
    for t in range(10):
        faces = [_face(100 + 3 * t, 50), _face(400 - 3 * t, 60)]
        if t % 2:
            faces = faces[::-1]
        boxes = np.stack([f[0] for f in faces])
        lms = np.stack([f[1] for f in faces])
        got = tracker.update(t, boxes, lms)
        ids.append(got if t % 2 == 0 else got[::-1])
    assert all(pair == [0, 1] for pair in ids)


def test_short_gap_keeps_id_long_gap_gets_new_id():
    tracker = Tracker(max_gap=5)
    box, lm = _face(100, 100)
    assert tracker.update(0, box[None], lm[None]) == [0]
    assert tracker.update(4, box[None], lm[None]) == [0]  # unseen for 3 frames
    assert tracker.update(20, box[None], lm[None]) == [1]  # unseen for 15 > max_gap


def test_two_real_faces_keep_ids_and_reidentify_after_gap(tmp_path, pexels_video):
    frames = two_face_frames(pexels_video, 24, gap=(10, 14))
    video = write_video(tmp_path / "two.mp4", frames, fps=24)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["extract", str(video), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    rows = pq.read_table(out / "two.parquet").to_pylist()
    width = frames[0].shape[1]
    side = {}
    for r in rows:
        assert r["success"]
        left = r["face_x"] + r["face_w"] / 2 < width / 2
        side.setdefault(left, set()).add(r["face_id"])
    assert len(side[True]) == 1 and len(side[False]) == 1 and side[True] != side[False]
    per_frame = {}
    for r in rows:
        per_frame.setdefault(r["frame"], []).append(r)
    assert all(len(per_frame[f]) == 1 for f in range(10, 14))  # right face hidden
    assert all(len(per_frame[f]) == 2 for f in list(range(0, 10)) + list(range(15, 24)))
