"""Items that flow through the extract pipeline, and the stage contract."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


@dataclass
class Face:
    """One face in one frame. Stages fill fields in pipeline order."""

    bbox: np.ndarray  # [4] x, y, w, h in frame pixels
    confidence: float | None  # None when the detector reports no score (MediaPipe)
    landmarks: np.ndarray  # [N, 3] x, y (pixels), z (detector units); N = 478 for MediaPipe
    lm68: np.ndarray  # [68, 2] iBUG subset, pixels
    blendshapes: np.ndarray | None = None  # [52] MediaPipe scores, order = BLENDSHAPE_NAMES
    transform: np.ndarray | None = None  # [4, 4] facial transformation matrix (MediaPipe)
    pose: np.ndarray | None = None  # [3] pitch, yaw, roll radians
    face_id: int | None = None
    align_matrix: np.ndarray | None = None  # [2, 3] frame -> aligned crop
    aligned: np.ndarray | None = None  # [S, S, 3] uint8 RGB
    columns: dict[str, float] = field(default_factory=dict)  # AUxx_r, flow_*, ... by name


@dataclass
class FrameItem:
    """One decoded frame and what the stages found in it."""

    index: int  # 0-based decoded frame index
    timestamp: float  # seconds, presentation time
    image: np.ndarray  # [H, W, 3] uint8 RGB
    faces: list[Face] = field(default_factory=list)
    source: str = ""  # the image file this frame came from (image inputs; "" for videos)


class Stage(Protocol):
    """``stage(items) -> items``; constructors only store their config (no I/O, no network).

    A stage that loads models may also define ``open()``: load them now (idempotent). The pipeline
    calls it for every stage before the first frame, so a missing model fails before any output is
    written and model start-up is not counted in frames/s; ``stage(items)`` opens whatever is not
    open yet, so calling a stage directly works too.
    """

    def __call__(self, items: Iterable[FrameItem]) -> Iterator[FrameItem]: ...

    def describe(self) -> dict[str, Any]:
        """Models used (name, sha256, licence) for the file metadata; {} when none."""
        ...


def open_stages(stages: Iterable[Any]) -> None:
    """Call ``open()`` on each stage that has one (the optional part of the contract above)."""
    for stage in stages:
        opener = getattr(stage, "open", None)
        if opener is not None:
            opener()


def close_stages(stages: Iterable[Any]) -> None:
    """Call ``close()`` on each stage that has one (releases models opened by ``open_stages``)."""
    for stage in stages:
        closer = getattr(stage, "close", None)
        if closer is not None:
            closer()
