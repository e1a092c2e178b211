"""The engine's integer fast paths give the very numbers of plain Fraction arithmetic.

Rounding, p, its inverse and the sums are computed on numerators and denominators,
and what does not depend on the employee is read once per scorecard, into a plan the
caller keeps. These tests hold each fast path to the textbook formula of SCORING.md,
and check that a reused plan scores as a fresh one.
"""

from __future__ import annotations

import math
import pickle
import re
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import service.scoring as scoring
from service.scoring import (
    Aggregate,
    Direction,
    IncentiveBand,
    LineStatus,
    Method,
    Policy,
    ScorecardLine,
    WhatItWouldTakeKind,
    aggregate_values,
    band_for,
    effective_line,
    engine,
    format_compact,
    format_fixed,
    least_raw_value_scoring,
    max_normalized,
    methods,
    normalize,
    raw_value_range,
    score,
    stored,
)
from service.scoring.engine import ScorecardPlan, score_with
from service.scoring.methods import least_raw_value_parts, line_plan
from service.scoring.stored import line_setting, stored_score_of

from .builders import F, linear, mean_of, qualitative_kpi, quantitative_kpi
from .test_properties import Case, bonuses, kpi_cases, lines_for, scorecards

FULL = Fraction(100)


# --- rounding and formatting ------------------------------------------------------------


@given(
    value=st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=10**7),
    places=st.integers(0, 8),
)
def test_format_fixed_is_decimal_half_up_written_in_fixed_notation(
    value: Fraction, places: int
) -> None:
    # 100 digits cannot land across a half: a fraction with a denominator up to
    # 10**7 is either exactly on it or at least 1 / (2 * 10**15) away at 8 places.
    with localcontext() as context:
        context.prec = 100
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        expected = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if expected == 0:
        expected = abs(expected)  # never "-0.00"
    assert format_fixed(value, places) == f"{expected:f}"


@given(value=st.fractions(min_value=-1000, max_value=1000, max_denominator=10**5))
def test_format_compact_uses_the_fewest_places_that_are_exact(value: Fraction) -> None:
    text = format_compact(value)
    places = len(text.partition(".")[2])
    if Fraction(Decimal(text)) == value:
        # No fewer places would have been exact.
        assert places == 0 or value * 10 ** (places - 1) != math.floor(value * 10 ** (places - 1))
    else:
        assert places == 4


# --- p and its inverse --------------------------------------------------------------------


def textbook_normalize(line: ScorecardLine, raw: Fraction, bonus: Fraction) -> Fraction:
    """SCORING.md §3 as written, in Fraction arithmetic."""
    line = effective_line(line)

    def oriented(value: Fraction) -> Fraction:
        return value if line.kpi.direction is Direction.HIGHER_IS_BETTER else -value

    if line.method is Method.BANDS:
        for step in line.bands:
            if oriented(raw) >= oriented(step.bound):
                return step.points
        return Fraction(0)
    assert line.target is not None
    if line.method is Method.BINARY:
        return FULL if oriented(raw) >= oriented(line.target) else Fraction(0)
    assert line.threshold is not None
    threshold, target, stretch = line.threshold, line.target, line.stretch
    if oriented(raw) <= oriented(threshold):
        return Fraction(0)
    if stretch is not None and oriented(raw) >= oriented(stretch):
        return FULL + bonus
    if oriented(raw) >= oriented(target):
        if stretch is None:
            return FULL
        return FULL + bonus * (raw - target) / (stretch - target)
    return FULL * (raw - threshold) / (target - threshold)


@st.composite
def line_and_raw_values(draw: st.DrawFn) -> tuple[ScorecardLine, list[Fraction], Fraction]:
    bonus = draw(bonuses)
    case = draw(kpi_cases("kpi"))
    line = draw(lines_for(case, bonus))
    raws = draw(st.lists(case.raw_values(), min_size=1, max_size=6))
    return line, raws, bonus


@given(drawn=line_and_raw_values())
def test_normalize_is_the_textbook_formula(
    drawn: tuple[ScorecardLine, list[Fraction], Fraction],
) -> None:
    line, raws, bonus = drawn
    for raw in raws:
        p = normalize(line, raw, stretch_bonus=bonus)
        assert type(p) is Fraction
        assert p == textbook_normalize(line, raw, bonus)


@given(
    drawn=line_and_raw_values(),
    points=st.fractions(min_value=0, max_value=130, max_denominator=10**4),
)
def test_the_integer_inverse_is_least_raw_value_scoring(
    drawn: tuple[ScorecardLine, list[Fraction], Fraction], points: Fraction
) -> None:
    line, _raws, bonus = drawn
    if not 0 < points <= max_normalized(line, stretch_bonus=bonus):
        return
    num, den = least_raw_value_parts(line_plan(line), points.numerator, points.denominator, bonus)
    assert Fraction(num, den) == least_raw_value_scoring(line, points, stretch_bonus=bonus)


