"""CASME II (Yan et al., 2014): 26 subjects, 200 fps, 5-class LOSO protocol by default.

Layout read (DATASETS.md 2.1): the coding sheet (``CASME2-coding-*.xlsx`` or
``CASME2_label_Ver_2.xls``; columns Subject, Filename, (unnamed), OnsetFrame, ApexFrame,
OffsetFrame, (unnamed), Action Units, Estimated Emotion -- matched by name, else by position)
and frames ``Cropped/sub01/EP02_01f/reg_img46.jpg`` or ``CASME2_RAW_selected/sub01/EP02_01f/
img46.jpg`` (the number is the absolute frame index; sorted numerically). An apex of ``/`` is
replaced by the middle frame and reported; AU cells may be strings (``4+L10``) or bare ints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from aucli.data import DATASETS
from aucli.data.base import MEClip, Problem
from aucli.data.clips import ClassSet, SheetMELoader, build_clip, find_sheet, identity
from aucli.data.files import first_existing, list_frames
from aucli.data.sheets import as_int, norm, parse_aus, records

CLASS_SETS = {
    # MMNet CASME2_5.py: fear and sadness dropped
    "5": identity("happiness", "repression", "disgust", "surprise", "others"),
    # MMNet CASME2_3.py
    "3": ClassSet(("negative", "positive", "surprise"),
                  {"happiness": "positive", "surprise": "surprise", "repression": "negative",
                   "disgust": "negative", "fear": "negative", "sadness": "negative"}),
    # MEGC2019: negative = disgust + repression only
    "megc": ClassSet(("negative", "positive", "surprise"),
                     {"happiness": "positive", "surprise": "surprise", "repression": "negative",
                      "disgust": "negative"}),
    "7": identity("happiness", "surprise", "disgust", "repression", "others", "fear", "sadness"),
}
SHEETS = ("CASME2-coding-*.xls*", "CASME2_label*.xls*", "CASME2*.xls*", "*/CASME2*.xls*")
_COLUMNS = {"Subject": 0, "Filename": 1, "OnsetFrame": 3, "ApexFrame": 4, "OffsetFrame": 5,
            "Action Units": 7, "Estimated Emotion": 8}


@dataclass(frozen=True)
class CASME2Config:
    """CASME II files and class protocol."""

    classes: str = "5"
    """Class set: 5 (MMNet), 3 (MMNet CASME2_3), megc (MEGC2019 3-class) or 7 (all emotions)."""
    sheet: str = ""
    """Coding sheet relative to the root; empty finds CASME2-coding-*.xlsx / *label*.xls."""
    frames_dir: str = ""
    """Frame folder relative to the root; empty uses Cropped/ when present, else
    CASME2_RAW_selected/."""


@DATASETS.register("casme2")
class CASME2(SheetMELoader):
    """CASME II clips with the sheet's onset, apex, offset, AUs and emotion."""

    class_sets: ClassVar[dict[str, ClassSet]] = CLASS_SETS
    name: ClassVar[str] = "casme2"
    config_class: ClassVar[type] = CASME2Config

    def scan(self) -> tuple[list[MEClip], list[Problem]]:
        class_set = self.class_set()
        sheet = find_sheet(self.root, self.config.sheet, SHEETS, self.name)
        names = list(_COLUMNS)
        rows = records(sheet, names, {n: i for n, i in _COLUMNS.items()})
        frames_root = self._frames_root()
        clips: list[MEClip] = []
        problems: list[Problem] = []
        for row in rows:
            subject_no = as_int(row["subject"])
            emotion = str(row[norm("Estimated Emotion")] or "").strip().lower()
            if subject_no is None or emotion not in class_set.mapping:
                continue
            subject, clip = f"sub{subject_no:02d}", str(row["filename"]).strip()
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

    def _frames_root(self):
        if self.config.frames_dir:
            return self.root / self.config.frames_dir
        names = ("Cropped", "CASME2_RAW_selected", "CASME2-RAW", ".")
        return first_existing(self.root / n for n in names)
