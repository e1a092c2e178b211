"""What callers (CLI, API, admin) hand to use cases.

Numbers arrive as text (or int/Decimal) so the use case can check the places and
name the field that is wrong; nothing is parsed before validation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from service.errors import fill

Number = str | int | Decimal


class IngestMode(StrEnum):
    ALL_OR_NOTHING = "ALL_OR_NOTHING"
    KEEP_VALID = "KEEP_VALID"


@dataclass(frozen=True, slots=True)
class TeamInput:
    code: str
    name: str
    parent_code: str | None = None
    lead_external_id: str | None = None
    name_zh: str = ""  # the Chinese name; empty: the English one


@dataclass(frozen=True, slots=True)
class PositionInput:
    code: str
    name: str
    name_zh: str = ""  # the Chinese name; empty: the English one


@dataclass(frozen=True, slots=True)
class EmployeeInput:
    external_id: str
    name: str
    hired_on: date
    email: str | None = None
    team_code: str | None = None
    position_code: str | None = None
    left_on: date | None = None


@dataclass(frozen=True, slots=True)
class KpiInput:
    code: str
    name: str
    kind: str  # QUANTITATIVE | QUALITATIVE
    direction: str  # HIGHER_IS_BETTER | LOWER_IS_BETTER
    aggregation: (
        str  # MEAN | SUM | COUNT | SHARE_AT_LEAST | SHARE_AT_MOST | PERCENTILE | REVIEW_MEAN
    )
    unit: str = ""
    aggregation_param: Number | None = None
    # Chinese sentences use these; empty means the English name or unit.
    name_zh: str = ""
    unit_zh: str = ""
    range_min: Number | None = None
    range_max: Number | None = None
    tags: tuple[str, ...] = ()
    # The version the edit is based on; None = "create, or overwrite whatever is there".
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class CycleInput:
    code: str
    name: str
    starts_on: date
    ends_on: date
    pilot_team_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScorecardLineInput:
    kpi_code: str
    weight: Number
    scope: str = "INDIVIDUAL"
    method: str = "LINEAR"
    threshold: Number | None = None
    target: Number | None = None
    stretch: Number | None = None
    bands: tuple[tuple[Number, Number], ...] = ()
    min_samples: int = 1


@dataclass(frozen=True, slots=True)
class ObservationInput:
    kpi_code: str
    value: Number
    occurred_at: str  # ISO 8601 with a UTC offset
    source: str
    employee_external_id: str | None = None
    team_code: str | None = None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class FeedbackInput:
    rating: Number
    channel: str  # ONLINE_SURVEY | PHONE_CALLBACK | FACE_TO_FACE
    occurred_at: str
    source: str
    employee_external_id: str | None = None
    team_code: str | None = None
    kpi_code: str | None = None  # None: the policy's customer-satisfaction KPI
    external_id: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class ReviewInput:
    cycle_code: str
    employee_external_id: str
    kpi_code: str
    reviewer_email: str
    kind: str  # MANAGER | SELF
    rating: Number
    comment: str = ""


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem with one row of a batch. As with `Issue`, `message` is the English
    text and `template` with `values` what the admin translates (plain text and numbers
    only: the idempotency store keeps a batch's report as JSON)."""

    index: int  # 0-based
    field: str
    code: str
    message: str
    template: str | None = None
    # Not hashed: a dict cannot be (the row, field and code tell rows' problems apart).
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict, hash=False)

    @classmethod
    def of(
        cls, index: int, field_name: str, code: str, template: str, /, **values: Any
    ) -> RowError:
        return cls(index, field_name, code, fill(template, values), template, values)


@dataclass(slots=True)
class IngestReport:
    accepted: int = 0
    duplicates: int = 0
    late: int = 0
    rejected: list[RowError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class UpsertReport:
    created: int
    updated: int
    unchanged: int
