"""BP4D-Spontaneous (Zhang et al., 2014): 41 subjects x 8 tasks, 12 benchmark AUs.

Layout read (DATASETS.md 1.1): ``AUCoding/AU_OCC/<Subject>_<Task>.csv`` (header of integers,
column ``"0"`` the frame number, the others named by AU number; 0 absent, 1 present, 9 not
coded), frames ``<Subject>/<Task>/<frame>.jpg`` either extracted (``0643.jpg`` or ``643.jpg``)
or inside the release's ``2D+3D/<Subject>.zip``, and the FERA-2015 intensity subset
``AU Intensity Codes3.0/AU06/<Subject>_<Task>_AU06.csv`` (``frame,intensity``, 9 invalid).
Only the coded segment of each task is returned. AU columns are selected by header name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from aucli.data import DATASETS
from aucli.data.base import AULoader, AUSample, Problem
from aucli.data.files import list_frames, zip_frames
from aucli.data.report import missing_images, unknown_subjects
from aucli.data.sheets import occurrence, read_csv, read_pairs
from aucli.data.splits import fold_names, fold_subjects, parts, protocol_subjects, spec
from aucli.errors import InputError

BP4D_AUS = (1, 2, 4, 6, 7, 10, 12, 14, 15, 17, 23, 24)
BP4D_INTENSITY_AUS = (6, 10, 12, 14, 17)


@dataclass(frozen=True)
class BP4DConfig:
    """Where the BP4D release keeps its files, relative to the root."""

    labels_dir: str = "AUCoding/AU_OCC"
    """Folder of the per subject-task occurrence CSVs."""
    intensity_dir: str = "AU Intensity Codes3.0"
    """Folder with one AUxx sub-folder of intensity CSVs; intensities are skipped when absent."""
    image_dirs: tuple[str, ...] = (".", "2D+3D", "img")
    """Folders searched for ``<Subject>/<Task>/`` frame folders or ``<Subject>.zip`` (``img``:
    ME-GraphAU's extracted layout)."""


@DATASETS.register("bp4d")
class BP4D(AULoader):
    """BP4D occurrence (12 AUs) with the FERA-2015 intensity subset when present."""

    name: ClassVar[str] = "bp4d"
    config_class: ClassVar[type] = BP4DConfig
    aus: tuple[int, ...] = BP4D_AUS
    intensity_aus: tuple[int, ...] = BP4D_INTENSITY_AUS

    def scan(self) -> tuple[list[AUSample], list[Problem]]:
        label_dir = self.root / self.config.labels_dir
        files = sorted(label_dir.glob("*_*.csv")) if label_dir.is_dir() else []
        if not files:
            raise InputError(f"{self.name}: no occurrence CSVs <Subject>_<Task>.csv in {label_dir}")
        samples: list[AUSample] = []
        problems: list[Problem] = []
        for path in files:
            subject, task = path.stem.split("_", 1)
            frames, looked = self._frames(subject, task)
            if not frames:
                problems.append(Problem(f"no frames for {subject}/{task}: looked in "
                                        + ", ".join(looked), fatal=True))
                continue
            labels = self._read_labels(path)
            intensity = self._read_intensity(subject, task)
            problems += missing_images(f"{subject}/{task}", [f for f in labels if f not in frames])
            samples += [
                AUSample(subject, task, f, frames[f], row,
                         _pick(intensity, f, len(self.intensity_aus)))
                for f, row in labels.items() if f in frames
            ]
        problems += self._unknown(sorted({s.subject for s in samples}))
        return samples, problems

    def fold_subjects(self, subjects: list[str]  # noqa: ARG002 - BP4D's folds are fixed lists
                      ) -> dict[str, tuple[list[str], list[str]]]:
        folds = {f: fold_subjects("bp4d", f) for f in fold_names("bp4d")}
        return {**folds, "fera2015": protocol_subjects("bp4d", "fera2015")}

    def reference_test_items(self) -> dict[str, int]:
        return dict(spec()["BP4D"]["frames_per_test_fold_ME-GraphAU"])

    def _unknown(self, subjects: list[str]) -> list[Problem]:
        return unknown_subjects(subjects, [s for p in parts("bp4d").values() for s in p], "BP4D")

    def _frames(self, subject: str, task: str) -> tuple[dict[int, str], list[str]]:
        looked = []
        for name in self.config.image_dirs:
            base = self.root / name
            folder, archive = base / subject / task, base / f"{subject}.zip"
            looked += [str(folder), str(archive)]
            frames = list_frames(folder)
            if not frames and archive.is_file():
                index = zip_frames(str(archive))
                frames = index.get(f"{subject}/{task}") or index.get(task, {})
            if frames:
                return frames, looked
        return {}, looked

    def _read_labels(self, path: Path) -> dict[int, np.ndarray]:
        """frame -> int8 [C] labels, the AU columns picked by header name."""
        header, rows = read_csv(path)
        try:
            cols = [header.index(str(au)) for au in self.aus]
        except ValueError:
            missing = [au for au in self.aus if str(au) not in header]
            raise InputError(f"{path}: header has no column for AU {missing}") from None
        return {int(float(r[0])): occurrence([r[c] for c in cols]) for r in rows}

    def _read_intensity(self, subject: str, task: str) -> dict[int, np.ndarray] | None:
        folder = self.root / self.config.intensity_dir
        if not folder.is_dir():
            return None
        table: dict[int, np.ndarray] = {}
        for j, au in enumerate(self.intensity_aus):
            path = folder / f"AU{au:02d}" / f"{subject}_{task}_AU{au:02d}.csv"
            if not path.is_file():
                continue
            for frame, value in read_pairs(path):
                row = table.setdefault(frame, np.full(len(self.intensity_aus), np.nan, np.float32))
                row[j] = value if 0 <= value <= 5 else np.nan
        return table


def _pick(table: dict[int, np.ndarray] | None, frame: int, n: int) -> np.ndarray | None:
    if table is None:
        return None
    return table.get(frame, np.full(n, np.nan, np.float32))
