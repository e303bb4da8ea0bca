"""Eye gaze per face (OpenFace's ``gaze_*`` columns) from the mesh's iris points and the head pose."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from aucli.extract.stages import STAGES
from aucli.extract.stages.base import FrameItem
from aucli.ops.gaze import GAZE_COLUMNS, gaze_columns, rotation_from_mediapipe


@dataclass(frozen=True)
class GazeConfig:
    vertical_fov: float = 63.0
    """Camera vertical field of view in degrees used to turn each eye's view into camera space
    (63 is the virtual camera MediaPipe's head pose is fitted with; 0: orthographic)."""


@STAGES.register("gaze")
class GazeStage:
    """Adds ``gaze_0_x/y/z``, ``gaze_1_x/y/z`` and ``gaze_angle_x/y`` (method: aucli.ops.gaze).

    Faces without the 478-point mesh and its head transform (the insightface detector) keep
    null gaze.
    """

    config_class = GazeConfig

    def __init__(self, config: GazeConfig) -> None:
        if not 0.0 <= config.vertical_fov < 180.0:
            raise ValueError(f"gaze.vertical_fov must be in [0, 180) degrees, got {config.vertical_fov}")
        self.config = config

    def describe(self) -> dict:
        return {}

    def output_columns(self) -> list[str]:
        return list(GAZE_COLUMNS)

    def __call__(self, items: Iterable[FrameItem]) -> Iterator[FrameItem]:
        fov = math.radians(self.config.vertical_fov)
        for item in items:
            h, w = item.image.shape[:2]
            focal = (h / 2) / math.tan(fov / 2) if fov > 0 else None
            centre = np.array([w / 2, h / 2])
            for face in item.faces:
                if face.transform is None or len(face.landmarks) < 478:
                    continue
                rotation = rotation_from_mediapipe(face.transform)
                face.columns.update(gaze_columns(face.landmarks, rotation, focal, centre))
            yield item
