"""From a scorecard's aggregates to a score (SCORING.md §§2, 4, 5, 6).

Pure and exact: the same lines, aggregates, adjustments and policy always give
the same :class:`ScoreResult`. Only the total is rounded, to 2 places, and the
band is read from that reported total, as people see it.

It runs for every employee of a cycle, so what does not depend on the employee
is read once (each line's plan, the effective weights of a set of scored lines,
the policy's bands in order) and the sums, comparisons and "what it would take"
are computed on integer numerators and denominators: the same exact numbers as
``Fraction`` arithmetic, without normalising every intermediate result.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from math import gcd

from service.scoring.aggregate import ALWAYS_SCORED, raw_value
from service.scoring.evidence import evidence_flags, is_about_person
from service.scoring.methods import LinePlan, least_raw_value_parts
from service.scoring.rounding import RAW_PLACES, decimal_of_units, rounded_units_of
from service.scoring.types import (
    Aggregate,
    Aggregation,
    IncentiveBand,
    LineResult,
    LineStatus,
    NextBand,
    Policy,
    ScorecardLine,
    ScoreResult,
    ScoreStatus,
    StatusReason,
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


def _counts(line: ScorecardLine, aggregate: Aggregate, raw: Fraction | None) -> bool:
    if raw is None:
        return False
    return line.kpi.aggregation in ALWAYS_SCORED or aggregate.n >= line.min_samples


def _compute_effective_weights(
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
    # effective_weight * points / 100, normalised once.
    return Fraction(
        effective_weight.numerator * points.numerator,
        effective_weight.denominator * points.denominator * 100,
    )


def _exact_sum(values: Sequence[Fraction]) -> Fraction:
    """The sum of ``values``, over a common denominator and normalised once."""
    num, den = 0, 1
    for value in values:
        vn, vd = value.numerator, value.denominator
        if vd == den:
            num += vn
        else:
            common = gcd(den, vd)
            num = num * (vd // common) + vn * (den // common)
            den = den // common * vd
    return Fraction(num, den)


def _bands_high_to_low(policy: Policy) -> list[IncentiveBand]:
    # Sorted rather than trusted, so a policy listed in another order still
    # bands from the top; sorted() is stable, so ties keep the policy's order.
    return sorted(policy.bands, key=lambda band: band.floor, reverse=True)


class PolicyPlan:
    """What scoring reads from a policy, worked out once: the bands from the top, the
    band above each, and the exact total each band's floor asks for."""

    __slots__ = ("above", "bands", "goals", "policy", "top")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.bands = _bands_high_to_low(policy)
        # The position in ``bands`` of the band above each band (None for the top one).
        self.above = tuple(_band_above_in(band, self.bands) for band in self.bands)
        self.top = 100 + policy.stretch_bonus
        # Per band: (numerator, denominator, out of reach) of the total it asks for.
        self.goals = tuple(self._goal(band) for band in self.bands)

    def _goal(self, band: IncentiveBand) -> tuple[int, int, bool]:
        needed_total = _reported_floor(band.floor) - _HALF_CENT
        return needed_total.numerator, needed_total.denominator, needed_total > self.top


def band_for(reported_total: Decimal, policy: Policy) -> IncentiveBand:
    """The band of a reported total, checked from the top (§5)."""
    total = Fraction(reported_total)
    for band in _bands_high_to_low(policy):
        if total >= band.floor:
            return band
    raise ValueError(f"no band of the policy covers the total {reported_total}")


def _band_of_units(units: int, reported_total: Decimal, plan: PolicyPlan) -> int:
    """The position in ``plan.bands`` of the band of a total of ``units`` cents."""
    for index, band in enumerate(plan.bands):
        floor = band.floor
        if units * floor.denominator >= floor.numerator * 100:
            return index
    raise ValueError(f"no band of the policy covers the total {reported_total}")


def _band_above_in(band: IncentiveBand, high_to_low: list[IncentiveBand]) -> int | None:
    above = [index for index, other in enumerate(high_to_low) if other.floor > band.floor]
    return above[-1] if above else None


