"""Robustness settings the LightmanNet paper evaluates: label noise and few-shot training sets.

Both act on the training labels of a fold only; the test subject's labels are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RobustnessConfig:
    """Training-set perturbations (all off by default)."""

    label_noise: float = 0.0
    """Fraction p of training labels replaced by a different class, uniformly (symmetric noise)."""
    shots: int = 0
    """Keep K training clips per class (few-shot); 0 keeps all."""
    seed: int = 0
    """Seed of the noise and subset draws (combined with the fold index)."""


def symmetric_label_noise(labels: np.ndarray, p: float, num_classes: int,
                          seed: int) -> np.ndarray:
    """Copy of ``labels`` with exactly round(p * N) entries moved to another class, uniformly.

    Each corrupted label becomes one of the other ``num_classes - 1`` classes with equal
    probability, so the realised noise rate is p (up to rounding), never diluted by flips that
    land on the true class.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"label noise must be in [0, 1], got {p}")
    labels = np.asarray(labels, dtype=np.int64)
    out = labels.copy()
    if num_classes < 2 or p == 0.0:
        return out
    rng = np.random.default_rng(seed)
    flip = rng.choice(len(labels), int(round(p * len(labels))), replace=False)
    offset = rng.integers(1, num_classes, len(flip))  # 1..C-1: never the true class
    out[flip] = (labels[flip] + offset) % num_classes
    return out


def few_shot_subset(labels: np.ndarray, shots: int, seed: int) -> np.ndarray:
    """Sorted indices of ``shots`` random samples per class (all of a class that has fewer)."""
    labels = np.asarray(labels)
    if shots <= 0:
        return np.arange(len(labels))
    rng = np.random.default_rng(seed)
    keep = [rng.choice(np.flatnonzero(labels == c), min(shots, int((labels == c).sum())),
                       replace=False) for c in np.unique(labels)]
    return np.sort(np.concatenate(keep)) if keep else np.arange(0)


def perturb_training(labels: np.ndarray, num_classes: int, cfg: RobustnessConfig,
                     fold: int) -> tuple[np.ndarray, np.ndarray]:
    """(kept indices, their possibly noisy labels) for one fold's training set."""
    keep = few_shot_subset(labels, cfg.shots, cfg.seed * 7919 + fold)
    noisy = symmetric_label_noise(np.asarray(labels)[keep], cfg.label_noise, num_classes,
                                  cfg.seed * 104729 + fold + 1)
    return keep, noisy
