"""aucli: face videos to per-frame Action Unit and micro-expression data, offline.

The Python API (imported on first use, so ``import aucli`` stays fast)::

    import aucli
    df = aucli.extract("clip.mp4")                 # rows as pandas; out="OUT/" writes Parquet too
    df = aucli.read("OUT/", columns=["AU12_r"])    # a whole batch, with a `video` column
    with aucli.Extractor() as ex:                  # built once: .video(), .frame(), .images()
        result = ex.frame(rgb, timestamp=0.0)

See :mod:`aucli.api`.
"""

from __future__ import annotations

import importlib
import types
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Extractor": "aucli.api", "FrameResult": "aucli.api",
    "read": "aucli.api", "read_manifest": "aucli.api",
    "convert": "aucli.api",
    "AucliError": "aucli.errors", "InputError": "aucli.errors",
    "ModelNotFoundError": "aucli.errors", "SettingsError": "aucli.errors",
}
__all__ = ["__version__", "extract", *_EXPORTS]


class _ExtractPackage(types.ModuleType):
    """``aucli.extract`` is both the extract wing (a package) and the API function.

    Importing the package's submodules sets ``aucli.extract`` to the package, whatever was there
    before; a callable package keeps ``aucli.extract(...)`` and ``aucli.extract.pipeline`` working
    in any import order.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return importlib.import_module("aucli.api").extract(*args, **kwargs)

    @property
    def __signature__(self):  # for help() and notebooks' signature hints
        import inspect

        return inspect.signature(importlib.import_module("aucli.api").extract)


def _make_extract_callable() -> None:
    package = importlib.import_module("aucli.extract")  # only its __init__: a docstring
    package.__class__ = _ExtractPackage


_make_extract_callable()


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'aucli' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
