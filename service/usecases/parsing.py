"""Turning caller text into exact stored values, with messages that say what to do."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from service.errors import Issue
from service.models import VALUE_SCALE
from service.usecases.inputs import Number

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ParseError(ValueError):
    """The message says what is wrong and what a right value looks like."""


def parse_decimal(raw: Number, *, places: int = 4) -> Decimal:
    if isinstance(raw, bool):
        raise ParseError("must be a number, not true/false")
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except InvalidOperation:
        raise ParseError(f"{raw!r} is not a number; write it like 4 or 92.5") from None
    if not value.is_finite():
        raise ParseError(f"{raw!r} is not a finite number")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise ParseError(f"{raw} has more than {places} decimal places; round it to {places}")
    return value


def to_scaled(value: Decimal) -> int:
    """Exact: callers have checked the value has at most 4 places."""
    return int(value * VALUE_SCALE)


def from_scaled(value: int) -> Fraction:
    return Fraction(value, VALUE_SCALE)


def scaled_to_text(value: int | None) -> str | None:
    if value is None:
        return None
    return format((Decimal(value) / VALUE_SCALE).normalize(), "f")


def parse_scaled(raw: Number) -> int:
    return to_scaled(parse_decimal(raw))


def parse_moment(raw: str) -> datetime:
    """An ISO 8601 moment that must carry its UTC offset (a local time is ambiguous)."""
    try:
        moment = datetime.fromisoformat(str(raw).strip())
    except ValueError:
        raise ParseError(
            f"{raw!r} is not a date and time; write it like 2026-03-14T09:30:00+08:00"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ParseError(
            f"{raw!r} has no UTC offset; add one, e.g. 2026-03-14T09:30:00+08:00 or ...Z"
        )
    return moment


def epoch_microseconds(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def moment_from_epoch(microseconds: int, offset_minutes: int) -> datetime:
    from datetime import timedelta, timezone

    return (_EPOCH + timedelta(microseconds=microseconds)).astimezone(
        timezone(timedelta(minutes=offset_minutes))
    )


def offset_minutes(moment: datetime) -> int:
    offset = moment.utcoffset()
    assert offset is not None  # parse_moment refuses naive moments
    return int(offset.total_seconds() // 60)


def parse_date(raw: str | date) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ParseError(f"{raw!r} is not a date; write it like 2026-03-31") from None


def too_long(
    model: Any,
    values: dict[str, Any],
    *,
    row: int | None = None,
    fields: dict[str, str] | None = None,
) -> list[Issue]:
    """Text longer than its column: said here, before PostgreSQL refuses the write."""
    issues: list[Issue] = []
    for name, value in values.items():
        field = model._meta.fields_map.get(name)
        limit = getattr(field, "max_length", None)
        if isinstance(value, str) and limit is not None and len(value) > limit:
            issues.append(
                Issue(
                    (fields or {}).get(name, name),
                    f"is {len(value)} characters long; at most {limit} fit",
                    "TOO_LONG",
                    row,
                )
            )
    return issues
