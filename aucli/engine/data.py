"""Loader samples -> training batches: image transforms, the frame dataset, class weights.

Images: when a ``datasets prepare`` cache of aligned crops exists the loader returns aligned
crops; otherwise the loader's own image (a whole frame for raw releases) is simply resized to
``input_size``. Training: resize to ``input_size`` -> random ``crop_size`` crop -> horizontal
flip -> optional colour jitter / grayscale / blur (ME-GraphAU, AUNCE; DATASETS.md §5.1).
Test: resize -> centre crop. Augmentation is plain numpy/torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from aucli.data.base import AUSample

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class DataConfig:
    """Input pipeline (defaults: ME-GraphAU's aligned 256 -> crop 224, ImageNet normalisation)."""

    input_size: int = 256
    """Side the (aligned) image is resized to before cropping."""
    crop_size: int = 224
    """Network input side: random crop for training, centre crop for test."""
    flip: bool = True
    """Random horizontal flip for training."""
    jitter: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0)
    """ColorJitter brightness, contrast, saturation, hue (AUNCE: 0.4, 0.4, 0.4, 0.1)."""
    jitter_p: float = 0.8
    """Probability of applying the colour jitter."""
    grayscale_p: float = 0.0
    """Probability of converting to grayscale (AUNCE: 0.2)."""
    blur_p: float = 0.0
    """Probability of a Gaussian blur (AUNCE: 0.5 with kernel 3)."""
    blur_kernel: int = 3
    """Gaussian blur kernel size."""
    mean: tuple[float, ...] = IMAGENET_MEAN
    """Per-channel normalisation mean (RGB, [0, 1] scale)."""
    std: tuple[float, ...] = IMAGENET_STD
    """Per-channel normalisation std."""
    val_fraction: float = 0.15
    """Fraction of the training subjects held out for validation (best.pt selection)."""


def resize(image: np.ndarray, size: int) -> np.ndarray:
    if image.shape[0] == size and image.shape[1] == size:
        return image
    return cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA
                      if image.shape[0] > size else cv2.INTER_LINEAR)


def normalise(image: np.ndarray, cfg: DataConfig) -> torch.Tensor:
    """uint8 RGB [H, W, 3] -> float tensor [3, H, W], normalised."""
    x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float() / 255.0
    mean = torch.tensor(cfg.mean).view(3, 1, 1)
    std = torch.tensor(cfg.std).view(3, 1, 1)
    return (x - mean) / std


def eval_transform(image: np.ndarray, cfg: DataConfig) -> torch.Tensor:
    """Resize to input_size, centre crop to crop_size, normalise -> [3, crop, crop]."""
    image = resize(image, cfg.input_size)
    o = (cfg.input_size - cfg.crop_size) // 2
    return normalise(image[o:o + cfg.crop_size, o:o + cfg.crop_size], cfg)


def _jitter(x: np.ndarray, cfg: DataConfig, rng: np.random.Generator) -> np.ndarray:
    """ColorJitter on float RGB in [0, 1], [H, W, 3]; factors drawn as torchvision does."""
    b, c, s, h = (tuple(cfg.jitter) + (0.0,) * 4)[:4]
    gray = x @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    if b:
        x = x * rng.uniform(1 - b, 1 + b)
    if c:
        x = (x - gray.mean()) * rng.uniform(1 - c, 1 + c) + gray.mean()
    if s:
        g = (x @ np.array([0.299, 0.587, 0.114], dtype=np.float32))[..., None]
        x = (x - g) * rng.uniform(1 - s, 1 + s) + g
    if h:  # rotate chroma in YIQ space by the hue angle
        a = rng.uniform(-h, h) * 2 * np.pi
        to_yiq = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322],
                           [0.211, -0.523, 0.312]], dtype=np.float32)
        rot = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]],
                       dtype=np.float32)
        x = x @ (np.linalg.inv(to_yiq) @ rot @ to_yiq).T.astype(np.float32)
    return np.clip(x, 0.0, 1.0)


def train_transform(image: np.ndarray, cfg: DataConfig, rng: np.random.Generator) -> torch.Tensor:
    """Resize, random crop, flip, optional jitter / grayscale / blur, normalise."""
    image = resize(image, cfg.input_size)
    y, x0 = rng.integers(0, cfg.input_size - cfg.crop_size + 1, size=2)
    image = image[y:y + cfg.crop_size, x0:x0 + cfg.crop_size]
    if cfg.flip and rng.random() < 0.5:
        image = image[:, ::-1]
    if any(cfg.jitter) and rng.random() < cfg.jitter_p:
        image = (_jitter(image.astype(np.float32) / 255.0, cfg, rng) * 255).astype(np.uint8)
    if cfg.grayscale_p and rng.random() < cfg.grayscale_p:
        g = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
        image = np.repeat(g[..., None], 3, axis=2)
    if cfg.blur_p and rng.random() < cfg.blur_p:
        image = cv2.GaussianBlur(np.ascontiguousarray(image), (cfg.blur_kernel,) * 2,
                                 rng.uniform(0.1, 2.0))
    return normalise(image, cfg)


class FrameDataset(Dataset):
    """Samples from one or more loaders as dicts of tensors (see aucli.methods.base).

    ``readers[source[i]]`` reads sample i (``loader.read_image``); source 0 is the primary AU
    dataset, 1 the auxiliary (expression) one whose AU labels are masked out.
    """

    def __init__(self, samples: Sequence[AUSample], readers: Sequence[Callable[[AUSample], np.ndarray]],
                 num_aus: int, subjects: Sequence[str], config: DataConfig, train: bool,
                 views: int = 1, source: Sequence[int] | None = None, seed: int = 0,
                 source_names: Sequence[str] = ("primary", "aux")) -> None:
        self.samples = list(samples)
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
        self._epoch_draws = 0

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
        if not self.train:
            item["image"] = eval_transform(image, self.config)
            return item
        rng = np.random.default_rng([self.seed, i, int(torch.randint(0, 2**31 - 1, ()).item())])
        item["image"] = train_transform(image, self.config, rng)
        if self.views > 1:
            item["image2"] = train_transform(image, self.config, rng)
        return item


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
