"""The pilot report of a cycle with a pilot scope (SCORING.md §13), and rolling it out.

Two groups: the pilot teams with their sub-teams, and all other teams. Per
quantitative KPI used on a scorecard of the cycle, each group's value over the
observations stamped with one of its teams (team-level ones included, voided ones
not), SUM and COUNT per head of the group's headcount; the same for the comparable
previous cycle (§11); the changes and the gap. Read set-based (a fixed handful of
queries whatever the number of teams, people or observations), computed when asked,
stored nowhere. Group figures only: admins and managers see it, employees never.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from service.errors import Issue, ValidationFailed
from service.models import Cycle, CyclePilotTeam, Kpi, ScorecardLine, Team
from service.scoring import (
    cycle_window_utc,
    employment_eligibility,
    format_fixed,
    nearest_rank_terms,
)
from service.scoring.periods import CycleSpan, comparable_previous_cycle
from service.scoring.pilot import (
    GroupFigure,
    PilotLine,
    group_figure,
)
from service.scoring.types import (
    Aggregate,
    Aggregation,
    EmploymentPeriod,
    KpiKind,
    Policy,
)
from service.scoring.types import Kpi as EngineKpi
from service.sql import fetch_all, int_values, placeholders
from service.usecases.accounts.access import (
    require_review_reader,
    team_and_descendants,
    team_parents,
)
from service.usecases.accounts.permissions import require_admin
from service.usecases.actor import Actor
from service.usecases.parsing import epoch_microseconds, from_scaled
from service.usecases.periods import finalized_spans
from service.usecases.retries import retry_when_busy
from service.usecases.review.shadow import (
    NewCycle,
    check_new_cycle,
    copy_into_new_cycle,
    live_cards_of,
)
from service.usecases.scoring.engine_inputs import kpi_to_engine
from service.usecases.setup.cycles import get_cycle
from service.usecases.setup.policy import load_policy

PILOT, OUTSIDE = 1, 0


@dataclass(frozen=True, slots=True)
class PilotReport:
    cycle_code: str
    pilot_team_codes: tuple[str, ...]
    previous_cycle_id: int | None
    previous_cycle_code: str | None
    lines: tuple[PilotLine, ...]


async def pilot_report(conn: BaseDBAsyncClient, *, actor: Actor, cycle_code: str) -> PilotReport:
    """The §13 pilot report of a cycle with a pilot scope."""
    require_review_reader(actor)
    cycle = await get_cycle(conn, cycle_code)
    pilot_ids = await int_values(
        CyclePilotTeam.filter(cycle_id=cycle.id).using_db(conn).values_list("team_id", flat=True)
    )
    if not pilot_ids:
        raise ValidationFailed(
            [
                Issue.of(
                    "cycleCode",
                    "Cycle {cycle} has no pilot scope: the pilot report compares a cycle's "
                    "pilot teams with the others.",
                    "NO_PILOT_SCOPE",
                    cycle=cycle.code,
                )
            ]
        )
    policy, _version = await load_policy(conn)
    group = team_and_descendants(set(pilot_ids), await team_parents(conn))
    kpis = await _quantitative_kpis(conn, cycle)
    finalized = await finalized_spans(conn)
    current = CycleSpan(cycle.code, cycle.starts_on, cycle.ends_on)
    previous = comparable_previous_cycle(current, [dates for _pk, dates in finalized.values()])
    people = await _people(conn, current, previous)
    now = await _figures(conn, current, policy, kpis, group, people)
    before = (
        None if previous is None else await _figures(conn, previous, policy, kpis, group, people)
    )
    codes = sorted(t.code for t in await Team.filter(id__in=sorted(pilot_ids)).using_db(conn))
    lines = tuple(
        PilotLine(
            kpi,
            pilot=now[(PILOT, kpi_id)],
            outside=now[(OUTSIDE, kpi_id)],
            pilot_previous=None if before is None else before[(PILOT, kpi_id)],
            outside_previous=None if before is None else before[(OUTSIDE, kpi_id)],
        )
        for kpi_id, kpi in kpis.items()
    )
    return PilotReport(
        cycle_code=cycle.code,
        pilot_team_codes=tuple(codes),
        previous_cycle_id=None if previous is None else finalized[previous.code][0],
        previous_cycle_code=None if previous is None else previous.code,
        lines=lines,
    )


async def _quantitative_kpis(conn: BaseDBAsyncClient, cycle: Cycle) -> dict[int, EngineKpi]:
    """The quantitative KPIs on the cycle's scorecards (REVIEW_MEAN left out), by code."""
    ids = await int_values(
        ScorecardLine.filter(scorecard__cycle_id=cycle.id)
        .using_db(conn)
        .values_list("kpi_id", flat=True)
    )
    rows = await Kpi.filter(id__in=sorted(set(ids))).using_db(conn).order_by("code")
    return {
        row.id: kpi_to_engine(row)
        for row in rows
        if row.kind is KpiKind.QUANTITATIVE and row.aggregation is not Aggregation.REVIEW_MEAN
    }


