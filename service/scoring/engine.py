"""From a scorecard's aggregates to a score (SCORING.md §§2, 4, 5, 6).

Pure and exact: the same lines, aggregates, adjustments and policy always give
the same :class:`ScoreResult`. Only the total is rounded, to 2 places, and the
band is read from that reported total, as people see it.

It runs for every employee of a cycle, so what does not depend on the employee
is read once (each line's plan, the effective weights and the evidence of a set of
scored lines, the policy's bands in order), what depends only on a line's raw value
(its p, what it contributes, what more it could give) is worked out once per value
met, and the sums, comparisons and "what it would take" are computed on integer
numerators and denominators: the same exact numbers as ``Fraction`` arithmetic,
without normalising every intermediate result.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from math import gcd
from typing import TypeVar

from service.scoring.aggregate import ALWAYS_SCORED, RAW_SCALE, raw_value_units
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
_ZERO = Fraction(0)


# The name is part of the contract the use cases import, hence no "Error" suffix.
class AdjustmentOverCap(ValueError):
    """An adjustment would take the net of a score's adjustments past the cap."""


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


# What a plan keeps per line stops growing here: a plan serves a whole cycle, and a
# line whose raw values are mostly distinct (a mean of many observations) would grow
# it with every person for little gain; the common ones are met first.
_KEPT_PER_LINE = 4096


K = TypeVar("K")
V = TypeVar("V")


def _kept(memo: dict[K, V], key: K, value: V) -> V:
    """``value``, kept under ``key`` while ``memo`` holds fewer than _KEPT_PER_LINE."""
    if len(memo) < _KEPT_PER_LINE:
        memo[key] = value
    return value


class _LineValues:
    """One line's raw values and their p, each worked out once per raw value.

    A raw value is rounded to 4 places before it is scored (§1), so the people of a
    cycle share few raw values per line (a share of 100 ratings takes at most 101
    values): each value's ``Fraction`` and p are kept, keyed by the value in units of
    10**-4, for as long as the caller keeps the scorecard's plan.
    """

    __slots__ = (
        "_below_best",
        "_best",
        "_points",
        "_raws",
        "_to_count",
        "always_scored",
        "bonus",
        "kpi",
        "min_samples",
        "plan",
    )

    def __init__(self, plan: LinePlan, bonus: Fraction) -> None:
        self.plan = plan
        self.kpi = plan.line.kpi
        self.min_samples = plan.line.min_samples
        self.always_scored = plan.line.kpi.aggregation in ALWAYS_SCORED
        self.bonus = bonus
        self._raws: dict[int, Fraction] = {}
        self._points: dict[int, Fraction] = {}
        self._best: Fraction | None = None
        self._below_best: dict[int, bool] = {}
        self._to_count: dict[int, WhatItWouldTake] = {}

    def raw(self, units: int) -> Fraction:
        """The raw value of ``units`` (10**-4 each)."""
        found = self._raws.get(units)
        if found is None:
            found = _kept(self._raws, units, Fraction(units, RAW_SCALE))
        return found

    def points(self, units: int) -> Fraction:
        """p of the raw value of ``units`` (10**-4 each)."""
        found = self._points.get(units)
        if found is None:
            found = _kept(self._points, units, self.plan.normalize(self.raw(units), self.bonus))
        return found

    def best(self) -> Fraction:
        """The most p the line can give inside its KPI's valid range (asked for only of
        scored lines: a line's settings are checked when it is scored)."""
        if self._best is None:
            self._best = _attainable_max(self.plan, self.bonus)
        return self._best

    def to_count(self, n: int) -> WhatItWouldTake:
        """What would make the line evidence at ``n`` (asked of a line about the person
        that is not evidence: a function of the line and n alone)."""
        found = self._to_count.get(n)
        if found is None:
            found = _kept(self._to_count, n, _what_would_make_line_count(self.plan.line, n))
        return found

    def below_best(self, units: int) -> bool:
        """Whether the raw value of ``units`` scores less than :meth:`best`."""
        found = self._below_best.get(units)
        if found is None:
            points, best = self.points(units), self.best()
            below = points.numerator * best.denominator < best.numerator * points.denominator
            found = _kept(self._below_best, units, below)
        return found


