"""A score's lines in the API (service/api/scoring/scores.py `ScoreLines`): built from the
stored lines when read, in order, with their ids, and not kept."""

from __future__ import annotations

import pytest

from service.api.ids import score_line_id
from service.api.scoring.scores import ScoreLines, _line
from service.scoring.stored import StoredScore

from .test_stored_score import OLD_ROW


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
        assert line == expected
        assert (line.stored, line.lang, line.employee_pk, line.cycle_pk) == (
            stored_line,
            "zh",
            7,
            3,
        )


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
