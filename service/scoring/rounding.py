"""Rounding for reporting (SCORING.md §0).

Everything is computed exactly; only what is shown to people (API, CLI, CSV,
pages, the snapshot hash) is rounded, always half away from zero and always
with a fixed number of places, so "83.70" never turns into "83.7" on one page
and "83.70" on another.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction


def _scale(places: int) -> int:
    # int() because typeshed types int ** int as Any (a negative power is a float).
    return int(10**places)


def _rounded_units(value: Fraction, places: int) -> int:
    """``value`` in units of 10**-places, rounded half away from zero."""
    if places < 0:
        raise ValueError(f"places must be 0 or more, got {places}")
    scaled = abs(value) * _scale(places)
    # floor(|x| + 1/2) rounds halves up in magnitude, i.e. away from zero.
    units = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    return units if value >= 0 else -units


def round_half_away(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half away from zero, with exactly ``places`` places."""
    units = _rounded_units(value, places)
    digits = tuple(int(digit) for digit in str(abs(units)))
    # Built from a tuple so no decimal context (precision, rounding) can touch it;
    # a result that rounds to zero is written "0.00", never "-0.00".
    return Decimal((1 if units < 0 else 0, digits, -places))


def round_fraction(value: Fraction, places: int) -> Fraction:
    """The same rounding as :func:`round_half_away`, kept as an exact Fraction."""
    return Fraction(_rounded_units(value, places), _scale(places))


def format_fixed(value: Fraction, places: int) -> str:
    """``value`` as text with exactly ``places`` places, e.g. "83.74", "-0.50"."""
    # The "f" format never switches to exponent notation ("0E-10").
    return f"{round_half_away(value, places):f}"


def format_compact(value: Fraction, max_places: int = 4) -> str:
    """A setting as a person would write it: "80", "4.5", "0.0125".

    Thresholds, targets, weights and bounds are typed by people and shown back
    without padding; a value with more places than ``max_places`` is rounded.
    """
    for places in range(max_places + 1):
        if round_fraction(value, places) == value:
            return format_fixed(value, places)
    return format_fixed(value, max_places)
