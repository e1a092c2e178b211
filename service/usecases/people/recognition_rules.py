"""The rules of recognition that need no database: pure functions on plain values,
unit-tested on their own (tests/unit/test_recognition_rules.py).

- The weekly limit: at most N recognitions from one giver to one receiver in any
  rolling 7 days, counted at instants (UTC epoch microseconds).
- Trading: pairs who mostly recognise each other, flagged to admins (docs/recognition.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

MICROSECONDS_PER_DAY = 86_400 * 1_000_000
LIMIT_WINDOW_DAYS = 7
# Trading: the window looked at, and how many each way a pair needs before it is a pattern.
TRADING_WINDOW_DAYS = 90
TRADING_MIN_EACH_WAY = 3


def limit_window_start_us(now_us: int) -> int:
    """The first instant inside the rolling week that ends at `now_us`: the window is
    (now - 7 days, now], so a recognition given exactly 7 days ago no longer counts."""
    return now_us - LIMIT_WINDOW_DAYS * MICROSECONDS_PER_DAY + 1


def within_weekly_limit(given_at_us: Iterable[int], *, now_us: int, most: int) -> bool:
    """Whether one more recognition at `now_us` keeps the pair at or under `most` in the
    rolling week: `given_at_us` are the pair's earlier recognitions (same giver, same
    receiver), at any time."""
    start = limit_window_start_us(now_us)
    return sum(1 for moment in given_at_us if start <= moment <= now_us) < most


@dataclass(frozen=True, slots=True)
class TradingPair:
    """Two people who mostly recognise each other; `first` has the lower employee id."""

    first: int
    second: int
    first_to_second: int
    second_to_first: int
    first_gave: int  # everything `first` gave in the window
    second_gave: int


def trading_pairs(given: Iterable[tuple[int, int]]) -> list[TradingPair]:
    """The pairs flagged for trading among `given` (giver, receiver) recognitions of the
    window (TRADING_WINDOW_DAYS, chosen by the caller).

    A pair {a, b} is flagged when each has given the other at least TRADING_MIN_EACH_WAY,
    and what each gave the other is more than half of everything they gave in the window.
    Deterministic: sorted by (first, second), the lower id first.
    """
    edges: Counter[tuple[int, int]] = Counter()
    gave: Counter[int] = Counter()
    for giver, receiver in given:
        if giver == receiver:
            continue
        edges[(giver, receiver)] += 1
        gave[giver] += 1
    flagged: list[TradingPair] = []
    for (a, b), a_to_b in edges.items():
        if a > b:
            continue
        b_to_a = edges.get((b, a), 0)
        if a_to_b < TRADING_MIN_EACH_WAY or b_to_a < TRADING_MIN_EACH_WAY:
            continue
        if 2 * a_to_b > gave[a] and 2 * b_to_a > gave[b]:
            flagged.append(TradingPair(a, b, a_to_b, b_to_a, gave[a], gave[b]))
    return sorted(flagged, key=lambda pair: (pair.first, pair.second))
