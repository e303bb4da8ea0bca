"""CAS(ME)3 part A (Li et al., 2022): long takes with micro-expressions coded by frame index.

Layout read (DATASETS.md 2.4 note, HTNet ``cas(me)3_part_A_edited.csv``): the sheet
``cas(me)3_part_A_ME_label_JpgIndex_v2.xlsx`` with columns Subject, Filename, Onset, Apex,
Offset, AU, Objective class, emotion, and frames ``<Subject>/<Filename>/color/<n>.jpg``. One
folder is a whole take holding several clips, so a clip id is ``<Filename>_<onset>``.
Default protocol: 3 classes (HTNet); 4 and 7 classes are options.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from aucli.data import DATASETS
from aucli.data.base import MEClip, Problem
from aucli.data.clips import ClassSet, SheetMELoader, build_clip, find_sheet, identity
from aucli.data.files import list_frames
from aucli.data.sheets import as_int, parse_aus, records

_NEGATIVE = ("disgust", "fear", "anger", "sad")
CLASS_SETS = {
    "3": ClassSet(("negative", "positive", "surprise"),
                  {"happy": "positive", "surprise": "surprise",
                   **{e: "negative" for e in _NEGATIVE}}),
    "4": ClassSet(("negative", "positive", "surprise", "others"),
                  {"happy": "positive", "surprise": "surprise", "others": "others",
                   **{e: "negative" for e in _NEGATIVE}}),
    "7": identity("others", "happy", "surprise", "sad", "disgust", "fear", "anger"),
}
SHEETS = ("cas(me)3_part_A*.xls*", "*part_A*.xls*", "*/cas(me)3_part_A*.xls*")
_COLUMNS = ("Subject", "Filename", "Onset", "Apex", "Offset", "AU", "emotion")


@dataclass(frozen=True)
class CASME3Config:
    """CAS(ME)3 part A files and class protocol."""

    classes: str = "3"
    """Class set: 3 (negative, positive, surprise), 4 (+ others) or 7 (all emotions)."""
    sheet: str = ""
    """Coding sheet relative to the root; empty finds cas(me)3_part_A*.xlsx."""
    frames_dir: str = "."
    """Folder holding <Subject>/<Filename>/color/, relative to the root."""


@DATASETS.register("casme3")
class CASME3(SheetMELoader):
    """CAS(ME)3 part A micro-expression clips."""

    class_sets: ClassVar[dict[str, ClassSet]] = CLASS_SETS
    name: ClassVar[str] = "casme3"
    config_class: ClassVar[type] = CASME3Config

    def scan(self) -> tuple[list[MEClip], list[Problem]]:
        class_set = self.class_set()
        sheet = find_sheet(self.root, self.config.sheet, SHEETS, self.name)
        frames_cache: dict[str, dict[int, str]] = {}
        clips: list[MEClip] = []
        problems: list[Problem] = []
        for row in records(sheet, _COLUMNS):
            emotion = str(row["emotion"] or "").strip().lower()
            if emotion not in class_set.mapping or row["subject"] is None:
                continue
            subject, take = str(row["subject"]).strip(), str(row["filename"]).strip()
            folder = self.root / self.config.frames_dir / subject / take / "color"
            if str(folder) not in frames_cache:
                frames_cache[str(folder)] = list_frames(folder)
            onset = as_int(row["onset"])
            item, found = build_clip(
                self.name, subject, f"{take}_{onset}", class_set.mapping[emotion], onset,
                as_int(row["apex"]), as_int(row["offset"]), frames_cache[str(folder)], folder,
                apex_cell=row["apex"], aus=parse_aus(row["au"]), emotion=emotion)
            problems += found
            if item is not None:
                clips.append(item)
        return sorted(clips, key=lambda c: (c.subject, c.clip)), problems
