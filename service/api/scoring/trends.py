"""`Employee.trend` and `Team.trend`: figures over a cycle and its chain of comparable
previous cycles (SCORING §11; docs/heatmap-and-trends.md). The use case is
service/usecases/scoring/trends.py; the admin draws the same objects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import strawberry
from tortoise.connection import get_connection

from service.api.context import Info
from service.api.enums import LineStatus, Scope, ScoreStatus
from service.api.scalars import Decimal
from service.usecases.scoring import trends as usecase

if TYPE_CHECKING:
    from service.api.setup.cycles import Cycle
    from service.api.setup.people import BandCount

CycleType = Annotated["Cycle", strawberry.lazy("service.api.setup.cycles")]

LAST = (
    "How many comparable previous cycles to reach back (default 6, at most 24); the "
    "cycle itself is always the last point."
)


@strawberry.type(description="A person's figures in one cycle of a trend.")
class TrendPoint:
    cycle: CycleType = strawberry.field(description="The cycle.")
    status: ScoreStatus | None = strawberry.field(
        description="Their score's status there; null when they had no score in it."
    )
    total: Decimal | None = strawberry.field(
        description="Their total, 2 places; null unless SCORED."
    )
    band: str | None = strawberry.field(description="Their band; null unless SCORED.")


@strawberry.type(description="A team's figures in one cycle of a trend.")
class TeamTrendPoint:
    cycle: CycleType = strawberry.field(description="The cycle.")
    total: Decimal | None = strawberry.field(
        description="The mean of the exact totals of the members scored in it (the team "
        "stamped on their scores, as the team summary, SCORING §10), 2 places; null when "
        "none was scored."
    )
    scored: int = strawberry.field(description="How many members were scored in it.")
    band_counts: list[Annotated[BandCount, strawberry.lazy("service.api.setup.people")]] = (
        strawberry.field(
            description="How many scored members were in each band, best band first; "
            "only bands someone reached."
        )
    )


@strawberry.type(description="A KPI's raw value in one cycle of a trend.")
class TrendValue:
    cycle: str = strawberry.field(description="The cycle's code.")
    raw_value: Decimal | None = strawberry.field(
        description="The line's raw value there, 4 places; null without data."
    )
    sample_size: int = strawberry.field(description="n: the observations or reviews counted.")
    status: LineStatus = strawberry.field(description="Whether the line was scored there.")


@strawberry.type(description="One KPI (at one scope) across the cycles of a trend.")
class KpiTrend:
    kpi: str = strawberry.field(description="The KPI's code.")
    scope: Scope = strawberry.field(description="INDIVIDUAL or TEAM.")
    values: list[TrendValue] = strawberry.field(
        description="Oldest first, one per cycle that had this line (cycles without it "
        "are left out)."
    )


@strawberry.type(description="The change of a total since the comparable previous cycle.")
class TrendChange:
    points: Decimal = strawberry.field(
        description="This cycle's exact total minus that cycle's, rounded half away from "
        'zero to 2 places, signed: e.g. "3.20" or "-1.05".'
    )
    since: str = strawberry.field(description="The comparable previous cycle's code.")


@strawberry.type(
    description="A person's totals and bands over a cycle's chain of comparable previous "
    "cycles (SCORING §11), and each KPI's raw value across them."
)
class EmployeeTrend:
    points: list[TrendPoint] = strawberry.field(
        description="Oldest first: the comparable previous cycles, then the cycle asked about."
    )
    kpis: list[KpiTrend] = strawberry.field(
        description="Each KPI and scope on their lines in these cycles."
    )
    change: TrendChange | None = strawberry.field(
        description="Since the comparable previous cycle; null unless both scores are SCORED."
    )


@strawberry.type(
    description="A team's mean total and band counts over a cycle's chain of comparable "
    "previous cycles (SCORING §11), and its TEAM-scope KPIs' raw values across them."
)
class TeamTrend:
    points: list[TeamTrendPoint] = strawberry.field(
        description="Oldest first: the comparable previous cycles, then the cycle asked about."
    )
    kpis: list[KpiTrend] = strawberry.field(
        description="The team's raw value of each KPI used at TEAM scope in these cycles."
    )
    change: TrendChange | None = strawberry.field(
        description="The mean total's change since the comparable previous cycle; null "
        "unless both have scored members."
    )


def _kpis(
    points: Sequence[usecase.TrendPoint | usecase.TeamTrendPoint],
    series: Sequence[usecase.KpiSeries],
) -> list[KpiTrend]:
    return [
        KpiTrend(
            kpi=one.kpi.code,
            scope=Scope(one.scope),
            values=[
                TrendValue(
                    cycle=point.cycle.code,
                    raw_value=None if value.raw_value is None else Decimal(value.raw_value),
                    sample_size=value.n,
                    status=LineStatus(value.status),
                )
                for point, value in zip(points, one.values, strict=True)
                if value is not None
            ],
        )
        for one in series
    ]


def _change(change: usecase.TrendChange | None) -> TrendChange | None:
    if change is None:
        return None
    return TrendChange(points=Decimal(change.points.removeprefix("+")), since=change.since)


async def _cycles(info: Info, ids: list[int]) -> dict[int, Cycle]:
    from service.api.setup.cycles import Cycle

    rows = await info.context.loaders.cycle.load_many(ids)
    return {row.id: Cycle.from_row(row) for row in rows if row is not None}


async def employee_trend_of(
    info: Info, employee_pk: int, cycle_code: str, last: int | None
) -> EmployeeTrend:
    """Batched: every employee asked for in one request shares one read of the scores."""
    trend = await info.context.loaders.trend.load((employee_pk, cycle_code, last))
    cycles = await _cycles(info, [p.cycle.id for p in trend.points])
    return EmployeeTrend(
        points=[
            TrendPoint(
                cycle=cycles[p.cycle.id],
                status=None if p.status is None else ScoreStatus(p.status),
                total=None if p.total is None or p.status != "SCORED" else Decimal(p.total),
                band=p.band,
            )
            for p in trend.points
        ],
        kpis=_kpis(trend.points, trend.series),
        change=_change(trend.change),
    )


async def team_trend_of(info: Info, team_code: str, cycle_code: str, last: int | None) -> TeamTrend:
    from service.api.setup.people import BandCount

    trend = await usecase.team_trend(
        get_connection("default"),
        actor=info.context.actor_checked,
        team_code=team_code,
        cycle_code=cycle_code,
        last=last,
    )
    cycles = await _cycles(info, [p.cycle.id for p in trend.points])
    return TeamTrend(
        points=[
            TeamTrendPoint(
                cycle=cycles[p.cycle.id],
                total=None if p.total is None else Decimal(p.total),
                scored=p.scored,
                band_counts=[BandCount(band=b, count=c) for b, c in p.band_counts if c],
            )
            for p in trend.points
        ],
        kpis=_kpis(trend.points, trend.series),
        change=_change(trend.change),
    )
