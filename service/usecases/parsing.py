"""Turning caller text into exact stored values, with messages that say what to do.

Every number that enters (GraphQL, YAML, CSV, admin forms, the command line) is read
here, and read as text first: its length, digits, exponent and places are checked
before it becomes a Decimal, a Fraction or an int. Exact arithmetic on a number such
as 1e10000000 takes minutes, so nothing may reach it before the text check.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tortoise.fields import BigIntField

from service.errors import Issue, ValidationFailed, fill
from service.models import VALUE_SCALE
from service.usecases.inputs import Number, RowError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Earlier is a typo (0026 for 2026); near year 1 time zone arithmetic overflows.
_EARLIEST_MOMENT = datetime(1900, 1, 1, tzinfo=UTC)

# Values are stored x VALUE_SCALE in 64-bit columns (up to 9,223,372,036,854,775,807).
# Twelve digits before the point keep one value under 10^16 there, so a sum of
# hundreds of extreme values still fits, and the bound is one a person can read.
MAX_WHOLE_DIGITS = 12
# Room for 12 digits, 4 places, a sign, a point, an exponent and some leading zeros.
MAX_NUMBER_TEXT = 40
# Plain or scientific decimal notation; the exponent's size is checked separately.
_NUMBER_TEXT = re.compile(
    r"[+-]?(?:(?P<whole>\d+)\.?(?P<fraction>\d*)|\.(?P<only_fraction>\d+))"
    r"(?:[eE](?P<exponent>[+-]?\d+))?",
    re.ASCII,  # 0-9 only: other scripts' digits are not numbers in a data file
)
# Beyond this an exponent alone settles the answer (too large, or too many places).
_MAX_EXPONENT = 2 * MAX_NUMBER_TEXT
# Whole numbers (counts, pages, ids): 18 digits stay inside a signed 64-bit integer.
_WHOLE_TEXT = re.compile(r"[+-]?\d{1,18}", re.ASCII)


class ParseError(ValueError):
    """The message says what is wrong and what a right value looks like.

    `code` tells a caller's issue what kind of problem it is: INVALID_NUMBER (not a
    number, or too many places) or TOO_LARGE (beyond what the store holds).
    """

    def __init__(self, message: str, code: str = "INVALID_NUMBER", /, **values: Any) -> None:
        filled = fill(message, values)
        super().__init__(filled)
        self.code = code
        self.message = filled
        self.template = message  # with `values`, what a translation starts from
        self.values: Mapping[str, Any] = MappingProxyType(values)

    def issue(self, field: str, row: int | None = None) -> Issue:
        """The caller's issue about `field`, its template and values kept."""
        return Issue(field, self.message, self.code, row, self.template, self.values)

    def row_error(self, index: int, field: str, *, code: str | None = None) -> RowError:
        """The same as a batch row's problem (`RowError`), under the caller's `code` if
        it has one for this field."""
        return RowError(
            index, field, code or self.code, self.message, self.template, dict(self.values)
        )


def shown(raw: object, limit: int = 24) -> str:
    """Caller text as quoted in a message: never more than a few dozen characters."""
    text = raw if isinstance(raw, str) else repr(raw)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _largest(places: int) -> str:
    return "9" * MAX_WHOLE_DIGITS + ("." + "9" * places if places else "")


def _too_large(raw: object, places: int) -> ParseError:
    return ParseError(
        "{raw} is too large: a number here has at most {digits} digits "
        "before the decimal point (up to {largest})",
        "TOO_LARGE",
        raw=shown(raw),
        digits=MAX_WHOLE_DIGITS,
        largest=_largest(places),
    )


def _too_many_places(raw: object, places: int) -> ParseError:
    return ParseError(
        "{raw} has more than {places} decimal places; round it to {places}",
        raw=shown(raw),
        places=places,
    )


def _not_a_number(raw: object) -> ParseError:
    return ParseError("{raw} is not a number; write it like 4 or 92.5", raw=repr(shown(raw)))


def _number_text(raw: str | int) -> str:
    """The text of a number as sent, refused unless it is short decimal notation.

    Cheap whatever the input: a type check, a length check and one regular expression,
    so it may run before anything else does.
    """
    if isinstance(raw, bool):
        raise ParseError("must be a number, not true/false")
    if isinstance(raw, int):
        # Already exact: its size is judged without printing it.
        if raw.bit_length() > 4 * MAX_NUMBER_TEXT:
            raise _too_large("That whole number", 0)
        return str(raw)
    if not isinstance(raw, str):
        raise ParseError(
            'must be a number written as text, like "92.5", not {kind}', kind=type(raw).__name__
        )
    text = raw.strip()
    if len(text) > MAX_NUMBER_TEXT:
        raise ParseError(
            "{raw} is too long for a number: write at most {digits} "
            "digits before the decimal point and a few after, e.g. 92.5",
            raw=shown(text),
            digits=MAX_WHOLE_DIGITS,
        )
    if _NUMBER_TEXT.fullmatch(text) is None:
        raise _not_a_number(text)
    return text


