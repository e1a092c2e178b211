"""The numbers a goal is measured against (SCORING.md §11): its current value, the
baseline over the comparable previous cycle, and the best previous result (the A
letter). A KPI goal's current value is stored and recomputed with the scores, in the
same transaction: the score recompute calls :func:`refresh_goal_values`. Nothing here
writes a score.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from tortoise.backends.base.client import BaseDBAsyncClient

from service.models import Cycle, Employee, Goal, GoalUpdate, Kpi
from service.scoring import raw_value
from service.scoring.goals import end_of_day
from service.scoring.types import Aggregate, Direction, Method, Policy, Scope
from service.scoring.types import Kpi as EngineKpi
from service.scoring.types import ScorecardLine as EngineLine
from service.sql import execute_many, fetch_all, placeholders
from service.usecases.parsing import epoch_microseconds, from_scaled
from service.usecases.scoring.aggregates import cycle_window_us, observation_aggregates
from service.usecases.scoring.engine_inputs import kpi_to_engine


def _line_of(kpi: EngineKpi, scope: Scope) -> EngineLine:
    # The aggregate SQL reads a KPI's settings from a line; a goal has no scorecard line.
    return EngineLine(kpi=kpi, scope=scope, weight=Fraction(0), method=Method.LINEAR)


def _scaled(value: Fraction | None) -> int | None:
    # Raw values are already rounded to 4 places (§1): exact at the storage scale.
    return None if value is None else int(value * 10_000)


async def kpi_raw_values(
    conn: BaseDBAsyncClient,
    *,
    kpi: Kpi,
    scope: Scope,
    group_ids: list[int],
    start_us: int,
    end_us: int,
) -> dict[int, Fraction | None]:
    """The KPI's raw value (§1, its own aggregation) per employee (INDIVIDUAL) or team
    (TEAM) over [start, end), voided observations left out; set-based."""
    if not group_ids or end_us <= start_us:
        return dict.fromkeys(group_ids)
    engine_kpi = kpi_to_engine(kpi)
    column = "employee_id" if scope is Scope.INDIVIDUAL else "team_id"
    found = await observation_aggregates(
        conn,
        column,
        {kpi.id: _line_of(engine_kpi, scope)},
        sorted(set(group_ids)),
        start_us,
        end_us,
    )
    return {
        group: raw_value(engine_kpi, found.get((group, kpi.id), Aggregate(0)))
        for group in group_ids
    }


def goal_scope(goal: Goal) -> Scope:
    if goal.team_id is not None:
        return Scope.TEAM
    return goal.scope or Scope.INDIVIDUAL


async def measured_group(conn: BaseDBAsyncClient, goal: Goal) -> int | None:
    """Whose observations a KPI goal counts: the owner, or at TEAM scope their team."""
    if goal.team_id is not None:
        return goal.team_id
    if goal_scope(goal) is Scope.INDIVIDUAL:
        return goal.employee_id
    owner = await Employee.get(id=goal.employee_id, using_db=conn)
    return owner.team_id


def current_window_us(cycle: Cycle, goal: Goal, policy: Policy, now: datetime) -> tuple[int, int]:
    """From the cycle's start to u = min(now, the end of the due day), inclusive of u."""
    start_us, cycle_end_us = cycle_window_us(cycle, policy)
    due_end_us = epoch_microseconds(end_of_day(goal.due_on, policy.timezone))
    return start_us, min(due_end_us, cycle_end_us, epoch_microseconds(now) + 1)


async def current_value_of(
    conn: BaseDBAsyncClient, goal: Goal, cycle: Cycle, policy: Policy, now: datetime
) -> int | None:
    """One goal's current value as of ``now`` (scaled), as :func:`refresh_goal_values`
    computes it for many."""
    if goal.kpi_id is None:
        return await latest_report_value(conn, goal, policy, now)
    kpi = await Kpi.get(id=goal.kpi_id, using_db=conn)
    group = await measured_group(conn, goal)
    if group is None:
        return None
    start_us, end_us = current_window_us(cycle, goal, policy, now)
    values = await kpi_raw_values(
        conn, kpi=kpi, scope=goal_scope(goal), group_ids=[group], start_us=start_us, end_us=end_us
    )
    return _scaled(values[group])


async def latest_report_value(
    conn: BaseDBAsyncClient, goal: Goal, policy: Policy, at: datetime
) -> int | None:
    """A manual goal: the latest value reported at or before u (a later report wins a tie)."""
    latest = (
        await GoalUpdate.filter(
            goal_id=goal.id,
            reported_at__lte=at,
            # The due day's end is exclusive: a report at that very instant is late.
            reported_at__lt=end_of_day(goal.due_on, policy.timezone),
        )
        .using_db(conn)
        .order_by("-reported_at", "-id")
        .first()
    )
    return None if latest is None else latest.value


