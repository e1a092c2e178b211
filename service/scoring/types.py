"""Value types of the pure scoring engine (SCORING.md).

Everything here is immutable and exact: numbers are ``Fraction`` (or ``int``),
never ``float``. The database layer builds these from stored rows and SQL
aggregates; the engine never performs I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction


class KpiKind(StrEnum):
    QUANTITATIVE = "QUANTITATIVE"
    QUALITATIVE = "QUALITATIVE"


class Direction(StrEnum):
    HIGHER_IS_BETTER = "HIGHER_IS_BETTER"
    LOWER_IS_BETTER = "LOWER_IS_BETTER"


class Aggregation(StrEnum):
    MEAN = "MEAN"
    SUM = "SUM"
    COUNT = "COUNT"
    SHARE_AT_LEAST = "SHARE_AT_LEAST"
    SHARE_AT_MOST = "SHARE_AT_MOST"
    PERCENTILE = "PERCENTILE"
    REVIEW_MEAN = "REVIEW_MEAN"


class Scope(StrEnum):
    INDIVIDUAL = "INDIVIDUAL"
    TEAM = "TEAM"


class Method(StrEnum):
    LINEAR = "LINEAR"
    BANDS = "BANDS"
    BINARY = "BINARY"


class LineStatus(StrEnum):
    SCORED = "SCORED"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class ScoreStatus(StrEnum):
    SCORED = "SCORED"
    NO_DATA = "NO_DATA"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"


class StatusReason(StrEnum):
    """Why a score has no total (SCORING.md §2, §5); None when it is SCORED."""

    NO_SCORED_LINE = "NO_SCORED_LINE"  # no line had enough data (checked first)
    NOT_ENOUGH_EVIDENCE = "NOT_ENOUGH_EVIDENCE"  # too little of the weight is the person's own
    NOT_IN_SCOPE = "NOT_IN_SCOPE"
    NO_SCORECARD = "NO_SCORECARD"
    EMPLOYED_TOO_FEW_DAYS = "EMPLOYED_TOO_FEW_DAYS"


class Channel(StrEnum):
    ONLINE_SURVEY = "ONLINE_SURVEY"
    PHONE_CALLBACK = "PHONE_CALLBACK"
    FACE_TO_FACE = "FACE_TO_FACE"


CUSTOMER_SATISFACTION_TAG = "customer_satisfaction"


@dataclass(frozen=True, slots=True)
class Kpi:
    code: str
    name: str
    kind: KpiKind
    unit: str
    direction: Direction
    aggregation: Aggregation
    # x of SHARE_AT_LEAST / SHARE_AT_MOST, p of PERCENTILE; None otherwise.
    aggregation_param: Fraction | None = None
    # Valid value range (inclusive); the rating scale of a qualitative KPI.
    range_min: Fraction | None = None
    range_max: Fraction | None = None
    tags: frozenset[str] = frozenset()
    # The Chinese name and unit, for Chinese sentences; empty means the English ones.
    name_zh: str = ""
    unit_zh: str = ""


@dataclass(frozen=True, slots=True)
class BandStep:
    """One (bound, points) pair of the BANDS method, listed best bound first."""

    bound: Fraction
    points: Fraction


@dataclass(frozen=True, slots=True)
class ScorecardLine:
    kpi: Kpi
    scope: Scope
    weight: Fraction
    method: Method
    threshold: Fraction | None = None
    target: Fraction | None = None
    stretch: Fraction | None = None
    bands: tuple[BandStep, ...] = ()
    min_samples: int = 1


@dataclass(frozen=True, slots=True)
class IncentiveBand:
    code: str
    floor: Fraction
    multiplier: Fraction


def default_incentive_bands() -> tuple[IncentiveBand, ...]:
    return (
        IncentiveBand("S", Fraction(95), Fraction("1.5")),
        IncentiveBand("A", Fraction(85), Fraction("1.2")),
        IncentiveBand("B", Fraction(70), Fraction("1.0")),
        IncentiveBand("C", Fraction(60), Fraction("0.8")),
        IncentiveBand("D", Fraction(0), Fraction("0.5")),
    )


@dataclass(frozen=True, slots=True)
class Policy:
    # Highest floor first; the last band's floor is the bottom (0).
    bands: tuple[IncentiveBand, ...] = field(default_factory=default_incentive_bands)
    stretch_bonus: Fraction = Fraction(20)
    adjustment_cap: Fraction = Fraction(10)
    quantitative_target: Fraction = Fraction(70)  # % of weight on quantitative lines
    quantitative_tolerance: Fraction = Fraction(10)  # points either side
    csat_share_min: Fraction = Fraction(40)
    csat_share_max: Fraction = Fraction(50)
    single_line_max: Fraction = Fraction(60)
    min_employed_share: Fraction = Fraction(50)  # % of the cycle's days
    # % of the scorecard weight that must rest on the person's own data (§2). 50 is
    # a new organisation's default; a policy stored before the rule reads as 0 (off):
    # see service.usecases.policy.LEGACY_MIN_EVIDENCE_WEIGHT.
    min_evidence_weight: Fraction = Fraction(50)
    csat_kpi_code: str | None = None
    timezone: str = "UTC"
    # Calibration (§12): a reviewer is flagged when their gap differs from the
    # organisation's by more than this many points (and clear of chance).
    leniency_threshold: Fraction = Fraction(10)
    # Optional target share (%) per band code; bands it does not name count as 0 %.
    band_guide: tuple[tuple[str, Fraction], ...] | None = None
    band_guide_tolerance: Fraction = Fraction(10)  # points either side
    # Goals (§11): AT_RISK when elapsed time runs ahead of progress by more than this.
    goal_risk_margin: Fraction = Fraction(25)
    # People side, read by no scoring rule: the expected days between two check-ins,
    # and whether colleagues of the same team may give feedback notes.
    check_in_interval_days: int = 14
    colleague_feedback_notes: bool = False
    # Recognition: at most this many from one giver to one receiver in any rolling 7 days.
    recognitions_per_colleague_per_week: int = 3


@dataclass(frozen=True, slots=True)
class Aggregate:
    """What SQL computed for one line of one score.

    ``n`` counts the observations (or, for REVIEW_MEAN, the current MANAGER
    ratings); ``value_sum`` is their exact sum; ``meeting`` counts those meeting
    the SHARE_* bound; ``value_at_rank`` is the value at the nearest rank for
    PERCENTILE (None when n = 0).
    """

    n: int
    value_sum: Fraction = Fraction(0)
    meeting: int = 0
    value_at_rank: Fraction | None = None


class WhatItWouldTakeKind(StrEnum):
    RAW_VALUE = "RAW_VALUE"  # reach `raw_value` and the next band is reached
    CANNOT_REACH = "CANNOT_REACH"  # at most `max_points` more from this line
    MORE_OBSERVATIONS = "MORE_OBSERVATIONS"  # `observations_needed` more to count
    # Under NOT_ENOUGH_EVIDENCE (§2, §6), for a line about the person without evidence:
    MORE_MANAGER_REVIEWS = "MORE_MANAGER_REVIEWS"  # `observations_needed` manager reviews
    OTHER_EVIDENCE = "OTHER_EVIDENCE"  # a SUM/COUNT line: counts once another line has data


@dataclass(frozen=True, slots=True)
class WhatItWouldTake:
    kind: WhatItWouldTakeKind
    band_code: str | None  # None for what would make a line evidence (no band yet)
    raw_value: Fraction | None = None
    max_points: Fraction | None = None
    observations_needed: int | None = None


@dataclass(frozen=True, slots=True)
class LineResult:
    line: ScorecardLine
    n: int
    meeting: int
    raw_value: Fraction | None  # rounded to 4 places (exact Fraction of that)
    status: LineStatus
    normalized: Fraction | None  # p, exact
    effective_weight: Fraction | None  # exact
    contribution: Fraction | None  # exact
    what_it_would_take: WhatItWouldTake | None
    # INDIVIDUAL, or TEAM for a lead of the team it measures (§2).
    about_person: bool = False
    # Counted toward the evidence weight (§2).
    evidence: bool = False


@dataclass(frozen=True, slots=True)
class NextBand:
    code: str
    points_needed: Decimal  # next floor - reported total, 2 places


@dataclass(frozen=True, slots=True)
class ScoreResult:
    status: ScoreStatus  # SCORED or NO_DATA (eligibility is decided before)
    lines: tuple[LineResult, ...]
    adjustments_total: Fraction
    total: Fraction | None  # exact, clamped; None for NO_DATA
    reported_total: Decimal | None  # 2 places, half away from zero
    band: IncentiveBand | None
    next_band: NextBand | None
    # NO_SCORED_LINE or NOT_ENOUGH_EVIDENCE when NO_DATA; None when SCORED.
    status_reason: StatusReason | None = None
    # Scorecard weight (before re-weighting) of the evidence lines, and the
    # policy's min_evidence_weight it was held against (§2).
    evidence_weight: Fraction = Fraction(0)
    needed_weight: Fraction = Fraction(0)


@dataclass(frozen=True, slots=True)
class Eligibility:
    eligible: bool
    employed_days: int
    cycle_days: int
    # Machine-readable reason when not eligible: "EMPLOYED_TOO_FEW_DAYS",
    # "NOT_IN_SCOPE", "NO_SCORECARD".
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ScorecardIssue:
    """An error or warning found when a scorecard is checked (SCORING.md §8)."""

    code: str  # e.g. "WEIGHTS_NOT_100", "QUANT_SHARE_OFF_TARGET"
    field: str  # e.g. "lines[2].target", "lines", "lines[0].weight"
    message: str  # English sentence saying what is wrong and what to do
    line_index: int | None = None
    # The message before its values were filled in, for a translation to start from.
    template: str = ""
    values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class EmploymentPeriod:
    hired_on: date
    left_on: date | None
