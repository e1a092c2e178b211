"""SCORING.md §13: the pilot report's groups, changes and gap, hand-computed."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from service.scoring import Aggregate, Aggregation
from service.scoring.periods import CycleSpan, comparable_previous_cycle
from service.scoring.pilot import (
    GroupFigure,
    PilotLine,
    group_figure,
)

from .builders import LOWER, quantitative_kpi

F = Fraction
CSAT = quantitative_kpi("csat", aggregation=Aggregation.SHARE_AT_LEAST, param=F(4))
COMPLAINTS = quantitative_kpi("complaints", direction=LOWER, aggregation=Aggregation.COUNT)
MINUTES = quantitative_kpi("minutes", direction=LOWER, aggregation=Aggregation.SUM)
SPEED = quantitative_kpi("speed", aggregation=Aggregation.MEAN)


def test_a_share_is_computed_over_the_groups_observations_exactly() -> None:
    # 7 of 9 ratings at least 4: 700/9 = 77.777…, kept exact (reported 77.7778).
    figure = group_figure(CSAT, Aggregate(9, F(38), meeting=7), headcount=3)
    assert figure == GroupFigure(F(700, 9), 9, 3)


def test_count_and_sum_are_per_employee_of_the_group() -> None:
    # 5 complaints over a headcount of 4: 1.25 each; 130 minutes over 3 people: 43.333…
    assert group_figure(COMPLAINTS, Aggregate(5, F(5)), headcount=4).value == F(5, 4)
    assert group_figure(MINUTES, Aggregate(6, F(130)), headcount=3).value == F(130, 3)
    # No complaints at all is still a value: 0 per head.
    assert group_figure(COMPLAINTS, Aggregate(0), headcount=4).value == 0


def test_no_headcount_means_no_value_for_count_and_sum() -> None:
    assert group_figure(COMPLAINTS, Aggregate(2, F(2)), headcount=0) == GroupFigure(None, 2, 0)


def test_a_mean_without_observations_has_no_value() -> None:
    assert group_figure(SPEED, Aggregate(0), headcount=5).value is None


def test_changes_and_gap_follow_the_previous_cycle() -> None:
    # Pilot 80 from 70 (+10); others 75 from 72 (+3): gap 7.
    line = PilotLine(
        CSAT,
        pilot=GroupFigure(F(80), 10, 2),
        outside=GroupFigure(F(75), 20, 4),
        pilot_previous=GroupFigure(F(70), 10, 2),
        outside_previous=GroupFigure(F(72), 25, 4),
    )
    assert (line.pilot_change, line.outside_change, line.gap) == (F(10), F(3), F(7))


def test_without_a_previous_cycle_there_is_no_change_and_no_gap() -> None:
    line = PilotLine(
        CSAT,
        pilot=GroupFigure(F(80), 10, 2),
        outside=GroupFigure(F(75), 20, 4),
        pilot_previous=None,
        outside_previous=None,
    )
    assert (line.pilot_change, line.outside_change, line.gap) == (None, None, None)


def test_a_group_without_a_value_on_either_side_has_no_change_and_so_no_gap() -> None:
    line = PilotLine(
        SPEED,
        pilot=GroupFigure(F(12), 3, 1),
        outside=GroupFigure(None, 0, 4),
        pilot_previous=GroupFigure(F(15), 2, 1),
        outside_previous=GroupFigure(F(14), 8, 4),
    )
    assert line.pilot_change == -3
    assert line.outside_change is None
    assert line.gap is None


def dates(code: str, starts: str, ends: str) -> CycleSpan:
    return CycleSpan(code, date.fromisoformat(starts), date.fromisoformat(ends))


def test_comparable_previous_cycle_is_the_latest_of_similar_length_that_ended_before() -> None:
    march = dates("2026-03", "2026-03-01", "2026-03-31")  # 31 days
    candidates = [
        dates("2026-01", "2026-01-01", "2026-01-31"),
        dates("2026-02", "2026-02-01", "2026-02-28"),  # 28 days: within 3 of 31
        dates("2026-Q1", "2026-01-01", "2026-03-31"),  # a quarter: too long
        dates("2026-02b", "2026-02-02", "2026-03-01"),  # ends on the first day: not before
    ]
    assert comparable_previous_cycle(march, candidates) == candidates[1]


def test_comparable_previous_cycle_ties_on_the_end_go_to_the_first_code() -> None:
    march = dates("2026-03", "2026-03-01", "2026-03-31")
    a = dates("b-feb", "2026-02-01", "2026-02-28")
    b = dates("B-feb", "2026-01-31", "2026-02-28")  # "B" < "b" in code points
    assert comparable_previous_cycle(march, [a, b]) == b


def test_no_comparable_previous_cycle_when_lengths_differ_by_more_than_three_days() -> None:
    march = dates("2026-03", "2026-03-01", "2026-03-31")  # 31 days
    short = dates("2026-02", "2026-02-04", "2026-02-28")  # 25 days: 6 short
    assert comparable_previous_cycle(march, [short]) is None
    assert comparable_previous_cycle(march, []) is None
