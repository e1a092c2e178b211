"""Shadow scorecards: live and shadow scores side by side (SCORING.md §13).

Pure and exact. The shadow side of a person is the engine's ``score`` on the shadow
scorecard with the same aggregates, policy and live adjustments (summed as made, not
re-capped; the total is clamped by the engine, §4). This module turns both sides into
the report: per person the change, the band shift matrix, the mean change over those
scored both ways, and the bonus budget (sum of multipliers) live and shadow.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from service.scoring.engine import score
from service.scoring.rounding import round_half_away
from service.scoring.types import (
    Aggregate,
    Policy,
    ScorecardLine,
    ScoreResult,
    ScoreStatus,
)

TOTAL_PLACES = 2
# The statuses that have no band, in the order the matrix lists them after the bands.
UNBANDED = (ScoreStatus.NO_DATA.value, ScoreStatus.NOT_ELIGIBLE.value)


@dataclass(frozen=True, slots=True)
class Side:
    """One side (live or shadow) of one person: status, exact total, band, multiplier."""

    status: ScoreStatus
    reason: str | None = None  # NO_DATA's or NOT_ELIGIBLE's reason; None when SCORED
    total: Fraction | None = None  # exact, clamped
    band: str | None = None
    multiplier: Fraction | None = None

    @property
    def reported_total(self) -> Decimal | None:
        return None if self.total is None else round_half_away(self.total, TOTAL_PLACES)

    @property
    def bucket(self) -> str:
        """Where the person stands in the shift matrix: their band, or their status."""
        if self.status is ScoreStatus.SCORED and self.band is not None:
            return self.band
        return self.status.value

    @property
    def scored(self) -> bool:
        return self.status is ScoreStatus.SCORED and self.total is not None


def side_of_result(result: ScoreResult) -> Side:
    if result.status is not ScoreStatus.SCORED or result.band is None:
        reason = None if result.status_reason is None else result.status_reason.value
        return Side(ScoreStatus.NO_DATA, reason)
    return Side(
        ScoreStatus.SCORED,
        None,
        result.total,
        result.band.code,
        result.band.multiplier,
    )


def not_eligible(reason: str) -> Side:
    return Side(ScoreStatus.NOT_ELIGIBLE, reason)


def shadow_side(
    *,
    lines: Sequence[ScorecardLine],
    aggregates: Sequence[Aggregate],
    adjustments: Sequence[Fraction],
    policy: Policy,
    leads_team: bool,
) -> Side:
    """The shadow side of an eligible person: the engine on the shadow lines, with the
    live adjustments as made (a NO_DATA shadow keeps them unapplied, as §4 says)."""
    return side_of_result(
        score(
            lines=lines,
            aggregates=aggregates,
            adjustments=adjustments,
            policy=policy,
            leads_team=leads_team,
        )
    )


@dataclass(frozen=True, slots=True)
class ShadowRow:
    employee_id: int
    live: Side
    shadow: Side

    @property
    def change(self) -> Fraction | None:
        """Shadow exact total minus live exact total, for a person scored both ways."""
        if self.live.total is None or self.shadow.total is None:
            return None
        if not (self.live.scored and self.shadow.scored):
            return None
        return self.shadow.total - self.live.total

    @property
    def moves(self) -> bool:
        """The person would change band or status under the shadow rules."""
        return self.live.bucket != self.shadow.bucket


@dataclass(frozen=True, slots=True)
class ShiftCell:
    live: str  # a band code, NO_DATA or NOT_ELIGIBLE
    shadow: str
    count: int


@dataclass(frozen=True, slots=True)
class ShadowSummary:
    rows: tuple[ShadowRow, ...]
    categories: tuple[str, ...]  # the matrix's rows and columns, best band first
    shift_matrix: tuple[ShiftCell, ...]  # every (live, shadow) pair of categories
    mean_change: Fraction | None  # over those scored both ways; None when nobody is
    live_multiplier_sum: Fraction
    shadow_multiplier_sum: Fraction

    def count(self, live: str, shadow: str) -> int:
        for cell in self.shift_matrix:
            if cell.live == live and cell.shadow == shadow:
                return cell.count
        return 0


def categories_of(policy: Policy, rows: Sequence[ShadowRow] = ()) -> tuple[str, ...]:
    """The policy's bands from the top, then any band a stored score still names that
    the policy no longer has, then NO_DATA and NOT_ELIGIBLE."""
    bands = [b.code for b in sorted(policy.bands, key=lambda b: b.floor, reverse=True)]
    extra = sorted(
        {side.bucket for row in rows for side in (row.live, row.shadow)}
        - set(bands)
        - set(UNBANDED)
    )
    return (*bands, *extra, *UNBANDED)


def summarise_shadow(rows: Sequence[ShadowRow], policy: Policy) -> ShadowSummary:
    categories = categories_of(policy, rows)
    counts = Counter((row.live.bucket, row.shadow.bucket) for row in rows)
    matrix = tuple(
        ShiftCell(live, shadow, counts.get((live, shadow), 0))
        for live in categories
        for shadow in categories
    )
    changes = [c for c in (row.change for row in rows) if c is not None]
    mean = sum(changes, Fraction(0)) / len(changes) if changes else None
    return ShadowSummary(
        rows=tuple(rows),
        categories=categories,
        shift_matrix=matrix,
        mean_change=mean,
        live_multiplier_sum=_multipliers(row.live for row in rows),
        shadow_multiplier_sum=_multipliers(row.shadow for row in rows),
    )


def _multipliers(sides: Iterable[Side]) -> Fraction:
    """The bonus budget in units of one person's base bonus: scored people only."""
    return sum((s.multiplier for s in sides if s.scored and s.multiplier is not None), Fraction(0))
