"""Development plans over HTTP: who sees and edits a plan (the employee, their managers,
admins; never a colleague), and a team's plans cost the same queries for 2 or 4 people."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from service.api.ids import global_id
from service.models import AuditEntry, DevelopmentItem
from service.usecases.people.development import (
    ItemChanges,
    ItemInput,
    add_development_item,
    update_development_item,
)
from service.usecases.people.training import CourseInput, save_course
from tests.api.conftest import Api, seed
from tests.counting import counted_queries
from tests.integration.scenario import ADMIN

PLAN = """
query Plan($externalId: String!) {
  employee(externalId: $externalId) { developmentPlan { aim items { id status } } }
}
"""
UPDATE = """
mutation Update($id: ID!, $version: Int!, $changes: DevelopmentItemChanges!) {
  updateDevelopmentItem(id: $id, expectedVersion: $version, changes: $changes) {
    __typename
    ... on DevelopmentItem { status version startedOn }
  }
}
"""
SET_PLAN = """
mutation SetPlan($aim: String!, $version: Int!, $externalId: String) {
  setDevelopmentPlan(aim: $aim, expectedVersion: $version, employeeExternalId: $externalId) {
    __typename
    ... on DevelopmentPlan { aim version }
  }
}
"""
WHO_EDITS = {"admin", "manager", "employee"}
READERS = ("admin", "manager", "employee", "colleague", "outsider")


async def _item_of(external_id: str, due: int = 2099) -> DevelopmentItem:
    return await add_development_item(
        actor=ADMIN,
        employee_external_id=external_id,
        item=ItemInput(action="COACHING", due_on=date(due, 1, 1), focus_kpi_code="csat"),
    )


@pytest.mark.usefixtures("db")
async def test_a_plan_is_read_and_edited_by_the_employee_their_manager_and_admins_only(
    api: Api,
) -> None:
    await seed(api)
    item = await _item_of("A1")
    version = 1
    for reader in READERS:
        body = await api.run(PLAN, {"externalId": "A1"}, as_=reader)
        update = await api.run(
            UPDATE,
            {
                "id": global_id("DevelopmentItem", item.id),
                "version": version,
                "changes": {"notes": f"by {reader}"},
            },
            as_=reader,
        )
        result = update["data"]["updateDevelopmentItem"]
        if reader in WHO_EDITS:
            assert "errors" not in body, (reader, body)
            items = body["data"]["employee"]["developmentPlan"]["items"]
            assert [i["id"] for i in items] == [global_id("DevelopmentItem", item.id)]
            assert (result["__typename"], result["version"]) == ("DevelopmentItem", version + 1)
            version += 1
        else:
            # A colleague never sees the plan, nor can change it.
            assert body["data"]["employee"] is None, reader
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            assert result["__typename"] == "AccessDeniedError", reader
    item = await DevelopmentItem.get(id=item.id)
    assert item.notes == "by employee"
    assert await AuditEntry.filter(action="update_development_item").count() == 3


@pytest.mark.usefixtures("db")
async def test_a_colleague_cannot_set_anothers_plan_and_an_integration_reads_nothing(
    api: Api,
) -> None:
    await seed(api)
    body = await api.run(
        SET_PLAN, {"aim": "mine now", "version": 0, "externalId": "A1"}, as_="colleague"
    )
    assert body["data"]["setDevelopmentPlan"]["__typename"] == "AccessDeniedError"
    body = await api.run(SET_PLAN, {"aim": "Answer in time", "version": 0}, as_="employee")
    assert body["data"]["setDevelopmentPlan"] == {
        "__typename": "DevelopmentPlan",
        "aim": "Answer in time",
        "version": 1,
    }
    stale = await api.run(SET_PLAN, {"aim": "again", "version": 0}, as_="employee")
    assert stale["data"]["setDevelopmentPlan"]["__typename"] == "ConflictError"
    body = await api.run(PLAN, {"externalId": "A1"}, as_="integration")
    assert body["data"]["employee"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await api.run("{ courses { code } }", as_="integration")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


TEAM_PLANS = """
query TeamPlans {
  team(code: "hotline") {
    members(first: 50) {
      nodes {
        externalId
        coursesAttended { attendedOn course { code } }
        developmentPlan {
          aim
          items {
            focusKpi { code name }
            course { code kpis { code } }
            ownerName ownerExternalId shadowingName status
            effect { before { cycleCode rawValue } after { cycleCode rawValue sampleSize } }
          }
        }
      }
    }
  }
}
"""


async def _plans_for(people: list[str], *, catalogue: bool = True) -> None:
    from service.usecases.people.training import record_attendance

    if catalogue:
        await save_course(
            actor=ADMIN,
            course=CourseInput(
                "listening", "Active listening", "积极倾听", ("csat", "frt"), 45, "ONLINE"
            ),
        )
    for person in people:
        await record_attendance(
            actor=ADMIN,
            course_code="listening",
            employee_external_id=person,
            attended_on=date(2026, 2, 2),
        )
        for action in ("COURSE", "SHADOWING"):
            extra: dict[str, Any] = (
                {"course_code": "listening"}
                if action == "COURSE"
                else {"shadowing_external_id": "L1", "owner_external_id": "L1"}
            )
            row = await add_development_item(
                actor=ADMIN,
                employee_external_id=person,
                item=ItemInput(
                    action=action, due_on=date(2099, 1, 1), focus_kpi_code="frt", **extra
                ),
            )
            await update_development_item(
                actor=ADMIN, item_id=row.id, changes=ItemChanges(status="DONE"), expected_version=1
            )


async def _team_plan_queries(api: Api) -> tuple[int, int]:
    with counted_queries() as seen:
        body = await api.run(TEAM_PLANS, as_="manager")
    assert "errors" not in body, body
    plans = [m["developmentPlan"] for m in body["data"]["team"]["members"]["nodes"]]
    # The bearer token's "last used" stamp is written at most once a minute: not ours.
    ours = [q for q in seen if "api_token" not in q]
    return len(ours), sum(len(p["items"]) for p in plans if p is not None)


@pytest.mark.usefixtures("db")
async def test_a_teams_plans_cost_the_same_queries_for_two_and_four_people(api: Api) -> None:
    await seed(api)
    await _plans_for(["A1", "A2"])
    two, items = await _team_plan_queries(api)
    assert items == 4
    await _plans_for(["A3", "A4"], catalogue=False)
    four, items = await _team_plan_queries(api)
    assert items == 8
    assert two == four


@pytest.mark.usefixtures("db")
async def test_a_done_item_shows_its_kpi_before_and_after_side_by_side(api: Api) -> None:
    from tests.integration.development_scenario import finalise_months

    await seed(api)
    await finalise_months()
    row = await add_development_item(
        actor=ADMIN,
        employee_external_id="A1",
        item=ItemInput(action="COACHING", due_on=date(2025, 12, 31), focus_kpi_code="csat"),
        today=date(2025, 12, 1),
    )
    await update_development_item(
        actor=ADMIN,
        item_id=row.id,
        changes=ItemChanges(status="IN_PROGRESS"),
        expected_version=1,
        today=date(2025, 12, 10),
    )
    await update_development_item(
        actor=ADMIN,
        item_id=row.id,
        changes=ItemChanges(status="DONE"),
        expected_version=2,
        today=date(2025, 12, 20),
    )
    body = await api.run(
        "query { viewer { employee { developmentPlan { items { status startedOn doneOn "
        "effect { before { cycleCode rawValue sampleSize } "
        "after { cycleCode rawValue sampleSize } } } } } } }",
        as_="employee",
    )
    assert "errors" not in body, body
    (item,) = body["data"]["viewer"]["employee"]["developmentPlan"]["items"]
    assert (item["status"], item["startedOn"], item["doneOn"]) == (
        "DONE",
        "2025-12-10",
        "2025-12-20",
    )
    # November (2 of 4 ratings >= 4) beside January (3 of 4): development_scenario.py.
    assert item["effect"] == {
        "before": {"cycleCode": "2025-11", "rawValue": "50.0000", "sampleSize": 4},
        "after": {"cycleCode": "2026-01", "rawValue": "75.0000", "sampleSize": 4},
    }
