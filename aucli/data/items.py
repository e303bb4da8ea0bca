"""What loaders yield: labelled frames (``AUSample``), micro-expression clips (``MEClip``), and the
layout problems (``Problem``) a walk of a dataset root finds. Plain frozen records, no I/O."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AUSample:
    """One labelled frame of an AU (or expression) dataset."""

    subject: str
    sequence: str  # task / video / sequence id
    frame: int  # frame number as the dataset numbers it
    image: str  # a file path, or "ARCHIVE.zip::member" for zipped releases ("VIDEO.avi::index")
    labels: np.ndarray  # [C] int8, 1 present, 0 absent, -1 unknown; C = len(loader.aus)
    intensity: np.ndarray | None = None  # [C'] float32, NaN unknown (when the dataset codes it)
    expression: int = -1  # expression class for expression datasets, -1 when none
    split: str = ""  # the release's own partition ("train", "validation", ...); "" when none


@dataclass(frozen=True)
class MEClip:
    """One micro-expression clip: ordered frame files from onset to offset."""

    dataset: str
    subject: str
    clip: str
    label: str  # class name in the protocol's class set
    onset: int  # frame numbers as the dataset numbers them
    apex: int
    offset: int
    frames: tuple[str, ...]  # frame image paths, onset..offset, sorted by frame number
    aus: tuple[int, ...] = ()  # coded action units (side and intensity letters dropped)
    emotion: str = ""  # the sheet's own emotion word, before the class mapping

    @property
    def apex_index(self) -> int:
        """Index of the apex frame inside ``frames``."""
        return min(max(self.apex - self.onset, 0), len(self.frames) - 1)


@dataclass(frozen=True)
class Problem:
    """One inconsistency found while walking a dataset root."""

    message: str
    fatal: bool = False  # True: the layout is broken and samples()/clips() must not go on
