"""Properties of the engine over random scorecards (Hypothesis, the "ci" profile)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from service.scoring import (
    Aggregate,
    Aggregation,
    BandStep,
    Direction,
    Kpi,
    KpiKind,
    LineStatus,
    Method,
    Policy,
    Scope,
    ScorecardLine,
    ScoreResult,
    ScoreStatus,
    StatusReason,
    WhatItWouldTakeKind,
    aggregate_values,
    band_for,
    explanation_data,
    least_raw_value_scoring,
    line_sentence,
    max_normalized,
    normalize,
    raw_value_range,
    round_half_away,
    score,
    score_sentence,
)

from .builders import aggregate_giving

UNIT = Fraction(1, 10_000)


def decimals(low: int, high: int, places: int = 4) -> st.SearchStrategy[Fraction]:
    scale = 10**places
    return st.integers(low * scale, high * scale).map(lambda units: Fraction(units, scale))


@dataclass(frozen=True)
class KpiCase:
    """A KPI with the domain its observations and its raw value live in."""

    kpi: Kpi
    observations: st.SearchStrategy[Fraction]
    raw_low: int
    raw_high: int

    @property
    def whole_raw(self) -> bool:
        return self.kpi.aggregation is Aggregation.COUNT

    def raw_values(self) -> st.SearchStrategy[Fraction]:
        return decimals(self.raw_low, self.raw_high, 0 if self.whole_raw else 4)


@st.composite
def kpi_cases(draw: st.DrawFn, code: str) -> KpiCase:
    if draw(st.booleans()):
        kpi = Kpi(
            code, code, KpiKind.QUALITATIVE, "", Direction.HIGHER_IS_BETTER, Aggregation.REVIEW_MEAN
        )
        return KpiCase(kpi, decimals(1, 5, 0), 1, 5)
    direction = draw(st.sampled_from(Direction))
    aggregation = draw(
        st.sampled_from([a for a in Aggregation if a is not Aggregation.REVIEW_MEAN])
    )
    param = None
    if aggregation in (Aggregation.SHARE_AT_LEAST, Aggregation.SHARE_AT_MOST):
        param = draw(decimals(0, 10, 1))
    elif aggregation is Aggregation.PERCENTILE:
        param = draw(decimals(0, 100, 1).filter(lambda p: p > 0))
    kpi = Kpi(
        code,
        code,
        KpiKind.QUANTITATIVE,
        "",
        direction,
        aggregation,
        param,
        range_min=Fraction(0),
        range_max=Fraction(200),
    )
    raw_low, raw_high = {
        Aggregation.SHARE_AT_LEAST: (0, 100),
        Aggregation.SHARE_AT_MOST: (0, 100),
        Aggregation.COUNT: (0, 12),
        Aggregation.SUM: (0, 1200),
    }.get(aggregation, (0, 200))
    return KpiCase(kpi, decimals(0, 200 if param is None else 10), raw_low, raw_high)


def in_direction(direction: Direction, best_last: list[Fraction]) -> list[Fraction]:
    """``best_last`` sorted ascending, reordered worst first for the KPI's direction."""
    ordered = sorted(best_last)
    return ordered if direction is Direction.HIGHER_IS_BETTER else ordered[::-1]


@st.composite
def lines_for(
    draw: st.DrawFn, case: KpiCase, bonus: Fraction, weight: Fraction = Fraction(100)
) -> ScorecardLine:
    kpi = case.kpi
    method = draw(st.sampled_from(Method))
    min_samples = draw(st.integers(1, 3))
    base = ScorecardLine(kpi, Scope.INDIVIDUAL, weight, method, min_samples=min_samples)
    if method is Method.BANDS:
        count = draw(st.integers(1, 4))
        bounds = draw(st.lists(case.raw_values(), min_size=count, max_size=count, unique=True))
        best_first = in_direction(kpi.direction, bounds)[::-1]
        points = sorted(
            draw(st.lists(decimals(0, int(100 + bonus), 2), min_size=count, max_size=count)),
            reverse=True,
        )
        steps = tuple(BandStep(b, p) for b, p in zip(best_first, points, strict=True))
        return ScorecardLine(
            kpi, Scope.INDIVIDUAL, weight, method, bands=steps, min_samples=min_samples
        )
    if method is Method.BINARY:
        return ScorecardLine(
            kpi,
            Scope.INDIVIDUAL,
            weight,
            method,
            target=draw(case.raw_values()),
            min_samples=min_samples,
        )
    if kpi.kind is KpiKind.QUALITATIVE and draw(st.booleans()):
        return base  # threshold and target from the scale
    values = draw(st.lists(case.raw_values(), min_size=3, max_size=3, unique=True))
    threshold, target, stretch = in_direction(kpi.direction, values)
    return ScorecardLine(
        kpi,
        Scope.INDIVIDUAL,
        weight,
        method,
        threshold=threshold,
        target=target,
        stretch=stretch if draw(st.booleans()) else None,
        min_samples=min_samples,
    )


