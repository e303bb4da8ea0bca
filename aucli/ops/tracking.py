"""Face track assignment: IoU plus landmark distance, Hungarian matching, short-gap re-identification."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of [N, 4] and [M, 4] x, y, w, h boxes -> [N, M]."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    ax2, ay2 = a[:, 0] + a[:, 2], a[:, 1] + a[:, 3]
    bx2, by2 = b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    iw = np.clip(np.minimum(ax2[:, None], bx2) - np.maximum(a[:, 0, None], b[:, 0]), 0, None)
    ih = np.clip(np.minimum(ay2[:, None], by2) - np.maximum(a[:, 1, None], b[:, 1]), 0, None)
    inter = iw * ih
    union = (a[:, 2] * a[:, 3])[:, None] + b[:, 2] * b[:, 3] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def landmark_distance(a: np.ndarray, b: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Mean landmark distance between [N, K, 2] and [M, K, 2] sets, divided by face size [N]."""
    d = np.linalg.norm(a[:, None] - b[None], axis=-1).mean(-1)
    return d / np.maximum(scale[:, None], 1e-6)


@dataclass
class Track:
    face_id: int
    box: np.ndarray  # [4]
    lm68: np.ndarray  # [68, 2]
    last_frame: int


class Tracker:
    """Assign stable ids to faces frame by frame.

    Cost = (1 - IoU) + ``landmark_weight`` * normalised landmark distance, over tracks seen
    within ``max_gap`` frames; pairs above ``max_cost`` start a new track. A face that reappears
    after a short gap (occlusion, a missed detection) gets its old id back.
    """

    def __init__(self, max_gap: int = 30, max_cost: float = 1.2, landmark_weight: float = 1.0):
        self.max_gap = max_gap
        self.max_cost = max_cost
        self.landmark_weight = landmark_weight
        self.tracks: list[Track] = []
        self.next_id = 0

    def update(self, frame: int, boxes: np.ndarray, lm68s: np.ndarray) -> list[int]:
        """Ids for the faces of ``frame`` (boxes [N, 4], landmarks [N, 68, 2]), in input order."""
        self.tracks = [t for t in self.tracks if frame - t.last_frame <= self.max_gap]
        ids = [-1] * len(boxes)
        if len(boxes) and self.tracks:
            t_boxes = np.stack([t.box for t in self.tracks])
            t_lms = np.stack([t.lm68 for t in self.tracks])
            size = np.sqrt(np.maximum(boxes[:, 2] * boxes[:, 3], 1.0))
            cost = (1.0 - iou(boxes, t_boxes)) + self.landmark_weight * landmark_distance(
                lm68s, t_lms, size
            )
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols):
                if cost[r, c] <= self.max_cost:
                    ids[r] = self.tracks[c].face_id
                    self.tracks[c].box, self.tracks[c].lm68 = boxes[r], lm68s[r]
                    self.tracks[c].last_frame = frame
        for r, face_id in enumerate(ids):
            if face_id < 0:
                ids[r] = self.next_id
                self.tracks.append(Track(self.next_id, boxes[r], lm68s[r], frame))
                self.next_id += 1
        return ids
