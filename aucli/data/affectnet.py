"""AffectNet (Mollahosseini et al., 2017): manually annotated in-the-wild faces, 8 expressions.

Layout read (DATASETS.md 3): ``Manually_Annotated_file_lists/training.csv`` and
``validation.csv`` (header ``subDirectory_filePath,face_x,face_y,face_width,face_height,
facial_landmarks,expression,valence,arousal``; landmarks ``;``-joined) and images
``Manually_Annotated/Manually_Annotated_Images/<subDirectory_filePath>``. Codes 0-7 are the
expressions (8 None, 9 Uncertain, 10 No-Face are dropped); the 7-class protocol also drops
7 Contempt. The official validation set is the test set.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from aucli.data import DATASETS
from aucli.data.base import AUSample, ExpressionLoader, Problem
from aucli.data.report import missing_images
from aucli.errors import InputError

AFFECTNET_CLASSES = ("neutral", "happy", "sad", "surprise", "fear", "disgust", "anger", "contempt")
_LISTS = {"training.csv": "train", "validation.csv": "validation"}


@dataclass(frozen=True)
class AffectNetConfig:
    """AffectNet class protocol."""

    num_classes: int = 8
    """7 (drops contempt) or 8 expression classes."""


@DATASETS.register("affectnet")
class AffectNet(ExpressionLoader):
    """AffectNet expressions; ``AUSample.split`` is ``train`` or ``validation``."""

    name: ClassVar[str] = "affectnet"
    config_class: ClassVar[type] = AffectNetConfig

    @property
    def classes(self) -> tuple[str, ...]:
        return AFFECTNET_CLASSES[: self.config.num_classes]

    def scan(self) -> tuple[list[AUSample], list[Problem]]:
        lists = self.root / "Manually_Annotated_file_lists"
        found = [(lists / name, split) for name, split in _LISTS.items()
                 if (lists / name).is_file()]
        if not found:
            raise InputError(f"{self.name}: no training.csv / validation.csv in {lists}")
        images = self.root / "Manually_Annotated" / "Manually_Annotated_Images"
        samples: list[AUSample] = []
        missing: list[str] = []
        for path, split in found:
            for number, (rel, code) in enumerate(_rows(path)):
                if not 0 <= code < len(self.classes):
                    continue
                image = images / rel
                if not image.is_file():
                    missing.append(rel)
                    continue
                samples.append(AUSample(Path(rel).stem, split, number, str(image),
                                        np.zeros(0, np.int8), expression=code, split=split))
        return samples, missing_images(str(images), missing)


def _rows(path: Path) -> list[tuple[str, int]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "subDirectory_filePath" not in reader.fieldnames:
            raise InputError(f"{path}: header has no subDirectory_filePath column")
        return [(r["subDirectory_filePath"], int(float(r["expression"]))) for r in reader]
