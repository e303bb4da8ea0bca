"""BP4D+ (Zhang et al., 2016): ~140 subjects, AU-coded tasks T1, T6, T7, T8.

Layout read (DATASETS.md 1.2, rPPG-Toolbox ``BP4DPlusBigSmallLoader.py``): frames in
``2D+3D/<Subject>.zip`` (entries ``<Subject>/<Task>/*.jpg``), occurrence CSVs
``AUCoding/AU_OCC/<Subject>_<Task>.csv`` whose column 0 is the frame number and whose next 34
columns are AUs 1..39 **by position** (the release's header is not relied on), intensity
``AUCoding/AU_INT/AUxx/<Subject>_<Task>_AUxx.csv``. Values outside {0, 1} are unknown.
No split is published: folds are a seeded subject-exclusive k-fold (``k``, ``seed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from aucli.data import DATASETS
from aucli.data.base import Problem
from aucli.data.bp4d import BP4D
from aucli.data.sheets import occurrence, read_csv
from aucli.data.splits import kfold_subjects
from aucli.errors import InputError

CSV_AUS = (1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 22, 23, 24, 27, 28,
           29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39)


@dataclass(frozen=True)
class BP4DPlusConfig:
    """Where the BP4D+ release keeps its files, and the subject folds (none are published)."""

    labels_dir: str = "AUCoding/AU_OCC"
    """Folder of the per subject-task occurrence CSVs."""
    intensity_dir: str = "AUCoding/AU_INT"
    """Folder with one AUxx sub-folder of intensity CSVs; intensities are skipped when absent."""
    image_dirs: tuple[str, ...] = ("2D+3D", ".")
    """Folders searched for ``<Subject>.zip`` or extracted ``<Subject>/<Task>/`` frames."""
    k: int = 3
    """Number of subject-exclusive folds reported by ``check`` (no published split exists)."""
    seed: int = 0
    """Seed of the subject shuffle behind the k folds."""


@DATASETS.register("bp4d+")
class BP4DPlus(BP4D):
    """BP4D+ occurrence on BP4D's 12 benchmark AUs, read by column position."""

    name: ClassVar[str] = "bp4d+"
    config_class: ClassVar[type] = BP4DPlusConfig

    def fold_subjects(self, subjects: list[str]) -> dict[str, tuple[list[str], list[str]]]:
        k = min(self.config.k, len(set(subjects)))
        return {f"fold{f}": kfold_subjects(subjects, k, f, self.config.seed)
                for f in range(1, k + 1)}

    def reference_test_items(self) -> dict[str, int]:
        return {}

    def _unknown(self, subjects: list[str]) -> list[Problem]:  # noqa: ARG002 - no subject list
        return []

    def _read_labels(self, path: Path) -> dict[int, np.ndarray]:
        _, rows = read_csv(path)
        width = 1 + len(CSV_AUS)
        if rows and len(rows[0]) < width:
            raise InputError(f"{path}: {len(rows[0])} columns, expected frame + 34 AU columns")
        cols = [1 + CSV_AUS.index(au) for au in self.aus]
        return {int(float(r[0])): occurrence([r[c] for c in cols]) for r in rows}
