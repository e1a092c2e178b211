"""SCORING.md §1 PERCENTILE: nearest rank ceil(p*n/100), exact, in one place."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.scoring import nearest_rank, nearest_rank_terms


def test_p55_of_100_values_is_rank_55_where_floating_point_gives_56() -> None:
    assert math.ceil(0.55 * 100) == 56  # the trap this module exists to avoid
    assert nearest_rank(Fraction(55), 100) == 55


def test_rank_terms_are_the_integers_the_sql_layer_divides() -> None:
    num, den = nearest_rank_terms(Fraction(55))
    assert (num, den) == (11, 20)
    assert (num * 100 + den - 1) // den == 55


def test_fractional_percentile_rounds_the_rank_up() -> None:
    # 99.9 % of 7 values is 6.993 values: rank 7.
    assert nearest_rank(Fraction("99.9"), 7) == 7
    assert nearest_rank(Fraction(90), 10) == 9
    assert nearest_rank(Fraction(90), 11) == 10


def test_the_100th_percentile_is_the_largest_value_and_a_tiny_one_the_smallest() -> None:
    assert nearest_rank(Fraction(100), 37) == 37
    assert nearest_rank(Fraction(1, 1000), 37) == 1


@pytest.mark.parametrize("p", [Fraction(0), Fraction(-5), Fraction("100.0001")])
def test_a_percentile_outside_0_exclusive_to_100_inclusive_is_refused(p: Fraction) -> None:
    with pytest.raises(ValueError, match="percentile"):
        nearest_rank(p, 10)


def test_a_percentile_of_no_values_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one value"):
        nearest_rank(Fraction(50), 0)


percentiles = st.fractions(min_value=0, max_value=100, max_denominator=10_000).filter(
    lambda p: p > 0
)


@given(p=percentiles, n=st.integers(1, 100_000))
def test_nearest_rank_is_the_integer_ceiling_of_p_n_over_100(p: Fraction, n: int) -> None:
    # Ceiling by negated floor division, on integers only.
    expected = -(-(p.numerator * n) // (100 * p.denominator))
    assert nearest_rank(p, n) == expected
    num, den = nearest_rank_terms(p)
    assert (num * n + den - 1) // den == expected
    assert 1 <= expected <= n


@given(p=percentiles, values=st.lists(st.integers(-1000, 1000), min_size=1, max_size=60))
def test_the_value_at_nearest_rank_is_the_least_value_covering_p_percent(
    p: Fraction, values: list[int]
) -> None:
    # Definition of nearest rank: the smallest v with at least p % of values <= v.
    at_rank = sorted(values)[nearest_rank(p, len(values)) - 1]
    n = len(values)
    covering = [v for v in values if sum(1 for w in values if w <= v) * 100 >= p * n]
    assert at_rank == min(covering)
