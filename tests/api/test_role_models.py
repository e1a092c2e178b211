"""Role models and best practice over GraphQL (docs/role-models.md): who sees what as a
matrix (admin / manager of the team / manager of another team / the employee / a
colleague), that no colleague learns a score, and a fixed number of queries per list."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from service.models import User
from service.usecases.accounts.auth import actor_for, issue_token
from service.usecases.accounts.users import create_user
from service.usecases.inputs import TeamInput
from service.usecases.people.best_practice import share_best_practice
from service.usecases.people.role_models import set_role_model_opt_in
from service.usecases.setup.organisation import upsert_teams
from tests.api.conftest import PASSWORD, Api, make_settings
from tests.counting import counted_queries
from tests.integration.role_model_scenario import OPEN, build_role_model_scenario, person
from tests.integration.scenario import ADMIN

ROLE_MODEL_USERS = {
    "admin": ("admin@example.com", "ADMIN", None),
    "manager": ("lead@example.com", "MANAGER", "L1"),
    "other_manager": ("f1@example.com", "MANAGER", "F1"),
    "role_model": ("a1@example.com", "EMPLOYEE", "A1"),
    "colleague": ("a5@example.com", "EMPLOYEE", "A5"),
}

BOARD = """
query Board($team: String!, $cycle: String!) {
  team(code: $team) { roleModels(cycleCode: $cycle) {
    view fromCycleCode
    lines { kpi { code } roleModels { person { externalId } points rank employee { email } } }
  } }
}
"""
NOTES = """
query Notes($kpi: String!) {
  bestPractice(kpiCode: $kpi) { id text thanks thankedByMe author { externalId name } }
}
"""


async def role_model_api(api: Api) -> None:
    """The role-model scenario (tests/integration/role_model_scenario.py) with accounts
    and tokens; F1 leads the field team."""
    await build_role_model_scenario()
    await upsert_teams(actor=ADMIN, teams=[TeamInput("field", "Field", "service", "F1")])
    for name, (email, access, employee) in ROLE_MODEL_USERS.items():
        await create_user(
            actor=ADMIN,
            email=email,
            access=access,
            password=PASSWORD,
            employee_external_id=employee,
            settings=make_settings(),
        )
        user = await User.get(email=email)
        issued = await issue_token(actor=actor_for(user), user=user, name="test")
        api.tokens[name] = issued.token


async def _board(api: Api, as_: str) -> dict[str, Any]:
    return await api.run(BOARD, {"team": "hotline", "cycle": OPEN}, as_=as_)


async def test_who_sees_a_teams_role_models_and_their_points(api: Api) -> None:
    await role_model_api(api)
    await set_role_model_opt_in(actor=await person("A3"), opted_in=True)
    seen = {}
    for who in ("admin", "manager", "other_manager", "role_model", "colleague"):
        body = await _board(api, who)
        board = body["data"]["team"]["roleModels"]
        seen[who] = (
            None
            if board is None
            else [
                (m["person"]["externalId"], m["points"], m["rank"])
                for m in board["lines"][0]["roleModels"]
            ]
        )
    full = [("A1", "100.00", 1), ("A2", "100.00", 1), ("A3", "70.00", 3), ("A4", "70.00", 3)]
    assert seen == {
        "admin": full,
        "manager": full,
        "other_manager": None,  # refused: FORBIDDEN, nothing of the team
        # The employee is a role model: themselves and the one who opted in, by name.
        "role_model": [("A1", None, None), ("A3", None, None)],
        "colleague": [("A3", None, None)],
    }
    refused = await _board(api, "other_manager")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_colleague_never_learns_a_score_from_role_models_or_notes(api: Api) -> None:
    await role_model_api(api)
    for who in ("A1", "A2", "A3", "A4"):
        await set_role_model_opt_in(actor=await person(who), opted_in=True)
    await share_best_practice(actor=await person("A2"), kpi_code="csat", text="Ask twice")
    board = await _board(api, "colleague")
    members = board["data"]["team"]["roleModels"]["lines"][0]["roleModels"]
    # Alphabetical, no points, no rank, and no Employee (so no score through it).
    assert [m["person"]["externalId"] for m in members] == ["A1", "A2", "A3", "A4"]
    assert all(m["points"] is None and m["rank"] is None for m in members)
    assert all(m["employee"] is None for m in members)
    notes = await api.run(NOTES, {"kpi": "csat"}, as_="colleague")
    text = json.dumps(notes["data"])
    assert "100" not in text
    assert "70" not in text


async def test_an_author_who_did_not_opt_in_is_a_role_model_to_colleagues(api: Api) -> None:
    await role_model_api(api)
    await share_best_practice(actor=await person("A1"), kpi_code="csat", text="Ask twice")
    colleague = await api.run(NOTES, {"kpi": "csat"}, as_="colleague")
    assert colleague["data"]["bestPractice"][0]["author"] is None
    manager = await api.run(NOTES, {"kpi": "csat"}, as_="manager")
    assert manager["data"]["bestPractice"][0]["author"]["externalId"] == "A1"
    mine = await api.run(NOTES, {"kpi": "csat"}, as_="role_model")
    assert mine["data"]["bestPractice"][0]["author"]["externalId"] == "A1"


async def test_opting_in_and_scheduling_and_attending_over_graphql(api: Api) -> None:
    await role_model_api(api)
    set_opt_in = (
        "mutation { setRoleModelOptIn(optedIn: true) "
        "{ __typename ... on RoleModelOptIn { optedIn } } }"
    )
    body = await api.run(set_opt_in, as_="colleague")
    assert body["data"]["setRoleModelOptIn"] == {"__typename": "RoleModelOptIn", "optedIn": True}
    assert (await api.run("{ roleModelOptIn }", as_="colleague"))["data"] == {
        "roleModelOptIn": True
    }
    schedule = """
    mutation S($s: ScheduleSessionInput!) { scheduleSession(session: $s) {
      __typename ... on KnowledgeSession { id title presenters { externalId } kpiCodes }
      ... on AccessDeniedError { message } } }
    """
    started = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    session = {
        "title": "Asking twice",
        "startsAt": started,
        "presenterExternalIds": ["A1"],
        "kpiCodes": ["csat"],
        "place": "Room 3",
    }
    refused = await api.run(schedule, {"s": session}, as_="colleague")
    assert refused["data"]["scheduleSession"]["__typename"] == "AccessDeniedError"
    made = (await api.run(schedule, {"s": session}, as_="manager"))["data"]["scheduleSession"]
    assert made["presenters"] == [{"externalId": "A1"}]
    attend = """
    mutation A($id: ID!) { attendSession(sessionId: $id) {
      __typename ... on KnowledgeSession { attendedCount attendedByMe }
      ... on InvalidStateError { message } } }
    """
    first = await api.run(attend, {"id": made["id"]}, as_="colleague")
    assert first["data"]["attendSession"] == {
        "__typename": "KnowledgeSession",
        "attendedCount": 1,
        "attendedByMe": True,
    }
    again = await api.run(attend, {"id": made["id"]}, as_="colleague")
    assert again["data"]["attendSession"]["__typename"] == "InvalidStateError"


async def _notes_queries(api: Api) -> int:
    query = """
    query Q($kpi: String!) { bestPractice(kpiCode: $kpi) {
      id text thanks thankedByMe kpi { code name } author { externalId name } } }
    """
    await api.run(query, {"kpi": "csat"}, as_="colleague")  # the token's first use is noted
    with counted_queries() as seen:
        body = await api.run(query, {"kpi": "csat"}, as_="colleague")
    assert "errors" not in body, body["errors"]
    return len(seen)


async def test_a_list_of_notes_costs_the_same_queries_for_two_notes_as_for_eight(
    api: Api,
) -> None:
    await role_model_api(api)
    for who in ("A1", "A2"):
        await share_best_practice(actor=await person(who), kpi_code="csat", text=f"By {who}")
    few = await _notes_queries(api)
    for who in ("A3", "A4", "A1", "A2", "A3", "A4"):
        await share_best_practice(actor=await person(who), kpi_code="csat", text=f"By {who}")
        await set_role_model_opt_in(actor=await person(who), opted_in=True)
    assert await _notes_queries(api) == few


async def test_a_list_of_sessions_costs_the_same_queries_for_one_as_for_five(api: Api) -> None:
    from service.usecases.people.sessions import SessionInput, schedule_session

    await role_model_api(api)
    query = """{ sessions { title presenters { name } attendedCount attendedByMe
      attendees { externalId } } }"""

    async def add(n: int) -> None:
        for i in range(n):
            await schedule_session(
                actor=ADMIN,
                session=SessionInput(
                    title=f"Session {i}",
                    starts_at=datetime.now(UTC) + timedelta(days=i + 1),
                    presenter_external_ids=("A1", "A2"),
                    place="Room 1",
                ),
            )

    await add(1)
    await api.run(query, as_="colleague")  # the token's first use is noted
    with counted_queries() as one:
        await api.run(query, as_="colleague")
    await add(4)
    with counted_queries() as five:
        body = await api.run(query, as_="colleague")
    assert len(body["data"]["sessions"]) == 5
    assert len(five) == len(one)


async def test_a_board_costs_the_same_queries_for_one_role_model_as_for_four(api: Api) -> None:
    await role_model_api(api)
    query = """
    query B($team: String!) { team(code: $team) { roleModels(cycleCode: "2026-02") {
      lines { kpi { code } roleModels { person { name } points rank employee { name } } } } } }
    """
    await api.run(query, {"team": "field"}, as_="admin")  # the token's first use is noted
    counts = {}
    for team, expected in (("field", 1), ("hotline", 4)):
        with counted_queries() as seen:
            body = await api.run(query, {"team": team}, as_="admin")
        (line,) = body["data"]["team"]["roleModels"]["lines"]
        assert len(line["roleModels"]) == expected
        counts[team] = len(seen)
    assert counts["field"] == counts["hotline"]


async def test_every_teams_role_models_cost_the_same_queries_for_3_teams_as_for_13(
    api: Api,
) -> None:
    await role_model_api(api)
    query = """{ teams { code roleModels(cycleCode: "2026-02") { view fromCycleCode
      lines { kpi { code } roleModels { person { name } points rank employee { name } } } } } }"""
    await api.run(query, as_="admin")  # the token's first use is noted
    await api.run(query, as_="manager")

    async def count(who: str) -> tuple[int, dict[str, Any]]:
        with counted_queries() as seen:
            body = await api.run(query, as_=who)
        boards = {team["code"]: team["roleModels"] for team in body["data"]["teams"]}
        return len(seen), boards

    admin_small, boards = await count("admin")
    (line,) = boards["hotline"]["lines"]
    assert len(line["roleModels"]) == 4
    manager_small, boards = await count("manager")
    assert boards["hotline"]["view"] == "FULL"
    assert boards["field"] is None  # refused to a manager of another team, field by field
    await upsert_teams(
        actor=ADMIN,
        teams=[TeamInput(f"extra{n}", f"Extra {n}", "service") for n in range(10)],
    )
    admin_large, boards = await count("admin")
    assert len(boards) >= 13
    assert boards["extra3"] == {"view": "FULL", "fromCycleCode": "2026-01", "lines": []}
    (line,) = boards["hotline"]["lines"]
    assert len(line["roleModels"]) == 4
    manager_large, _boards = await count("manager")
    assert (admin_small, manager_small) == (admin_large, manager_large)