@dataclass(frozen=True)
class Case:
    cases: tuple[KpiCase, ...]
    lines: tuple[ScorecardLine, ...]
    aggregates: tuple[Aggregate, ...]
    adjustments: tuple[Fraction, ...]
    policy: Policy

    def score(self) -> ScoreResult:
        return score(
            lines=self.lines,
            aggregates=self.aggregates,
            adjustments=self.adjustments,
            policy=self.policy,
            leads_team=False,
        )

    def score_with_raw(self, index: int, raw: Fraction) -> ScoreResult:
        """Scored again with line ``index`` at ``raw``, everything else equal."""
        line = self.lines[index]
        aggregate = aggregate_giving(line.kpi, raw, n=max(1, line.min_samples))
        aggregates = (*self.aggregates[:index], aggregate, *self.aggregates[index + 1 :])
        return score(
            lines=self.lines,
            aggregates=aggregates,
            adjustments=self.adjustments,
            policy=self.policy,
            leads_team=False,
        )


bonuses = st.sampled_from([Fraction(0), Fraction(10), Fraction(20), Fraction("25.5")])


@st.composite
def scorecards(draw: st.DrawFn, adjustment_size: int = 10) -> Case:
    bonus = draw(bonuses)
    count = draw(st.integers(1, 4))
    raw_weights = draw(st.lists(st.integers(1, 50), min_size=count, max_size=count))
    weights = [Fraction(w * 100, sum(raw_weights)) for w in raw_weights]
    cases = tuple(draw(kpi_cases(f"kpi{i}")) for i in range(count))
    lines = tuple(draw(lines_for(c, bonus, w)) for c, w in zip(cases, weights, strict=True))
    aggregates = tuple(
        aggregate_values(c.kpi, draw(st.lists(c.observations, max_size=6))) for c in cases
    )
    adjustments = tuple(draw(st.lists(decimals(-adjustment_size, adjustment_size, 2), max_size=2)))
    # Half the cases with the evidence rule off, so the other properties see totals.
    evidence = draw(st.sampled_from([Fraction(0), Fraction(50)]))
    policy = Policy(stretch_bonus=bonus, min_evidence_weight=evidence)
    return Case(cases, lines, aggregates, adjustments, policy)


def reported(result: ScoreResult) -> Fraction:
    assert result.reported_total is not None
    return Fraction(result.reported_total)


def floor_of(result: ScoreResult) -> Fraction:
    assert result.next_band is not None
    return next(b.floor for b in Policy().bands if b.code == result.next_band.code)


def one_unit_worse(line: ScorecardLine, raw: Fraction) -> Fraction:
    unit = 1 if line.kpi.aggregation is Aggregation.COUNT else UNIT
    return raw - unit if line.kpi.direction is Direction.HIGHER_IS_BETTER else raw + unit


def within_range(line: ScorecardLine, raw: Fraction) -> bool:
    low, high = raw_value_range(line.kpi)
    return (low is None or raw >= low) and (high is None or raw <= high)


def best_attainable(line: ScorecardLine, bonus: Fraction) -> Fraction:
    low, high = raw_value_range(line.kpi)
    best = high if line.kpi.direction is Direction.HIGHER_IS_BETTER else low
    if best is not None:
        return best
    needed = least_raw_value_scoring(
        line, max_normalized(line, stretch_bonus=bonus), stretch_bonus=bonus
    )
    return Fraction(math.ceil(needed))


# --- totals, weights, determinism ---------------------------------------------------


@given(case=scorecards(adjustment_size=40))
def test_total_stays_within_0_and_100_plus_stretch_bonus(case: Case) -> None:
    result = case.score()
    if result.status is ScoreStatus.NO_DATA:
        assert result.total is None
        assert result.band is None
        if result.status_reason is StatusReason.NO_SCORED_LINE:
            assert all(line.status is LineStatus.INSUFFICIENT_DATA for line in result.lines)
        else:
            assert result.status_reason is StatusReason.NOT_ENOUGH_EVIDENCE
            assert result.evidence_weight < case.policy.min_evidence_weight
        return
    assert result.total is not None
    assert 0 <= result.total <= 100 + case.policy.stretch_bonus
    assert result.reported_total == round_half_away(result.total, 2)
    assert result.band == band_for(result.reported_total, case.policy)


@given(case=scorecards())
def test_effective_weights_of_scored_lines_add_up_to_exactly_100(case: Case) -> None:
    result = case.score()
    scored_weights = [line.effective_weight for line in result.lines if line.effective_weight]
    if result.status is ScoreStatus.SCORED:
        assert sum(scored_weights) == 100
        assert len(scored_weights) == sum(line.status is LineStatus.SCORED for line in result.lines)
    else:
        assert scored_weights == []


