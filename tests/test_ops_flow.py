"""Optical flow ops recover known synthetic motions; strain matches analytic values."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from aucli.ops.flow import FLOW_METHODS, optical_flow
from aucli.ops.strain import SCHEMES, optical_strain, strain_tensor

# Mean absolute end-point error allowed in the interior (px), per method.
TOLERANCE = {"tvl1": 0.15, "farneback": 0.25, "dis": 0.25}


def texture(size: int = 112, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.random((size, size)).astype(np.float32), (0, 0), 2.0)
    img = (img - img.min()) / (img.max() - img.min())
    return (img * 255).astype(np.uint8)


def moved(img: np.ndarray, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Warp img by a [2, 3] map; return the moved image and the true flow M p − p."""
    h, w = img.shape
    cur = cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    pts = np.stack([xs, ys], -1)
    true = pts @ matrix[:, :2].T + matrix[:, 2] - pts
    return cur, true


def interior_epe(flow: np.ndarray, true: np.ndarray, margin: int = 16) -> float:
    s = slice(margin, -margin)
    return float(np.linalg.norm(flow[s, s] - true[s, s], axis=-1).mean())


def test_registry_lists_three_methods():
    assert sorted(FLOW_METHODS) == ["dis", "farneback", "tvl1"]


@pytest.mark.parametrize("method", sorted(FLOW_METHODS))
def test_translation_recovered(method):
    img = texture()
    matrix = np.array([[1, 0, 1.5], [0, 1, -1.0]])
    cur, true = moved(img, matrix)
    flow = optical_flow(img, cur, method)
    assert flow.shape == (112, 112, 2) and flow.dtype == np.float32
    assert interior_epe(flow, true) < TOLERANCE[method]
    s = slice(16, -16)
    assert np.median(flow[s, s, 0]) == pytest.approx(1.5, abs=0.1)
    assert np.median(flow[s, s, 1]) == pytest.approx(-1.0, abs=0.1)


@pytest.mark.parametrize("method", sorted(FLOW_METHODS))
def test_rotation_recovered(method):
    img = texture(seed=1)
    matrix = cv2.getRotationMatrix2D((55.5, 55.5), 3.0, 1.0)  # ~2 px at the crop's edge
    cur, true = moved(img, matrix)
    flow = optical_flow(img, cur, method)
    assert interior_epe(flow, true) < TOLERANCE[method]
    # and it is not just a lucky zero field
    assert interior_epe(np.zeros_like(flow), true) > 4 * TOLERANCE[method]


def test_rgb_and_gray_agree():
    img = texture()
    cur, _ = moved(img, np.array([[1, 0, 1.0], [0, 1, 0.0]]))
    rgb = np.repeat(img[..., None], 3, -1), np.repeat(cur[..., None], 3, -1)
    np.testing.assert_allclose(optical_flow(*rgb, "dis"), optical_flow(img, cur, "dis"))


def test_unknown_method_names_the_known_ones():
    with pytest.raises(ValueError, match="farneback"):
        optical_flow(texture(), texture(), "farnback")


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_strain_of_translation_is_zero(scheme):
    u = np.full((20, 30), 1.7)
    v = np.full((20, 30), -0.4)
    assert np.abs(optical_strain(u, v, scheme)).max() < 1e-6


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_strain_of_stretch_and_shear(scheme):
    ys, xs = np.mgrid[0:20, 0:30].astype(np.float64)
    a, b, c = 0.05, -0.03, 0.02
    # stretch: u = a x, v = b y -> |ε| = sqrt(a² + b²) away from the zero-filled border
    st = optical_strain(a * xs, b * ys, scheme)
    assert np.allclose(st[1:-1, 1:-1], np.hypot(a, b), atol=1e-6)
    # simple shear: u = c y -> |ε| = sqrt(w) c with w = 0.5 (canonical) or 0.25
    assert np.allclose(optical_strain(c * ys, 0 * xs, scheme)[1:-1, 1:-1], np.sqrt(0.5) * c)
    assert np.allclose(optical_strain(c * ys, 0 * xs, scheme, 0.25)[1:-1, 1:-1], 0.5 * c)
    eps = strain_tensor(a * xs, c * ys, scheme)[5, 5]
    assert np.allclose(eps, [[a, 0], [0, c]], atol=1e-6)


def test_backward_scheme_zero_fills_first_column():
    ys, xs = np.mgrid[0:5, 0:6].astype(np.float64)
    st = optical_strain(0.1 * xs, 0 * xs, "backward")
    assert np.allclose(st[:, 0], 0) and np.allclose(st[:, 1:], 0.1)
