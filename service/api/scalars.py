"""The exact-number scalar: decimals travel as strings, never as binary floats."""

from __future__ import annotations

from decimal import Decimal as PyDecimal
from decimal import InvalidOperation
from typing import NewType

import strawberry

Decimal = NewType("Decimal", str)


def _parse(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError('send exact numbers as strings, e.g. "92.5" (or whole numbers)')
    try:
        parsed = PyDecimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f'{value!r} is not a number; write it like "92.5"') from None
    if not parsed.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return str(value).strip()


DecimalScalar = strawberry.scalar(
    name="Decimal",
    description=(
        "An exact decimal number as a string with fixed places (raw values 4, everything "
        'else 2), e.g. "83.74". Inputs take strings or whole numbers, never floats.'
    ),
    serialize=str,
    parse_value=_parse,
)


def fixed(value: int | str | None, places: int, *, scaled: bool = True) -> Decimal | None:
    """A stored number in its reported form: raw values 4 places, everything else 2.

    `scaled` values are integers x 10,000 (service.models.VALUE_SCALE); others are
    decimal text, as kept in JSON.
    """
    if value is None:
        return None
    number = PyDecimal(value) / 10_000 if scaled else PyDecimal(str(value))
    return Decimal(format(number.quantize(PyDecimal(1).scaleb(-places)), "f"))
