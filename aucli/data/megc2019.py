"""MEGC2019 composite (See et al., 2019): CASME II + SAMM + SMIC-HS, 3 classes, 68-subject LOSO.

The sample list is the canonical 442 clips (STSTNet ``video442subName.txt`` = HTNet CSV), shipped
with aucli; ``sample_list`` may point at another list in the same or HTNet's column format. Its
labels are ground truth (DATASETS.md 2.4); a sheet emotion that maps to another class is
reported. Clips come from the three source loaders under ``casme2_root``, ``samm_root`` and
``smic_root`` (relative to the root); ``MEClip.dataset`` names the source (casme2, samm, smic)
for the per-source breakdown, and clip / subject names are the list's spelling.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

from aucli.data import DATASETS
from aucli.data.base import MEClip, MELoader, Problem
from aucli.data.casme2 import CASME2
from aucli.data.casme2 import CLASS_SETS as CASME2_SETS
from aucli.data.samm import CLASS_SETS as SAMM_SETS
from aucli.data.samm import SAMM
from aucli.data.smic import SMIC, normalise_clip
from aucli.data.splits import MEGC2019_CLASSES, megc2019_list


@dataclass(frozen=True)
class MEGC2019Config:
    """Where the three sources are, and which sample list to use."""

    casme2_root: str = "CASME2"
    """CASME II root, relative to the root."""
    samm_root: str = "SAMM"
    """SAMM root, relative to the root."""
    smic_root: str = "SMIC"
    """SMIC root (holding HS/ or SMIC_all_cropped/HS), relative to the root."""
    sample_list: str = ""
    """CSV sample list; empty uses the packaged canonical 442-clip list."""


@DATASETS.register("megc2019")
class MEGC2019(MELoader):
    """The composite 3-class set, clips in sample-list order."""

    name: ClassVar[str] = "megc2019"
    config_class: ClassVar[type] = MEGC2019Config
    classes: tuple[str, ...] = MEGC2019_CLASSES

    def scan(self) -> tuple[list[MEClip], list[Problem]]:
        wanted = megc2019_list(self._list_path())
        found: dict[tuple[str, str, str], MEClip] = {}  # CASME II reuses clip names across subjects
        problems: list[Problem] = []
        needed = {row["dataset"] for row in wanted}
        for source, loader in self._sources().items():
            if source not in needed:
                continue
            clips, source_problems = loader.walk()
            problems += [Problem(f"{source}: {p.message}") for p in source_problems
                         if not p.fatal]
            found.update({(source, c.subject, _list_clip(source, c.clip)): c for c in clips})
        out = []
        for row in wanted:
            clip = found.get((row["dataset"], row["subject"], row["clip"]))
            if clip is None:
                problems.append(Problem(f"{row['dataset']} {row['subject']}/{row['clip']} from "
                                        f"the sample list was not found", fatal=True))
                continue
            out.append(dataclasses.replace(clip, subject=row["subject"], clip=row["clip"],
                                           label=row["label"]))
            mapped_label = _MEGC_MAPS[row["dataset"]].get(clip.emotion, clip.label)
            if mapped_label != row["label"]:
                problems.append(Problem(f"{row['dataset']} {row['clip']}: sheet emotion "
                                        f"{clip.emotion!r} but list label {row['label']!r} (kept)"))
        return out, problems

    def _list_path(self):
        return self.root / self.config.sample_list if self.config.sample_list else None

    def _sources(self) -> dict[str, MELoader]:
        return {
            "casme2": CASME2(self.root / self.config.casme2_root, classes="7"),
            "samm": SAMM(self.root / self.config.samm_root, classes="8"),
            "smic": SMIC(self.root / self.config.smic_root, modality="HS"),
        }


def _list_clip(source: str, clip: str) -> str:
    return normalise_clip(clip) if source == "smic" else clip


# the sheet emotion -> MEGC class maps, to report where a sheet disagrees with the list
_MEGC_MAPS = {"casme2": CASME2_SETS["megc"].mapping, "samm": SAMM_SETS["megc"].mapping, "smic": {}}
