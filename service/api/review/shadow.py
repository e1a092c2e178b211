"""Shadow scorecards and the pilot report (SCORING.md §13) in GraphQL:
`Cycle.shadowReport`, `Cycle.shadowScorecards`, `Cycle.pilotReport`. The figures come
from one use case each (service.usecases.review.shadow and .pilot), which decide who
sees what; every person returned also passes `people_seen`."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Annotated

import strawberry
from tortoise.connection import get_connection

from service.api.context import Info
from service.api.enums import ScoreStatus, StatusReason
from service.api.scalars import Decimal
from service.api.scoring.scores import status_reason_of
from service.scoring import format_fixed
from service.scoring.pilot import GroupFigure
from service.scoring.shadow import Side
from service.usecases.review.pilot import pilot_report
from service.usecases.review.shadow import shadow_report

if TYPE_CHECKING:
    from service.api.setup.cycles import Cycle
    from service.api.setup.kpis import Kpi
    from service.api.setup.people import Employee


def _points(value: Fraction | None) -> Decimal | None:
    return None if value is None else Decimal(format_fixed(value, 2))


def _raw(value: Fraction | None) -> Decimal | None:
    return None if value is None else Decimal(format_fixed(value, 4))


@strawberry.type(description="One person's live and shadow score side by side (SCORING §13).")
class ShadowReportRow:
    employee: Annotated[Employee, strawberry.lazy("service.api.setup.people")] = strawberry.field(
        description="The person (only people you may see are listed)."
    )
    live_status: ScoreStatus = strawberry.field(description="The live score's status.")
    live_status_reason: StatusReason | None = strawberry.field(
        description="Why the live score has no total; null when SCORED."
    )
    live_total: Decimal | None = strawberry.field(
        description="The live total (2 places); null unless SCORED."
    )
    live_band: str | None = strawberry.field(description="The live band; null unless SCORED.")
    shadow_status: ScoreStatus = strawberry.field(
        description="The status the shadow scorecard would give."
    )
    shadow_status_reason: StatusReason | None = strawberry.field(
        description="Why the shadow would have no total; null when SCORED."
    )
    shadow_total: Decimal | None = strawberry.field(
        description="The total the shadow scorecard would give, with the live adjustments as "
        "made, clamped (2 places); null unless SCORED."
    )
    shadow_band: str | None = strawberry.field(
        description="The band the shadow would give; null unless SCORED."
    )
    change: Decimal | None = strawberry.field(
        description="Shadow exact total minus live exact total (2 places); null unless "
        "scored both ways."
    )
    moves: bool = strawberry.field(
        description="The band or status would change under the shadow scorecard."
    )


@strawberry.type(description="One cell of the band shift matrix.")
class ShiftCell:
    from_: str = strawberry.field(
        name="from", description="The live band, or NO_DATA or NOT_ELIGIBLE."
    )
    to: str = strawberry.field(description="The shadow band, or NO_DATA or NOT_ELIGIBLE.")
    count: int = strawberry.field(description="How many people go from one to the other.")


@strawberry.type(
    description="What a position's shadow scorecard would do (SCORING §13), computed when "
    "asked, stored nowhere, never final, never paid."
)
class ShadowReport:
    position_code: str = strawberry.field(description="The position the report covers.")
    shadow_version: int = strawberry.field(description="The shadow scorecard's version.")
    rows: list[ShadowReportRow] = strawberry.field(
        description="Per person: those whose band or status would move first, then by external id."
    )
    shift_matrix: list[ShiftCell] = strawberry.field(
        description="Every (live, shadow) pair of bands and statuses, best band first, "
        "NO_DATA and NOT_ELIGIBLE last, with how many people go from one to the other."
    )
    mean_change: Decimal | None = strawberry.field(
        description="The mean change over the people scored both ways (2 places); null "
        "when nobody is."
    )
    live_multiplier_sum: Decimal = strawberry.field(
        description="The bonus budget live: the sum of the scored people's multipliers."
    )
    shadow_multiplier_sum: Decimal = strawberry.field(
        description="The bonus budget under the shadow scorecard."
    )


def _status(side: Side) -> tuple[ScoreStatus, StatusReason | None]:
    status = ScoreStatus(side.status.value)
    return status, status_reason_of(status.value, side.reason)


async def shadow_report_of(
    info: Info, cycle_code: str, position_code: str, team_code: str | None
) -> ShadowReport:
    """Resolve a shadow report (a use case's refusal is a client error: schema.py)."""
    from service.api.setup.people import people_seen

    view = await shadow_report(
        get_connection("default"),
        actor=info.context.actor_checked,
        cycle_code=cycle_code,
        position_code=position_code,
        team_code=team_code,
    )
    rows = view.rows
    employees = await info.context.loaders.employee.load_many([r.employee_id for r in rows])
    seen = {e.pk: e for e in await people_seen(info, employees)}
    listed = []
    for row in rows:
        if row.employee_id not in seen:
            continue
        live_status, live_reason = _status(row.live)
        shadow_status, shadow_reason = _status(row.shadow)
        listed.append(
            ShadowReportRow(
                employee=seen[row.employee_id],
                live_status=live_status,
                live_status_reason=live_reason,
                live_total=_points(row.live.total) if row.live.scored else None,
                live_band=row.live.band if row.live.scored else None,
                shadow_status=shadow_status,
                shadow_status_reason=shadow_reason,
                shadow_total=_points(row.shadow.total) if row.shadow.scored else None,
                shadow_band=row.shadow.band if row.shadow.scored else None,
                change=_points(row.change),
                moves=row.moves,
            )
        )
    summary = view.summary
    return ShadowReport(
        position_code=view.position_code,
        shadow_version=view.version,
        rows=listed,
        shift_matrix=[
            ShiftCell(from_=c.live, to=c.shadow, count=c.count) for c in summary.shift_matrix
        ],
        mean_change=_points(summary.mean_change),
        live_multiplier_sum=Decimal(format_fixed(summary.live_multiplier_sum, 2)),
        shadow_multiplier_sum=Decimal(format_fixed(summary.shadow_multiplier_sum, 2)),
    )


@strawberry.type(
    description="One quantitative KPI of a pilot: the pilot group against all other teams, "
    "now and in the comparable previous cycle (SCORING §13). Values are exact until "
    "reported like raw values (4 places); SUM and COUNT are per head of the group."
)
class PilotLine:
    kpi: Annotated[Kpi, strawberry.lazy("service.api.setup.kpis")] = strawberry.field(
        description="The KPI."
    )
    pilot_value: Decimal | None = strawberry.field(
        description="The pilot teams' (and their sub-teams') value; null without data or, "
        "for SUM and COUNT, without headcount."
    )
    pilot_n: int = strawberry.field(description="Observations behind the pilot value.")
    outside_value: Decimal | None = strawberry.field(description="All other teams' value.")
    outside_n: int = strawberry.field(description="Observations behind the other teams' value.")
    pilot_previous: Decimal | None = strawberry.field(
        description="The pilot group's value in the comparable previous cycle."
    )
    pilot_previous_n: int | None = strawberry.field(
        description="Its observations; null without a previous cycle."
    )
    outside_previous: Decimal | None = strawberry.field(
        description="The other teams' value in the comparable previous cycle."
    )
    outside_previous_n: int | None = strawberry.field(
        description="Its observations; null without a previous cycle."
    )
    pilot_change: Decimal | None = strawberry.field(description="Pilot minus pilot previous.")
    outside_change: Decimal | None = strawberry.field(description="Outside minus outside previous.")
    gap: Decimal | None = strawberry.field(
        description="The pilot's change minus the other teams' change."
    )


@strawberry.type(
    description="A pilot cycle's teams against all others (SCORING §13): group figures "
    "only, computed when asked, stored nowhere."
)
class PilotReport:
    previous_cycle: Annotated[Cycle, strawberry.lazy("service.api.setup.cycles")] | None = (
        strawberry.field(
            description="The comparable previous cycle (SCORING §11); null when there is none."
        )
    )
    lines: list[PilotLine] = strawberry.field(
        description="One per quantitative KPI used on a scorecard of the cycle, by code."
    )


def _previous_n(figure: GroupFigure | None) -> int | None:
    return None if figure is None else figure.n


def _previous_value(figure: GroupFigure | None) -> Decimal | None:
    return None if figure is None else _raw(figure.value)


async def pilot_report_of(info: Info, cycle_code: str) -> PilotReport:
    from service.api.setup.cycles import Cycle
    from service.api.setup.kpis import Kpi

    view = await pilot_report(
        get_connection("default"), actor=info.context.actor_checked, cycle_code=cycle_code
    )
    kpis = await info.context.loaders.kpi_by_code.load_many([line.kpi.code for line in view.lines])
    by_code = {k.code: Kpi.from_row(k) for k in kpis if k is not None}
    previous = None
    if view.previous_cycle_id is not None:
        row = await info.context.loaders.cycle.load(view.previous_cycle_id)
        previous = None if row is None else Cycle.from_row(row)
    return PilotReport(
        previous_cycle=previous,
        lines=[
            PilotLine(
                kpi=by_code[line.kpi.code],
                pilot_value=_raw(line.pilot.value),
                pilot_n=line.pilot.n,
                outside_value=_raw(line.outside.value),
                outside_n=line.outside.n,
                pilot_previous=_previous_value(line.pilot_previous),
                pilot_previous_n=_previous_n(line.pilot_previous),
                outside_previous=_previous_value(line.outside_previous),
                outside_previous_n=_previous_n(line.outside_previous),
                pilot_change=_raw(line.pilot_change),
                outside_change=_raw(line.outside_change),
                gap=_raw(line.gap),
            )
            for line in view.lines
        ],
    )
