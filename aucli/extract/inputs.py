"""What the user pointed at: videos, photos and folders of frames, each made into one source.

The rules (README, "Inputs"):
- a video file is a video; an image file (jpg, png, bmp, tiff, webp) is a one-frame input;
- in a folder (searched recursively) videos are videos, and the images lying directly in one
  folder form one source named after that folder: a *sequence* (frames of one recording, ordered
  by number, timestamps from ``--fps``) when ``--sequence`` is given or the files are numbered
  frames (``0001.jpg``, ``S005_001_00000001.png``: one name pattern, consecutive numbers), and
  otherwise a set of independent *photos* (one row per image and face, column ``file``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
KINDS = ("video", "photos", "sequence")
_NUMBERED = re.compile(r"^(.*?)(\d+)$")


@dataclass(frozen=True)
class Source:
    """One input that becomes one Parquet file ``OUT/<rel>.parquet``."""

    kind: str  # video | photos | sequence
    path: Path  # the video or image file, or the folder of images
    rel: Path  # output stem relative to OUT
    files: tuple[Path, ...] = ()  # images, in row order (photos, sequence)


def is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTENSIONS


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_EXTENSIONS


def numbered_order(files: list[Path]) -> list[Path] | None:
    """``files`` ordered by frame number when they are numbered frames of one recording: one
    name prefix, one extension, numbers consecutive (gaps of up to 2% allowed); else None."""
    if len(files) < 2:
        return None
    parts = [(_NUMBERED.match(f.stem), f) for f in files]
    if any(m is None for m, _ in parts):
        return None
    if len({(m.group(1), f.suffix.lower()) for m, f in parts}) != 1:
        return None
    numbered = sorted((int(m.group(2)), f) for m, f in parts)
    span = numbered[-1][0] - numbered[0][0] + 1
    if len({n for n, _ in numbered}) != len(numbered) or span > len(numbered) * 1.02 + 1:
        return None
    return [f for _, f in numbered]


def folder_sources(root: Path, sequence: bool) -> list[Source]:
    """Every video under ``root`` and one image source per folder that holds images."""
    sources: list[Source] = []
    folders = [root, *sorted(d for d in root.rglob("*") if d.is_dir())]
    for folder in folders:
        entries = sorted(f for f in folder.iterdir() if f.is_file())
        sources += [Source("video", f, f.relative_to(root).with_suffix("")) for f in entries if is_video(f)]
        images = [f for f in entries if is_image(f)]
        if not images:
            continue
        rel = Path(root.name) if folder == root else folder.relative_to(root)
        ordered = numbered_order(images)
        if sequence:
            ordered = ordered or images  # by name when the numbers do not make an order
        kind = "sequence" if ordered else "photos"
        sources.append(Source(kind, folder, rel, tuple(ordered or images)))
    return sources


def find_inputs(inputs: list[str | Path], sequence: bool = False
                ) -> tuple[list[Source], list[tuple[Path, str]]]:
    """Expand files and folders into sources, and the inputs that could not be used (with a reason).

    A folder keeps its sub-folders in the output stem, so two ``a.mp4`` never collide.
    """
    found: list[Source] = []
    missing: list[tuple[Path, str]] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            sources = folder_sources(path, sequence)
            found += sources
            if not sources:
                kinds = " ".join(VIDEO_EXTENSIONS + IMAGE_EXTENSIONS)
                missing.append((path, f"{path}: no video or image files ({kinds}) in this folder"))
        elif path.exists() or path.is_symlink():
            kind = "photos" if is_image(path) else "video"
            found.append(Source(kind, path, Path(path.stem), (path,) if kind == "photos" else ()))
        else:
            missing.append((path, f"{path}: no such file or folder"))
    return found, missing


def find_videos(inputs: list[str | Path]) -> tuple[list[tuple[Path, Path]], list[tuple[Path, str]]]:
    """Videos only, as ``(video, relative_output_stem)`` pairs (folders searched recursively)."""
    found, missing = find_inputs(inputs)
    videos = [(s.path, s.rel) for s in found if s.kind == "video"]
    return videos, missing
