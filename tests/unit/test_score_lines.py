"""A score's lines in the API (service/api/scoring/scores.py `ScoreLines`): built from the
stored lines when read, in order, with their ids, and not kept."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

from service.api.ids import score_line_id
from service.api.scoring.scores import ScoreLine, ScoreLines, _line
from service.scoring.stored import StoredScore

from .test_stored_score import OLD_ROW

# Today's shape: each line holds its sources; a BANDS line beside OLD_ROW's LINEAR one.
NEW_ROW: dict[str, Any] = {
    **{key: value for key, value in OLD_ROW.items() if key not in ("sources", "sentences")},
    "lines": [
        {**OLD_ROW["lines"][0], "sources": [{"source": "tickets", "channel": None, "count": 10}]},
        {
            **OLD_ROW["lines"][0],
            "kpi": {
                "code": "complaints",
                "direction": "LOWER_IS_BETTER",
                "kind": "QUANTITATIVE",
                "name": "Complaints",
                "name_zh": "投诉",
                "unit": "",
            },
            "aggregation": "COUNT",
            "method": "BANDS",
            "bands": [
                {"bound": "0.0000", "points": "100.00"},
                {"bound": "1.0000", "points": "80.00"},
            ],
            "threshold": None,
            "target": None,
            "raw_value": "1.0000",
            "normalized": "80.00",
            "what_it_would_take": None,
            "sources": [{"source": "survey", "channel": "PHONE_CALLBACK", "count": 3}],
        },
    ],
}


def _lines() -> tuple[StoredScore, ScoreLines]:
    stored = StoredScore.from_row(OLD_ROW)
    return stored, ScoreLines(stored, "zh", score_pk=41, employee_pk=7, cycle_pk=3)


def test_the_lines_are_the_stored_lines_in_order_with_their_ids() -> None:
    stored, lines = _lines()
    assert len(lines) == len(stored.lines) > 0
    for ordinal, (line, stored_line) in enumerate(zip(lines, stored.lines, strict=True)):
        expected = _line(stored_line, stored.scored, "zh", 7, 3)
        assert line.id == score_line_id(41, ordinal)
        expected.id = line.id
        assert _fields(line) == _fields(expected)
        assert (line.stored, line.lang, line.employee_pk, line.cycle_pk) == (
            stored_line,
            "zh",
            7,
            3,
        )


def _fields(line: ScoreLine) -> dict[str, Any]:
    """Every value of the line (its resolvers, bound to the line, left out)."""
    values = {field.name: getattr(line, field.name) for field in dataclasses.fields(ScoreLine)}
    return {name: value for name, value in values.items() if not inspect.ismethod(value)}


def test_a_line_read_field_by_field_equals_the_line_built_whole() -> None:
    """Every field of the line built when read (bands, sources, what it would take, the
    KPI, the enums and Decimals) equals the one `_line` builds, in both languages, on a
    stored score of today's shape and one of the old shape."""
    stored_now = StoredScore.from_row(NEW_ROW)
    for stored in (StoredScore.from_row(OLD_ROW), stored_now):
        for lang in ("en", "zh"):
            lines = ScoreLines(stored, lang, score_pk=5, employee_pk=7, cycle_pk=3)
            for line, stored_line in zip(lines, stored.lines, strict=True):
                assert isinstance(line, ScoreLine)
                expected = _line(stored_line, stored.scored, lang, 7, 3)
                expected.id = line.id
                read = _fields(line)
                assert read == _fields(expected)
                assert read == _fields(line)  # read again: equal values
    assert any(line.setting.bands for line in stored_now.lines)
    assert any(line.sources for line in stored_now.lines)
    assert any(line.what_it_would_take for line in stored_now.lines)


def test_indexing_and_slicing_read_the_same_lines_as_iterating() -> None:
    _stored, lines = _lines()
    every = list(lines)
    assert [lines[i] for i in range(len(lines))] == every
    assert lines[-1] == every[-1]
    assert lines[0:] == every
    assert lines[1:] == every[1:]
    with pytest.raises(IndexError):
        lines[len(every)]


def test_each_read_builds_a_line_that_nothing_keeps() -> None:
    _stored, lines = _lines()
    assert lines[0] == lines[0]
    assert lines[0] is not lines[0]