# --- what is read once is read per scorecard, by the caller ------------------------------


def test_a_scorecard_plan_reused_for_many_employees_scores_as_a_fresh_one() -> None:
    kpi = quantitative_kpi("task_completion")
    lines = (
        linear(kpi, weight=25, threshold=0, target=100),
        linear(kpi, weight=75, threshold=40, target=100, stretch=120),
    )
    plan = ScorecardPlan(lines, Policy())
    for aggregates in (
        [mean_of(60), mean_of(90)],
        [mean_of(60), Aggregate(0)],
        [Aggregate(0), mean_of(90)],
        [mean_of(60), mean_of(90)],
    ):
        fresh = score(
            lines=lines, aggregates=aggregates, adjustments=[], policy=Policy(), leads_team=True
        )
        reused = score_with(plan=plan, aggregates=aggregates, adjustments=[], leads_team=True)
        assert reused == fresh


def test_effective_weights_belong_to_their_own_plan() -> None:
    kpi = quantitative_kpi("task_completion")
    lines = (linear(kpi, weight=25, threshold=0, target=100), linear(kpi, weight=75, target=100))
    others = (linear(kpi, weight=50, threshold=0, target=100), linear(kpi, weight=50, target=100))
    first, second = ScorecardPlan(lines, Policy()), ScorecardPlan(others, Policy())
    assert first.effective_weights((True, True)) == (F(25), F(75))
    assert second.effective_weights((True, True)) == (F(50), F(50))
    assert first.effective_weights((False, True)) == (None, F(100))


def test_settings_built_once_per_scorecard_store_as_those_built_per_score() -> None:
    first = linear(quantitative_kpi("a", name="First"), threshold=0, target=100, weight=40)
    second = linear(quantitative_kpi("b", name="Second"), threshold=0, target=100, weight=60)
    plan = ScorecardPlan((first, second), Policy())
    settings = [line_setting(line, plan.policy) for line in plan.lines]
    result = score_with(
        plan=plan, aggregates=[mean_of(50), mean_of(70)], adjustments=[], leads_team=False
    )
    assert stored_score_of(result, settings=settings) == stored_score_of(result)
    assert [line.kpi.name for line in stored_score_of(result, settings=settings).lines] == [
        "First",
        "Second",
    ]


def test_the_engine_keeps_nothing_between_calls_keyed_by_object_identity() -> None:
    # A cache keyed by id() serves a new object that reuses a dead one's id the old
    # object's reading; what is read once is the caller's plan instead.
    package = Path(scoring.__file__).parent
    for source in sorted(package.glob("*.py")):
        assert not re.search(r"\bid\(", source.read_text()), source.name
    for module in (engine, methods, stored):
        mutable = [
            name
            for name, value in vars(module).items()
            if isinstance(value, dict | list | set) and not name.startswith("__")
        ]
        assert mutable == [], module.__name__


def test_each_policy_bands_from_its_own_floors() -> None:
    line = linear(quantitative_kpi("task_completion"), threshold=0, target=100)
    low = Policy(bands=(IncentiveBand("PASS", F(50), F(1)), IncentiveBand("FAIL", F(0), F(0))))
    high = Policy(bands=(IncentiveBand("PASS", F(90), F(1)), IncentiveBand("FAIL", F(0), F(0))))
    for policy, band in ((low, "PASS"), (high, "FAIL"), (low, "PASS")):
        result = score(
            lines=[line], aggregates=[mean_of(60)], adjustments=[], policy=policy, leads_team=False
        )
        assert result.band is not None
        assert result.band.code == band
        assert band_for(Decimal("60.00"), policy).code == band


def test_a_qualitative_line_is_read_once_with_its_scale() -> None:
    line = linear(qualitative_kpi(range_min=F(0), range_max=F(10)), weight=100)
    plan = ScorecardPlan([line], Policy())
    first = score_with(plan=plan, aggregates=[mean_of(5)], adjustments=[], leads_team=False)
    again = score_with(
        plan=plan, aggregates=[Aggregate(n=1, value_sum=F(8))], adjustments=[], leads_team=False
    )
    assert first.lines[0].line is again.lines[0].line is plan.lines[0]
    assert (first.lines[0].line.threshold, first.lines[0].line.target) == (F(0), F(10))
    assert first.lines[0].normalized == 50
    assert again.lines[0].normalized == 80


# --- what a plan keeps per raw value, per set of scored lines ----------------------------


