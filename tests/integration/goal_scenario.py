"""Goals on the scenario organisation, shared by the API, admin and paging tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from service.models import Goal
from service.scoring.goals import GoalClock
from service.usecases.people.goals import GoalInput, MeasureInput, report_goal_value, set_goal
from tests.integration.scenario import ADMIN, CYCLE

# The scenario's cycle runs through Q1 2026: "today" is pinned inside it.
TODAY = date(2026, 1, 5)
CLOCK = GoalClock(now=datetime(2026, 1, 5, 4, tzinfo=UTC), pinned_today=TODAY)


def csat_goal(owner: str = "A1", *, target: str = "90") -> GoalInput:
    return GoalInput(
        cycle_code=CYCLE,
        title=f"Raise CSAT to {target} %",
        measure=MeasureInput(kpi_code="csat", scope="INDIVIDUAL"),
        target=target,
        due_on="2026-03-31",
        employee_external_id=owner,
    )


def visits_goal(owner: str = "A1") -> GoalInput:
    return GoalInput(
        cycle_code=CYCLE,
        title="Visit twelve key customers",
        measure=MeasureInput(
            unit="visits",
            direction="HIGHER_IS_BETTER",
            range_min="0",
            range_max="50",
            related_kpi_code="csat",
        ),
        target="12",
        baseline="0",
        due_on="2026-03-31",
        employee_external_id=owner,
    )


async def manual_goal_with_reports(owner: str = "A1", *, reports: int = 3) -> Goal:
    """An accepted manual goal with `reports` values reported (all on the pinned day)."""
    saved = await set_goal(actor=ADMIN, goal=visits_goal(owner), clock=CLOCK)
    for i in range(reports):
        await report_goal_value(
            actor=ADMIN, goal_id=saved.goal.id, value=str(i + 1), note=f"week {i + 1}", clock=CLOCK
        )
    return await Goal.get(id=saved.goal.id)
