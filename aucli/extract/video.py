"""Open a video with the right decoder backend: presentation timestamps, rotation, striding, chunks.

``decode.backend = "auto"`` takes decord (fast) unless it cannot open the file or is known to
mis-handle the stream (a width that is not a multiple of 32, a 90/270 rotation, HEVC); then PyAV. A
decord failure part-way through a video is handled by the caller
(:func:`aucli.extract.pipeline.run_video`), which restarts the video from frame 0 with PyAV so the
rows never mix two decoders. The backend that produced the rows is ``VideoInfo.decoder``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aucli.errors import InputError
from aucli.extract.decoders import DECODERS, rotation_of, upright
from aucli.extract.model_files import sha256_file

__all__ = ["VideoInfo", "check_readable", "iter_frames", "open_decoder", "probe", "rotation_of", "upright"]

BACKENDS = ("auto", "decord", "pyav")
FALLBACK = "pyav"  # what "auto" turns to when decord cannot do a file
# decord2 3.4's threaded decoder stops part-way through real iPhone HEVC (EAGAIN at frame 16);
# sending HEVC to PyAV up front keeps streaming readers (spotting, per-frame API) whole too.
DECORD_AVOIDS = ("hevc",)


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
    decoder: str = "decord"  # backend that produced the frames


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


def _decord_handles(decoder) -> bool:
    """False for streams decord2 is known to mis-handle: a width that is not a multiple of 32
    (mis-shaped frames), a 90/270 rotation tag (size-mismatch errors on small frames), HEVC."""
    facts = decoder.facts
    if facts.stored_width % 32 or facts.width % 32 or facts.rotation not in (0, 180):
        return False
    return _codec(decoder.path) not in DECORD_AVOIDS


def _codec(path: Path) -> str:
    """The video stream's codec name as FFmpeg calls it ("h264", "hevc", ...); "" if unknown."""
    try:
        import av

        with av.open(str(path), metadata_errors="ignore") as container:
            return container.streams.video[0].codec_context.name
    except Exception:  # PyAV missing or the file unreadable to it: let decord try
        return ""


def open_decoder(path: Path, backend: str = "auto"):
    """An opened decoder backend for ``path`` (see the module docstring for ``auto``)."""
    if backend not in BACKENDS:
        raise InputError(f"decode.backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend != "auto":
        return DECODERS.get(backend)(path)
    try:
        decoder = DECODERS.get("decord")(path)
    except (InputError, ImportError):
        return DECODERS.get(FALLBACK)(path)
    return decoder if _decord_handles(decoder) else DECODERS.get(FALLBACK)(path)


def probe(path: str | Path, backend: str = "auto") -> VideoInfo:
    path = Path(path)
    check_readable(path)
    decoder = open_decoder(path, backend)
    facts = decoder.facts
    if facts.frames < 1:
        raise InputError(f"{path}: the video has no frames")
    return VideoInfo(
        path=str(path), size=path.stat().st_size, head_sha256=sha256_file(path, 1 << 20),
        fps=facts.fps, frames=facts.frames, width=facts.width, height=facts.height,
        rotation=facts.rotation, decoder=decoder.name,
    )


def iter_frames(
    path: str | Path, stride: int = 1, chunk: int = 16, backend: str = "auto"
) -> Iterator[tuple[int, float, np.ndarray]]:
    """Yield ``(index, timestamp_s, rgb [H, W, 3] uint8)`` for every ``stride``-th frame, upright.

    Timestamps are the stream's presentation times (correct for variable frame rate). Frames are
    decoded ``chunk`` at a time, so memory does not grow with video length. A decoder failure
    part-way raises :class:`~aucli.extract.decoders.DecodeError`.
    """
    if stride < 1:
        raise InputError(f"stride must be >= 1, got {stride}")
    yield from open_decoder(Path(path), backend).frames(stride, chunk)
