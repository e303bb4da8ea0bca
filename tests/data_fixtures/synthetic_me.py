"""Synthetic micro-expression data in the real CASME II layout, plus a macro-expression twin.

``make(root, ...)`` writes ``CASME2_RAW_selected/sub01/EP02_01f/img46.jpg ...`` and a coding
spreadsheet with the nine CASME II columns (positions 2 and 6 unnamed, one apex cell ``/``).
Each clip shows one subject's face-like texture in which a small region moves briefly; the class
is the direction of that motion (class k <-> angle 2*pi*k/C), so it can only be read from motion
between onset and apex, the way a micro-expression is.

``make_macro(root, ...)`` writes the same patterns as static, larger images in the RAF-DB layout
(``EmoLabel/list_patition_label.txt`` + ``Image/aligned/train_00001_aligned.jpg``): the moved
region is drawn with a bright leading edge and a dark trailing edge along the class direction, a
still picture of the motion. Loaders: ``synthetic-me`` (kind "me") and ``synthetic-macro``
(kind "expression") are the real CASME II and RAF-DB loaders under other names.

Test material only: the loaders register when this module is imported (tests/conftest.py does),
so ``aucli datasets`` and ``--dataset`` never offer them to users.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import cv2
import numpy as np

from aucli.data import DATASETS
from aucli.data.casme2 import CASME2
from aucli.data.rafdb import RAFDB, RAFDB_CLASSES

CASME_CLASSES = ("happiness", "repression", "disgust", "surprise", "others")
"""CASME II 5-class protocol order (DATASETS.md §2.1); class k moves at angle 2*pi*k/C."""
ME_TO_RAF = {"happiness": "happiness", "repression": "sadness", "disgust": "disgust",
             "surprise": "surprise", "others": "neutral"}
"""Which RAF-DB class renders which ME class in the macro twin (the default aux map inverted)."""
SHEET = "CASME2-coding-20190701.xlsx"
_AUS = (4, "R12+L10", "4+L10", 12, "1+2", "L14")


def _texture(rng: np.random.Generator, size: int) -> np.ndarray:
    """A subject's face-like grey texture: smooth noise under an elliptic face mask."""
    noise = cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), 1.2)
    noise = noise / (noise.std() + 1e-6)
    yy, xx = np.mgrid[:size, :size].astype(np.float32) / size
    face = np.exp(-(((xx - 0.5) / 0.38) ** 2 + ((yy - 0.5) / 0.48) ** 2) ** 2)
    return 110 + 60 * face + 28 * noise + rng.uniform(-15, 15)


