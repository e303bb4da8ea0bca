"""GFT, the Sayette Group Formation Task (Girard et al., 2017): 96 participants, 10 AUs.

No public loader exists (DATASETS.md 1.4), so this one reads the distribution as a partition
file plus per-video frame CSVs with BP4D's 0/1/9 semantics:

- ``partition.csv``: ``subject,split`` rows (the database's own train/test partition);
- ``AU_OCC/<video>.csv``: header row, first column the frame number, other columns named by
  AU number (``1`` or ``AU1`` / ``AU01``), values 0 absent, 1 present, 9 not coded;
- ``images/<video>/<n>.jpg`` frames (numbers matched as integers).

The video name (``001A``: group 001, seat A) is the subject id. All paths are options.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from aucli.data import DATASETS
from aucli.data.base import AULoader, AUSample, Problem
from aucli.data.files import list_frames
from aucli.data.report import missing_images
from aucli.data.sheets import occurrence, read_csv
from aucli.errors import InputError

GFT_AUS = (1, 2, 4, 6, 10, 12, 14, 15, 23, 24)


@dataclass(frozen=True)
class GFTConfig:
    """Where the GFT files are, relative to the root."""

    partition_file: str = "partition.csv"
    """CSV of ``subject,split`` rows; subjects missing from it are reported."""
    labels_dir: str = "AU_OCC"
    """Folder of the per-video occurrence CSVs."""
    image_dir: str = "images"
    """Folder of the per-video frame folders."""


@DATASETS.register("gft")
class GFT(AULoader):
    """GFT occurrence on the 10 benchmark AUs; ``AUSample.split`` is the official partition."""

    name: ClassVar[str] = "gft"
    config_class: ClassVar[type] = GFTConfig
    aus: tuple[int, ...] = GFT_AUS

    def scan(self) -> tuple[list[AUSample], list[Problem]]:
        partition = self._partition()
        label_dir = self.root / self.config.labels_dir
        files = sorted(label_dir.glob("*.csv")) if label_dir.is_dir() else []
        if not files:
            raise InputError(f"{self.name}: no per-video CSVs in {label_dir}")
        samples: list[AUSample] = []
        problems: list[Problem] = []
        for path in files:
            video = path.stem
            folder = self.root / self.config.image_dir / video
            frames = list_frames(folder)
            if not frames:
                problems.append(Problem(f"no frames for {video}: looked in {folder}", fatal=True))
                continue
            if video not in partition:
                problems.append(Problem(f"unknown subject {video} (not in the partition file)"))
            header, rows = read_csv(path)
            cols = self._columns(header, path)
            missing = []
            for row in rows:
                frame = int(float(row[0]))
                if frame not in frames:
                    missing.append(frame)
                    continue
                labels = occurrence([row[c] for c in cols])
                samples.append(AUSample(video, video, frame, frames[frame], labels,
                                        split=partition.get(video, "")))
            problems += missing_images(video, missing)
        return samples, problems

    def _partition(self) -> dict[str, str]:
        path = self.root / self.config.partition_file
        if not path.is_file():
            raise InputError(f"{self.name}: partition file not found: {path}")
        header, rows = read_csv(path)
        lower = [h.lower() for h in header]
        if "subject" not in lower or "split" not in lower:
            raise InputError(f"{path}: header must name 'subject' and 'split' columns")
        i, j = lower.index("subject"), lower.index("split")
        return {r[i].strip(): r[j].strip().lower() for r in rows}

    def _columns(self, header: list[str], path) -> list[int]:
        numbers = [_au_number(h) for h in header]
        try:
            return [numbers.index(au) for au in self.aus]
        except ValueError:
            missing = [au for au in self.aus if au not in numbers]
            raise InputError(f"{path}: header has no column for AU {missing}") from None


def _au_number(name: str) -> int | None:
    match = re.fullmatch(r"(?:AU)?0*(\d+)", name.strip(), re.IGNORECASE)
    return int(match.group(1)) if match else None
