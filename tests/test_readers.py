"""The README's Polars and DuckDB recipes read a batch folder (optional test extras)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden" / "pexels_60.parquet"


@pytest.fixture()
def batch(tmp_path) -> Path:
    (tmp_path / "sub").mkdir()
    shutil.copy(GOLDEN, tmp_path / "a.parquet")
    shutil.copy(GOLDEN, tmp_path / "sub" / "b.parquet")
    return tmp_path


def _files(out: Path) -> list[str]:  # as in the README: every per-video file, not the manifest
    return sorted(str(p) for p in out.rglob("*.parquet") if p.name != "manifest.parquet")


def test_polars_scan_parquet(batch):
    pl = pytest.importorskip("polars")
    df = (pl.scan_parquet(_files(batch), include_file_paths="path")
          .filter(pl.col("success"))
          .group_by("path", "face_id").agg(pl.col("AU12_r").mean())
          .collect())
    assert df.height == 2 and df["AU12_r"].is_between(0, 1).all()


def test_duckdb_read_parquet(batch):
    duckdb = pytest.importorskip("duckdb")
    rows = duckdb.sql(
        "SELECT filename, count(*) AS n, avg(AU12_r) AS au12 "
        f"FROM read_parquet({_files(batch)!r}, filename = true, union_by_name = true) "
        "WHERE success GROUP BY filename ORDER BY filename").fetchall()
    assert [r[1] for r in rows] == [60, 60] and 0 <= rows[0][2] <= 1
