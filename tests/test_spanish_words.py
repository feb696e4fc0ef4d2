"""The Spanish PDF of the default report holds no English word outside proper names, code and
the manifest listing (issue 13 item 7).

The default manifest (`experiments.toml`) is run through the CLI with the same datasets and
studies but fewer epochs and trials (conftest's `default_run`), so that the test stays affordable: what it checks
is wording, which does not depend on how long the networks train.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import DEFAULT_GROUP

pytestmark = DEFAULT_GROUP  # one worker trains the default run

# English words a Spanish reader would see as untranslated. Technical terms that Spanish
# machine-learning texts and courses use as they are stay allowed: "dropout", "batch" (as in
# batch norm), "pooling", "softmax", "kernel", and the names of methods and programs (Adam,
# RMSprop, SGD, Hyperband, Optuna, ReLU, tanh, PyTorch, NumPy, fANOVA, TPE). Each word below
# has an established Spanish term, which the catalogs use:
ENGLISH = {
    "hidden": "oculta(s)", "best": "mejor", "none": "ninguno/a", "bracket": "grupo",
    "optimizer": "optimizador", "learning rate": "tasa de aprendizaje", "callbacks": "—",
    "trial": "ensayo", "trials": "ensayos", "pruned": "podado", "pruner": "poda",
    "rung": "nivel", "malignant": "maligno", "benign": "benigno", "overfitting": "sobreajuste",
    "validation": "validación", "loss": "pérdida", "accuracy": "exactitud",
    "epoch": "época", "epochs": "épocas", "seed": "semilla", "layer": "capa",
    "units": "neuronas", "width": "ancho", "depth": "profundidad", "momentum": "momento",
    "weight decay": "decaimiento de pesos", "early stopping": "parada temprana",
    "run": "ejecución", "runs": "ejecuciones", "test": "prueba", "training": "entrenamiento",
    "search": "búsqueda", "random": "aleatoria", "grid": "rejilla", "elastic net": "red elástica",
    "lr": "tasa", "with": "con", "of": "de", "the": "el/la",
}
# Where English is right: the bibliography (titles as published), the appendix (run ids, the
# identities `diff` matches on, and the manifest listing as written) and code (Keras-style
# layer summaries, file names of the CSV tables).
PROPER_SECTIONS = ("Referencias", "A Apéndice: procedencia")
CODE = [re.compile(p) for p in (r"\(None(, \d+)+\)", r"\b[a-z_]+\d* \([A-Z]\w+\)",
                                r"\b\S+\.(csv|json|npz)\b", r"\breportgen \w+",
                                # the one place the English term is given beside its translation
                                r"grupo\s+\(bracket\)\s+de\s+Hyperband")]


def pdf_text(pdf: Path) -> str:
    """The text of `pdf`, words rejoined where a line break hyphenated them."""
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout
    else:
        from pypdf import PdfReader

        text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    return re.sub(r"[\u2010\u00ad-]\n\s*", "", text)


def body(text: str) -> str:
    """The text without the sections where English is right (see PROPER_SECTIONS, CODE)."""
    # the headings as they start a line (the contents list them with dot leaders)
    cut = min((m.start() for name in PROPER_SECTIONS
               for m in re.finditer(rf"(?m)^(\d+ )?{re.escape(name)}\s*$", text)),
              default=len(text))
    text = text[:cut]
    for pattern in CODE:
        text = pattern.sub(" ", text)
    return text


def english_words(text: str) -> list[str]:
    found = []
    for word in ENGLISH:
        pattern = r"(?<![\w./_-])" + r"\s+".join(map(re.escape, word.split())) + r"(?![\w_-])"
        for match in re.finditer(pattern, text, flags=re.IGNORECASE):
            line = text[text.rfind("\n", 0, match.start()) + 1:text.find("\n", match.end())]
            found.append(f"{word!r} in: {line.strip()[:120]}")
    return found


def test_the_helpers_find_and_skip_what_they_should() -> None:
    text = "La mejor ejecución es hidden=64 (trial 3).\nflatten (Flatten)  (None, 64)\n" \
           "Referencias\nSrivastava (2014). Dropout: preventing overfitting."
    assert sorted(f.split()[0] for f in english_words(body(text))) == ["'hidden'", "'trial'"]
    assert english_words("exactitud de validación") == []


@pytest.fixture(scope="module")
def spanish_pdf(default_run: Path) -> Path:
    return default_run / "report.es.pdf"


def test_no_english_word_in_the_spanish_default_report(spanish_pdf: Path) -> None:
    text = pdf_text(spanish_pdf)
    assert "Conclusiones" in text and "Referencias" in text  # the sections cut off exist
    found = english_words(body(text))
    assert len(found) == 0, f"{len(found)} English word(s) in the Spanish report:\n" + \
        "\n".join(found)
