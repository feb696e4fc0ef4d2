"""Cover fields of the reference labs: student ids, faculty, city, date, logo (local file only)."""

from __future__ import annotations

import io
import os
import re

import pytest
from PIL import Image
from report_fixtures import MANIFEST, make_store
from typer.testing import CliRunner

import reportgen
from reportgen.cli import app
from reportgen.errors import ManifestError
from reportgen.manifest import load as load_manifest
from reportgen.report import render
from reportgen.report.build import build
from reportgen.store.store import Store
from tests.helpers import TINY, write_manifest

COVER = """\
student_ids = ["1202590", "1202617"]
faculty = { es = "Facultad de Ingeniería", en = "Faculty of Engineering" }
city = "Bogotá D.C."
logo = "img/logo.png"
"""


def png(size: tuple[int, int] = (40, 20), color: str = "#1f6f8b") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def with_cover(text: str, cover: str = COVER) -> str:
    """`text` with the cover keys added at the end of its [report] table."""
    return re.sub(r"(\[report\]\n(?:[^\[\n][^\n]*\n)*)", lambda m: m[1] + cover, text, count=1)


@pytest.fixture(scope="module")
def cover_results(tmp_path_factory):
    root = tmp_path_factory.mktemp("cover-store")
    make_store(root)
    (root / "manifest.toml").write_text(with_cover(MANIFEST), encoding="utf-8")
    (root / "img").mkdir()
    (root / "img" / "logo.png").write_bytes(png())
    return Store(root).load()


def test_cover_fields_in_both_languages(cover_results):
    for lang, faculty in (("es", "Facultad de Ingeniería"), ("en", "Faculty of Engineering")):
        meta = build(cover_results, lang).meta
        assert meta.people() == [("Ana Pérez", "1202590"), ("Luis Gómez", "1202617")]
        assert meta.faculty == faculty and meta.city == "Bogotá D.C."
        assert meta.logo is not None and meta.logo.mime == "image/png"
        assert meta.logo.data == png()


def test_html_cover_shows_ids_faculty_city_date_and_embedded_logo(cover_results):
    page = render.html(build(cover_results, "es"))
    cover = page[page.index('<header class="cover">'):page.index("</header>")]
    assert 'Ana Pérez <span class="student-id">1202590</span>' in cover
    assert '<span class="faculty">Facultad de Ingeniería</span>' in cover
    assert '<span class="city">Bogotá D.C.</span>, <time datetime="2025-05-01">1 de mayo de 2025' in cover
    assert 'src="data:image/png;base64,' in cover  # embedded: the page stays self-contained


def test_pdf_cover_has_the_logo_and_the_ids(cover_results, tmp_path):
    from pypdf import PdfReader

    path = render.pdf(render.html(build(cover_results, "en")), tmp_path / "r.pdf",
                      cover_results.root)
    first = PdfReader(path).pages[0]
    text = first.extract_text()
    assert "1202590" in text and "faculty of engineering" in text.lower()
    assert len(first.images) >= 1


def test_no_cover_fields_no_cover_extras(tmp_path):
    page = render.html(build(make_store(tmp_path).load(), "en"))
    cover = page[page.index('<header class="cover">'):page.index("</header>")]
    assert "student-id" not in cover and "logo" not in cover and "city" not in cover


BAD = {
    "ids count": ('student_ids = ["1", "2"]\n',
                  r":\d+: report\.student_ids: gives 2 id\(s\) for 1 author"),
    "url": ('logo = "https://example.org/logo.png"\n', r"report\.logo: .*no URL"),
    "absolute": ('logo = "/etc/logo.png"\n', r"report\.logo: .*no absolute path"),
    "parent": ('logo = "../logo.png"\n', r"report\.logo: .*no \.\."),
    "type": ('logo = "logo.gif"\n', r"report\.logo: .*PNG, JPEG or SVG"),
    "missing": ('logo = "nope.png"\n', r":\d+: report\.logo: 'nope\.png': no such file"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_cover_fields_are_one_line_errors(tmp_path, case):
    cover, pattern = BAD[case]
    text = with_cover(TINY, cover)
    path = write_manifest(tmp_path, text)
    with pytest.raises(ManifestError, match=pattern):
        load_manifest(path)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1


def test_logo_symlinked_out_of_the_folder_is_refused(tmp_path):
    outside = tmp_path / "outside.png"
    outside.write_bytes(png())
    lab = tmp_path / "lab"
    lab.mkdir()
    os.symlink(outside, lab / "logo.png")
    path = write_manifest(lab, with_cover(TINY, 'logo = "logo.png"\n'))
    with pytest.raises(ManifestError, match="leads outside the manifest's folder"):
        load_manifest(path)


def test_run_copies_the_logo_so_the_output_folder_renders_alone(tmp_path):
    lab = tmp_path / "lab"
    (lab / "img").mkdir(parents=True)
    (lab / "img" / "logo.png").write_bytes(png())
    manifest = write_manifest(lab, with_cover(TINY, 'logo = "img/logo.png"\n'))
    out = tmp_path / "out"
    reportgen.run(manifest, out, lang="en", format="html", quiet=True)
    assert (out / "img" / "logo.png").read_bytes() == png()
    (lab / "img" / "logo.png").unlink()  # the output folder no longer needs the lab folder
    report = reportgen.render(out, lang="en", format="html", quiet=True)
    assert "data:image/png;base64," in report.document("en", "html").read_text()


def test_manifest_date_overrides_today(cover_results):
    assert str(build(cover_results, "en").meta.date) == "2025-05-01"
