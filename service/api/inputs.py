"""GraphQL input types, mapped onto the use cases' input dataclasses."""

from __future__ import annotations

from datetime import date

import strawberry

from service.api.enums import (
    Aggregation,
    Channel,
    Direction,
    KpiKind,
    Method,
    Scope,
    describe_values,
)
from service.api.scalars import Decimal
from service.usecases import inputs as usecase
from service.usecases.inputs import IngestMode as IngestModeEnum

strawberry.enum(
    IngestModeEnum,
    name="IngestMode",
    description="ALL_OR_NOTHING writes nothing when a row is bad; KEEP_VALID keeps the good rows.",
)
describe_values(
    IngestModeEnum,
    {
        "ALL_OR_NOTHING": "Any refused row and nothing is written: `accepted` is 0 and "
        "`rejected` lists every bad row (the default).",
        "KEEP_VALID": "The good rows are written and counted in `accepted`; the bad ones "
        "are listed in `rejected`.",
    },
)


@strawberry.input(description="A team to create or update, by code.")
class TeamInput:
    code: str = strawberry.field(
        description="The team's natural key: a team with this code is updated, otherwise created."
    )
    name: str = strawberry.field(description="The team's name.")
    parent_code: str | None = strawberry.field(
        default=None,
        description="The code of the team it belongs to (existing, or anywhere in the same "
        "batch); null: a top-level team. A team cannot be placed under itself "
        "or its own sub-team.",
    )
    lead_external_id: str | None = strawberry.field(
        default=None,
        description="The external id of the team's lead (an existing employee); null: no "
        "lead. Leads are the managers of the team and every team under it.",
    )
    name_zh: str = strawberry.field(
        default="", description="The Chinese name, for Chinese pages; empty: the name."
    )

    def to_usecase(self) -> usecase.TeamInput:
        return usecase.TeamInput(
            self.code, self.name, self.parent_code, self.lead_external_id, self.name_zh
        )


@strawberry.input(description="A position to create or update, by code.")
class PositionInput:
    code: str = strawberry.field(
        description="The position's natural key: a position with this code is updated, "
        "otherwise created."
    )
    name: str = strawberry.field(description="The position's name.")
    name_zh: str = strawberry.field(
        default="", description="The Chinese name, for Chinese pages; empty: the name."
    )

    def to_usecase(self) -> usecase.PositionInput:
        return usecase.PositionInput(self.code, self.name, self.name_zh)


@strawberry.input(description="An employee to create or update, by external id.")
class EmployeeInput:
    external_id: str = strawberry.field(
        description="The HR system's id, the employee's natural key: an employee with it is"
        " updated, otherwise created."
    )
    name: str = strawberry.field(description="The person's name (any script).")
    hired_on: date = strawberry.field(description="Their first day of employment.")
    email: str | None = strawberry.field(
        default=None,
        description="Their work email; null: none. The whole record is set, so leaving it "
        "out clears it.",
    )
    team_code: str | None = strawberry.field(
        default=None,
        description="The code of their team (upsert teams first); null: no team. A change "
        "moves their future observations, not past ones.",
    )
    position_code: str | None = strawberry.field(
        default=None,
        description="The code of their position (upsert positions first); null: no position"
        " (then not scored).",
    )
    left_on: date | None = strawberry.field(
        default=None,
        description="Their last day of employment, not before `hiredOn`; null while employed.",
    )

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
    code: str = strawberry.field(
        description="The KPI's natural key: a KPI with this code is updated, otherwise created."
    )
    name: str = strawberry.field(description="The KPI's name, as sentences and pages show it.")
    kind: KpiKind = strawberry.field(
        description="QUANTITATIVE or QUALITATIVE (a QUALITATIVE KPI aggregates with "
        "REVIEW_MEAN and is HIGHER_IS_BETTER). Frozen once a cycle past DRAFT "
        "uses the KPI."
    )
    direction: Direction = strawberry.field(
        description="Whether a higher or a lower value is better. Frozen once a cycle past "
        "DRAFT uses the KPI."
    )
    aggregation: Aggregation = strawberry.field(
        description="How observations become a line's raw value. Frozen once a cycle past "
        "DRAFT uses the KPI."
    )
    unit: str = strawberry.field(
        default="", description="The unit of its values, e.g. `%` or `min`; empty by default."
    )
    aggregation_param: Decimal | None = strawberry.field(
        default=None,
        description="x for SHARE_AT_LEAST/SHARE_AT_MOST, p (0 < p <= 100) for PERCENTILE; "
        "required for those, null for the others. Frozen once a cycle past "
        "DRAFT uses the KPI.",
    )
    range_min: Decimal | None = strawberry.field(
        default=None,
        description="The smallest valid value; null: unbounded (a QUALITATIVE KPI without a"
        " range gets the 1-5 scale). Frozen once a cycle past DRAFT uses the "
        "KPI.",
    )
    range_max: Decimal | None = strawberry.field(
        default=None,
        description="The largest valid value; null: unbounded (see `rangeMin`). Frozen once"
        " a cycle past DRAFT uses the KPI.",
    )
    tags: list[str] = strawberry.field(
        description="Free labels; `customer_satisfaction` counts the KPI toward the "
        "customer-satisfaction share.",
        default_factory=list,
    )
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
    code: str = strawberry.field(
        description="The cycle's natural key, e.g. `2026-Q4`: a new code creates a cycle, "
        "an existing DRAFT one is updated."
    )
    name: str = strawberry.field(description="The cycle's name.")
    starts_on: date = strawberry.field(description="Its first day, in the organisation's timezone.")
    ends_on: date = strawberry.field(
        description="Its last day (included), not before `startsOn`. Cycles may overlap."
    )
    pilot_team_codes: list[str] = strawberry.field(
        description="Teams of a pilot: only they and the teams under them are scored. Empty"
        " (the default): every team.",
        default_factory=list,
    )

    def to_usecase(self) -> usecase.CycleInput:
        return usecase.CycleInput(
            self.code, self.name, self.starts_on, self.ends_on, tuple(self.pilot_team_codes)
        )


