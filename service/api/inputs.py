"""GraphQL input types, mapped onto the use cases' input dataclasses."""

from __future__ import annotations

from datetime import date

import strawberry

from service.api.enums import Aggregation, Channel, Direction, KpiKind, Method, Scope
from service.api.scalars import Decimal
from service.usecases import inputs as usecase
from service.usecases.inputs import IngestMode as IngestModeEnum

strawberry.enum(
    IngestModeEnum,
    name="IngestMode",
    description="ALL_OR_NOTHING writes nothing when a row is bad; KEEP_VALID keeps the good rows.",
)


@strawberry.input(description="A team to create or update, by code.")
class TeamInput:
    code: str
    name: str
    parent_code: str | None = None
    lead_external_id: str | None = None

    def to_usecase(self) -> usecase.TeamInput:
        return usecase.TeamInput(self.code, self.name, self.parent_code, self.lead_external_id)


@strawberry.input(description="A position to create or update, by code.")
class PositionInput:
    code: str
    name: str

    def to_usecase(self) -> usecase.PositionInput:
        return usecase.PositionInput(self.code, self.name)


@strawberry.input(description="An employee to create or update, by external id.")
class EmployeeInput:
    external_id: str
    name: str
    hired_on: date
    email: str | None = None
    team_code: str | None = None
    position_code: str | None = None
    left_on: date | None = None

    def to_usecase(self) -> usecase.EmployeeInput:
        return usecase.EmployeeInput(
            self.external_id,
            self.name,
            self.hired_on,
            self.email,
            self.team_code,
            self.position_code,
            self.left_on,
        )


@strawberry.input(description="A KPI to create or update, by code.")
class KpiInput:
    code: str
    name: str
    kind: KpiKind
    direction: Direction
    aggregation: Aggregation
    unit: str = ""
    aggregation_param: Decimal | None = None
    range_min: Decimal | None = None
    range_max: Decimal | None = None
    tags: list[str] = strawberry.field(default_factory=list)
    expected_version: int | None = strawberry.field(
        default=None, description="The version your edit is based on; refused if newer."
    )
    name_zh: str = strawberry.field(
        default="", description="The Chinese name, for Chinese sentences; empty: the name."
    )
    unit_zh: str = strawberry.field(
        default="", description="The Chinese unit, for Chinese sentences; empty: the unit."
    )

    def to_usecase(self) -> usecase.KpiInput:
        return usecase.KpiInput(
            code=self.code,
            name=self.name,
            kind=self.kind,
            direction=self.direction,
            aggregation=self.aggregation,
            unit=self.unit,
            aggregation_param=self.aggregation_param,
            range_min=self.range_min,
            range_max=self.range_max,
            tags=tuple(self.tags),
            expected_version=self.expected_version,
            name_zh=self.name_zh,
            unit_zh=self.unit_zh,
        )


@strawberry.input(description="A new cycle: code, name, first and last day, pilot teams.")
class CycleInput:
    code: str
    name: str
    starts_on: date
    ends_on: date
    pilot_team_codes: list[str] = strawberry.field(default_factory=list)

    def to_usecase(self) -> usecase.CycleInput:
        return usecase.CycleInput(
            self.code, self.name, self.starts_on, self.ends_on, tuple(self.pilot_team_codes)
        )


@strawberry.input(description="One step of a BANDS line: from `bound` on, `points`.")
class BandStepInput:
    bound: Decimal
    points: Decimal


@strawberry.input(description="One line of a scorecard to save.")
class ScorecardLineInput:
    kpi_code: str
    weight: Decimal
    scope: Scope = Scope.INDIVIDUAL
    method: Method = Method.LINEAR
    threshold: Decimal | None = None
    target: Decimal | None = None
    stretch: Decimal | None = None
    bands: list[BandStepInput] = strawberry.field(default_factory=list)
    min_samples: int = 1

    def to_usecase(self) -> usecase.ScorecardLineInput:
        return usecase.ScorecardLineInput(
            kpi_code=self.kpi_code,
            weight=self.weight,
            scope=self.scope,
            method=self.method,
            threshold=self.threshold,
            target=self.target,
            stretch=self.stretch,
            bands=tuple((b.bound, b.points) for b in self.bands),
            min_samples=self.min_samples,
        )


