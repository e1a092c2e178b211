"""Scores, their lines and what is behind each line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from service.api.context import Info
from service.api.enums import (
    Aggregation,
    AppealState,
    Direction,
    KpiKind,
    Method,
    ReviewKind,
    WhatItWouldTakeKind,
)
from service.api.enums import Channel as ChannelEnum
from service.api.enums import LineStatus as LineStatusEnum
from service.api.enums import Scope as ScopeEnum
from service.api.enums import ScoreStatus as ScoreStatusEnum
from service.api.enums import StatusReason as StatusReasonEnum
from service.api.ids import ClientError, Node, global_id, score_line_id
from service.api.pagination import Connection, Keyset, asc, connection, page_size
from service.api.scalars import Decimal, fixed
from service.models import Adjustment as AdjustmentRow
from service.models import Appeal as AppealRow
from service.models import Observation as ObservationRow
from service.models import Review as ReviewRow
from service.models import Score as ScoreRow
from service.scoring import cycle_window_utc, line_text, score_text, what_it_would_take_text
from service.scoring.stored import StoredLine, StoredScore
from service.usecases.parsing import epoch_microseconds

if TYPE_CHECKING:
    from service.api.setup.cycles import Cycle
    from service.api.setup.people import Employee


def status_reason_of(status: str, stored: str | None) -> StatusReasonEnum | None:
    """The reason of a stored score; None when SCORED (migration 0009 gave the NO_DATA
    scores stored before reasons were kept theirs)."""
    if status == ScoreStatusEnum.SCORED.value or stored is None:
        return None
    return StatusReasonEnum(stored)


def not_eligible_reason_of(status: str, stored: str | None) -> str | None:
    """The deprecated field's old meaning: a reason only for NOT_ELIGIBLE scores."""
    return stored if status == ScoreStatusEnum.NOT_ELIGIBLE.value else None


DEPRECATED_NOT_ELIGIBLE = "Use statusReason, which also says why a NO_DATA score has no total."


@strawberry.enum(description="PROVISIONAL while the cycle is open, FINAL once finalised.")
class ScoreState(Enum):
    PROVISIONAL = "PROVISIONAL"
    FINAL = "FINAL"


@strawberry.type(
    description="The KPI of a score line as it was when the score was computed. A value: no id."
)
class KpiSummary:
    code: str
    name: str
    kind: KpiKind
    unit: str
    direction: Direction


@strawberry.type(
    description="An incentive band a total reaches: its code and payroll multiplier. A value of "
    "its score: no id."
)
class Band:
    code: str
    multiplier: Decimal


@strawberry.type(
    description="The next band up and the points still needed to reach it. A value of its score: "
    "no id."
)
class NextBand:
    code: str
    points_needed: Decimal


@strawberry.type(description="One step of a BANDS line: from `bound` on, `points`.")
class BandStep:
    bound: Decimal
    points: Decimal


@strawberry.type(description="How many observations of a line came from one source and channel.")
class SourceCount:
    source: str
    channel: ChannelEnum | None
    count: int


@strawberry.type(
    description="What would move a line towards the next band, or a score towards enough evidence."
)
class WhatItWouldTake:
    # RAW_VALUE | CANNOT_REACH | MORE_OBSERVATIONS, and for a score without enough
    # evidence MORE_OBSERVATIONS | MORE_MANAGER_REVIEWS | OTHER_EVIDENCE with no band.
    kind: WhatItWouldTakeKind
    band: str | None
    raw_value: Decimal | None
    max_points: Decimal | None
    observations_needed: int | None
    sentence: str | None


@strawberry.type(
    name="Observation", description="One data point of a KPI for a person or team, as recorded."
)
class ObservationNode(Node):
    value: Decimal
    occurred_at: datetime
    source: str
    channel: ChannelEnum | None
    comment: str | None
    external_id: str | None
    utc_offset: str = strawberry.field(
        description="The offset the moment was reported with, e.g. +08:00: the local "
        "time of `occurredAt` where it happened."
    )
    voided_at: datetime | None = strawberry.field(
        default=None,
        description="When the observation was voided; null while it counts. A line lists "
        "only observations that count; `node(id:)` finds voided ones too.",
    )
    void_reason: str | None = strawberry.field(
        default=None, description="Why it was voided; null while it counts."
    )


