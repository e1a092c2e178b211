"""Three finalised-or-open months and a finalised quarter, with ratings whose totals
are worked out by hand (docs/heatmap-and-trends.md).

The agents' scorecard in each month is one line, their own CSAT (the share of ratings of
4 or 5) from threshold 0 to target 100, so a total is the share itself:

| cycle | state | A1's ratings | A1 | A2's ratings | A2 | hotline mean |
|---|---|---|---|---|---|---|
| 2025-10 | DRAFT (never finalised: not in any chain) | | | | | |
| 2025-Q4 | FINALIZED, 92 days (not comparable with a month) | | | | | |
| 2025-11 | FINALIZED | 5 5 4 2 | 75.00 B | 5 5 | 100.00 S | 87.50 |
| 2025-12 | FINALIZED | 5 4 4 4 1 | 80.00 B | 4 1 | 50.00 D | 65.00 |
| 2026-01 | ACTIVE | 5 5 1 | 66.67 C (66.6667 exactly) | 5 | 100.00 S | 83.33 (83.33335) |

A1's change in 2026-01: 66.6667 − 80 = −13.3333, reported "-13.33" since 2025-12; the
hotline's: 83.33335 − 65 = 18.33335, "+18.33". A3 and A4 have no ratings (NO_DATA); L1
holds a position without a scorecard (NOT_ELIGIBLE).
"""

from __future__ import annotations

from datetime import date

from service.usecases.inputs import CycleInput, FeedbackInput, ScorecardLineInput
from service.usecases.scoring.ingest import record_feedback
from service.usecases.setup.cycles import create_cycle, save_scorecard, transition_cycle
from tests.integration.scenario import ADMIN, build_organisation
from tests.snapshots import snapshotted

MONTH = "2026-01"
LINES = [ScorecardLineInput(kpi_code="csat", weight="100", threshold="0", target="100")]
CYCLES = [
    ("2025-Q4", date(2025, 10, 1), date(2025, 12, 31), "FINALIZED"),
    ("2025-10", date(2025, 10, 1), date(2025, 10, 31), "DRAFT"),
    ("2025-11", date(2025, 11, 1), date(2025, 11, 30), "FINALIZED"),
    ("2025-12", date(2025, 12, 1), date(2025, 12, 31), "FINALIZED"),
    (MONTH, date(2026, 1, 1), date(2026, 1, 31), "ACTIVE"),
]
RATINGS = {
    ("A1", "2025-11-10"): [5, 5, 4, 2],
    ("A1", "2025-12-10"): [5, 4, 4, 4, 1],
    ("A1", "2026-01-10"): [5, 5, 1],
    ("A2", "2025-11-12"): [5, 5],
    ("A2", "2025-12-12"): [4, 1],
    ("A2", "2026-01-12"): [5],
}


@snapshotted
async def build_trend_organisation() -> None:
    await build_organisation(activate=False)
    for code, starts_on, ends_on, _state in CYCLES:
        await create_cycle(actor=ADMIN, cycle=CycleInput(code, code, starts_on, ends_on))
        await save_scorecard(actor=ADMIN, cycle_code=code, position_code="agent", lines=LINES)
    await record_feedback(
        actor=ADMIN,
        feedback=[
            FeedbackInput(
                rating=str(rating),
                channel="ONLINE_SURVEY",
                occurred_at=f"{day}T10:00:00+08:00",
                source="survey",
                employee_external_id=agent,
                external_id=f"trend-{agent}-{day}-{i}",
            )
            for (agent, day), values in RATINGS.items()
            for i, rating in enumerate(values)
        ],
    )
    for code, _starts, _ends, state in CYCLES:
        steps = {"DRAFT": [], "ACTIVE": ["ACTIVE"], "FINALIZED": ["ACTIVE", "REVIEW", "FINALIZED"]}
        for to in steps[state]:
            await transition_cycle(actor=ADMIN, cycle_code=code, to=to, reason="trend test")
