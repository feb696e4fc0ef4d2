import pytest

from reportgen import manifest
from reportgen.errors import ManifestError
from tests.helpers import TINY


def error_of(text: str) -> str:
    with pytest.raises(ManifestError) as info:
        manifest.loads(text, source="m.toml")
    message = str(info.value)
    assert "\n" not in message
    return message


def test_tiny_manifest_loads_with_defaults_and_texts():
    spec = manifest.loads(TINY)
    assert spec.report.title.get("es") == "Informe de prueba"
    assert spec.report.languages == ["es", "en"]
    assert spec.defaults.seed == 7
    assert spec.trainings["quick"].optimizer.lr == 0.001  # Keras default for adam
    assert spec.studies[0].datasets() == ["digits"]
    assert len(spec.sha256) == 64


def test_plain_string_text_serves_both_languages():
    spec = manifest.loads(TINY.replace('{ es = "Ancho", en = "Width" }', '"Anchura"'))
    assert spec.studies[0].title.get("es") == spec.studies[0].title.get("en") == "Anchura"


def test_toml_syntax_error_names_file_and_line():
    text = TINY + "\n[broken\n"
    message = error_of(text)
    assert message.startswith(f"m.toml:{len(text.splitlines())}: invalid TOML: ")


def test_unknown_key_names_dotted_path_and_line():
    text = TINY.replace("hidden = [16]", "hidden = [16]\nhiden = [3]")
    message = error_of(text)
    line = text.splitlines().index("hiden = [3]") + 1
    assert message == f"m.toml:{line}: models.mlp.hiden: unknown key (did you mean `hidden`?)"


def test_wrong_type_names_path_and_value():
    message = error_of(TINY.replace("epochs = 3", 'epochs = "three"'))
    assert "trainings.quick.epochs" in message and "'three'" in message


def test_out_of_range_value():
    message = error_of(TINY.replace("hidden = [16]", "hidden = [16, 0]"))
    assert "models.mlp.hidden[1]" in message and "greater than 0" in message


def test_bad_literal_lists_choices():
    message = error_of(TINY.replace('name = "digits"', 'name = "digitz"'))
    assert "datasets.digits.name" in message and "'breast_cancer'" in message


def test_unknown_source_names_the_source_key():
    message = error_of(TINY.replace('source = "sklearn"', 'source = "kaggle"'))
    assert "datasets.digits.source" in message and "'kaggle'" in message


def test_dangling_reference_lists_defined_names():
    message = error_of(TINY.replace('model = "mlp"', 'model = "cnn"'))
    assert "studies[0].model: unknown model 'cnn' (defined: mlp)" in message


def test_inline_tables_become_named_blocks():
    text = TINY.replace('model = "mlp"', "model = { hidden = [4] }")
    spec = manifest.loads(text)
    assert spec.models[spec.studies[0].model].hidden == [4]


def test_gd_requires_full_batch():
    message = error_of(TINY.replace("batch_size = 64", 'batch_size = 64\noptimizer = "gd"'))
    assert "full-batch" in message


def test_per_layer_lists_must_match_depth():
    message = error_of(TINY.replace("hidden = [16]", 'hidden = [16]\nactivation = ["relu", "tanh"]'))
    assert "2 values for 1 hidden layers" in message


def test_repeated_study_ids_rejected():
    study = TINY[TINY.index("[[studies]]"):]
    assert "study ids repeat: width" in error_of(TINY + study)


def test_missing_file(tmp_path):
    with pytest.raises(ManifestError, match="manifest not found"):
        manifest.load(tmp_path / "nope.toml")


def test_errors_in_later_array_tables_point_at_their_own_lines():
    from reportgen.manifest.toml_positions import line_of

    text = TINY + """
[[studies.variants]]
name = "a"
[[studies.variants]]
name = "b"
set = { "model.hidden" = [3] }
"""
    lines = text.splitlines()
    assert line_of(text, ("studies", 0, "variants", 1, "set")) == \
        lines.index('set = { "model.hidden" = [3] }') + 1
    assert line_of(text, ("studies", 0, "variants", 0, "name")) == lines.index('name = "a"') + 1
