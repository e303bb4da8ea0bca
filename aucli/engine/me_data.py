"""Micro-expression clips -> network inputs: onset->apex flow (u, v, strain) and the apex frame.

``clip_inputs`` is the one place the inputs are computed (DATASETS.md §5.3): grayscale onset and
apex frames resized to a working size, optical flow onset->apex (Farneback with HTNet's
parameters by default, TV-L1 or DIS on request), optical strain |eps| = sqrt(u_x^2 + v_y^2 +
1/2 (u_y + v_x)^2) with forward differences (HTNet), each channel min-max normalised to [0, 1]
(STSTNet) and resized to S x S. Channel order is fixed: (u, v, strain).

Computed inputs are cached on disk per clip (``InputCache``), keyed by the clip and every setting
that changes the result, so LOSO folds and repeated runs compute each clip once. The maths lives
in ``aucli.ops.flow`` / ``aucli.ops.strain``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from aucli.data.base import MEClip
from aucli.data.files import read_image
from aucli.errors import InputError
from aucli.ops.flow import FLOW_METHODS, flow_function, to_gray
from aucli.ops.strain import flow_strain

CACHE_VERSION = "2"  # 2: frames decoded by aucli.data.files.read_image, then RGB -> gray


@dataclass(frozen=True)
class InputConfig:
    """How clips become network inputs."""

    size: int = 112
    """Side S of the [3, S, S] flow and [1, S, S] apex inputs (MMMS-T uses 112, STSTNet 28)."""
    flow: str = "farneback"
    """Optical flow onset->apex: farneback (HTNet parameters), tvl1 or dis."""
    work_size: int = 112
    """Frames are resized to max(size, work_size) before the flow is computed."""
    normalise: bool = True
    """Min-max normalise each flow channel to [0, 1] (STSTNet); off keeps pixel units."""
    align: bool = False
    """Find the face on the onset frame and warp onset and apex with that one map (for raw,
    uncropped frames such as CASME2_RAW_selected; off for the released Cropped/ frames)."""


def _gray(frame: np.ndarray | str | Path) -> np.ndarray:
    """uint8 gray of an image reference (path, ``zip::member``, ``video::index``) or an RGB or
    gray array."""
    return to_gray(read_image(str(frame)) if isinstance(frame, (str, Path)) else frame)


def _minmax(a: np.ndarray) -> np.ndarray:
    lo, hi = float(a.min()), float(a.max())
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def clip_inputs(frames: Sequence[np.ndarray | str | Path], onset: int, apex: int, size: int,
                flow: str = "farneback", work_size: int = 112,
                normalise: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(flow [3, S, S] float32 = u, v, strain; apex [1, S, S] float32 in [0, 1]).

    ``onset`` and ``apex`` index ``frames`` (RGB or gray arrays, or image references).
    """
    if flow not in FLOW_METHODS:
        raise InputError(f"unknown flow {flow!r} (known: {', '.join(FLOW_METHODS)})")
    work = max(size, work_size)
    prev = cv2.resize(_gray(frames[onset]), (work, work), interpolation=cv2.INTER_AREA)
    cur = cv2.resize(_gray(frames[apex]), (work, work), interpolation=cv2.INTER_AREA)
    channels = list(flow_strain(prev, cur, flow_function(flow), scheme="forward"))
    if normalise:
        channels = [_minmax(c) for c in channels]
    out = [cv2.resize(c.astype(np.float32), (size, size), interpolation=cv2.INTER_LINEAR)
           for c in channels]
    apex_img = cv2.resize(cur, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    return np.stack(out), apex_img[None]


def aligned_pair(onset: np.ndarray | str | Path, apex: np.ndarray | str | Path,
                 crop: int) -> list[np.ndarray]:
    """Gray onset and apex crops [crop, crop], both warped with the onset frame's face map.

    The face is aucli's detector's largest face on the onset frame, aligned with the jaanet
    template (``aucli.features``), as meb's crop_and_align does: one map, no jitter.
    """
    from aucli.motion.clips import find_face
    from aucli.motion.features import ClipFeaturesConfig, align_clip, onset_matrix

    rgb = [read_image(str(f)) if isinstance(f, (str, Path)) else f for f in (onset, apex)]
    matrix = onset_matrix(find_face(rgb[0]).lm68, ClipFeaturesConfig(size=crop))
    return [cv2.cvtColor(c, cv2.COLOR_RGB2GRAY) for c in align_clip(rgb, matrix, crop)]


class InputCache:
    """On-disk cache of ``clip_inputs`` results, one ``.npz`` per clip and setting."""

    def __init__(self, folder: str | Path | None, config: InputConfig) -> None:
        self.folder = Path(folder) if folder else None
        self.config = config

    def key(self, clip: MEClip) -> str:
        c = self.config
        text = "|".join(map(str, (CACHE_VERSION, clip.dataset, clip.subject, clip.clip,
                                  clip.frames[0], clip.frames[clip.apex_index], c.size, c.flow,
                                  c.work_size, c.normalise, c.align)))
        return hashlib.sha1(text.encode()).hexdigest()[:16]

    def get(self, clip: MEClip) -> tuple[np.ndarray, np.ndarray]:
        c = self.config
        path = None
        if self.folder is not None:
            path = self.folder / clip.dataset / clip.subject / f"{clip.clip}-{self.key(clip)}.npz"
            if path.is_file():
                with np.load(path) as data:
                    return data["flow"], data["apex"]
        frames: Sequence = clip.frames
        apex_i = clip.apex_index
        if c.align:
            frames, apex_i = aligned_pair(frames[0], frames[apex_i], max(c.size, c.work_size)), 1
        flow, apex = clip_inputs(frames, 0, apex_i, c.size, c.flow, c.work_size, c.normalise)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, flow=flow, apex=apex)
            tmp.replace(path)
        return flow, apex