@strawberry.input(description="One step of a BANDS line: from `bound` on, `points`.")
class BandStepInput:
    bound: Decimal = strawberry.field(
        description="The raw value to meet or beat (in the KPI's direction); at most 4 places."
    )
    points: Decimal = strawberry.field(
        description="The points it gives, 0 to 100 + the policy's stretch bonus; never more"
        " than the step above."
    )


@strawberry.input(description="One line of a scorecard to save.")
class ScorecardLineInput:
    kpi_code: str = strawberry.field(
        description="The KPI's code. A KPI appears at most once per scope."
    )
    weight: Decimal = strawberry.field(
        description="The line's weight, % (> 0, at most 2 places); a scorecard's weights "
        "add up to exactly 100."
    )
    scope: Scope = strawberry.field(
        default=Scope.INDIVIDUAL,
        description="INDIVIDUAL (the default) or TEAM; a QUALITATIVE KPI is INDIVIDUAL only.",
    )
    method: Method = strawberry.field(
        default=Method.LINEAR, description="LINEAR (the default), BANDS or BINARY."
    )
    threshold: Decimal | None = strawberry.field(
        default=None,
        description="LINEAR: the raw value worth 0 points. Worse than the target in the "
        "KPI's direction.",
    )
    target: Decimal | None = strawberry.field(
        default=None, description="LINEAR and BINARY: the raw value worth 100 points."
    )
    stretch: Decimal | None = strawberry.field(
        default=None,
        description="LINEAR, optional: the raw value worth 100 + the policy's stretch "
        "bonus; beyond the target.",
    )
    bands: list[BandStepInput] = strawberry.field(
        description="BANDS: the steps, best bound first, bounds strictly ordered, points "
        "never rising down the list.",
        default_factory=list,
    )
    min_samples: int = strawberry.field(
        default=1,
        description="Observations a line needs to be scored (default 1); SUM and COUNT "
        "lines are scored whatever n.",
    )

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
    kpi_code: str = strawberry.field(description="The KPI observed.")
    value: Decimal = strawberry.field(
        description="The value in the KPI's unit, at most 4 places, within its valid range."
    )
    occurred_at: str = strawberry.field(
        description="ISO 8601 with a UTC offset, e.g. 2026-11-20T09:30:00+08:00"
    )
    source: str = strawberry.field(
        description="The system sending it, e.g. `ticketing`. A token bound to a source may"
        " send only that one."
    )
    employee_external_id: str | None = strawberry.field(
        default=None,
        description="Whose observation it is (their current team is stamped on it). Give "
        "this or `teamCode`, not both.",
    )
    team_code: str | None = strawberry.field(
        default=None,
        description="A team-level observation (e.g. a complaint about the team). Give this "
        "or `employeeExternalId`, not both.",
    )
    external_id: str | None = strawberry.field(
        default=None,
        description="The source's own id for it: (source, KPI, externalId) is unique, so a "
        "resend is a duplicate and a resend with another value a CONFLICT row. "
        "Strongly advised.",
    )

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
    rating: Decimal = strawberry.field(
        description="The customer's rating, within the KPI's valid range (1-5 by default), "
        "at most 4 places."
    )
    channel: Channel = strawberry.field(description="How the customer was asked.")
    occurred_at: str = strawberry.field(
        description="When the customer answered: ISO 8601 with a UTC offset, e.g. "
        "2026-11-20T09:30:00+08:00. A bad or offset-less one is a rejected row."
    )
    source: str = strawberry.field(
        description="The system sending it, e.g. `survey-tool`. A token bound to a source "
        "may send only that one."
    )
    employee_external_id: str | None = strawberry.field(
        default=None, description="Who served the customer. Give this or `teamCode`, not both."
    )
    team_code: str | None = strawberry.field(
        default=None,
        description="Feedback about a team as a whole. Give this or `employeeExternalId`, "
        "not both.",
    )
    kpi_code: str | None = strawberry.field(
        default=None, description="Omit for the policy's customer-satisfaction KPI."
    )
    external_id: str | None = strawberry.field(
        default=None,
        description="The source's own id for the answer: (source, KPI, externalId) is "
        "unique, so a resend is a duplicate. Strongly advised.",
    )
    comment: str | None = strawberry.field(
        default=None, description="What the customer wrote; null: none."
    )

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