@dataclass(frozen=True, slots=True)
class _Owner:
    goal_id: int
    group: int


async def refresh_goal_values(
    conn: BaseDBAsyncClient,
    cycle: Cycle,
    *,
    employee_ids: set[int] | None,
    team_ids: set[int] | None,
    policy: Policy,
    now: datetime,
) -> int:
    """Recompute and store the current value of the cycle's KPI goals that a score
    recompute touched (None everywhere: all of them); returns how many changed.

    Set-based: one aggregate query per (KPI, scope, due date), whatever the number of
    goals; only values that moved are written.
    """
    query = Goal.filter(cycle_id=cycle.id, kpi_id__isnull=False).using_db(conn)
    goals = await query
    if employee_ids is not None or team_ids is not None:
        e_ids, t_ids = employee_ids or set(), team_ids or set()
        goals = [
            g
            for g in goals
            if (g.employee_id is not None and g.employee_id in e_ids)
            or (g.team_id is not None and g.team_id in t_ids)
        ]
    if not goals:
        return 0
    owners = {g.employee_id for g in goals if g.employee_id is not None}
    teams_of = (
        {
            int(r["id"]): r["team_id"]
            for r in await fetch_all(
                conn,
                f"SELECT id, team_id FROM employee WHERE id IN ({placeholders(len(owners))})",
                sorted(owners),
            )
        }
        if owners
        else {}
    )
    kpis = {k.id: k for k in await Kpi.filter(id__in={g.kpi_id for g in goals}).using_db(conn)}
    groups: dict[tuple[int, Scope, int, int], list[_Owner]] = defaultdict(list)
    unmeasured: list[Goal] = []
    for goal in goals:
        scope = goal_scope(goal)
        group: int | None
        if goal.team_id is not None:
            group = goal.team_id
        elif scope is Scope.INDIVIDUAL:
            group = goal.employee_id
        else:
            group = teams_of.get(goal.employee_id or 0)
        if group is None:
            unmeasured.append(goal)
            continue
        start_us, end_us = current_window_us(cycle, goal, policy, now)
        assert goal.kpi_id is not None
        groups[(goal.kpi_id, scope, start_us, end_us)].append(_Owner(goal.id, group))
    values: dict[int, int | None] = {g.id: None for g in unmeasured}
    for (kpi_id, scope, start_us, end_us), members in groups.items():
        found = await kpi_raw_values(
            conn,
            kpi=kpis[kpi_id],
            scope=scope,
            group_ids=[m.group for m in members],
            start_us=start_us,
            end_us=end_us,
        )
        for member in members:
            values[member.goal_id] = _scaled(found[member.group])
    moved = [[value, goal.id] for goal in goals if (value := values[goal.id]) != goal.current_value]
    await execute_many(conn, "UPDATE goal SET current_value = ? WHERE id = ?", moved)
    return len(moved)


async def computed_baseline(
    conn: BaseDBAsyncClient,
    *,
    previous: Cycle | None,
    kpi: Kpi,
    scope: Scope,
    group: int | None,
    policy: Policy,
) -> Fraction | None:
    """The owner's raw value of the KPI at the goal's scope over the comparable previous
    cycle's observations that are not voided; None if there is none."""
    if previous is None or group is None:
        return None
    start_us, end_us = cycle_window_us(previous, policy)
    values = await kpi_raw_values(
        conn, kpi=kpi, scope=scope, group_ids=[group], start_us=start_us, end_us=end_us
    )
    return values[group]


async def best_previous_value(
    conn: BaseDBAsyncClient,
    *,
    previous: Cycle | None,
    kpi: Kpi,
    scope: Scope,
    team_id: int | None,
    team_goal: bool,
) -> Fraction | None:
    """The best raw value on a SCORED line of the KPI at the scope among the previous
    cycle's final scores: of the people in ``team_id`` at finalisation, or for a team
    goal among all teams' TEAM lines."""
    if previous is None or (not team_goal and team_id is None):
        return None
    best = "MAX" if kpi.direction is Direction.HIGHER_IS_BETTER else "MIN"
    sql = (
        f"SELECT {best}(sl.raw_value) AS best FROM score_line sl "
        "JOIN score s ON s.id = sl.score_id "
        "WHERE s.cycle_id = ? AND s.state = 'FINAL' AND sl.kpi_id = ? AND sl.scope = ? "
        "AND sl.status = 'SCORED' AND sl.raw_value IS NOT NULL"
    )
    params: list[object] = [previous.id, kpi.id, (Scope.TEAM if team_goal else scope).value]
    if not team_goal:
        sql += " AND s.team_id = ?"
        params.append(team_id)
    rows = await fetch_all(conn, sql, params)
    value = rows[0]["best"] if rows else None
    return None if value is None else from_scaled(int(value))
