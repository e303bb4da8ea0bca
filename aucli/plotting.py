"""Matplotlib set-up shared by the wings: the Agg backend (no display), saving by suffix, and
small PNG bytes for reports."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend (works on a headless cluster node)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def check_suffix(out: str | Path) -> Path:
    out = Path(out)
    if out.suffix.lower() not in FIGURE_SUFFIXES:
        raise ValueError(f"{out}: the figure format follows the suffix; use one of "
                         f"{', '.join(FIGURE_SUFFIXES)}")
    return out


def save_figure(fig: Any, out: str | Path, dpi: int = 110) -> Path:
    """Write ``fig`` as PNG, SVG or PDF (by ``out``'s suffix) and close it."""
    out = check_suffix(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(out, dpi=dpi, bbox_inches="tight")
    finally:
        pyplot().close(fig)
    return out


def png_bytes(fig: Any, dpi: int = 72, colours: int = 96) -> bytes:
    """``fig`` as a palette PNG (``colours`` entries, zlib level 9), closed afterwards.

    Report figures are flat colour maps and lines, so a 96-colour palette is indistinguishable
    from RGB and several times smaller.
    """
    raw = io.BytesIO()
    try:
        fig.savefig(raw, format="png", dpi=dpi, bbox_inches="tight")
    finally:
        pyplot().close(fig)
    return compress_png(raw.getvalue(), colours)


def compress_png(data: bytes, colours: int = 96, width: int = 0) -> bytes:
    """A PNG re-encoded with a ``colours``-entry palette, narrowed to ``width`` pixels if wider."""
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    if width and image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    small = io.BytesIO()
    image.quantize(colours, method=Image.Quantize.MEDIANCUT).save(small, "PNG", optimize=True)
    return small.getvalue()
