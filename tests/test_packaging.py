"""The package's shape: every sub-package ships, the presets are package data, layers flow down."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed_for_the_wheel():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "aucli").rglob("__init__.py")}
    assert found - listed == set(), "add these packages to [tool.setuptools] packages"


def test_presets_are_package_data_with_one_copy_each():
    from aucli.config import preset

    tomls = sorted(p.stem for p in (ROOT / "pipelines").glob("*.toml"))
    assert "extract-au" in tomls and "me-features" in tomls
    for name in tomls:
        path = preset(name)
        assert path is not None and path.read_bytes() == (ROOT / "pipelines" / f"{name}.toml").read_bytes()
        assert not (ROOT / "pipelines" / f"{name}.toml").is_symlink()
    copies = [p for p in (ROOT / "aucli").rglob("*.toml")]
    assert copies == [], f"a second copy of a recipe inside aucli/: {copies}"
    assert preset("no-such-preset") is None


def test_layers_contract_holds():
    """import-linter's `layers` contract in pyproject.toml: no module imports a higher layer."""
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    proc = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
