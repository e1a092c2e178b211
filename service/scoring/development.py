"""Development plans: which KPIs to suggest as a focus, and which cycles show an
item's effect. Pure and deterministic (docs/development.md states both rules).

Suggestions read the stored score (service/scoring/stored.py), so they use the
numbers the person is shown: effective weights and contributions at their reported
2 places. Nothing here changes a score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from service.scoring.periods import CycleSpan, comparable_before, first_finalised_cycle_after
from service.scoring.stored import StoredLine, StoredScore
from service.scoring.types import LineStatus, Scope, ScoreStatus

# How many focus KPIs a score suggests at most.
SUGGESTIONS = 3


@dataclass(frozen=True, slots=True)
class FocusSuggestion:
    """One suggested focus: the line (its index on the scorecard, 0-based) and why.

    ``points_left`` is effective weight − contribution for a scored score; None for a
    NO_DATA score, where the line is suggested because it has no evidence (SCORING §2)
    and ranked by its scorecard weight."""

    line_index: int
    line: StoredLine
    points_left: Fraction | None

    @property
    def kpi_code(self) -> str:
        return self.line.kpi.code


def _number(text: str | None) -> Fraction | None:
    return None if text is None else Fraction(text)


def suggest_focus(score: StoredScore, *, limit: int = SUGGESTIONS) -> tuple[FocusSuggestion, ...]:
    """The focus KPIs a score suggests, best first.

    - SCORED: the INDIVIDUAL lines with status SCORED that leave points on the table
      (effective weight − contribution > 0), largest first, ties by line order.
    - NO_DATA: the INDIVIDUAL lines without evidence (SCORING §2), by scorecard weight,
      largest first, ties by line order.
    - NOT_ELIGIBLE (or anything else): none.
    """
    if score.status == ScoreStatus.SCORED.value:
        ranked: list[tuple[Fraction, int, FocusSuggestion]] = []
        for index, line in enumerate(score.lines):
            if line.scope != Scope.INDIVIDUAL.value or line.status != LineStatus.SCORED.value:
                continue
            effective, contribution = _number(line.effective_weight), _number(line.contribution)
            if effective is None or contribution is None:
                continue
            left = effective - contribution
            if left > 0:
                ranked.append((-left, index, FocusSuggestion(index, line, left)))
    elif score.status == ScoreStatus.NO_DATA.value:
        ranked = [
            (-Fraction(line.weight), index, FocusSuggestion(index, line, None))
            for index, line in enumerate(score.lines)
            if line.scope == Scope.INDIVIDUAL.value and not line.evidence
        ]
    else:
        return ()
    ranked.sort(key=lambda entry: (entry[0], entry[1]))
    return tuple(entry[2] for entry in ranked[:limit])


# --- effect shown, not claimed -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EffectCycles:
    before: CycleSpan | None
    after: CycleSpan | None


def effect_cycles(started_on: date, done_on: date, cycles: list[CycleSpan]) -> EffectCycles:
    """The two cycles whose values a finished item shows side by side.

    After: the first finalised cycle after the item was done. Before: the comparable
    previous cycle (§11) of the item's start, comparable with the "after" cycle (its
    length within ±3 days of it), so a month is set beside a month and a quarter beside
    a quarter. No "after" cycle yet: neither is shown.
    """
    after = first_finalised_cycle_after(done_on, cycles)
    if after is None:
        return EffectCycles(None, None)
    return EffectCycles(comparable_before(started_on, after.days, cycles), after)
