"""The one reader of numbers (service/usecases/parsing.py): text is checked for length,
digits, exponent and places before it becomes a value; settings read the same way."""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal, InvalidOperation

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.settings import Settings, SettingsError
from service.usecases.parsing import (
    MAX_NUMBER_TEXT,
    MAX_WHOLE_DIGITS,
    ParseError,
    parse_decimal,
    parse_whole,
    to_scaled,
)


def refusal(raw: str | int, places: int = 4) -> ParseError:
    with pytest.raises(ParseError) as refused:
        parse_decimal(raw, places=places)
    return refused.value


def test_an_exponent_too_long_for_decimal_itself_is_refused_by_the_text_check() -> None:
    # Decimal() cannot even hold this exponent; that the answer is TOO_LARGE, not "not a
    # number", shows the text was judged before any Decimal was made.
    text = "1e" + "9" * 30
    with pytest.raises(InvalidOperation):
        Decimal(text)
    error = refusal(text)
    assert error.code == "TOO_LARGE"
    assert f"at most {MAX_WHOLE_DIGITS} digits before the decimal point" in str(error)


@pytest.mark.parametrize(
    "text", ["1e10000000", "1e999990", "99999999999999999999", "3e15", "1e20", "-1e13"]
)
def test_numbers_past_what_the_store_holds_are_too_large(text: str) -> None:
    error = refusal(text)
    assert error.code == "TOO_LARGE"
    assert str(error).startswith(f"{text} is too large")


@pytest.mark.parametrize("text", ["1e-10000000", "0.00001", "1.5e-5"])
def test_too_many_places_is_said_as_places(text: str) -> None:
    assert "has more than 4 decimal places; round it to 4" in str(refusal(text))


@pytest.mark.parametrize("text", ["x", "NaN", "Infinity", "1_000", "٣", "1e", "--1", "0x10", ""])
def test_what_is_not_decimal_notation_is_not_a_number(text: str) -> None:
    error = refusal(text)
    assert error.code == "INVALID_NUMBER"
    assert "is not a number; write it like 4 or 92.5" in str(error)


def test_text_longer_than_any_number_is_refused_and_quoted_only_in_part() -> None:
    text = "1" * 100_000
    message = str(refusal(text))
    assert "is too long for a number" in message
    assert len(message) < 200
    assert "100,000 characters" in message


def test_whole_numbers_of_any_size_are_judged_without_printing_them() -> None:
    assert refusal(10**5000).code == "TOO_LARGE"
    assert refusal(10**12).code == "TOO_LARGE"
    assert parse_decimal(10**12 - 1) == Decimal(10**12 - 1)
    with pytest.raises(ParseError):
        parse_decimal(True)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (" 92.5 ", Decimal("92.5")),
        ("+4", Decimal(4)),
        (".5", Decimal("0.5")),
        ("5.", Decimal(5)),
        ("1.5E+2", Decimal(150)),
        ("0e999999", Decimal(0)),
        ("999999999999.9999", Decimal("999999999999.9999")),
        ("-999999999999.9999", Decimal("-999999999999.9999")),
    ],
)
def test_decimal_notation_within_the_bounds_is_read_exactly(text: str, value: Decimal) -> None:
    assert parse_decimal(text) == value


@given(
    st.decimals(
        min_value=-(10**MAX_WHOLE_DIGITS) + Decimal("0.0001"),
        max_value=10**MAX_WHOLE_DIGITS - Decimal("0.0001"),
        places=4,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_every_value_the_store_holds_reads_back_in_plain_and_scientific_form(
    value: Decimal,
) -> None:
    for text in (format(value, "f"), format(value, "e"), str(value)):
        assert len(text) <= MAX_NUMBER_TEXT
        parsed = parse_decimal(text)
        assert parsed == value
        assert abs(to_scaled(parsed)) < 2**63


def test_whole_numbers_are_checked_as_text_and_against_their_range() -> None:
    assert parse_whole(" 42 ", low=1, high=100) == 42
    for text in ("9" * 5000, "4.0", "٣", "", "1e3"):
        with pytest.raises(ParseError, match="is not a whole number from 1 to 100"):
            parse_whole(text, low=1, high=100)
    with pytest.raises(ParseError) as past:
        parse_whole("101", low=1, high=100)
    assert past.value.code == "OUT_OF_RANGE"


def test_the_clock_skew_is_read_in_seconds_with_a_default_of_five_minutes() -> None:
    assert Settings.from_environment({}).max_clock_skew == timedelta(minutes=5)
    read = Settings.from_environment({"FAIRSCORE_MAX_CLOCK_SKEW": "90"})
    assert read.max_clock_skew == timedelta(seconds=90)
    for wrong, said in [
        ("five minutes", "must be a whole number"),
        ("9" * 5000, "must be a whole number"),
        ("0", "must be positive"),
        ("86401", "must be at most 86,400"),
    ]:
        with pytest.raises(SettingsError, match=said):
            Settings.from_environment({"FAIRSCORE_MAX_CLOCK_SKEW": wrong})


def test_scoring_processes_default_to_the_cpus_available_and_one_turns_the_pool_off() -> None:
    assert Settings.from_environment({}).scoring_processes == len(os.sched_getaffinity(0))
    read = Settings.from_environment({"FAIRSCORE_SCORING_PROCESSES": "1"})
    assert read.scoring_processes == 1
    for wrong, said in [("all", "must be a whole number"), ("0", "must be positive")]:
        with pytest.raises(SettingsError, match=said):
            Settings.from_environment({"FAIRSCORE_SCORING_PROCESSES": wrong})


def test_a_database_url_must_name_sqlite_or_postgresql_and_keeps_its_password_unsaid() -> None:
    for url in ("sqlite://var/x.sqlite3", "postgres://u@h/db", "postgresql://u@h/db"):
        assert Settings.from_environment({"DATABASE_URL": url}).database_url == url
    with pytest.raises(SettingsError) as refused:
        Settings.from_environment({"DATABASE_URL": "mysql://root:hunter2@db/fairscore"})
    assert "must start with sqlite:// or postgres://, not 'mysql'" in str(refused.value)
    assert "hunter2" not in str(refused.value)
