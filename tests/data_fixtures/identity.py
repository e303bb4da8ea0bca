"""A synthetic AU set with strong identity offsets, in the BP4D layout (read by ``synthetic-au``).

Each subject has a *resting expression*: two of its AUs show, at rest, a disc of the AU's colour
at a subject-specific strength ``rest_s`` ~ U(0.35, 0.7), and an active AU is drawn at the
subject's own strength ``gain_s`` ~ U(0.55, 1.0) on top. One subject's resting disc can therefore
be stronger than another subject's active one: a single global threshold on "how coloured is
this region" cannot separate active from inactive across subjects; what a subject does relative
to its own neutral face can. This is the identity-caused difference MARL's meta-learning is
meant to remove (Cao et al., arXiv 2205.08787).
"""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np

from tests.data_fixtures.synthetic import _COLOUR, _POS, _RATE, AUS, _face, _subject_names


def _disc(img: np.ndarray, au: int, strength: float) -> None:
    """Blend the AU's two discs into ``img`` (float32 RGB) at ``strength`` in [0, 1]."""
    size = img.shape[0]
    mask = np.zeros(img.shape[:2], np.float32)
    for fx in (_POS[au][0], 1 - _POS[au][0]):
        cv2.circle(mask, (int(fx * size), int(_POS[au][1] * size)), max(2, size // 14), 1.0, -1)
    a = (mask * strength)[..., None]
    img *= 1 - a
    img += a * np.asarray(_COLOUR[au], np.float32)


def make_rest(root: str | Path, subjects: int = 9, frames: int = 40, size: int = 48,
              seed: int = 0, sequences: int = 2) -> Path:
    """Write ``subjects`` x ``sequences`` tasks x ``frames // sequences`` frames."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    occ = root / "AUCoding" / "AU_OCC"
    occ.mkdir(parents=True, exist_ok=True)
    header = list(range(0, max(AUS) + 1))
    for name in _subject_names(subjects):
        base = _face(size, rng)
        gain = rng.uniform(0.55, 1.0)
        for au in rng.choice(AUS, 2, replace=False):
            _disc(base, int(au), rng.uniform(0.35, 0.7))
        for t in range(sequences):
            task = f"T{t + 1}"
            (root / name / task).mkdir(parents=True, exist_ok=True)
            rows = []
            for f in range(100, 100 + max(frames // sequences, 1)):
                on = {au: int(rng.random() < _RATE[au]) for au in AUS}
                img = base.copy()
                for au in AUS:
                    if on[au]:
                        _disc(img, au, gain)
                dx, dy = rng.integers(-size // 32, size // 32 + 1, size=2)
                img = np.roll(img, (int(dy), int(dx)), axis=(0, 1)) + rng.normal(0, 6, img.shape)
                rgb = np.clip(img, 0, 255).astype(np.uint8)
                cv2.imwrite(str(root / name / task / f"{f:04d}.jpg"),
                            cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
                rows.append([f] + [on.get(c, 0) for c in header[1:]])
            with open(occ / f"{name}_{task}.csv", "w", newline="") as fh:
                csv.writer(fh).writerows([header] + rows)
    return root
