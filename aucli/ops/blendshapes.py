"""MediaPipe's 52 blendshapes -> FACS Action Unit intensity proxies.

One documented table (OUTPUT.md): each AU is the mean of the listed blendshape scores (left and
right sides averaged), already in [0, 1]. ARKit-style blendshapes were designed after FACS, so
each maps to one muscle action; the values are a proxy, not a FACS-coded intensity, and the
Parquet metadata says so.
"""

from __future__ import annotations

import numpy as np

BLENDSHAPE_NAMES: tuple[str, ...] = (
    "_neutral", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft",
    "browOuterUpRight", "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft",
    "eyeBlinkRight", "eyeLookDownLeft", "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight",
    "eyeLookOutLeft", "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight", "eyeSquintLeft",
    "eyeSquintRight", "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft", "jawOpen",
    "jawRight", "mouthClose", "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft",
    "mouthFrownRight", "mouthFunnel", "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthPressLeft", "mouthPressRight", "mouthPucker", "mouthRight", "mouthRollLower",
    "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthSmileLeft", "mouthSmileRight",
    "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft", "mouthUpperUpRight",
    "noseSneerLeft", "noseSneerRight",
)

# AU number -> (FACS name, blendshapes averaged)
AU_FROM_BLENDSHAPES: dict[int, tuple[str, tuple[str, ...]]] = {
    1: ("inner brow raiser", ("browInnerUp",)),
    2: ("outer brow raiser", ("browOuterUpLeft", "browOuterUpRight")),
    4: ("brow lowerer", ("browDownLeft", "browDownRight")),
    5: ("upper lid raiser", ("eyeWideLeft", "eyeWideRight")),
    6: ("cheek raiser", ("cheekSquintLeft", "cheekSquintRight")),
    7: ("lid tightener", ("eyeSquintLeft", "eyeSquintRight")),
    9: ("nose wrinkler", ("noseSneerLeft", "noseSneerRight")),
    10: ("upper lip raiser", ("mouthUpperUpLeft", "mouthUpperUpRight")),
    12: ("lip corner puller", ("mouthSmileLeft", "mouthSmileRight")),
    14: ("dimpler", ("mouthDimpleLeft", "mouthDimpleRight")),
    15: ("lip corner depressor", ("mouthFrownLeft", "mouthFrownRight")),
    16: ("lower lip depressor", ("mouthLowerDownLeft", "mouthLowerDownRight")),
    17: ("chin raiser", ("mouthShrugLower",)),
    18: ("lip pucker", ("mouthPucker",)),
    20: ("lip stretcher", ("mouthStretchLeft", "mouthStretchRight")),
    22: ("lip funneler", ("mouthFunnel",)),
    24: ("lip pressor", ("mouthPressLeft", "mouthPressRight")),
    26: ("jaw drop", ("jawOpen",)),
    28: ("lip suck", ("mouthRollLower", "mouthRollUpper")),
    45: ("blink", ("eyeBlinkLeft", "eyeBlinkRight")),
}

AU_NUMBERS: tuple[int, ...] = tuple(AU_FROM_BLENDSHAPES)


def _mapping_matrix() -> np.ndarray:
    index = {name: i for i, name in enumerate(BLENDSHAPE_NAMES)}
    out = np.zeros((len(BLENDSHAPE_NAMES), len(AU_NUMBERS)), dtype=np.float32)
    for j, au in enumerate(AU_NUMBERS):
        names = AU_FROM_BLENDSHAPES[au][1]
        for name in names:
            out[index[name], j] = 1.0 / len(names)
    return out


MAPPING = _mapping_matrix()  # [52, n_AU]


def aus_from_blendshapes(scores: np.ndarray) -> np.ndarray:
    """[..., 52] blendshape scores -> [..., n_AU] AU intensities in [0, 1], order AU_NUMBERS."""
    return np.clip(np.asarray(scores, dtype=np.float32) @ MAPPING, 0.0, 1.0)


def au_column(au: int, kind: str = "r") -> str:
    """OpenFace-style column name: ``AU01_r``."""
    return f"AU{au:02d}_{kind}"


def mapping_table_markdown() -> str:
    """The mapping as a Markdown table (README and `aucli doctor`)."""
    rows = ["| AU | FACS name | blendshapes (mean) |", "|---|---|---|"]
    for au, (name, shapes) in AU_FROM_BLENDSHAPES.items():
        rows.append(f"| {au_column(au)} | {name} | {', '.join(shapes)} |")
    return "\n".join(rows)
