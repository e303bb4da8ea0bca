"""Other tools' per-frame outputs <-> aucli's Parquet schema (``aucli convert``).

A format is one module registered in ``FORMATS``: a class with ``read(path, options) ->
pyarrow.Table`` (in aucli's schema) and, where the format can hold aucli's rows,
``write(table, path)``. Tables read from other tools carry ``aucli.source`` in their metadata, so
``aucli score``, ``plot``, ``report`` and :func:`aucli.read` treat them like extract's output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aucli.registry import Registry

FORMATS: Registry = Registry("format", modules=("aucli.interop.openface", "aucli.interop.pyfeat"))


@dataclass(frozen=True)
class ReadOptions:
    fps: float | None = None
    """Frames per second, for formats whose rows carry no exact time (py-feat)."""


def convert(src: str | Path, dst: str | Path, to: str | None = None, source: str | None = None,
            options: ReadOptions = ReadOptions()) -> Path:
    """``src`` (aucli Parquet, or ``source`` format) -> ``dst`` (format ``to``, or aucli Parquet)."""
    import pyarrow.parquet as pq

    from aucli.errors import InputError
    from aucli.extract.parquet import write_table_atomic
    from aucli.extract.video import check_readable

    src, dst = Path(src), Path(dst)
    if (to is None) == (source is None):
        raise InputError("say which way: --to FORMAT (from aucli Parquet) or --from FORMAT (into Parquet)")
    check_readable(src)
    if to is not None:
        fmt = FORMATS.get(to)()
        if not hasattr(fmt, "write"):
            raise InputError(f"aucli cannot write the {to} format, only read it (--from {to})")
        try:
            table = pq.read_table(src)
        except Exception as exc:  # pyarrow's ArrowInvalid for a file that is not Parquet
            raise InputError(f"{src}: not an aucli Parquet file ({str(exc).splitlines()[0][:120]})") from None
        fmt.write(table, dst)
    else:
        write_table_atomic(FORMATS.get(source)().read(src, options), dst)
    return dst