@strawberry.type(
    name="Review",
    description="A rating of a qualitative line by a manager (counts) or the person (shown only).",
)
class ReviewNode:
    kind: ReviewKind
    rating: Decimal
    comment: str
    counts: bool  # SELF ratings are shown beside the line and do not count
    updated_at: datetime


@strawberry.type(
    description="Signed points added to a score with a reason, within the policy's cap (SCORING "
    "§4)."
)
class Adjustment(Node):
    points: Decimal
    reason: str
    made_by: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: AdjustmentRow) -> Adjustment:
        return cls(
            id=strawberry.ID(global_id("Adjustment", row.id)),
            points=Decimal(f"{row.points / 10_000:.2f}"),
            reason=row.reason,
            made_by=row.made_by_label,
            created_at=row.created_at,
        )


@strawberry.type(
    description="A question about one line of a score, or the whole score, and its resolution."
)
class Appeal(Node):
    line: int | None  # 1-based line number; null for the whole score
    reason: str
    state: AppealState
    resolution_note: str | None
    created_at: datetime
    resolved_at: datetime | None

    @classmethod
    def from_row(cls, row: AppealRow) -> Appeal:
        return cls(
            id=strawberry.ID(global_id("Appeal", row.id)),
            line=None if row.line_ordinal is None else row.line_ordinal + 1,
            reason=row.reason,
            state=row.state,
            resolution_note=row.resolution_note,
            created_at=row.created_at,
            resolved_at=row.resolved_at,
        )


@strawberry.type(
    description="One line of a score: the KPI's raw value, the points it earned and why."
)
class ScoreLine(Node):
    # Set by the Score that holds the line (`Score.__post_init__`): the line at its
    # position on that score, so two lines of one KPI (INDIVIDUAL and TEAM) differ.
    id: strawberry.ID = strawberry.ID("")
    kpi: KpiSummary
    scope: ScopeEnum
    aggregation: Aggregation
    aggregation_param: Decimal | None
    sample_size: int
    min_samples: int
    raw_value: Decimal | None
    method: Method
    threshold: Decimal | None
    target: Decimal | None
    stretch: Decimal | None
    bands: list[BandStep]
    normalized: Decimal | None
    weight: Decimal
    effective_weight: Decimal | None
    contribution: Decimal | None
    status: LineStatusEnum
    evidence: bool = strawberry.field(
        description="Counts toward the score's evidence weight: the person's own data (SCORING §2)."
    )
    sources: list[SourceCount]
    explanation: str
    what_it_would_take: WhatItWouldTake | None
    employee_pk: strawberry.Private[int]
    cycle_pk: strawberry.Private[int]

    @strawberry.field(
        description="The observations behind an individual line, in time "
        "order. A team line shows counts by source only, never colleagues' data."
    )
    async def observations(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ObservationNode] | None:
        if self.scope is ScopeEnum.TEAM:
            raise ClientError(
                "A team line lists counts by source and channel (`sources`), "
                "never colleagues' observations.",
                "FORBIDDEN",
            )
        size = page_size(first, info.context.settings.max_page_size)
        cycle = await info.context.loaders.cycle.load(self.cycle_pk)
        kpi = await info.context.loaders.kpi_by_code.load(self.kpi.code)
        if cycle is None or kpi is None:
            return connection([], size, lambda r: [], observation_node)
        policy = await info.context.policy()
        start, end = cycle_window_utc(
            starts_on=cycle.starts_on, ends_on=cycle.ends_on, timezone=policy.timezone
        )
        query = ObservationRow.filter(
            employee_id=self.employee_pk,
            kpi_id=kpi.id,
            voided_at__isnull=True,
            occurred_at_us__gte=epoch_microseconds(start),
            occurred_at_us__lt=epoch_microseconds(end),
        )
        if after is not None:
            query = query.filter(OBSERVATION_ORDER.after(after))
        rows = await query.order_by(*OBSERVATION_ORDER.order_by()).limit(size + 1)
        return connection(rows, size, OBSERVATION_ORDER.key, observation_node)

    @strawberry.field(
        description="The reviews behind a qualitative line: current MANAGER "
        "ratings (they count) and the SELF rating (shown, not counted)."
    )
    async def reviews(self, info: Info) -> list[ReviewNode]:
        if self.aggregation != "REVIEW_MEAN":
            return []
        kpi = await info.context.loaders.kpi_by_code.load(self.kpi.code)
        if kpi is None:
            return []
        rows = await ReviewRow.filter(
            cycle_id=self.cycle_pk, employee_id=self.employee_pk, kpi_id=kpi.id
        ).order_by("kind", "id")
        return [
            ReviewNode(
                kind=r.kind,
                rating=fixed(r.rating, 4) or Decimal("0"),
                comment=r.comment,
                counts=r.kind.value == "MANAGER",
                updated_at=r.updated_at,
            )
            for r in rows
        ]


