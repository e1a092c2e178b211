"""Shadow reports and pilot reports over GraphQL (SCORING §13): who sees what, and what
they cost."""

from __future__ import annotations

from datetime import date
from typing import Any

from service.usecases.inputs import CycleInput, EmployeeInput
from service.usecases.review.shadow import save_shadow_scorecard
from service.usecases.setup.cycles import create_cycle, save_scorecard, transition_cycle
from service.usecases.setup.organisation import upsert_employees
from tests.api.conftest import Api, seed
from tests.counting import counted_queries
from tests.integration.scenario import ADMIN, CYCLE, LINES
from tests.integration.shadow_scenario import SHADOW_LINES

SHADOW = """
query Shadow($cycle: String!, $team: String) {
  cycle(code: $cycle) {
    shadowScorecards { version lines { kpi weight } }
    shadowReport(positionCode: "agent", teamCode: $team) {
      rows { employee { externalId } liveStatus liveTotal shadowStatus shadowTotal change moves }
      shiftMatrix { from to count }
      meanChange liveMultiplierSum shadowMultiplierSum
    }
  }
}
"""
PILOT = """
query Pilot($cycle: String!) {
  cycle(code: $cycle) {
    pilotReport { previousCycle { code } lines { kpi { code } pilotValue pilotN outsideValue } }
  }
}
"""


async def shadow_ready(api: Api) -> None:
    await seed(api)
    await save_shadow_scorecard(
        actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=SHADOW_LINES
    )


def people(body: dict[str, Any]) -> set[str]:
    return {r["employee"]["externalId"] for r in body["data"]["cycle"]["shadowReport"]["rows"]}


async def test_an_admin_sees_everyone_of_the_position(api: Api) -> None:
    await shadow_ready(api)
    body = await api.run(SHADOW, {"cycle": CYCLE}, as_="admin")
    assert "errors" not in body, body["errors"]
    assert people(body) == {"A1", "A2", "A3", "A4", "F1"}
    report = body["data"]["cycle"]["shadowReport"]
    assert sum(c["count"] for c in report["shiftMatrix"]) == 5
    assert len(report["shiftMatrix"]) == 7 * 7
    assert body["data"]["cycle"]["shadowScorecards"][0]["lines"][0] == {
        "kpi": "csat",
        "weight": "45.00",
    }
    field = await api.run(SHADOW, {"cycle": CYCLE, "team": "field"}, as_="admin")
    assert people(field) == {"F1"}


async def test_a_manager_sees_the_teams_they_lead_and_no_other(api: Api) -> None:
    await shadow_ready(api)
    body = await api.run(SHADOW, {"cycle": CYCLE}, as_="manager")
    assert "errors" not in body, body["errors"]
    assert people(body) == {"A1", "A2", "A3", "A4"}
    other = await api.run(SHADOW, {"cycle": CYCLE, "team": "field"}, as_="manager")
    assert "FORBIDDEN" in [e["extensions"]["code"] for e in other["errors"]]
    assert "F1" not in str(other["data"])


async def test_employees_and_integrations_never_see_a_shadow_report(api: Api) -> None:
    await shadow_ready(api)
    for who in ("employee", "colleague", "outsider", "integration"):
        body = await api.run(SHADOW, {"cycle": CYCLE, "team": "hotline"}, as_=who)
        assert body["errors"], who
        assert "shadowTotal" not in str(body["data"]), who
        assert {e["extensions"]["code"] for e in body["errors"]} <= {
            "FORBIDDEN",
            "UNAUTHENTICATED",
        }


async def test_a_shadow_report_without_a_shadow_scorecard_is_a_client_error(api: Api) -> None:
    await seed(api)
    body = await api.run(SHADOW, {"cycle": CYCLE}, as_="admin")
    (error, *_rest) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "shadow scorecard" in error["message"]


async def test_shadow_report_costs_the_same_queries_for_more_people(api: Api) -> None:
    await shadow_ready(api)
    await api.run(SHADOW, {"cycle": CYCLE}, as_="admin")  # the token's first use is written
    with counted_queries() as few:
        body = await api.run(SHADOW, {"cycle": CYCLE}, as_="admin")
    assert len(people(body)) == 5
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(f"N{i}", f"New {i}", date(2021, 1, 1), None, "hotline", "agent")
            for i in range(15)
        ],
    )
    with counted_queries() as many:
        body = await api.run(SHADOW, {"cycle": CYCLE}, as_="admin")
    assert len(people(body)) == 20
    assert len(many) == len(few)


async def pilot_ready(api: Api) -> None:
    await seed(api)
    await create_cycle(
        actor=ADMIN,
        cycle=CycleInput(
            "2026-03", "March", date(2026, 3, 1), date(2026, 3, 31), pilot_team_codes=("hotline",)
        ),
    )
    await save_scorecard(actor=ADMIN, cycle_code="2026-03", position_code="agent", lines=LINES)
    await transition_cycle(actor=ADMIN, cycle_code="2026-03", to="ACTIVE")


async def test_pilot_report_is_for_admins_and_managers_only(api: Api) -> None:
    await pilot_ready(api)
    for who in ("admin", "manager"):
        body = await api.run(PILOT, {"cycle": "2026-03"}, as_=who)
        assert "errors" not in body, body["errors"]
        report = body["data"]["cycle"]["pilotReport"]
        assert report["previousCycle"] is None
        frt = next(line for line in report["lines"] if line["kpi"]["code"] == "frt")
        # seed(): three first-response observations each in March, A1-A4 in the hotline.
        assert (frt["pilotN"], frt["outsideValue"] is not None) == (12, True)
    for who in ("employee", "outsider", "integration"):
        body = await api.run(PILOT, {"cycle": "2026-03"}, as_=who)
        assert body["errors"], who
        assert "pilotValue" not in str(body["data"]), who