def _next_band(upper: IncentiveBand | None, units: int) -> NextBand | None:
    if upper is None:
        return None
    # upper.floor - units / 100, rounded to 2 places.
    floor = upper.floor
    needed = rounded_units_of(
        floor.numerator * 100 - units * floor.denominator, floor.denominator * 100, TOTAL_PLACES
    )
    return NextBand(code=upper.code, points_needed=decimal_of_units(needed, TOTAL_PLACES))


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


def _reported_floor(floor: Fraction) -> Fraction:
    """The least reported total (a whole number of cents) that is >= ``floor``."""
    # ceil(floor * 100) / 100, on integers.
    return Fraction(-((-floor.numerator * 100) // floor.denominator), 100)


class _Scored:
    """The scored lines of one score, before anything is rounded."""

    __slots__ = ("card", "contributions", "counted", "lines", "points", "raws", "weights")

    def __init__(
        self,
        card: ScorecardPlan,
        raws: tuple[Fraction | None, ...],
        counted: tuple[bool, ...],
        weights: tuple[Fraction | None, ...],
        points: tuple[Fraction | None, ...],
    ) -> None:
        self.card = card
        self.lines = card.lines
        self.raws = raws
        self.counted = counted
        self.weights = weights  # effective weights
        self.points = points  # normalised p
        self.contributions = tuple(
            None if weight is None or p is None else _contribution(weight, p)
            for weight, p in zip(weights, points, strict=True)
        )


def _attainable_max(plan: LinePlan, bonus: Fraction) -> Fraction:
    """The most p the line can give with a raw value inside the KPI's valid range."""
    low, high = plan.raw_range
    best = high if plan.sign > 0 else low
    return plan.max_normalized(bonus) if best is None else plan.normalize(best, bonus)


class ScorecardPlan:
    """A scorecard read once under a policy: what scoring each of its employees shares.

    Built by the caller once per scorecard (a recompute builds one per position) and
    passed to :func:`score_with` for every employee; :func:`score` builds one per call.
    Each line's plan (its settings as integers), the most p each line can reach, the
    policy's bands from the top and the totals their floors ask for are worked out
    here, once. The effective weights of each set of scored lines are a function of
    that set alone, so they are kept per set as they are first asked for.
    """

    __slots__ = ("_best", "_weights", "line_plans", "lines", "policy", "policy_plan", "source")

    def __init__(self, lines: Sequence[ScorecardLine], policy: Policy) -> None:
        self.source = tuple(lines)
        self.line_plans = tuple(LinePlan(line) for line in self.source)
        # The lines as scored: a qualitative LINEAR line with its scale's t and g.
        self.lines = tuple(plan.line for plan in self.line_plans)
        self.policy = policy
        self.policy_plan = PolicyPlan(policy)
        self._best: list[Fraction | None] = [None] * len(self.lines)
        self._weights: dict[tuple[bool, ...], tuple[Fraction | None, ...]] = {}

    def best(self, index: int) -> Fraction:
        """The most p line ``index`` can give inside its KPI's valid range."""
        found = self._best[index]
        if found is None:
            plan = self.line_plans[index]
            found = self._best[index] = _attainable_max(plan, self.policy.stretch_bonus)
        return found

    def effective_weights(self, counted: tuple[bool, ...]) -> tuple[Fraction | None, ...]:
        """The effective weight of each line when ``counted`` says which are scored."""
        found = self._weights.get(counted)
        if found is None:
            found = self._weights[counted] = _compute_effective_weights(self.lines, counted)
        return found


class _Goal:
    """The next band up, and the unclamped total each line is held against."""

    __slots__ = ("band", "needed_den", "needed_num", "out_of_reach", "policy", "top", "ud", "un")

    def __init__(self, index: int, plan: PolicyPlan, unclamped: Fraction) -> None:
        self.band = plan.bands[index]
        self.policy = plan.policy
        self.top = plan.top
        self.needed_num, self.needed_den, self.out_of_reach = plan.goals[index]
        self.un, self.ud = unclamped.numerator, unclamped.denominator

    def reached_by(self, total_num: int, total_den: int) -> bool:
        """Whether the unclamped total ``total_num / total_den`` (> 0) reports at the floor."""
        top = self.top
        if total_num < 0:
            total_num, total_den = 0, 1
        elif total_num * top.denominator > top.numerator * total_den:
            total_num, total_den = top.numerator, top.denominator
        units = rounded_units_of(total_num, total_den, TOTAL_PLACES)
        floor = self.band.floor
        return units * floor.denominator >= floor.numerator * 100


def _candidate_raw(plan: LinePlan, pn: int, pd: int, policy: Policy) -> tuple[int, int]:
    """The raw value to show as (units, scale): the least that scores pn / pd, rounded
    in the improving direction (it must still reach after rounding, so never to the
    nearest), at 4 places or whole numbers for COUNT."""
    num, den = least_raw_value_parts(plan, pn, pd, policy.stretch_bonus)
    if den < 0:
        num, den = -num, -den
    scale = 1 if plan.line.kpi.aggregation is Aggregation.COUNT else 10**RAW_PLACES
    if plan.sign > 0:
        return -((-num * scale) // den), scale  # ceil
    return (num * scale) // den, scale  # floor


def _within_range(plan: LinePlan, units: int, scale: int) -> bool:
    low, high = plan.raw_range
    return (low is None or units * low.denominator >= low.numerator * scale) and (
        high is None or units * high.denominator <= high.numerator * scale
    )


def _divide_by(value: Fraction, weight: Fraction) -> WhatItWouldTake:
    # (needed_total - others) * 100 / weight with a weight of 0: the division
    # itself raises, with the message it always had.
    raise ZeroDivisionError(value * 100 / weight)


def _scored_line_wit(scored: _Scored, index: int, goal: _Goal) -> WhatItWouldTake | None:
    plan = scored.card.line_plans[index]
    weight, points = scored.weights[index], scored.points[index]
    contribution = scored.contributions[index]
    # Only scored lines get here, and they all have a weight, a p and a contribution.
    assert weight is not None
    assert points is not None
    assert contribution is not None
    policy = goal.policy
    best = scored.card.best(index)
    bn, bd = best.numerator, best.denominator
    pn, pd = points.numerator, points.denominator
    if pn * bd >= bn * pd:
        return None  # §6 speaks only of lines below their maximum

    def cannot() -> WhatItWouldTake:
        # weight * (best - points) / 100
        return WhatItWouldTake(
            kind=WhatItWouldTakeKind.CANNOT_REACH,
            band_code=goal.band.code,
            max_points=Fraction(
                weight.numerator * (bn * pd - pn * bd), weight.denominator * bd * pd * 100
            ),
        )

    if goal.out_of_reach:
        return cannot()
    # The other lines and the adjustments: the unclamped total less this line.
    cn, cd = contribution.numerator, contribution.denominator
    on, od = goal.un * cd - cn * goal.ud, goal.ud * cd
    # needed_points = (needed_total - others) * 100 / weight
    nn, nd = goal.needed_num, goal.needed_den
    wn, wd = weight.numerator, weight.denominator
    if wn == 0:
        # Division by a zero weight fails here just as it always did.
        return _divide_by(Fraction(nn, nd) - Fraction(on, od), weight)
    np_n, np_d = (nn * od - on * nd) * 100 * wd, nd * od * wn
    if np_d < 0:
        np_n, np_d = -np_n, -np_d
    if np_n * bd > bn * np_d:
        return cannot()
    units, scale = _candidate_raw(plan, np_n, np_d, policy)
    # Re-scored with everything else equal: only a value that is seen to reach
    # the band is ever shown to a person.
    if not _within_range(plan, units, scale):
        return cannot()
    candidate = Fraction(units, scale)
    new_points = plan.normalize(candidate, policy.stretch_bonus)
    # others + weight * new_points / 100
    qn, qd = wn * new_points.numerator, wd * new_points.denominator * 100
    if not goal.reached_by(on * qd + qn * od, od * qd):
        return cannot()
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
    evidence: _Evidence,
    *,
    weighted: bool = True,
) -> tuple[LineResult, ...]:
    scored_status, insufficient = LineStatus.SCORED, LineStatus.INSUFFICIENT_DATA
    return tuple(
        LineResult(
            line=line,
            n=aggregate.n,
            meeting=aggregate.meeting,
            raw_value=raw,
            status=scored_status if ok else insufficient,
            normalized=points,
            effective_weight=weight if weighted else None,
            contribution=contribution if weighted else None,
            what_it_would_take=wit,
            about_person=about,
            evidence=proof,
        )
        for line, aggregate, raw, ok, points, weight, contribution, wit, about, proof in (
            zip(
                scored.lines,
                aggregates,
                scored.raws,
                scored.counted,
                scored.points,
                scored.weights,
                scored.contributions,
                wits,
                evidence.about,
                evidence.lines,
                strict=True,
            )
        )
    )


class _Evidence:
    """Which lines are about the person and which of them are evidence (§2)."""

    __slots__ = ("about", "lines", "weight")

    def __init__(self, scored: _Scored, aggregates: Sequence[Aggregate], leads_team: bool) -> None:
        lines = scored.lines
        self.about = tuple(is_about_person(line, leads_team=leads_team) for line in lines)
        self.lines = evidence_flags(
            lines,
            about=self.about,
            scored=scored.counted,
            sample_sizes=[aggregate.n for aggregate in aggregates],
        )
        self.weight = sum(
            (line.weight for line, ok in zip(lines, self.lines, strict=True) if ok), Fraction(0)
        )


def _what_would_make_it_count(
    scored: _Scored, aggregates: Sequence[Aggregate], evidence: _Evidence
) -> tuple[WhatItWouldTake | None, ...]:
    """Per line about the person without evidence, what would make it evidence (§2, §6)."""
    found: list[WhatItWouldTake | None] = []
    for line, aggregate, about, is_evidence in zip(
        scored.lines, aggregates, evidence.about, evidence.lines, strict=True
    ):
        if not about or is_evidence:
            found.append(None)
        elif line.kpi.aggregation in ALWAYS_SCORED:
            found.append(WhatItWouldTake(kind=WhatItWouldTakeKind.OTHER_EVIDENCE, band_code=None))
        else:
            # Evidence needs n >= 1, and the line must count: n >= min_samples.
            needed = max(1, line.min_samples) - aggregate.n
            kind = (
                WhatItWouldTakeKind.MORE_MANAGER_REVIEWS
                if line.kpi.aggregation is Aggregation.REVIEW_MEAN
                else WhatItWouldTakeKind.MORE_OBSERVATIONS
            )
            found.append(WhatItWouldTake(kind=kind, band_code=None, observations_needed=needed))
    return tuple(found)


def _no_data(
    scored: _Scored,
    aggregates: Sequence[Aggregate],
    adjustments: Fraction,
    evidence: _Evidence,
    policy: Policy,
    reason: StatusReason,
) -> ScoreResult:
    """No total, band or multiplier; adjustments are kept but not applied (§4)."""
    # With no line scored, each line's sentence already says how many it lacks.
    wits = (
        [None] * len(aggregates)
        if reason is StatusReason.NO_SCORED_LINE
        else _what_would_make_it_count(scored, aggregates, evidence)
    )
    return ScoreResult(
        status=ScoreStatus.NO_DATA,
        # Under NOT_ENOUGH_EVIDENCE the lines keep n, raw value, status and p, but
        # nothing is weighted: no line contributes to a total that does not exist.
        lines=_line_results(scored, aggregates, wits, evidence, weighted=False),
        adjustments_total=adjustments,
        total=None,
        reported_total=None,
        band=None,
        next_band=None,
        status_reason=reason,
        evidence_weight=evidence.weight,
        needed_weight=policy.min_evidence_weight,
    )


def _scored_lines(card: ScorecardPlan, aggregates: Sequence[Aggregate]) -> _Scored:
    lines = card.lines
    raws = tuple(
        raw_value(line.kpi, aggregate) for line, aggregate in zip(lines, aggregates, strict=True)
    )
    counted = tuple(
        _counts(line, aggregate, raw)
        for line, aggregate, raw in zip(lines, aggregates, raws, strict=True)
    )
    weights = card.effective_weights(counted) if any(counted) else (None,) * len(lines)
    bonus = card.policy.stretch_bonus
    points = tuple(
        plan.normalize(raw, bonus) if ok and raw is not None else None
        for plan, raw, ok in zip(card.line_plans, raws, counted, strict=True)
    )
    return _Scored(card, raws, counted, weights, points)


def score(
    *,
    lines: Sequence[ScorecardLine],
    aggregates: Sequence[Aggregate],
    adjustments: Sequence[Fraction],
    policy: Policy,
    leads_team: bool,
) -> ScoreResult:
    """Score one employee on one scorecard; ``aggregates[i]`` belongs to ``lines[i]``.

    ``leads_team``: the employee is a lead of the team their TEAM lines measure, so
    those lines are their own results (§2); for anyone else they are never evidence.

    Each result line carries the line as scored (a qualitative line with its
    scale's threshold and target filled in), so the explanation shows them.
    To score many employees on one scorecard, build its :class:`ScorecardPlan` once
    and call :func:`score_with`: the result is the same.
    """
    return score_with(
        plan=ScorecardPlan(lines, policy),
        aggregates=aggregates,
        adjustments=adjustments,
        leads_team=leads_team,
    )


def score_with(
    *,
    plan: ScorecardPlan,
    aggregates: Sequence[Aggregate],
    adjustments: Sequence[Fraction],
    leads_team: bool,
) -> ScoreResult:
    """:func:`score` on a scorecard already read into ``plan``."""
    lines = plan.lines
    if len(lines) != len(aggregates):
        raise ValueError(f"{len(lines)} lines but {len(aggregates)} aggregates")
    policy = plan.policy
    scored = _scored_lines(plan, aggregates)
    adjustments_total = sum(adjustments, Fraction(0))
    evidence = _Evidence(scored, aggregates, leads_team)
    if not any(scored.counted):
        return _no_data(
            scored, aggregates, adjustments_total, evidence, policy, StatusReason.NO_SCORED_LINE
        )
    # "Below" is strict: evidence for exactly the minimum is enough; 0 turns it off.
    if evidence.weight < policy.min_evidence_weight:
        return _no_data(
            scored,
            aggregates,
            adjustments_total,
            evidence,
            policy,
            StatusReason.NOT_ENOUGH_EVIDENCE,
        )
    bands = plan.policy_plan
    unclamped = _exact_sum([*(c for c in scored.contributions if c is not None), adjustments_total])
    total = min(max(unclamped, Fraction(0)), bands.top)
    units = rounded_units_of(total.numerator, total.denominator, TOTAL_PLACES)
    reported_total = decimal_of_units(units, TOTAL_PLACES)
    index = _band_of_units(units, reported_total, bands)
    band = bands.bands[index]
    upper = bands.above[index]
    wits: Sequence[WhatItWouldTake | None] = [None] * len(lines)
    if upper is not None:
        wits = _what_it_would_take(scored, aggregates, _Goal(upper, bands, unclamped))
    return ScoreResult(
        status=ScoreStatus.SCORED,
        lines=_line_results(scored, aggregates, wits, evidence),
        adjustments_total=adjustments_total,
        total=total,
        reported_total=reported_total,
        band=band,
        next_band=_next_band(None if upper is None else bands.bands[upper], units),
        evidence_weight=evidence.weight,
        needed_weight=policy.min_evidence_weight,
    )