class _WeightSet:
    """The effective weights of one set of scored lines, and per line what p
    contributes to the total and, short of a band, what more the line could give (§6),
    each worked out once per raw value (p is a function of the raw value: see
    :class:`_LineValues`)."""

    __slots__ = ("_cannot", "_contributions", "weights")

    def __init__(self, weights: tuple[Fraction | None, ...]) -> None:
        self.weights = weights
        self._contributions: tuple[dict[int, Fraction], ...] = tuple({} for _ in weights)
        self._cannot: tuple[dict[tuple[int, str], WhatItWouldTake], ...] = tuple(
            {} for _ in weights
        )

    def _weight(self, index: int) -> Fraction:
        weight = self.weights[index]
        # Only scored lines are asked for, and they all have a weight.
        assert weight is not None
        return weight

    def contribution(self, index: int, units: int, points: Fraction) -> Fraction:
        """What line ``index`` adds to the total with a p of ``points`` (from ``units``)."""
        memo = self._contributions[index]
        found = memo.get(units)
        if found is None:
            found = _kept(memo, units, _contribution(self._weight(index), points))
        return found

    def cannot_reach(
        self, index: int, units: int, points: Fraction, best: Fraction, band_code: str
    ) -> WhatItWouldTake:
        """Line ``index``, with a p of ``points`` (from ``units``), cannot lift the total
        to band ``band_code`` alone: the most it can add, ``max_points``, is
        weight * (best - points) / 100."""
        memo = self._cannot[index]
        key = (units, band_code)
        found = memo.get(key)
        if found is None:
            weight = self._weight(index)
            bn, bd, pn, pd = best.numerator, best.denominator, points.numerator, points.denominator
            found = _kept(
                memo,
                key,
                WhatItWouldTake(
                    kind=WhatItWouldTakeKind.CANNOT_REACH,
                    band_code=band_code,
                    max_points=Fraction(
                        weight.numerator * (bn * pd - pn * bd), weight.denominator * bd * pd * 100
                    ),
                ),
            )
        return found


class _Scored:
    """The scored lines of one score, before anything is rounded."""

    __slots__ = (
        "card",
        "contributions",
        "counted",
        "lines",
        "points",
        "raws",
        "units",
        "weight_set",
        "weights",
    )

    def __init__(
        self,
        card: ScorecardPlan,
        units: tuple[int | None, ...],
        raws: tuple[Fraction | None, ...],
        counted: tuple[bool, ...],
        weight_set: _WeightSet | None,
    ) -> None:
        self.card = card
        self.lines = card.lines
        self.units = units  # the raw values in units of 10**-4
        self.raws = raws
        self.counted = counted
        self.weight_set = weight_set
        points: list[Fraction | None] = []
        contributions: list[Fraction | None] = []
        if weight_set is None:
            self.weights: tuple[Fraction | None, ...] = (None,) * len(units)
            points = contributions = [None] * len(units)
        else:
            self.weights = weight_set.weights  # effective weights
            for index, (values, units_of_raw, ok) in enumerate(
                zip(card.values, units, counted, strict=True)
            ):
                if ok and units_of_raw is not None:
                    p = values.points(units_of_raw)
                    points.append(p)
                    contributions.append(weight_set.contribution(index, units_of_raw, p))
                else:
                    points.append(None)
                    contributions.append(None)
        self.points = tuple(points)  # normalised p
        self.contributions = tuple(contributions)


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

    __slots__ = (
        "_evidence",
        "_weights",
        "line_plans",
        "lines",
        "policy",
        "policy_plan",
        "source",
        "values",
    )

    def __init__(self, lines: Sequence[ScorecardLine], policy: Policy) -> None:
        self.source = tuple(lines)
        self.line_plans = tuple(LinePlan(line) for line in self.source)
        # The lines as scored: a qualitative LINEAR line with its scale's t and g.
        self.lines = tuple(plan.line for plan in self.line_plans)
        self.policy = policy
        self.policy_plan = PolicyPlan(policy)
        self.values = tuple(_LineValues(plan, policy.stretch_bonus) for plan in self.line_plans)
        self._weights: dict[tuple[bool, ...], _WeightSet] = {}
        self._evidence: dict[tuple[bool, tuple[bool, ...], tuple[bool, ...]], _Evidence] = {}

    def __reduce__(self) -> tuple[type[ScorecardPlan], tuple[tuple[ScorecardLine, ...], Policy]]:
        # A plan pickles as what it is read from (a recompute hands its plans to the
        # scoring pool's workers): what it keeps per raw value is rebuilt where it is
        # used, never shipped.
        return (ScorecardPlan, (self.source, self.policy))

    def effective_weights(self, counted: tuple[bool, ...]) -> tuple[Fraction | None, ...]:
        """The effective weight of each line when ``counted`` says which are scored."""
        return self.weight_set(counted).weights

    def weight_set(self, counted: tuple[bool, ...]) -> _WeightSet:
        """The effective weights when ``counted`` says which lines are scored, with
        what each line contributes per raw value."""
        found = self._weights.get(counted)
        if found is None:
            found = self._weights[counted] = _WeightSet(
                _compute_effective_weights(self.lines, counted)
            )
        return found

    def evidence(
        self, leads_team: bool, counted: tuple[bool, ...], seen: tuple[bool, ...]
    ) -> _Evidence:
        """Which lines are about the person and which are evidence (§2): a function of
        whether the person leads the team, which lines are scored and which have n >= 1."""
        key = (leads_team, counted, seen)
        found = self._evidence.get(key)
        if found is None:
            found = self._evidence[key] = _Evidence(
                self.lines, leads_team, counted, seen, self.policy.min_evidence_weight
            )
        return found


