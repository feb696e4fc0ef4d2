"""The HTML report in headless Chromium: loads with no console message, every figure decodes.

Skipped where Chromium is not installed; `.ci/run` installs it so CI always runs it.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from report_fixtures import make_results

from reportgen.report.write import write_reports

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    results = make_results(tmp_path_factory.mktemp("store"))
    write_reports(results, results.root, ["es", "en"], ["html"])
    return {lang: results.root / f"report.{lang}.html" for lang in ("es", "en")}


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args,
                           page.as_uri()], capture_output=True, text=True, timeout=120,
                          check=True)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_page_loads_without_console_messages(reports, lang, tmp_path):
    result = chromium(reports[lang], tmp_path / "profile", "--dump-dom")
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    dom = result.stdout
    assert dom.count("<svg") == reports[lang].read_text(encoding="utf-8").count("<svg") > 0


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_figure_decodes(reports, lang):
    """The figures are inline SVG; their raster parts (heat maps, sample images) are <image>
    elements holding base64 PNGs, each of which must decode to a picture with pixels."""
    from PIL import Image

    html = reports[lang].read_text(encoding="utf-8")
    assert "<img" not in html  # nothing outside the inline SVGs
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert svgs
    images = 0
    for svg in svgs:
        root = ET.fromstring(svg)  # well-formed XML: the browser can draw it
        assert root.get("viewBox") or (root.get("width") and root.get("height"))
        for image in root.iter("image"):
            href = image.get("href") or ""
            assert href.startswith("data:image/png;base64,"), href[:40]
            picture = Image.open(io.BytesIO(base64.b64decode(href.split(",", 1)[1],
                                                             validate=True)))
            picture.load()  # a truncated or corrupt PNG raises here
            assert picture.width > 0 and picture.height > 0
            images += 1
    assert images > 0  # the confusion matrices at least are raster images


def test_screenshot_is_not_blank(reports, tmp_path):
    shot = tmp_path / "page.png"
    chromium(reports["en"], tmp_path / "profile", "--window-size=1200,1600",
             f"--screenshot={shot}")
    from PIL import Image

    pixels = Image.open(shot).convert("L")
    low, high = pixels.getextrema()
    assert high - low > 100  # text and figures, not an empty page
