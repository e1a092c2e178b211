"""Development plans' pure rules: which focus KPIs a score suggests, and which cycles
show a finished item's effect (docs/development.md). Every expected value is worked
out by hand beside the case."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from service.scoring.development import (
    effect_cycles,
    suggest_focus,
)
from service.scoring.periods import CycleSpan, first_finalised_cycle_after
from service.scoring.periods import comparable_before as comparable_previous_cycle
from service.scoring.stored import StoredScore


def _line(
    code: str,
    *,
    scope: str = "INDIVIDUAL",
    status: str = "SCORED",
    weight: str = "10.00",
    effective: str | None = None,
    contribution: str | None = None,
    evidence: bool = True,
) -> dict[str, Any]:
    return {
        "kpi": {"code": code, "name": code.upper(), "kind": "QUANTITATIVE", "direction": ""},
        "scope": scope,
        "aggregation": "MEAN",
        "n": 3,
        "status": status,
        "weight": weight,
        "effective_weight": effective,
        "contribution": contribution,
        "about_person": scope == "INDIVIDUAL",
        "evidence": evidence,
    }


def _score(status: str, *lines: dict[str, Any]) -> StoredScore:
    return StoredScore.from_row({"status": status, "lines": list(lines)})


def test_scored_lines_are_suggested_by_points_left_on_the_table_ties_by_line_order() -> None:
    score = _score(
        "SCORED",
        # 35.00 - 29.31 = 5.69
        _line("csat", weight="35.00", effective="35.00", contribution="29.31"),
        # a TEAM line is never a personal focus, however much it leaves
        _line("csat", scope="TEAM", effective="10.00", contribution="0.00"),
        # 15.00 - 15.00 = 0: nothing left, not offered
        _line("frt", weight="15.00", effective="15.00", contribution="15.00"),
        # 10.00 - 8.00 = 2.00
        _line("complaints", effective="10.00", contribution="8.00"),
        # 30.00 - 24.31 = 5.69: ties with csat, which comes first on the card
        _line("quality", weight="30.00", effective="30.00", contribution="24.31"),
        # 10.00 - 9.00 = 1.00: fourth, left out of the top three
        _line("aht", effective="10.00", contribution="9.00"),
    )
    suggestions = suggest_focus(score)
    assert [(s.kpi_code, s.line_index, s.points_left) for s in suggestions] == [
        ("csat", 0, Fraction("5.69")),
        ("quality", 4, Fraction("5.69")),
        ("complaints", 3, Fraction(2)),
    ]


def test_a_line_past_its_target_or_without_data_is_not_suggested() -> None:
    score = _score(
        "SCORED",
        # stretch bonus: 20.00 - 24.00 = -4.00 leaves nothing
        _line("csat", weight="20.00", effective="20.00", contribution="24.00"),
        _line("frt", status="INSUFFICIENT_DATA"),
        # 80.00 - 40.00 = 40.00
        _line("quality", weight="80.00", effective="80.00", contribution="40.00"),
    )
    assert [(s.kpi_code, s.points_left) for s in suggest_focus(score)] == [
        ("quality", Fraction(40))
    ]


def test_no_data_suggests_the_individual_lines_without_evidence_by_scorecard_weight() -> None:
    score = _score(
        "NO_DATA",
        _line("csat", weight="20.00", status="INSUFFICIENT_DATA", evidence=False),
        _line("frt", weight="30.00", evidence=True),  # has evidence: not a gap
        _line("csat", scope="TEAM", weight="40.00", evidence=False),  # not the person's
        _line("complaints", weight="10.00", evidence=False),
        _line("quality", weight="20.00", status="INSUFFICIENT_DATA", evidence=False),
        _line("aht", weight="5.00", evidence=False),
    )
    # 20 (csat, line 0) ties 20 (quality, line 4): line order; then 10; 5 is fourth.
    suggestions = suggest_focus(score)
    assert [(s.kpi_code, s.points_left) for s in suggestions] == [
        ("csat", None),
        ("quality", None),
        ("complaints", None),
    ]


def test_a_not_eligible_score_suggests_nothing() -> None:
    assert suggest_focus(StoredScore.from_row({"status": "NOT_ELIGIBLE"})) == ()


def test_the_same_score_always_gives_the_same_suggestions() -> None:
    lines = [_line(f"k{i}", effective="10.00", contribution="7.50") for i in range(5)]
    first = suggest_focus(_score("SCORED", *lines))
    assert [s.kpi_code for s in first] == ["k0", "k1", "k2"]
    assert suggest_focus(_score("SCORED", *lines)) == first


def _cycle(code: str, starts: str, ends: str, finalized: bool = True) -> CycleSpan:
    return CycleSpan(code, date.fromisoformat(starts), date.fromisoformat(ends), finalized)


JAN = _cycle("2026-01", "2026-01-01", "2026-01-31")  # 31 days
FEB = _cycle("2026-02", "2026-02-01", "2026-02-28")  # 28 days
MAR = _cycle("2026-03", "2026-03-01", "2026-03-31")  # 31 days
APR = _cycle("2026-04", "2026-04-01", "2026-04-30")  # 30 days
Q1 = _cycle("2026-Q1", "2026-01-01", "2026-03-31")  # 90 days
Q2 = _cycle("2026-Q2", "2026-04-01", "2026-06-30")  # 91 days
MAY_OPEN = _cycle("2026-05", "2026-05-01", "2026-05-31", finalized=False)
CYCLES = [JAN, FEB, MAR, APR, Q1, Q2, MAY_OPEN]


def test_the_first_finalised_cycle_after_is_the_earliest_start_then_the_shorter() -> None:
    # Done on 31 March: April and Q2 both start on 1 April; April ends first.
    assert first_finalised_cycle_after(date(2026, 3, 31), CYCLES) == APR
    # Done on 1 April: nothing finalised starts after it (May is open).
    assert first_finalised_cycle_after(date(2026, 4, 1), CYCLES) is None


def test_the_comparable_previous_cycle_ends_before_the_start_within_three_days_of_length() -> None:
    # Started 15 March, a month long (30 days): March has not ended before the start;
    # February (28 days, |28 - 30| = 2) ends 28 Feb, January too but earlier.
    assert comparable_previous_cycle(date(2026, 3, 15), 30, CYCLES) == FEB
    # A quarter (91 days): Q1 (90) ends 31 March, after a start on 15 March: none.
    assert comparable_previous_cycle(date(2026, 3, 15), 91, CYCLES) is None
    # 34 days: February (28) is 6 away, January (31) 3 away: January.
    assert comparable_previous_cycle(date(2026, 3, 15), 34, CYCLES) == JAN


def test_ties_on_the_latest_end_go_to_the_smaller_code() -> None:
    a = _cycle("B-month", "2026-01-01", "2026-01-31")
    b = _cycle("A-month", "2026-01-02", "2026-01-31")
    assert comparable_previous_cycle(date(2026, 2, 10), 31, [a, b]) == b


def test_an_item_shows_a_month_beside_a_month() -> None:
    # Started 10 March, done 20 March: after = April (30 days); before = the latest
    # finalised cycle ending before 10 March within 27..33 days: February.
    cycles = effect_cycles(date(2026, 3, 10), date(2026, 3, 20), CYCLES)
    assert (cycles.before, cycles.after) == (FEB, APR)


def test_without_a_finalised_cycle_after_the_item_no_effect_is_shown() -> None:
    cycles = effect_cycles(date(2026, 4, 2), date(2026, 4, 20), CYCLES)
    assert (cycles.before, cycles.after) == (None, None)
