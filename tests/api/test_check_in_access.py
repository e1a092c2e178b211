"""Check-ins and feedback notes over HTTP, on both databases: who sees what (private
manager notes, a colleague's check-ins, notes by giver and hidden ones), after a
transfer too, and lists of them for a whole team at a flat number of queries."""

from __future__ import annotations

from datetime import date
from typing import Any

from service.api.ids import global_id
from service.models import AccessLevel, ActionItem, Employee, User
from service.usecases.accounts.auth import actor_for, issue_token
from service.usecases.accounts.users import create_user
from service.usecases.actor import Actor
from service.usecases.inputs import EmployeeInput, TeamInput
from service.usecases.people.checkins import ActionItemInput, record_check_in
from service.usecases.people.feedback_notes import give_feedback_note, hide_feedback_note
from service.usecases.setup.organisation import upsert_employees, upsert_teams
from service.usecases.setup.policy_change import update_policy
from tests.api.conftest import PASSWORD, Api, make_settings, seed
from tests.counting import counted_queries
from tests.integration.scenario import ADMIN

READERS = ("admin", "manager", "employee", "colleague", "outsider")
NODE = """query($id: ID!) { node(id: $id) { ... on CheckIn { id privateNotes sharedNotes
  score { total } } ... on ActionItem { id text } ... on FeedbackNote { id text } } }"""


async def lead() -> Actor:
    return Actor(
        label="lead@example.com",
        access=AccessLevel.MANAGER,
        employee_id=(await Employee.get(external_id="L1")).id,
    )


async def a1_check_in() -> tuple[str, str]:
    check_in = await record_check_in(
        actor=await lead(),
        employee_external_id="A1",
        held_on=date(2026, 3, 19),
        shared_notes="Shared words",
        private_notes="For managers only",
        action_items=[ActionItemInput("Follow up", "A1", date(2026, 4, 1))],
    )
    item = await ActionItem.get(raised_in_id=check_in.id)
    return global_id("CheckIn", check_in.id), global_id("ActionItem", item.id)


async def node(api: Api, node_id: str, who: str) -> tuple[dict[str, Any] | None, list[str]]:
    body = await api.run(NODE, {"id": node_id}, as_=who)
    codes = [error["extensions"]["code"] for error in body.get("errors", [])]
    return body["data"]["node"], codes


async def test_an_employee_token_never_sees_the_private_manager_notes(api: Api) -> None:
    await seed(api)
    check_in_id, _item = await a1_check_in()
    through_employee = """{ employee(externalId: "A1") { checkIns { nodes { id privateNotes
        sharedNotes } } } }"""
    for who, private in (("admin", "For managers only"), ("manager", "For managers only")):
        body = await api.run(through_employee, as_=who)
        (row,) = body["data"]["employee"]["checkIns"]["nodes"]
        assert row["privateNotes"] == private, who
    body = await api.run(through_employee, as_="employee")
    (row,) = body["data"]["employee"]["checkIns"]["nodes"]
    assert (row["privateNotes"], row["sharedNotes"]) == (None, "Shared words")
    found, codes = await node(api, check_in_id, "employee")
    assert codes == []
    assert found is not None
    assert (found["privateNotes"], found["sharedNotes"]) == (None, "Shared words")
    mine = await api.run(
        "{ viewer { employee { checkIns { nodes { privateNotes } } } } }", as_="employee"
    )
    assert mine["data"]["viewer"]["employee"]["checkIns"]["nodes"] == [{"privateNotes": None}]


async def test_a_colleague_never_sees_another_persons_check_ins(api: Api) -> None:
    await seed(api)
    check_in_id, item_id = await a1_check_in()
    for who in ("colleague", "outsider"):
        body = await api.run(
            '{ employee(externalId: "A1") { checkIns { nodes { id } } nextCheckIn { dueOn } } }',
            as_=who,
        )
        assert body["data"]["employee"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
        for node_id in (check_in_id, item_id):
            found, codes = await node(api, node_id, who)
            assert (found, codes) == (None, ["FORBIDDEN"]), (who, node_id)
    for who in ("admin", "manager", "employee"):
        for node_id in (check_in_id, item_id):
            found, codes = await node(api, node_id, who)
            assert found is not None
            assert codes == [], (who, node_id)


async def test_after_a_transfer_new_managers_read_the_private_notes_old_keep_what_they_wrote(
    api: Api,
) -> None:
    await seed(api)
    check_in_id, _item = await a1_check_in()
    await upsert_employees(
        actor=ADMIN,
        employees=[EmployeeInput("M2", "Desk Lead", date(2020, 1, 1), team_code="service")],
    )
    await upsert_teams(actor=ADMIN, teams=[TeamInput("desk", "Desk", "service", "M2")])
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                "A1", "Agent 1", date(2021, 1, 1), team_code="desk", position_code="agent"
            ),
            EmployeeInput("M2", "Desk Lead", date(2020, 1, 1), team_code="desk"),
        ],
    )
    await create_user(
        actor=ADMIN,
        email="m2@example.com",
        access="MANAGER",
        password=PASSWORD,
        employee_external_id="M2",
        settings=make_settings(),
    )
    user = await User.get(email="m2@example.com")
    api.tokens["new manager"] = (await issue_token(actor=actor_for(user), user=user)).token

    found, codes = await node(api, check_in_id, "new manager")
    assert codes == []
    assert found is not None
    assert found["privateNotes"] == "For managers only"
    assert found["score"] is not None  # the new managers see the numbers kept too
    old, codes = await node(api, check_in_id, "manager")
    assert codes == []
    assert old is not None
    assert (old["privateNotes"], old["score"]) == ("For managers only", None)
    refused = await api.run(
        '{ employee(externalId: "A1") { checkIns { nodes { id } } } }', as_="manager"
    )
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]


