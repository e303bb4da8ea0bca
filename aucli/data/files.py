"""Finding and reading frames the way the releases store them: folders, zips, videos.

An image reference is a plain path, ``ARCHIVE.zip::member`` for a zipped release (BP4D's
``2D+3D/F001.zip``), or ``VIDEO.avi::index`` for a frame decoded from a video (DISFA). Frame
files are matched on the integer in their name, never on the spelling (``0643.jpg`` and
``643.jpg`` are both frame 643), and sorted numerically.
"""

from __future__ import annotations

import os
import re
import threading
import zipfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path, PurePosixPath

import numpy as np

from aucli.errors import InputError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
VIDEO_SUFFIXES = (".avi", ".mp4", ".mov", ".mkv", ".wmv")
_LAST_INT = re.compile(r"(\d+)(?!.*\d)")
_LOCK = threading.Lock()


def frame_number(name: str) -> int | None:
    """The frame number of a frame file: the last integer in its stem (``img46.jpg`` -> 46)."""
    match = _LAST_INT.search(PurePosixPath(name).stem)
    return int(match.group(1)) if match else None


def index_frames(names: Iterable[str]) -> dict[int, str]:
    """Map frame number -> name for the image files among ``names``, in numeric order (of two
    spellings of one number, ``0643.jpg`` and ``643.jpg``, the first in name order wins)."""
    out: dict[int, str] = {}
    for name in sorted(names):
        if name.lower().endswith(IMAGE_SUFFIXES):
            number = frame_number(name)
            if number is not None:
                out.setdefault(number, name)
    return dict(sorted(out.items()))


def list_frames(folder: Path) -> dict[int, str]:
    """Frame number -> path of the images directly inside ``folder`` ({} when it is missing)."""
    try:
        names = os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return {}
    return {n: str(folder / name) for n, name in index_frames(names).items()}


@lru_cache(maxsize=64)
def zip_frames(archive: str) -> dict[str, dict[int, str]]:
    """Per member folder ("F001/T1"), frame number -> ``archive::member``, from the zip's index."""
    folders: dict[str, list[str]] = {}
    with zipfile.ZipFile(archive) as zf:
        for member in zf.namelist():
            parent = str(PurePosixPath(member).parent)
            folders.setdefault(parent, []).append(member)
    return {
        parent: {n: f"{archive}::{m}" for n, m in index_frames(members).items()}
        for parent, members in folders.items()
    }


def first_existing(paths: Iterable[Path]) -> Path | None:
    """The first of ``paths`` that exists, or None."""
    return next((p for p in paths if p.exists()), None)


def read_image(ref: str) -> np.ndarray:
    """Decode one image reference to RGB uint8 [H, W, 3]; grayscale frames are replicated."""
    import cv2

    archive, sep, member = ref.partition("::")
    if sep and archive.lower().endswith(VIDEO_SUFFIXES):
        return _video_frame(archive, int(member))
    if sep:
        data = np.frombuffer(_zip_read(archive, member), np.uint8)
        image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    else:
        if not os.path.isfile(ref):
            raise InputError(f"image not found: {ref}")
        image = cv2.imread(ref, cv2.IMREAD_COLOR)
    if image is None:
        raise InputError(f"cannot decode image: {ref}")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


@lru_cache(maxsize=8)
def _open_zip(archive: str, _pid: int) -> zipfile.ZipFile:
    # keyed by pid: a zip handle shared with a forked DataLoader worker shares its file offset
    if not os.path.isfile(archive):
        raise InputError(f"archive not found: {archive}")
    return zipfile.ZipFile(archive)


def _zip_read(archive: str, member: str) -> bytes:
    with _LOCK:
        try:
            return _open_zip(archive, os.getpid()).read(member)
        except KeyError:
            raise InputError(f"{archive} has no member {member}") from None


@lru_cache(maxsize=4)
def _open_video(path: str, _pid: int):  # noqa: ANN202 - decord.VideoReader
    import decord

    if not os.path.isfile(path):
        raise InputError(f"video not found: {path}")
    return decord.VideoReader(path)


def _video_frame(path: str, index: int) -> np.ndarray:
    with _LOCK:
        reader = _open_video(path, os.getpid())
        if not 0 <= index < len(reader):
            raise InputError(f"{path} has {len(reader)} frames; frame {index} was asked for")
        frame = reader[index].asnumpy()
    if frame.ndim == 3 and frame.shape[2] == 3:
        return frame
    # decord returns a mis-strided array for widths that are not a multiple of 32 (seen with
    # decord2 3.4.0 on 32- and 48-pixel videos); OpenCV's seek is slower but right
    return _cv2_frame(path, index)


def _cv2_frame(path: str, index: int) -> np.ndarray:
    import cv2

    capture = cv2.VideoCapture(path)
    try:
        capture.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, frame = capture.read()
    finally:
        capture.release()
    if not ok:
        raise InputError(f"cannot decode frame {index} of {path}")
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def video_length(path: str) -> int:
    """Number of frames of a video (decord's count)."""
    with _LOCK:
        return len(_open_video(path, os.getpid()))
