"""A scored row's lines, as the recompute writes them to ``score_line``."""

from __future__ import annotations

from service.usecases.scoring import recompute


def test_a_line_is_written_with_each_value_in_its_column() -> None:
    line = {"ordinal": 2, "kpi_id": 7, "scope": "TEAM", "status": "OK", "n": 41, "raw_value": 125}
    # As the serial path and a worker both hand a line on: its values in `_LINE_KEYS` order.
    row = {"lines": [recompute._line_values(line)]}
    [written] = recompute._line_rows(row, 99)
    by_column = dict(zip(recompute._LINE_COLUMNS, written, strict=True))
    assert by_column == {
        "score_id": 99,
        "ordinal": 2,
        "kpi_id": 7,
        "scope": "TEAM",
        "status": "OK",
        "sample_size": 41,
        "raw_value": 125,
    }
