"""Loader samples -> training batches: image transforms, the frame dataset, class weights.

Images: when a ``datasets prepare`` cache of aligned crops exists the loader returns aligned
crops; otherwise the loader's own image (a whole frame for raw releases) is simply resized to
``input_size``. Training: resize to ``input_size`` -> random ``crop_size`` crop -> horizontal
flip -> optional colour jitter / grayscale / blur (ME-GraphAU, AUNCE; DATASETS.md §5.1).
Test: resize -> centre crop. Augmentation is plain numpy/torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from aucli.data.base import AUSample
from aucli.methods.inputs import (FLIP_68, IMAGENET_MEAN, IMAGENET_STD, DataConfig,  # noqa: F401
                                  eval_transform, normalise, resize, transform)


class FrameDataset(Dataset):
    """Samples from one or more loaders as dicts of tensors (see aucli.methods.base).

    ``readers[source[i]]`` reads sample i (``loader.read_image``); source 0 is the primary AU
    dataset, 1 the auxiliary (expression) one whose AU labels are masked out. ``landmarks``
    [N, 68, 2] (image pixels, e.g. from a ``datasets prepare`` index; NaN rows = no face) are
    carried through crop and flip into ``landmarks`` in crop pixels, which MARL's AU maps use.
    """

    def __init__(self, samples: Sequence[AUSample], readers: Sequence[Callable[[AUSample], np.ndarray]],
                 num_aus: int, subjects: Sequence[str], config: DataConfig, train: bool,
                 views: int = 1, source: Sequence[int] | None = None, seed: int = 0,
                 source_names: Sequence[str] = ("primary", "aux"),
                 landmarks: np.ndarray | None = None) -> None:
        self.samples = list(samples)
        self.landmarks = None if landmarks is None else _fill_landmarks(landmarks, samples, readers,
                                                                        source)
        self.source_names = list(source_names)
        self.readers = list(readers)
        self.config, self.train, self.views, self.seed = config, train, views, seed
        self.num_aus = num_aus
        self.subjects = list(subjects)
        index = {s: i for i, s in enumerate(self.subjects)}
        self.source = np.asarray(source if source is not None else [0] * len(self.samples), np.int64)
        self.subject_index = np.array([index.get(s.subject, -1) for s in self.samples], np.int64)
        self.expression = np.array([s.expression for s in self.samples], np.int64)
        self.labels = np.full((len(self.samples), num_aus), -1, np.int8)
        for i, s in enumerate(self.samples):
            if self.source[i] == 0 and len(s.labels) == num_aus:
                self.labels[i] = s.labels

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        sample = self.samples[i]
        image = self.readers[self.source[i]](sample)
        labels = self.labels[i]
        item = {
            "labels": torch.from_numpy((labels == 1).astype(np.float32)),
            "mask": torch.from_numpy((labels >= 0).astype(np.float32)),
            "subject": torch.tensor(self.subject_index[i]),
            "expression": torch.tensor(self.expression[i]),
            "source": torch.tensor(self.source[i]),
            "index": torch.tensor(i),
        }
        points = None if self.landmarks is None else self.landmarks[i]
        rng = None
        if self.train:
            rng = np.random.default_rng([self.seed, i, int(torch.randint(0, 2**31 - 1, ()))])
        item["image"], lm = transform(image, self.config, rng, points)
        if lm is not None:
            item["landmarks"] = torch.from_numpy(lm)
        if self.train and self.views > 1:
            item["image2"] = transform(image, self.config, rng)[0]
        return item


def _fill_landmarks(landmarks: np.ndarray, samples, readers, source) -> np.ndarray:
    """Rows of NaN (no face found) get the canonical aligned face, scaled to the image size."""
    from aucli.nn.regions import canonical_landmarks

    out = np.asarray(landmarks, np.float32).copy()
    for i in np.flatnonzero(~np.isfinite(out).all((1, 2))):
        h, w = readers[0 if source is None else source[i]](samples[i]).shape[:2]
        out[i] = canonical_landmarks(1.0) * np.array([w, h], np.float32)
    return out


class WeightedCollate:
    """default_collate plus the per-AU class weights as ``weight`` [C] (picklable for workers)."""

    def __init__(self, weight: np.ndarray | None) -> None:
        self.weight = None if weight is None else torch.as_tensor(weight, dtype=torch.float32)

    def __call__(self, items: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
        batch = torch.utils.data.default_collate(items)
        if self.weight is not None:
            batch["weight"] = self.weight
        return batch


def split_validation(samples: Sequence[AUSample], fraction: float, seed: int
                     ) -> tuple[list[AUSample], list[AUSample]]:
    """Hold out whole training subjects (never test-fold ones) for validation."""
    subjects = sorted({s.subject for s in samples})
    if fraction <= 0 or len(subjects) < 2:
        return list(samples), []
    rng = np.random.default_rng(seed)
    n = min(max(1, round(fraction * len(subjects))), len(subjects) - 1)
    held = set(rng.choice(subjects, size=n, replace=False).tolist())
    return ([s for s in samples if s.subject not in held], [s for s in samples if s.subject in held])
