"""LBP / LBP-TOP and temporal interpolation."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.feature import local_binary_pattern

from aucli.ops.temporal import interpolate_clip, linear, tim
from aucli.ops.texture import (
    LBPTOPConfig, block_ranges, lbp, lbp_top, lbp_top_codes, lbp_top_length, n_bins,
)


def clip(t=10, h=40, w=48, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (t, h, w), dtype=np.uint8)


def test_lbp_equals_scikit_image():
    img = clip()[0]
    np.testing.assert_array_equal(lbp(img, 8, 3), local_binary_pattern(img, 8, 3, "nri_uniform"))


def test_lbp_top_xy_plane_equals_scikit_image_per_frame():
    vol = clip()
    xy, xt, yt = lbp_top_codes(vol)  # radii 3 -> margin 3 on every axis
    assert xy.shape == xt.shape == yt.shape == (4, 34, 42)
    for i in range(4):
        ref = local_binary_pattern(vol[i + 3], 8, 3, "nri_uniform")[3:-3, 3:-3]
        np.testing.assert_array_equal(xy[i], ref)


def test_lbp_top_xt_plane_is_lbp_of_rows_over_time():
    vol = clip()
    _, xt, yt = lbp_top_codes(vol)
    y = 10
    ref = local_binary_pattern(vol[:, y, :], 8, 3, "nri_uniform")[3:-3, 3:-3]
    np.testing.assert_array_equal(xt[:, y - 3, :], ref)
    x = 20
    ref = local_binary_pattern(vol[:, :, x], 8, 3, "nri_uniform")[3:-3, 3:-3]
    np.testing.assert_array_equal(yt[:, :, x - 3], ref)


@pytest.mark.parametrize("grid", [(8, 8), (5, 5), (2, 3)])
def test_lbp_top_length_is_planes_bins_blocks(grid):
    cfg = LBPTOPConfig(grid=grid)
    f = lbp_top(clip(), cfg)
    assert n_bins(8) == 59
    assert f.shape == (3 * 59 * grid[0] * grid[1],) == (lbp_top_length(cfg),)
    per_hist = f.reshape(grid[0] * grid[1] * 3, 59).sum(1)
    np.testing.assert_allclose(per_hist, 1.0, rtol=1e-5)


def test_default_feature_is_meb_11328():
    assert lbp_top_length() == 8 * 8 * 3 * 59 == 11328


def test_lbp_top_per_plane_radii_change_margins():
    xy, _, _ = lbp_top_codes(clip(t=12), LBPTOPConfig(radii=(1, 1, 4)))
    # t and y lie on the YT plane (radius 4), x only on XY and XT (radius 1)
    assert xy.shape == (12 - 8, 40 - 8, 48 - 2)


def test_lbp_top_rejects_too_short_clip():
    with pytest.raises(ValueError, match="too small"):
        lbp_top(clip(t=6))


def test_block_ranges_overlap_and_cover():
    r = block_ranges(106, 8, 0.7)
    assert r[0][0] == 0 and r[-1][1] == 106
    size = r[0][1] - r[0][0]
    assert 33 <= size <= 35
    assert all(b[0] < a[1] for a, b in zip(r, r[1:]))  # consecutive blocks overlap


def test_tim_passes_through_frames_and_resamples():
    vol = clip(t=7).astype(np.float32)
    same = tim(vol, 7)
    np.testing.assert_allclose(same, vol, atol=1e-3)
    out = tim(vol, 10)
    assert out.shape == (10, 40, 48)
    np.testing.assert_allclose(out[0], vol[0], atol=1e-3)
    np.testing.assert_allclose(out[-1], vol[-1], atol=1e-3)


def test_linear_interpolation_of_a_ramp():
    ramp = np.arange(5, dtype=np.float32)[:, None] * np.ones((5, 3), np.float32)
    out = linear(ramp, 9)
    np.testing.assert_allclose(out[:, 0], np.linspace(0, 4, 9))
    assert interpolate_clip(ramp, 9, "linear").shape == (9, 3)
    with pytest.raises(ValueError, match="tim"):
        interpolate_clip(ramp, 9, "cubic")
