"""The command line: help that teaches, one-line usage errors with exit status 2."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from aucli.cli import app

runner = CliRunner()


def test_help_lists_commands_and_is_fast():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("extract", "doctor", "plot"):
        assert command in result.output
    # heavy libraries stay unimported until a command needs them
    code = "import sys; import aucli.cli; print(sorted(m for m in ('torch','mediapipe','cv2','decord') if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "[]"


def test_extract_help_teaches():
    result = runner.invoke(app, ["extract", "--help"])
    assert result.exit_code == 0
    assert "--stride" in result.output and "manifest" in result.output and "Examples" in result.output


def test_bad_settings_are_usage_errors(tmp_path, single_face_video):
    cases = [
        (["--set", "detect.max_face=2"], "did you mean 'max_faces'"),
        (["--set", "detect.max_faces=two"], "expects int"),
        (["--set", "detect.detector=mediapip"], "did you mean 'mediapipe'"),
        (["--set", "stages=['detect','trak']"], "unknown stage 'trak'"),
        (["--set", "align.template=square"], "unknown alignment template"),
        (["--pipeline", str(tmp_path / "nope.toml")], "config file not found"),
        (["--device", "tpu"], "--device must be"),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["extract", str(single_face_video), "-o", str(tmp_path / "o"), *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
        assert not (tmp_path / "o" / "single_face.parquet").exists()


def test_doctor_reports_model_sha():
    import json

    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert "64184e229b263107" in report["models"]["mediapipe-face-landmarker"]
    assert report["versions"]["torch"].startswith("2.13")


def test_plot_writes_png(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "v.parquet"
    pq.write_table(pa.table({"timestamp": [0.0, 0.1, 0.2], "face_id": pa.array([0, 0, None], pa.int32()),
                             "AU12_r": [0.1, 0.5, None], "AU06_r": [0.0, 0.2, None]}), path)
    result = runner.invoke(app, ["plot", str(path), "-o", str(tmp_path / "v.png"), "--aus", "12"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "v.png").read_bytes()[:4] == b"\x89PNG"
    result = runner.invoke(app, ["plot", str(path), "-o", str(tmp_path / "w.png"), "--aus", "99"])
    assert result.exit_code == 2 and "no AU columns" in result.output
