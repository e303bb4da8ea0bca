"""A ``datasets prepare`` cache read as a dataset: aligned crops, labels and landmarks.

``aucli train METHOD --dataset prepared --root CACHE --fold K`` trains on the crops that the
extract stages aligned, with the folds of the dataset the cache was made from, and hands the
crop-space landmarks to the methods that use them (MARL's AU maps).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from aucli.data import DATASETS
from aucli.data.base import AULoader, AUSample, Problem
from aucli.errors import InputError

# The cache format, shared by ``aucli.extract.prepare`` (the writer) and this loader (the reader).
INDEX = "index.parquet"
META_KEY = "aucli.prepare"


def part_path(cache: Path, part: int) -> Path:
    """One chunk's index, written atomically after its crops."""
    return Path(cache) / "parts" / f"part-{part:05d}.parquet"


def read_index(cache: Path) -> tuple[Any, dict[str, Any]]:
    """The prepared index table and its ``aucli.prepare`` metadata."""
    import json

    import pyarrow.parquet as pq

    table = pq.read_table(Path(cache) / INDEX)
    return table, json.loads(table.schema.metadata[META_KEY.encode()])


@DATASETS.register("prepared")
class Prepared(AULoader):
    """The index written by ``aucli datasets prepare`` (frames of AU or expression sets)."""

    name: ClassVar[str] = "prepared"
    aligned: ClassVar[bool] = True  # images are face crops already: no prepare cache

    def _index(self) -> tuple[Any, dict[str, Any]]:
        if not (self.root / INDEX).is_file():
            raise InputError(f"prepared: no {INDEX} in {self.root}; run `aucli datasets prepare` first")
        table, meta = read_index(self.root)
        if meta["kind"] == "me":
            raise InputError(f"prepared: {self.root} holds micro-expression clips, not frames")
        return table, meta

    @property
    def aus(self) -> tuple[int, ...]:  # type: ignore[override]
        return tuple(self._index()[1]["aus"])

    @property
    def classes(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(self._index()[1]["classes"])

    def scan(self) -> tuple[list[AUSample], list[Problem]]:
        table, _ = self._index()
        samples, problems = [], []
        for row in table.to_pylist():
            crop = self.root / row["crop"]
            if not crop.is_file():
                problems.append(Problem(f"missing crop {crop}"))
                continue
            intensity = row.get("intensity")
            samples.append(AUSample(
                row["subject"], row["sequence"], row["frame"], str(crop),
                np.asarray(row["labels"], np.int8),
                None if intensity is None else np.asarray(intensity, np.float32),
                row["expression"], row.get("split", "")))
        return samples, problems

    def landmarks_for(self, samples: list[AUSample]) -> np.ndarray:
        """[N, 68, 2] crop-pixel landmarks of ``samples``; NaN where none (no face, other data)."""
        table, _ = self._index()
        by_crop = {str(self.root / c): lm for c, lm in zip(table.column("crop").to_pylist(),
                                                           table.column("landmarks").to_pylist())}
        out = np.full((len(samples), 68, 2), np.nan, np.float32)
        for i, s in enumerate(samples):
            lm = by_crop.get(s.image)
            if lm is not None:
                out[i] = np.asarray(lm, np.float32).reshape(68, 2)
        return out

    def fold_subjects(self, subjects: list[str]) -> dict[str, tuple[list[str], list[str]]]:
        """The folds of the dataset the cache was prepared from."""
        from aucli.data.splits import fold_names, fold_subjects

        _, meta = self._index()
        source = DATASETS.get(meta["dataset"])(Path(meta["root"]), **meta.get("options", {}))
        folds = source.fold_subjects(subjects)
        if not folds:
            try:
                folds = {f: fold_subjects(meta["dataset"], f) for f in fold_names(meta["dataset"])}
            except (KeyError, InputError):
                folds = {}
        return folds