# Time order; many observations share a moment (a batch, a day's import).
OBSERVATION_ORDER = Keyset(asc("occurred_at_us"), asc("id"))


def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def observation_node(row: ObservationRow) -> ObservationNode:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=row.occurred_at_us)
    return ObservationNode(
        id=strawberry.ID(global_id("Observation", row.id)),
        value=fixed(row.value, 4) or Decimal("0"),
        occurred_at=moment,
        utc_offset=_offset_text(row.utc_offset_minutes),
        source=row.source,
        channel=row.channel,
        comment=row.comment,
        external_id=row.external_id,
        voided_at=row.voided_at,
        void_reason=row.void_reason,
    )


def _opt(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _line(
    line: StoredLine, weighted: bool, lang: str, employee_pk: int, cycle_pk: int
) -> ScoreLine:
    kpi = line.kpi
    setting = line.setting
    wit = line.what_it_would_take
    return ScoreLine(
        kpi=KpiSummary(
            code=kpi.code,
            name=kpi.name,
            kind=KpiKind(kpi.kind),
            unit=kpi.unit,
            direction=Direction(kpi.direction),
        ),
        scope=ScopeEnum(setting.scope),
        aggregation=Aggregation(setting.aggregation),
        aggregation_param=_opt(setting.aggregation_param),
        sample_size=line.n,
        min_samples=setting.min_samples,
        raw_value=_opt(line.raw_value),
        method=Method(setting.method),
        threshold=_opt(setting.threshold),
        target=_opt(setting.target),
        stretch=_opt(setting.stretch),
        bands=[BandStep(bound=Decimal(b.bound), points=Decimal(b.points)) for b in setting.bands],
        normalized=_opt(line.normalized),
        weight=Decimal(setting.weight),
        effective_weight=_opt(line.effective_weight),
        contribution=_opt(line.contribution),
        status=LineStatusEnum(line.status),
        evidence=line.evidence,
        sources=[
            SourceCount(
                source=s.source,
                channel=None if s.channel is None else ChannelEnum(s.channel),
                count=s.count,
            )
            for s in line.sources
        ],
        explanation=line_text(line, lang=lang, weighted=weighted),
        what_it_would_take=None
        if wit is None
        else WhatItWouldTake(
            kind=WhatItWouldTakeKind(wit.kind),
            band=wit.band,
            raw_value=_opt(wit.raw_value),
            max_points=_opt(wit.max_points),
            observations_needed=wit.observations_needed,
            sentence=what_it_would_take_text(line, lang=lang),
        ),
        employee_pk=employee_pk,
        cycle_pk=cycle_pk,
    )


@strawberry.type(
    description="A person's stored score in a cycle, line by line, with its explanation."
)
class Score(Node):
    state: ScoreState
    status: ScoreStatusEnum
    status_reason: StatusReasonEnum | None = strawberry.field(
        description="Why there is no total; null when SCORED."
    )
    not_eligible_reason: str | None = strawberry.field(deprecation_reason=DEPRECATED_NOT_ELIGIBLE)
    evidence_weight: Decimal | None = strawberry.field(
        description="Scorecard weight (before re-weighting) resting on the person's own "
        "data; null when not eligible (SCORING §2)."
    )
    needed_weight: Decimal | None = strawberry.field(
        description="The policy's minimum evidence weight the score was held against."
    )
    total: Decimal | None
    band: Band | None
    next_band: NextBand | None
    adjustments_total: Decimal | None
    lines: list[ScoreLine]
    computed_at: datetime
    inputs_hash: str | None
    explanation: str
    pk: strawberry.Private[int]
    employee_pk: strawberry.Private[int]
    cycle_pk: strawberry.Private[int]

    @strawberry.field
    async def employee(
        self, info: Info
    ) -> Annotated[Employee, strawberry.lazy("service.api.setup.people")]:
        from service.api.setup.people import person_seen

        row = await info.context.loaders.employee.load(self.employee_pk)
        person = await person_seen(info, row)
        if person is None:  # a score is shown only to those who may see its person
            raise ClientError("You may not see this person.", "FORBIDDEN")
        return person

    @strawberry.field
    async def cycle(
        self, info: Info
    ) -> Annotated[Cycle, strawberry.lazy("service.api.setup.cycles")]:
        from service.api.setup.cycles import Cycle

        row = await info.context.loaders.cycle.load(self.cycle_pk)
        assert row is not None
        return Cycle.from_row(row)

    @strawberry.field
    async def adjustments(self, info: Info) -> list[Adjustment]:
        rows = await info.context.loaders.adjustments.load((self.cycle_pk, self.employee_pk))
        return [Adjustment.from_row(r) for r in rows]

    @strawberry.field
    async def appeals(self, info: Info) -> list[Appeal]:
        rows = await info.context.loaders.appeals.load((self.cycle_pk, self.employee_pk))
        return [Appeal.from_row(r) for r in rows]

    def __post_init__(self) -> None:
        for ordinal, line in enumerate(self.lines):
            line.id = strawberry.ID(score_line_id(self.pk, ordinal))

    @classmethod
    def from_row(cls, row: ScoreRow, lang: str) -> Score:
        stored = StoredScore.from_row(row.explanation)
        band = None
        if stored.band is not None and stored.multiplier is not None:
            band = Band(code=stored.band, multiplier=Decimal(stored.multiplier))
        next_band = stored.next_band
        eligible = stored.status != ScoreStatusEnum.NOT_ELIGIBLE.value
        return cls(
            id=strawberry.ID(global_id("Score", row.id)),
            state=ScoreState(row.state.value),
            status=ScoreStatusEnum(row.status.value),
            status_reason=status_reason_of(row.status.value, row.status_reason),
            not_eligible_reason=not_eligible_reason_of(row.status.value, row.status_reason),
            evidence_weight=_opt(stored.evidence_weight) if eligible else None,
            needed_weight=_opt(stored.needed_weight) if eligible else None,
            total=_opt(stored.total),
            band=band,
            next_band=None
            if next_band is None
            else NextBand(code=next_band.code, points_needed=Decimal(next_band.points_needed)),
            adjustments_total=_opt(stored.adjustments_total) if eligible else None,
            lines=[
                _line(line, stored.scored, lang, row.employee_id, row.cycle_id)
                for line in stored.lines
            ],
            computed_at=row.computed_at,
            inputs_hash=row.inputs_hash,
            explanation=score_text(stored, lang=lang),
            pk=row.id,
            employee_pk=row.employee_id,
            cycle_pk=row.cycle_id,
        )


ScoreConnection = Connection[Score]
