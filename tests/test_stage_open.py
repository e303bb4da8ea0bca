"""Models load before the first frame: a broken one fails with nothing pulled and nothing written,
and model start-up is reported apart from frames/s."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aucli.errors import ModelNotFoundError
from aucli.extract.pipeline import resolve, run_source, run_video
from aucli.extract.stages.base import FrameItem


def test_a_broken_model_fails_before_any_frame(tmp_path):
    broken = tmp_path / "broken.task"
    broken.write_bytes(b"not a model" * 100)
    pulled = []

    def source():
        pulled.append(1)
        yield FrameItem(0, 0.0, np.zeros((64, 64, 3), np.uint8))

    resolved = resolve(overrides=[f'detect.model_path="{broken}"'])
    out = tmp_path / "out" / "x.parquet"
    with pytest.raises(ModelNotFoundError, match="not a usable face_landmarker.task"):
        run_source(source(), out, resolved, {})
    assert pulled == []
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


def test_startup_is_timed_apart_from_frames(single_face_video, tmp_path):
    stats = run_video(Path(single_face_video), tmp_path / "x.parquet",
                      resolve(extra={"decode": {"max_frames": 3}}))
    assert stats["frames"] == 3
    assert stats["startup_seconds"] > 0 and stats["seconds"] > 0
