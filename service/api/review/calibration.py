"""Calibration (SCORING.md §12) in GraphQL: `Cycle.calibration`, `Team.calibration`
and the calibration record. The figures come from one use case
(service.usecases.review.calibration), which decides who sees what; every person
returned also passes `people_seen`."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from tortoise.connection import get_connection

from service.api.context import Info
from service.api.enums import describe_values
from service.api.ids import ClientError
from service.api.scalars import Decimal
from service.models import CalibrationRecord as CalibrationRecordRow
from service.usecases.review.calibration import (
    CalibrationView,
    calibration_for_cycle,
    reported_error,
    reported_points,
)

if TYPE_CHECKING:
    from service.api.setup.people import Employee, Team


@strawberry.enum(name="CalibrationFlag", description="SCORING §12: how a reviewer's gap stands.")
class CalibrationFlagEnum(Enum):
    LENIENT = "LENIENT"
    HARSH = "HARSH"
    IN_LINE = "IN_LINE"
    TOO_FEW = "TOO_FEW"


describe_values(
    CalibrationFlagEnum,
    {
        "LENIENT": "n >= 5 and the reviewer's gap is above the organisation's by more than "
        "the policy's leniency threshold, clear of chance: they rate higher than the data.",
        "HARSH": "n >= 5 and the reviewer's gap is below the organisation's by more than the "
        "threshold, clear of chance: they rate lower than the data.",
        "IN_LINE": "n >= 5 and no clear difference from the organisation's gap.",
        "TOO_FEW": "Fewer than 5 employees with both sides: no flag is given.",
    },
)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


@strawberry.type(description="One employee a reviewer rated, with both sides of the gap.")
class CalibrationEmployee:
    employee: Annotated[Employee, strawberry.lazy("service.api.setup.people")] = strawberry.field(
        description="The person rated (only people you may see are listed)."
    )
    qualitative: Decimal = strawberry.field(
        description="Weighted mean of p from this reviewer's own ratings, each capped at 100."
    )
    quantitative: Decimal = strawberry.field(
        description="Weighted mean of p over the scored quantitative individual lines, capped."
    )
    gap: Decimal = strawberry.field(description="Qualitative minus quantitative points.")


@strawberry.type(description="A reviewer's figures across the whole organisation (§12).")
class CalibrationReviewer:
    reviewer: str = strawberry.field(description="The reviewer's email.")
    n: int = strawberry.field(description="Distinct employees with both sides.")
    gap: Decimal | None = strawberry.field(
        description="The mean of this reviewer's per-employee gaps; null with no employee."
    )
    standard_error: Decimal | None = strawberry.field(
        description="√(s²/n), from the exact root; null below two employees."
    )
    organisation_gap: Decimal | None = strawberry.field(
        description="The mean of every reviewer-employee gap of the cycle."
    )
    flag: CalibrationFlagEnum = strawberry.field(
        description="LENIENT or HARSH when n >= 5 and the difference from the organisation's "
        "gap is past the policy's threshold and clear of chance; TOO_FEW below 5."
    )
    employees: list[CalibrationEmployee] = strawberry.field(
        description="Only the people you may see."
    )


@strawberry.type(description="A group's share of one band against the policy's guide (§12).")
class BandGuideRow:
    team: Annotated[Team, strawberry.lazy("service.api.setup.people")] | None = strawberry.field(
        description="The team of a team row; null on a reviewer's row."
    )
    reviewer: str | None = strawberry.field(
        description="The reviewer (email) of a reviewer's row; null on a team row."
    )
    band: str = strawberry.field(description="The band's code.")
    count: int = strawberry.field(description="Scored people of the group in this band.")
    share: Decimal = strawberry.field(description="Their share of the group's scored people, %.")
    guide_share: Decimal | None = strawberry.field(
        description="The policy guide's share for this band, %; null without a guide."
    )
    warning: bool = strawberry.field(
        description="The group has at least 5 scored people and its share differs from the "
        "guide by more than the policy's tolerance."
    )


@strawberry.type(description="Calibration figures of a cycle in REVIEW, computed when asked.")
class Calibration:
    reviewers: list[CalibrationReviewer] = strawberry.field(
        description="Every reviewer with a counted rating in the cycle (you may see)."
    )
    band_guide: list[BandGuideRow] = strawberry.field(
        description="Band distribution per team and per reviewer against the policy's guide."
    )


@strawberry.type(description="Who met, notes and decisions: kept beside the cycle's snapshot.")
class CalibrationRecord:
    attendees: str = strawberry.field(description="Who met.")
    notes: str = strawberry.field(description="What was discussed.")
    decisions: str = strawberry.field(description="What was decided.")
    version: int = strawberry.field(description="Send it back as expectedVersion to save.")
    updated_by: str = strawberry.field(description="Who saved it last.")
    updated_at: datetime = strawberry.field(description="When it was saved last.")

    @classmethod
    def from_row(cls, row: CalibrationRecordRow) -> CalibrationRecord:
        return cls(
            attendees=row.attendees,
            notes=row.notes,
            decisions=row.decisions,
            version=row.version,
            updated_by=row.updated_by_label,
            updated_at=row.updated_at,
        )


async def calibration_of(info: Info, cycle_code: str, team_code: str | None) -> Calibration:
    """Resolve a calibration view (a use case's refusal is a client error: schema.py)."""
    from service.api.setup.people import Team, people_seen

    view = await calibration_for_cycle(
        get_connection("default"),
        actor=info.context.actor_checked,
        cycle_code=cycle_code,
        team_code=team_code,
    )
    ids = sorted({p.employee for r in view.reviewers for p in r.employees})
    rows = await info.context.loaders.employee.load_many(ids)
    seen: dict[int, Employee] = {e.pk: e for e in await people_seen(info, rows)}
    team_ids = sorted({row.team_id for row in view.band_guide if row.team_id is not None})
    teams = {
        t.id: Team.from_row(t)
        for t in await info.context.loaders.team.load_many(team_ids)
        if t is not None
    }
    return _calibration(view, seen, teams)


def _calibration(
    view: CalibrationView, seen: dict[int, Employee], teams: dict[int, Team]
) -> Calibration:
    reviewers = [
        CalibrationReviewer(
            reviewer=r.label,
            n=r.n,
            gap=_decimal(reported_points(r.gap)),
            standard_error=_decimal(reported_error(r.standard_error_squared)),
            organisation_gap=_decimal(reported_points(r.organisation_gap)),
            flag=CalibrationFlagEnum(r.flag.value),
            employees=[
                CalibrationEmployee(
                    employee=seen[p.employee],
                    qualitative=Decimal(reported_points(p.qualitative)),
                    quantitative=Decimal(reported_points(p.quantitative)),
                    gap=Decimal(reported_points(p.gap)),
                )
                for p in r.employees
                if p.employee in seen
            ],
        )
        for r in view.reviewers
    ]
    band_guide = [
        BandGuideRow(
            team=None if row.team_id is None else teams.get(row.team_id),
            reviewer=row.reviewer_label,
            band=row.row.band,
            count=row.row.count,
            share=Decimal(reported_points(row.row.share)),
            guide_share=_decimal(reported_points(row.row.guide_share)),
            warning=row.row.warning,
        )
        for row in view.band_guide
    ]
    return Calibration(reviewers=reviewers, band_guide=band_guide)


async def calibration_record_of(info: Info, cycle_pk: int) -> CalibrationRecordRow | None:
    """The record is for the people who calibrate: admins and managers."""
    actor = info.context.actor_checked
    if not actor.is_admin and actor.access.value != "MANAGER":
        raise ClientError("The calibration record is for admins and managers.", "FORBIDDEN")
    return await CalibrationRecordRow.get_or_none(cycle_id=cycle_pk)