def parse_decimal(raw: Number, *, places: int = 4) -> Decimal:
    """An exact value with at most `places` places and MAX_WHOLE_DIGITS whole digits."""
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise ParseError("{raw} is not a finite number", raw=str(raw))
        value = raw
    else:
        text = _number_text(raw)
        found = _NUMBER_TEXT.fullmatch(text)
        assert found is not None  # _number_text matched it
        digits = (found["whole"] or "") + (found["fraction"] or found["only_fraction"] or "")
        power = int(found["exponent"] or 0)  # at most 40 characters: cheap
        if abs(power) > _MAX_EXPONENT:
            if not digits.strip("0"):
                return Decimal(0)
            raise _too_large(text, places) if power > 0 else _too_many_places(text, places)
        # Short text, small exponent: Decimal() is exact and cheap here.
        value = Decimal(text)
    if value.is_zero():
        # 0E+50 is zero; keep it from printing as fifty zeros.
        return Decimal(0).copy_sign(value)
    if value.adjusted() >= MAX_WHOLE_DIGITS:
        raise _too_large(raw, places)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise _too_many_places(raw, places)
    return value


def parse_whole(raw: str | int, *, low: int, high: int) -> int:
    """A whole number from low to high (a count, a page, a number of days)."""
    if isinstance(raw, bool):
        raise ParseError("must be a whole number, not true/false")
    text = raw.strip() if isinstance(raw, str) else raw
    if isinstance(text, str) and _WHOLE_TEXT.fullmatch(text) is None:
        raise ParseError(
            "{raw} is not a whole number from {low} to {high}",
            raw=repr(shown(text)),
            low=f"{low:,}",
            high=f"{high:,}",
        )
    value = int(text)  # at most 18 digits, or an int already
    if not low <= value <= high:
        raise ParseError(
            "{raw} is not a whole number from {low} to {high}",
            "OUT_OF_RANGE",
            raw=shown(text),
            low=f"{low:,}",
            high=f"{high:,}",
        )
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
            "{raw} is not a date and time; write it like 2026-03-14T09:30:00+08:00",
            raw=repr(shown(raw)),
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ParseError(
            "{raw} has no UTC offset; add one, e.g. 2026-03-14T09:30:00+08:00 or ...Z",
            raw=repr(shown(raw)),
        )
    if moment < _EARLIEST_MOMENT:
        raise ParseError("{raw} is before 1900; check the year", raw=repr(shown(raw)))
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
        raise ParseError(
            "{raw} is not a date; write it like 2026-03-31", raw=repr(shown(raw))
        ) from None


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
                Issue.of(
                    (fields or {}).get(name, name),
                    "is {size} characters long; at most {most} fit",
                    "TOO_LONG",
                    row=row,
                    size=len(value),
                    most=limit,
                )
            )
    return issues


def read_utf8_file(path: Path, *, save_as: str) -> str:
    """A file as text, or an issue naming where it stops being UTF-8 and what to do.

    utf-8-sig: spreadsheets and some editors put a byte-order mark in front.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValidationFailed([Issue("file", "does not exist", "NOT_FOUND")]) from None
    except IsADirectoryError:
        raise ValidationFailed([Issue("file", "is a folder; name a file", "NOT_A_FILE")]) from None
    except OSError as error:
        raise ValidationFailed(
            [Issue.of("file", "cannot be read ({reason})", "UNREADABLE", reason=error.strerror)]
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ValidationFailed(
            [
                Issue.of(
                    "file",
                    "is not UTF-8 text ({reason} at byte {byte}, line {line}); "
                    "save it as {save_as}",
                    "ENCODING",
                    reason=error.reason,
                    byte=f"{error.start:,}",
                    line=line,
                    save_as=save_as,
                )
            ]
        ) from None


def largest_key(model: Any) -> int:
    """A model's keys are 32- or 64-bit: a number past its column names no row of it."""
    return 2**63 - 1 if isinstance(model._meta.pk, BigIntField) else 2**31 - 1


# Pages of a list: a million pages of 50 is past any list here, and keeps offsets small.
MAX_PAGE = 1_000_000


def whole_or_none(raw: object, *, low: int = 1, high: int = 2**63 - 1) -> int | None:
    """A whole number from low to high, or None: for a page or a choice in a form."""
    try:
        return parse_whole(str(raw), low=low, high=high)
    except ParseError:
        return None
