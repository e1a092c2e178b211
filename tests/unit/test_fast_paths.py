"""The engine's integer fast paths give the very numbers of plain Fraction arithmetic.

Rounding, p, its inverse and the sums are computed on numerators and denominators,
and what does not depend on the employee is read once per line or policy object.
These tests hold each fast path to the textbook formula of SCORING.md, and check
that a cached reading is never used for another object.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from service.scoring import (
    Aggregate,
    Direction,
    IncentiveBand,
    Method,
    Policy,
    ScorecardLine,
    band_for,
    effective_line,
    engine,
    explanation_data,
    format_compact,
    format_fixed,
    least_raw_value_scoring,
    line_sentence,
    max_normalized,
    methods,
    normalize,
    score,
    stored,
)
from service.scoring.methods import least_raw_value_parts, line_plan

from .builders import F, linear, mean_of, qualitative_kpi, quantitative_kpi
from .test_properties import bonuses, kpi_cases, lines_for

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


# --- what is read once is never read for another object -------------------------------------


def test_a_line_plan_is_never_used_for_another_line_object() -> None:
    kpi = quantitative_kpi("task_completion")
    first = linear(kpi, threshold=0, target=100)
    second = linear(kpi, threshold=50, target=100)
    # As if ``second`` had been given the id of a line read before.
    methods._PLANS[id(second)] = methods.LinePlan(first)
    assert normalize(second, F(75), stretch_bonus=F(20)) == 50
    assert methods._PLANS[id(second)].source is second


def test_line_texts_are_never_used_for_another_line_object() -> None:
    first = linear(quantitative_kpi("a", name="First"), threshold=0, target=100)
    second = linear(quantitative_kpi("b", name="Second"), threshold=0, target=100)
    stored._SETTINGS[id(second)] = (first, stored._setting_of(first))
    result = score(
        lines=[second], aggregates=[mean_of(50)], adjustments=[], policy=Policy(), leads_team=False
    )
    assert line_sentence(result.lines[0], lang="en").startswith("Second: ")
    line_data = explanation_data(result)["lines"]
    assert isinstance(line_data, list)
    assert line_data[0]["kpi"]["name"] == "Second"


def test_effective_weights_are_never_used_for_other_lines() -> None:
    kpi = quantitative_kpi("task_completion")
    lines = (linear(kpi, weight=25, threshold=0, target=100), linear(kpi, weight=75, target=100))
    others = (linear(kpi, weight=50, threshold=0, target=100), linear(kpi, weight=50, target=100))
    key = (tuple(map(id, others)), (True, True))
    engine._WEIGHTS[key] = (lines, (F(25), F(75)))
    assert engine._effective_weights(others, (True, True)) == (F(50), F(50))


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
    first = score(
        lines=[line], aggregates=[mean_of(5)], adjustments=[], policy=Policy(), leads_team=False
    )
    again = score(
        lines=[line],
        aggregates=[Aggregate(n=1, value_sum=F(8))],
        adjustments=[],
        policy=Policy(),
        leads_team=False,
    )
    assert first.lines[0].line is again.lines[0].line
    assert (first.lines[0].line.threshold, first.lines[0].line.target) == (F(0), F(10))
    assert first.lines[0].normalized == 50
    assert again.lines[0].normalized == 80