@strawberry.input(description="A band of the incentive policy: from `floor` on, `multiplier`.")
class IncentiveBandInput:
    code: str = strawberry.field(description="The band's code, e.g. `A`.")
    floor: Decimal = strawberry.field(
        description="The lowest reported total in this band (bands are checked from the top)."
    )
    multiplier: Decimal = strawberry.field(description="The bonus multiplier it pays, e.g. 1.2.")


@strawberry.input(description="A target share of people in one band (SCORING §12).")
class BandGuideShareInput:
    band: str = strawberry.field(description="A band code of the policy.")
    share: Decimal = strawberry.field(description="Its target share of scored people, 0-100 %.")


@strawberry.input(description="Policy settings to change; those left out stay as they are.")
class PolicyInput:
    bands: list[IncentiveBandInput] | None = strawberry.field(
        default=None,
        description="The whole list of bands, replacing the old one (default S ≥ 95 × 1.5, "
        "A ≥ 85 × 1.2, B ≥ 70 × 1.0, C ≥ 60 × 0.8, D × 0.5).",
    )
    stretch_bonus: Decimal | None = strawberry.field(
        default=None,
        description="Points above 100 a line earns at its stretch value; the total is "
        "capped at 100 + this (default 20).",
    )
    adjustment_cap: Decimal | None = strawberry.field(
        default=None,
        description="The most net adjustment points one score may carry, either way (default 10).",
    )
    quantitative_target: Decimal | None = strawberry.field(
        default=None,
        description="The guided quantitative share of a scorecard's weight, % (default 70; "
        "SCORING §8 warning).",
    )
    quantitative_tolerance: Decimal | None = strawberry.field(
        default=None,
        description="Points the quantitative share may be off the target before a warning "
        "(default 10).",
    )
    csat_share_min: Decimal | None = strawberry.field(
        default=None,
        description="The lowest guided customer-satisfaction share of the weight, % (default 40).",
    )
    csat_share_max: Decimal | None = strawberry.field(
        default=None,
        description="The highest guided customer-satisfaction share of the weight, % (default 50).",
    )
    single_line_max: Decimal | None = strawberry.field(
        default=None,
        description="The most weight one line should hold before a warning, % (default 60).",
    )
    min_employed_share: Decimal | None = strawberry.field(
        default=None,
        description="The share of a cycle's days someone must be employed to be scored, % "
        "(default 50).",
    )
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
    csat_kpi_code: str | None = strawberry.field(
        default=None, description="The KPI that feedback without a `kpiCode` goes to."
    )
    timezone: str | None = strawberry.field(
        default=None,
        description="The organisation's IANA timezone, e.g. `Asia/Shanghai`: cycle days are"
        " its days.",
    )
    check_in_interval_days: int | None = strawberry.field(
        default=None,
        description="Days expected between two check-ins (1-366); the next is due that long "
        "after the last.",
    )
    colleague_feedback_notes: bool | None = strawberry.field(
        default=None,
        description="Whether colleagues of the same team may give each other feedback notes.",
    )
    recognitions_per_colleague_per_week: int | None = strawberry.field(
        default=None,
        description="Recognition: at most this many from one person to another in any rolling "
        "7 days (1-50, default 3).",
    )
