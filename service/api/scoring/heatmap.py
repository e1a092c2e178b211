"""`Team.heatmap`: the team's members × their scorecard lines (docs/heatmap-and-trends.md).

The use case service/usecases/scoring/heatmap.py computes it; the admin's heatmap page
shows the same object."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from tortoise.connection import get_connection

from service.api.context import Info
from service.api.enums import LineStatus, Scope, ScoreStatus, StatusReason
from service.api.scalars import Decimal
from service.usecases.scoring.heatmap import SORT_TOTAL, HeatmapCell, team_heatmap

if TYPE_CHECKING:
    from service.api.setup.people import Employee


@strawberry.type(description="One cell of the team heatmap: a member's scorecard line.")
class HeatmapLine:
    kpi: str = strawberry.field(description="The line's KPI code.")
    scope: Scope = strawberry.field(description="INDIVIDUAL or TEAM, as on the scorecard.")
    normalized: Decimal | None = strawberry.field(
        description="The line's normalised points p (SCORING §3), 2 places; null when the "
        "line has insufficient data."
    )
    raw_value: Decimal | None = strawberry.field(
        description="The line's raw value, 4 places; null without data."
    )
    sample_size: int = strawberry.field(description="n: the observations or reviews counted.")
    status: LineStatus = strawberry.field(
        description="SCORED, or INSUFFICIENT_DATA (n below minSamples: left out of the total)."
    )
    band: str | None = strawberry.field(
        description="The policy's band whose floor `normalized` meets, checked from the top "
        "(the cell's colour); null without points."
    )

    @classmethod
    def of(cls, cell: HeatmapCell) -> HeatmapLine:
        return cls(
            kpi=cell.kpi,
            scope=Scope(cell.scope),
            normalized=None if cell.normalized is None else Decimal(cell.normalized),
            raw_value=None if cell.raw_value is None else Decimal(cell.raw_value),
            sample_size=cell.n,
            status=LineStatus(cell.status),
            band=cell.band,
        )


@strawberry.type(description="One member's row of the team heatmap.")
class HeatmapRow:
    employee: Annotated[Employee, strawberry.lazy("service.api.setup.people")] = strawberry.field(
        description="The member."
    )
    position: str | None = strawberry.field(
        description="The code of the position they were scored in (the heatmap has one "
        "block per position); null for someone without one."
    )
    status: ScoreStatus = strawberry.field(
        description="SCORED, NO_DATA (a row of lines without a total) or NOT_ELIGIBLE (no lines)."
    )
    status_reason: StatusReason | None = strawberry.field(
        description="Why the score has no total; null when SCORED."
    )
    total: Decimal | None = strawberry.field(
        description="The score's total, 2 places; null unless SCORED."
    )
    band: str | None = strawberry.field(description="The score's band; null unless SCORED.")
    lines: list[HeatmapLine] = strawberry.field(
        description="Their scorecard lines in scorecard order; empty when NOT_ELIGIBLE."
    )


async def heatmap_of(
    info: Info, team_code: str, cycle_code: str, sort: str | None, descending: bool | None
) -> list[HeatmapRow]:
    from service.api.setup.people import Employee

    view = await team_heatmap(
        get_connection("default"),
        actor=info.context.actor_checked,
        team_code=team_code,
        cycle_code=cycle_code,
        sort=sort or SORT_TOTAL,
        descending=True if descending is None else descending,
    )
    position_codes = {b.position.id: b.position.code for b in view.blocks if b.position}
    return [
        HeatmapRow(
            employee=Employee.from_row(row.employee),
            position=None if row.position_id is None else position_codes.get(row.position_id),
            status=ScoreStatus(row.status),
            status_reason=None
            if row.status == "SCORED" or row.status_reason is None
            else StatusReason(row.status_reason),
            total=None if row.total is None or row.status != "SCORED" else Decimal(row.total),
            band=row.band if row.status == "SCORED" else None,
            lines=[HeatmapLine.of(cell) for cell in row.lines],
        )
        for row in view.rows
    ]
