"""Synthetic AU and expression datasets in real on-disk layouts, for tests and learnability.

``synthetic-au`` is written in the BP4D layout (DATASETS.md §1.1): ``<root>/<Subject>/<Task>/
<frame:04d>.jpg`` and ``AUCoding/AU_OCC/<Subject>_<Task>.csv`` with an integer header
``0,1,2,...`` (0 = frame number, 9 = unknown). Each AU is a visible image property: when AU k is
on, a bright disc of the AU's colour is drawn at the AU's two (left/right) face positions, close
to the JAA-Net centres of an aligned crop. Subjects differ in skin tone, face shape and a fixed
texture, so identity is visible too (what MARL's identity probe measures).

``synthetic-fe`` is written in the RAF-DB layout (DATASETS.md §3): ``EmoLabel/
list_patition_label.txt`` (``train_00001.jpg 4``, 1-based classes) and ``Image/aligned/
train_00001_aligned.jpg``. Each expression draws its prototypical AUs; a fraction of the images
get random AUs instead (uncertain samples, which MAL should down-weight).

Test material only: the loaders register when this module is imported (tests/conftest.py does),
so ``aucli datasets`` and ``--dataset`` never offer them to users.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import ClassVar

import cv2
import numpy as np

from aucli.data import DATASETS
from aucli.data.bp4d import BP4D
from aucli.data.rafdb import RAFDB

AUS = (1, 2, 4, 6, 12, 17)
# Face positions (x, y as fractions of the image; left side, mirrored for the right) and colours.
_POS = {1: (0.42, 0.26), 2: (0.28, 0.24), 4: (0.40, 0.36), 6: (0.30, 0.56), 12: (0.36, 0.72),
        17: (0.44, 0.86)}
_COLOUR = {1: (255, 40, 40), 2: (40, 255, 40), 4: (40, 40, 255), 6: (255, 255, 40),
           12: (255, 40, 255), 17: (40, 255, 255)}
_RATE = {1: 0.3, 2: 0.25, 4: 0.35, 6: 0.45, 12: 0.5, 17: 0.3}
EXPRESSIONS = ("Surprise", "Fear", "Disgust", "Happiness", "Sadness", "Anger", "Neutral")
_PROTOTYPE = {0: (1, 2), 1: (1, 2, 4), 2: (4, 17), 3: (6, 12), 4: (1, 4, 17), 5: (4,), 6: ()}


def _subject_names(n: int) -> list[str]:
    return [f"{'F' if i % 2 == 0 else 'M'}{i // 2 + 1:03d}" for i in range(n)]


def _face(size: int, rng: np.random.Generator) -> np.ndarray:
    """A subject's neutral face: skin-tone ellipse on a grey background plus a fixed texture."""
    tone = rng.uniform(90, 200)
    img = np.full((size, size, 3), 128, np.float32)
    axes = (int(size * rng.uniform(0.36, 0.44)), int(size * rng.uniform(0.44, 0.5)))
    cv2.ellipse(img, (size // 2, size // 2), axes, 0, 0, 360,
                (tone, tone * rng.uniform(0.7, 0.9), tone * rng.uniform(0.5, 0.8)), -1)
    texture = cv2.resize(rng.normal(0, 18, (6, 6, 3)).astype(np.float32), (size, size))
    return img + texture


def draw(base: np.ndarray, active: list[int], rng: np.random.Generator) -> np.ndarray:
    """One frame: the face, a disc per active AU (both sides), a small shift and sensor noise."""
    size = base.shape[0]
    img = base.copy()
    r = max(2, size // 14)
    for au in active:
        x, y = _POS[au]
        for fx in (x, 1 - x):
            cv2.circle(img, (int(fx * size), int(y * size)), r, _COLOUR[au], -1)
    dx, dy = rng.integers(-size // 32, size // 32 + 1, size=2)
    img = np.roll(img, (int(dy), int(dx)), axis=(0, 1))
    img += rng.normal(0, 6, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def make(root: str | Path, subjects: int = 6, frames: int = 24, size: int = 64, seed: int = 0,
         unknown: float = 0.03) -> Path:
    """Write a BP4D-layout synthetic set: ``subjects`` x 2 tasks x ``frames // 2`` frames."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    occ = root / "AUCoding" / "AU_OCC"
    occ.mkdir(parents=True, exist_ok=True)
    header = list(range(0, max(AUS) + 1))
    for name in _subject_names(subjects):
        base = _face(size, rng)
        for task in ("T1", "T2"):
            start = int(rng.integers(100, 900))
            (root / name / task).mkdir(parents=True, exist_ok=True)
            rows = []
            for f in range(start, start + max(frames // 2, 1)):
                on = {au: int(rng.random() < _RATE[au]) for au in AUS}
                cv2.imwrite(str(root / name / task / f"{f:04d}.jpg"),
                            cv2.cvtColor(draw(base, [a for a in AUS if on[a]], rng),
                                         cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
                code = {a: (9 if rng.random() < unknown else on[a]) for a in AUS}
                rows.append([f] + [code.get(c, 0) for c in header[1:]])
            with open(occ / f"{name}_{task}.csv", "w", newline="") as fh:
                csv.writer(fh).writerows([header] + rows)
    return root


def make_fe(root: str | Path, images: int = 60, size: int = 64, seed: int = 1,
            uncertain: float = 0.2) -> Path:
    """Write a RAF-DB-layout synthetic expression set."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    (root / "EmoLabel").mkdir(parents=True, exist_ok=True)
    (root / "Image" / "aligned").mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(images):
        split = "test" if i % 5 == 4 else "train"
        name = f"{split}_{i + 1:05d}"
        label = int(rng.integers(0, len(EXPRESSIONS)))
        active = list(_PROTOTYPE[label])
        if rng.random() < uncertain:
            active = [a for a in AUS if rng.random() < 0.4]
        img = draw(_face(size, rng), active, rng)
        cv2.imwrite(str(root / "Image" / "aligned" / f"{name}_aligned.jpg"),
                    cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
        lines.append(f"{name}.jpg {label + 1}")
    (root / "EmoLabel" / "list_patition_label.txt").write_text("\n".join(lines) + "\n")
    return root


@DATASETS.register("synthetic-au")
class SyntheticAU(BP4D):
    """The BP4D-layout synthetic AU set written by :func:`make`, read by the BP4D loader."""

    name: ClassVar[str] = "synthetic-au"
    aligned: ClassVar[bool] = True  # images are face crops already: no prepare cache
    aus: tuple[int, ...] = AUS
    intensity_aus: tuple[int, ...] = ()

    def fold_subjects(self, subjects: list[str]) -> dict[str, tuple[list[str], list[str]]]:
        """Three folds over subject thirds (sorted), combined as the BP4D parts are."""
        unique = sorted(set(subjects))
        parts = [unique[i::3] for i in range(3)]
        tests = {"fold1": 2, "fold2": 1, "fold3": 0}
        return {name: ([s for j, p in enumerate(parts) if j != t for s in p], parts[t])
                for name, t in tests.items()}

    def reference_test_items(self) -> dict[str, int]:
        return {}

    def _unknown(self, subjects: list[str]) -> list:  # noqa: ARG002
        return []  # synthetic subjects are not BP4D's


@DATASETS.register("synthetic-fe")
class SyntheticFE(RAFDB):
    """The RAF-DB-layout synthetic expression set written by :func:`make_fe`."""

    name: ClassVar[str] = "synthetic-fe"
    classes: tuple[str, ...] = EXPRESSIONS
