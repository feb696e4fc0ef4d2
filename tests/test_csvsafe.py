"""CSV formula injection (issue 15.6): user text never reaches a CSV as a live formula."""

import csv
import io

import numpy as np

from reportgen.report.model import Cell, Column, Table
from reportgen.report.render import table_csv
from reportgen.store.store import Store

HOSTILE = ['=HYPERLINK("http://x","y")', "@SUM(1,1)", "=2+2", "-cmd", "+1+1", "\tx"]


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_table_cells_that_a_spreadsheet_would_evaluate_are_quoted():
    table = Table(id="t", number=1, caption="c",
                  columns=(Column("=name", "name"), Column("value", "value", numeric=True)),
                  rows=(*((Cell(text), Cell(-0.5)) for text in HOSTILE),
                        (Cell("-0.25"), Cell(3)), (Cell("plain"), Cell(1e-3))))
    header, *rows = rows_of(table_csv(table))
    assert header == ["'=name", "value"]
    assert [r[0] for r in rows[: len(HOSTILE)]] == ["'" + text for text in HOSTILE]
    assert all(r[1] == "-0.5" for r in rows[: len(HOSTILE)])  # numbers unchanged
    assert rows[-2] == ["-0.25", "3"] and rows[-1] == ["plain", "0.001"]


def test_predicted_class_names_are_quoted_in_posteriors(tmp_path):
    path = Store(tmp_path).save_posteriors("files", "=2+2", np.array([[0.9, 0.1], [0.2, 0.8]]),
                                           ["=2+2", "@cmd"])
    header, first, second = rows_of(path.read_text())
    assert header == ["p_=2+2", "p_@cmd", "predicted"]  # starts with "p_": inert
    assert first == ["0.900000", "0.100000", "'=2+2"]
    assert second == ["0.200000", "0.800000", "'@cmd"]
