"""The organisation of scenario.py with five agents and a finalised January (CSAT alone
on the agents' card, threshold 40 %, target 90 %), shared by the role-model tests.

January's CSAT (share of ratings >= 4) and normalised points, hand-computed:
A1 4 of 4 = 100 % -> 100; A2 4 of 4 -> 100; A3 3 of 4 = 75 % -> 70; A4 3 of 4 -> 70;
A5 1 of 4 = 25 % -> 0; F1 (team field) 2 of 4 = 50 % -> 20. L1 leads hotline and has no
scorecard. Hotline's role models on CSAT: A1 and A2 (rank 1), A3 and A4 (tied third).
The open cycle asked about is February (ACTIVE; 28 days, January's 31 are within 3).
"""

from __future__ import annotations

from datetime import date

from service.models import AccessLevel, Employee, User
from service.usecases.actor import Actor
from service.usecases.inputs import CycleInput, FeedbackInput, ScorecardLineInput
from service.usecases.scoring.ingest import record_feedback
from service.usecases.setup.cycles import create_cycle, save_scorecard, transition_cycle
from tests.integration.scenario import ADMIN, build_organisation
from tests.snapshots import snapshotted

PREVIOUS = "2026-01"
OPEN = "2026-02"
SHARES = {"A1": (4, 0), "A2": (4, 0), "A3": (3, 1), "A4": (3, 1), "A5": (1, 3), "F1": (2, 2)}


def _ratings(employee: str, good: int, poor: int) -> list[FeedbackInput]:
    ratings = ["5"] * good + ["2"] * poor
    return [
        FeedbackInput(
            rating=rating,
            channel="ONLINE_SURVEY",
            occurred_at="2026-01-12T10:00:00+08:00",
            source="survey",
            employee_external_id=employee,
            external_id=f"rm-{employee}-{i}",
        )
        for i, rating in enumerate(ratings)
    ]


@snapshotted
async def build_role_model_scenario() -> None:
    await build_organisation(members=5)
    await create_cycle(
        actor=ADMIN, cycle=CycleInput(PREVIOUS, "January", date(2026, 1, 1), date(2026, 1, 31))
    )
    await save_scorecard(
        actor=ADMIN,
        cycle_code=PREVIOUS,
        position_code="agent",
        lines=[ScorecardLineInput(kpi_code="csat", weight="100", threshold="40", target="90")],
    )
    await record_feedback(
        actor=ADMIN,
        feedback=[row for who, (g, p) in SHARES.items() for row in _ratings(who, g, p)],
    )
    for state in ("ACTIVE", "REVIEW", "FINALIZED"):
        await transition_cycle(actor=ADMIN, cycle_code=PREVIOUS, to=state)
    await create_cycle(
        actor=ADMIN, cycle=CycleInput(OPEN, "February", date(2026, 2, 1), date(2026, 2, 28))
    )
    await save_scorecard(
        actor=ADMIN,
        cycle_code=OPEN,
        position_code="agent",
        lines=[ScorecardLineInput(kpi_code="csat", weight="100", threshold="40", target="90")],
    )
    await transition_cycle(actor=ADMIN, cycle_code=OPEN, to="ACTIVE")


async def person(external_id: str, access: AccessLevel = AccessLevel.EMPLOYEE) -> Actor:
    """An actor with an account (thanks are kept per account)."""
    employee = await Employee.get(external_id=external_id)
    user = await User.get_or_none(employee_id=employee.id)
    if user is None:
        user = await User.create(
            email=f"{external_id.lower()}@example.com", access=access, employee_id=employee.id
        )
    return Actor(label=user.email, access=access, user_id=user.id, employee_id=employee.id)


async def admin() -> Actor:
    user = await User.get_or_none(email="admin@example.com")
    if user is None:
        user = await User.create(email="admin@example.com", access=AccessLevel.ADMIN)
    return Actor(label=user.email, access=AccessLevel.ADMIN, user_id=user.id)
