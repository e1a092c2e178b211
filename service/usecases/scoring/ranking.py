"""The ranking order of SCORING.md §5, written once for every list of scores.

Best first: reported total descending, then employee id ascending; scores with no
total (NO_DATA, NOT_ELIGIBLE) after every scored one. SQL pages over the same key as
Python sorts by, so the API's leaderboard, the CLI and the admin agree row for row.
"""

from __future__ import annotations

# Reported totals are never negative (clamped at 0), so -1 ranks "no total" last.
_NO_TOTAL = -1


def rank_value(total_cents: int | None) -> int:
    """The number a score ranks by: its reported total in cents, or below every total."""
    return _NO_TOTAL if total_cents is None else total_cents


def ranking_key(total_cents: int | None, employee_id: int) -> tuple[int, int]:
    """Sort key: ``sorted(rows, key=...)`` lists best first."""
    return (-rank_value(total_cents), employee_id)


def rank_sql(score_alias: str) -> str:
    """The SQL expression of :func:`rank_value` for the score table aliased ``score_alias``."""
    return f"COALESCE({score_alias}.total_cents, {_NO_TOTAL})"
