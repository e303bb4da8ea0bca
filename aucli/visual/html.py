"""Self-contained HTML: inline CSS, images as data URIs, one small inline script for sortable
tables. Nothing is fetched when the page is viewed, so it opens on an air-gapped laptop."""

from __future__ import annotations

import base64
import hashlib
import html
import os
from collections.abc import Iterable
from pathlib import Path

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1180px;
padding:16px 24px;color:#1d1d1f;background:#fff}
h1{font-size:22px;margin:4px 0 12px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}
h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right;vertical-align:middle}
th{background:#f3f3f5;position:sticky;top:0}td.l,th.l{text-align:left}
table.sortable th{cursor:pointer;user-select:none}table.sortable th:after{content:" \\2195";color:#aaa}
tr:nth-child(even) td{background:#fafafb}
.ok{color:#1a7f37}.failed{color:#c62828;font-weight:600}.skipped-done{color:#777}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:20px}.muted{color:#777}
img{max-width:100%;height:auto}img.thumb{width:72px;height:72px;border-radius:4px}
pre{background:#f6f8fa;padding:10px;overflow:auto;font-size:12px;max-height:420px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
details{margin:6px 0}summary{cursor:pointer}
"""

# Click a header to sort by that column (numbers by value, text alphabetically; again: reverse).
SORT_JS = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var asc = th.dataset.dir !== "asc";
      th.dataset.dir = asc ? "asc" : "desc";
      var key = function (row) {
        var cell = row.cells[col], v = cell.dataset.v !== undefined ? cell.dataset.v : cell.textContent;
        var n = parseFloat(v);
        return isNaN(n) ? v.toLowerCase() : n;
      };
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (typeof x !== typeof y) { x = String(x); y = String(y); }
        return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""

esc = html.escape


def page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
            f"<title>{esc(title)}</title>\n<style>{CSS}</style></head>\n<body>\n{body}\n"
            f"<script>{SORT_JS}</script>\n</body></html>\n")


def img(data: bytes, alt: str, mime: str = "image/png", cls: str = "") -> str:
    src = base64.b64encode(data).decode("ascii")
    klass = f' class="{cls}"' if cls else ""
    return f'<img{klass} alt="{esc(alt)}" src="data:{mime};base64,{src}">'


def cell(value: object, left: bool = False, raw: bool = False, sort: object = None) -> str:
    """A <td>; floats get 3 decimals, ``raw`` keeps HTML, ``sort`` sets the sort key."""
    text = value if raw else esc(f"{value:.3f}" if isinstance(value, float) else str(value))
    key = f' data-v="{esc(str(sort))}"' if sort is not None else ""
    return f'<td{" class=l" if left else ""}{key}>{text}</td>'


def table(headers: Iterable[str], rows: Iterable[str], sortable: bool = False, left: int = 1) -> str:
    """``rows`` are ready ``<tr>`` contents (from :func:`cell`); the first ``left`` columns align left."""
    heads = "".join(f'<th{" class=l" if i < left else ""}>{esc(h)}</th>' for i, h in enumerate(headers))
    body = "".join(f"<tr>{r}</tr>" for r in rows)
    klass = ' class="sortable"' if sortable else ""
    return f"<table{klass}><thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table>"


def cards(items: Iterable[tuple[str, object]]) -> str:
    return '<div class="cards">' + "".join(
        f'<div class="card"><b>{esc(str(v))}</b>{esc(k)}</div>' for k, v in items) + "</div>"


def details(summary: str, inner: str) -> str:
    return f"<details><summary>{esc(summary)}</summary>{inner}</details>"


def write_atomic(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path


def anchor(name: str, prefix: str = "v") -> str:
    """A stable, HTML-safe id for ``name``."""
    return f"{prefix}-" + hashlib.sha1(name.encode()).hexdigest()[:10]