async def test_feedback_notes_are_seen_by_the_person_the_giver_their_managers_and_admins(
    api: Api,
) -> None:
    await seed(api)
    await update_policy(
        actor=ADMIN,
        settings={
            "timezone": "Asia/Shanghai",
            "csat_kpi_code": "csat",
            "colleague_feedback_notes": True,
        },
        expected_version=None,
    )
    colleague = Actor(
        label="a2@example.com",
        access=AccessLevel.EMPLOYEE,
        employee_id=(await Employee.get(external_id="A2")).id,
    )
    from_colleague = await give_feedback_note(
        actor=colleague, employee_external_id="A1", kind="PRAISE", text="Thanks for covering"
    )
    from_manager = await give_feedback_note(
        actor=await lead(), employee_external_id="A1", kind="SUGGESTION", text="Slow down"
    )
    expected = {
        from_colleague.id: {"admin", "manager", "employee", "colleague"},
        from_manager.id: {"admin", "manager", "employee"},
    }
    for note_id, seers in expected.items():
        for who in READERS:
            found, codes = await node(api, global_id("FeedbackNote", note_id), who)
            assert (found is not None) is (who in seers), (note_id, who)
            assert codes == ([] if who in seers else ["FORBIDDEN"]), (note_id, who)
    await hide_feedback_note(actor=ADMIN, note_id=from_manager.id, reason="Abusive")
    for who in READERS:
        found, _codes = await node(api, global_id("FeedbackNote", from_manager.id), who)
        assert (found is not None) is (who == "admin"), who
    listed = await api.run(
        '{ employee(externalId: "A1") { feedbackNotes { nodes { text giver { externalId } } } } }',
        as_="employee",
    )
    # The person sees the colleague's note, not who the colleague is (no colleague's data).
    assert listed["data"]["employee"]["feedbackNotes"]["nodes"] == [
        {"text": "Thanks for covering", "giver": None}
    ]


TEAM_PAGE = """{ team(code: "hotline") { members(first: 100) { nodes { externalId
  nextCheckIn { dueOn status openActionItems { text owner { externalId } } }
  checkIns(first: 5) { nodes { heldOn privateNotes score { total lines { points } }
    recordedBy { externalId } actionItems { text owner { externalId } }
    carriedActionItems { text } } }
  feedbackNotes(first: 5) { nodes { text giver { externalId } cycleCode
    observation { id } } } } } } }"""


async def with_check_ins_and_notes(people: list[str]) -> None:
    manager = await lead()
    for person in people:
        for day in (5, 19):
            await record_check_in(
                actor=manager,
                employee_external_id=person,
                held_on=date(2026, 3, day),
                action_items=[ActionItemInput(f"Item {day}", person, date(2026, 4, 1))],
            )
        await give_feedback_note(
            actor=manager, employee_external_id=person, kind="PRAISE", text="Good"
        )


async def queries_for_the_team(api: Api, members: int) -> int:
    with counted_queries() as seen:
        body = await api.run(TEAM_PAGE, as_="admin")
    assert "errors" not in body, body
    nodes = body["data"]["team"]["members"]["nodes"]
    assert len(nodes) == members
    assert all(len(n["checkIns"]["nodes"]) == 2 for n in nodes if n["externalId"] != "L1")
    return len(seen)


async def test_check_ins_and_notes_of_a_whole_team_cost_the_same_queries_for_5_and_25(
    api: Api,
) -> None:
    await seed(api)
    await with_check_ins_and_notes([f"A{i}" for i in range(1, 5)])
    # The first request of a token records when it was used; keep that out of the count.
    await api.run("{ viewer { email } }", as_="admin")
    small = await queries_for_the_team(api, 5)
    newcomers = [f"N{i:02d}" for i in range(20)]
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(code, code, date(2021, 1, 1), team_code="hotline", position_code="agent")
            for code in newcomers
        ],
    )
    await with_check_ins_and_notes(newcomers)
    large = await queries_for_the_team(api, 25)
    # Twenty more people, forty more check-ins: no query per person or per check-in. Two
    # branches of the answer (nextCheckIn, checkIns) may ask a loader a moment apart,
    # which splits that one batch in two on a busy database; never more than that.
    assert abs(large - small) <= 2, (small, large)
    assert max(small, large) <= 15  # a handful of batched reads


async def test_update_policy_sets_the_check_in_interval_the_next_check_in_follows(
    api: Api,
) -> None:
    await seed(api)
    await a1_check_in()
    body = await api.run(
        "mutation { updatePolicy(policy: {checkInIntervalDays: 7, colleagueFeedbackNotes: true}, "
        'reason: "weekly") { __typename ... on PolicySaved { changed } } }',
        as_="admin",
    )
    assert body["data"]["updatePolicy"] == {"__typename": "PolicySaved", "changed": True}
    mine = await api.run(
        "{ viewer { employee { nextCheckIn { lastHeldOn dueOn } } } }", as_="employee"
    )
    assert mine["data"]["viewer"]["employee"]["nextCheckIn"] == {
        "lastHeldOn": "2026-03-19",
        "dueOn": "2026-03-26",
    }
    refused = await api.run(
        "mutation { updatePolicy(policy: {checkInIntervalDays: 0}) { __typename "
        "... on ValidationError { issues { field } } } }",
        as_="admin",
    )
    assert refused["data"]["updatePolicy"]["issues"] == [{"field": "policy.check_in_interval_days"}]
