"""Per-frame optical flow in each AU region versus the previous frame (``aucli extract --flow``).

For every face with a ``face_id`` seen in the previous frame, flow from the previous aligned crop
to the current one (both resized to ``size``) is averaged over each landmark-based AU region
(:mod:`aucli.ops.regions`, landmarks mapped into the crop by the face's ``align_matrix``) into
``flow_<region>_dx``, ``_dy`` (mean flow, px of the ``size`` crop, +x right, +y down) and
``_mag`` (mean per-pixel flow length, so opposite motions inside a region do not cancel).
The first frame of a track, or a face missing from the previous frame, gets NaN.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from aucli.ops.flow import flow_function, to_gray
from aucli.ops.regions import REGIONS, crop_region_boxes, region_flow, region_masks
from aucli.extract.stages import STAGES
from aucli.extract.stages.base import Face, FrameItem


@dataclass(frozen=True)
class FlowStageConfig:
    method: str = "dis"
    """Flow method: dis (fast, default), farneback or tvl1 (slow)."""
    dis_preset: str = "medium"
    """DIS preset (ultrafast, fast, medium) when method = dis."""
    size: int = 112
    """Crops are resized to this side before the flow; values are px of this crop."""
    region_half: float = 0.4
    """Half side of each AU region square, in inner-eye-corner distances."""


def flow_columns() -> list[str]:
    return [f"flow_{r}_{c}" for r in REGIONS for c in ("dx", "dy", "mag")]


@STAGES.register("flow")
class FlowStage:
    """Adds ``flow_<region>_dx/_dy/_mag`` for the regions of :data:`aucli.ops.regions.REGIONS`."""

    config_class = FlowStageConfig

    def __init__(self, config: FlowStageConfig) -> None:
        self.config = config

    def describe(self) -> dict:
        return {}

    def output_columns(self) -> list[str]:
        return flow_columns()

    def _flow(self):
        c = self.config
        params = {"preset": c.dis_preset} if c.method == "dis" else {}
        return flow_function(c.method, **params)

    def _gray(self, face: Face) -> np.ndarray:
        s = self.config.size
        return cv2.resize(to_gray(face.aligned), (s, s), interpolation=cv2.INTER_AREA)

    def _values(self, flow: np.ndarray, face: Face) -> dict[str, float]:
        c = self.config
        boxes = crop_region_boxes(face.lm68, face.align_matrix, c.size / face.aligned.shape[0],
                                  c.region_half)
        means = region_flow(flow, region_masks(flow.shape[:2], boxes))
        return {f"flow_{r}_{c}": float(v) for r, m in means.items()
                for c, v in zip(("dx", "dy", "mag"), m)}

    def __call__(self, items: Iterable[FrameItem]) -> Iterator[FrameItem]:
        flow = self._flow()
        nan = dict.fromkeys(flow_columns(), float("nan"))
        previous: dict[int, np.ndarray] = {}
        for item in items:
            current: dict[int, np.ndarray] = {}
            for face in item.faces:
                if face.aligned is None or face.align_matrix is None:
                    face.columns.update(nan)
                    continue
                gray = self._gray(face)
                prev = previous.get(face.face_id) if face.face_id is not None else None
                face.columns.update(nan if prev is None else self._values(flow(prev, gray), face))
                if face.face_id is not None:
                    current[face.face_id] = gray
            previous = current
            yield item
