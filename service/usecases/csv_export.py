"""Every CSV the service writes (CLI and admin exports): one writer, safe in a spreadsheet.

A spreadsheet evaluates a cell that starts with `=`, `+`, `-` or `@` (or a tab or
carriage return before one) as a formula, so a name such as `=HYPERLINK(...)` or
`-1+2` in the data would run when payroll opens the file. Text cells starting so are
written with a leading apostrophe, which spreadsheets read as "this is text" and do
not show.

Numbers are different: they are ours, not the data's, and a negative one (an
adjustment of `-1.50`) must stay a number a spreadsheet can sum. Cells given as `int`
or `Decimal`, and text in a column the caller declares numeric that is a plain decimal
literal (`-?digits[.digits]`), are written as they are; a plain literal cannot hold a
formula. Text in a numeric column that is not one is a programming error, raised, never
written.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TextIO

Cell = str | int | Decimal | None

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def text_cell(value: str) -> str:
    """Text as a spreadsheet will show it, never as a formula."""
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _number_cell(value: int | Decimal | str, column: str) -> str:
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    if isinstance(value, bool) or not _PLAIN_NUMBER.fullmatch(text):
        raise ValueError(f"Column {column!r} is numeric, but {value!r} is not a plain number.")
    return text


def _cell(value: Cell, column: str, numeric: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, int | Decimal) or numeric:
        return _number_cell(value, column)
    return text_cell(value)


def write_csv(
    out: TextIO,
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    numeric: Iterable[str] = (),
) -> None:
    """Write a header and rows; `numeric` names the columns that hold our numbers."""
    numbers = set(numeric)
    unknown = numbers - set(header)
    if unknown:
        raise ValueError(f"Numeric columns not in the header: {sorted(unknown)}.")
    # RFC 4180 line ends: with "\n" alone, csv would leave a carriage return inside a
    # cell unquoted, and a reader would split the row there.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([text_cell(name) for name in header])
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"A row has {len(row)} cells for {len(header)} columns.")
        writer.writerow(
            [
                _cell(value, column, column in numbers)
                for column, value in zip(header, row, strict=True)
            ]
        )


def csv_text(
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    numeric: Iterable[str] = (),
) -> str:
    out = io.StringIO()
    write_csv(out, header, rows, numeric=numeric)
    return out.getvalue()
