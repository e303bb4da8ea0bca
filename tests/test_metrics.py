"""Metrics against scikit-learn and hand computations (DATASETS.md 4)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, recall_score

from aucli import metrics


@pytest.fixture
def au_data():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=(200, 5)).astype(np.int8)
    p = rng.random((200, 5))
    y[rng.random(y.shape) < 0.15] = -1  # unknown (BP4D 9 / Aff-Wild2 -1)
    y[:, 3] = np.where(y[:, 3] == -1, -1, 0)  # an AU without a single positive
    return y, p


def test_au_f1_matches_sklearn_on_valid_frames(au_data):
    y, p = au_data
    decisions = (p >= 0.5).astype(np.int8)
    f1 = metrics.au_f1(y, decisions)
    acc = metrics.au_accuracy(y, decisions)
    for j in range(y.shape[1]):
        keep = y[:, j] >= 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = f1_score(y[keep, j], decisions[keep, j], zero_division=0)
        assert f1[j] == pytest.approx(want, abs=1e-12)
        assert acc[j] == pytest.approx(accuracy_score(y[keep, j], decisions[keep, j]), abs=1e-12)
    assert f1[3] == 0.0  # TP = 0 -> F1 = 0


def test_au_f1_nine_is_masked_and_mask_argument_applies():
    y = np.array([[1], [9], [0], [1]])
    p = np.array([[1], [1], [1], [0]])
    # valid frames 0, 2, 3: TP 1, FP 1, FN 1 -> F1 = 2 / 4
    assert metrics.au_f1(y, p)[0] == pytest.approx(0.5)
    mask = np.array([[True], [True], [False], [True]])
    assert metrics.au_f1(y, p, mask)[0] == pytest.approx(2 / 3)


def _icc31_by_hand(y, p):
    data = np.stack([y, p], 1).astype(float)
    n, k = data.shape
    m = data.mean(1)
    grand = data.mean()
    bms = k * ((m - grand) ** 2).sum() / (n - 1)
    ssw = ((data - m[:, None]) ** 2).sum()
    ssr = n * ((data.mean(0) - grand) ** 2).sum()
    ems = (ssw - ssr) / ((n - 1) * (k - 1))
    return (bms - ems) / (bms + (k - 1) * ems)


def test_icc31_hand_computed_perfect_and_offset():
    y = np.array([0, 1, 2, 3, 5, 4, 2, 0], float)
    p = np.array([0, 2, 2, 2, 4, 5, 1, 1], float)
    # two-way mixed ANOVA computed term by term for this data: n = 8, k = 2
    m = (y + p) / 2
    bms = 2 * ((m - m.mean()) ** 2).sum() / 7
    ems = (((y - m) ** 2 + (p - m) ** 2).sum() - 8 * ((y.mean() - m.mean()) ** 2
                                                     + (p.mean() - m.mean()) ** 2)) / 7
    assert metrics.icc31(y, p) == pytest.approx((bms - ems) / (bms + ems), abs=1e-9)
    assert metrics.icc31(y, p) == pytest.approx(_icc31_by_hand(y, p), abs=1e-9)
    assert metrics.icc31(y, y) == pytest.approx(1.0, abs=1e-9)
    assert metrics.icc31(y, y + 1.5) == pytest.approx(1.0, abs=1e-9)  # consistency: offset ok
    assert metrics.mae(y, y + 1.5) == pytest.approx(1.5)  # ... MAE is not
    assert metrics.icc31(np.ones(5), np.ones(5)) == 0.0  # NaN -> 0


def test_icc_and_mae_per_column_with_mask():
    y = np.array([[0, 1], [1, np.nan], [2, 3], [3, 2]], float)
    p = np.array([[0, 1], [2, 5], [2, 3], [4, 2]], float)
    icc = metrics.icc31(y, p)
    assert icc[0] == pytest.approx(_icc31_by_hand(y[:, 0], p[:, 0]), abs=1e-9)
    keep = ~np.isnan(y[:, 1])
    assert icc[1] == pytest.approx(_icc31_by_hand(y[keep, 1], p[keep, 1]), abs=1e-9)
    assert metrics.mae(y, p)[1] == pytest.approx(0.0)
    mask = np.array([[True, True], [True, True], [True, True], [False, True]])
    assert metrics.mae(y, p, mask)[0] == pytest.approx(1 / 3)


def test_me_scores_hand_computed_3x3():
    # rows truth, columns prediction
    conf = np.array([[5, 1, 0], [2, 3, 1], [0, 1, 2]])
    t, p = [], []
    for i, row in enumerate(conf):
        for j, count in enumerate(row):
            t += [i] * count
            p += [j] * count
    s = metrics.me_scores(t, p)
    f1 = [2 * 5 / (10 + 2 + 1), 2 * 3 / (6 + 2 + 3), 2 * 2 / (4 + 1 + 1)]
    rec = [5 / 6, 3 / 6, 2 / 3]
    assert s["confusion"] == conf.tolist()
    assert s["accuracy"] == pytest.approx(10 / 15)
    assert s["uf1"] == pytest.approx(np.mean(f1), abs=1e-12)
    assert s["uar"] == pytest.approx(np.mean(rec), abs=1e-12)
    assert s["uf1"] == pytest.approx(f1_score(t, p, average="macro"), abs=1e-12)
    assert s["uar"] == pytest.approx(recall_score(t, p, average="macro"), abs=1e-12)


def test_me_scores_string_labels_and_skipped_class():
    t = ["negative", "positive", "negative", "surprise"]
    p = ["negative", "negative", "negative", "positive"]
    with pytest.warns(UserWarning, match="skipped"):
        s = metrics.me_scores(t, p, classes=["negative", "positive", "surprise", "fear"])
    assert s["classes"] == ["negative", "positive", "surprise"]
    assert s["uf1"] == pytest.approx(f1_score(t, p, average="macro"), abs=1e-12)
    assert s["uar"] == pytest.approx(recall_score(t, p, average="macro"), abs=1e-12)


def test_pooled_loso_differs_from_averaged_folds():
    """UF1 on predictions pooled over LOSO folds is the protocol; a mean of per-fold UF1 is not."""
    folds = {  # subject -> (truth, prediction); small folds that miss classes, as in LOSO
        "s1": ([0, 0, 1], [0, 0, 0]),
        "s2": ([2], [2]),
        "s3": ([1, 1, 2, 0], [1, 0, 2, 0]),
        "s4": ([0, 2], [2, 2]),
    }
    t = [v for truth, _ in folds.values() for v in truth]
    p = [v for _, pred in folds.values() for v in pred]
    pooled = metrics.me_scores(t, p)
    assert pooled["uf1"] == pytest.approx(f1_score(t, p, average="macro"), abs=1e-12)
    assert pooled["uar"] == pytest.approx(recall_score(t, p, average="macro"), abs=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        averaged = np.mean([metrics.me_scores(a, b)["uf1"] for a, b in folds.values()])
    assert abs(averaged - pooled["uf1"]) > 0.04  # 0.628 averaged vs 0.675 pooled


def test_me_scores_by_source_slices_the_pooled_predictions():
    t = ["negative", "positive", "surprise", "negative", "positive", "negative"]
    p = ["negative", "negative", "surprise", "negative", "positive", "positive"]
    src = ["casme2", "casme2", "casme2", "samm", "samm", "smic"]
    by = metrics.me_scores_by(t, p, src)
    assert set(by) == {"casme2", "samm", "smic"}
    for name in by:
        idx = [i for i, s in enumerate(src) if s == name]
        tt, pp = [t[i] for i in idx], [p[i] for i in idx]
        assert by[name]["uf1"] == pytest.approx(f1_score(tt, pp, average="macro"), abs=1e-12)
        assert by[name]["n"] == len(idx)


def test_class_weights_formula():
    y = np.array([[1, 0, 1], [1, 0, 0], [0, 1, -1], [1, 0, 0]])
    r = np.array([3 / 4, 1 / 4, 1 / 3])
    want = (1 / r) / (1 / r).sum() * 3
    np.testing.assert_allclose(metrics.class_weights(y), want, rtol=1e-12)
    assert np.isfinite(metrics.class_weights(np.zeros((4, 2)))).all()