@strawberry.input(
    description="One operational data point (a ticket's first response time, a complaint, ...)."
)
class ObservationInput:
    kpi_code: str
    value: Decimal
    occurred_at: str = strawberry.field(
        description="ISO 8601 with a UTC offset, e.g. 2026-11-20T09:30:00+08:00"
    )
    source: str
    employee_external_id: str | None = None
    team_code: str | None = None
    external_id: str | None = None

    def to_usecase(self) -> usecase.ObservationInput:
        return usecase.ObservationInput(
            kpi_code=self.kpi_code,
            value=self.value,
            occurred_at=self.occurred_at,
            source=self.source,
            employee_external_id=self.employee_external_id,
            team_code=self.team_code,
            external_id=self.external_id,
        )


@strawberry.input(description="One customer rating, from a survey tool or a call-back.")
class FeedbackInput:
    rating: Decimal
    channel: Channel = strawberry.field(description="How the customer was asked.")
    occurred_at: str
    source: str
    employee_external_id: str | None = None
    team_code: str | None = None
    kpi_code: str | None = strawberry.field(
        default=None, description="Omit for the policy's customer-satisfaction KPI."
    )
    external_id: str | None = None
    comment: str | None = None

    def to_usecase(self) -> usecase.FeedbackInput:
        return usecase.FeedbackInput(
            rating=self.rating,
            channel=self.channel,
            occurred_at=self.occurred_at,
            source=self.source,
            employee_external_id=self.employee_external_id,
            team_code=self.team_code,
            kpi_code=self.kpi_code,
            external_id=self.external_id,
            comment=self.comment,
        )


@strawberry.input(description="A band of the incentive policy: from `minTotal` on, `multiplier`.")
class IncentiveBandInput:
    code: str
    floor: Decimal
    multiplier: Decimal


@strawberry.input(description="A target share of people in one band (SCORING §12).")
class BandGuideShareInput:
    band: str = strawberry.field(description="A band code of the policy.")
    share: Decimal = strawberry.field(description="Its target share of scored people, 0-100 %.")


@strawberry.input(description="Policy settings to change; those left out stay as they are.")
class PolicyInput:
    bands: list[IncentiveBandInput] | None = None
    stretch_bonus: Decimal | None = None
    adjustment_cap: Decimal | None = None
    quantitative_target: Decimal | None = None
    quantitative_tolerance: Decimal | None = None
    csat_share_min: Decimal | None = None
    csat_share_max: Decimal | None = None
    single_line_max: Decimal | None = None
    min_employed_share: Decimal | None = None
    min_evidence_weight: Decimal | None = strawberry.field(
        default=None,
        description="% of the scorecard weight that must rest on the person's own data "
        "(SCORING §2); 0 turns the rule off.",
    )
    leniency_threshold: Decimal | None = strawberry.field(
        default=None,
        description="Calibration (SCORING §12): points a reviewer's gap may differ from "
        "the organisation's before they are flagged.",
    )
    band_guide: list[BandGuideShareInput] | None = strawberry.field(
        default=None,
        description="Calibration: target share per band; bands not named count as 0 %. "
        "An empty list removes the guide.",
    )
    band_guide_tolerance: Decimal | None = strawberry.field(
        default=None, description="Calibration: points a group's band share may be off the guide."
    )
    csat_kpi_code: str | None = None
    timezone: str | None = None
    check_in_interval_days: int | None = strawberry.field(
        default=None,
        description="Days expected between two check-ins (1-366); the next is due that long "
        "after the last.",
    )
    colleague_feedback_notes: bool | None = strawberry.field(
        default=None,
        description="Whether colleagues of the same team may give each other feedback notes.",
    )
