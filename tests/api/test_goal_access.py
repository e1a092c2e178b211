"""Who may read and write goals through the API (SCORING §11, DESIGN Access): every goal
field and mutation, by every access level. An employee never sees a colleague's goals."""

from __future__ import annotations

from typing import Any

import pytest

from service.api.ids import global_id
from tests.api.conftest import Api, seed
from tests.integration.goal_scenario import manual_goal_with_reports
from tests.integration.scenario import CYCLE

READERS = ("admin", "manager", "employee", "colleague", "outsider")
SEES_A1 = {"admin", "manager", "employee"}

GOALS_OF_A1 = (
    '{ employee(externalId: "A1") { goals(cycleCode: "' + CYCLE + '") { id title progress } } }'
)
SET = """mutation($goal: GoalInput!) { setGoal(goal: $goal) { __typename
  ... on GoalSaved { goal { state } } } }"""
REPORT = """mutation($id: ID!) { reportGoalValue(goalId: $id, value: "4", note: "log") {
  __typename } }"""
DECIDE = """mutation($id: ID!) { decideGoal(goalId: $id, decision: RETURN, note: "more") {
  __typename } }"""
DELETE = """mutation($id: ID!) { deleteGoal(goalId: $id) { __typename } }"""
TEMPLATE = """mutation($goal: GoalInput!) { applyGoalTemplate(template: $goal, teamCode: "hotline")
  { __typename ... on TemplateApplied { created { id } failed { employeeExternalId } } } }"""


def goal_of(owner: str) -> dict[str, Any]:
    return {
        "cycleCode": CYCLE,
        "title": "Raise CSAT to 90 %",
        "measure": {"kpiCode": "csat"},
        "target": "90",
        "dueOn": "2026-03-31",
        "employeeExternalId": owner,
    }


@pytest.mark.parametrize("reader", READERS)
async def test_an_employees_goals_are_seen_by_them_their_managers_and_admins_only(
    goal_api: Api, reader: str
) -> None:
    await seed(goal_api)
    goal = await manual_goal_with_reports("A1", reports=1)
    body = await goal_api.run(GOALS_OF_A1, as_=reader)
    node = await goal_api.run(
        '{ node(id: "' + global_id("Goal", goal.id) + '") { id } }', as_=reader
    )
    if reader in SEES_A1:
        assert [g["title"] for g in body["data"]["employee"]["goals"]] == [goal.title]
        assert node["data"]["node"] == {"id": global_id("Goal", goal.id)}
    else:
        assert body["data"]["employee"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
        assert node["data"]["node"] is None
        assert [e["extensions"]["code"] for e in node["errors"]] == ["FORBIDDEN"]


@pytest.mark.parametrize(
    ("reader", "expected"),
    [
        ("admin", ("GoalSaved", "ACCEPTED")),
        ("manager", ("GoalSaved", "ACCEPTED")),
        ("employee", ("GoalSaved", "PROPOSED")),
        ("colleague", ("AccessDeniedError", None)),
        ("outsider", ("AccessDeniedError", None)),
    ],
)
async def test_who_may_set_a_goal_for_a1(
    goal_api: Api, reader: str, expected: tuple[str, str | None]
) -> None:
    await seed(goal_api)
    body = await goal_api.run(SET, {"goal": goal_of("A1")}, as_=reader)
    result = body["data"]["setGoal"]
    state = result["goal"]["state"] if "goal" in result else None
    assert (result["__typename"], state) == expected


@pytest.mark.parametrize(
    ("reader", "report", "decide", "delete"),
    [
        ("admin", "Goal", "InvalidStateError", "ValidationError"),
        ("manager", "Goal", "InvalidStateError", "AccessDeniedError"),
        ("employee", "Goal", "AccessDeniedError", "AccessDeniedError"),
        ("colleague", "NotFoundError", "NotFoundError", "NotFoundError"),
        ("outsider", "NotFoundError", "NotFoundError", "NotFoundError"),
    ],
)
async def test_who_may_report_decide_and_delete_on_a1s_accepted_goal(
    goal_api: Api, reader: str, report: str, decide: str, delete: str
) -> None:
    # The goal is accepted in an ACTIVE cycle: nobody decides it again; only an admin
    # deletes it, and only with a reason (none is given here).
    await seed(goal_api)
    goal_id = global_id("Goal", (await manual_goal_with_reports("A1", reports=0)).id)
    found = [
        (await goal_api.run(query, {"id": goal_id}, as_=reader))["data"][field]["__typename"]
        for query, field in (
            (REPORT, "reportGoalValue"),
            (DECIDE, "decideGoal"),
            (DELETE, "deleteGoal"),
        )
    ]
    assert found == [report, decide, delete]


@pytest.mark.parametrize(
    ("reader", "expected"),
    [
        ("admin", "TemplateApplied"),
        ("manager", "TemplateApplied"),
        ("employee", "AccessDeniedError"),
        ("outsider", "AccessDeniedError"),
    ],
)
async def test_only_managers_of_the_team_and_admins_apply_a_template(
    goal_api: Api, reader: str, expected: str
) -> None:
    await seed(goal_api)
    body = await goal_api.run(TEMPLATE, {"goal": goal_of("A1")}, as_=reader)
    assert body["data"]["applyGoalTemplate"]["__typename"] == expected


async def test_an_integration_token_reads_and_writes_no_goal(goal_api: Api) -> None:
    await seed(goal_api)
    body = await goal_api.run(SET, {"goal": goal_of("A1")}, as_="integration")
    assert body["data"] is None or body["data"]["setGoal"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
