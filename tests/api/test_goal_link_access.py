"""Goals linked from check-ins, feedback notes and development items, over HTTP on both
databases: the link never shows a goal the viewer may not see (admin, the team's manager,
a manager of another team, the employee, a colleague), and a plan's goals cost the same
queries for 2 items as for 12."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from service.api.ids import global_id
from service.models import AccessLevel, Employee, Goal, User
from service.usecases.accounts.auth import actor_for, issue_token
from service.usecases.accounts.users import create_user
from service.usecases.actor import Actor
from service.usecases.inputs import EmployeeInput, TeamInput
from service.usecases.people.checkins import record_check_in
from service.usecases.people.development import ItemInput, add_development_item
from service.usecases.people.feedback_notes import give_feedback_note
from service.usecases.people.goals import set_goal
from service.usecases.setup.organisation import upsert_employees, upsert_teams
from tests.api.conftest import PASSWORD, Api, make_settings, seed
from tests.counting import counted_queries
from tests.integration.scenario import ADMIN
from tests.integration.test_goal_links import TEAM_GOAL
from tests.integration.test_goals import JAN_5, csat_goal, visits_goal

PLAN = """query($id: String!) { employee(externalId: $id) { developmentPlan { items {
  id goal { id title } } } } }"""
CHECK_INS = """query($id: String!) { employee(externalId: $id) { checkIns { nodes {
  goals { goalId title value status discussed teamGoal goal { id title } } } } } }"""
NOTES = """query($id: String!) { employee(externalId: $id) { feedbackNotes { nodes {
  text goal { id title } } } } }"""


async def lead() -> Actor:
    return Actor(
        label="lead@example.com",
        access=AccessLevel.MANAGER,
        employee_id=(await Employee.get(external_id="L1")).id,
    )


async def other_manager(api: Api) -> None:
    """F9 leads the field team: a manager, of another team."""
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                "F9", "Fei Field Lead", date(2020, 1, 1), team_code="field", position_code="lead"
            )
        ],
    )
    await upsert_teams(actor=ADMIN, teams=[TeamInput("field", "Field", "service", "F9")])
    await create_user(
        actor=ADMIN,
        email="field-lead@example.com",
        access="MANAGER",
        password=PASSWORD,
        employee_external_id="F9",
        settings=make_settings(),
    )
    user = await User.get(email="field-lead@example.com")
    api.tokens["other manager"] = (
        await issue_token(actor=actor_for(user), user=user, name="test")
    ).token


async def linked_goals(api: Api) -> tuple[Goal, Goal, Goal]:
    """A1's own goal, the hotline's team goal (4 agents scored: A1 does not see it yet)
    and A2's goal; an item, a note and a check-in of A1's naming them."""
    await seed(api)
    await other_manager(api)
    manager = await lead()
    own = (await set_goal(actor=manager, goal=csat_goal("A1"), clock=JAN_5)).goal
    team = (await set_goal(actor=manager, goal=TEAM_GOAL, clock=JAN_5)).goal
    a2 = (await set_goal(actor=manager, goal=visits_goal("A2"), clock=JAN_5)).goal
    for goal in (own, team):
        await add_development_item(
            actor=manager,
            employee_external_id="A1",
            item=ItemInput(
                action="COACHING",
                due_on=date(2026, 3, 31),
                focus_skill=f"Skill for {goal.title}",
                goal_id=goal.id,
            ),
            today=date(2026, 1, 5),
        )
        await give_feedback_note(
            actor=manager,
            employee_external_id="A1",
            kind="PRAISE",
            text=f"About {goal.title}",
            goal_id=goal.id,
        )
    await record_check_in(
        actor=manager,
        employee_external_id="A1",
        held_on=date(2026, 3, 19),
        discussed_goals=[own.id],
        clock=JAN_5,
    )
    return own, team, a2


async def test_a_goal_link_never_shows_a_goal_the_viewer_may_not_see(goal_api: Api) -> None:
    api = goal_api
    own, team, a2 = await linked_goals(api)
    own_id, team_id = global_id("Goal", own.id), global_id("Goal", team.id)
    expected: dict[str, list[str | None] | None] = {
        "admin": [own_id, team_id],
        "manager": [own_id, team_id],
        # The employee sees their plan and notes, and their own goal; the team's goal is
        # theirs to see only once 5 of the team are scored (SCORING §11).
        "employee": [own_id, None],
        # Neither a manager of another team nor a colleague sees A1's plan or notes.
        "other manager": None,
        "colleague": None,
    }
    for who, goals in expected.items():
        plan = await api.run(PLAN, {"id": "A1"}, as_=who)
        notes = await api.run(NOTES, {"id": "A1"}, as_=who)
        if goals is None:
            assert plan["data"]["employee"] is None or (
                plan["data"]["employee"]["developmentPlan"] is None
            ), who
            assert notes["data"]["employee"] is None or (
                notes["data"]["employee"]["feedbackNotes"] is None
            ), who
            assert "Raise CSAT" not in json.dumps(plan) + json.dumps(notes), who
            continue
        items = plan["data"]["employee"]["developmentPlan"]["items"]
        assert [None if i["goal"] is None else i["goal"]["id"] for i in items] == goals, who
        listed = notes["data"]["employee"]["feedbackNotes"]["nodes"]
        # Newest first.
        assert [None if n["goal"] is None else n["goal"]["id"] for n in listed] == goals[::-1], who
    assert global_id("Goal", a2.id) not in json.dumps(
        [await api.run(q, {"id": "A1"}, as_="admin") for q in (PLAN, NOTES, CHECK_INS)]
    )


async def test_an_employee_never_sees_anothers_goals_through_a_check_in(goal_api: Api) -> None:
    api = goal_api
    own, _team, a2 = await linked_goals(api)
    body = await api.run(CHECK_INS, {"id": "A1"}, as_="employee")
    [check_in] = body["data"]["employee"]["checkIns"]["nodes"]
    # Only A1's own goal: the team's is not kept for someone who may not see it.
    assert [(g["goalId"], g["discussed"], g["teamGoal"]) for g in check_in["goals"]] == [
        (global_id("Goal", own.id), True, False)
    ]
    assert check_in["goals"][0]["goal"]["title"] == own.title
    for who in ("colleague", "other manager"):
        refused = await api.run(CHECK_INS, {"id": "A1"}, as_=who)
        assert "errors" in refused, who
        assert own.title not in json.dumps(refused.get("data")), who
    # A2's check-in goals are never A1's to read.
    await record_check_in(
        actor=await lead(),
        employee_external_id="A2",
        held_on=date(2026, 3, 19),
        discussed_goals=[a2.id],
        clock=JAN_5,
    )
    seen = await api.run(CHECK_INS, {"id": "A2"}, as_="employee")
    assert "errors" in seen
    assert a2.title not in json.dumps(seen.get("data"))


async def _plan_queries(api: Api) -> int:
    with counted_queries() as seen:
        body = await api.run(PLAN, {"id": "A1"}, as_="manager")
    assert "errors" not in body, body
    return len(seen)


async def test_a_plans_goals_cost_the_same_queries_for_2_items_and_12(goal_api: Api) -> None:
    api = goal_api
    own, team, _a2 = await linked_goals(api)
    await api.run("{ viewer { email } }", as_="manager")  # the token's first use
    small = await _plan_queries(api)
    manager = await lead()
    more = [own, team]
    for n in range(4):
        goal = visits_goal("A1")
        more.append(
            (
                await set_goal(
                    actor=manager,
                    goal=replace(goal, title=f"Visit customers, round {n}"),
                    clock=JAN_5,
                )
            ).goal
        )
    for i in range(10):
        await add_development_item(
            actor=manager,
            employee_external_id="A1",
            item=ItemInput(
                action="COACHING",
                due_on=date(2026, 3, 31),
                focus_skill=f"Skill {i}",
                goal_id=more[i % len(more)].id,
            ),
            today=date(2026, 1, 5),
        )
    large = await _plan_queries(api)
    assert large == small, (small, large)
