"""The pure rules of recognition: the rolling weekly limit at instants, and the trading
rule (docs/recognition.md)."""

from __future__ import annotations

from service.usecases.people.recognition_rules import (
    MICROSECONDS_PER_DAY,
    TradingPair,
    trading_pairs,
    within_weekly_limit,
)

WEEK = 7 * MICROSECONDS_PER_DAY
T0 = 1_770_000_000_000_000


def test_the_fourth_in_a_rolling_week_is_refused_until_the_first_is_seven_days_old() -> None:
    earlier = [T0, T0 + 10, T0 + 20]
    assert within_weekly_limit(earlier[:2], now_us=T0 + 30, most=3)
    assert not within_weekly_limit(earlier, now_us=T0 + 30, most=3)
    assert not within_weekly_limit(earlier, now_us=T0 + WEEK - 1, most=3)
    assert within_weekly_limit(earlier, now_us=T0 + WEEK, most=3)


def test_recognitions_after_the_moment_asked_about_do_not_count() -> None:
    assert within_weekly_limit([T0 + 5, T0 + 6, T0 + 7], now_us=T0, most=3)


def test_a_limit_of_one_allows_one_a_week() -> None:
    assert within_weekly_limit([], now_us=T0, most=1)
    assert not within_weekly_limit([T0], now_us=T0 + 1, most=1)


def test_a_pair_who_mostly_recognise_each_other_is_flagged_once_lower_id_first() -> None:
    given = [(2, 1)] * 3 + [(1, 2)] * 4 + [(1, 3)] * 2
    assert trading_pairs(given) == [TradingPair(1, 2, 4, 3, 6, 3)]


def test_fewer_than_three_each_way_is_no_pattern() -> None:
    assert trading_pairs([(1, 2)] * 5 + [(2, 1)] * 2) == []


def test_a_pair_is_not_flagged_when_one_of_them_recognises_many_others() -> None:
    # 3 of 6 is exactly half, not more than half: person 1 thanks the team broadly.
    given = [(1, 2)] * 3 + [(2, 1)] * 3 + [(1, 3), (1, 4), (1, 5)]
    assert trading_pairs(given) == []
    assert trading_pairs(given[:-1]) == [TradingPair(1, 2, 3, 3, 5, 3)]


def test_trading_is_decided_on_the_set_not_the_order() -> None:
    given = [(5, 4)] * 3 + [(4, 5)] * 3 + [(2, 1)] * 3 + [(1, 2)] * 3 + [(3, 3)] * 9
    expected = [TradingPair(1, 2, 3, 3, 3, 3), TradingPair(4, 5, 3, 3, 3, 3)]
    assert trading_pairs(given) == expected
    assert trading_pairs(list(reversed(given))) == expected
