"""Reading label tables: coding spreadsheets (XLSX via openpyxl, XLS via xlrd) and CSV/TXT files.

The sheets differ between versions: CASME II's has unnamed columns, SAMM's opens with a text
preamble before its header row. So the header row is found by content (the first row whose
cells include every required name), and columns are looked up by a normalised name
(case, spaces and underscores ignored), with the published column position as fallback.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aucli.errors import InputError


def read_rows(path: Path) -> list[list[Any]]:
    """All rows of the first sheet, as lists of cell values (None for empty cells)."""
    if not path.is_file():
        raise InputError(f"coding sheet not found: {path}")
    if path.suffix.lower() == ".xls":
        import xlrd

        sheet = xlrd.open_workbook(str(path)).sheet_by_index(0)
        return [[_xls_value(c) for c in sheet.row(i)] for i in range(sheet.nrows)]
    if path.suffix.lower() == ".csv":
        import csv

        with path.open(newline="", encoding="utf-8-sig") as fh:
            return [list(row) for row in csv.reader(fh)]
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _xls_value(cell: Any) -> Any:
    return None if cell.value == "" else cell.value


def norm(name: Any) -> str:
    """A header cell reduced for matching: ``'Onset Frame'`` -> ``'onsetframe'``."""
    return re.sub(r"[\s_]+", "", str(name or "")).lower()


def records(path: Path, required: Sequence[str], positions: dict[str, int] | None = None,
            ) -> list[dict[str, Any]]:
    """Rows below the header row as dicts keyed by the normalised ``required`` names.

    ``required`` are header names (any spelling ``norm`` maps together); ``positions`` gives the
    published column index used when a name is absent from the header (e.g. a renamed column).
    """
    rows = read_rows(path)
    want = [norm(r) for r in required]
    positions = {norm(k): v for k, v in (positions or {}).items()}
    must = [w for w in want if w not in positions] or want[:1]
    for h, row in enumerate(rows):  # noqa: B007 - h is the header row, used below
        header = [norm(c) for c in row]
        if all(w in header for w in must):
            break
    else:
        raise InputError(f"{path}: no header row with columns {', '.join(required)}")
    index = {}
    for w in want:
        if w in header:
            index[w] = header.index(w)
        elif w in positions:
            index[w] = positions[w]
        else:
            raise InputError(f"{path}: header row {h + 1} has no column {w!r}")
    out = []
    for row in rows[h + 1:]:
        if all(c is None or str(c).strip() == "" for c in row):
            continue
        out.append({w: (row[i] if i < len(row) else None) for w, i in index.items()})
    return out


def as_int(value: Any) -> int | None:
    """An integer cell, or None for blanks and markers such as ``/`` (CASME II's bad apex)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value).strip()
    return int(float(text)) if re.fullmatch(r"-?\d+(\.0*)?", text) else None


def parse_aus(value: Any) -> tuple[int, ...]:
    """AU numbers of a FACS code cell: ``'4+L10'`` -> (4, 10), ``12`` -> (12,), ``'R12B'`` -> (12,).

    Side prefixes (L/R/T/B/U) and intensity letters (A-E) are dropped; tokens without digits
    (``'?'``) and alternatives joined by ``or`` keep every AU they name.
    """
    if value is None:
        return ()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (int(value),)
    found = [int(n) for n in re.findall(r"\d+", str(value))]
    return tuple(dict.fromkeys(found))


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header cells (stripped) and the non-blank rows of a comma-separated file."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
    if not rows:
        raise InputError(f"{path} is empty")
    return [c.strip() for c in rows[0]], rows[1:]


def read_pairs(path: Path) -> list[tuple[int, float]]:
    """``frame,value`` lines without a header (BP4D intensity, DISFA labels)."""
    out = []
    with path.open(newline="") as fh:
        for row in csv.reader(fh):
            if len(row) >= 2 and row[0].strip():
                out.append((int(float(row[0])), float(row[1])))
    return out


def occurrence(cells: list[str]) -> np.ndarray:
    """0/1 kept, anything else (9, blank) -> -1 unknown."""
    out = np.full(len(cells), -1, np.int8)
    for j, cell in enumerate(cells):
        text = cell.strip()
        if text in ("0", "1", "0.0", "1.0"):
            out[j] = int(float(text))
    return out