class MEDataset(torch.utils.data.Dataset):
    """In-memory ME inputs; items are the batch dicts of ``aucli/methods/base.py``."""

    def __init__(self, flow: torch.Tensor, apex: torch.Tensor, labels: torch.Tensor,
                 subjects: torch.Tensor) -> None:
        self.flow, self.apex = flow, apex  # [N, 3, S, S], [N, 1, S, S]
        self.labels, self.subjects = labels, subjects  # [N] long, [N] long

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def subject_index(self) -> np.ndarray:
        """[N] subject index of each clip (what episodic samplers group by)."""
        return self.subjects.numpy()

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"flow": self.flow[i], "apex": self.apex[i], "label": self.labels[i],
                "subject": self.subjects[i]}

    def batch(self, index: Sequence[int] | np.ndarray) -> dict[str, torch.Tensor]:
        """Rows ``index`` as one batch dict."""
        idx = torch.as_tensor(np.asarray(index, dtype=np.int64))
        return {"flow": self.flow[idx], "apex": self.apex[idx], "label": self.labels[idx],
                "subject": self.subjects[idx]}

    def subset(self, index: Sequence[int] | np.ndarray) -> MEDataset:
        idx = torch.as_tensor(np.asarray(index, dtype=np.int64))
        return MEDataset(self.flow[idx], self.apex[idx], self.labels[idx], self.subjects[idx])

    def with_labels(self, labels: np.ndarray | torch.Tensor) -> MEDataset:
        return MEDataset(self.flow, self.apex, torch.as_tensor(labels).long(), self.subjects)


def build_dataset(clips: Sequence[MEClip], classes: Sequence[str], subjects: Sequence[str],
                  cache: InputCache, progress: Callable[[int], None] | None = None) -> MEDataset:
    """Compute (or read cached) inputs for every clip; labels index ``classes``."""
    flows, apexes = [], []
    for i, clip in enumerate(clips):
        flow, apex = cache.get(clip)
        flows.append(flow)
        apexes.append(apex)
        if progress:
            progress(i + 1)
    labels = torch.tensor([list(classes).index(c.label) for c in clips], dtype=torch.long)
    subj = torch.tensor([list(subjects).index(c.subject) for c in clips], dtype=torch.long)
    return MEDataset(torch.from_numpy(np.stack(flows)), torch.from_numpy(np.stack(apexes)),
                     labels, subj)


def _class_names(loader: object) -> list[str]:
    for attr in ("classes", "expressions"):
        names = getattr(loader, attr, None)
        if names:
            return [str(n) for n in names]
    raise InputError(f"{type(loader).__name__} lists no expression classes")


def macro_bank(loader: object, me_classes: Sequence[str], mapping: dict[str, str], size: int,
               limit: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Macro-expression images [M, 1, S, S] in [0, 1] with ME class indices [M].

    ``mapping`` sends the auxiliary dataset's class names to ME class names (case-insensitive);
    an empty mapping pairs equal names. Samples of unmapped classes are dropped; ``limit`` > 0
    keeps at most that many images per ME class (the first ones, in the loader's order).
    """
    names = _class_names(loader)
    pairs = mapping or {n: n for n in names}
    lower = {k.lower(): v.lower() for k, v in pairs.items()}
    me_index = {c.lower(): i for i, c in enumerate(me_classes)}
    images, labels, counts = [], [], dict.fromkeys(range(len(me_classes)), 0)
    for sample in loader.samples():  # type: ignore[attr-defined]
        if sample.expression < 0 or sample.expression >= len(names):
            continue
        target = me_index.get(lower.get(names[sample.expression].lower(), ""), -1)
        if target < 0 or (limit and counts[target] >= limit):
            continue
        img = cv2.resize(_gray(sample.image), (size, size), interpolation=cv2.INTER_AREA)
        images.append(img.astype(np.float32)[None] / 255)
        labels.append(target)
        counts[target] += 1
    if not images:
        raise InputError("the auxiliary dataset has no image of a class mapped to the ME classes")
    return torch.from_numpy(np.stack(images)), torch.tensor(labels, dtype=torch.long)
