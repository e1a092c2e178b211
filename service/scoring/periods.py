"""Cycles in time (SCORING.md §11): the comparable previous cycle and its chain.

One home for the rule that goals (§11 baselines and the Achievable check), the pilot
report (§13), development plans (an item's effect) and trends use: the FINALIZED cycle
whose ``ends_on`` is before a cycle's ``starts_on`` and whose length is within ±3 days
of its own, the latest ``ends_on`` first, ties by code (code-point order). Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

# A comparable previous cycle's length may differ from the reference's by this many days.
COMPARABLE_LENGTH_DAYS = 3


@dataclass(frozen=True, slots=True)
class CycleSpan:
    """A cycle's code and dates, and whether it is FINALIZED."""

    code: str
    starts_on: date
    ends_on: date
    finalized: bool = True

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


def comparable_before(
    starts_on: date, length_days: int, cycles: Iterable[CycleSpan]
) -> CycleSpan | None:
    """The comparable previous cycle of a period starting on ``starts_on`` and
    ``length_days`` long: the FINALIZED cycle ending before it starts, of a length
    within ±3 days, the latest end first, ties by code (code-point order)."""
    candidates = [
        c
        for c in cycles
        if c.finalized
        and c.ends_on < starts_on
        and abs(c.days - length_days) <= COMPARABLE_LENGTH_DAYS
    ]
    if not candidates:
        return None
    latest = max(c.ends_on for c in candidates)
    return min((c for c in candidates if c.ends_on == latest), key=lambda c: c.code)


def comparable_previous_cycle(cycle: CycleSpan, cycles: Iterable[CycleSpan]) -> CycleSpan | None:
    """The comparable previous cycle (§11) of ``cycle`` among ``cycles``, or None."""
    return comparable_before(cycle.starts_on, cycle.days, cycles)


def comparable_chain(
    cycle: CycleSpan, cycles: Iterable[CycleSpan], limit: int | None = None
) -> list[CycleSpan]:
    """``cycle``'s comparable previous cycle, that one's, and so on, newest first (at
    most ``limit`` of them): the cycles a trend runs over. Each step is §11's rule
    applied to the cycle before, so a chain of months never steps onto a quarter."""
    pool = list(cycles)
    chain: list[CycleSpan] = []
    current = cycle
    while limit is None or len(chain) < limit:
        previous = comparable_previous_cycle(current, pool)
        if previous is None:
            break
        chain.append(previous)
        current = previous
    return chain


def first_finalised_cycle_after(day: date, cycles: Iterable[CycleSpan]) -> CycleSpan | None:
    """The FINALIZED cycle that starts after ``day``: the earliest start first, then
    the earliest end, ties by code (code-point order)."""
    candidates = [c for c in cycles if c.finalized and c.starts_on > day]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c.starts_on, c.ends_on, c.code))
