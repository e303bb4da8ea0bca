"""Stable ``face_id`` per person across frames."""

from __future__ import annotations

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


@STAGES.register("track")
class TrackStage:
    config_class = TrackConfig
    def __init__(self, config: TrackConfig) -> None:
        self.config = config

    def describe(self) -> dict:
        return {}

    def __call__(self, items: Iterable[FrameItem]) -> Iterator[FrameItem]:
        c = self.config
        tracker = Tracker(c.max_gap, c.max_cost, c.landmark_weight)
        for item in items:
            if item.faces:
                boxes = np.stack([f.bbox for f in item.faces])
                lms = np.stack([f.lm68 for f in item.faces])
                for face, face_id in zip(item.faces, tracker.update(item.index, boxes, lms)):
                    face.face_id = face_id
            yield item


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
