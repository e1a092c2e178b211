"""Calibration of manager ratings (SCORING.md §12), pure and exact.

The use case reads a cycle's reviews and stored scores; everything from there to
the figures people see is here: each reviewer–employee pair's two sides, each
reviewer's gap against the organisation's, the flag, and the band distribution of
groups against the policy's optional guide. Every comparison is exact ("more than"
strict) and nothing is rounded but the reported standard error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from math import isqrt

from service.scoring.methods import FULL_MARKS, normalize
from service.scoring.rounding import decimal_of_units
from service.scoring.types import KpiKind, Policy, ScorecardLine

# A reviewer needs this many employees with both sides before they are flagged.
MIN_EMPLOYEES_FOR_FLAG = 5
# A group needs this many scored people before its band shares are warned about.
MIN_GROUP_FOR_GUIDE = 5
STANDARD_ERROR_PLACES = 2


class CalibrationFlag(StrEnum):
    LENIENT = "LENIENT"
    HARSH = "HARSH"
    IN_LINE = "IN_LINE"
    TOO_FEW = "TOO_FEW"


@dataclass(frozen=True, slots=True)
class WeightedPoints:
    """One line's p (already capped) and its scorecard weight."""

    weight: Fraction
    points: Fraction


def capped_p(line: ScorecardLine, raw: Fraction, *, stretch_bonus: Fraction) -> Fraction:
    """p of ``raw`` on ``line`` by the engine's normalisation (§3), capped at 100."""
    return min(normalize(line, raw, stretch_bonus=stretch_bonus), FULL_MARKS)


def weighted_mean(parts: Iterable[WeightedPoints]) -> Fraction | None:
    """The weighted mean of the points, or None when there is nothing to weigh."""
    total_weight = Fraction(0)
    total = Fraction(0)
    for part in parts:
        total_weight += part.weight
        total += part.weight * part.points
    if total_weight <= 0:
        return None
    return total / total_weight


def qualitative_points(
    lines: Sequence[ScorecardLine],
    ratings: Mapping[int, Fraction],
    *,
    stretch_bonus: Fraction,
) -> Fraction | None:
    """The reviewer's side: over the qualitative lines (by index in ``lines``) on which
    the reviewer has a counted rating (``ratings``, by line index), whatever the line's
    status, p from the reviewer's own rating, capped at 100, weighted by the line's
    weight. None when the reviewer rated none of them."""
    return weighted_mean(
        WeightedPoints(line.weight, capped_p(line, ratings[index], stretch_bonus=stretch_bonus))
        for index, line in enumerate(lines)
        if line.kpi.kind is KpiKind.QUALITATIVE and index in ratings
    )


@dataclass(frozen=True, slots=True)
class PairInput:
    """One reviewer and one scored employee they rated, with both sides (or None)."""

    reviewer: int
    employee: int
    qualitative: Fraction | None
    quantitative: Fraction | None


@dataclass(frozen=True, slots=True)
class PairFigures:
    employee: int
    qualitative: Fraction
    quantitative: Fraction
    gap: Fraction


@dataclass(frozen=True, slots=True)
class ReviewerFigures:
    reviewer: int
    n: int
    gap: Fraction | None  # None when n = 0
    variance: Fraction | None  # sample variance s² (n − 1); None when n < 2
    standard_error: Fraction | None  # s²/n, whose root is reported; None when n < 2
    organisation_gap: Fraction | None
    flag: CalibrationFlag
    employees: tuple[PairFigures, ...]


@dataclass(frozen=True, slots=True)
class CalibrationFigures:
    organisation_gap: Fraction | None
    reviewers: tuple[ReviewerFigures, ...]


