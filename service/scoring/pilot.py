"""The pilot report: the pilot group against all other teams (SCORING.md §13).

Pure and exact. Per quantitative KPI and group, the value computed at team scope
(§1) over the group's observations; SUM and COUNT divided by the group's headcount
(no headcount, no value); the same for the comparable previous cycle when there is
one; the changes and the gap between them. Reported like raw values (4 places).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from service.scoring.aggregate import ALWAYS_SCORED, exact_raw_value
from service.scoring.types import Aggregate, Kpi


@dataclass(frozen=True, slots=True)
class GroupFigure:
    """A group's value of one KPI over one cycle, with its n (observations counted)."""

    value: Fraction | None
    n: int
    headcount: int


def group_figure(kpi: Kpi, aggregate: Aggregate, headcount: int) -> GroupFigure:
    """The group's exact value: SUM and COUNT per head (none without a headcount)."""
    exact = exact_raw_value(kpi, aggregate)
    if kpi.aggregation in ALWAYS_SCORED:
        exact = None if headcount <= 0 or exact is None else exact / headcount
    return GroupFigure(exact, aggregate.n, headcount)


def _difference(later: Fraction | None, earlier: Fraction | None) -> Fraction | None:
    if later is None or earlier is None:
        return None
    return later - earlier


@dataclass(frozen=True, slots=True)
class PilotLine:
    kpi: Kpi
    pilot: GroupFigure
    outside: GroupFigure
    pilot_previous: GroupFigure | None  # None: no comparable previous cycle
    outside_previous: GroupFigure | None

    @property
    def pilot_change(self) -> Fraction | None:
        """Pilot minus pilot previous."""
        previous = None if self.pilot_previous is None else self.pilot_previous.value
        return _difference(self.pilot.value, previous)

    @property
    def outside_change(self) -> Fraction | None:
        """Outside minus outside previous."""
        previous = None if self.outside_previous is None else self.outside_previous.value
        return _difference(self.outside.value, previous)

    @property
    def gap(self) -> Fraction | None:
        """The pilot's change minus the other teams' change."""
        return _difference(self.pilot_change, self.outside_change)
