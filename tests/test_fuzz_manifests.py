"""Fuzzing `validate` with mutated shipped manifests (issue 15): whatever the input, the answer
is `valid` (exit 0) or one line naming the file (exit 2), never a traceback.

The mutations are drawn with a fixed seed, so a failure reproduces; the case id names the
mutation. About 300 cases, well under a minute.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportgen.cli import app
from tests.helpers import SHIPPED_MANIFESTS

ROOT = Path(__file__).resolve().parents[1]
SOURCES = SHIPPED_MANIFESTS
CASES = 300
SEED = 20261203

NUMBERS = ["0", "-1", "1e9", "1e-320", "1e15", "inf", "nan", "-inf", "99999999999999999999",
           "0.5", "3", '"x"', "true", "[]", "{}", "[[1]]"]
STRINGS = ['"../../../x"', '"/etc/passwd"', '"=2+2"', '"@SUM(1,1)"', '""', '"' + "w" * 300 + '"',
           '"a\\nb"', '"postgresql://u:pw@h/db"', "1", "[]", '{ es = "a" }', '"cuda:99"']


def mutate(text: str, rng: random.Random) -> tuple[str, str]:
    """One random mutation of `text`, and its name."""
    lines = text.splitlines()
    i = rng.randrange(len(lines))
    kind = rng.choice(["number", "number", "string", "string", "key", "delete", "duplicate",
                       "truncate", "insert", "swap", "nest", "table"])
    if kind == "number" and (spots := list(re.finditer(r"(?<=[=\[,{ ])-?\d[\d_.eE+-]*", text))):
        spot = rng.choice(spots)
        return text[:spot.start()] + rng.choice(NUMBERS) + text[spot.end():], kind
    if kind == "string" and (spots := list(re.finditer(r'"[^"\n]*"', text))):
        spot = rng.choice(spots)
        return text[:spot.start()] + rng.choice(STRINGS) + text[spot.end():], kind
    if kind == "key" and (spots := list(re.finditer(r"^(\s*)([A-Za-z_]+)(\s*=)", text, re.M))):
        spot = rng.choice(spots)
        key = spot.group(2)
        typo = key[:-1] if len(key) > 2 and rng.random() < 0.5 else key + rng.choice("sx_")
        return text[:spot.start(2)] + typo + text[spot.end(2):], kind
    if kind == "delete":
        del lines[i]
    elif kind == "duplicate":
        lines.insert(i, lines[i])
    elif kind == "truncate":
        return text[: rng.randrange(len(text))], kind
    elif kind == "insert":
        position = rng.randrange(len(text))
        junk = rng.choice(['"', "[", "]", "{", "}", "=", "\ufeff", "\x00", "\\", "'''", "#", ","])
        return text[:position] + junk + text[position:], kind
    elif kind == "swap":
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "nest":
        lines.insert(i, "deep = " + "[" * 1500 + "]" * 1500)
    else:  # a table header renamed or repeated
        headers = [n for n, line in enumerate(lines) if line.startswith("[")]
        if headers:
            n = rng.choice(headers)
            lines[n] = rng.choice([lines[n] + "x", lines[n].replace(".", "..", 1),
                                   lines[n].rstrip("]"), "[[" + lines[n].strip("[]") + "]]"])
    return "\n".join(lines) + "\n", kind


def cases() -> list[tuple[str, str, str]]:
    rng = random.Random(SEED)
    texts = {path.name: path.read_text(encoding="utf-8") for path in SOURCES}
    out = []
    for n in range(CASES):
        name = rng.choice(sorted(texts))
        text = texts[name]
        kinds = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            text, kind = mutate(text, rng)
            kinds.append(kind)
        out.append((f"{n:03d}-{Path(name).stem}-{'+'.join(kinds)}", name, text))
    return out


runner = CliRunner()


@pytest.mark.parametrize(("case", "name", "text"), cases(), ids=lambda v: v if
                         isinstance(v, str) and re.match(r"\d{3}-", v) else "")
def test_mutated_manifest_is_valid_or_one_line_naming_the_file(tmp_path, case, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code in (0, 2), f"{case}: exit {result.exit_code}\n{result.output}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{case}: {result.exception!r}") from result.exception
    assert "Traceback" not in result.output, case
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, f"{case}: {result.stderr}"
        assert lines[0].startswith(f"error: {path}"), f"{case}: {lines[0]}"
    else:
        assert "valid" in result.stdout, case
