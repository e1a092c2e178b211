"""Normalised line score p (SCORING.md §3) and its inverse.

"Worse than" and "beats" follow the KPI's direction. Every comparison goes
through :func:`oriented`, which flips the sign of values of a LOWER_IS_BETTER
KPI, so one set of comparisons serves both directions; the LINEAR formulas hold
as written for both because numerator and denominator flip together.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from service.scoring.aggregate import observation_range
from service.scoring.types import Direction, KpiKind, Method, ScorecardLine

FULL_MARKS = Fraction(100)


def oriented(direction: Direction, value: Fraction) -> Fraction:
    """``value`` on a scale where larger is always better."""
    return value if direction is Direction.HIGHER_IS_BETTER else -value


def meets_or_beats(direction: Direction, value: Fraction, bound: Fraction) -> bool:
    return oriented(direction, value) >= oriented(direction, bound)


def beats(direction: Direction, value: Fraction, bound: Fraction) -> bool:
    return oriented(direction, value) > oriented(direction, bound)


def effective_line(line: ScorecardLine) -> ScorecardLine:
    """The line as scored: a qualitative LINEAR line defaults t and g to its scale.

    Only LINEAR lines get the default: a qualitative line that says BANDS or
    BINARY "says otherwise" (SCORING.md §3) and brings its own parameters.
    """
    if line.kpi.kind is not KpiKind.QUALITATIVE or line.method is not Method.LINEAR:
        return line
    scale_min, scale_max = observation_range(line.kpi)
    return replace(
        line,
        threshold=scale_min if line.threshold is None else line.threshold,
        target=scale_max if line.target is None else line.target,
    )


def _require(value: Fraction | None, what: str, line: ScorecardLine) -> Fraction:
    if value is None:
        raise ValueError(f"{line.method} line of {line.kpi.code} has no {what}")
    return value


def _linear(line: ScorecardLine, raw: Fraction, stretch_bonus: Fraction) -> Fraction:
    direction = line.kpi.direction
    threshold = _require(line.threshold, "threshold", line)
    target = _require(line.target, "target", line)
    stretch = line.stretch
    if not beats(direction, raw, threshold):
        return Fraction(0)
    if stretch is not None and meets_or_beats(direction, raw, stretch):
        return FULL_MARKS + stretch_bonus
    if meets_or_beats(direction, raw, target):
        if stretch is None:
            return FULL_MARKS
        return FULL_MARKS + stretch_bonus * (raw - target) / (stretch - target)
    return FULL_MARKS * (raw - threshold) / (target - threshold)


def _bands(line: ScorecardLine, raw: Fraction) -> Fraction:
    for step in line.bands:
        if meets_or_beats(line.kpi.direction, raw, step.bound):
            return step.points
    return Fraction(0)


def normalize(line: ScorecardLine, raw: Fraction, *, stretch_bonus: Fraction) -> Fraction:
    """The normalised score p of ``raw`` on ``line``: 0 to 100, up to 100 + bonus."""
    line = effective_line(line)
    if line.method is Method.LINEAR:
        return _linear(line, raw, stretch_bonus)
    if line.method is Method.BANDS:
        return _bands(line, raw)
    target = _require(line.target, "target", line)
    return FULL_MARKS if meets_or_beats(line.kpi.direction, raw, target) else Fraction(0)


def max_normalized(line: ScorecardLine, *, stretch_bonus: Fraction) -> Fraction:
    """The most p this line can give, whatever the raw value."""
    if line.method is Method.LINEAR:
        return FULL_MARKS + stretch_bonus if line.stretch is not None else FULL_MARKS
    if line.method is Method.BANDS:
        return max((step.points for step in line.bands), default=Fraction(0))
    return FULL_MARKS


def _linear_inverse(line: ScorecardLine, points: Fraction, stretch_bonus: Fraction) -> Fraction:
    threshold = _require(line.threshold, "threshold", line)
    target = _require(line.target, "target", line)
    if points <= FULL_MARKS:
        return threshold + points * (target - threshold) / FULL_MARKS
    if line.stretch is None or stretch_bonus <= 0:
        raise ValueError(f"line of {line.kpi.code} cannot score {points}")
    return target + (points - FULL_MARKS) * (line.stretch - target) / stretch_bonus


def least_raw_value_scoring(
    line: ScorecardLine, points: Fraction, *, stretch_bonus: Fraction
) -> Fraction:
    """The worst raw value whose p is at least ``points`` (0 < points <= max p).

    Any raw value that meets or beats the result scores at least ``points``,
    because p never falls as the raw value gets better.
    """
    line = effective_line(line)
    if not 0 < points <= max_normalized(line, stretch_bonus=stretch_bonus):
        raise ValueError(f"line of {line.kpi.code} cannot score exactly {points} or more")
    if line.method is Method.LINEAR:
        return _linear_inverse(line, points, stretch_bonus)
    if line.method is Method.BANDS:
        # Points never rise down the list, so the last step that gives enough
        # is the one with the bound nearest to the bottom.
        sufficient = [step for step in line.bands if step.points >= points]
        return sufficient[-1].bound
    return _require(line.target, "target", line)
