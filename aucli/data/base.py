"""The loader contract every benchmark module follows.

A loader's constructor only stores ``root`` and its config; reading happens in ``samples()`` /
``clips()``. Labels carry their validity: AU labels are int8 in {0, 1} with -1 for unknown
(BP4D 9, Aff-Wild2 -1), never fed to a loss or a metric.

Every loader walks its files once in ``scan()``, which returns the items and the problems it
found. ``samples()`` / ``clips()`` raise :class:`~aucli.errors.InputError` naming the first
missing file when the layout is broken (a fatal problem) and silently skip what the published
protocols skip (a labelled frame without an image); ``check()`` reports both without loading a
single image.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from aucli.config import ConfigError, from_dict
from aucli.data.items import AUSample, MEClip, Problem  # noqa: F401  (the loader contract's types)
from aucli.errors import InputError


@dataclass(frozen=True)
class NoOptions:
    """A loader without options."""


class Loader(ABC):
    """Common part of every loader: stores ``root`` and a frozen config built from ``options``."""

    name: ClassVar[str] = ""
    kind: ClassVar[str] = ""
    config_class: ClassVar[type] = NoOptions

    def __init__(self, root: str | Path, **options: Any) -> None:
        self.root = Path(root)
        try:
            self.config = from_dict(self.config_class, options)
        except ConfigError as exc:
            raise InputError(f"{self.name}: {exc}") from None

    @abstractmethod
    def scan(self) -> tuple[list[Any], list[Problem]]:
        """Walk the root once: the items (samples or clips) and the problems found."""

    def walk(self) -> tuple[list[Any], list[Problem]]:
        """``scan()`` after checking that the root exists."""
        if not self.root.is_dir():
            raise InputError(f"{self.name}: dataset root not found: {self.root}")
        return self.scan()

    def _items(self) -> list[Any]:
        items, problems = self.walk()
        fatal = [p.message for p in problems if p.fatal]
        if fatal:
            more = f" (and {len(fatal) - 1} more; run `aucli datasets check`)" \
                if len(fatal) > 1 else ""
            raise InputError(f"{self.name}: {fatal[0]}{more}")
        return items

    def read_image(self, item: AUSample | str) -> np.ndarray:
        """The RGB uint8 image [H, W, 3] of a sample or of one frame path."""
        from aucli.data.files import read_image

        return read_image(item.image if isinstance(item, AUSample) else str(item))

    def check(self) -> dict[str, Any]:
        """The ``aucli datasets check`` report, built without reading any image."""
        from aucli.data.report import report

        items, problems = self.walk()
        return report(self, items, problems)

    def fold_subjects(self, subjects: list[str]) -> dict[str, tuple[list[str], list[str]]]:
        """The protocol's named folds over the ``subjects`` found, as (train, test) subject lists.

        {} when the protocol is the release's own partition (``AUSample.split``) or, for ME sets,
        leave-one-subject-out.
        """
        return {}

    def reference_test_items(self) -> dict[str, int]:
        """Published test-fold sizes of the full release, to compare a root against; {} if none."""
        return {}


class AULoader(Loader):
    """A frame dataset labelled with action units (``aus``) and maybe expressions."""

    kind: ClassVar[str] = "au"
    aligned: ClassVar[bool] = False
    """True when the release's images are aligned face crops; raw frames (False) are aligned
    into a prepare cache before training (aucli.extract.aligned)."""
    aus: tuple[int, ...] = ()
    intensity_aus: tuple[int, ...] = ()  # AUs in ``AUSample.intensity``, when coded
    classes: tuple[str, ...] = ()  # expression classes, when the set has them

    def samples(self) -> list[AUSample]:
        """Every labelled frame that has an image, in dataset order."""
        return self._items()


class ExpressionLoader(AULoader):
    """A macro-expression dataset (``AUSample.expression`` indexes ``classes``)."""

    kind: ClassVar[str] = "expression"


class MELoader(Loader):
    """A micro-expression dataset of onset..offset clips."""

    kind: ClassVar[str] = "me"
    classes: tuple[str, ...] = ()

    def clips(self) -> list[MEClip]:
        """Every clip of the protocol's class set (by subject then clip, or in list order)."""
        return self._items()
