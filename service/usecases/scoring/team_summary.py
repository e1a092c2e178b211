"""The team summary of SCORING.md §10, read from stored scores; the API and the admin
both show this one computation (who may see it is decided in access.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from service.models import Score
from service.scoring import format_fixed
from service.scoring.stored import StoredScore


@dataclass(frozen=True, slots=True)
class TeamSummary:
    in_scope: int
    scored: int
    no_data: int
    not_eligible: int
    average: str | None  # mean of the scored members' exact totals, 2 places
    band_counts: list[tuple[str, int]]
    lines: list[dict[str, Any]]  # per team-scope KPI: code, name, unit, kpi, raw_value, n


def summarise_team(rows: Sequence[Score], band_order: Sequence[str] = ()) -> TeamSummary:
    """`band_order` lists bands to show even when empty, in that order; bands scored
    but not listed follow, sorted by code."""
    scored = [r for r in rows if r.status.value == "SCORED"]
    totals = [Fraction(r.total_exact) for r in scored if r.total_exact]
    bands = Counter(r.band_code for r in scored if r.band_code)
    order = list(band_order) + sorted(code for code in bands if code not in band_order)
    lines: dict[str, dict[str, Any]] = {}
    for r in rows:
        for line in StoredScore.from_row(r.explanation).lines:
            kpi = line.kpi
            if line.setting.scope == "TEAM" and kpi.code not in lines:
                lines[kpi.code] = {
                    "code": kpi.code,
                    "name": kpi.name,
                    "unit": kpi.unit,
                    # The KPI as the line used it, with its Chinese name and unit.
                    "kpi": kpi,
                    "raw_value": line.raw_value,
                    "n": line.n,
                }
    return TeamSummary(
        in_scope=sum(1 for r in rows if r.status.value != "NOT_ELIGIBLE"),
        scored=len(scored),
        no_data=sum(1 for r in rows if r.status.value == "NO_DATA"),
        not_eligible=sum(1 for r in rows if r.status.value == "NOT_ELIGIBLE"),
        average=None if not totals else format_fixed(sum(totals, Fraction(0)) / len(totals), 2),
        band_counts=[(code, bands.get(code, 0)) for code in order],
        lines=[lines[k] for k in sorted(lines)],
    )
