"""Shared fixtures: the sample videos and small synthetic media."""

from __future__ import annotations

from pathlib import Path

import pytest

# The synthetic fixture datasets (synthetic-au, -fe, -me, -macro) are test material, not part of
# the user-facing registry: importing their modules registers them for this test session only.
from tests.data_fixtures import synthetic, synthetic_me  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"


@pytest.fixture(scope="session")
def pexels_video() -> Path:
    return SAMPLES / "WolfgangLanger_Pexels.mp4"


@pytest.fixture(scope="session")
def single_face_video() -> Path:
    return SAMPLES / "single_face.mp4"


def pytest_collection_modifyitems(config, items):
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except Exception:
        has_cuda = False
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "cuda" in item.keywords and not has_cuda:
            item.add_marker(skip)
