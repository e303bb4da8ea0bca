"""Reading a batch's results back: every per-video Parquet file as one table, and the manifest."""

from __future__ import annotations

from pathlib import Path

from aucli.errors import InputError
from aucli.extract.batch import MANIFEST


def _batch_files(out: Path) -> list[Path]:
    """The per-video Parquet files under a batch folder (not the manifest, not spotting outputs)."""
    return sorted(f for f in out.rglob("*.parquet")
                  if f.name != MANIFEST and not f.name.endswith((".spot.parquet", ".spot_score.parquet")))


def read_batch(out: Path, columns: list[str] | None = None, files: list[Path] | None = None):
    """All rows of a batch folder (or one file) as one table, with a dictionary ``video`` column.

    ``video`` is each file's path relative to the folder, without ``.parquet``. With ``columns``
    only those column chunks are decoded (each file's footer is read once, then the projection);
    files whose columns differ (a ``--flow`` run beside a plain one) are read with the union of
    their columns, missing values null.
    """
    import pyarrow as pa

    if not out.exists():
        raise InputError(f"{out}: no such file or folder")
    root = out.parent if out.is_file() else out
    files = [out] if out.is_file() else (_batch_files(out) if files is None else files)
    if not files:
        raise InputError(f"{out}: no aucli Parquet files here")
    tables = [_read_one(f, columns, _video_name(f, root)) for f in files]
    table = pa.concat_tables(tables, promote_options="default")
    if columns is not None:
        unknown = [c for c in columns if c not in table.column_names]
        if unknown:
            raise InputError(f"{out}: no column {unknown[0]!r} in these files")
        table = table.select([*columns, "video"])
    video = table.column("video").dictionary_encode()  # one category per file
    return table.set_column(table.num_columns - 1, "video", video)


def _read_one(path: Path, columns: list[str] | None, name: str):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"{path}: not a Parquet file ({str(exc).splitlines()[0][:120]})") from None
    names = handle.schema_arrow.names
    table = handle.read(columns=None if columns is None else [c for c in columns if c in names])
    table = table.replace_schema_metadata(None)
    return table.append_column("video", pa.array([name] * table.num_rows, pa.string()))


def _video_name(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root).with_suffix(""))
    except ValueError:
        return str(path.with_suffix(""))


def read_manifest(out: Path):
    """``OUT/manifest.parquet`` (or the manifest file given) as a table."""
    import pyarrow.parquet as pq

    path = out / MANIFEST if out.is_dir() else out
    if not path.is_file():
        raise InputError(f"{path}: no manifest (run aucli extract -o {out} first)")
    return pq.read_table(path)