@given(case=scorecards())
def test_same_inputs_give_the_same_output(case: Case) -> None:
    first, again = case.score(), case.score()
    assert first == again
    assert explanation_data(first) == explanation_data(again)
    for lang in ("en", "zh-CN"):
        assert score_sentence(first, lang=lang) == score_sentence(again, lang=lang)
        assert [line_sentence(line, lang=lang) for line in first.lines] == [
            line_sentence(line, lang=lang) for line in again.lines
        ]


@given(case=scorecards())
def test_next_band_points_are_the_floor_less_the_reported_total(case: Case) -> None:
    result = case.score()
    if result.next_band is None:
        return
    assert Fraction(result.next_band.points_needed) == floor_of(result) - reported(result)
    assert result.next_band.points_needed > 0


# --- monotonicity -----------------------------------------------------------------------


@st.composite
def line_and_two_raw_values(draw: st.DrawFn) -> tuple[ScorecardLine, Fraction, Fraction, Fraction]:
    bonus = draw(bonuses)
    case = draw(kpi_cases("kpi"))
    line = draw(lines_for(case, bonus))
    first, second = draw(case.raw_values()), draw(case.raw_values())
    return line, first, second, bonus


@given(drawn=line_and_two_raw_values())
def test_a_better_raw_value_never_lowers_the_normalized_score(
    drawn: tuple[ScorecardLine, Fraction, Fraction, Fraction],
) -> None:
    line, first, second, bonus = drawn
    worse, better = sorted([first, second])
    if line.kpi.direction is Direction.LOWER_IS_BETTER:
        worse, better = better, worse
    p_worse = normalize(line, worse, stretch_bonus=bonus)
    p_better = normalize(line, better, stretch_bonus=bonus)
    assert p_better >= p_worse
    assert 0 <= p_worse <= max_normalized(line, stretch_bonus=bonus)
    assert p_better <= max_normalized(line, stretch_bonus=bonus)


# --- what it would take -----------------------------------------------------------------


def raw_value_wits(result: ScoreResult) -> list[tuple[int, Fraction]]:
    found = []
    for index, line in enumerate(result.lines):
        wit = line.what_it_would_take
        if wit is not None and wit.kind is WhatItWouldTakeKind.RAW_VALUE:
            assert wit.raw_value is not None
            found.append((index, wit.raw_value))
    return found


@given(case=scorecards())
def test_what_it_would_take_raw_value_rescored_really_reaches_the_next_band(case: Case) -> None:
    result = case.score()
    for index, raw in raw_value_wits(result):
        line = case.lines[index]
        assert within_range(line, raw)
        if line.kpi.aggregation is Aggregation.COUNT:
            assert raw.denominator == 1
        again = case.score_with_raw(index, raw)
        assert again.lines[index].raw_value == raw
        assert reported(again) >= floor_of(result)


@given(case=scorecards())
def test_what_it_would_take_raw_value_is_the_nearest_that_reaches(case: Case) -> None:
    result = case.score()
    for index, raw in raw_value_wits(result):
        line = case.lines[index]
        worse = one_unit_worse(line, raw)
        if within_range(line, worse):
            assert reported(case.score_with_raw(index, worse)) < floor_of(result)


@given(case=scorecards())
def test_a_line_said_unable_to_reach_does_not_reach_at_its_best(case: Case) -> None:
    result = case.score()
    for index, line_result in enumerate(result.lines):
        wit = line_result.what_it_would_take
        if wit is None or wit.kind is not WhatItWouldTakeKind.CANNOT_REACH:
            continue
        line = case.lines[index]
        best = best_attainable(line, case.policy.stretch_bonus)
        again = case.score_with_raw(index, best)
        assert reported(again) < floor_of(result)
        # ...and the points it says it can still add are exactly what its best adds.
        assert wit.max_points is not None
        gained = (again.lines[index].contribution or 0) - (line_result.contribution or 0)
        assert wit.max_points == gained


@given(case=scorecards())
def test_what_it_would_take_covers_every_line_below_the_top_band(case: Case) -> None:
    result = case.score()
    if result.status is ScoreStatus.NO_DATA:
        return  # what would make its lines count: tests/unit/test_evidence.py
    for line in result.lines:
        wit = line.what_it_would_take
        if result.next_band is None:
            assert wit is None
        elif line.status is LineStatus.INSUFFICIENT_DATA:
            assert wit is not None
            assert wit.kind is WhatItWouldTakeKind.MORE_OBSERVATIONS
            assert wit.observations_needed == line.line.min_samples - line.n
        elif wit is not None:
            assert wit.band_code == result.next_band.code
