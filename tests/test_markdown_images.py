"""Images in the author's Markdown: files inside the manifest's folder are embedded as data
URIs; a remote URL, a path out of the folder (`..`, absolute, a symlink out), a wrong type or a
file too large becomes a one-line note in the report and a warning on the command line."""

from __future__ import annotations

import base64
import re
import zlib
from pathlib import Path

import pytest
import report_fixtures
from typer.testing import CliRunner

from reportgen.cli import app
from reportgen.manifest import author_images, loads
from reportgen.report.text import markdown
from reportgen.store.store import Store


def png_bytes() -> bytes:
    """A real 1×1 PNG (signature, IHDR, IDAT, IEND with their CRCs)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (len(body).to_bytes(4, "big") + kind + body
                + zlib.crc32(kind + body).to_bytes(4, "big"))
    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


PNG = png_bytes()
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'

NOTES = ("Inside: ![diagram](figs/backprop.png) and ![vector](figs/net.svg). "
         "Out: ![up](../secret.png) ![abs](/etc/passwd.png) ![web](http://example.com/x.png) "
         "![link](figs/link.png) ![text](figs/fake.png) ![gif](figs/anim.gif)")


def lab_folder(tmp_path: Path) -> Path:
    """A manifest's folder with images inside, one outside, and a symlink leading out."""
    folder = tmp_path / "lab"
    (folder / "figs").mkdir(parents=True)
    (folder / "figs" / "backprop.png").write_bytes(PNG)
    (folder / "figs" / "net.svg").write_bytes(SVG)
    (folder / "figs" / "fake.png").write_text("not a picture")
    (folder / "figs" / "anim.gif").write_bytes(b"GIF89a")
    (tmp_path / "secret.png").write_bytes(PNG)
    (folder / "figs" / "link.png").symlink_to(tmp_path / "secret.png")
    return folder


def manifest_with_notes(folder: Path):
    text = report_fixtures.MANIFEST.replace(
        'description = "Three widths, everything else fixed."', f'description = "{NOTES}"')
    path = folder / "experiments.toml"
    path.write_text(text, encoding="utf-8")
    return loads(text, source=str(path)), text


def test_images_inside_the_folder_are_read_and_the_rest_refused(tmp_path: Path) -> None:
    manifest, _ = manifest_with_notes(lab_folder(tmp_path))
    found = author_images.load(manifest)
    assert found["figs/backprop.png"] == author_images.Image(PNG, "image/png")
    assert found["figs/net.svg"] == author_images.Image(SVG, "image/svg+xml")
    reasons = {src: getattr(f, "reason", None) for src, f in found.items()}
    assert reasons["../secret.png"] == "outside"
    assert reasons["/etc/passwd.png"] == "outside"
    assert reasons["http://example.com/x.png"] == "remote"
    assert reasons["figs/link.png"] == "outside"  # the symlink leads out of the folder
    assert reasons["figs/fake.png"] == "type"
    assert reasons["figs/anim.gif"] == "type"


def test_an_image_over_the_size_limit_is_refused(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "big.png").write_bytes(PNG + b"\x00" * 100)
    monkeypatch.setattr(author_images, "MAX_BYTES", 50)
    assert author_images.read(tmp_path / "big.png") == author_images.Refused("size")


@pytest.mark.parametrize("lang, word", [("en", "Image"), ("es", "Imagen")])
def test_markdown_embeds_given_images_and_notes_the_refused(tmp_path: Path, lang: str,
                                                            word: str) -> None:
    manifest, _ = manifest_with_notes(lab_folder(tmp_path))
    html = markdown(NOTES, author_images.load(manifest), lang)
    png = base64.b64encode(PNG).decode()
    assert f'<img class="author-image" alt="diagram" src="data:image/png;base64,{png}"' in html
    assert 'src="data:image/svg+xml;base64,' in html
    notes = re.findall(r'<em class="image-refused">\[(.*?)\]</em>', html)
    assert len(notes) == 6 and all(note.startswith(word + " ") for note in notes)
    for src in ("../secret.png", "/etc/passwd.png", "http://example.com/x.png"):
        assert f"<code>{src}</code>" in html
    # nothing a renderer could fetch: every <img> is a data URI
    assert re.findall(r'src="(?!data:)', html) == []


def test_an_image_nobody_read_is_a_note_not_a_fetch() -> None:
    html = markdown("![d](figs/x.png)", None, "en")
    assert "<img" not in html and "image-refused" in html


def test_pseudocode_in_a_code_block_keeps_its_layout() -> None:
    code = "for epoch in 1..E:\n    for batch in data:\n        w <- w - lr * grad(w)\n"
    html = markdown(f"Algorithm:\n\n```\n{code}```\n\n    indented:\n        kept\n")
    assert f"<pre><code>{code.replace('<', '&lt;')}</code></pre>" in html
    assert "<pre><code>indented:\n    kept\n</code></pre>" in html


def test_run_copies_the_embeddable_images_beside_the_stored_manifest(tmp_path: Path) -> None:
    manifest, _ = manifest_with_notes(lab_folder(tmp_path))
    out = tmp_path / "out"
    Store(out).save_images(manifest)
    assert (out / "figs" / "backprop.png").read_bytes() == PNG
    assert (out / "figs" / "net.svg").is_file()
    assert not (out / "figs" / "link.png").exists() and not (tmp_path / "out.png").exists()
    assert sorted(p.name for p in (out / "figs").iterdir()) == ["backprop.png", "net.svg"]


def test_the_report_embeds_them_and_the_cli_warns(tmp_path: Path, monkeypatch) -> None:
    folder = lab_folder(tmp_path)
    _, text = manifest_with_notes(folder)
    out = tmp_path / "out"
    monkeypatch.setattr(report_fixtures, "MANIFEST", text)
    report_fixtures.make_store(out)
    Store(out).save_images(loads(text, source=str(folder / "experiments.toml")))
    result = CliRunner().invoke(app, ["report", str(out), "--format", "html", "--lang", "es"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning: image")]
    assert len(warnings) == 6
    page = (out / "report.es.html").read_text(encoding="utf-8")
    assert page.count('class="author-image"') == 2
    assert page.count('class="image-refused"') == 6
    assert base64.b64encode(PNG).decode() in page


def test_word_gets_the_embedded_picture(tmp_path: Path) -> None:
    import docx

    from reportgen.report.docx_prose import write_prose

    manifest, _ = manifest_with_notes(lab_folder(tmp_path))
    document = docx.Document()
    write_prose(document, markdown(NOTES, author_images.load(manifest), "en"), "Courier New",
                "Table Grid")
    assert len(document.inline_shapes) == 2  # the PNG and the rasterised SVG
    assert "not included" in "\n".join(p.text for p in document.paragraphs)


def test_the_scratch_engine_example_shows_its_diagram_and_pseudocode() -> None:
    """Seed 003's §B: the backpropagation diagram (examples/figs) and the pseudocode."""
    from reportgen.manifest import load

    spec = load(Path(__file__).resolve().parents[1] / "examples" / "scratch-engine.toml")
    found = author_images.load(spec)
    assert [type(f).__name__ for f in found.values()] == ["Image"]
    for lang in ("es", "en"):
        html = markdown(spec.report.introduction.get(lang), found, lang)
        assert 'class="author-image"' in html and "image-refused" not in html
        assert "<pre><code>forward(X):\n" in html