@given(case=scorecards(), data=st.data())
def test_a_plan_reused_for_people_who_share_raw_values_scores_each_as_a_fresh_one(
    case: Case, data: st.DataObject
) -> None:
    # A plan keeps each line's raw values, p, contributions, CANNOT_REACH and the
    # evidence of each set of lines as first asked for: people drawn from a few
    # values each (so they share them), in any order, each scored as if alone.
    people = [case.aggregates] + [
        tuple(
            aggregate_values(c.kpi, data.draw(st.lists(c.observations, max_size=3)))
            for c in case.cases
        )
        for _ in range(4)
    ]
    order = data.draw(st.lists(st.sampled_from(people), min_size=1, max_size=12))
    leads = data.draw(st.lists(st.booleans(), min_size=len(order), max_size=len(order)))
    plan = ScorecardPlan(case.lines, case.policy)
    for aggregates, leads_team in zip(order, leads, strict=True):
        fresh = score(
            lines=case.lines,
            aggregates=aggregates,
            adjustments=case.adjustments,
            policy=case.policy,
            leads_team=leads_team,
        )
        reused = score_with(
            plan=plan, aggregates=aggregates, adjustments=case.adjustments, leads_team=leads_team
        )
        assert reused == fresh


def _textbook_best(line: ScorecardLine, bonus: Fraction) -> Fraction:
    """The most p a line gives inside its KPI's valid range (§6)."""
    low, high = raw_value_range(line.kpi)
    edge = high if line.kpi.direction is Direction.HIGHER_IS_BETTER else low
    if edge is None:
        return max_normalized(line, stretch_bonus=bonus)
    return normalize(line, edge, stretch_bonus=bonus)


@given(case=scorecards())
def test_a_line_needing_more_points_than_its_best_cannot_reach_by_the_textbook_formula(
    case: Case,
) -> None:
    # The engine decides this by comparing what the total lacks with what the line can
    # still add; the textbook divides: needed p = (needed total - others) * 100 / weight.
    result = case.score()
    if result.next_band is None:
        return
    bonus = case.policy.stretch_bonus
    floor = next(b.floor for b in case.policy.bands if b.code == result.next_band.code)
    needed_total = Fraction(math.ceil(floor * 100), 100) - Fraction(1, 200)
    contributions = [line.contribution for line in result.lines if line.contribution is not None]
    unclamped = sum(contributions, Fraction(0)) + result.adjustments_total
    for line_result in result.lines:
        if line_result.status is not LineStatus.SCORED:
            continue
        weight, points = line_result.effective_weight, line_result.normalized
        assert weight is not None
        assert points is not None
        assert line_result.contribution is not None
        best = _textbook_best(line_result.line, bonus)
        wit = line_result.what_it_would_take
        if points >= best:
            assert wit is None
            continue
        needed = (needed_total - (unclamped - line_result.contribution)) * 100 / weight
        assert wit is not None
        if needed > best:
            assert wit.kind is WhatItWouldTakeKind.CANNOT_REACH
            assert wit.max_points == weight * (best - points) / 100
        else:
            # Within its best: a raw value to reach, unless that value falls outside the
            # KPI's range or its rounding misses the band (the re-scoring says).
            assert wit.kind in (WhatItWouldTakeKind.RAW_VALUE, WhatItWouldTakeKind.CANNOT_REACH)


def test_a_plan_pickles_as_its_lines_and_policy_without_what_it_kept() -> None:
    kpi = quantitative_kpi("task_completion")
    lines = (
        linear(kpi, weight=40, threshold=0, target=100),
        linear(kpi, weight=60, threshold=40, target=100),
    )
    plan = ScorecardPlan(lines, Policy())
    aggregates = [mean_of(60), mean_of(90)]
    before = score_with(plan=plan, aggregates=aggregates, adjustments=[], leads_team=False)
    # The same bytes as a plan that has scored no one.
    assert pickle.dumps(plan) == pickle.dumps(ScorecardPlan(lines, Policy()))
    shipped = pickle.loads(pickle.dumps(plan))
    again = score_with(plan=shipped, aggregates=aggregates, adjustments=[], leads_team=False)
    assert again == before


def test_a_plan_past_what_it_keeps_per_line_scores_as_a_fresh_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine, "_KEPT_PER_LINE", 2)
    kpi = quantitative_kpi("task_completion")
    lines = (
        linear(kpi, weight=40, threshold=0, target=100),
        linear(kpi, weight=60, threshold=40, target=100, stretch=120),
    )
    plan = ScorecardPlan(lines, Policy())
    for first, second in ((10, 50), (20, 60), (30, 70), (40, 110), (10, 50), (55, 45)):
        aggregates = [mean_of(first), mean_of(second)]
        fresh = score(
            lines=lines, aggregates=aggregates, adjustments=[], policy=Policy(), leads_team=False
        )
        reused = score_with(plan=plan, aggregates=aggregates, adjustments=[], leads_team=False)
        assert reused == fresh
    assert all(len(kept) <= 2 for kept in (plan.values[0]._raws, plan.values[1]._points))
