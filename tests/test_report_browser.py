"""The reports in a real browser (headless Chromium): every image decodes, nothing errs.

A small probe is put first into a copy of the page: it records script errors, failed loads and
console.error calls, clicks every sortable header once after load, then writes what it saw into
the DOM, which ``--dump-dom`` prints. Chromium's own console log (stderr) is checked too. A
screenshot is taken and must not be blank.

`.ci/run` installs Debian's chromium; without a browser the test skips on a developer's machine
and fails in CI (``CI`` set), so CI never passes without having looked.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from visual_media import batch, runs, two_faces  # noqa: F401

from aucli.visual.report import write_report

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
PROBE = """<script>
window.__seen = [];
window.addEventListener("error", function (e) {
  window.__seen.push(String(e.message || (e.target && (e.target.src || e.target.href)) || "error"));
}, true);
var __err = console.error;
console.error = function () { window.__seen.push(Array.prototype.join.call(arguments, " ")); };
window.addEventListener("load", function () {
  document.querySelectorAll("table.sortable th").forEach(function (th) { th.click(); });
  var imgs = Array.prototype.slice.call(document.images);
  var out = document.createElement("pre");
  out.id = "aucli-probe";
  out.textContent = JSON.stringify({images: imgs.length, errors: window.__seen,
    broken: imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); })
                .map(function (i) { return i.alt; })});
  document.body.appendChild(out);
});
</script>"""


def browser() -> str:
    found = os.environ.get("AUCLI_BROWSER") or next(filter(None, map(shutil.which, BROWSERS)), None)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("no headless browser in CI: .ci/run installs Debian's chromium (apt-get install chromium)")
    pytest.skip("no chromium/chrome on this machine (apt-get install chromium); CI runs this test")


def run_browser(exe: str, page, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000",
             f"--user-data-dir={page.parent / 'profile'}"]
    return subprocess.run([exe, *flags, *args, page.as_uri()], capture_output=True, text=True, timeout=120)


def look(html_path, tmp_path) -> dict:
    exe = browser()
    tmp_path.mkdir(parents=True, exist_ok=True)
    page = tmp_path / html_path.name
    page.write_text(html_path.read_text().replace("<head>", "<head>" + PROBE, 1))
    dom = run_browser(exe, page, "--dump-dom")
    found = re.search(r'<pre id="aucli-probe">(.*?)</pre>', dom.stdout, re.S)
    assert found, f"the page never finished loading: {dom.stderr[-2000:]}"
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    result["console"] = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    shot = tmp_path / (html_path.stem + ".png")
    run_browser(exe, page, f"--screenshot={shot}", "--window-size=1200,1600", "--hide-scrollbars")
    assert shot.is_file() and shot.stat().st_size > 20_000, "the screenshot is missing or blank"
    return result


@pytest.mark.parametrize("kind", ["batch", "runs"])
def test_report_in_a_browser(kind, request, tmp_path):
    folder = request.getfixturevalue(kind)
    html_path = folder / "report.html" if kind == "batch" else write_report(folder, tmp_path / "runs.html")
    seen = look(html_path, tmp_path / "view")
    assert seen["images"] >= (5 if kind == "batch" else 4)
    assert seen["broken"] == [], f"images that did not decode: {seen['broken']}"
    assert seen["errors"] == [] and seen["console"] == [], (seen["errors"], seen["console"])
