"""A shadow scorecard and a pilot, hand-computed (SCORING.md §13).

Shadow (cycle 2026-Q1, agents): the live card weighs CSAT 35 (t 80, g 92, s 98),
team CSAT 10, first response 15, complaints 10 (BANDS: none → 100), quality 30. The
shadow raises CSAT to 45 and lowers quality to 20. Ten ratings, nine of them 4 or 5:
90 %, p = 100 × (90 − 80) / 12 = 250/3 (the team's 90 % too).
- A1 (ratings only): live evidence 35 + 10 = 45 < 50, NO_DATA; shadow evidence 55:
  (55 × 250/3 + 10 × 100) / 65 = 3350/39 = 85.90, band A.
- A2 (ratings and a MANAGER quality 4, p 75): live (45 × 250/3 + 1000 + 30 × 75) / 85
  = 1400/17 = 82.35 (B); shadow (55 × 250/3 + 1000 + 20 × 75) / 85 = 250/3 = 83.33
  (B); change 50/51 = 0.98. With a +2 adjustment: 84.35 (B) and 85.33 (A).
- A3, A4, F1: no data, NO_DATA both ways; A9, hired 20 March: NOT_ELIGIBLE both ways.

Pilot (two monthly cycles, 2026-01 finalised and 2026-02 piloting the hotline; the
hotline has L1 and A1-A4: headcount 5; the field F1: 1):
- CSAT: January pilot 2 of 4 = 50, others 2 of 2 = 100; February pilot 5 of 6 = 250/3,
  others 1 of 2 = 50; changes 100/3 and −50, gap 250/3.
- complaints (COUNT, per head): January 1/5 = 0.2 and 0/1 = 0; February 3 of A1 and
  A2 plus one team-level complaint of the hotline, 4/5 = 0.8, and 1/1 = 1; changes 0.6
  and 1, gap −0.4.
- first response (PERCENTILE 90): February pilot 10, 20, 30, 40 → rank 4: 40; others
  15; none in January: no change.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from service.settings import Settings
from service.usecases.accounts.users import create_user
from service.usecases.inputs import (
    CycleInput,
    EmployeeInput,
    ObservationInput,
    ReviewInput,
    ScorecardLineInput,
)
from service.usecases.review.shadow import save_shadow_scorecard
from service.usecases.scoring.ingest import record_observations, submit_reviews
from service.usecases.setup.cycles import create_cycle, save_scorecard, transition_cycle
from service.usecases.setup.organisation import upsert_employees
from tests.integration.scenario import ADMIN, CYCLE, LINES, build_organisation
from tests.snapshots import snapshotted

SHADOW_LINES = [
    ScorecardLineInput(kpi_code="csat", weight="45", threshold="80", target="92", stretch="98"),
    ScorecardLineInput(kpi_code="csat", scope="TEAM", weight="10", threshold="80", target="92"),
    ScorecardLineInput(kpi_code="frt", weight="15", threshold="30", target="10", stretch="5"),
    ScorecardLineInput(
        kpi_code="complaints",
        weight="10",
        method="BANDS",
        bands=(("0", "100"), ("1", "80"), ("3", "40")),
    ),
    ScorecardLineInput(kpi_code="quality", weight="20"),
]

A1_SHADOW = Fraction(3350, 39)
A2_LIVE = Fraction(1400, 17)
A2_SHADOW = Fraction(250, 3)
REVIEWER = "hr@example.com"


def ratings(person: str, cycle_day: str = "2026-02", prefix: str = "") -> list[ObservationInput]:
    """Ten CSAT ratings, nine of them 5."""
    return [
        ObservationInput(
            kpi_code="csat",
            value="5" if i < 9 else "2",
            occurred_at=f"{cycle_day}-{10 + i:02d}T10:00:00+08:00",
            source="survey",
            employee_external_id=person,
            external_id=f"{prefix}{person}-csat-{i}",
        )
        for i in range(10)
    ]


@snapshotted
async def build_shadow_cycle(*, with_a2: bool = True) -> None:
    """The Q1 cycle with the agents' shadow scorecard and A1's ratings (A2's too)."""
    await build_organisation(members=4)
    await create_user(
        actor=ADMIN,
        email=REVIEWER,
        access="ADMIN",
        password="long-enough",
        employee_external_id=None,
        settings=Settings.from_environment(),
    )
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                "A9", "Late Hire", date(2026, 3, 20), team_code="hotline", position_code="agent"
            )
        ],
    )
    await save_shadow_scorecard(
        actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=SHADOW_LINES
    )
    await record_observations(actor=ADMIN, observations=ratings("A1"))
    if with_a2:
        await add_a2()


