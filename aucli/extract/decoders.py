"""Video decoder backends behind one frame iterator: decord (fast) and PyAV (what FFmpeg decodes).

Each backend opens a file, reports its stream facts and yields ``(index, timestamp_s, rgb)`` with
frames upright and timestamps taken from the stream's presentation times. Which backend runs is
chosen in :mod:`aucli.extract.video`; a failure part-way through a stream raises
:class:`DecodeError`, so the caller can restart the whole video with another backend.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aucli.errors import InputError
from aucli.registry import Registry

DECODERS: Registry = Registry("decoder", modules=("aucli.extract.decoders",))

Frame = tuple[int, float, np.ndarray]  # index, presentation time (s), RGB [H, W, 3] uint8 upright


class DecodeError(InputError):
    """A decoder failed part-way through a stream (the file opened and some frames decoded)."""


@dataclass(frozen=True)
class StreamFacts:
    frames: int
    fps: float
    width: int  # displayed (after rotation)
    height: int
    rotation: int  # degrees clockwise the player turns the stored frames
    stored_width: int  # as coded, before rotation


def _reason(exc: Exception) -> str:
    """The informative part of a decoder's message (decord prefixes every line with a time and
    a source path)."""
    text = re.sub(r"\[\d\d:\d\d:\d\d\] \S+:\d+: ", "", str(exc)).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:160]


def upright(frame: np.ndarray, rotation: int) -> np.ndarray:
    """Turn a stored frame the way a player displays it (rotation clockwise, in degrees)."""
    turns = {0: 0, 90: 3, 180: 2, 270: 1}.get(rotation, 0)  # np.rot90 turns anticlockwise
    return np.ascontiguousarray(np.rot90(frame, turns)) if turns else frame


def rotation_of(path: Path) -> int:
    """Rotation tag in degrees clockwise (0, 90, 180, 270), read by OpenCV's demuxer; 0 when absent."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        value = cap.get(cv2.CAP_PROP_ORIENTATION_META) if cap.isOpened() else 0.0
    finally:
        cap.release()
    return int(round(value)) % 360 if np.isfinite(value) else 0


@DECODERS.register("decord")
class DecordDecoder:
    """decord: fast random access. decord2 (current FFmpeg) turns frames upright itself and
    decord 0.6 does not, so ``_pending`` checks the first frame once and turns frames here only
    when the decoder did not."""

    name = "decord"
    dists = ("decord2", "decord")

    def __init__(self, path: Path) -> None:
        import decord

        self.path = Path(path)
        try:
            self.reader = decord.VideoReader(str(path), ctx=decord.cpu(0), num_threads=1)
            first = self.reader[0].asnumpy()
        except Exception as exc:  # decord raises its own DECORDError and RuntimeError
            raise InputError(f"{path}: not a readable video ({_reason(exc)})") from None
        self.rotation = rotation_of(self.path)
        self.pending = self._pending(first)
        height, width = first.shape[:2]
        stored_width = height if self.rotation in (90, 270) and self.pending == 0 else width
        if self.pending in (90, 270):
            width, height = height, width
        self.facts = StreamFacts(len(self.reader), float(self.reader.get_avg_fps()), int(width),
                                 int(height), self.rotation, int(stored_width))

    def _pending(self, first: np.ndarray) -> int:
        """Degrees still to apply to decoded frames: 0 when the decoder honoured the tag itself."""
        if self.rotation == 0:
            return 0
        import cv2

        cap = cv2.VideoCapture(str(self.path))
        try:
            cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
            ok, raw = cap.read()
        finally:
            cap.release()
        if not ok:  # judge by shape alone
            portrait = first.shape[0] > first.shape[1]
            return self.rotation if self.rotation in (90, 270) and not portrait else 0
        turned = upright(raw[..., ::-1], self.rotation)
        if turned.shape == first.shape and np.abs(turned.astype(np.int16) - first).mean() < 4:
            return 0
        return self.rotation

    def frames(self, stride: int = 1, chunk: int = 16) -> Iterator[Frame]:
        indices = list(range(0, len(self.reader), stride))
        for start in range(0, len(indices), chunk):
            batch = indices[start : start + chunk]
            try:
                frames = self.reader.get_batch(batch).asnumpy()  # [n, H, W, 3] RGB
                stamps = [float(self.reader.get_frame_timestamp(i)[0]) for i in batch]
            except Exception as exc:
                message = f"{self.path}: decord failed near frame {batch[0]} ({_reason(exc)})"
                raise DecodeError(message) from None
            for i, ts, frame in zip(batch, stamps, frames):
                yield i, ts, upright(frame, self.pending)


@DECODERS.register("pyav")
class PyAVDecoder:
    """PyAV (FFmpeg's libav*): decodes every codec FFmpeg does, in presentation order, one pass.
    Rotation comes from the stream's display matrix (``VideoFrame.rotation``, anticlockwise)."""

    name = "pyav"
    dists = ("av",)

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            with self._open() as container:
                stream = container.streams.video[0]
                first = next(container.decode(stream))
                frames = stream.frames or self._count_packets()
                rate = stream.average_rate or stream.guessed_rate or 0
        except Exception as exc:  # av.FFmpegError, IndexError (no video stream), StopIteration
            raise InputError(f"{self.path}: not a readable video ({_reason(exc)})") from None
        self.rotation = int(-(first.rotation or 0)) % 360
        width, height = first.width, first.height
        if self.rotation in (90, 270):
            width, height = height, width
        self.facts = StreamFacts(int(frames), float(rate), width, height, self.rotation, first.width)

    def _open(self):
        import av

        return av.open(str(self.path), metadata_errors="ignore")

    def _count_packets(self) -> int:
        with self._open() as again:
            return sum(1 for p in again.demux(again.streams.video[0]) if p.size)

    def frames(self, stride: int = 1, chunk: int = 16) -> Iterator[Frame]:
        del chunk  # frames come one at a time from FFmpeg's decoder: nothing to batch
        fps = self.facts.fps or 30.0
        with self._open() as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            decoded = container.decode(stream)
            index = -1
            while True:
                try:
                    frame = next(decoded)
                except StopIteration:
                    return
                except Exception as exc:
                    message = f"{self.path}: PyAV failed after frame {index} ({_reason(exc)})"
                    raise DecodeError(message) from None
                index += 1
                if index % stride:
                    continue
                ts = frame.time if frame.time is not None else index / fps
                yield index, float(ts), upright(frame.to_ndarray(format="rgb24"), self.rotation)


def versions() -> dict[str, str]:
    """Each backend's package version, or why it cannot be imported."""
    import importlib.metadata as md

    out = {}
    for name in DECODERS.names():
        dists = DECODERS.get(name).dists
        out[name] = f"{' or '.join(dists)} not installed"
        for dist in dists:
            try:
                out[name] = f"{dist} {md.version(dist)}"
                break
            except md.PackageNotFoundError:
                continue
    return out
