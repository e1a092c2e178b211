"""The organisation of scenario.py with a catalogue, scores to suggest from and two
finalised months to show an item's effect; shared by the development-plan tests.

Scores in 2026-Q1 (hand-computed; quality has no review, so it is INSUFFICIENT_DATA and
the scored weights are 35 + 10 + 15 + 10 = 70):
- A1: CSAT 9 of 10 ratings >= 4 = 90 %, p = 100 x (90 - 80) / (92 - 80) = 83.33;
  effective weight 35 x 100 / 70 = 50.00, contribution 41.67, left 8.33.
  First response p90 of ten 20-minute answers = 20, p = 100 x (30 - 20) / (30 - 10) = 50;
  effective weight 21.43, contribution 10.71, left 10.72.
  Complaints: none, 100 points, effective 14.29 = contribution, left 0.
  Evidence 35 + 15 + 10 = 60 >= 50: SCORED. Suggestions: frt (10.72), csat (8.33).
- A2: CSAT only: evidence 35 + 10 = 45 < 50: NO_DATA. The INDIVIDUAL lines without
  evidence: quality (30), frt (15). Suggestions in that order.
"""

from __future__ import annotations

from datetime import date

from service.models import AccessLevel, Employee
from service.usecases.actor import Actor
from service.usecases.inputs import (
    CycleInput,
    FeedbackInput,
    ObservationInput,
    ScorecardLineInput,
)
from service.usecases.people.training import CourseInput, save_course
from service.usecases.scoring.ingest import record_feedback, record_observations
from service.usecases.setup.cycles import create_cycle, save_scorecard, transition_cycle
from tests.integration.scenario import ADMIN, build_organisation
from tests.snapshots import snapshotted

COURSES = [
    CourseInput("csat-basics", "Delighting callers", "让来电者满意", ("csat",), 90, "WORKSHOP"),
    CourseInput("fast-reply", "Answering fast", "快速响应", ("frt",), 60, "ONLINE"),
    CourseInput("csat-frt", "Calm and quick", "沉着而迅速", ("csat", "frt"), 120, "CLASSROOM"),
]


def _feedback(employee: str, rating: str, n: int, month: str, tag: str) -> list[FeedbackInput]:
    return [
        FeedbackInput(
            rating=rating,
            channel="ONLINE_SURVEY",
            occurred_at=f"{month}-10T10:00:00+08:00",
            source="survey",
            employee_external_id=employee,
            external_id=f"{tag}-{employee}-{month}-{rating}-{i}",
        )
        for i in range(n)
    ]


def _answers(employee: str, minutes: str, n: int) -> list[ObservationInput]:
    return [
        ObservationInput(
            kpi_code="frt",
            value=minutes,
            occurred_at="2026-02-11T10:00:00+08:00",
            source="tickets",
            employee_external_id=employee,
            external_id=f"frt-{employee}-{i}",
        )
        for i in range(n)
    ]


async def actor(external_id: str, access: AccessLevel = AccessLevel.EMPLOYEE) -> Actor:
    employee = await Employee.get(external_id=external_id)
    return Actor(label=f"{external_id.lower()}@example.com", access=access, employee_id=employee.id)


@snapshotted
async def build_development_scenario() -> None:
    await build_organisation()
    for course in COURSES:
        await save_course(actor=ADMIN, course=course)
    await record_feedback(
        actor=ADMIN,
        feedback=_feedback("A1", "5", 9, "2026-02", "q1")
        + _feedback("A1", "3", 1, "2026-02", "q1")
        + _feedback("A2", "5", 3, "2026-02", "q1"),
    )
    await record_observations(actor=ADMIN, observations=_answers("A1", "20", 10))


async def finalise_months() -> None:
    """2025-11 (30 days) and 2025-12 (31 days) and 2026-01 (31 days), CSAT alone on the
    agents' card, finalised. A1's CSAT: November 2 of 4 = 50 %, January 3 of 4 = 75 %."""
    months = [
        ("2025-11", date(2025, 11, 1), date(2025, 11, 30)),
        ("2025-12", date(2025, 12, 1), date(2025, 12, 31)),
        ("2026-01", date(2026, 1, 1), date(2026, 1, 31)),
    ]
    for code, starts, ends in months:
        await create_cycle(actor=ADMIN, cycle=CycleInput(code, code, starts, ends))
        await save_scorecard(
            actor=ADMIN,
            cycle_code=code,
            position_code="agent",
            lines=[ScorecardLineInput(kpi_code="csat", weight="100", threshold="40", target="90")],
        )
    await record_feedback(
        actor=ADMIN,
        feedback=_feedback("A1", "5", 2, "2025-11", "m")
        + _feedback("A1", "2", 2, "2025-11", "m")
        + _feedback("A1", "5", 1, "2025-12", "m")
        + _feedback("A1", "5", 3, "2026-01", "m")
        + _feedback("A1", "1", 1, "2026-01", "m"),
    )
    for code, _starts, _ends in months:
        for state in ("ACTIVE", "REVIEW", "FINALIZED"):
            await transition_cycle(actor=ADMIN, cycle_code=code, to=state)
