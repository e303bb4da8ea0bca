"""RAF-AU (Yan et al., 2020): 4,601 in-the-wild faces with FACS AU codes (no expression label).

Layout read (DATASETS.md 3, OpenGraphAU tool): ``RAFAU_label.txt`` (in the root or ``RAF-AU/``)
with ``0001.jpg 1+2+25`` or ``0001.jpg null`` lines, tokens possibly side-prefixed (``L12``),
and images ``aligned/<id:04d>_aligned.jpg``. A side-prefixed AU counts as that AU present;
an AU outside ``aus`` is ignored. ``null`` images (no AU coded) are dropped, as OpenGraphAU
does, unless ``keep_null`` (then every AU is absent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from aucli.data import DATASETS
from aucli.data.base import AULoader, AUSample, Problem
from aucli.data.files import first_existing
from aucli.data.report import missing_images
from aucli.errors import InputError

RAFAU_AUS = (1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 16, 17, 18, 19, 20, 22, 23, 24, 25, 26, 27,
             32, 39)  # OpenGraphAU's RAF-AU list, sides folded


@dataclass(frozen=True)
class RAFAUConfig:
    """RAF-AU sample selection."""

    keep_null: bool = False
    """Keep ``null`` images as all-absent samples (OpenGraphAU drops them)."""


@DATASETS.register("rafau")
class RAFAU(AULoader):
    """RAF-AU occurrence on the AUs it codes."""

    name: ClassVar[str] = "rafau"
    aligned: ClassVar[bool] = True  # images are face crops already: no prepare cache
    config_class: ClassVar[type] = RAFAUConfig
    aus: tuple[int, ...] = RAFAU_AUS

    def scan(self) -> tuple[list[AUSample], list[Problem]]:
        base = first_existing([self.root / "RAF-AU", self.root])
        label_file = base / "RAFAU_label.txt"
        if not label_file.is_file():
            raise InputError(f"{self.name}: label file not found: {label_file}")
        folder = base / "aligned"
        if not folder.is_dir():
            raise InputError(f"{self.name}: image folder not found: {folder}")
        samples: list[AUSample] = []
        missing: list[str] = []
        for line in label_file.read_text().splitlines():
            tokens = line.split()
            if len(tokens) < 2 or (tokens[1] == "null" and not self.config.keep_null):
                continue
            stem = tokens[0].split(".")[0].zfill(4)
            image = folder / f"{stem}_aligned.jpg"
            if not image.is_file():
                missing.append(image.name)
                continue
            samples.append(AUSample(stem, "", int(stem), str(image), self._labels(tokens[1])))
        return samples, missing_images(str(folder), missing)

    def _labels(self, code: str) -> np.ndarray:
        labels = np.zeros(len(self.aus), np.int8)
        for token in code.split("+"):
            match = re.fullmatch(r"[LR]?(\d+)", token.strip())
            if match and int(match.group(1)) in self.aus:
                labels[self.aus.index(int(match.group(1)))] = 1
        return labels
