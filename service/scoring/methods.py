"""Normalised line score p (SCORING.md §3) and its inverse.

"Worse than" and "beats" follow the KPI's direction. Every comparison goes
through :func:`oriented`, which flips the sign of values of a LOWER_IS_BETTER
KPI, so one set of comparisons serves both directions; the LINEAR formulas hold
as written for both because numerator and denominator flip together.

The engine scores every line of every employee, so each scorecard line is read
once into a :class:`LinePlan` (its effective settings as integer numerators and
denominators; the engine's scorecard plan holds one per line) and the formulas below
are evaluated on integers, with one ``Fraction`` built per result. They are the same formulas,
exact either way; a ``Fraction`` is always in lowest terms, so the results are
the very same numbers.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from service.scoring.aggregate import observation_range, raw_value_range
from service.scoring.types import Direction, KpiKind, Method, ScorecardLine

FULL_MARKS = Fraction(100)
_ZERO = Fraction(0)


def oriented(direction: Direction, value: Fraction) -> Fraction:
    """``value`` on a scale where larger is always better."""
    return value if direction is Direction.HIGHER_IS_BETTER else -value


def meets_or_beats(direction: Direction, value: Fraction, bound: Fraction) -> bool:
    return oriented(direction, value) >= oriented(direction, bound)


def beats(direction: Direction, value: Fraction, bound: Fraction) -> bool:
    return oriented(direction, value) > oriented(direction, bound)


def _effective(line: ScorecardLine) -> ScorecardLine:
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


def _parts(value: Fraction | None) -> tuple[int, int]:
    return (0, 1) if value is None else (value.numerator, value.denominator)


class LinePlan:
    """A scorecard line read once for scoring: its effective settings as integers.

    ``sign`` is 1 for HIGHER_IS_BETTER and -1 otherwise: ``a`` meets or beats
    ``b`` exactly when ``sign * (a - b) >= 0``, which on numerators and positive
    denominators is ``sign * (an * bd - bn * ad) >= 0``.
    """

    __slots__ = (
        "_max",
        "gd",
        "gn",
        "line",
        "linear_span",
        "method",
        "raw_range",
        "sd",
        "sign",
        "sn",
        "source",
        "stretch_span",
        "td",
        "tn",
    )

    def __init__(self, source: ScorecardLine) -> None:
        line = _effective(source)
        self.source = source
        self.line = line
        self.method = line.method
        self.sign = 1 if line.kpi.direction is Direction.HIGHER_IS_BETTER else -1
        self.tn, self.td = _parts(line.threshold)
        self.gn, self.gd = _parts(line.target)
        self.sn, self.sd = _parts(line.stretch)
        # (g - t) and (s - g) as numerators over td * gd and gd * sd.
        self.linear_span = self.gn * self.td - self.tn * self.gd
        self.stretch_span = self.sn * self.gd - self.gn * self.sd
        # The most p per stretch bonus, as first asked for (a plan serves one bonus).
        self._max: dict[tuple[int, int], Fraction] = {}
        # For the engine: the KPI's raw value range.
        self.raw_range = raw_value_range(line.kpi)

    def normalize(self, raw: Fraction, stretch_bonus: Fraction) -> Fraction:
        """The normalised score p of ``raw`` (see :func:`normalize`)."""
        method = self.method
        line = self.line
        if method is Method.LINEAR:
            _require(line.threshold, "threshold", line)
            _require(line.target, "target", line)
            return self._linear(raw.numerator, raw.denominator, stretch_bonus)
        sign = self.sign
        rn, rd = raw.numerator, raw.denominator
        if method is Method.BANDS:
            for step in line.bands:
                bound = step.bound
                if sign * (rn * bound.denominator - bound.numerator * rd) >= 0:
                    return step.points
            return Fraction(0)
        _require(line.target, "target", line)
        return FULL_MARKS if sign * (rn * self.gd - self.gn * rd) >= 0 else Fraction(0)

    def _linear(self, rn: int, rd: int, stretch_bonus: Fraction) -> Fraction:
        sign = self.sign
        tn, td, gn, gd = self.tn, self.td, self.gn, self.gd
        # 100 * (v - t) / (g - t) = 100 * gd * (rn * td - tn * rd) / (rd * linear_span)
        from_threshold = rn * td - tn * rd
        if sign * from_threshold <= 0:
            return Fraction(0)
        stretch = self.line.stretch
        if stretch is not None and sign * (rn * self.sd - self.sn * rd) >= 0:
            return FULL_MARKS + stretch_bonus
        from_target = rn * gd - gn * rd
        if sign * from_target >= 0:
            if stretch is None:
                return FULL_MARKS
            # 100 + bonus * (v - g) / (s - g), with (v - g) / (s - g)
            # = sd * from_target / (rd * stretch_span).
            bonus_n, bonus_d = stretch_bonus.numerator, stretch_bonus.denominator
            denominator = bonus_d * rd * self.stretch_span
            return Fraction(100 * denominator + bonus_n * self.sd * from_target, denominator)
        return Fraction(100 * gd * from_threshold, rd * self.linear_span)

    def max_normalized(self, stretch_bonus: Fraction) -> Fraction:
        """The most p this line can give, whatever the raw value."""
        key = (stretch_bonus.numerator, stretch_bonus.denominator)
        found = self._max.get(key)
        if found is None:
            found = self._max[key] = _max_normalized(self.source, stretch_bonus)
        return found


def line_plan(line: ScorecardLine) -> LinePlan:
    """The plan of ``line``, read anew: callers that score many values on one line
    keep the plan (the engine's scorecard plan does)."""
    return LinePlan(line)


def effective_line(line: ScorecardLine) -> ScorecardLine:
    """The line as scored: a qualitative LINEAR line defaults t and g to its scale.

    Only LINEAR lines get the default: a qualitative line that says BANDS or
    BINARY "says otherwise" (SCORING.md §3) and brings its own parameters.
    """
    return line_plan(line).line


def normalize(line: ScorecardLine, raw: Fraction, *, stretch_bonus: Fraction) -> Fraction:
    """The normalised score p of ``raw`` on ``line``: 0 to 100, up to 100 + bonus."""
    return line_plan(line).normalize(raw, stretch_bonus)


def _max_normalized(line: ScorecardLine, stretch_bonus: Fraction) -> Fraction:
    if line.method is Method.LINEAR:
        return FULL_MARKS + stretch_bonus if line.stretch is not None else FULL_MARKS
    if line.method is Method.BANDS:
        return max((step.points for step in line.bands), default=Fraction(0))
    return FULL_MARKS


def max_normalized(line: ScorecardLine, *, stretch_bonus: Fraction) -> Fraction:
    """The most p this line can give, whatever the raw value."""
    return _max_normalized(line, stretch_bonus)


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
    plan = line_plan(line)
    line = plan.line
    if not 0 < points <= plan.max_normalized(stretch_bonus):
        raise ValueError(f"line of {line.kpi.code} cannot score exactly {points} or more")
    if line.method is Method.LINEAR:
        return _linear_inverse(line, points, stretch_bonus)
    if line.method is Method.BANDS:
        # Points never rise down the list, so the last step that gives enough
        # is the one with the bound nearest to the bottom.
        sufficient = [step for step in line.bands if step.points >= points]
        return sufficient[-1].bound
    return _require(line.target, "target", line)


def least_raw_value_parts(
    plan: LinePlan, pn: int, pd: int, stretch_bonus: Fraction
) -> tuple[int, int]:
    """:func:`least_raw_value_scoring` of points ``pn / pd`` (pd > 0) on integers.

    The same value, refusals and messages, as (numerator, denominator > 0)
    not necessarily in lowest terms.
    """
    line = plan.line
    most = plan.max_normalized(stretch_bonus)
    if not (pn > 0 and pn * most.denominator <= most.numerator * pd):
        raise ValueError(f"line of {line.kpi.code} cannot score exactly {Fraction(pn, pd)} or more")
    method = plan.method
    if method is Method.LINEAR:
        _require(line.threshold, "threshold", line)
        _require(line.target, "target", line)
        tn, td, gn, gd = plan.tn, plan.td, plan.gn, plan.gd
        if pn <= 100 * pd:
            # t + p (g - t) / 100
            return tn * 100 * pd * gd + pn * plan.linear_span, 100 * pd * td * gd
        # bonus <= 0 read on its numerator (a Fraction's denominator is positive).
        bn, bd = stretch_bonus.numerator, stretch_bonus.denominator
        if line.stretch is None or bn <= 0:
            raise ValueError(f"line of {line.kpi.code} cannot score {Fraction(pn, pd)}")
        # g + (p - 100) (s - g) / bonus
        sd = plan.sd
        return gn * pd * sd * bn + (pn - 100 * pd) * plan.stretch_span * bd, gd * pd * sd * bn
    if method is Method.BANDS:
        sufficient = [
            step
            for step in line.bands
            if step.points.numerator * pd >= pn * step.points.denominator
        ]
        bound = sufficient[-1].bound
        return bound.numerator, bound.denominator
    target = _require(line.target, "target", line)
    return target.numerator, target.denominator
