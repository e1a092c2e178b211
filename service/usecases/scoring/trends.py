"""Trends: a person's or a team's figures over a cycle and its chain of comparable
previous cycles (SCORING.md §11, the rule in service/scoring/periods.py, read through
service/usecases/periods.py). Read from stored scores; nothing is recomputed.

- The points run oldest first: the chain of up to ``last`` comparable previous cycles
  (each FINALIZED, so final figures), then the cycle asked about (provisional while it is
  open). A month's chain holds months, a quarter's quarters.
- A person's point: their score's status, total (2 places) and band in that cycle; none
  of them when they had no score there.
- A team's point (the team the scores were stamped with, as the team summary, §10): the
  mean of its scored members' exact totals (2 places), how many were scored, and the
  count per band; a team has no band of its own.
- Per KPI (and scope) on the person's lines, or the team's TEAM-scope lines: the raw
  value (4 places) and n in each cycle, None where that cycle had no such line.
- The change since the comparable previous cycle: this cycle's exact total minus that
  one's, rounded half away from zero to 2 places and signed, when both are SCORED.

One read of the cycles and one of the scores serves any number of people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from tortoise.backends.base.client import BaseDBAsyncClient

from service.errors import NotFound
from service.models import Cycle, Score, Team
from service.scoring import format_fixed
from service.scoring.stored import StoredKpi, StoredScore
from service.usecases.accounts.access import require_may_see_team_heatmap
from service.usecases.actor import Actor
from service.usecases.periods import comparable_history
from service.usecases.scoring.team_summary import summarise_team
from service.usecases.setup.policy import load_policy

# How many comparable previous cycles a trend reaches back, by default and at most.
DEFAULT_LAST = 6
MAX_LAST = 24


@dataclass(frozen=True, slots=True)
class TrendCycle:
    id: int
    code: str
    starts_on: date
    ends_on: date
    finalized: bool


@dataclass(frozen=True, slots=True)
class TrendPoint:
    cycle: TrendCycle
    status: str | None  # the score's status; None without a score in that cycle
    total: str | None
    band: str | None


@dataclass(frozen=True, slots=True)
class TeamTrendPoint:
    cycle: TrendCycle
    scored: int
    total: str | None  # mean of the scored members' exact totals
    band_counts: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class KpiValue:
    raw_value: str | None
    n: int
    status: str


@dataclass(frozen=True, slots=True)
class KpiSeries:
    kpi: StoredKpi
    scope: str
    values: tuple[KpiValue | None, ...]  # one per point, in the points' order


@dataclass(frozen=True, slots=True)
class TrendChange:
    points: str  # signed, 2 places: "+3.20", "-1.05", "0.00"
    since: str  # the comparable previous cycle's code


@dataclass(frozen=True, slots=True)
class EmployeeTrend:
    points: tuple[TrendPoint, ...]
    series: tuple[KpiSeries, ...]
    change: TrendChange | None


@dataclass(frozen=True, slots=True)
class TeamTrend:
    points: tuple[TeamTrendPoint, ...]
    series: tuple[KpiSeries, ...]
    change: TrendChange | None


def clamp_last(last: int | None) -> int:
    if last is None:
        return DEFAULT_LAST
    return max(0, min(last, MAX_LAST))


def signed_points(value: Fraction) -> str:
    """A change in points, 2 places, with its sign: "+3.20", "-1.05"; "0.00" for none."""
    text = format_fixed(value, 2)
    if Fraction(text) == 0:
        return "0.00"
    return text if text.startswith("-") else "+" + text


async def trend_cycles(
    conn: BaseDBAsyncClient, cycle_code: str, last: int | None
) -> list[TrendCycle]:
    """The cycle and its chain of comparable previous cycles, oldest first."""
    cycle = await Cycle.get_or_none(code=cycle_code, using_db=conn)
    if cycle is None:
        raise NotFound("There is no cycle {code}.", code=cycle_code)
    chain = await comparable_history(conn, cycle, clamp_last(last))
    here = TrendCycle(
        cycle.id, cycle.code, cycle.starts_on, cycle.ends_on, cycle.state.value == "FINALIZED"
    )
    previous = [TrendCycle(pk, s.code, s.starts_on, s.ends_on, True) for pk, s in chain]
    return [*reversed(previous), here]


def _series(
    cycles: Sequence[TrendCycle], stored: dict[int, StoredScore], scope: str | None
) -> tuple[KpiSeries, ...]:
    """Each (KPI, scope) seen on the stored scores, in the newest scorecard's order first."""
    found: dict[tuple[str, str], StoredKpi] = {}
    values: dict[tuple[str, str], dict[int, KpiValue]] = {}
    for cycle in reversed(cycles):
        score = stored.get(cycle.id)
        if score is None:
            continue
        for line in score.lines:
            if scope is not None and line.scope != scope:
                continue
            key = (line.kpi.code, line.scope)
            found.setdefault(key, line.kpi)
            values.setdefault(key, {})[cycle.id] = KpiValue(line.raw_value, line.n, line.status)
    return tuple(
        KpiSeries(
            kpi=kpi,
            scope=key[1],
            values=tuple(values[key].get(cycle.id) for cycle in cycles),
        )
        for key, kpi in found.items()
    )


