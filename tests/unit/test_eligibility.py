"""SCORING.md "Cycle" and §1: who is eligible, and which instants a cycle covers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from service.scoring import EmploymentPeriod, cycle_window_utc, employment_eligibility

HALF = Fraction(50)
JUNE_START, JUNE_END = date(2025, 6, 1), date(2025, 6, 30)  # 30 days


def eligibility_in_june(hired_on: date, left_on: date | None = None) -> tuple[bool, int, int]:
    result = employment_eligibility(
        period=EmploymentPeriod(hired_on=hired_on, left_on=left_on),
        starts_on=JUNE_START,
        ends_on=JUNE_END,
        min_employed_share=HALF,
    )
    return result.eligible, result.employed_days, result.cycle_days


def test_employee_employed_on_exactly_the_minimum_share_of_days_is_eligible() -> None:
    assert eligibility_in_june(date(2025, 6, 16)) == (True, 15, 30)


def test_employee_employed_one_day_too_few_is_not_eligible_with_the_reason() -> None:
    result = employment_eligibility(
        period=EmploymentPeriod(hired_on=date(2025, 6, 17), left_on=None),
        starts_on=JUNE_START,
        ends_on=JUNE_END,
        min_employed_share=HALF,
    )
    assert (result.eligible, result.employed_days) == (False, 14)
    assert result.reason == "EMPLOYED_TOO_FEW_DAYS"


def test_hiring_and_leaving_days_both_count_as_employed() -> None:
    assert eligibility_in_june(date(2025, 6, 30)) == (False, 1, 30)
    assert eligibility_in_june(date(2025, 5, 1), left_on=date(2025, 6, 1)) == (False, 1, 30)
    assert eligibility_in_june(date(2025, 6, 10), left_on=date(2025, 6, 24)) == (True, 15, 30)


def test_employment_entirely_outside_the_cycle_counts_no_days() -> None:
    assert eligibility_in_june(date(2025, 1, 1), left_on=date(2025, 5, 31)) == (False, 0, 30)
    assert eligibility_in_june(date(2025, 7, 1)) == (False, 0, 30)


def test_an_eligible_employee_has_no_reason() -> None:
    result = employment_eligibility(
        period=EmploymentPeriod(hired_on=date(2020, 1, 1), left_on=None),
        starts_on=JUNE_START,
        ends_on=JUNE_END,
        min_employed_share=HALF,
    )
    assert result.eligible
    assert result.reason is None


def test_a_cycle_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        cycle_window_utc(starts_on=JUNE_END, ends_on=JUNE_START, timezone="UTC")


def test_cycle_window_runs_from_local_midnight_to_the_midnight_after_its_last_day() -> None:
    start, end = cycle_window_utc(starts_on=JUNE_START, ends_on=JUNE_END, timezone="Asia/Shanghai")
    assert start == datetime(2025, 5, 31, 16, 0, tzinfo=UTC)
    assert end == datetime(2025, 6, 30, 16, 0, tzinfo=UTC)
    assert start.utcoffset() is not None


def test_cycle_window_follows_daylight_saving_changes() -> None:
    start, end = cycle_window_utc(
        starts_on=date(2024, 3, 1), ends_on=date(2024, 3, 31), timezone="Europe/Berlin"
    )
    assert start == datetime(2024, 2, 29, 23, 0, tzinfo=UTC)  # CET, +01:00
    assert end == datetime(2024, 3, 31, 22, 0, tzinfo=UTC)  # CEST, +02:00


def test_a_day_whose_midnight_is_skipped_starts_at_the_clock_change() -> None:
    # Chile moves its clocks from 00:00 to 01:00 on 2024-09-08.
    start, _ = cycle_window_utc(
        starts_on=date(2024, 9, 8), ends_on=date(2024, 9, 8), timezone="America/Santiago"
    )
    assert start == datetime(2024, 9, 8, 4, 0, tzinfo=UTC)
