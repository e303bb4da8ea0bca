"""AU intensities from MediaPipe blendshapes (the embedded default AU model)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from aucli.ops.blendshapes import AU_NUMBERS, au_column, aus_from_blendshapes
from aucli.extract.stages import STAGES
from aucli.extract.stages.base import FrameItem


@dataclass(frozen=True)
class AUConfig:
    source: str = "blendshapes"
    """Where AU intensities come from; "blendshapes" is the documented proxy table."""


@STAGES.register("au")
class BlendshapeAUStage:
    """Adds ``AUxx_r`` in [0, 1] for the AUs of ``aucli.ops.blendshapes.AU_FROM_BLENDSHAPES``."""
    config_class = AUConfig

    columns = tuple(au_column(a) for a in AU_NUMBERS)

    def __init__(self, config: AUConfig) -> None:
        if config.source != "blendshapes":
            raise ValueError(f"au.source must be 'blendshapes', got {config.source!r}")
        self.config = config

    def describe(self) -> dict:
        return {"name": "blendshape-au-proxy", "table": "aucli.ops.blendshapes.AU_FROM_BLENDSHAPES",
                "note": "AUxx_r are proxies mapped from MediaPipe blendshapes, not FACS-coded intensities"}

    def output_columns(self) -> list[str]:
        return list(self.columns)

    def __call__(self, items: Iterable[FrameItem]) -> Iterator[FrameItem]:
        for item in items:
            for face in item.faces:
                if face.blendshapes is not None and len(face.blendshapes) == 52:
                    values = aus_from_blendshapes(face.blendshapes)
                    face.columns.update(zip(self.columns, values.tolist()))
            yield item
