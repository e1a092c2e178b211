"""Who is scored in a cycle, and which instants a cycle covers (SCORING.md, "Cycle", §1)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from service.scoring.types import Eligibility, EmploymentPeriod

EMPLOYED_TOO_FEW_DAYS = "EMPLOYED_TOO_FEW_DAYS"
NOT_IN_SCOPE = "NOT_IN_SCOPE"
NO_SCORECARD = "NO_SCORECARD"


def _check_cycle_days(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise ValueError(f"a cycle cannot end ({ends_on}) before it starts ({starts_on})")


def _days_inclusive(first: date, last: date) -> int:
    return max(0, (last - first).days + 1)


def employment_eligibility(
    *,
    period: EmploymentPeriod,
    starts_on: date,
    ends_on: date,
    min_employed_share: Fraction,
) -> Eligibility:
    """Eligible when employed on at least ``min_employed_share`` % of the cycle's days.

    Both the cycle and the employment include their first and last days.
    """
    _check_cycle_days(starts_on, ends_on)
    cycle_days = _days_inclusive(starts_on, ends_on)
    last_employed = ends_on if period.left_on is None else min(period.left_on, ends_on)
    employed_days = _days_inclusive(max(period.hired_on, starts_on), last_employed)
    # Compared in integers and fractions: 15 of 30 days is exactly 50 %.
    eligible = employed_days * 100 >= min_employed_share * cycle_days
    return Eligibility(
        eligible=eligible,
        employed_days=employed_days,
        cycle_days=cycle_days,
        reason=None if eligible else EMPLOYED_TOO_FEW_DAYS,
    )


def _start_of_day_utc(day: date, zone: ZoneInfo) -> datetime:
    # fold=0 picks the first of two midnights when clocks go back, and when
    # midnight is skipped (clocks go forward at 00:00) it resolves to the
    # instant of the jump: either way, the first instant of that local day.
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def cycle_window_utc(*, starts_on: date, ends_on: date, timezone: str) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the cycle's local days; observations count when start <= t < end."""
    _check_cycle_days(starts_on, ends_on)
    zone = ZoneInfo(timezone)
    return (
        _start_of_day_utc(starts_on, zone),
        _start_of_day_utc(ends_on + timedelta(days=1), zone),
    )
