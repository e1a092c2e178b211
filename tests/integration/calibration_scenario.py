"""A cycle in REVIEW with a lenient and a harsh reviewer, hand-computed (SCORING §12).

Hotline (led by L1, user lead@example.com) has agents A1-A5; Field has F1. Each agent
has ten CSAT ratings, nine of them 4 or 5: 90 %, p = 100 × (90 − 80) / 12 = 250/3; no
first-response data (that line is left out); no complaints (the BANDS line gives 100).
Quantitative side: (35 × 250/3 + 10 × 100) / 45 = 2350/27 for everyone.

The lead rates A1-A4 5 and A5 4 on the 1-5 quality scale (p 100, 100, 100, 100, 75);
hr@example.com (an admin) rates A1-A5 and F1 3 (p 50).
- lead: gaps 350/27 ×4 and 350/27 − 25, mean 215/27, s² = 125, s²/n = 25 (SE 5.00);
- hr: gap −1000/27 for all six, s² = 0;
- organisation: (5 × 215/27 + 6 × −1000/27) / 11 = −4925/297;
- lead: d = 7290/297 > 10 and d² > 4 × 125 / 5: LENIENT; hr: d = −6075/297: HARSH.
"""

from __future__ import annotations

from fractions import Fraction

from service.settings import Settings
from service.usecases.accounts.users import create_user
from service.usecases.inputs import ObservationInput, ReviewInput
from service.usecases.scoring.ingest import record_observations, submit_reviews
from service.usecases.setup.cycles import transition_cycle
from tests.integration.scenario import ADMIN, CYCLE, build_organisation
from tests.snapshots import snapshotted

AGENTS = ("A1", "A2", "A3", "A4", "A5")
QUANTITATIVE = Fraction(2350, 27)
LEAD_GAP = Fraction(215, 27)
HR_GAP = Fraction(-1000, 27)
ORGANISATION_GAP = Fraction(-4925, 297)


@snapshotted
async def build_calibration_cycle(*, to_review: bool = True) -> None:
    await build_organisation(members=5)
    settings = Settings.from_environment()
    for email, access, person in (
        ("lead@example.com", "MANAGER", "L1"),
        ("hr@example.com", "ADMIN", None),
        ("a1@example.com", "EMPLOYEE", "A1"),
    ):
        await create_user(
            actor=ADMIN,
            email=email,
            access=access,
            password="long-enough",
            employee_external_id=person,
            settings=settings,
        )
    observations = [
        ObservationInput(
            kpi_code="csat",
            value="5" if i < 9 else "2",
            occurred_at=f"2026-02-{10 + i:02d}T10:00:00+08:00",
            source="survey",
            employee_external_id=person,
            external_id=f"{person}-csat-{i}",
        )
        for person in (*AGENTS, "F1")
        for i in range(10)
    ]
    await record_observations(actor=ADMIN, observations=observations)
    reviews = [
        ReviewInput(CYCLE, person, "quality", "lead@example.com", "MANAGER", rating)
        for person, rating in zip(AGENTS, ("5", "5", "5", "5", "4"), strict=True)
    ]
    reviews += [
        ReviewInput(CYCLE, person, "quality", "hr@example.com", "MANAGER", "3")
        for person in (*AGENTS, "F1")
    ]
    await submit_reviews(actor=ADMIN, reviews=reviews)
    if to_review:
        await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")