class _Goal:
    """The next band up, and the unclamped total each line is held against."""

    __slots__ = (
        "band",
        "gap_den",
        "gap_num",
        "needed_den",
        "needed_num",
        "out_of_reach",
        "policy",
        "top",
        "ud",
        "un",
    )

    def __init__(self, index: int, plan: PolicyPlan, unclamped: Fraction) -> None:
        self.band = plan.bands[index]
        self.policy = plan.policy
        self.top = plan.top
        self.needed_num, self.needed_den, self.out_of_reach = plan.goals[index]
        self.un, self.ud = unclamped.numerator, unclamped.denominator
        # What the total lacks: needed_total - unclamped (denominator > 0).
        self.gap_num = self.needed_num * self.ud - self.un * self.needed_den
        self.gap_den = self.needed_den * self.ud

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
    values = scored.card.values[index]
    weight, points = scored.weights[index], scored.points[index]
    contribution, units_of_raw = scored.contributions[index], scored.units[index]
    weight_set = scored.weight_set
    # Only scored lines get here, and they all have a weight, a raw value, a p and a
    # contribution.
    assert weight is not None
    assert points is not None
    assert contribution is not None
    assert units_of_raw is not None
    assert weight_set is not None
    if not values.below_best(units_of_raw):
        return None  # §6 speaks only of lines below their maximum
    best = values.best()
    cannot = weight_set.cannot_reach(index, units_of_raw, points, best, goal.band.code)
    # The most this line can add to the total.
    headroom = cannot.max_points
    assert headroom is not None
    if goal.out_of_reach:
        return cannot
    wn, wd = weight.numerator, weight.denominator
    # With a positive weight, "the points needed exceed the best" (below) is the same
    # as "the total lacks more than this line can add": one comparison, no division.
    if wn > 0 and goal.gap_num * headroom.denominator > headroom.numerator * goal.gap_den:
        return cannot
    plan, policy = values.plan, goal.policy
    bn, bd = best.numerator, best.denominator
    # The other lines and the adjustments: the unclamped total less this line.
    cn, cd = contribution.numerator, contribution.denominator
    on, od = goal.un * cd - cn * goal.ud, goal.ud * cd
    # needed_points = (needed_total - others) * 100 / weight
    nn, nd = goal.needed_num, goal.needed_den
    if wn == 0:
        # Division by a zero weight fails here just as it always did.
        return _divide_by(Fraction(nn, nd) - Fraction(on, od), weight)
    np_n, np_d = (nn * od - on * nd) * 100 * wd, nd * od * wn
    if np_d < 0:
        np_n, np_d = -np_n, -np_d
    if np_n * bd > bn * np_d:
        return cannot
    units, scale = _candidate_raw(plan, np_n, np_d, policy)
    # Re-scored with everything else equal: only a value that is seen to reach
    # the band is ever shown to a person.
    if not _within_range(plan, units, scale):
        return cannot
    candidate_units = units * (RAW_SCALE // scale)
    candidate = values.raw(candidate_units)
    new_points = values.points(candidate_units)
    # others + weight * new_points / 100
    qn, qd = wn * new_points.numerator, wd * new_points.denominator * 100
    if not goal.reached_by(on * qd + qn * od, od * qd):
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

    __slots__ = ("about", "lines", "too_little", "weight")

    def __init__(
        self,
        lines: Sequence[ScorecardLine],
        leads_team: bool,
        counted: tuple[bool, ...],
        seen: tuple[bool, ...],
        needed: Fraction,
    ) -> None:
        self.about = tuple(is_about_person(line, leads_team=leads_team) for line in lines)
        self.lines = evidence_flags(
            lines,
            about=self.about,
            scored=counted,
            # The rule asks only whether n >= 1: sample sizes capped at 1 (True is 1).
            sample_sizes=seen,
        )
        self.weight = sum(
            (line.weight for line, ok in zip(lines, self.lines, strict=True) if ok), Fraction(0)
        )
        # "Below" is strict: evidence for exactly the minimum is enough; 0 turns it off.
        self.too_little = self.weight < needed


def _what_would_make_it_count(
    scored: _Scored, aggregates: Sequence[Aggregate], evidence: _Evidence
) -> tuple[WhatItWouldTake | None, ...]:
    """Per line about the person without evidence, what would make it evidence (§2, §6)."""
    return tuple(
        None if not about or is_evidence else values.to_count(aggregate.n)
        for values, aggregate, about, is_evidence in zip(
            scored.card.values, aggregates, evidence.about, evidence.lines, strict=True
        )
    )


def _what_would_make_line_count(line: ScorecardLine, n: int) -> WhatItWouldTake:
    """What would make ``line``, about the person and not evidence at ``n``, evidence."""
    if line.kpi.aggregation in ALWAYS_SCORED:
        return WhatItWouldTake(kind=WhatItWouldTakeKind.OTHER_EVIDENCE, band_code=None)
    # Evidence needs n >= 1, and the line must count: n >= min_samples.
    needed = max(1, line.min_samples) - n
    kind = (
        WhatItWouldTakeKind.MORE_MANAGER_REVIEWS
        if line.kpi.aggregation is Aggregation.REVIEW_MEAN
        else WhatItWouldTakeKind.MORE_OBSERVATIONS
    )
    return WhatItWouldTake(kind=kind, band_code=None, observations_needed=needed)


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


def _clamped(unclamped: Fraction, top: Fraction) -> Fraction:
    """The total: ``unclamped`` held within 0..top (§4), compared on integers."""
    if unclamped.numerator < 0:
        return _ZERO
    if unclamped.numerator * top.denominator > top.numerator * unclamped.denominator:
        return top
    return unclamped


def _scored_lines(
    card: ScorecardPlan, aggregates: Sequence[Aggregate]
) -> tuple[_Scored, tuple[bool, ...]]:
    """The scored lines, and per line whether it has any observation (n >= 1)."""
    units: list[int | None] = []
    raws: list[Fraction | None] = []
    counted: list[bool] = []
    seen: list[bool] = []
    for values, aggregate in zip(card.values, aggregates, strict=True):
        units_of_raw = raw_value_units(values.kpi, aggregate)
        n = aggregate.n
        units.append(units_of_raw)
        seen.append(n >= 1)
        if units_of_raw is None:
            raws.append(None)
            counted.append(False)
        else:
            raws.append(values.raw(units_of_raw))
            # Not enough data (§2): SUM and COUNT always count, the rest from min_samples.
            counted.append(values.always_scored or n >= values.min_samples)
    scored = tuple(counted)
    weight_set = card.weight_set(scored) if any(scored) else None
    return _Scored(card, tuple(units), tuple(raws), scored, weight_set), tuple(seen)


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
    scored, seen = _scored_lines(plan, aggregates)
    adjustments_total = sum(adjustments, _ZERO)
    evidence = plan.evidence(leads_team, scored.counted, seen)
    if not any(scored.counted):
        return _no_data(
            scored, aggregates, adjustments_total, evidence, policy, StatusReason.NO_SCORED_LINE
        )
    if evidence.too_little:
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
    total = _clamped(unclamped, bands.top)
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