def mean(values: Sequence[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


def sample_variance(values: Sequence[Fraction]) -> Fraction:
    """s², divided by n − 1; needs two values or more."""
    if len(values) < 2:
        raise ValueError("a sample variance needs at least two values")
    centre = mean(values)
    return sum(((v - centre) ** 2 for v in values), Fraction(0)) / (len(values) - 1)


def flag_for(
    *, n: int, gap: Fraction, organisation_gap: Fraction, variance: Fraction, threshold: Fraction
) -> CalibrationFlag:
    """LENIENT or HARSH when the difference passes the threshold (strictly) and is clear
    of chance, d² > 4 s² / n; TOO_FEW below five employees; else IN_LINE."""
    if n < MIN_EMPLOYEES_FOR_FLAG:
        return CalibrationFlag.TOO_FEW
    difference = gap - organisation_gap
    clear_of_chance = difference * difference > 4 * variance / n
    if difference > threshold and clear_of_chance:
        return CalibrationFlag.LENIENT
    if difference < -threshold and clear_of_chance:
        return CalibrationFlag.HARSH
    return CalibrationFlag.IN_LINE


def calibrate(pairs: Iterable[PairInput], *, leniency_threshold: Fraction) -> CalibrationFigures:
    """Every reviewer's figures; pairs lacking a side are left out of everything."""
    complete: dict[int, dict[int, PairFigures]] = {}
    reviewers: set[int] = set()
    for pair in pairs:
        reviewers.add(pair.reviewer)
        if pair.qualitative is None or pair.quantitative is None:
            continue
        complete.setdefault(pair.reviewer, {})[pair.employee] = PairFigures(
            pair.employee,
            pair.qualitative,
            pair.quantitative,
            pair.qualitative - pair.quantitative,
        )
    every_gap = [p.gap for rows in complete.values() for p in rows.values()]
    organisation_gap = mean(every_gap) if every_gap else None
    figures = []
    for reviewer in sorted(reviewers):
        rows = tuple(complete.get(reviewer, {})[e] for e in sorted(complete.get(reviewer, {})))
        gaps = [p.gap for p in rows]
        n = len(rows)
        gap = mean(gaps) if gaps else None
        variance = sample_variance(gaps) if n >= 2 else None
        flag = CalibrationFlag.TOO_FEW
        if gap is not None and variance is not None and organisation_gap is not None:
            flag = flag_for(
                n=n,
                gap=gap,
                organisation_gap=organisation_gap,
                variance=variance,
                threshold=leniency_threshold,
            )
        figures.append(
            ReviewerFigures(
                reviewer=reviewer,
                n=n,
                gap=gap,
                variance=variance,
                standard_error=None if variance is None else variance / n,
                organisation_gap=organisation_gap,
                flag=flag,
                employees=rows,
            )
        )
    return CalibrationFigures(organisation_gap, tuple(figures))


def root_units(square: Fraction, places: int = STANDARD_ERROR_PLACES) -> int:
    """√square in units of 10**-places, rounded half away from zero, from the exact root.

    The answer k is the largest whole number with k − 1/2 ≤ √square·10**places, i.e.
    (2k − 1)² ≤ 4·square·10**(2·places); since (2k − 1)² is whole it may be compared
    with the floor of the right-hand side, whose integer square root m gives
    k = ⌊(m + 1) / 2⌋ (the largest odd number up to m is 2k − 1).
    """
    if square < 0:
        raise ValueError("a square root needs a value of 0 or more")
    scaled = 4 * square * 10 ** (2 * places)
    return (isqrt(scaled.numerator // scaled.denominator) + 1) // 2


def reported_standard_error(square: Fraction) -> Decimal:
    """The standard error as reported: √(s²/n) from ``square`` = s²/n, 2 places."""
    return decimal_of_units(root_units(square), STANDARD_ERROR_PLACES)


@dataclass(frozen=True, slots=True)
class BandRow:
    band: str
    count: int
    share: Fraction  # % of the group
    guide_share: Fraction | None  # None when the policy has no guide
    warning: bool


def band_distribution(band_codes: Sequence[str | None], policy: Policy) -> tuple[BandRow, ...]:
    """A group's count and share per band of the policy, against the guide.

    ``band_codes`` holds the band of each scored person of the group. A band the guide
    does not name counts as 0 %; a group of at least five is warned about where its
    share differs from the guide by more than the tolerance. Nothing is forced.
    """
    guide = None if policy.band_guide is None else dict(policy.band_guide)
    size = len(band_codes)
    rows = []
    for band in policy.bands:
        count = sum(1 for code in band_codes if code == band.code)
        share = Fraction(100 * count, size) if size else Fraction(0)
        guide_share = None if guide is None else guide.get(band.code, Fraction(0))
        warning = (
            guide_share is not None
            and size >= MIN_GROUP_FOR_GUIDE
            and abs(share - guide_share) > policy.band_guide_tolerance
        )
        rows.append(BandRow(band.code, count, share, guide_share, warning))
    return tuple(rows)
