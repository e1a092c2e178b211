"""A small organisation set up through the use cases, shared by integration tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from service.models import Employee
from service.usecases.actor import command_line_admin
from service.usecases.inputs import (
    CycleInput,
    EmployeeInput,
    FeedbackInput,
    KpiInput,
    PositionInput,
    ScorecardLineInput,
    TeamInput,
)
from service.usecases.setup.cycles import create_cycle, save_scorecard, transition_cycle
from service.usecases.setup.kpis import upsert_kpis
from service.usecases.setup.organisation import upsert_employees, upsert_positions, upsert_teams
from service.usecases.setup.policy_change import update_policy
from tests.snapshots import snapshotted

ADMIN = command_line_admin("test-admin")
CYCLE = "2026-Q1"

KPIS = [
    KpiInput(
        code="csat",
        name="CSAT",
        kind="QUANTITATIVE",
        direction="HIGHER_IS_BETTER",
        aggregation="SHARE_AT_LEAST",
        aggregation_param="4",
        range_min="1",
        range_max="5",
        unit="%",
        tags=("customer_satisfaction",),
    ),
    KpiInput(
        code="frt",
        name="First response",
        kind="QUANTITATIVE",
        direction="LOWER_IS_BETTER",
        aggregation="PERCENTILE",
        aggregation_param="90",
        unit="min",
    ),
    KpiInput(
        code="complaints",
        name="Complaints",
        kind="QUANTITATIVE",
        direction="LOWER_IS_BETTER",
        aggregation="COUNT",
    ),
    KpiInput(
        code="quality",
        name="Service quality",
        kind="QUALITATIVE",
        direction="HIGHER_IS_BETTER",
        aggregation="REVIEW_MEAN",
    ),
]

LINES = [
    ScorecardLineInput(kpi_code="csat", weight="35", threshold="80", target="92", stretch="98"),
    ScorecardLineInput(kpi_code="csat", scope="TEAM", weight="10", threshold="80", target="92"),
    ScorecardLineInput(kpi_code="frt", weight="15", threshold="30", target="10", stretch="5"),
    ScorecardLineInput(
        kpi_code="complaints",
        weight="10",
        method="BANDS",
        bands=(("0", "100"), ("1", "80"), ("3", "40")),
    ),
    ScorecardLineInput(kpi_code="quality", weight="30"),
]


@snapshotted
async def build_organisation(*, activate: bool = True, members: int = 4) -> None:
    await update_policy(
        actor=ADMIN,
        settings={"timezone": "Asia/Shanghai", "csat_kpi_code": "csat"},
        expected_version=None,
    )
    await upsert_positions(
        actor=ADMIN, positions=[PositionInput("agent", "Agent"), PositionInput("lead", "Team lead")]
    )
    await upsert_teams(
        actor=ADMIN,
        teams=[
            TeamInput("service", "Service"),
            TeamInput("hotline", "Hotline", "service"),
            TeamInput("field", "Field", "service"),
        ],
    )
    people = [
        EmployeeInput(
            "L1", "Lena Lead", date(2020, 1, 1), team_code="hotline", position_code="lead"
        )
    ]
    people += [
        EmployeeInput(
            f"A{i}", f"Agent {i}", date(2021, 1, 1), team_code="hotline", position_code="agent"
        )
        for i in range(1, members + 1)
    ]
    people += [
        EmployeeInput(
            "F1", "Fang Field", date(2021, 1, 1), team_code="field", position_code="agent"
        )
    ]
    await upsert_employees(actor=ADMIN, employees=people)
    await upsert_teams(actor=ADMIN, teams=[TeamInput("hotline", "Hotline", "service", "L1")])
    await upsert_kpis(actor=ADMIN, kpis=KPIS)
    await create_cycle(
        actor=ADMIN, cycle=CycleInput(CYCLE, "Q1 2026", date(2026, 1, 1), date(2026, 3, 31))
    )
    await save_scorecard(actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=LINES)
    if activate:
        await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="ACTIVE")


async def employee_id(external_id: str) -> int:
    return (await Employee.get(external_id=external_id)).id


def agents(count: int, *, teams: Sequence[str] = ("hotline",)) -> list[EmployeeInput]:
    """`count` more agents (N000, N001 ...), hired in 2021, spread over `teams` in turn."""
    return [
        EmployeeInput(
            f"N{i:03d}",
            f"New {i}",
            date(2021, 1, 1),
            team_code=teams[i % len(teams)],
            position_code="agent",
        )
        for i in range(count)
    ]


async def hire_agents(count: int, *, teams: Sequence[str] = ("hotline",)) -> list[str]:
    """Adds agents() to the organisation; their external ids."""
    people = agents(count, teams=teams)
    await upsert_employees(actor=ADMIN, employees=people)
    return [person.external_id for person in people]


def survey_ratings(people: Sequence[str], count: int, *, prefix: str = "fb") -> list[FeedbackInput]:
    """`count` online-survey ratings of 1 to 5 in February, to each of `people` in turn."""
    return [
        FeedbackInput(
            rating=str(1 + i % 5),
            channel="ONLINE_SURVEY",
            occurred_at=f"2026-02-{1 + i % 20:02d}T10:00:00+08:00",
            source="survey",
            employee_external_id=people[i % len(people)],
            external_id=f"{prefix}-{i}",
        )
        for i in range(count)
    ]
