"""Raw value of a line from its aggregate (SCORING.md §1).

SQL computes an :class:`Aggregate` per line (count, exact sum, count meeting a
SHARE bound, value at the nearest rank); this module turns it into the raw value.
:func:`aggregate_values` is the plain-Python reference that the SQL aggregation
is tested against.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from service.scoring.percentile import nearest_rank
from service.scoring.rounding import RAW_PLACES, rounded_units_of
from service.scoring.types import Aggregate, Aggregation, Kpi, KpiKind

# A rating scale is 1-5 unless the KPI says otherwise (SCORING.md, "Words").
DEFAULT_SCALE_MIN = Fraction(1)
DEFAULT_SCALE_MAX = Fraction(5)

# SUM and COUNT are defined for n = 0 (zero complaints is a real value); the
# others have nothing to average, share or rank.
ALWAYS_SCORED = frozenset({Aggregation.SUM, Aggregation.COUNT})
_MEANS = (Aggregation.MEAN, Aggregation.REVIEW_MEAN)
_SHARES = (Aggregation.SHARE_AT_LEAST, Aggregation.SHARE_AT_MOST)
# A raw value is a whole number of these units (SCORING.md §1).
RAW_SCALE = 10**RAW_PLACES


def observation_range(kpi: Kpi) -> tuple[Fraction | None, Fraction | None]:
    """The inclusive range of one observation's value; None where unbounded."""
    if kpi.kind is KpiKind.QUALITATIVE:
        low = DEFAULT_SCALE_MIN if kpi.range_min is None else kpi.range_min
        high = DEFAULT_SCALE_MAX if kpi.range_max is None else kpi.range_max
        return low, high
    return kpi.range_min, kpi.range_max


def raw_value_range(kpi: Kpi) -> tuple[Fraction | None, Fraction | None]:
    """The inclusive range a line's raw value can take; None where unbounded."""
    low, high = observation_range(kpi)
    aggregation = kpi.aggregation
    if aggregation in (Aggregation.SHARE_AT_LEAST, Aggregation.SHARE_AT_MOST):
        return Fraction(0), Fraction(100)
    if aggregation is Aggregation.COUNT:
        return Fraction(0), None
    if aggregation is Aggregation.SUM:
        # A sum of any number of values is only bounded on the side of zero,
        # and only when every value lies on one side of it.
        return (
            Fraction(0) if low is not None and low >= 0 else None,
            Fraction(0) if high is not None and high <= 0 else None,
        )
    return low, high


def _exact_raw_value(kpi: Kpi, aggregate: Aggregate) -> tuple[int, int] | None:
    """The exact raw value as (numerator, denominator > 0), not necessarily in lowest terms."""
    n = aggregate.n
    aggregation = kpi.aggregation
    if aggregation is Aggregation.SUM:
        total = aggregate.value_sum if n > 0 else Fraction(0)
        return total.numerator, total.denominator
    if aggregation is Aggregation.COUNT:
        return n, 1
    if n == 0:
        return None
    if aggregation in _MEANS:
        total = aggregate.value_sum
        return total.numerator, total.denominator * n
    if aggregation in _SHARES:
        return 100 * aggregate.meeting, n
    at_rank = aggregate.value_at_rank
    if at_rank is None:
        raise ValueError(f"PERCENTILE aggregate of {kpi.code} has n = {n} but no value at rank")
    return at_rank.numerator, at_rank.denominator


def exact_raw_value(kpi: Kpi, aggregate: Aggregate) -> Fraction | None:
    """The raw value before its rounding to 4 places, or None when there is no data:
    what a group's figure in the pilot report is computed from (SCORING.md §13)."""
    exact = _exact_raw_value(kpi, aggregate)
    return None if exact is None else Fraction(exact[0], exact[1])


def raw_value_units(kpi: Kpi, aggregate: Aggregate) -> int | None:
    """The line's raw value rounded to 4 places, in units of 10**-4 (the raw value
    is ``Fraction(units, RAW_SCALE)``), or None when there is no data."""
    if aggregate.n < 0:
        raise ValueError(f"aggregate of {kpi.code} has a negative count {aggregate.n}")
    exact = _exact_raw_value(kpi, aggregate)
    # Everything after this point works on the rounded value (SCORING.md §1),
    # so the number a person sees is the number that was scored.
    if exact is None:
        return None
    return rounded_units_of(exact[0], exact[1], RAW_PLACES)


def raw_value(kpi: Kpi, aggregate: Aggregate) -> Fraction | None:
    """The line's raw value rounded to 4 places, or None when there is no data."""
    units = raw_value_units(kpi, aggregate)
    return None if units is None else Fraction(units, RAW_SCALE)


def _meets_share_bound(kpi: Kpi, value: Fraction) -> bool:
    bound = kpi.aggregation_param
    if bound is None:
        raise ValueError(f"{kpi.aggregation} KPI {kpi.code} has no bound")
    if kpi.aggregation is Aggregation.SHARE_AT_LEAST:
        return value >= bound
    return value <= bound


def aggregate_values(kpi: Kpi, values: Sequence[Fraction]) -> Aggregate:
    """The reference aggregation of a list of values, as SQL must compute it."""
    n = len(values)
    meeting = 0
    if kpi.aggregation in (Aggregation.SHARE_AT_LEAST, Aggregation.SHARE_AT_MOST):
        meeting = sum(1 for value in values if _meets_share_bound(kpi, value))
    value_at_rank = None
    if kpi.aggregation is Aggregation.PERCENTILE and n > 0:
        if kpi.aggregation_param is None:
            raise ValueError(f"PERCENTILE KPI {kpi.code} has no p")
        value_at_rank = sorted(values)[nearest_rank(kpi.aggregation_param, n) - 1]
    return Aggregate(
        n=n, value_sum=sum(values, Fraction(0)), meeting=meeting, value_at_rank=value_at_rank
    )
