"""Similarity alignment of each face to the canonical template (aucli.ops.align)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from aucli.ops.align import TEMPLATES, alignment_matrix, warp
from aucli.extract.stages import STAGES
from aucli.extract.stages.base import FrameItem


@dataclass(frozen=True)
class AlignConfig:
    size: int = 224
    """Aligned crop size in pixels (square)."""
    template: str = "jaanet"
    """"jaanet" (eye line + box of eyes, nose, mouth; JAA-Net/py-feat) or "arcface" (5-point)."""
    box_enlarge: float = 2.9
    """jaanet template: margin around the eye-nose-mouth box (JAA-Net 2.9, py-feat 2.5)."""


@STAGES.register("align")
class AlignStage:
    config_class = AlignConfig
    def __init__(self, config: AlignConfig) -> None:
        if config.template not in TEMPLATES:
            raise ValueError(f"unknown alignment template {config.template!r}; known: {sorted(TEMPLATES)}")
        if config.size < 16:
            raise ValueError(f"align.size must be at least 16 pixels, got {config.size}")
        self.config = config

    def describe(self) -> dict:
        return {}

    def __call__(self, items: Iterable[FrameItem]) -> Iterator[FrameItem]:
        c = self.config
        for item in items:
            for face in item.faces:
                face.align_matrix = alignment_matrix(face.lm68, c.size, c.template, c.box_enlarge)
                face.aligned = warp(item.image, face.align_matrix, c.size)
            yield item
