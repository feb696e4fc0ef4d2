import pytest

from reportgen import manifest
from reportgen.errors import ManifestError
from reportgen.manifest.values import format_value
from reportgen.plan import expand
from tests.helpers import TINY

GRID = TINY.replace(
    'vary = { "model.hidden" = [[8], [16]] }',
    'vary = { "model.hidden" = [[8], [16], [32]], "training.optimizer.lr" = [0.1, 0.01] }')

VARIANTS = TINY.replace('vary = { "model.hidden" = [[8], [16]] }', '''
[[studies.variants]]
name = "M0"
set = { "model.hidden" = [10, 8], "training.optimizer" = { name = "gd", lr = 0.1 }, "training.batch_size" = "full", "training.epochs" = 5 }
[[studies.variants]]
name = "M1"
seed = 3
set = { "training.optimizer" = { name = "sgd", lr = 0.01, momentum = 0.9 } }
''')


def plan_of(text: str) -> expand.Plan:
    return expand.expand(manifest.loads(text, source="m.toml"))


def test_vary_expands_the_full_grid_in_order():
    runs = plan_of(GRID).runs
    assert len(runs) == 6
    assert [r.config.model.hidden for r in runs[:2]] == [[8], [8]]
    assert runs[0].varied == {"model.hidden": [8], "training.optimizer.lr": 0.1}
    assert runs[0].label == "hidden=8, lr=0.1"
    assert runs[1].config.training.optimizer.lr == 0.01
    assert runs[1].config.training.optimizer.name == "adam"  # untouched siblings keep values


def test_variants_override_whole_tables_and_scalars():
    m0, m1 = plan_of(VARIANTS).runs
    assert m0.label == "M0" and m0.config.model.hidden == [10, 8]
    assert m0.config.training.batch_size == "full" and m0.config.training.epochs == 5
    assert m1.config.seed == 3 and m0.config.seed == 7
    assert m1.config.training.optimizer.momentum == 0.9


def test_dataset_list_repeats_the_study():
    text = TINY.replace('dataset = "digits"', 'dataset = ["digits", "iris"]') + """
[datasets.iris]
source = "sklearn"
name = "iris"
"""
    runs = plan_of(text).runs
    assert [r.config.dataset for r in runs] == ["digits", "digits", "iris", "iris"]
    assert runs[2].label == "dataset=iris, hidden=8"


def test_run_ids_are_stable_and_distinct():
    first, second = plan_of(TINY).runs, plan_of(TINY).runs
    assert first[0].run_id("abc") == second[0].run_id("abc")
    assert first[0].run_id("abc") != first[1].run_id("abc")
    assert first[0].run_id("abc") != first[0].run_id("other data")


def test_bad_override_value_blames_the_vary_key():
    text = TINY.replace("[[8], [16]]", "[[8], [-1]]")
    with pytest.raises(ManifestError) as info:
        plan_of(text)
    line = text.splitlines().index('vary = { "model.hidden" = [[8], [-1]] }') + 1
    assert str(info.value).startswith(f'm.toml:{line}: studies[0].vary."model.hidden": ')
    assert "greater than 0" in str(info.value)


def test_unknown_override_root_and_key():
    with pytest.raises(ManifestError, match="unknown key 'modle'"):
        plan_of(TINY.replace('"model.hidden"', '"modle.hidden"'))
    with pytest.raises(ManifestError,
                       match=r'vary\."model.hiden": unknown key \(did you mean `hidden`\?\)$'):
        plan_of(TINY.replace('"model.hidden"', '"model.hiden"'))


def test_only_filters_and_rejects_unknown_ids():
    spec = manifest.loads(TINY)
    assert len(expand.expand(spec, only=["width"]).runs) == 2
    with pytest.raises(ManifestError, match="unknown study 'nope'"):
        expand.expand(spec, only=["nope"])


def test_format_value_reads_well():
    assert format_value([256]) == "256"
    assert format_value([100, 80]) == "[100, 80]"
    assert format_value({"name": "sgd", "lr": 0.05, "momentum": 0.9}) == \
        "sgd(lr=0.05, momentum=0.9)"


def test_repeats_expand_each_configuration_with_consecutive_seeds():
    text = TINY.replace('vary = { "model.hidden" = [[8], [16]] }',
                        'vary = { "model.hidden" = [[8], [16]] }\nrepeats = 2')
    runs = expand.expand(manifest.loads(text, source="m.toml")).runs
    assert [(r.label, r.config.seed, r.config_label) for r in runs] == [
        ("hidden=8 · seed=7", 7, "hidden=8"), ("hidden=8 · seed=8", 8, "hidden=8"),
        ("hidden=16 · seed=7", 7, "hidden=16"), ("hidden=16 · seed=8", 8, "hidden=16")]
    assert len({r.run_id("data") for r in runs}) == 4


def test_repeats_with_a_varied_seed_is_an_error_at_its_line():
    text = TINY.replace('vary = { "model.hidden" = [[8], [16]] }',
                        'vary = { "seed" = [1, 2] }\nrepeats = 2')
    with pytest.raises(ManifestError, match=r"m\.toml:\d+: studies\[0\].*repeats already "
                                            r"varies the seed"):
        manifest.loads(text, source="m.toml")
