"""The HTML docs open in headless Chromium from file:// with the network off, and draw the page."""

from __future__ import annotations

import subprocess
from pathlib import Path

from datamodeler.export.formats import html

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "screenshot_docs.sh"


def test_html_site_renders_in_chromium(shop_model, chromium_tool, dot_tool, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    page = html.export(shop_model, svg_diagrams=True)["index.html"]
    assert "<svg" in page and "http://" not in page.split("<main>")[0]  # no external resources in the head
    (site / "index.html").write_text(page, encoding="utf-8")
    subprocess.run(["bash", str(SCRIPT), str(site), str(tmp_path / "shots"), "sales-orders"], check=True, timeout=120)
    for name in ("html-index.png", "html-table.png"):
        image = (tmp_path / "shots" / name).read_bytes()
        assert image.startswith(b"\x89PNG") and len(image) > 20_000, name
