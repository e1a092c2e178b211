"""Rounding for reporting (SCORING.md §0).

Everything is computed exactly; only what is shown to people (API, CLI, CSV,
pages, the snapshot hash) is rounded, always half away from zero and always
with a fixed number of places, so "83.70" never turns into "83.7" on one page
and "83.70" on another.

The rounding works on the value's numerator and denominator as integers: a
scorecard rounds and formats hundreds of numbers per employee, and multiplying
a ``Fraction`` by a power of ten normalises it through a gcd every time.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

# The reported form (SCORING.md §0, §7): raw values and raw-unit settings with 4 places,
# points, weights and multipliers with 2. Every layer formats with these two.
RAW_PLACES = 4
REPORTED_PLACES = 2

# 10**places for the places the engine uses; larger ones are computed.
_SCALES = tuple(int(10**places) for places in range(16))


def _scale(places: int) -> int:
    if places < len(_SCALES):
        return _SCALES[places]
    # int() because typeshed types int ** int as Any (a negative power is a float).
    return int(10**places)


def rounded_units_of(numerator: int, denominator: int, places: int) -> int:
    """numerator / denominator (> 0) in units of 10**-places, rounded half away from zero."""
    if places < 0:
        raise ValueError(f"places must be 0 or more, got {places}")
    # floor(|x| * 10**places + 1/2) rounds halves up in magnitude, i.e. away from
    # zero; computed on the integers, without normalising a Fraction on the way.
    scale = _SCALES[places] if places < len(_SCALES) else _scale(places)
    if numerator >= 0:
        return (2 * numerator * scale + denominator) // (2 * denominator)
    return -((-2 * numerator * scale + denominator) // (2 * denominator))


def _rounded_units(value: Fraction, places: int) -> int:
    """``value`` in units of 10**-places, rounded half away from zero."""
    # A Fraction's denominator is always positive.
    return rounded_units_of(value.numerator, value.denominator, places)


def decimal_of_units(units: int, places: int) -> Decimal:
    """The Decimal ``units`` * 10**-places, with exactly ``places`` places."""
    # Parsed from text, which is exact: no decimal context (precision, rounding)
    # can touch it; zero units are "0.00", never "-0.00".
    return Decimal(f"{units}e-{places}")


def _fixed_text(units: int, places: int) -> str:
    """``units`` * 10**-places written with exactly ``places`` places ("-0.50")."""
    digits = str(-units if units < 0 else units)
    if places:
        if len(digits) <= places:
            digits = "0" * (places + 1 - len(digits)) + digits
        digits = f"{digits[:-places]}.{digits[-places:]}"
    # A result that rounds to zero is written "0.00", never "-0.00".
    return f"-{digits}" if units < 0 else digits


def round_half_away(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half away from zero, with exactly ``places`` places."""
    return decimal_of_units(_rounded_units(value, places), places)


def round_fraction(value: Fraction, places: int) -> Fraction:
    """The same rounding as :func:`round_half_away`, kept as an exact Fraction."""
    return Fraction(_rounded_units(value, places), _scale(places))


def format_fixed(value: Fraction, places: int) -> str:
    """``value`` as text with exactly ``places`` places, e.g. "83.74", "-0.50"."""
    # Never in exponent notation ("0E-10"), whatever the size.
    return _fixed_text(_rounded_units(value, places), places)


def format_compact(value: Fraction, max_places: int = 4) -> str:
    """A setting as a person would write it: "80", "4.5", "0.0125".

    Thresholds, targets, weights and bounds are typed by people and shown back
    without padding; a value with more places than ``max_places`` is rounded.
    """
    # A value is exact at ``places`` places when its (lowest-terms) denominator
    # divides 10**places: the fewest such places, else rounded at ``max_places``.
    denominator = value.denominator
    for places in range(max_places + 1):
        if _scale(places) % denominator == 0:
            return format_fixed(value, places)
    return format_fixed(value, max_places)
