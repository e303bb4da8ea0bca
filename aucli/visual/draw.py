"""Drawing one frame's extraction onto the frame (OpenCV, RGB uint8 images, in place).

Sizes (line width, text, panel) scale with the frame's height so a 360p phone clip and a 4K
recording read the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# matplotlib's tab10, RGB: the colour of face_id k is PALETTE[k % 10] in every video, plot and report
PALETTE = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))
FONT = cv2.FONT_HERSHEY_SIMPLEX
# pose axes, RGB: x (the face's left-to-right) red, y (up) green, z (out of the face) blue
AXIS_COLOURS = ((230, 40, 40), (40, 200, 40), (60, 120, 255))


def track_colour(face_id: int) -> tuple[int, int, int]:
    return PALETTE[int(face_id) % len(PALETTE)]


def track_hex(face_id: int) -> str:
    r, g, b = track_colour(face_id)
    return f"#{r:02x}{g:02x}{b:02x}"


@dataclass(frozen=True)
class Style:
    """Line width and font scale for a frame of a given height."""

    unit: float  # pixels per 'point' (1 at 360 lines)

    @classmethod
    def for_height(cls, height: int) -> Style:
        return cls(max(height / 360.0, 0.6))

    @property
    def thick(self) -> int:
        return max(1, round(1.5 * self.unit))

    @property
    def font(self) -> float:
        return 0.38 * self.unit


def text(img: np.ndarray, label: str, org: tuple[int, int], style: Style,
         colour=(255, 255, 255), scale: float = 1.0) -> None:
    """Text with a dark outline, readable on any background."""
    size, th = style.font * scale, max(1, round(style.unit * scale))
    cv2.putText(img, label, org, FONT, size, (0, 0, 0), th + 2, cv2.LINE_AA)
    cv2.putText(img, label, org, FONT, size, colour, th, cv2.LINE_AA)


def box(img: np.ndarray, xywh: np.ndarray, label: str, colour, style: Style) -> None:
    x, y, w, h = (int(round(v)) for v in xywh)
    cv2.rectangle(img, (x, y), (x + w, y + h), colour, style.thick, cv2.LINE_AA)
    (tw, th), _ = cv2.getTextSize(label, FONT, style.font * 1.2, max(1, round(style.unit)))
    top = max(y - th - 6, 0)
    cv2.rectangle(img, (x, top), (x + tw + 6, top + th + 6), colour, -1)
    cv2.putText(img, label, (x + 3, top + th + 2), FONT, style.font * 1.2, (255, 255, 255),
                max(1, round(style.unit)), cv2.LINE_AA)


def points(img: np.ndarray, xy: np.ndarray, colour, radius: int) -> None:
    """Filled dots at finite [N, 2] pixel positions (radius 0: single pixels, for the mesh)."""
    xy = np.asarray(xy, np.float64)
    xy = np.round(xy[np.isfinite(xy).all(1)]).astype(np.int64)
    h, w = img.shape[:2]
    xy = xy[(xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)]
    if radius <= 0:
        img[xy[:, 1], xy[:, 0]] = colour
        return
    for px, py in xy:
        cv2.circle(img, (int(px), int(py)), radius, colour, -1, cv2.LINE_AA)


def rotation(pitch: float, yaw: float, roll: float) -> np.ndarray:
    """R = Rz(roll) Ry(yaw) Rx(pitch): the inverse of ``aucli.ops.landmarks.euler_from_matrix``."""
    cx, sx, cy, sy = np.cos(pitch), np.sin(pitch), np.cos(yaw), np.sin(yaw)
    cz, sz = np.cos(roll), np.sin(roll)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


def pose_axes(img: np.ndarray, origin: np.ndarray, pose: np.ndarray, length: float,
              style: Style) -> None:
    """The head's x, y, z axes from ``origin`` (the nose tip), orthographic projection.

    MediaPipe's pose lives in a camera space with y up and z towards the camera, so image y is
    minus camera y.
    """
    if not (np.isfinite(pose).all() and np.isfinite(origin).all()):
        return
    rot = rotation(*pose)
    o = np.asarray(origin, np.float64)
    for axis, colour in zip(rot.T, AXIS_COLOURS):
        tip = o + length * np.array([axis[0], -axis[1]])
        cv2.arrowedLine(img, tuple(np.round(o).astype(int)), tuple(np.round(tip).astype(int)),
                        colour, style.thick, cv2.LINE_AA, tipLength=0.15)


def au_panel(img: np.ndarray, anchor: tuple[int, int], rows: list[tuple[str, float, float | None]],
             colour, style: Style, left: bool = False) -> None:
    """Bars of AU intensity beside a face: each row ``(label, r, c)``.

    ``r`` (intensity, [0, 1]) is a filled bar in the track colour; ``c`` (a trained model's
    occurrence probability) is a white tick on the same scale, with a grey mark at 0.5.
    """
    if not rows:
        return
    row_h, bar_w, label_w = round(12 * style.unit), round(46 * style.unit), round(32 * style.unit)
    width, height = label_w + bar_w + 8, row_h * len(rows) + 6
    h, w = img.shape[:2]
    x0 = anchor[0] - width if left else anchor[0]
    x0, y0 = int(np.clip(x0, 0, max(w - width, 0))), int(np.clip(anchor[1], 0, max(h - height, 0)))
    roi = img[y0:y0 + height, x0:x0 + width]
    roi[:] = (roi * 0.35).astype(np.uint8)  # darken behind the panel, keep the face visible
    for k, (label, r, c) in enumerate(rows):
        y = y0 + 3 + k * row_h
        text(img, label, (x0 + 3, y + row_h - 3), style, scale=0.9)
        bx = x0 + label_w
        cv2.rectangle(img, (bx, y + 2), (bx + bar_w, y + row_h - 2), (90, 90, 90), 1)
        if r is not None and np.isfinite(r):
            cv2.rectangle(img, (bx, y + 2), (bx + round(bar_w * float(np.clip(r, 0, 1))),
                                             y + row_h - 2), colour, -1)
        if c is not None and np.isfinite(c):
            cx = bx + round(bar_w * float(np.clip(c, 0, 1)))
            cv2.line(img, (bx + bar_w // 2, y + row_h - 2), (bx + bar_w // 2, y + row_h), (160, 160, 160), 1)
            cv2.line(img, (cx, y), (cx, y + row_h), (255, 255, 255), max(1, style.thick))


def stamp(img: np.ndarray, seconds: float, frame: int, style: Style) -> None:
    """``t = 12.345 s  frame 296`` in the bottom-left corner."""
    margin = round(6 * style.unit)
    text(img, f"t = {seconds:.3f} s   frame {frame}", (margin, img.shape[0] - margin), style)


def no_face(img: np.ndarray, style: Style) -> None:
    """A red border and ``no face`` label, so frames without a detection stand out while playing."""
    h, w = img.shape[:2]
    t = max(2, round(3 * style.unit))
    cv2.rectangle(img, (0, 0), (w - 1, h - 1), (220, 30, 30), t)
    text(img, "no face", (round(8 * style.unit), round(20 * style.unit)), style, (255, 80, 80), 1.4)
