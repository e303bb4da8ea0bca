"""Optical strain of a flow field (Liong et al.; DATASETS.md §5.3).

Strain tensor ε = [[u_x, ½(u_y + v_x)], [½(v_x + u_y), v_y]];
magnitude |ε| = sqrt(u_x² + v_y² + w·(u_y + v_x)²), canonical w = ½ (one repo uses ¼).
The repos disagree on the finite differences, so the scheme is a parameter:
``backward`` (MEAN: 1-pixel backward difference, first row/column 0), ``forward`` (HTNet:
1-pixel forward difference, last row/column repeats its neighbour) and ``central``
(``np.gradient``: central inside, one-sided at the border).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _backward(f: np.ndarray, axis: int) -> np.ndarray:
    d = np.zeros_like(f)
    src = np.diff(f, axis=axis)
    idx = [slice(None)] * f.ndim
    idx[axis] = slice(1, None)
    d[tuple(idx)] = src
    return d


def _forward(f: np.ndarray, axis: int) -> np.ndarray:
    src = np.diff(f, axis=axis)
    last = np.take(src, [-1], axis=axis)
    return np.concatenate([src, last], axis=axis)


def _central(f: np.ndarray, axis: int) -> np.ndarray:
    return np.gradient(f, axis=axis)


SCHEMES: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "backward": _backward,
    "forward": _forward,
    "central": _central,
}


def flow_gradients(u: np.ndarray, v: np.ndarray, scheme: str = "backward"
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(u_x, u_y, v_x, v_y) of [H, W] flow components; x = axis 1, y = axis 0."""
    try:
        diff = SCHEMES[scheme]
    except KeyError:
        known = sorted(SCHEMES)
        raise ValueError(f"unknown difference scheme {scheme!r}; known: {known}") from None
    u = np.asarray(u, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    return diff(u, 1), diff(u, 0), diff(v, 1), diff(v, 0)


def strain_tensor(u: np.ndarray, v: np.ndarray, scheme: str = "backward") -> np.ndarray:
    """The 2x2 strain tensor per pixel, [H, W, 2, 2] float32."""
    ux, uy, vx, vy = flow_gradients(u, v, scheme)
    shear = 0.5 * (uy + vx)
    return np.stack([np.stack([ux, shear], -1), np.stack([shear, vy], -1)], -2).astype(np.float32)


def optical_strain(u: np.ndarray, v: np.ndarray, scheme: str = "backward",
                   shear_weight: float = 0.5) -> np.ndarray:
    """Strain magnitude sqrt(u_x² + v_y² + w(u_y + v_x)²), [H, W] float32."""
    ux, uy, vx, vy = flow_gradients(u, v, scheme)
    return np.sqrt(ux**2 + vy**2 + shear_weight * (uy + vx) ** 2).astype(np.float32)


def flow_strain(prev: np.ndarray, cur: np.ndarray, flow: Callable[[np.ndarray, np.ndarray], np.ndarray],
                scheme: str = "backward", shear_weight: float = 0.5) -> np.ndarray:
    """The motion channels (u, v, strain) of the flow ``prev -> cur`` (onset -> apex for a
    micro-expression), [3, H, W] float32; ``flow`` is e.g. :func:`aucli.ops.flow.flow_function`'s."""
    uv = flow(prev, cur)  # [H, W, 2]
    u, v = uv[..., 0], uv[..., 1]
    return np.stack([u, v, optical_strain(u, v, scheme, shear_weight)]).astype(np.float32)