def _change(cycles: Sequence[TrendCycle], exact: dict[int, Fraction]) -> TrendChange | None:
    if len(cycles) < 2:
        return None
    here, previous = cycles[-1], cycles[-2]
    if here.id not in exact or previous.id not in exact:
        return None
    return TrendChange(signed_points(exact[here.id] - exact[previous.id]), previous.code)


async def employee_trends(
    conn: BaseDBAsyncClient, *, employee_ids: Sequence[int], cycle_code: str, last: int | None
) -> dict[int, EmployeeTrend]:
    """The trends of many people at once (who may see whom is the caller's to check:
    the same rule as their scores). Two reads of the cycles and one of the scores."""
    cycles = await trend_cycles(conn, cycle_code, last)
    rows = await Score.filter(
        employee_id__in=list(employee_ids), cycle_id__in=[c.id for c in cycles]
    ).using_db(conn)
    by_person: dict[int, dict[int, Score]] = {}
    for one in rows:
        by_person.setdefault(one.employee_id, {})[one.cycle_id] = one
    trends = {}
    for employee_id in employee_ids:
        scores = by_person.get(employee_id, {})
        stored = {pk: StoredScore.from_row(found.explanation) for pk, found in scores.items()}
        points = []
        exact: dict[int, Fraction] = {}
        for cycle in cycles:
            row = scores.get(cycle.id)
            if row is None:
                points.append(TrendPoint(cycle, None, None, None))
                continue
            scored = row.status.value == "SCORED"
            if scored and row.total_exact:
                exact[cycle.id] = Fraction(row.total_exact)
            points.append(
                TrendPoint(
                    cycle,
                    row.status.value,
                    stored[cycle.id].total,
                    row.band_code if scored else None,
                )
            )
        trends[employee_id] = EmployeeTrend(
            points=tuple(points),
            series=_series(cycles, stored, None),
            change=_change(cycles, exact),
        )
    return trends


async def employee_trend(
    conn: BaseDBAsyncClient, *, employee_id: int, cycle_code: str, last: int | None = None
) -> EmployeeTrend:
    return (
        await employee_trends(conn, employee_ids=[employee_id], cycle_code=cycle_code, last=last)
    )[employee_id]


async def team_trend(
    conn: BaseDBAsyncClient,
    *,
    actor: Actor,
    team_code: str,
    cycle_code: str,
    last: int | None = None,
) -> TeamTrend:
    """A team's trend: for admins and the team's managers, as its heatmap (the figures of
    a small team would name its members' scores)."""
    team = await Team.get_or_none(code=team_code, using_db=conn)
    if team is None:
        raise NotFound("There is no team {code}.", code=team_code)
    await require_may_see_team_heatmap(conn, actor, team.id)
    cycles = await trend_cycles(conn, cycle_code, last)
    policy, _version = await load_policy(conn)
    band_order = [b.code for b in sorted(policy.bands, key=lambda b: b.floor, reverse=True)]
    rows = await Score.filter(team_id=team.id, cycle_id__in=[c.id for c in cycles]).using_db(conn)
    by_cycle: dict[int, list[Score]] = {}
    for row in rows:
        by_cycle.setdefault(row.cycle_id, []).append(row)
    points = []
    exact: dict[int, Fraction] = {}
    team_lines: dict[int, StoredScore] = {}
    for cycle in cycles:
        members = by_cycle.get(cycle.id, [])
        summary = summarise_team(members, band_order)
        totals = [
            Fraction(r.total_exact) for r in members if r.status.value == "SCORED" and r.total_exact
        ]
        if totals:
            exact[cycle.id] = sum(totals, Fraction(0)) / len(totals)
        points.append(
            TeamTrendPoint(cycle, summary.scored, summary.average, tuple(summary.band_counts))
        )
        # The team's raw values are the same on every member's TEAM lines: one member's
        # score per position carries each team line.
        merged = [line for r in members for line in StoredScore.from_row(r.explanation).lines]
        team_lines[cycle.id] = StoredScore(status="SCORED", status_reason=None, lines=tuple(merged))
    return TeamTrend(
        points=tuple(points),
        series=_series(cycles, team_lines, "TEAM"),
        change=_change(cycles, exact),
    )
