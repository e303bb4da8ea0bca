"""Reading a micro-expression clip (video span or frame folder) and finding its face.

Frame folders are sorted by the integer in the file name, never lexicographically
(DATASETS.md §2.1: ``img46.jpg``, ``006_05562.jpg``, ``image106720.bmp``); onset/apex/offset
for a folder are those numbers. For a video they are 0-based decoded frame indices.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aucli.data.files import list_frames, read_image
from aucli.errors import InputError


@dataclass
class Clip:
    """Frames onset..end of one clip and where they came from."""

    source: str
    name: str
    numbers: list[int]  # frame number (folder) or decoded index (video) of each frame
    frames: list[np.ndarray]  # RGB uint8
    apex: int  # index into frames
    offset: int | None  # frame number / index, when known
    times: list[float] | None = None

    @property
    def onset(self) -> int:
        return self.numbers[0]


def _span(numbers: list[int], onset: int | None, apex: int | None, offset: int | None,
          where: str) -> tuple[int, int, int | None]:
    """Check the key frames against the available numbers; return (onset, apex, end)."""
    onset = numbers[0] if onset is None else onset
    end = numbers[-1] if offset is None else offset
    apex = onset + (end - onset) // 2 if apex is None else apex  # meb's SMIC rule
    if not onset < apex <= end:
        raise InputError(f"{where}: need onset < apex <= offset, got {onset}, {apex}, {end}")
    missing = [n for n in (onset, apex, end) if n not in numbers]
    if missing:
        have = f"{numbers[0]}..{numbers[-1]}"
        raise InputError(f"{where}: no frame numbered {missing[0]} (have {have})")
    return onset, apex, end


def load_dir_clip(folder: Path, onset: int | None = None, apex: int | None = None,
                  offset: int | None = None) -> Clip:
    """Frames of a clip folder; defaults: onset first, offset last, apex in the middle."""
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    files = list_frames(folder)  # frame number -> path, in numeric order
    if len(files) < 2:
        raise InputError(f"{folder}: needs at least 2 frame images with a number in their name")
    on, ap, end = _span(list(files), onset, apex, offset, str(folder))
    keep = [n for n in files if on <= n <= end]
    return Clip(str(folder), folder.name, keep, [read_image(files[n]) for n in keep],
                keep.index(ap), offset if offset is not None else end)


def load_video_clip(video: Path, onset: int, apex: int, offset: int | None = None) -> Clip:
    """Decoded frames onset..offset (or ..apex) of a video, upright, with timestamps; decoded by
    aucli's decoder choice (decord, or PyAV where decord fails: phone HEVC, odd sizes)."""
    from aucli.extract.decoders import DecodeError
    from aucli.extract.video import FALLBACK, probe

    info = probe(video)
    end = apex if offset is None else offset
    if not 0 <= onset < apex <= end < info.frames:
        raise InputError(f"{video}: need 0 <= onset < apex <= offset < {info.frames} frames, "
                         f"got {onset}, {apex}, {end}")
    try:
        picked = _frames_between(video, onset, end, info.decoder)
    except DecodeError:
        picked = _frames_between(video, onset, end, FALLBACK)
    idx = [i for i, _, _ in picked]
    times = [t for _, t, _ in picked]
    frames = [f for _, _, f in picked]
    return Clip(str(video), f"{video.stem}_{onset}", idx, frames, apex - onset, offset, times)


def _frames_between(video: Path, first: int, last: int, backend: str) -> list:
    from aucli.extract.video import iter_frames

    picked = []
    for index, ts, frame in iter_frames(video, backend=backend):
        if index > last:
            break
        if index >= first:
            picked.append((index, ts, frame))
    return picked


def find_face(image: np.ndarray):
    """The largest face in an RGB image (aucli's detector, image mode) -> Face; InputError if
    none. The one place clip features find a face: swap it to use another detector."""
    from aucli.extract.pipeline import detect_image

    faces = detect_image(image)
    if not faces:
        raise InputError("no face found on the onset frame (use --box X,Y,W,H)")
    return max(faces, key=lambda f: float(f.bbox[2] * f.bbox[3]))
