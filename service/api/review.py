"""Calibration (SCORING.md §12) in GraphQL: `Cycle.calibration`, `Team.calibration`
and the calibration record. The figures come from one use case
(service.usecases.review.calibration), which decides who sees what; every person
returned also passes `people_seen`."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated

import strawberry
from tortoise.connection import get_connection

from service.api.context import Info
from service.api.ids import ClientError
from service.api.scalars import Decimal
from service.errors import DomainError, PermissionDenied
from service.models import CalibrationRecord as CalibrationRecordRow
from service.scoring import format_fixed
from service.scoring.calibration import reported_standard_error
from service.usecases.review.calibration import CalibrationView, calibration_for_cycle

if TYPE_CHECKING:
    from service.api.people import Employee, Team


@strawberry.enum(name="CalibrationFlag", description="SCORING §12: how a reviewer's gap stands.")
class CalibrationFlagEnum(Enum):
    LENIENT = "LENIENT"
    HARSH = "HARSH"
    IN_LINE = "IN_LINE"
    TOO_FEW = "TOO_FEW"


def _points(value: Fraction | None) -> Decimal | None:
    return None if value is None else Decimal(format_fixed(value, 2))


@strawberry.type(description="One employee a reviewer rated, with both sides of the gap.")
class CalibrationEmployee:
    employee: Annotated[Employee, strawberry.lazy("service.api.people")]
    qualitative: Decimal = strawberry.field(
        description="Weighted mean of p from this reviewer's own ratings, each capped at 100."
    )
    quantitative: Decimal = strawberry.field(
        description="Weighted mean of p over the scored quantitative individual lines, capped."
    )
    gap: Decimal


@strawberry.type(description="A reviewer's figures across the whole organisation (§12).")
class CalibrationReviewer:
    reviewer: str = strawberry.field(description="The reviewer's email.")
    n: int = strawberry.field(description="Distinct employees with both sides.")
    gap: Decimal | None
    standard_error: Decimal | None = strawberry.field(
        description="√(s²/n), from the exact root; null below two employees."
    )
    organisation_gap: Decimal | None
    flag: CalibrationFlagEnum
    employees: list[CalibrationEmployee] = strawberry.field(
        description="Only the people you may see."
    )


@strawberry.type(description="A group's share of one band against the policy's guide (§12).")
class BandGuideRow:
    team: Annotated[Team, strawberry.lazy("service.api.people")] | None
    reviewer: str | None
    band: str
    count: int
    share: Decimal
    guide_share: Decimal | None
    warning: bool


@strawberry.type(description="Calibration figures of a cycle in REVIEW, computed when asked.")
class Calibration:
    reviewers: list[CalibrationReviewer]
    band_guide: list[BandGuideRow]


@strawberry.type(description="Who met, notes and decisions: kept beside the cycle's snapshot.")
class CalibrationRecord:
    attendees: str
    notes: str
    decisions: str
    version: int
    updated_by: str
    updated_at: datetime

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
    """Resolve a calibration view; refusals become client errors, not masked ones."""
    from service.api.people import Team, people_seen

    actor = info.context.require_reader()
    try:
        view = await calibration_for_cycle(
            get_connection("default"), actor=actor, cycle_code=cycle_code, team_code=team_code
        )
    except PermissionDenied as error:
        raise ClientError(str(error), "FORBIDDEN") from error
    except DomainError as error:
        raise ClientError(str(error)) from error
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
            gap=_points(r.gap),
            standard_error=None
            if r.standard_error_squared is None
            else Decimal(str(reported_standard_error(r.standard_error_squared))),
            organisation_gap=_points(r.organisation_gap),
            flag=CalibrationFlagEnum(r.flag.value),
            employees=[
                CalibrationEmployee(
                    employee=seen[p.employee],
                    qualitative=Decimal(format_fixed(p.qualitative, 2)),
                    quantitative=Decimal(format_fixed(p.quantitative, 2)),
                    gap=Decimal(format_fixed(p.gap, 2)),
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
            share=Decimal(format_fixed(row.row.share, 2)),
            guide_share=_points(row.row.guide_share),
            warning=row.row.warning,
        )
        for row in view.band_guide
    ]
    return Calibration(reviewers=reviewers, band_guide=band_guide)


async def calibration_record_of(info: Info, cycle_pk: int) -> CalibrationRecordRow | None:
    """The record is for the people who calibrate: admins and managers."""
    actor = info.context.require_reader()
    if not actor.is_admin and actor.access.value != "MANAGER":
        raise ClientError("The calibration record is for admins and managers.", "FORBIDDEN")
    return await CalibrationRecordRow.get_or_none(cycle_id=cycle_pk)
