"""pipelines/me-features.toml documents the code's defaults exactly."""

from __future__ import annotations

import pytest

from aucli.config import field_help, from_dict, load_toml, preset
from aucli.motion.features import ClipFeaturesConfig
from aucli.spotting.spot import SpotConfig

TOML = preset("me-features")


def test_documented_defaults_equal_code_defaults():
    data = load_toml(TOML)
    assert from_dict(ClipFeaturesConfig, data["features"]) == ClipFeaturesConfig()
    assert from_dict(SpotConfig, data["spot"]) == SpotConfig()


@pytest.mark.parametrize("cls", [ClipFeaturesConfig, SpotConfig])
def test_every_field_has_help(cls):
    import dataclasses

    assert set(field_help(cls)) == {f.name for f in dataclasses.fields(cls)}
