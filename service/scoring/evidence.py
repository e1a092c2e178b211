"""Which lines are evidence of the person's own (SCORING.md §2), written once for the
engine (a score's evidence weight) and the scorecard check (the most it can reach, §8).
"""

from __future__ import annotations

from collections.abc import Sequence

from service.scoring.aggregate import ALWAYS_SCORED
from service.scoring.types import Scope, ScorecardLine


def is_about_person(line: ScorecardLine, *, leads_team: bool) -> bool:
    """INDIVIDUAL lines are; a TEAM line only for a lead of the team it measures (a
    team lead's results are their team's); any other TEAM line never is evidence."""
    return line.scope is Scope.INDIVIDUAL or leads_team


def evidence_flags(
    lines: Sequence[ScorecardLine],
    *,
    about: Sequence[bool],
    scored: Sequence[bool],
    sample_sizes: Sequence[int],
) -> tuple[bool, ...]:
    """Per line, whether it is evidence: a scored line about the person whose
    aggregation is not SUM or COUNT and whose n is at least 1; and a scored SUM or COUNT
    line about the person once a line of that first kind is evidence (a complaint, or
    its absence, must never be what makes a person scored)."""
    first_kind = [
        ok and mine and line.kpi.aggregation not in ALWAYS_SCORED and n >= 1
        for line, mine, ok, n in zip(lines, about, scored, sample_sizes, strict=True)
    ]
    any_first = any(first_kind)
    return tuple(
        first or (any_first and ok and mine and line.kpi.aggregation in ALWAYS_SCORED)
        for line, mine, ok, first in zip(lines, about, scored, first_kind, strict=True)
    )
