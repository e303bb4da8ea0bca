"""RAF-DB basic (Li et al., 2017): 15,339 in-the-wild faces, 7 expressions.

Layout read (DATASETS.md 3, Self-Cure-Network ``train.py``): ``EmoLabel/list_patition_label.txt``
(sic) with ``train_00001.jpg 5`` lines, codes 1-based (1 Surprise ... 7 Neutral), and aligned
images ``Image/aligned/train_00001_aligned.jpg`` (or ``Image/original/train_00001.jpg``). The
split is the name's ``train_`` / ``test_`` prefix. There are no subject ids: the image name is
used, so no image is in two splits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from aucli.data import DATASETS
from aucli.data.base import AUSample, ExpressionLoader, Problem
from aucli.data.report import missing_images
from aucli.errors import InputError

RAFDB_CLASSES = ("surprise", "fear", "disgust", "happiness", "sadness", "anger", "neutral")


@dataclass(frozen=True)
class RAFDBConfig:
    """RAF-DB image variant."""

    aligned: bool = True
    """Read Image/aligned/<name>_aligned.jpg (else Image/original/<name>)."""


@DATASETS.register("rafdb")
class RAFDB(ExpressionLoader):
    """RAF-DB basic expressions; ``AUSample.split`` is ``train`` or ``test``."""

    name: ClassVar[str] = "rafdb"
    config_class: ClassVar[type] = RAFDBConfig
    classes: tuple[str, ...] = RAFDB_CLASSES

    def scan(self) -> tuple[list[AUSample], list[Problem]]:
        label_file = self.root / "EmoLabel" / "list_patition_label.txt"
        if not label_file.is_file():
            raise InputError(f"{self.name}: label file not found: {label_file}")
        folder = self.root / "Image" / ("aligned" if self.config.aligned else "original")
        if not folder.is_dir():
            raise InputError(f"{self.name}: image folder not found: {folder}")
        present = set(p.name for p in folder.iterdir())
        samples: list[AUSample] = []
        missing: list[str] = []
        for number, (name, code) in enumerate(_lines(label_file)):
            stem = Path(name).stem
            image = f"{stem}_aligned.jpg" if self.config.aligned else name
            if image not in present:
                missing.append(image)
                continue
            samples.append(AUSample(stem, "", number, str(folder / image), np.zeros(0, np.int8),
                                    expression=code - 1, split=stem.split("_")[0]))
        return samples, missing_images(str(folder), missing)


def _lines(path: Path) -> list[tuple[str, int]]:
    out = []
    for line in path.read_text().splitlines():
        tokens = line.split()
        if len(tokens) >= 2:
            out.append((tokens[0], int(tokens[1])))
    return out
