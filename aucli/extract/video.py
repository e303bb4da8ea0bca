"""Decoding with real presentation timestamps, rotation metadata and striding, streamed in chunks.

decord gives frames and presentation times; OpenCV's demuxer reads the rotation tag. decord2
(current FFmpeg) already turns frames upright, decord 0.6 does not: ``pending_rotation`` checks
the first frame once and turns frames here only when the decoder did not, so landmarks are
always in displayed-image pixels.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aucli.errors import InputError
from aucli.extract.model_files import sha256_file

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv")


@dataclass(frozen=True)
class VideoInfo:
    path: str
    size: int
    head_sha256: str  # sha256 of the first MiB, with the size beside it identifies the file
    fps: float
    frames: int
    width: int  # displayed (after rotation)
    height: int
    rotation: int  # degrees clockwise the player turns the stored frames


def _open(path: Path):
    import decord

    try:
        return decord.VideoReader(str(path), ctx=decord.cpu(0), num_threads=1)
    except Exception as exc:  # decord raises its own DECORDError and RuntimeError
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not a readable video ({reason[:160]})") from None


def rotation_of(path: Path) -> int:
    """Rotation tag in degrees (0, 90, 180, 270), read by OpenCV's demuxer; 0 when absent."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        value = cap.get(cv2.CAP_PROP_ORIENTATION_META) if cap.isOpened() else 0.0
    finally:
        cap.release()
    return int(round(value)) % 360 if np.isfinite(value) else 0


def pending_rotation(path: Path, reader, rotation: int) -> int:
    """Degrees still to apply to decoded frames: 0 when the decoder honoured the tag itself."""
    if rotation == 0:
        return 0
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
        ok, raw = cap.read()
    finally:
        cap.release()
    first = reader[0].asnumpy()
    if not ok:  # judge by shape alone
        return rotation if rotation in (90, 270) and first.shape[0] < first.shape[1] else 0
    turned = upright(raw[..., ::-1], rotation)
    if turned.shape == first.shape and np.abs(turned.astype(np.int16) - first).mean() < 4:
        return 0
    return rotation


def check_readable(path: Path) -> None:
    """Fail with one line for the problems a batch meets: missing, empty, unreadable."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: empty file (0 bytes)")


def probe(path: str | Path) -> VideoInfo:
    path = Path(path)
    check_readable(path)
    reader = _open(path)
    frames = len(reader)
    if frames < 1:
        raise InputError(f"{path}: the video has no frames")
    height, width = reader[0].shape[:2]
    rotation = rotation_of(path)
    if pending_rotation(path, reader, rotation) in (90, 270):
        width, height = height, width
    return VideoInfo(
        path=str(path), size=path.stat().st_size, head_sha256=sha256_file(path, 1 << 20),
        fps=float(reader.get_avg_fps()), frames=frames, width=int(width), height=int(height),
        rotation=rotation,
    )


def upright(frame: np.ndarray, rotation: int) -> np.ndarray:
    """Turn a stored frame the way a player displays it (rotation clockwise, in degrees)."""
    turns = {0: 0, 90: 3, 180: 2, 270: 1}.get(rotation, 0)  # np.rot90 turns anticlockwise
    return np.ascontiguousarray(np.rot90(frame, turns)) if turns else frame


def iter_frames(
    path: str | Path, stride: int = 1, chunk: int = 16, rotation: int | None = None
) -> Iterator[tuple[int, float, np.ndarray]]:
    """Yield ``(index, timestamp_s, rgb [H, W, 3] uint8)`` for every ``stride``-th frame, upright.

    ``rotation`` overrides the file's rotation tag (degrees clockwise).
    Timestamps are the decoder's presentation times (correct for variable frame rate). Frames
    are decoded ``chunk`` at a time, so memory does not grow with video length.
    """
    if stride < 1:
        raise InputError(f"stride must be >= 1, got {stride}")
    path = Path(path)
    reader = _open(path)
    rotation = pending_rotation(path, reader, rotation_of(path) if rotation is None else rotation)
    indices = list(range(0, len(reader), stride))
    for start in range(0, len(indices), chunk):
        batch = indices[start : start + chunk]
        try:
            frames = reader.get_batch(batch).asnumpy()  # [n, H, W, 3] RGB
            stamps = [float(reader.get_frame_timestamp(i)[0]) for i in batch]
        except Exception as exc:
            raise InputError(f"{path}: decoding failed near frame {batch[0]} ({exc})"[:300]) from None
        for i, ts, frame in zip(batch, stamps, frames):
            yield i, ts, upright(frame, rotation)


def find_videos(inputs: list[str | Path]) -> tuple[list[tuple[Path, Path]], list[tuple[Path, str]]]:
    """Expand files and folders (recursive) into ``(video, relative_output_stem)`` pairs.

    Returns the videos and the inputs that could not be used (missing paths), each with a reason.
    A folder keeps its sub-folders in the relative stem, so two ``a.mp4`` never collide.
    """
    found: list[tuple[Path, Path]] = []
    missing: list[tuple[Path, str]] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            videos = [f for f in sorted(path.rglob("*"))
                      if f.suffix.lower() in VIDEO_EXTENSIONS and f.is_file()]
            found += [(f, f.relative_to(path).with_suffix("")) for f in videos]
            if not videos:
                kinds = " ".join(VIDEO_EXTENSIONS)
                missing.append((path, f"{path}: no video files ({kinds}) in this folder"))
        elif path.exists() or path.is_symlink():
            found.append((path, Path(path.stem)))
        else:
            missing.append((path, f"{path}: no such file or folder"))
    return found, missing
