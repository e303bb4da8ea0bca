"""Aff-Wild2, ABAW AU Detection Challenge (Kollias et al.): 12 AUs, in-the-wild videos.

Layout read (DATASETS.md 1.5, OpenGraphAU ``dataset_process.py``):
``AU_Detection_Challenge/{Train_Set,Validation_Set}/<video>.txt`` -- a header line
``AU1,AU2,...`` then one line of 12 integers per frame, line j+1 = frame j -- and frames
``cropped_aligned/<video>/<j:05d>.jpg``. -1 is unannotated: kept per AU as unknown; a row that is
-1 for every AU carries nothing and is dropped (``drop_partial`` drops any row with a -1, as
OpenGraphAU does). A frame without a cropped image (no face found) is skipped. The video name
(with ``_left`` / ``_right`` for two-person videos) is the subject id; the test labels are
withheld, so the splits are the official Train_Set and Validation_Set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from aucli.data import DATASETS
from aucli.data.base import AULoader, AUSample, Problem
from aucli.data.files import list_frames
from aucli.data.report import missing_images
from aucli.errors import InputError

AFFWILD2_AUS = (1, 2, 4, 6, 7, 10, 12, 15, 23, 24, 25, 26)
_SETS = {"Train_Set": "train", "Validation_Set": "validation"}


@dataclass(frozen=True)
class AffWild2Config:
    """Aff-Wild2 locations and the row filter."""

    labels_dir: str = "AU_Detection_Challenge"
    """Folder holding Train_Set/ and Validation_Set/."""
    image_dir: str = "cropped_aligned"
    """Folder of the per-video cropped-aligned frame folders."""
    drop_partial: bool = False
    """Drop every row holding a -1 (OpenGraphAU) instead of masking those AUs."""


@DATASETS.register("affwild2")
class AffWild2(AULoader):
    """Aff-Wild2 AU occurrence; ``AUSample.split`` is ``train`` or ``validation``."""

    name: ClassVar[str] = "affwild2"
    aligned: ClassVar[bool] = True  # images are face crops already: no prepare cache
    config_class: ClassVar[type] = AffWild2Config
    aus: tuple[int, ...] = AFFWILD2_AUS

    def scan(self) -> tuple[list[AUSample], list[Problem]]:
        base = self.root / self.config.labels_dir
        files = [(p, split) for folder, split in _SETS.items()
                 for p in sorted((base / folder).glob("*.txt"))]
        if not files:
            raise InputError(f"{self.name}: no annotation files in {base}/Train_Set or "
                             f"{base}/Validation_Set")
        samples: list[AUSample] = []
        problems: list[Problem] = []
        for path, split in files:
            video = path.stem
            folder = self.root / self.config.image_dir / video
            frames = list_frames(folder)
            if not frames:
                problems.append(Problem(f"no frames for {video}: looked in {folder}", fatal=True))
                continue
            table = self._read(path)
            missing = []
            for j, row in enumerate(table, start=1):
                if (row < 0).all() or (self.config.drop_partial and (row < 0).any()):
                    continue
                if j not in frames:
                    missing.append(j)
                    continue
                samples.append(AUSample(video, video, j, frames[j], row, split=split))
            problems += missing_images(video, missing)
        return samples, problems

    def _read(self, path) -> np.ndarray:
        """[frames, 12] int8 in {-1, 0, 1}, checked against the header."""
        lines = path.read_text().splitlines()
        header = [h.strip().upper() for h in lines[0].split(",")] if lines else []
        want = [f"AU{au}" for au in self.aus]
        if header != want:
            raise InputError(f"{path}: header is {','.join(header)!r}, expected {','.join(want)}")
        rows = [[int(float(v)) for v in line.split(",")] for line in lines[1:] if line.strip()]
        table = np.asarray(rows, np.int64).reshape(-1, len(self.aus))
        return np.where((table == 0) | (table == 1), table, -1).astype(np.int8)
