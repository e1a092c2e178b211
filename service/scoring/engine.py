"""From a scorecard's aggregates to a score (SCORING.md §§2, 4, 5, 6).

Pure and exact: the same lines, aggregates, adjustments and policy always give
the same :class:`ScoreResult`. Only the total is rounded, to 2 places, and the
band is read from that reported total, as people see it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from service.scoring.aggregate import ALWAYS_SCORED, RAW_VALUE_PLACES, raw_value, raw_value_range
from service.scoring.methods import (
    effective_line,
    least_raw_value_scoring,
    max_normalized,
    normalize,
)
from service.scoring.rounding import round_half_away
from service.scoring.types import (
    Aggregate,
    Aggregation,
    Direction,
    IncentiveBand,
    LineResult,
    LineStatus,
    NextBand,
    Policy,
    ScorecardLine,
    ScoreResult,
    ScoreStatus,
    WhatItWouldTake,
    WhatItWouldTakeKind,
)

TOTAL_PLACES = 2
# A total is reported as R (2 places, half away from zero) once it reaches
# R - 0.005: that is the exact total a band floor asks for.
_HALF_CENT = Fraction(1, 200)


# The name is part of the contract the use cases import, hence no "Error" suffix.
class AdjustmentOverCap(ValueError):
    """An adjustment would take the net of a score's adjustments past the cap."""


@dataclass(frozen=True, slots=True)
class _Scored:
    """The scored lines of one score, before anything is rounded."""

    lines: tuple[ScorecardLine, ...]
    raws: tuple[Fraction | None, ...]
    counted: tuple[bool, ...]
    weights: tuple[Fraction | None, ...]  # effective weights
    points: tuple[Fraction | None, ...]  # normalised p


def _counts(line: ScorecardLine, aggregate: Aggregate, raw: Fraction | None) -> bool:
    if raw is None:
        return False
    return line.kpi.aggregation in ALWAYS_SCORED or aggregate.n >= line.min_samples


def _effective_weights(
    lines: Sequence[ScorecardLine], counted: Sequence[bool]
) -> tuple[Fraction | None, ...]:
    # Left-out lines hand their weight to the scored ones in proportion (§2).
    scored_weight = sum(
        (line.weight for line, ok in zip(lines, counted, strict=True) if ok), Fraction(0)
    )
    if scored_weight <= 0:
        raise ValueError("the scored lines' weights must add up to more than 0")
    return tuple(
        line.weight * 100 / scored_weight if ok else None
        for line, ok in zip(lines, counted, strict=True)
    )


def _contribution(effective_weight: Fraction, points: Fraction) -> Fraction:
    return effective_weight * points / 100


def _clamp(total: Fraction, policy: Policy) -> Fraction:
    return min(max(total, Fraction(0)), 100 + policy.stretch_bonus)


def _unclamped_total(scored: _Scored, adjustments_total: Fraction) -> Fraction:
    contributions = (
        _contribution(weight, points)
        for weight, points in zip(scored.weights, scored.points, strict=True)
        if weight is not None and points is not None
    )
    return sum(contributions, Fraction(0)) + adjustments_total


def _bands_high_to_low(policy: Policy) -> list[IncentiveBand]:
    # Sorted rather than trusted, so a policy listed in another order still
    # bands from the top; sorted() is stable, so ties keep the policy's order.
    return sorted(policy.bands, key=lambda band: band.floor, reverse=True)


def band_for(reported_total: Decimal, policy: Policy) -> IncentiveBand:
    """The band of a reported total, checked from the top (§5)."""
    total = Fraction(reported_total)
    for band in _bands_high_to_low(policy):
        if total >= band.floor:
            return band
    raise ValueError(f"no band of the policy covers the total {reported_total}")


def _band_above(band: IncentiveBand, policy: Policy) -> IncentiveBand | None:
    above = [other for other in _bands_high_to_low(policy) if other.floor > band.floor]
    return above[-1] if above else None


def _next_band(band: IncentiveBand, reported_total: Decimal, policy: Policy) -> NextBand | None:
    upper = _band_above(band, policy)
    if upper is None:
        return None
    points_needed = round_half_away(upper.floor - Fraction(reported_total), TOTAL_PLACES)
    return NextBand(code=upper.code, points_needed=points_needed)


