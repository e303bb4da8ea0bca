"""An aucli Parquet read for looking at: AU columns in FACS order, per-face tracks, the video check.

Render, plot and report all start here, so a face, its AU selection and its colour are the same
in the annotated video, the figures and the HTML report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from aucli.errors import InputError
from aucli.ops.blendshapes import AU_FROM_BLENDSHAPES

_AU = re.compile(r"^AU(\d+)_([rc])$")
# FACS names beyond the blendshape table, for AUs the trained datasets code (BP4D, DISFA, GFT)
_MORE_NAMES = {11: "nasolabial deepener", 13: "cheek puffer", 23: "lip tightener",
               25: "lips part", 27: "mouth stretch", 43: "eyes closed"}


def au_number(column: str) -> int:
    match = _AU.match(column)
    if match is None:
        raise ValueError(f"not an AU column: {column!r}")
    return int(match.group(1))


def au_name(au: int) -> str:
    """``AU12 lip corner puller`` (the number alone when FACS naming is unknown here)."""
    name = AU_FROM_BLENDSHAPES.get(au, (_MORE_NAMES.get(au, ""),))[0]
    return f"AU{au:02d} {name}".strip()


def au_columns(names: list[str], kind: str = "r") -> list[str]:
    """The ``AUxx_<kind>`` columns among ``names``, ordered by FACS number."""
    cols = [n for n in names if (m := _AU.match(n)) and m.group(2) == kind]
    return sorted(cols, key=au_number)


def pick_aus(columns: list[str], wanted: list[int] | tuple[int, ...], source: str) -> list[str]:
    """Exactly the columns of ``wanted`` AUs (in the order given); a one-line error names the rest."""
    by_number = {au_number(c): c for c in columns}
    missing = [a for a in wanted if a not in by_number]
    if missing:
        have = ", ".join(str(au_number(c)) for c in columns) or "none"
        raise InputError(f"{source}: no AU columns for {', '.join(map(str, missing))} "
                         f"(this file has AUs {have})")
    return [by_number[a] for a in wanted]


def most_variable(values: dict[str, np.ndarray], k: int) -> list[str]:
    """The ``k`` columns with the largest standard deviation, returned in FACS order."""
    spread = {c: float(np.nanstd(v)) if np.isfinite(v).any() else -1.0 for c, v in values.items()}
    top = sorted(spread, key=lambda c: -spread[c])[:k]
    return sorted(top, key=au_number)


@dataclass
class Track:
    """One face through a video: its rows' frames, times and AU values."""

    face_id: int
    frame: np.ndarray  # [T] int
    time: np.ndarray  # [T] seconds
    au: dict[str, np.ndarray] = field(default_factory=dict)  # column -> [T] float (NaN = missing)

    @property
    def duration(self) -> float:
        return float(self.time[-1] - self.time[0]) if len(self.time) else 0.0

    def chosen(self, wanted: list[int] | tuple[int, ...], k: int, kind: str = "r") -> list[str]:
        """``wanted`` AUs exactly (those this track has), else its ``k`` most variable."""
        cols = au_columns(list(self.au), kind)
        if wanted:
            keep = set(wanted)
            return [c for c in cols if au_number(c) in keep]
        return most_variable({c: self.au[c] for c in cols}, k)


def runs(all_frames: np.ndarray, frames: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) positions in ``frames`` of each stretch with no frame of ``all_frames``
    (the video's processed frames, sorted) skipped: where a face was seen without a break."""
    where = np.searchsorted(all_frames, frames)
    breaks = np.flatnonzero(np.diff(where) > 1)
    return list(zip(np.r_[0, breaks + 1].tolist(), np.r_[breaks, len(where) - 1].tolist()))


@dataclass
class Extraction:
    """A whole Parquet: every frame's time (faces or not) and the tracks."""

    path: Path
    frames: np.ndarray  # [F] unique frame indices, sorted
    times: np.ndarray  # [F] their timestamps
    faces_per_frame: np.ndarray  # [F] faces found in each frame
    tracks: list[Track]
    metadata: dict[str, Any]

    @property
    def au_r(self) -> list[str]:
        return au_columns(list(self.tracks[0].au), "r") if self.tracks else []

    @property
    def au_c(self) -> list[str]:
        return au_columns(list(self.tracks[0].au), "c") if self.tracks else []


def read_extraction(path: str | Path) -> Extraction:
    """Frames, times, faces per frame and one :class:`Track` per ``face_id`` (AU columns only)."""
    import pyarrow.parquet as pq

    from aucli.extract.parquet import read_metadata

    path = Path(path)
    try:
        names = pq.read_schema(path).names
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise InputError(f"{path}: not a readable Parquet file ({exc})"[:300]) from None
    for needed in ("timestamp", "face_id"):
        if needed not in names:
            raise InputError(f"{path}: no {needed!r} column; is this an `aucli extract` output?")
    aus = au_columns(names, "r") + au_columns(names, "c")
    table = pq.read_table(path, columns=[c for c in ("frame", "timestamp", "face_id") if c in names] + aus)
    time = table.column("timestamp").to_numpy().astype(np.float64)
    if "frame" in names:
        frame = table.column("frame").to_numpy().astype(np.int64)
    else:  # a table from elsewhere: one frame per distinct timestamp
        frame = np.unique(time, return_inverse=True)[1].astype(np.int64)
    ids = table.column("face_id").to_numpy(zero_copy_only=False).astype(np.float64)
    frames, first = np.unique(frame, return_index=True)
    has_face = ~np.isnan(ids)
    counts = np.bincount(np.searchsorted(frames, frame[has_face]), minlength=len(frames))
    values = {c: table.column(c).to_numpy(zero_copy_only=False).astype(np.float32) for c in aus}
    tracks = []
    for fid in np.unique(ids[has_face]).astype(int):
        rows = np.flatnonzero(ids == fid)
        rows = rows[np.argsort(frame[rows], kind="stable")]
        tracks.append(Track(int(fid), frame[rows], time[rows], {c: v[rows] for c, v in values.items()}))
    return Extraction(path, frames, time[first], counts, tracks, read_metadata(path))


def check_same_video(parquet: Path, info: Any) -> None:
    """Fail with one line when ``parquet`` was not extracted from the video ``info`` describes.

    Compares size and the sha256 of the first MiB (what ``aucli.video`` stores to identify a file).
    """
    from aucli.extract.parquet import read_metadata

    meta = read_metadata(parquet).get("aucli.video")
    if meta is None:
        raise InputError(f"{parquet}: no aucli.video metadata, so it cannot be matched to "
                         f"{info.path}; use an `aucli extract` output")
    if (meta.get("size"), meta.get("head_sha256")) != (info.size, info.head_sha256):
        raise InputError(
            f"{parquet} was extracted from {meta.get('path')} ({meta.get('width')}x"
            f"{meta.get('height')}, {meta.get('frames')} frames, {meta.get('size')} bytes), not "
            f"from {info.path} ({info.width}x{info.height}, {info.frames} frames, {info.size} "
            "bytes); pass the matching -p PARQUET, or another -p path to extract this video anew")
