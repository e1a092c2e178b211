"""Small, explicit builders of engine inputs, so each test states only what matters to it."""

from __future__ import annotations

from fractions import Fraction

from service.scoring import (
    Aggregate,
    Aggregation,
    BandStep,
    Direction,
    Kpi,
    KpiKind,
    Method,
    Scope,
    ScorecardLine,
)

HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER


def F(text: str | int) -> Fraction:  # noqa: N802 - reads like a literal: F("83.74")
    return Fraction(text)


def quantitative_kpi(
    code: str = "csat",
    *,
    name: str | None = None,
    direction: Direction = HIGHER,
    aggregation: Aggregation = Aggregation.MEAN,
    param: Fraction | None = None,
    unit: str = "",
    range_min: Fraction | None = None,
    range_max: Fraction | None = None,
    tags: frozenset[str] = frozenset(),
) -> Kpi:
    return Kpi(
        code=code,
        name=name or code,
        kind=KpiKind.QUANTITATIVE,
        unit=unit,
        direction=direction,
        aggregation=aggregation,
        aggregation_param=param,
        range_min=range_min,
        range_max=range_max,
        tags=tags,
    )


def qualitative_kpi(
    code: str = "service_quality",
    *,
    name: str | None = None,
    range_min: Fraction | None = None,
    range_max: Fraction | None = None,
) -> Kpi:
    return Kpi(
        code=code,
        name=name or code,
        kind=KpiKind.QUALITATIVE,
        unit="",
        direction=HIGHER,
        aggregation=Aggregation.REVIEW_MEAN,
        range_min=range_min,
        range_max=range_max,
    )


def linear(
    kpi: Kpi,
    *,
    weight: Fraction | int = 100,
    threshold: Fraction | int | None = None,
    target: Fraction | int | None = None,
    stretch: Fraction | int | None = None,
    scope: Scope = Scope.INDIVIDUAL,
    min_samples: int = 1,
) -> ScorecardLine:
    return ScorecardLine(
        kpi=kpi,
        scope=scope,
        weight=Fraction(weight),
        method=Method.LINEAR,
        threshold=None if threshold is None else Fraction(threshold),
        target=None if target is None else Fraction(target),
        stretch=None if stretch is None else Fraction(stretch),
        min_samples=min_samples,
    )


def bands(
    kpi: Kpi,
    steps: list[tuple[Fraction | int, Fraction | int]],
    *,
    weight: Fraction | int = 100,
    scope: Scope = Scope.INDIVIDUAL,
    min_samples: int = 1,
) -> ScorecardLine:
    return ScorecardLine(
        kpi=kpi,
        scope=scope,
        weight=Fraction(weight),
        method=Method.BANDS,
        bands=tuple(BandStep(Fraction(bound), Fraction(points)) for bound, points in steps),
        min_samples=min_samples,
    )


def binary(
    kpi: Kpi,
    *,
    target: Fraction | int,
    weight: Fraction | int = 100,
    scope: Scope = Scope.INDIVIDUAL,
    min_samples: int = 1,
) -> ScorecardLine:
    return ScorecardLine(
        kpi=kpi,
        scope=scope,
        weight=Fraction(weight),
        method=Method.BINARY,
        target=Fraction(target),
        min_samples=min_samples,
    )


def mean_of(value: Fraction | int | str, *, n: int = 1) -> Aggregate:
    """An aggregate whose MEAN (or REVIEW_MEAN) raw value is ``value``."""
    return Aggregate(n=n, value_sum=Fraction(value) * n)


def aggregate_giving(kpi: Kpi, raw: Fraction, *, n: int) -> Aggregate:
    """An aggregate of at least ``n`` observations whose raw value on ``kpi`` is ``raw``.

    ``raw`` has at most 4 places (a whole number for COUNT, 0..100 for shares).
    """
    aggregation = kpi.aggregation
    if aggregation is Aggregation.COUNT:
        assert raw.denominator == 1
        return Aggregate(n=raw.numerator)
    if aggregation is Aggregation.SUM:
        return Aggregate(n=n, value_sum=raw)
    if aggregation in (Aggregation.SHARE_AT_LEAST, Aggregation.SHARE_AT_MOST):
        # One million observations express any share with 4 places exactly.
        meeting = raw * 10_000
        assert meeting.denominator == 1
        return Aggregate(n=1_000_000, meeting=meeting.numerator)
    if aggregation is Aggregation.PERCENTILE:
        return Aggregate(n=n, value_sum=raw * n, value_at_rank=raw)
    return Aggregate(n=n, value_sum=raw * n)
