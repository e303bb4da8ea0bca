"""SMIC (Li et al., 2013): HS (100 fps, 16 subjects), VIS and NIR (25 fps, 8 subjects), 3 classes.

Layout read (DATASETS.md 2.3): ``SMIC/<HS|VIS|NIR>/s1/micro/<positive|negative|surprise>/
s1_ne_01/image106720.bmp`` (or ``SMIC_all_cropped/<modality>/...``); the label is the folder
name and ``non_micro/`` folders are not micro-expressions and are ignored. No sheet exists for
the cut clips: onset and offset are the first and last frame and the apex is the middle frame
(onset + (offset - onset) // 2, meb). Subjects are normalised to two digits (``s1`` -> ``s01``)
as the MEGC2019 lists write them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from aucli.data import DATASETS
from aucli.data.base import MEClip, MELoader, Problem
from aucli.data.clips import build_clip
from aucli.data.files import list_frames
from aucli.errors import InputError

SMIC_CLASSES = ("negative", "positive", "surprise")
MODALITIES = ("HS", "VIS", "NIR")


@dataclass(frozen=True)
class SMICConfig:
    """SMIC modality and location."""

    modality: str = "HS"
    """Camera: HS (high speed), VIS (visual) or NIR (near infrared)."""
    frames_dir: str = ""
    """Folder holding the modality folders; empty tries SMIC_all_cropped/, SMIC/ and the root."""


@DATASETS.register("smic")
class SMIC(MELoader):
    """SMIC micro clips of one modality, labelled by folder."""

    name: ClassVar[str] = "smic"
    config_class: ClassVar[type] = SMICConfig
    classes: tuple[str, ...] = SMIC_CLASSES

    def scan(self) -> tuple[list[MEClip], list[Problem]]:
        base = self._modality_root()
        clips: list[MEClip] = []
        problems: list[Problem] = []
        for subject_dir in sorted(p for p in base.iterdir() if p.is_dir()):
            subject = normalise_subject(subject_dir.name)
            micro = subject_dir / "micro"
            if not micro.is_dir():
                problems.append(Problem(f"{subject_dir.name}: no micro/ folder in {subject_dir}"))
                continue
            for label in SMIC_CLASSES:
                for folder in sorted(p for p in (micro / label).glob("*") if p.is_dir()):
                    frames = list_frames(folder)
                    first, last = (min(frames), max(frames)) if frames else (None, None)
                    item, found = build_clip(self.name, subject, folder.name, label, first,
                                             None if first is None else first + (last - first) // 2,
                                             last, frames, folder)
                    problems += found
                    if item is not None:
                        clips.append(item)
        return sorted(clips, key=lambda c: (c.subject, c.clip)), problems

    def _modality_root(self) -> Path:
        modality = self.config.modality.upper()
        if modality not in MODALITIES:
            raise InputError(f"smic: modality must be one of {', '.join(MODALITIES)}, "
                             f"not {self.config.modality!r}")
        bases = [self.config.frames_dir] if self.config.frames_dir else \
            ["SMIC_all_cropped", "SMIC", "."]
        for base in bases:
            if (self.root / base / modality).is_dir():
                return self.root / base / modality
        looked = ", ".join(str(self.root / b / modality) for b in bases)
        raise InputError(f"smic: no {modality} folder (looked in {looked})")


def normalise_subject(name: str) -> str:
    """``s1`` -> ``s01`` (MEGC2019 spelling); other names unchanged."""
    match = re.fullmatch(r"s(\d+)", name, re.IGNORECASE)
    return f"s{int(match.group(1)):02d}" if match else name


def normalise_clip(name: str) -> str:
    """``s1_ne_01`` -> ``s01_ne_01`` (MEGC2019 spelling)."""
    head, sep, tail = name.partition("_")
    return normalise_subject(head) + sep + tail
