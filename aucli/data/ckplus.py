"""CK+ (Lucey et al., 2010): 593 posed sequences, neutral -> peak, 327 with an emotion label.

Layout read (DATASETS.md 3, dataset README): ``cohn-kanade-images/S005/001/
S005_001_00000011.png``, ``Emotion/S005/001/S005_001_00000011_emotion.txt`` (one float, 0-7) and
``FACS/S005/001/S005_001_00000011_facs.txt`` (``AU intensity`` float pairs) -- both for the
last (peak) frame only. Samples: the peak frame with its emotion and FACS AUs, and the first
frame as neutral (AUs absent), the usual macro-expression use. A sequence with no emotion file
has no label; it is skipped unless ``require_emotion`` is false (then expression -1).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from aucli.data import DATASETS
from aucli.data.base import AUSample, ExpressionLoader, Problem
from aucli.data.files import list_frames
from aucli.errors import InputError

CKPLUS_CLASSES = ("neutral", "anger", "contempt", "disgust", "fear", "happy", "sadness",
                  "surprise")
CKPLUS_AUS = (1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 20, 23, 24, 25, 26, 27)


@dataclass(frozen=True)
class CKPlusConfig:
    """CK+ sample selection and FACS rule."""

    require_emotion: bool = True
    """Skip sequences without an emotion file (their peak frame has no expression label)."""
    neutral_first: bool = True
    """Add each sequence's first frame as a neutral sample with no AU present."""
    facs_present_above: float = -1.0
    """An AU listed in a FACS file is present when its intensity is above this (-1: any listed
    AU, including intensity 0 = "present, not scored"; OpenGraphAU uses 1)."""


@DATASETS.register("ck+")
class CKPlus(ExpressionLoader):
    """CK+ peak (and neutral) frames with emotion and FACS AU labels."""

    name: ClassVar[str] = "ck+"
    config_class: ClassVar[type] = CKPlusConfig
    aus: tuple[int, ...] = CKPLUS_AUS
    classes: tuple[str, ...] = CKPLUS_CLASSES

    def scan(self) -> tuple[list[AUSample], list[Problem]]:
        images = self.root / "cohn-kanade-images"
        if not images.is_dir():
            raise InputError(f"{self.name}: image folder not found: {images}")
        samples: list[AUSample] = []
        problems: list[Problem] = []
        unlabelled = 0
        for seq_dir in sorted(p for p in images.glob("*/*") if p.is_dir()):
            subject, seq = seq_dir.parent.name, seq_dir.name
            frames = list_frames(seq_dir)
            if not frames:
                problems.append(Problem(f"{subject}/{seq}: no frames in {seq_dir}"))
                continue
            emotion = self._emotion(subject, seq, problems)
            if emotion < 0:
                unlabelled += 1
                if self.config.require_emotion:
                    continue
            peak, first = max(frames), min(frames)
            facs = self._facs(subject, seq)
            samples.append(AUSample(subject, seq, peak, frames[peak], facs, expression=emotion))
            if self.config.neutral_first and first != peak:
                none = np.zeros(len(self.aus), np.int8)
                samples.append(AUSample(subject, seq, first, frames[first], none, expression=0))
        if unlabelled:
            action = "skipped" if self.config.require_emotion else "kept with expression -1"
            problems.append(Problem(f"{unlabelled} sequences have no emotion file ({action})"))
        return samples, problems

    def _emotion(self, subject: str, seq: str, problems: list[Problem]) -> int:
        files = sorted((self.root / "Emotion" / subject / seq).glob("*_emotion.txt"))
        if not files:
            return -1
        text = files[0].read_text().strip()
        try:
            code = int(float(text))
        except ValueError:
            problems.append(Problem(f"{files[0]}: not a number: {text!r}"))
            return -1
        return code if 0 <= code < len(self.classes) else -1

    def _facs(self, subject: str, seq: str) -> np.ndarray:
        """int8 [C]: 1 for AUs listed in the peak frame's FACS file, else 0 (-1: no file)."""
        files = sorted((self.root / "FACS" / subject / seq).glob("*_facs.txt"))
        if not files:
            return np.full(len(self.aus), -1, np.int8)
        labels = np.zeros(len(self.aus), np.int8)
        for au, intensity in _facs_pairs(files[0]):
            if au in self.aus and intensity > self.config.facs_present_above:
                labels[self.aus.index(au)] = 1
        return labels


def _facs_pairs(path: Path) -> list[tuple[int, float]]:
    out = []
    for line in path.read_text().splitlines():
        tokens = line.split()
        if len(tokens) >= 2:
            out.append((int(float(tokens[0])), float(tokens[1])))
    return out
