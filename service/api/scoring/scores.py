"""Scores, their lines and what is behind each line."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, overload

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
    describe_values,
)
from service.api.enums import Channel as ChannelEnum
from service.api.enums import LineStatus as LineStatusEnum
from service.api.enums import Scope as ScopeEnum
from service.api.enums import ScoreStatus as ScoreStatusEnum
from service.api.enums import StatusReason as StatusReasonEnum
from service.api.execution import plain_resolver
from service.api.ids import ClientError, Node, global_id, score_line_id
from service.api.pagination import After, Connection, First, Keyset, asc, connection, page_size
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
    from service.api.loaders import ScoreRecord
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


describe_values(
    ScoreState,
    {
        "PROVISIONAL": "The cycle is open: the score follows its data as it arrives.",
        "FINAL": "The cycle is finalised: the score is frozen with its snapshot (`inputsHash`).",
    },
)


@strawberry.type(
    description="The KPI of a score line as it was when the score was computed. A value: no id."
)
class KpiSummary:
    code: str = strawberry.field(description="The KPI's code, e.g. `csat`.")
    name: str = strawberry.field(
        description="The KPI's name when the score was computed (Chinese sentences use its "
        "Chinese name when it has one)."
    )
    kind: KpiKind = strawberry.field(
        description="QUANTITATIVE (observations) or QUALITATIVE (manager ratings)."
    )
    unit: str = strawberry.field(
        description="The unit raw values are in, e.g. `%` or `min`; may be empty."
    )
    direction: Direction = strawberry.field(
        description="Whether a higher or a lower raw value is better."
    )


@strawberry.type(
    description="An incentive band a total reaches: its code and payroll multiplier. A value of "
    "its score: no id."
)
class Band:
    code: str = strawberry.field(description="The band's code in the policy, e.g. `A`.")
    multiplier: Decimal = strawberry.field(
        description='The bonus multiplier the band pays, 2 places, e.g. "1.20".'
    )


@strawberry.type(
    description="The next band up and the points still needed to reach it. A value of its score: "
    "no id."
)
class NextBand:
    code: str = strawberry.field(description="The code of the next band up.")
    points_needed: Decimal = strawberry.field(
        description="Points still missing to its floor: the floor minus the reported total,"
        " 2 places."
    )


@strawberry.type(description="One step of a BANDS line: from `bound` on, `points`.")
class BandStep:
    bound: Decimal = strawberry.field(
        description="The raw value that must be met or beaten (in the KPI's direction), 4 places."
    )
    points: Decimal = strawberry.field(
        description="The points it gives, 0 to 100 + the policy's stretch bonus."
    )


@strawberry.type(description="How many observations of a line came from one source and channel.")
class SourceCount:
    source: str = strawberry.field(
        description="The system the observations came from, as recorded."
    )
    channel: ChannelEnum | None = strawberry.field(
        description="The feedback channel; null for observations that are not customer feedback."
    )
    count: int = strawberry.field(
        description="How many counted observations of the line have this source and channel."
    )


@strawberry.type(
    description="What would move a line towards the next band, or a score towards enough evidence."
)
class WhatItWouldTake:
    # RAW_VALUE | CANNOT_REACH | MORE_OBSERVATIONS, and for a score without enough
    # evidence MORE_OBSERVATIONS | MORE_MANAGER_REVIEWS | OTHER_EVIDENCE with no band.
    kind: WhatItWouldTakeKind = strawberry.field(
        description="Which kind of step this is; it says which other fields are set."
    )
    band: str | None = strawberry.field(
        description="The band this line is held against; null for MORE_MANAGER_REVIEWS and "
        "OTHER_EVIDENCE and on every line of a NO_DATA score."
    )
    raw_value: Decimal | None = strawberry.field(
        description="RAW_VALUE: the raw value (4 places; whole for COUNT; the team's for a "
        "TEAM line) nearest today's that reaches the band, all else equal. Null"
        " otherwise."
    )
    max_points: Decimal | None = strawberry.field(
        description="CANNOT_REACH: the most points this line can still add (before the "
        "clamp). Null otherwise."
    )
    observations_needed: int | None = strawberry.field(
        description="MORE_OBSERVATIONS: how many more observations the line needs to count."
        " Null otherwise."
    )
    # The line it belongs to and the request's language: the sentence is rendered when
    # asked for.
    line: strawberry.Private[StoredLine]
    lang: strawberry.Private[str]

    @strawberry.field(
        description="The same in one sentence, in the request's language (Accept-Language)."
    )
    @plain_resolver
    def sentence(self) -> str | None:
        return what_it_would_take_text(self.line, lang=self.lang)


@strawberry.type(
    name="Observation", description="One data point of a KPI for a person or team, as recorded."
)
class ObservationNode(Node):
    value: Decimal = strawberry.field(
        description="The value as recorded, 4 places, in the KPI's unit (a rating on its "
        "scale for feedback)."
    )
    occurred_at: datetime = strawberry.field(description="When it happened, in UTC.")
    source: str = strawberry.field(description="The system that recorded it, e.g. `survey-tool`.")
    channel: ChannelEnum | None = strawberry.field(
        description="How the customer was asked; null for observations that are not "
        "customer feedback."
    )
    comment: str | None = strawberry.field(
        description="The customer's comment; null when none was given."
    )
    external_id: str | None = strawberry.field(
        description="The id the source system gave it (unique per source and KPI); null "
        "when none was given."
    )
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
    kind: ReviewKind = strawberry.field(description="MANAGER (counts) or SELF (shown only).")
    rating: Decimal = strawberry.field(description="The rating on the KPI's scale, 4 places.")
    comment: str = strawberry.field(description="The reviewer's comment; may be empty.")
    counts: bool = strawberry.field(
        description="True for a MANAGER rating, which counts toward the line; false for SELF."
    )
    updated_at: datetime = strawberry.field(
        description="When the rating was last given or replaced, in UTC."
    )


@strawberry.type(
    description="Signed points added to a score with a reason, within the policy's cap (SCORING "
    "§4)."
)
class Adjustment(Node):
    points: Decimal = strawberry.field(
        description="Signed points added to the total (negative to take away), 2 places."
    )
    reason: str = strawberry.field(description="Why, as given by whoever made it.")
    made_by: str = strawberry.field(
        description="Who made it: the user's email, or the label of the command line that did."
    )
    created_at: datetime = strawberry.field(description="When it was made, in UTC.")

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
    line: int | None = strawberry.field(
        description="The line appealed against, 1-based in `Score.lines`; null for the whole score."
    )
    reason: str = strawberry.field(description="What the employee questions.")
    state: AppealState = strawberry.field(
        description="OPEN until answered, then ACCEPTED or REJECTED."
    )
    resolution_note: str | None = strawberry.field(
        description="The answer's note; null while OPEN."
    )
    created_at: datetime = strawberry.field(description="When it was filed, in UTC.")
    resolved_at: datetime | None = strawberry.field(
        description="When it was answered, in UTC; null while OPEN."
    )

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


@plain_resolver
def _line_explanation(root: ScoreLine) -> str:
    """The line's sentence, rendered only when a query selects it. A resolver assigned
    to the field, not a method, so that the field keeps its place in the schema."""
    return line_text(root.stored, lang=root.lang, weighted=root.weighted)


@strawberry.type(
    description="One line of a score: the KPI's raw value, the points it earned and why."
)
class ScoreLine(Node):
    # Set by the Score that holds the line (`Score.__post_init__`): the line at its
    # position on that score, so two lines of one KPI (INDIVIDUAL and TEAM) differ.
    id: strawberry.ID = strawberry.field(
        default=strawberry.ID(""),
        description="Global id of the line: its position on its score, so a KPI's "
        "INDIVIDUAL and TEAM lines are two objects.",
    )
    kpi: KpiSummary = strawberry.field(
        description="The KPI measured, as it was when the score was computed."
    )
    scope: ScopeEnum = strawberry.field(
        description="INDIVIDUAL (the person's own data) or TEAM (their team's)."
    )
    aggregation: Aggregation = strawberry.field(
        description="How the observations became the raw value."
    )
    aggregation_param: Decimal | None = strawberry.field(
        description="The x of SHARE_AT_LEAST/SHARE_AT_MOST or the p of PERCENTILE, 4 "
        "places; null for the other aggregations."
    )
    sample_size: int = strawberry.field(
        description="n: the observations (or counted MANAGER reviews) behind the raw value."
    )
    min_samples: int = strawberry.field(
        description="The n the line needs to be scored (SUM and COUNT lines are scored whatever n)."
    )
    raw_value: Decimal | None = strawberry.field(
        description="The aggregated value, 4 places, in the KPI's unit (a percentage for "
        "shares); null with no data."
    )
    method: Method = strawberry.field(description="How the raw value became points.")
    threshold: Decimal | None = strawberry.field(
        description="The raw value worth 0 points (LINEAR); null when the method does not use it."
    )
    target: Decimal | None = strawberry.field(
        description="The raw value worth 100 points (LINEAR, BINARY); null when the method "
        "does not use it."
    )
    stretch: Decimal | None = strawberry.field(
        description="The raw value worth 100 + the stretch bonus (LINEAR); null when the "
        "line has none."
    )
    bands: list[BandStep] = strawberry.field(
        description="The steps of a BANDS line, best bound first; empty for other methods."
    )
    normalized: Decimal | None = strawberry.field(
        description="p: the points the raw value earns, 0 to 100 + the policy's stretch "
        "bonus, 2 places; null for an INSUFFICIENT_DATA line (it earns nothing)."
    )
    weight: Decimal = strawberry.field(
        description="The line's weight on the scorecard, % (the lines add up to 100)."
    )
    effective_weight: Decimal | None = strawberry.field(
        description="The weight after scaling up for lines left out, %; null for a line "
        "with insufficient data and on a NO_DATA or not-eligible score."
    )
    contribution: Decimal | None = strawberry.field(
        description="Points the line adds to the total: effectiveWeight × normalized / 100,"
        " 2 places (shown rounded, summed exact); null when effectiveWeight is."
    )
    status: LineStatusEnum = strawberry.field(
        description="SCORED, or INSUFFICIENT_DATA when n is below minSamples (the line is "
        "then left out)."
    )
    evidence: bool = strawberry.field(
        description="Counts toward the score's evidence weight: the person's own data (SCORING §2)."
    )
    sources: list[SourceCount] = strawberry.field(
        description="How many of the line's counted observations came from each source and channel."
    )
    explanation: str = strawberry.field(
        resolver=_line_explanation,
        description="One sentence on how the line was scored, in the request's language "
        "(Accept-Language).",
    )
    what_it_would_take: WhatItWouldTake | None = strawberry.field(
        description="What would move the total to the next band through this line, or make "
        "the line count; null in the top band, for a line already at its most "
        "points, and where no step applies (e.g. not eligible)."
    )
    employee_pk: strawberry.Private[int]
    cycle_pk: strawberry.Private[int]
    # The stored line, whether the score weighs its lines and the request's language:
    # the sentence is rendered when asked for, like the score's.
    stored: strawberry.Private[StoredLine]
    weighted: strawberry.Private[bool]
    lang: strawberry.Private[str]

    @strawberry.field(
        description="The observations behind an individual line, in time "
        "order. A team line shows counts by source only, never colleagues' data.",
    )
    async def observations(
        self,
        info: Info,
        first: First = None,
        after: After = None,
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


E = TypeVar("E", bound=Enum)


def _member(enum: type[E], value: str) -> E:
    """`enum(value)` by the enum's own table of members by value: the call goes through
    EnumType.__call__ and Enum.__new__ (≈ 0.5 µs; eight a line, 3,000 lines on the team
    overview). A value that is not in the table gets the call, and its error."""
    member = enum._value2member_map_.get(value)
    return enum(value) if member is None else member  # type: ignore[return-value]


def _opt(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _kpi_summary(line: StoredLine) -> KpiSummary:
    kpi = line.kpi
    return KpiSummary(
        code=kpi.code,
        name=kpi.name,
        kind=_member(KpiKind, kpi.kind),
        unit=kpi.unit,
        direction=_member(Direction, kpi.direction),
    )


def _what_it_would_take(line: StoredLine, lang: str) -> WhatItWouldTake | None:
    wit = line.what_it_would_take
    if wit is None:
        return None
    return WhatItWouldTake(
        kind=_member(WhatItWouldTakeKind, wit.kind),
        band=wit.band,
        raw_value=_opt(wit.raw_value),
        max_points=_opt(wit.max_points),
        observations_needed=wit.observations_needed,
        line=line,
        lang=lang,
    )


# Each value field of a ScoreLine from its stored line (and the request's language): the
# one home of what a line's fields are, for the line built whole (`_line`) and for the
# line whose fields are built when read (`_StoredScoreLine`).
_LINE_FIELDS: dict[str, Callable[[StoredLine, str], Any]] = {
    "kpi": lambda line, _lang: _kpi_summary(line),
    "scope": lambda line, _lang: _member(ScopeEnum, line.setting.scope),
    "aggregation": lambda line, _lang: _member(Aggregation, line.setting.aggregation),
    "aggregation_param": lambda line, _lang: _opt(line.setting.aggregation_param),
    "sample_size": lambda line, _lang: line.n,
    "min_samples": lambda line, _lang: line.setting.min_samples,
    "raw_value": lambda line, _lang: _opt(line.raw_value),
    "method": lambda line, _lang: _member(Method, line.setting.method),
    "threshold": lambda line, _lang: _opt(line.setting.threshold),
    "target": lambda line, _lang: _opt(line.setting.target),
    "stretch": lambda line, _lang: _opt(line.setting.stretch),
    "bands": lambda line, _lang: [
        BandStep(bound=Decimal(b.bound), points=Decimal(b.points)) for b in line.setting.bands
    ],
    "normalized": lambda line, _lang: _opt(line.normalized),
    "weight": lambda line, _lang: Decimal(line.setting.weight),
    "effective_weight": lambda line, _lang: _opt(line.effective_weight),
    "contribution": lambda line, _lang: _opt(line.contribution),
    "status": lambda line, _lang: _member(LineStatusEnum, line.status),
    "evidence": lambda line, _lang: line.evidence,
    "sources": lambda line, _lang: [
        SourceCount(
            source=s.source,
            channel=None if s.channel is None else _member(ChannelEnum, s.channel),
            count=s.count,
        )
        for s in line.sources
    ],
    "what_it_would_take": _what_it_would_take,
}


def _line(
    line: StoredLine, weighted: bool, lang: str, employee_pk: int, cycle_pk: int
) -> ScoreLine:
    """The line with every field built: what `_StoredScoreLine` gives field by field
    (tests/unit/test_score_lines.py compares the two)."""
    return ScoreLine(
        **{name: build(line, lang) for name, build in _LINE_FIELDS.items()},
        employee_pk=employee_pk,
        cycle_pk=cycle_pk,
        stored=line,
        weighted=weighted,
        lang=lang,
    )


class _StoredScoreLine(ScoreLine):
    """A ScoreLine whose value fields are built from its stored line when read (a
    property per field of `_LINE_FIELDS`, set below), not with the line: "my score" reads
    5 of a line's 20 fields, and building all of them (their Decimals, enums, the KPI,
    bands, sources and what it would take) was ≈ 0.46 M instructions of its ≈ 5.9 M
    (docs/performance.md, "myscore2"). Not built by `__init__`: only the line's own
    values (`stored`, `lang`, ...) are set; its id is built when read too. It is a
    ScoreLine (Strawberry's `is_type_of` for the Node interface checks `isinstance`, and
    `__strawberry_definition__` is inherited: re-check both on a Strawberry upgrade; the
    schema sees ScoreLine's definition), and reading a field twice builds an equal
    value. A stored value the field cannot convert (an unknown enum value, a malformed
    number: not written by the engine) raises when that field is read, so its error is
    reported at the field, where the whole line built at once reported it at the
    score's `lines`."""

    def __init__(
        self,
        line: StoredLine,
        weighted: bool,
        lang: str,
        employee_pk: int,
        cycle_pk: int,
        score_pk: int,
        ordinal: int,
    ) -> None:
        # Plain attributes, as the dataclass' __init__ would set them (no property).
        self.employee_pk = employee_pk
        self.cycle_pk = cycle_pk
        self.stored = line
        self.weighted = weighted
        self.lang = lang
        # Its id (a property, set below) is built when read too.
        self._score_pk = score_pk
        self._ordinal = ordinal


def _lazy_field(build: Callable[[StoredLine, str], Any]) -> property:
    def read(line: _StoredScoreLine) -> Any:
        return build(line.stored, line.lang)

    return property(read)


for _name, _build in _LINE_FIELDS.items():
    setattr(_StoredScoreLine, _name, _lazy_field(_build))


def _line_id(line: _StoredScoreLine) -> strawberry.ID:
    return strawberry.ID(score_line_id(line._score_pk, line._ordinal))


# Set as the value fields are: mypy refuses a property over a dataclass field.
setattr(_StoredScoreLine, "id", property(_line_id))  # noqa: B010


class ScoreLines(Sequence[ScoreLine]):
    """A score's lines, each built from its stored line when read, and not kept.

    A `ScoreLine` and what it holds (its KPI, bands, sources, what it would take) are a
    dozen objects the garbage collector tracks. Built with the score, the lines of every
    score of a page live until the whole response is done: on the team overview (500
    scores, 3,000 lines) they were ≈ 36,000 long-lived objects per request, which made
    Python run full collections over the whole heap during the request (docs/
    performance.md, "fields"). Built when graphql-core reads them, each line is freed
    once its fields are done. A line is a value of its stored line, so building it
    again for a second read (an alias, `node(id:)`) gives the same line."""

    __slots__ = ("_cycle_pk", "_employee_pk", "_lang", "_score_pk", "_stored")

    def __init__(
        self, stored: StoredScore, lang: str, score_pk: int, employee_pk: int, cycle_pk: int
    ) -> None:
        self._stored = stored
        self._lang = lang
        self._score_pk = score_pk
        self._employee_pk = employee_pk
        self._cycle_pk = cycle_pk

    def __len__(self) -> int:
        return len(self._stored.lines)

    @overload
    def __getitem__(self, index: int) -> ScoreLine: ...

    @overload
    def __getitem__(self, index: slice) -> list[ScoreLine]: ...

    def __getitem__(self, index: int | slice) -> ScoreLine | list[ScoreLine]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        lines = self._stored.lines
        if index < 0:
            index += len(lines)
        return self._line(index, lines[index])

    def __iter__(self) -> Iterator[ScoreLine]:
        for ordinal, line in enumerate(self._stored.lines):
            yield self._line(ordinal, line)

    def _line(self, ordinal: int, line: StoredLine) -> ScoreLine:
        return _StoredScoreLine(
            line,
            self._stored.scored,
            self._lang,
            self._employee_pk,
            self._cycle_pk,
            self._score_pk,
            ordinal,
        )


@strawberry.type(
    description="A person's stored score in a cycle, line by line, with its explanation."
)
class Score(Node):
    state: ScoreState = strawberry.field(
        description="PROVISIONAL while the cycle is open, FINAL once it is finalised."
    )
    status: ScoreStatusEnum = strawberry.field(
        description="SCORED (with a total), NO_DATA or NOT_ELIGIBLE (without one: see "
        "statusReason)."
    )
    status_reason: StatusReasonEnum | None = strawberry.field(
        description="Why there is no total; null when SCORED."
    )
    not_eligible_reason: str | None = strawberry.field(
        description="The reason for a NOT_ELIGIBLE score only; null otherwise.",
        deprecation_reason=DEPRECATED_NOT_ELIGIBLE,
    )
    evidence_weight: Decimal | None = strawberry.field(
        description="Scorecard weight (before re-weighting) resting on the person's own "
        "data; null when not eligible (SCORING §2)."
    )
    needed_weight: Decimal | None = strawberry.field(
        description="The policy's minimum evidence weight the score was held against."
    )
    total: Decimal | None = strawberry.field(
        description="Points, 2 places, 0 to 100 + the policy's stretch bonus, adjustments "
        "included; null unless SCORED."
    )
    band: Band | None = strawberry.field(
        description="The band the total reaches; null unless SCORED."
    )
    next_band: NextBand | None = strawberry.field(
        description="The next band up and the points missing; null at the top band and "
        "unless SCORED."
    )
    adjustments_total: Decimal | None = strawberry.field(
        description="The net of the score's adjustments, in points (kept, but not applied, "
        "while NO_DATA); null when not eligible."
    )
    lines: Sequence[ScoreLine] = strawberry.field(
        description="The score's lines in scorecard order; empty when not eligible."
    )
    computed_at: datetime = strawberry.field(
        description="When the score was last computed, in UTC."
    )
    inputs_hash: str | None = strawberry.field(
        description="SHA-256 (hex) of the finalised snapshot of the score's inputs, to "
        "check a recompute against; null until FINAL."
    )
    pk: strawberry.Private[int]
    employee_pk: strawberry.Private[int]
    cycle_pk: strawberry.Private[int]
    # The sentence is rendered when asked for, in the request's language.
    stored: strawberry.Private[StoredScore]
    lang: strawberry.Private[str]

    @strawberry.field(
        description="The score in one sentence (total, band, what the next band needs, or "
        "why there is none), in the request's language (Accept-Language)."
    )
    @plain_resolver
    def explanation(self) -> str:
        return score_text(self.stored, lang=self.lang)

    @strawberry.field(
        description="The person scored (only people you may see; otherwise an error)."
    )
    async def employee(
        self, info: Info
    ) -> Annotated[Employee, strawberry.lazy("service.api.setup.people")]:
        from service.api.setup.people import person_seen

        row = await info.context.loaders.employee.load(self.employee_pk)
        person = await person_seen(info, row)
        if person is None:  # a score is shown only to those who may see its person
            raise ClientError("You may not see this person.", "FORBIDDEN")
        await person.preload_team_and_position(info)
        return person

    @strawberry.field(description="The cycle of the score.")
    async def cycle(
        self, info: Info
    ) -> Annotated[Cycle, strawberry.lazy("service.api.setup.cycles")]:
        from service.api.setup.cycles import Cycle

        row = await info.context.loaders.cycle.load(self.cycle_pk)
        assert row is not None
        return Cycle.from_row(row)

    @strawberry.field(description="The adjustments made to this score, oldest first.")
    async def adjustments(self, info: Info) -> list[Adjustment]:
        rows = await info.context.loaders.adjustments.load((self.cycle_pk, self.employee_pk))
        return [Adjustment.from_row(r) for r in rows]

    @strawberry.field(description="The appeals filed against this score, oldest first.")
    async def appeals(self, info: Info) -> list[Appeal]:
        rows = await info.context.loaders.appeals.load((self.cycle_pk, self.employee_pk))
        return [Appeal.from_row(r) for r in rows]

    @classmethod
    def from_row(cls, row: ScoreRow | ScoreRecord, lang: str) -> Score:
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
            lines=ScoreLines(stored, lang, row.id, row.employee_id, row.cycle_id),
            computed_at=row.computed_at,
            inputs_hash=row.inputs_hash,
            pk=row.id,
            employee_pk=row.employee_id,
            cycle_pk=row.cycle_id,
            stored=stored,
            lang=lang,
        )


ScoreConnection = Connection[Score]
