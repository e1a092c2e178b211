"""The nearest-rank percentile (SCORING.md §1), defined here and nowhere else.

rank = ceil(p * n / 100), computed in integers. Floating point and SQL's
``percentile_disc`` both give 56 for p = 55, n = 100 (0.55 * 100 is
55.00000000000001 in binary); the exact answer is 55. The SQL layer emits
``(num * n + den - 1) / den`` from :func:`nearest_rank_terms`, so the database
and this module cannot disagree.
"""

from __future__ import annotations

from fractions import Fraction


def _check_percentile(p: Fraction) -> None:
    if not 0 < p <= 100:
        raise ValueError(f"a percentile must satisfy 0 < p <= 100, got {p}")


def nearest_rank_terms(p: Fraction) -> tuple[int, int]:
    """Integers (num, den) with ``(num * n + den - 1) // den == ceil(p * n / 100)``."""
    _check_percentile(p)
    share = Fraction(p) / 100
    return share.numerator, share.denominator


def nearest_rank(p: Fraction, n: int) -> int:
    """The 1-based rank of the p-th percentile among ``n`` values sorted ascending."""
    if n < 1:
        raise ValueError(f"a percentile needs at least one value, got n = {n}")
    num, den = nearest_rank_terms(p)
    # Ceiling division on non-negative integers: exact, no floating point.
    return (num * n + den - 1) // den