@dataclass(frozen=True, slots=True)
class _Person:
    team_id: int
    period: EmploymentPeriod


async def _people(
    conn: BaseDBAsyncClient, cycle: CycleSpan, previous: CycleSpan | None
) -> list[_Person]:
    """Everyone with a team employed at some point of either cycle, with their current team."""
    first = cycle.starts_on if previous is None else min(cycle.starts_on, previous.starts_on)
    last = cycle.ends_on if previous is None else max(cycle.ends_on, previous.ends_on)
    rows = await fetch_all(
        conn,
        "SELECT team_id, hired_on, left_on FROM employee WHERE team_id IS NOT NULL "
        "AND hired_on <= ? AND (left_on IS NULL OR left_on >= ?)",
        [last, first],
    )
    return [
        _Person(
            int(r["team_id"]),
            EmploymentPeriod(
                _as_date(r["hired_on"]), None if r["left_on"] is None else _as_date(r["left_on"])
            ),
        )
        for r in rows
    ]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _headcounts(
    cycle: CycleSpan, policy: Policy, group: set[int], people: list[_Person]
) -> dict[int, int]:
    """Per group, the people whose current team is in it and who were employed on at
    least the policy's minimum share of the cycle's days."""
    counts = {PILOT: 0, OUTSIDE: 0}
    for person in people:
        eligibility = employment_eligibility(
            period=person.period,
            starts_on=cycle.starts_on,
            ends_on=cycle.ends_on,
            min_employed_share=policy.min_employed_share,
        )
        if eligibility.eligible:
            counts[PILOT if person.team_id in group else OUTSIDE] += 1
    return counts


async def _figures(
    conn: BaseDBAsyncClient,
    cycle: CycleSpan,
    policy: Policy,
    kpis: dict[int, EngineKpi],
    group: set[int],
    people: list[_Person],
) -> dict[tuple[int, int], GroupFigure]:
    heads = _headcounts(cycle, policy, group, people)
    aggregates = await group_aggregates(conn, cycle, policy, kpis, group)
    return {
        (grp, kpi_id): group_figure(kpi, aggregates.get((grp, kpi_id), Aggregate(0)), heads[grp])
        for kpi_id, kpi in kpis.items()
        for grp in (PILOT, OUTSIDE)
    }


async def group_aggregates(
    conn: BaseDBAsyncClient,
    cycle: CycleSpan,
    policy: Policy,
    kpis: dict[int, EngineKpi],
    group: set[int],
) -> dict[tuple[int, int], Aggregate]:
    """n, exact sum, SHARE_* count and PERCENTILE value per (group, KPI) over the cycle's
    observations stamped with a team, in one GROUP BY and one window query."""
    if not kpis:
        return {}
    start, end = cycle_window_utc(
        starts_on=cycle.starts_on, ends_on=cycle.ends_on, timezone=policy.timezone
    )
    start_us, end_us = epoch_microseconds(start), epoch_microseconds(end)
    kpi_ids = sorted(kpis)
    teams = sorted(group)

    def grouped(ids: list[int]) -> tuple[str, list[Any]]:
        """The counted observations of these KPIs, each with its group (pilot or not)."""
        sql = (
            f"SELECT CASE WHEN o.team_id IN ({placeholders(len(teams))}) THEN {PILOT} "
            f"ELSE {OUTSIDE} END AS grp, o.kpi_id AS kpi_id, o.value AS value "
            f"FROM observation o WHERE o.kpi_id IN ({placeholders(len(ids))}) "
            "AND o.voided_at IS NULL AND o.occurred_at_us >= ? AND o.occurred_at_us < ? "
            "AND o.team_id IS NOT NULL"
        )
        return sql, [*teams, *ids, start_us, end_us]

    inner, params = grouped(kpi_ids)
    meeting = []
    for kpi_id in kpi_ids:
        kpi = kpis[kpi_id]
        if kpi.aggregation in (Aggregation.SHARE_AT_LEAST, Aggregation.SHARE_AT_MOST):
            assert kpi.aggregation_param is not None
            op = ">=" if kpi.aggregation is Aggregation.SHARE_AT_LEAST else "<="
            bound = int(kpi.aggregation_param * 10_000)
            meeting.append(
                f"WHEN g.kpi_id = {kpi_id} THEN CASE WHEN g.value {op} {bound} THEN 1 ELSE 0 END"
            )
    meeting_sql = f"CASE {' '.join(meeting)} ELSE 0 END" if meeting else "0"
    rows = await fetch_all(
        conn,
        f"SELECT g.grp AS grp, g.kpi_id AS kpi_id, COUNT(*) AS n, SUM(g.value) AS total, "
        f"SUM({meeting_sql}) AS meeting FROM ({inner}) g GROUP BY g.grp, g.kpi_id",
        params,
    )
    found = {
        (int(r["grp"]), int(r["kpi_id"])): Aggregate(
            n=int(r["n"]), value_sum=from_scaled(int(r["total"])), meeting=int(r["meeting"] or 0)
        )
        for r in rows
    }
    percentiles = [k for k in kpi_ids if kpis[k].aggregation is Aggregation.PERCENTILE]
    if percentiles:
        cases = []
        for kpi_id in percentiles:
            p = kpis[kpi_id].aggregation_param
            assert p is not None
            num, den = nearest_rank_terms(p)
            cases.append(f"WHEN {kpi_id} THEN ({num} * cnt + {den - 1}) / {den}")
        # Only the PERCENTILE KPIs' observations are ranked.
        inner, params = grouped(percentiles)
        ranked = await fetch_all(
            conn,
            "SELECT grp, kpi_id, value FROM (SELECT g.grp AS grp, g.kpi_id AS kpi_id, "
            "g.value AS value, "
            "ROW_NUMBER() OVER (PARTITION BY g.grp, g.kpi_id ORDER BY g.value) AS rn, "
            "COUNT(*) OVER (PARTITION BY g.grp, g.kpi_id) AS cnt "
            f"FROM ({inner}) g) ranked WHERE rn = CASE kpi_id {' '.join(cases)} END",
            params,
        )
        for r in ranked:
            key = (int(r["grp"]), int(r["kpi_id"]))
            agg = found[key]
            found[key] = Aggregate(agg.n, agg.value_sum, agg.meeting, from_scaled(int(r["value"])))
    return found


