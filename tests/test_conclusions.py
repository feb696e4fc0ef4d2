"""Generated sentences state what the stored numbers show, computed from real tiny runs."""

import itertools

import pytest

from reportgen import manifest
from reportgen.execution import executor
from reportgen.plan import expand
from reportgen.report.build import build
from reportgen.report.model import Paragraph
from reportgen.store.store import Store
from tests.helpers import TINY, write_manifest

ENGINES = TINY.replace('vary = { "model.hidden" = [[8], [16]] }', '''
[[studies.variants]]
name = "numpy"
engine = "numpy"
[[studies.variants]]
name = "torch"
engine = "torch"
''')


def conclusions(tmp_path, text, lang="en"):
    spec = manifest.load(write_manifest(tmp_path, text))
    store = Store(tmp_path / "out")
    executor.execute(spec, expand.expand(spec), store)
    results = store.load()
    model = build(results, lang)
    section = model.section("experiments")
    items = [block.text for sub in section.subsections for block in sub.blocks
             if isinstance(block, Paragraph) and not block.html]
    return results, items


def test_engine_gap_is_stated_with_both_scores(tmp_path):
    results, items = conclusions(tmp_path, ENGINES)
    numpy_run, torch_run = results.studies["width"]
    sentence = next(i for i in items if "different engines" in i)
    assert "“numpy” (NumPy) and “torch” (PyTorch)" in sentence  # engines as named
    for run in (numpy_run, torch_run):
        assert f"{100 * run.record.metrics['val'].accuracy:.1f}%" in sentence


@pytest.mark.parametrize("lang", ["en", "es"])
def test_factor_direction_only_claims_what_the_scores_show(tmp_path, lang):
    text = TINY.replace("[[8], [16]]", "[[2], [8], [32]]").replace("epochs = 3", "epochs = 8")
    results, items = conclusions(tmp_path, text, lang)
    scores = [r.record.metrics["val"].accuracy for r in results.studies["width"]]
    steps = [b - a for a, b in itertools.pairwise(scores)]
    words = {"en": ("rises at every step", "falls at every step", "does not move"),
             "es": ("aumenta en cada paso", "disminuye en cada paso", "no varía")}[lang]
    expected = words[0] if all(s > 0 for s in steps) else (
        words[1] if all(s < 0 for s in steps) else words[2])
    assert any(expected in item for item in items)
    assert not any(w in item for w in words if w != expected for item in items)


def test_dual_axis_figure_of_the_best_run(tmp_path):
    from reportgen.report.model import Figure

    text = TINY.replace('vary = { "model.hidden"', 'show = ["dual_axis"]\nvary = { "model.hidden"')
    spec = manifest.load(write_manifest(tmp_path, text))
    store = Store(tmp_path / "out")
    executor.execute(spec, expand.expand(spec), store)
    model = build(store.load(), "es")
    figures = [b for sub in model.section("experiments").subsections for b in sub.blocks
               if isinstance(b, Figure)]
    assert [f.id for f in figures] == ["fig-study-width-dual"]
    assert "eje izquierdo" in figures[0].caption and "<svg" in figures[0].svg