def check_adjustment(*, existing: Sequence[Fraction], amount: Fraction, cap: Fraction) -> None:
    """Refuse an adjustment that would take the net sum past ±cap (§4).

    Adjustments already made stand when the cap is lowered, so when the net sum
    is already past the cap, an adjustment that brings it closer to zero (without
    crossing it) is allowed: it does not take the net sum past the cap, it was
    there already.
    """
    if amount == 0:
        raise ValueError("an adjustment of 0 points changes nothing; give a non-zero amount")
    if cap < 0:
        raise ValueError(f"the adjustment cap must be 0 or more, got {cap}")
    before = sum(existing, Fraction(0))
    after = before + amount
    # Same side of zero as before, and nearer to it: a step back toward the cap.
    back_toward_cap = before != 0 and 0 <= after / before < 1
    if abs(after) > cap and not back_toward_cap:
        raise AdjustmentOverCap(
            f"the adjustments of this score would add up to {after} points, "
            f"past the cap of ±{cap} points"
        )


def _round_toward_better(value: Fraction, direction: Direction, places: int) -> Fraction:
    # A candidate raw value must still reach after rounding, so it is rounded
    # in the improving direction, never to the nearest.
    scale = 10**places
    if direction is Direction.HIGHER_IS_BETTER:
        return Fraction(math.ceil(value * scale), scale)
    return Fraction(math.floor(value * scale), scale)


def _within_range(line: ScorecardLine, value: Fraction) -> bool:
    low, high = raw_value_range(line.kpi)
    return (low is None or value >= low) and (high is None or value <= high)


def _attainable_max(line: ScorecardLine, policy: Policy) -> Fraction:
    """The most p the line can give with a raw value inside the KPI's valid range."""
    low, high = raw_value_range(line.kpi)
    best = high if line.kpi.direction is Direction.HIGHER_IS_BETTER else low
    if best is None:
        return max_normalized(line, stretch_bonus=policy.stretch_bonus)
    return normalize(line, best, stretch_bonus=policy.stretch_bonus)


def _reported_floor(floor: Fraction) -> Fraction:
    """The least reported total (a whole number of cents) that is >= ``floor``."""
    return Fraction(math.ceil(floor * 100), 100)


@dataclass(frozen=True, slots=True)
class _Goal:
    band: IncentiveBand
    adjustments_total: Fraction
    policy: Policy

    def reached_by(self, scored: _Scored) -> bool:
        total = _clamp(_unclamped_total(scored, self.adjustments_total), self.policy)
        return Fraction(round_half_away(total, TOTAL_PLACES)) >= self.band.floor


def _with_raw(scored: _Scored, index: int, raw: Fraction, policy: Policy) -> _Scored:
    points = normalize(scored.lines[index], raw, stretch_bonus=policy.stretch_bonus)
    return _Scored(
        lines=scored.lines,
        raws=(*scored.raws[:index], raw, *scored.raws[index + 1 :]),
        counted=scored.counted,
        weights=scored.weights,
        points=(*scored.points[:index], points, *scored.points[index + 1 :]),
    )


def _candidate_raw(line: ScorecardLine, points: Fraction, policy: Policy) -> Fraction:
    exact = least_raw_value_scoring(line, points, stretch_bonus=policy.stretch_bonus)
    places = 0 if line.kpi.aggregation is Aggregation.COUNT else RAW_VALUE_PLACES
    return _round_toward_better(exact, line.kpi.direction, places)


def _scored_line_wit(scored: _Scored, index: int, goal: _Goal) -> WhatItWouldTake | None:
    line = scored.lines[index]
    weight, points = scored.weights[index], scored.points[index]
    # Only scored lines get here, and they all have a weight and a p.
    assert weight is not None
    assert points is not None
    policy = goal.policy
    best = _attainable_max(line, policy)
    if points >= best:
        return None  # §6 speaks only of lines below their maximum
    cannot = WhatItWouldTake(
        kind=WhatItWouldTakeKind.CANNOT_REACH,
        band_code=goal.band.code,
        max_points=weight * (best - points) / 100,
    )
    needed_total = _reported_floor(goal.band.floor) - _HALF_CENT
    if needed_total > 100 + policy.stretch_bonus:
        return cannot
    others = _unclamped_total(scored, goal.adjustments_total) - _contribution(weight, points)
    needed_points = (needed_total - others) * 100 / weight
    if needed_points > best:
        return cannot
    candidate = _candidate_raw(line, needed_points, policy)
    # Re-scored with everything else equal: only a value that is seen to reach
    # the band is ever shown to a person.
    if not _within_range(line, candidate) or not goal.reached_by(
        _with_raw(scored, index, candidate, policy)
    ):
        return cannot
    return WhatItWouldTake(
        kind=WhatItWouldTakeKind.RAW_VALUE, band_code=goal.band.code, raw_value=candidate
    )


