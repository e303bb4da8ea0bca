"""DISFA (Mavadati et al., 2013): 27 subjects, one 4,845-frame video each, AU intensities 0-5.

Layout read (DATASETS.md 1.3): ``ActionUnit_Labels/<SN>/<SN>_au<k>.txt`` with ``frameIdx,
intensity`` lines, frameIdx **1-based**; frames either extracted per subject (ME-GraphAU
``<SN>/<t>.png`` and JAA-Net ``<SN>/<t>.jpg`` are 0-based, ``frame-<k>.jpg`` is 1-based) or
decoded from ``Videos_LeftCamera/LeftVideo<SN>_comp.avi``. Label line i = video frame i = image
index i - 1. Occurrence = intensity >= ``threshold`` (2 in the benchmarks, 1 in OpenGraphAU's
hybrid set). ``AUSample.intensity`` holds all 12 coded AUs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from aucli.data import DATASETS
from aucli.data.base import AULoader, AUSample, Problem
from aucli.data.files import list_frames, video_length
from aucli.data.report import missing_images, unknown_subjects
from aucli.data.sheets import read_pairs
from aucli.data.splits import fold_names, fold_subjects, parts, spec
from aucli.errors import InputError

DISFA_AUS = (1, 2, 4, 6, 9, 12, 25, 26)
DISFA_CODED_AUS = (1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26)


@dataclass(frozen=True)
class DISFAConfig:
    """DISFA file locations and the occurrence rule."""

    threshold: int = 2
    """An AU occurs when its intensity is >= threshold (2: ME-GraphAU/JAA-Net; 1: OpenGraphAU)."""
    labels_dir: str = "ActionUnit_Labels"
    """Folder of the per-subject ``<SN>_au<k>.txt`` files."""
    image_dirs: tuple[str, ...] = (".", "img", "Images", "images")
    """Folders searched for extracted ``<SN>/`` frame folders."""
    image_index_base: int = -1
    """Number of the first video frame in image names; -1 infers it (``frame-<k>`` names are
    1-based, plain numbers 0-based)."""
    camera: str = "Left"
    """Video camera when frames are decoded from ``Videos_<camera>Camera``: Left or Right."""


@DATASETS.register("disfa")
class DISFA(AULoader):
    """DISFA occurrence on the 8 benchmark AUs, intensities for all 12 coded AUs."""

    name: ClassVar[str] = "disfa"
    config_class: ClassVar[type] = DISFAConfig
    aus: tuple[int, ...] = DISFA_AUS
    intensity_aus: tuple[int, ...] = DISFA_CODED_AUS

    def scan(self) -> tuple[list[AUSample], list[Problem]]:
        label_root = self.root / self.config.labels_dir
        subjects = sorted(p.name for p in label_root.iterdir() if p.is_dir()) \
            if label_root.is_dir() else []
        if not subjects:
            raise InputError(f"{self.name}: no subject folders <SN> in {label_root}")
        samples: list[AUSample] = []
        problems: list[Problem] = []
        for sn in subjects:
            table, found = self._read_subject(label_root / sn, sn, problems)
            if table is None:
                continue
            images, looked = self._images(sn)
            if not images:
                problems.append(Problem(f"no frames for {sn}: looked in {', '.join(looked)}",
                                        fatal=True))
                continue
            occ = np.where(np.isnan(table), -1, table >= self.config.threshold).astype(np.int8)
            cols = [DISFA_CODED_AUS.index(au) for au in self.aus]
            missing = [f for f in found if f not in images]
            problems += missing_images(sn, missing)
            samples += [AUSample(sn, sn, f, images[f], occ[i, cols], table[i].copy())
                        for i, f in enumerate(found) if f in images]
        problems += unknown_subjects(sorted({s.subject for s in samples}),
                                     [s for p in parts("disfa").values() for s in p], "DISFA")
        return samples, problems

    def fold_subjects(self, subjects: list[str]  # noqa: ARG002 - DISFA's folds are fixed lists
                      ) -> dict[str, tuple[list[str], list[str]]]:
        return {f: fold_subjects("disfa", f) for f in fold_names("disfa")}

    def reference_test_items(self) -> dict[str, int]:
        return dict(spec()["DISFA"]["frames_per_test_fold_ME-GraphAU"])

    def _read_subject(self, folder: Path, sn: str, problems: list[Problem],
                      ) -> tuple[np.ndarray | None, list[int]]:
        """[frames, 12] float32 intensities (NaN unknown) and the 1-based frame numbers."""
        columns: dict[int, dict[int, float]] = {}
        for au in DISFA_CODED_AUS:
            path = folder / f"{sn}_au{au}.txt"
            if path.is_file():
                columns[au] = dict(read_pairs(path))
            elif au in self.aus:
                problems.append(Problem(f"missing label file {path}", fatal=True))
                return None, []
            else:
                problems.append(Problem(f"missing label file {path} (intensity left unknown)"))
        frames = sorted(set().union(*(c.keys() for c in columns.values())))
        lengths = {len(c) for c in columns.values()}
        if len(lengths) > 1:
            problems.append(Problem(f"{sn}: AU files disagree on length ({sorted(lengths)})"))
        table = np.full((len(frames), len(DISFA_CODED_AUS)), np.nan, np.float32)
        for j, au in enumerate(DISFA_CODED_AUS):
            col = columns.get(au, {})
            table[:, j] = [col.get(f, np.nan) for f in frames]
        table[(table < 0) | (table > 5)] = np.nan
        return table, frames

    def _images(self, sn: str) -> tuple[dict[int, str], list[str]]:
        """1-based label frame -> image reference."""
        looked = []
        for name in self.config.image_dirs:
            folder = self.root / name / sn
            looked.append(str(folder))
            frames = list_frames(folder)
            if frames:
                base = self.config.image_index_base
                if base < 0:
                    first = Path(next(iter(frames.values()))).name.lower()
                    base = 1 if first.startswith("frame") else 0
                return {n - base + 1: ref for n, ref in frames.items()}, looked
        cam = self.config.camera
        video = self.root / f"Videos_{cam}Camera" / f"{cam}Video{sn}_comp.avi"
        looked.append(str(video))
        if video.is_file():
            return {i + 1: f"{video}::{i}" for i in range(video_length(str(video)))}, looked
        return {}, looked