def _warp(base: np.ndarray, centre: np.ndarray, shift: np.ndarray, radius: float) -> np.ndarray:
    """Move the texture near ``centre`` by ``shift`` pixels, fading out with a Gaussian window."""
    size = base.shape[0]
    yy, xx = np.mgrid[:size, :size].astype(np.float32)
    w = np.exp(-((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2) / (2 * radius**2))
    map_x = (xx - shift[0] * w).astype(np.float32)
    map_y = (yy - shift[1] * w).astype(np.float32)
    return cv2.remap(base, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _direction(label: int, num_classes: int) -> np.ndarray:
    angle = 2 * np.pi * label / num_classes
    return np.array([np.cos(angle), np.sin(angle)], np.float32)


def _write_sheet(path: Path, rows: list[list]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Subject", "Filename", None, "OnsetFrame", "ApexFrame", "OffsetFrame", None,
                  "Action Units", "Estimated Emotion"])
    for row in rows:
        sheet.append(row)
    book.save(path)


def make(root: str | Path, subjects: int = 4, clips_per_class: int = 3, size: int = 64,
         seed: int = 0, num_classes: int = 5, frames: int = 7) -> Path:
    """Write a synthetic CASME II-layout set under ``root``; returns ``root``.

    Every subject gets ``clips_per_class`` clips of each of ``num_classes`` classes; a clip has
    ``frames`` frames (onset..offset) in which a region of radius ~size/8 moves by up to ~size/16
    pixels towards its class direction and back.
    """
    root = Path(root)
    rng = np.random.default_rng(seed)
    rows: list[list] = []
    for s in range(1, subjects + 1):
        base = _texture(rng, size)
        episode = 1
        for label in np.repeat(np.arange(num_classes), clips_per_class):
            name = f"EP{episode:02d}_{int(rng.integers(1, 20)):02d}" + ("f" if episode % 2 else "")
            episode += 1
            onset = int(rng.integers(1, 300))
            apex_i = int(rng.integers(2, frames - 2))
            folder = root / "CASME2_RAW_selected" / f"sub{s:02d}" / name
            folder.mkdir(parents=True, exist_ok=True)
            centre = rng.uniform(0.35, 0.65, 2) * size
            step = _direction(int(label), num_classes) * size / 16 * rng.uniform(0.8, 1.2)
            for i in range(frames):
                amp = min(i / apex_i, (frames - 1 - i) / (frames - 1 - apex_i))
                img = _warp(base, centre, step * amp, size / 8)
                img = img + rng.normal(0, 1.5, img.shape)
                pixels = np.clip(img, 0, 255).astype(np.uint8)
                cv2.imwrite(str(folder / f"img{onset + i}.jpg"), pixels, [cv2.IMWRITE_JPEG_QUALITY, 95])
            apex: int | str = onset + apex_i
            if not rows:
                apex = "/"  # as one real CASME II row does; the loader falls back to mid-clip
            rows.append([s, name, None, onset, apex, onset + frames - 1, None,
                         _AUS[len(rows) % len(_AUS)], CASME_CLASSES[int(label)]])
    root.mkdir(parents=True, exist_ok=True)
    _write_sheet(root / SHEET, rows)
    return root


@DATASETS.register("synthetic-me")
class SyntheticME(CASME2):
    """``make``'s output, read by the CASME II loader itself (5-class protocol by default)."""

    name: ClassVar[str] = "synthetic-me"


def _macro_image(rng: np.random.Generator, label: int, num_classes: int, size: int) -> np.ndarray:
    """A still picture of the class's motion: leading edge bright, trailing edge dark."""
    base = _texture(rng, size) * 0.6 + 50
    d = _direction(label, num_classes)
    centre = rng.uniform(0.4, 0.6, 2) * size
    yy, xx = np.mgrid[:size, :size].astype(np.float32)
    dx, dy = xx - centre[0], yy - centre[1]
    window = np.exp(-(dx**2 + dy**2) / (2 * (size / 5) ** 2))
    along = (dx * d[0] + dy * d[1]) / (size / 5)
    img = base + 90 * window * np.tanh(2 * along) + rng.normal(0, 2, base.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def make_macro(root: str | Path, per_class: int = 20, size: int = 96, seed: int = 1,
               classes: tuple[str, ...] = CASME_CLASSES) -> Path:
    """Write static macro-expression pictures of ``classes``' directions in the RAF-DB layout."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    (root / "Image" / "aligned").mkdir(parents=True, exist_ok=True)
    (root / "EmoLabel").mkdir(parents=True, exist_ok=True)
    lines, n = [], 0
    for label, name in enumerate(classes):
        raf = RAFDB_CLASSES.index(ME_TO_RAF[name]) + 1  # 1-based codes
        for _ in range(per_class):
            n += 1
            img = _macro_image(rng, label, len(classes), size)
            cv2.imwrite(str(root / "Image" / "aligned" / f"train_{n:05d}_aligned.jpg"), img)
            lines.append(f"train_{n:05d}.jpg {raf}")
    (root / "EmoLabel" / "list_patition_label.txt").write_text("\n".join(lines) + "\n")
    return root


@DATASETS.register("synthetic-macro")
class SyntheticMacro(RAFDB):
    """``make_macro``'s output, read by the RAF-DB loader itself (7 classes)."""

    name: ClassVar[str] = "synthetic-macro"
