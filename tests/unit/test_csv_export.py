"""The one CSV writer: text never reads as a formula, our numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.usecases.csv_export import FORMULA_STARTS, csv_text


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@given(value=st.text(max_size=20))
def test_no_text_cell_reads_back_as_a_formula_and_only_a_guard_is_added(value: str) -> None:
    rows = _read(csv_text(["name"], [[value]]))

    (cell,) = rows[1]
    assert not cell.startswith(FORMULA_STARTS)
    assert cell in (value, "'" + value)
    assert (cell == value) == (not value.startswith(FORMULA_STARTS))


@pytest.mark.parametrize(
    "value", ['=HYPERLINK("http://x","y")', "@SUM(A1)", "+1+2", "-1+2", "\t=1", "\r=1", "-1.50"]
)
def test_formula_like_text_is_written_with_a_leading_apostrophe(value: str) -> None:
    assert _read(csv_text(["name"], [[value]]))[1] == ["'" + value]


@given(rows=st.lists(st.lists(st.text(max_size=8), min_size=2, max_size=2), max_size=5))
def test_rows_read_back_as_written_line_breaks_in_cells_included(rows: list[list[str]]) -> None:
    read = _read(csv_text(["a", "b"], rows))

    assert read[0] == ["a", "b"]
    guarded = [["'" + v if v.startswith(FORMULA_STARTS) else v for v in row] for row in rows]
    assert read[1:] == guarded


def test_negative_numbers_we_wrote_stay_plain_numbers() -> None:
    text = csv_text(
        ["who", "points", "total", "rank"],
        [["A1", Decimal("-1.50"), "-12.25", -3], ["A2", None, None, 4]],
        numeric=("total",),
    )

    assert _read(text)[1:] == [["A1", "-1.50", "-12.25", "-3"], ["A2", "", "", "4"]]


@pytest.mark.parametrize("value", ["-1+2", "=1", "1e5", "", " 1", True])
def test_anything_but_a_plain_number_in_a_numeric_column_is_refused(value: str | bool) -> None:
    with pytest.raises(ValueError, match="total"):
        csv_text(["total"], [[value]], numeric=("total",))


def test_a_numeric_column_missing_from_the_header_is_refused() -> None:
    with pytest.raises(ValueError, match="totl"):
        csv_text(["total"], [["1"]], numeric=("totl",))


def test_a_row_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="2 cells for 1 columns"):
        csv_text(["name"], [["a", "b"]])