def _value(value: Fraction | None) -> str | None:
    # Reported like raw values (SCORING.md §13, §0).
    return None if value is None else format_fixed(value, 4)


def pilot_document(report: PilotReport) -> dict[str, Any]:
    """The report as reported (4 places, half away from zero): one shape for the CLI's
    JSON and CSV and the admin page."""
    return {
        "cycle": report.cycle_code,
        "pilot_teams": list(report.pilot_team_codes),
        "previous_cycle": report.previous_cycle_code,
        "lines": [
            {
                "kpi": line.kpi.code,
                "name": line.kpi.name,
                "name_zh": line.kpi.name_zh,
                "aggregation": line.kpi.aggregation.value,
                "direction": line.kpi.direction.value,
                "unit": line.kpi.unit,
                "pilot_value": _value(line.pilot.value),
                "pilot_n": line.pilot.n,
                "pilot_headcount": line.pilot.headcount,
                "outside_value": _value(line.outside.value),
                "outside_n": line.outside.n,
                "outside_headcount": line.outside.headcount,
                "pilot_previous": None
                if line.pilot_previous is None
                else _value(line.pilot_previous.value),
                "pilot_previous_n": None if line.pilot_previous is None else line.pilot_previous.n,
                "outside_previous": None
                if line.outside_previous is None
                else _value(line.outside_previous.value),
                "outside_previous_n": None
                if line.outside_previous is None
                else line.outside_previous.n,
                "pilot_change": _value(line.pilot_change),
                "outside_change": _value(line.outside_change),
                "gap": _value(line.gap),
            }
            for line in report.lines
        ],
    }


CSV_COLUMNS = (
    "kpi",
    "pilot_value",
    "pilot_n",
    "pilot_headcount",
    "outside_value",
    "outside_n",
    "outside_headcount",
    "pilot_previous",
    "pilot_previous_n",
    "outside_previous",
    "outside_previous_n",
    "pilot_change",
    "outside_change",
    "gap",
)
CSV_NUMERIC = tuple(c for c in CSV_COLUMNS if c != "kpi")


def pilot_csv_rows(document: dict[str, Any]) -> list[list[Any]]:
    return [[line[column] for column in CSV_COLUMNS] for line in document["lines"]]


@retry_when_busy
async def roll_out_pilot(
    *,
    actor: Actor,
    cycle_code: str,
    new_cycle_code: str,
    name: str,
    starts_on: date,
    ends_on: date,
) -> Cycle:
    """Promote the pilot's scorecards (the cycle's live ones) into a new DRAFT cycle with
    no pilot scope (SCORING.md §13), audited."""
    require_admin(actor)
    new = NewCycle(new_cycle_code, name, starts_on, ends_on)
    check_new_cycle(new)
    async with in_transaction() as conn:
        source = await get_cycle(conn, cycle_code)
        if not await CyclePilotTeam.filter(cycle_id=source.id).using_db(conn).exists():
            raise ValidationFailed(
                [
                    Issue.of(
                        "cycleCode",
                        "Cycle {cycle} has no pilot scope: there is no pilot to roll out.",
                        "NO_PILOT_SCOPE",
                        cycle=source.code,
                    )
                ]
            )
        cards = await live_cards_of(conn, source)
        if not cards:
            raise ValidationFailed(
                [
                    Issue.of(
                        "cycleCode",
                        "Cycle {cycle} has no scorecard.",
                        "NO_SCORECARD",
                        cycle=source.code,
                    )
                ]
            )
        return await copy_into_new_cycle(
            conn,
            actor=actor,
            source=source,
            new=new,
            cards=cards,
            pilot_team_ids=[],
            action="roll_out_pilot",
        )
