"""Scalars with one form on the wire: exact decimals as strings, never binary floats;
moments as UTC ISO 8601 text with microseconds and `Z`."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal as PyDecimal
from typing import Any, NewType

import strawberry
from strawberry.schema.types.base_scalars import DateDefinition

from graphql import IntValueNode, StringValueNode, ValueNode

Decimal = NewType("Decimal", str)

_AS_TEXT = 'send exact numbers as strings, e.g. "92.5" (or whole numbers)'


def _parse(value: object) -> str:
    """Only the JSON type is checked here, and nothing is converted.

    The text goes to the use case, which reads it with service.usecases.parsing (length,
    exponent and places checked as text before it becomes a value) and names the field
    and row of a bad one, as errors-as-data. Converting here would do the slow work
    the check exists to avoid, before anyone is asked whether the caller may write.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(_AS_TEXT)
    return str(value).strip()


def _parse_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> str:
    # A literal keeps its source text: int() of a long IntValue is slow and then
    # refused in Python's own words.
    if isinstance(node, (StringValueNode, IntValueNode)):
        return node.value.strip()
    raise ValueError(_AS_TEXT)


DecimalScalar = strawberry.scalar(
    name="Decimal",
    description=(
        "An exact decimal number as a string with fixed places (raw values 4, everything "
        'else 2), e.g. "83.74". Inputs take strings or whole numbers, never floats.'
    ),
    serialize=str,
    parse_value=_parse,
    parse_literal=_parse_literal,
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


_DATETIME_FORM = "an ISO 8601 moment with an offset, e.g. 2026-03-10T09:00:00+08:00 or ...Z"


def utc_text(value: datetime) -> str:
    """The one DateTime form: UTC, microseconds, `Z`; so the text sorts as the moments do."""
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _parse_datetime(value: object) -> datetime:
    if not isinstance(value, str) or len(value) > 64:
        raise ValueError(f"Send {_DATETIME_FORM}.")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not {_DATETIME_FORM}.") from None
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no offset: send {_DATETIME_FORM}.")
    return moment


DateTimeScalar = strawberry.scalar(
    name="DateTime",
    description=(
        "A moment: on output always UTC with microseconds and Z "
        '("2026-03-10T01:00:00.000000Z"); on input ISO 8601 with any offset.'
    ),
    serialize=utc_text,
    parse_value=_parse_datetime,
)

# Strawberry's own Date (ISO 8601 text both ways), described for a client developer.
DateScalar = dataclasses.replace(
    DateDefinition,
    description='A calendar day as ISO 8601 "YYYY-MM-DD" (e.g. "2026-10-01"), with no time '
    "or zone: cycle bounds and employment dates, days of the organisation's timezone.",
)
