"""SCORING.md §11's comparable previous cycle, followed back as a chain (trends)."""

from __future__ import annotations

from datetime import date

from service.scoring.periods import CycleSpan, comparable_chain, comparable_previous_cycle


def span(code: str, first: str, last: str, finalized: bool = True) -> CycleSpan:
    return CycleSpan(code, date.fromisoformat(first), date.fromisoformat(last), finalized)


AUG = span("2026-08", "2026-08-01", "2026-08-31")
SEP = span("2026-09", "2026-09-01", "2026-09-30")
Q3 = span("2026-Q3", "2026-07-01", "2026-09-30")
OCT = span("2026-10", "2026-10-01", "2026-10-31")
NOV_OPEN = span("2026-11", "2026-11-01", "2026-11-30", finalized=False)
JUL_OPEN = span("2026-07", "2026-07-01", "2026-07-31", finalized=False)


def test_the_chain_steps_back_month_by_month_and_never_onto_a_quarter() -> None:
    assert comparable_chain(NOV_OPEN, [Q3, AUG, SEP, OCT]) == [OCT, SEP, AUG]


def test_the_chain_stops_at_a_cycle_that_is_not_finalized() -> None:
    # July is still open: the chain stops at August, it does not jump over July.
    june = span("2026-06", "2026-06-01", "2026-06-30")
    assert comparable_chain(NOV_OPEN, [june, JUL_OPEN, AUG, SEP, OCT]) == [OCT, SEP, AUG, june]
    assert comparable_chain(NOV_OPEN, [AUG, SEP, OCT], limit=2) == [OCT, SEP]


def test_a_cycle_without_a_comparable_previous_one_has_an_empty_chain() -> None:
    assert comparable_chain(Q3, [AUG, SEP, OCT]) == []
    assert comparable_previous_cycle(NOV_OPEN, []) is None
