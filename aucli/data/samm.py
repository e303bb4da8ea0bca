"""SAMM (Davison et al., 2018): 32 subjects, 200 fps grayscale, 5-class LOSO by default.

Layout read (DATASETS.md 2.2): ``SAMM_Micro_FACS_Codes_v2.xlsx`` whose text preamble precedes
the header row (found by content, not by a fixed row number), columns Subject, Filename,
Onset Frame, Apex Frame, Offset Frame, Action Units, Estimated Emotion; frames
``SAMM/<subject>/<Filename>/<subject>_<frame:05d>.jpg`` (or ``SAMM_CROP/``). The subject is
taken from the Filename (``006_1_2`` -> ``006``), as MEAN does. Grayscale frames are read as
3-channel RGB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from aucli.data import DATASETS
from aucli.data.base import MEClip, Problem
from aucli.data.clips import ClassSet, SheetMELoader, build_clip, find_sheet, identity
from aucli.data.files import first_existing, list_frames
from aucli.data.sheets import as_int, parse_aus, records

_NEGATIVE = ("anger", "contempt", "disgust", "fear", "sadness")
CLASS_SETS = {
    # the common SAMM 5-class emotion protocol (disgust, fear, sadness too rare, dropped)
    "5": ClassSet(("anger", "contempt", "happiness", "surprise", "others"),
                  {"anger": "anger", "contempt": "contempt", "happiness": "happiness",
                   "surprise": "surprise", "other": "others"}),
    "megc": ClassSet(("negative", "positive", "surprise"),
                     {"happiness": "positive", "surprise": "surprise",
                      **{e: "negative" for e in _NEGATIVE}}),
    "8": identity("anger", "contempt", "disgust", "fear", "happiness", "sadness", "surprise",
                  "other"),
}
SHEETS = ("SAMM*Micro_FACS_Codes*.xls*", "SAMM*.xls*", "*/SAMM*Micro_FACS_Codes*.xls*")
_COLUMNS = ("Subject", "Filename", "Onset Frame", "Apex Frame", "Offset Frame", "Action Units",
            "Estimated Emotion")


@dataclass(frozen=True)
class SAMMConfig:
    """SAMM files and class protocol."""

    classes: str = "5"
    """Class set: 5 (anger, contempt, happiness, surprise, others), megc (3-class) or 8 (all)."""
    sheet: str = ""
    """Coding sheet relative to the root; empty finds SAMM_*Micro_FACS_Codes*.xlsx."""
    frames_dir: str = ""
    """Folder of the <subject>/<Filename>/ frame folders; empty uses SAMM_CROP/, SAMM/ or the
    root itself."""


@DATASETS.register("samm")
class SAMM(SheetMELoader):
    """SAMM clips with the sheet's onset, apex, offset, AUs and emotion."""

    class_sets: ClassVar[dict[str, ClassSet]] = CLASS_SETS
    name: ClassVar[str] = "samm"
    config_class: ClassVar[type] = SAMMConfig

    def scan(self) -> tuple[list[MEClip], list[Problem]]:
        class_set = self.class_set()
        sheet = find_sheet(self.root, self.config.sheet, SHEETS, self.name)
        frames_root = self.root / self.config.frames_dir if self.config.frames_dir else \
            first_existing(self.root / n for n in ("SAMM_CROP", "SAMM", "."))
        clips: list[MEClip] = []
        problems: list[Problem] = []
        for row in records(sheet, _COLUMNS):
            clip = str(row["filename"] or "").strip()
            emotion = str(row["estimatedemotion"] or "").strip().lower()
            if not clip or emotion not in class_set.mapping:
                continue
            subject = clip.split("_")[0].zfill(3)
            folder = frames_root / subject / clip
            item, found = build_clip(
                self.name, subject, clip, class_set.mapping[emotion],
                as_int(row["onsetframe"]), as_int(row["apexframe"]), as_int(row["offsetframe"]),
                list_frames(folder), folder,
                apex_cell=row["apexframe"], aus=parse_aus(row["actionunits"]), emotion=emotion)
            problems += found
            if item is not None:
                clips.append(item)
        return sorted(clips, key=lambda c: (c.subject, c.clip)), problems
