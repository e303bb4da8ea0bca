"""Seeded symmetric label noise hits the requested rate; few-shot subsets keep K per class."""

from __future__ import annotations

import numpy as np
import pytest

from aucli.engine.noise import (RobustnessConfig, few_shot_subset, perturb_training,
                                symmetric_label_noise)


@pytest.mark.parametrize("p", [0.0, 0.1, 0.2, 0.4, 0.8])
def test_label_noise_hits_the_rate(p):
    labels = np.random.default_rng(0).integers(0, 5, 1000)
    noisy = symmetric_label_noise(labels, p, 5, seed=3)
    assert (noisy != labels).mean() == pytest.approx(p, abs=1e-3)
    assert noisy.min() >= 0 and noisy.max() < 5
    np.testing.assert_array_equal(noisy, symmetric_label_noise(labels, p, 5, seed=3))


def test_label_noise_is_symmetric_over_the_other_classes():
    labels = np.zeros(30000, np.int64)
    noisy = symmetric_label_noise(labels, 0.6, 4, seed=1)
    counts = np.bincount(noisy, minlength=4)
    assert counts[0] == 12000
    assert np.allclose(counts[1:] / 18000, 1 / 3, atol=0.02)


def test_label_noise_depends_on_seed_and_rejects_bad_rates():
    labels = np.arange(100) % 3
    assert not np.array_equal(symmetric_label_noise(labels, 0.3, 3, 0),
                              symmetric_label_noise(labels, 0.3, 3, 1))
    with pytest.raises(ValueError):
        symmetric_label_noise(labels, 1.5, 3, 0)


def test_few_shot_keeps_k_per_class():
    labels = np.repeat(np.arange(4), [10, 2, 7, 5])
    keep = few_shot_subset(labels, 3, seed=0)
    assert np.bincount(labels[keep]).tolist() == [3, 2, 3, 3]
    assert len(set(keep.tolist())) == len(keep)
    assert len(few_shot_subset(labels, 0, 0)) == len(labels)


def test_perturb_training_combines_both_per_fold():
    labels = np.repeat(np.arange(3), 20)
    cfg = RobustnessConfig(label_noise=0.5, shots=10, seed=2)
    keep, noisy = perturb_training(labels, 3, cfg, fold=0)
    assert len(keep) == 30 and (noisy != labels[keep]).sum() == 15
    keep1, _ = perturb_training(labels, 3, cfg, fold=1)
    assert not np.array_equal(keep, keep1)