def _what_it_would_take(
    scored: _Scored, aggregates: Sequence[Aggregate], goal: _Goal
) -> tuple[WhatItWouldTake | None, ...]:
    result: list[WhatItWouldTake | None] = []
    for index, (line, aggregate) in enumerate(zip(scored.lines, aggregates, strict=True)):
        if scored.counted[index]:
            result.append(_scored_line_wit(scored, index, goal))
        else:
            result.append(
                WhatItWouldTake(
                    kind=WhatItWouldTakeKind.MORE_OBSERVATIONS,
                    band_code=goal.band.code,
                    observations_needed=max(1, line.min_samples - aggregate.n),
                )
            )
    return tuple(result)


def _line_results(
    scored: _Scored,
    aggregates: Sequence[Aggregate],
    wits: Sequence[WhatItWouldTake | None],
) -> tuple[LineResult, ...]:
    results = []
    for index, aggregate in enumerate(aggregates):
        weight, points = scored.weights[index], scored.points[index]
        results.append(
            LineResult(
                line=scored.lines[index],
                n=aggregate.n,
                meeting=aggregate.meeting,
                raw_value=scored.raws[index],
                status=LineStatus.SCORED if scored.counted[index] else LineStatus.INSUFFICIENT_DATA,
                normalized=points,
                effective_weight=weight,
                contribution=(
                    None if weight is None or points is None else _contribution(weight, points)
                ),
                what_it_would_take=wits[index],
            )
        )
    return tuple(results)


def _no_data(
    scored: _Scored, aggregates: Sequence[Aggregate], adjustments: Fraction
) -> ScoreResult:
    return ScoreResult(
        status=ScoreStatus.NO_DATA,
        lines=_line_results(scored, aggregates, [None] * len(aggregates)),
        adjustments_total=adjustments,
        total=None,
        reported_total=None,
        band=None,
        next_band=None,
    )


def _scored_lines(
    lines: Sequence[ScorecardLine], aggregates: Sequence[Aggregate], policy: Policy
) -> _Scored:
    effective = tuple(effective_line(line) for line in lines)
    raws = tuple(
        raw_value(line.kpi, aggregate)
        for line, aggregate in zip(effective, aggregates, strict=True)
    )
    counted = tuple(
        _counts(line, aggregate, raw)
        for line, aggregate, raw in zip(effective, aggregates, raws, strict=True)
    )
    weights = _effective_weights(effective, counted) if any(counted) else (None,) * len(lines)
    points = tuple(
        normalize(line, raw, stretch_bonus=policy.stretch_bonus) if ok and raw is not None else None
        for line, raw, ok in zip(effective, raws, counted, strict=True)
    )
    return _Scored(lines=effective, raws=raws, counted=counted, weights=weights, points=points)


def score(
    *,
    lines: Sequence[ScorecardLine],
    aggregates: Sequence[Aggregate],
    adjustments: Sequence[Fraction],
    policy: Policy,
) -> ScoreResult:
    """Score one employee on one scorecard; ``aggregates[i]`` belongs to ``lines[i]``.

    Each result line carries the line as scored (a qualitative line with its
    scale's threshold and target filled in), so the explanation shows them.
    """
    if len(lines) != len(aggregates):
        raise ValueError(f"{len(lines)} lines but {len(aggregates)} aggregates")
    scored = _scored_lines(lines, aggregates, policy)
    adjustments_total = sum(adjustments, Fraction(0))
    if not any(scored.counted):
        return _no_data(scored, aggregates, adjustments_total)
    total = _clamp(_unclamped_total(scored, adjustments_total), policy)
    reported_total = round_half_away(total, TOTAL_PLACES)
    band = band_for(reported_total, policy)
    upper = _band_above(band, policy)
    wits: Sequence[WhatItWouldTake | None] = [None] * len(lines)
    if upper is not None:
        goal = _Goal(band=upper, adjustments_total=adjustments_total, policy=policy)
        wits = _what_it_would_take(scored, aggregates, goal)
    return ScoreResult(
        status=ScoreStatus.SCORED,
        lines=_line_results(scored, aggregates, wits),
        adjustments_total=adjustments_total,
        total=total,
        reported_total=reported_total,
        band=band,
        next_band=_next_band(band, reported_total, policy),
    )
