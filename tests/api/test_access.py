"""Nobody sees what is not theirs: every level against every field that reaches people."""

from __future__ import annotations

from typing import Any

import pytest

from service.api.ids import global_id
from service.models import Employee, Score
from tests.api.conftest import Api, seed
from tests.integration.scenario import CYCLE

MANAGER_SEES = {"L1", "A1", "A2", "A3", "A4"}
EVERYONE = MANAGER_SEES | {"F1"}
SEES = {
    "admin": EVERYONE,
    "manager": MANAGER_SEES,
    "employee": {"A1"},
    "colleague": {"A2"},
    "outsider": {"F1"},
}


def codes(body: dict[str, Any]) -> list[str]:
    return [
        e["code"]
        for e in body.get("errors", [])
        for e in [e.get("extensions") or {}]
        if "code" in e
    ]


@pytest.mark.parametrize("who", list(SEES))
async def test_employees_lists_only_the_people_one_may_see(api: Api, who: str) -> None:
    await seed(api)
    body = await api.run("{ employees(first: 50) { nodes { externalId } } }", as_=who)
    assert {n["externalId"] for n in body["data"]["employees"]["nodes"]} == SEES[who]


@pytest.mark.parametrize("who", list(SEES))
async def test_cycle_scores_list_only_visible_scores(api: Api, who: str) -> None:
    await seed(api)
    body = await api.run(
        "query($c: String!) { cycle(code: $c) { scores(first: 50) { nodes { "
        "employee { externalId } total } } } }",
        {"c": CYCLE},
        as_=who,
    )
    found = {n["employee"]["externalId"] for n in body["data"]["cycle"]["scores"]["nodes"]}
    assert found == SEES[who]


@pytest.mark.parametrize("who", list(SEES))
async def test_payroll_results_list_only_visible_people(api: Api, who: str) -> None:
    await seed(api)
    body = await api.run(
        "query($c: String!) { cycle(code: $c) { results(first: 50) { nodes { "
        "employeeExternalId } } } }",
        {"c": CYCLE},
        as_=who,
    )
    found = {n["employeeExternalId"] for n in body["data"]["cycle"]["results"]["nodes"]}
    assert found == SEES[who]


@pytest.mark.parametrize("who", list(SEES))
@pytest.mark.parametrize("target", sorted(EVERYONE))
async def test_employee_lookup_and_score_are_refused_outside_ones_rights(
    api: Api, who: str, target: str
) -> None:
    await seed(api)
    body = await api.post(
        "query($e: String!, $c: String!) { employee(externalId: $e) { externalId "
        "score(cycleCode: $c) { total lines { sampleSize } } } }",
        {"e": target, "c": CYCLE},
        as_=who,
    )
    data = body.json()
    if target in SEES[who]:
        assert data["data"]["employee"]["externalId"] == target
        assert "errors" not in data
    else:
        assert data["data"]["employee"] is None
        assert codes(data) == ["FORBIDDEN"]


@pytest.mark.parametrize("who", list(SEES))
async def test_node_never_returns_another_persons_employee_or_score(api: Api, who: str) -> None:
    await seed(api)
    for person in sorted(EVERYONE):
        employee = await Employee.get(external_id=person)
        score = await Score.get(employee_id=employee.id)
        for node_id in (global_id("Employee", employee.id), global_id("Score", score.id)):
            body = await api.run(
                "query($id: ID!) { node(id: $id) { id } }", {"id": node_id}, as_=who
            )
            if person in SEES[who]:
                assert body["data"]["node"] == {"id": node_id}
            else:
                assert body["data"]["node"] is None
                assert codes(body) == ["FORBIDDEN"]


@pytest.mark.parametrize("who", list(SEES))
async def test_team_members_show_only_visible_people(api: Api, who: str) -> None:
    await seed(api)
    body = await api.run(
        '{ team(code: "hotline") { members(first: 50) { nodes { externalId } } } }', as_=who
    )
    found = {n["externalId"] for n in body["data"]["team"]["members"]["nodes"]}
    assert found == SEES[who] & MANAGER_SEES


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("admin", True), ("manager", True), ("employee", False), ("outsider", False)],
)
async def test_team_summary_needs_a_manager_or_five_scored_members(
    api: Api, who: str, allowed: bool
) -> None:
    await seed(api)  # 4 scored agents: too few for the members themselves
    body = await api.run(
        'query($c: String!) { team(code: "hotline") { summary(cycleCode: $c)'
        " { scored average bandCounts { band count } lines { kpi rawValue } } } }",
        {"c": CYCLE},
        as_=who,
    )
    if allowed:
        assert body["data"]["team"]["summary"]["scored"] == 4
    else:
        assert codes(body) == ["FORBIDDEN"]


async def test_members_see_their_team_summary_once_five_are_scored(api: Api) -> None:
    await seed(api, members=5)
    body = await api.run(
        'query($c: String!) { team(code: "hotline") { summary(cycleCode: $c)'
        " { scored average } } }",
        {"c": CYCLE},
        as_="employee",
    )
    assert body["data"]["team"]["summary"]["scored"] == 5


async def test_a_line_lists_its_observations_and_reviews_but_a_team_line_only_counts(
    api: Api,
) -> None:
    await seed(api)
    body = await api.run(
        "query($c: String!) { viewer { employee { score(cycleCode: $c) { lines { scope "
        "sampleSize aggregation sources { channel count } "
        "observations(first: 100) { nodes { value source channel comment } } "
        "reviews { kind rating counts } } } } } }",
        {"c": CYCLE},
        as_="employee",
    )
    lines = body["data"]["viewer"]["employee"]["score"]["lines"]
    assert [line["scope"] for line in lines] == [
        "INDIVIDUAL",
        "TEAM",
        "INDIVIDUAL",
        "INDIVIDUAL",
        "INDIVIDUAL",
    ]
    csat, team_csat, _frt, _complaints, quality = lines
    assert len(csat["observations"]["nodes"]) == csat["sampleSize"] > 0
    assert sum(s["count"] for s in csat["sources"]) == csat["sampleSize"]
    assert team_csat["observations"] is None  # counts by source only
    assert sum(s["count"] for s in team_csat["sources"]) == team_csat["sampleSize"]
    assert codes(body) == ["FORBIDDEN"]
    assert {(r["kind"], r["counts"]) for r in quality["reviews"]} == {
        ("MANAGER", True),
        ("SELF", False),
    }


async def test_integration_tokens_can_only_ingest(api: Api) -> None:
    await seed(api)
    for query in (
        "{ employees { nodes { name } } }",
        "{ kpis { code } }",
        "{ cycles { nodes { code } } }",
        "{ teams { code } }",
    ):
        body = await api.run(query, as_="integration")
        assert codes(body) == ["FORBIDDEN"], query
    body = await api.run(
        'mutation { recordFeedback(feedback: [{rating: "5", channel: ONLINE_SURVEY, '
        'occurredAt: "2026-03-01T10:00:00+08:00", source: "survey", '
        'employeeExternalId: "A1", externalId: "x-1"}]) { __typename '
        "... on IngestReport { accepted } } }",
        as_="integration",
    )
    assert body["data"]["recordFeedback"] == {"__typename": "IngestReport", "accepted": 1}


async def test_unauthenticated_requests_see_nothing_but_login(api: Api) -> None:
    await seed(api)
    body = await api.run("{ employees { nodes { name } } }")
    assert body["data"] is None
    assert codes(body) == ["UNAUTHENTICATED"]
    body = await api.run("{ viewer { email } }")
    assert body["data"]["viewer"] is None
