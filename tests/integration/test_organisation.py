from __future__ import annotations

from datetime import date

import pytest

from service.errors import PermissionDenied, ValidationFailed
from service.models import AccessLevel, Employee, Score, Team
from service.usecases.actor import Actor
from service.usecases.inputs import EmployeeInput, TeamInput
from service.usecases.setup.organisation import upsert_employees, upsert_teams
from tests.integration.scenario import ADMIN, CYCLE, build_organisation


async def test_teams_may_list_their_parent_after_themselves(db: str) -> None:
    report = await upsert_teams(
        actor=ADMIN, teams=[TeamInput("child", "Child", "parent"), TeamInput("parent", "Parent")]
    )
    assert report.created == 2
    child = await Team.get(code="child").prefetch_related("parent")
    assert child.parent is not None
    assert child.parent.code == "parent"


async def test_a_team_cannot_be_moved_under_its_own_sub_team(db: str) -> None:
    await upsert_teams(actor=ADMIN, teams=[TeamInput("a", "A"), TeamInput("b", "B", "a")])
    with pytest.raises(ValidationFailed) as error:
        await upsert_teams(actor=ADMIN, teams=[TeamInput("a", "A", "b")])
    assert error.value.issues[0].code == "CYCLE"
    assert (await Team.get(code="a")).parent_id is None


async def test_an_employee_in_an_unknown_team_is_refused_and_nothing_is_written(db: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        await upsert_employees(
            actor=ADMIN,
            employees=[
                EmployeeInput("E1", "Ok", date(2020, 1, 1)),
                EmployeeInput("E2", "Bad", date(2020, 1, 1), team_code="nowhere"),
            ],
        )
    assert [(i.row, i.field) for i in error.value.issues] == [(1, "team")]
    assert await Employee.all().count() == 0


async def test_only_admins_change_the_organisation(db: str) -> None:
    manager = Actor(label="m", access=AccessLevel.MANAGER)
    with pytest.raises(PermissionDenied):
        await upsert_teams(actor=manager, teams=[TeamInput("x", "X")])


async def test_moving_an_employee_rescores_them_with_the_new_teams_line(db: str) -> None:
    await build_organisation()
    before = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    assert before.team_id == (await Team.get(code="hotline")).id
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                "A1", "Agent 1", date(2021, 1, 1), team_code="field", position_code="agent"
            )
        ],
    )
    after = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    assert after.team_id == (await Team.get(code="field")).id


async def test_an_employee_who_left_early_is_not_eligible(db: str) -> None:
    await build_organisation()
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                "A1",
                "Agent 1",
                date(2021, 1, 1),
                team_code="hotline",
                position_code="agent",
                left_on=date(2026, 1, 20),
            )
        ],
    )
    score = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    assert score.status_reason == "EMPLOYED_TOO_FEW_DAYS"


async def test_text_longer_than_its_column_is_refused_naming_the_row(db: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        await upsert_teams(actor=ADMIN, teams=[TeamInput("ok", "Ok"), TeamInput("x" * 65, "X")])
    assert [(i.row, i.field, i.code) for i in error.value.issues] == [(1, "code", "TOO_LONG")]
    assert await Team.all().count() == 0
