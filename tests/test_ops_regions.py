"""AU region centres from 68 landmarks (DATASETS.md §5.2)."""

from __future__ import annotations

import numpy as np

from aucli.ops.regions import REGIONS, au_centres, region_boxes, region_flow, region_masks


def upright_face() -> np.ndarray:
    rng = np.random.default_rng(0)
    lm = rng.uniform(20, 90, (68, 2))
    lm[36:42] = [30, 40]  # left eye
    lm[42:48] = [70, 40]  # right eye
    lm[39] = [40, 40]  # inner corners: ruler = 20
    lm[42] = [60, 40]
    return lm


def test_centres_follow_the_jaanet_table():
    lm = upright_face()
    c = au_centres(lm)
    np.testing.assert_allclose(c[1], [lm[21] + [0, -10], lm[22] + [0, -10]])
    np.testing.assert_allclose(c[2][1], lm[25] + [0, -20 / 3])
    np.testing.assert_allclose(c[4][0], lm[19] + [0, 20 / 3])
    np.testing.assert_allclose(c[6][1], lm[46] + [0, 20])
    np.testing.assert_allclose(c[12], lm[[48, 54]])
    np.testing.assert_allclose(c[26], c[17])
    np.testing.assert_allclose(c[25], lm[[51, 57]])
    assert set(c) == {1, 2, 4, 6, 7, 9, 10, 12, 14, 15, 17, 23, 24, 25, 26}


def test_centres_rotate_with_the_face():
    lm = upright_face()
    theta = np.deg2rad(30)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    c0, c1 = au_centres(lm), au_centres(lm @ rot.T)
    for au in c0:
        np.testing.assert_allclose(c1[au], c0[au] @ rot.T, atol=1e-9)


def test_region_boxes_and_means():
    lm = upright_face()
    boxes = region_boxes(lm, half=0.5)
    assert list(boxes) == list(REGIONS)
    assert boxes["AU12"].shape == (2, 4)
    np.testing.assert_allclose(boxes["AU12"][0], [*(lm[48] - 10), *(lm[48] + 10)])
    flow = np.zeros((120, 120, 2))
    flow[..., 0] = np.arange(120)[None, :]  # dx = x
    flow[:3, :, 0] *= -1  # opposite motions: the mean dx cancels, the mean length does not
    boxes = {"a": np.array([[10, 0, 20, 5]]), "out": np.array([[500, 500, 510, 510]])}
    means = region_flow(flow, region_masks(flow.shape[:2], boxes))
    np.testing.assert_allclose(means["a"], [0, 0, 15], atol=1e-12)  # rows 0-2 left, 3-5 right
    assert np.isnan(means["out"]).all()
