"""Image -> network input, shared by training (``aucli.engine``) and inference (the ``au-model``
extract stage), so a checkpoint sees the same input in both: resize to ``input_size``, crop
``crop_size`` (random for training, centre for test), flip, optional colour jitter / grayscale /
blur (ME-GraphAU, AUNCE; DATASETS.md §5.1), ImageNet normalisation. Plain numpy/torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

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


# iBUG 68-point index of each point's mirror image (for horizontal flips).
FLIP_68 = np.array(
    list(range(16, -1, -1)) + list(range(26, 16, -1)) + [27, 28, 29, 30] + [35, 34, 33, 32, 31]
    + [45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40] + [54, 53, 52, 51, 50, 49, 48]
    + [59, 58, 57, 56, 55] + [64, 63, 62, 61, 60] + [67, 66, 65])


def eval_transform(image: np.ndarray, cfg: DataConfig) -> torch.Tensor:
    """Resize to input_size, centre crop to crop_size, normalise -> [3, crop, crop]."""
    return transform(image, cfg)[0]


def transform(image: np.ndarray, cfg: DataConfig, rng: np.random.Generator | None = None,
              points: np.ndarray | None = None) -> tuple[torch.Tensor, np.ndarray | None]:
    """Test view (``rng`` None: centre crop) or augmented training view of an RGB image, and
    ``points`` [N, 2] (68 iBUG landmarks, image pixels) mapped into the crop."""
    h, w = image.shape[:2]
    image = resize(image, cfg.input_size)
    crop, off = cfg.crop_size, (cfg.input_size - cfg.crop_size) // 2
    y0, x0 = (off, off) if rng is None else rng.integers(0, cfg.input_size - crop + 1, size=2)
    image = image[y0:y0 + crop, x0:x0 + crop]
    flip = rng is not None and cfg.flip and rng.random() < 0.5
    if flip:
        image = image[:, ::-1]
    if points is not None:
        points = points * np.array([cfg.input_size / w, cfg.input_size / h]) - np.array([x0, y0])
        if flip:
            points = np.stack([crop - 1 - points[:, 0], points[:, 1]], 1)[FLIP_68]
        points = points.astype(np.float32)
    if rng is not None:
        image = _appearance(image, cfg, rng)
    return normalise(image, cfg), points


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


def _appearance(image: np.ndarray, cfg: DataConfig, rng: np.random.Generator) -> np.ndarray:
    """Optional colour jitter, grayscale and blur (training only)."""
    if any(cfg.jitter) and rng.random() < cfg.jitter_p:
        image = (_jitter(image.astype(np.float32) / 255.0, cfg, rng) * 255).astype(np.uint8)
    if cfg.grayscale_p and rng.random() < cfg.grayscale_p:
        g = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
        image = np.repeat(g[..., None], 3, axis=2)
    if cfg.blur_p and rng.random() < cfg.blur_p:
        image = cv2.GaussianBlur(np.ascontiguousarray(image), (cfg.blur_kernel,) * 2,
                                 rng.uniform(0.1, 2.0))
    return image