async def add_a2() -> None:
    await record_observations(actor=ADMIN, observations=ratings("A2"))
    await submit_reviews(
        actor=ADMIN, reviews=[ReviewInput(CYCLE, "A2", "quality", REVIEWER, "MANAGER", "4")]
    )


def _observation(
    kpi: str, value: str, day: str, *, person: str | None = None, team: str | None = None
) -> ObservationInput:
    who = person or team
    return ObservationInput(
        kpi_code=kpi,
        value=value,
        occurred_at=f"{day}T10:00:00+08:00",
        source="ops",
        employee_external_id=person,
        team_code=team,
        external_id=f"{kpi}-{who}-{day}-{value}",
    )


JANUARY = [
    *(
        _observation("csat", v, f"2026-01-{10 + i:02d}", person="A1")
        for i, v in enumerate(("5", "5", "3", "2"))
    ),
    _observation("csat", "5", "2026-01-10", person="F1"),
    _observation("csat", "4", "2026-01-11", person="F1"),
    _observation("complaints", "1", "2026-01-12", person="A1"),
]
FEBRUARY = [
    *(
        _observation("csat", v, f"2026-02-{10 + i:02d}", person="A1")
        for i, v in enumerate(("5", "5", "5", "2"))
    ),
    _observation("csat", "4", "2026-02-10", person="A2"),
    _observation("csat", "4", "2026-02-11", person="A2"),
    _observation("csat", "5", "2026-02-10", person="F1"),
    _observation("csat", "2", "2026-02-11", person="F1"),
    _observation("complaints", "1", "2026-02-12", person="A1"),
    _observation("complaints", "1", "2026-02-13", person="A1"),
    _observation("complaints", "1", "2026-02-12", person="A2"),
    _observation("complaints", "1", "2026-02-14", team="hotline"),
    _observation("complaints", "1", "2026-02-12", person="F1"),
    *(
        _observation("frt", v, f"2026-02-{15 + i:02d}", person="A1")
        for i, v in enumerate(("30", "10", "20"))
    ),
    _observation("frt", "40", "2026-02-15", person="A2"),
    _observation("frt", "15", "2026-02-15", person="F1"),
]
PREVIOUS = "2026-01"
PILOT = "2026-02"


@snapshotted
async def build_pilot_cycles(*, finalize_january: bool = True) -> None:
    """January (finalised unless asked) and February piloting the hotline."""
    await build_organisation(activate=False, members=4)
    await create_cycle(
        actor=ADMIN, cycle=CycleInput(PREVIOUS, "January", date(2026, 1, 1), date(2026, 1, 31))
    )
    await save_scorecard(actor=ADMIN, cycle_code=PREVIOUS, position_code="agent", lines=LINES)
    await transition_cycle(actor=ADMIN, cycle_code=PREVIOUS, to="ACTIVE")
    await record_observations(actor=ADMIN, observations=JANUARY)
    if finalize_january:
        await transition_cycle(actor=ADMIN, cycle_code=PREVIOUS, to="REVIEW")
        await transition_cycle(
            actor=ADMIN,
            cycle_code=PREVIOUS,
            to="FINALIZED",
            override_reason="no quality reviews in this test",
        )
    await create_cycle(
        actor=ADMIN,
        cycle=CycleInput(
            PILOT, "February", date(2026, 2, 1), date(2026, 2, 28), pilot_team_codes=("hotline",)
        ),
    )
    await save_scorecard(actor=ADMIN, cycle_code=PILOT, position_code="agent", lines=LINES)
    await transition_cycle(actor=ADMIN, cycle_code=PILOT, to="ACTIVE")
    await record_observations(actor=ADMIN, observations=FEBRUARY)
