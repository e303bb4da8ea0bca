"""The track stage drops faces whose track lives fewer than ``min_frames`` frames (a detector's
one-frame mistake) and keeps every frame of the tracks it confirms, with ids 0, 1, ... ."""

from __future__ import annotations

import numpy as np

from aucli.extract.stages.base import Face, FrameItem
from aucli.extract.stages.track import TrackConfig, TrackStage


def _face(x: float, y: float, size: float = 100.0) -> Face:
    lm68 = np.stack([np.linspace(x, x + size, 68), np.linspace(y, y + size, 68)], 1)
    return Face(bbox=np.array([x, y, size, size]), confidence=None,
                landmarks=np.zeros((478, 3), np.float32), lm68=lm68)


def _video(spec: dict[int, list[tuple[float, float]]], frames: int) -> list[FrameItem]:
    blank = np.zeros((4, 4, 3), np.uint8)
    return [FrameItem(i, i / 30, blank, [_face(*p) for p in spec.get(i, [])]) for i in range(frames)]


def _ids(items, **config) -> list[list[int]]:
    out = list(TrackStage(TrackConfig(**config))(iter(items)))
    assert [it.index for it in out] == list(range(len(items)))  # every frame, in order
    return [[f.face_id for f in it.faces] for it in out]


def test_a_one_frame_face_is_dropped_and_ids_stay_dense():
    person = (100.0, 100.0)
    spec = {i: [person] for i in range(10)}
    spec[4] = [(600.0, 50.0), person]  # the detector's mistake, left of the person in the list
    ids = _ids(_video(spec, 10))
    assert ids == [[0]] * 10


def test_a_confirmed_face_keeps_its_first_frames():
    spec = {i: [(100.0, 100.0)] for i in range(10)}
    for i in range(6, 10):
        spec[i] = spec[i] + [(500.0, 300.0)]  # a second person walks in at frame 6
    ids = _ids(_video(spec, 10))
    assert ids[:6] == [[0]] * 6 and ids[6:] == [[0, 1]] * 4


def test_faces_at_the_end_and_in_short_videos():
    spec = {i: [(100.0, 100.0)] for i in range(10)}
    spec[9] = spec[9] + [(500.0, 300.0)]  # one frame before the end: still a one-frame face
    assert _ids(_video(spec, 10))[-1] == [0]
    assert _ids(_video({0: [(1.0, 1.0)], 1: [(1.0, 1.0)]}, 2)) == [[0], [0]]
    assert _ids(_video({0: [(1.0, 1.0)]}, 1)) == [[0]]  # one frame (a photo as a video)


def test_min_frames_1_keeps_every_face():
    spec = {0: [(100.0, 100.0)], 1: [(100.0, 100.0), (600.0, 50.0)], 2: [(100.0, 100.0)]}
    assert _ids(_video(spec, 3), min_frames=1) == [[0], [0, 1], [0]]
    assert _ids(_video(spec, 3)) == [[0], [0], [0]]
