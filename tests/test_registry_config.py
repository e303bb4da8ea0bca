from dataclasses import dataclass, field

import pytest

from aucli.config import ConfigError, apply_overrides, field_help, from_dict, parse_value
from aucli.registry import Registry, UnknownNameError


def test_registry_did_you_mean():
    reg: Registry = Registry("thing")
    reg.register("mediapipe")(object)
    assert reg.get("mediapipe") is object
    with pytest.raises(UnknownNameError, match="did you mean 'mediapipe'"):
        reg.get("mediapip")


@dataclass(frozen=True)
class Inner:
    size: int = 112
    """Crop size in pixels."""
    scale: float = 1.0


@dataclass(frozen=True)
class Outer:
    inner: Inner = field(default_factory=Inner)
    name: str = "x"
    sizes: tuple[int, ...] = (8, 16)


def test_overrides_are_toml_not_eval():
    data = apply_overrides({"inner": {"size": 10}}, ["inner.size=224", "name=__import__('os')"])
    assert data["inner"]["size"] == 224
    assert data["name"] == "__import__('os')"
    assert parse_value("[1, 2]") == [1, 2]
    cfg = from_dict(Outer, {**data, "sizes": [1, 2]})
    assert cfg.inner.size == 224 and cfg.sizes == (1, 2)
    assert from_dict(Outer, {"inner": {"scale": 2}}).inner.scale == 2.0


def test_unknown_setting_suggests():
    with pytest.raises(ConfigError, match="did you mean 'size'"):
        from_dict(Outer, {"inner": {"sise": 3}})
    with pytest.raises(ConfigError, match="expects int"):
        from_dict(Outer, {"inner": {"size": "big"}})


def test_field_help_reads_docstrings():
    assert field_help(Inner)["size"] == "Crop size in pixels."
