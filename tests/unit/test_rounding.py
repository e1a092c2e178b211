"""SCORING.md §0: exact until reported, then half away from zero with fixed places."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.scoring import format_compact, format_fixed, round_fraction, round_half_away


def test_a_positive_half_rounds_away_from_zero() -> None:
    assert round_half_away(Fraction("83.735"), 2) == Decimal("83.74")
    assert str(round_half_away(Fraction("83.735"), 2)) == "83.74"


def test_a_negative_half_rounds_away_from_zero() -> None:
    assert str(round_half_away(Fraction("-0.495"), 2)) == "-0.50"
    assert str(round_half_away(Fraction(-5, 2), 0)) == "-3"


def test_below_a_half_rounds_toward_zero() -> None:
    assert str(round_half_away(Fraction("83.7349999"), 2)) == "83.73"
    assert str(round_half_away(Fraction("-83.7349999"), 2)) == "-83.73"


def test_reported_numbers_keep_a_fixed_number_of_places() -> None:
    assert str(round_half_away(Fraction(0), 4)) == "0.0000"
    assert str(round_half_away(Fraction(2), 2)) == "2.00"
    assert str(round_half_away(Fraction("83.7"), 2)) == "83.70"


def test_a_value_rounding_to_zero_is_never_reported_as_negative_zero() -> None:
    assert str(round_half_away(Fraction(-1, 1000), 2)) == "0.00"


def test_thirds_are_rounded_exactly_not_through_binary_floating_point() -> None:
    assert str(round_half_away(Fraction(2, 3), 4)) == "0.6667"
    # 1.005 is 1.00499999999999989... as a float, which would round down.
    assert str(round_half_away(Fraction("1.005"), 2)) == "1.01"


def test_round_fraction_is_the_exact_value_of_the_reported_number() -> None:
    assert round_fraction(Fraction(2, 3), 4) == Fraction(6667, 10000)
    assert round_fraction(Fraction("-0.495"), 2) == Fraction(-1, 2)


def test_format_fixed_never_switches_to_exponent_notation() -> None:
    assert format_fixed(Fraction(0), 10) == "0.0000000000"
    assert format_fixed(Fraction(10**30), 2) == "1" + "0" * 30 + ".00"


def test_settings_are_written_as_typed_without_padding() -> None:
    assert format_compact(Fraction(80)) == "80"
    assert format_compact(Fraction("4.5")) == "4.5"
    assert format_compact(Fraction(1, 3)) == "0.3333"


def test_negative_places_are_refused() -> None:
    with pytest.raises(ValueError, match="places"):
        round_half_away(Fraction(1), -1)


@given(units=st.integers(min_value=-(10**12), max_value=10**12), places=st.integers(0, 6))
def test_rounding_agrees_with_decimal_half_up_on_exact_decimals(units: int, places: int) -> None:
    # Decimal's ROUND_HALF_UP is half away from zero: an independent oracle.
    exact = Decimal(units).scaleb(-8)
    expected = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    assert round_half_away(Fraction(exact), places) == expected
    assert round_fraction(Fraction(exact), places) == Fraction(expected)


@given(
    value=st.fractions(min_value=-1000, max_value=1000, max_denominator=10**6),
    places=st.integers(0, 6),
)
def test_rounding_moves_a_value_by_at_most_half_a_unit(value: Fraction, places: int) -> None:
    rounded = round_fraction(value, places)
    assert abs(rounded - value) <= Fraction(1, 2 * 10**places)
    assert Fraction(round_half_away(value, places)) == rounded
    assert round_half_away(value, places).as_tuple().exponent == -places
