"""Time ``aucli.read`` on a batch of N copies of one Parquet file (default: the golden 60 frames).

Run: .venv/bin/python benchmarks/read_batch.py [--files 200] [--parquet P]
Prints the time for all columns and for two columns, and ``import aucli`` in a fresh process.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aucli


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--parquet", default="tests/golden/pexels_60.parquet")
    args = parser.parse_args()
    code = "import time; t = time.perf_counter(); import aucli; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout) for _ in range(5)]
    print(f"import aucli: median {1000 * sorted(runs)[2]:.1f} ms over 5 fresh processes")
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.files):
            sub = Path(tmp) / f"s{k % 10}"
            sub.mkdir(exist_ok=True)
            shutil.copy(args.parquet, sub / f"v{k:04d}.parquet")
        for columns in (None, ["face_id", "AU12_r"]):
            aucli.read(tmp, columns=columns)  # warm the page cache
            start = time.perf_counter()
            df = aucli.read(tmp, columns=columns)
            seconds = time.perf_counter() - start
            what = "all columns" if columns is None else ", ".join(columns)
            print(f"aucli.read {args.files} files ({what}): {seconds:.3f} s, "
                  f"{len(df)} rows x {df.shape[1]} cols")


if __name__ == "__main__":
    main()
