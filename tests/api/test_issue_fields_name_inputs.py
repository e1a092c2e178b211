"""A ValidationError's issue names the input field as the client sent it: for
`setScorecard` and `setShadowScorecard` lines that is `kpiCode` and `minSamples` (the
input's names), never the config file's `kpi` and `min_samples` (found by following
docs/api.md section 6 and sending a scorecard with a duplicate and a bad line)."""

from __future__ import annotations

from typing import Any

import pytest

from service.api.ids import global_id
from tests.api.conftest import Api, seed
from tests.integration.scenario import CYCLE

LINE_FIELDS = (
    "kpiCode",
    "scope",
    "weight",
    "method",
    "threshold",
    "target",
    "stretch",
    "bands",
    "minSamples",
)

LINES = [
    {"kpiCode": "csat", "weight": "50", "threshold": "70", "target": "90"},
    {"kpiCode": "csat", "weight": "30", "threshold": "70", "target": "90", "minSamples": 0},
    {"kpiCode": "nps", "weight": "20"},
]


def _fields(result: dict[str, Any]) -> dict[str, str]:
    assert result["__typename"] == "ValidationError", result
    return {issue["code"]: issue["field"] for issue in result["issues"]}


@pytest.mark.parametrize("mutation", ["setScorecard", "setShadowScorecard"])
async def test_scorecard_line_issues_name_the_inputs_fields(api: Api, mutation: str) -> None:
    await seed(api)
    reason = ', reason: "try"' if mutation == "setScorecard" else ""
    document = f"""
    mutation($lines: [ScorecardLineInput!]!) {{
      {mutation}(cycleCode: "{CYCLE}", positionCode: "agent", lines: $lines{reason}) {{
        __typename
        ... on ValidationError {{ message issues {{ field code message row }} }}
      }}
    }}"""
    body = await api.run(document, {"lines": LINES}, as_="admin")
    fields = _fields(body["data"][mutation])
    assert fields["UNKNOWN_KPI"] == "lines[2].kpiCode"
    # Once the unknown KPI is gone, the engine's own checks speak the same names.
    body = await api.run(document, {"lines": LINES[:2]}, as_="admin")
    fields = _fields(body["data"][mutation])
    assert fields["DUPLICATE_KPI_SCOPE"] == "lines[1].kpiCode"
    assert fields["MIN_SAMPLES_BELOW_ONE"] == "lines[1].minSamples"
    for field in fields.values():
        if field.startswith("lines["):
            assert field.split("].", 1)[1].split("[")[0] in LINE_FIELDS, field


async def test_an_id_of_another_type_is_named_without_a_wrong_article(api: Api) -> None:
    await seed(api)
    team = await api.run('{ team(code: "hotline") { id } }', as_="admin")
    team_id = team["data"]["team"]["id"]
    body = await api.run(
        "query($id: ID!) { employee(id: $id) { externalId } }", {"id": team_id}, as_="admin"
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == f"{team_id!r} is an id of type Team, not of type Employee."


SET_GOAL = """mutation($goal: GoalInput!) { setGoal(goal: $goal) { __typename
  ... on GoalNotSmartError { smart { letter result field } issues { field code } }
  ... on ValidationError { issues { field code } } } }"""


async def test_a_goals_smart_findings_name_the_measure_as_its_input_does(goal_api: Api) -> None:
    # GoalMeasureInput says kpiCode; a REVIEW_MEAN KPI is refused by the M letter, and
    # the finding must name the same field a ValidationError would (measure.kpiCode).
    await seed(goal_api)
    goal = {
        "cycleCode": CYCLE,
        "employeeExternalId": "A1",
        "title": "Rate better on quality",
        "measure": {"kpiCode": "quality"},
        "target": "4",
        "dueOn": "2026-03-31",
    }
    body = await goal_api.run(SET_GOAL, {"goal": goal}, as_="admin")
    result = body["data"]["setGoal"]
    assert result["__typename"] == "GoalNotSmartError", result
    fields = {finding["field"] for finding in result["smart"]}
    assert "measure.kpiCode" in fields
    assert "measure.kpi" not in fields
    assert [issue["field"] for issue in result["issues"]] == ["measure.kpiCode"]


async def test_a_goals_parent_is_named_as_its_input_does(goal_api: Api) -> None:
    # GoalInput says parentGoalId; a goal that is no team goal of the cycle is refused
    # naming that field, not the output's `parentGoal`.
    await seed(goal_api)
    goal = {
        "cycleCode": CYCLE,
        "employeeExternalId": "A1",
        "title": "Call back every unhappy customer",
        "measure": {"unit": "calls", "direction": "HIGHER_IS_BETTER"},
        "target": "20",
        "dueOn": "2026-03-31",
        "parentGoalId": global_id("Goal", 999_999),
    }
    body = await goal_api.run(SET_GOAL, {"goal": goal}, as_="admin")
    result = body["data"]["setGoal"]
    assert result["__typename"] == "ValidationError", result
    assert result["issues"] == [{"field": "parentGoalId", "code": "NOT_A_TEAM_GOAL"}]
