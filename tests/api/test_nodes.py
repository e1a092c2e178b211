"""`node(id:)` fetches every Node type again, under the same access rules as any read.

A matrix: one node of each type (all of them belonging to A1, or shared), fetched by
every access level. Who may see it gets it back with the same id and type; anyone else
gets FORBIDDEN and a null node. The list of types is read from the exported schema, so
a new Node type without a fetcher fails here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from graphql import GraphQLInterfaceType
from service.api.ids import global_id
from service.api.nodes import NODE_TYPES
from service.models import (
    AccessLevel,
    ActionItem,
    ApiToken,
    BestPracticeNote,
    Cycle,
    Employee,
    Kpi,
    Observation,
    Position,
    Score,
    Team,
)
from service.usecases.actor import Actor
from service.usecases.people.checkins import ActionItemInput, record_check_in
from service.usecases.people.development import ItemInput, add_development_item
from service.usecases.people.feedback_notes import give_feedback_note
from service.usecases.people.recognition import give_recognition
from service.usecases.people.sessions import SessionInput, schedule_session
from service.usecases.people.training import CourseInput, save_course
from service.usecases.scoring import appeals, corrections
from tests.api.conftest import Api, seed
from tests.api.test_generated_queries import SCHEMA
from tests.integration.goal_scenario import manual_goal_with_reports
from tests.integration.scenario import ADMIN, CYCLE

READERS = ("admin", "manager", "employee", "colleague", "outsider")
OWN = {"admin", "manager", "employee"}  # who sees A1's own data
EVERY_READER = set(READERS)


def test_every_node_type_of_the_schema_has_a_fetcher() -> None:
    node = SCHEMA.get_type("Node")
    assert isinstance(node, GraphQLInterfaceType)
    implementations = {t.name for t in SCHEMA.get_implementations(node).objects}
    assert implementations == set(NODE_TYPES)


async def _ids(api: Api) -> dict[str, tuple[str, set[str]]]:
    """One id per Node type and who may see it."""
    a1 = await Employee.get(external_id="A1")
    await corrections.adjust_score(
        actor=ADMIN, cycle_code=CYCLE, employee_external_id="A1", points="1", reason="help desk"
    )
    appeal = await appeals.file_appeal(
        actor=ADMIN, cycle_code=CYCLE, employee_external_id="A1", reason="the survey count"
    )
    adjustment = await a1.adjustments.all().first()  # type: ignore[attr-defined]
    assert adjustment is not None
    score = await Score.get(employee_id=a1.id, cycle__code=CYCLE)
    observation = await Observation.filter(employee_id=a1.id).first()
    assert observation is not None
    token = await ApiToken.filter(user__email="a1@example.com").first()
    assert token is not None
    lead = Actor(
        label="L1",
        access=AccessLevel.MANAGER,
        employee_id=(await Employee.get(external_id="L1")).id,
    )
    check_in = await record_check_in(
        actor=lead,
        employee_external_id="A1",
        held_on=date(2026, 3, 19),
        private_notes="for managers",
        action_items=[ActionItemInput("Follow up", "A1", date(2026, 4, 1))],
    )
    action_item = await ActionItem.get(raised_in_id=check_in.id)
    note = await give_feedback_note(
        actor=lead, employee_external_id="A1", kind="PRAISE", text="Well handled"
    )
    # Public: the receiver's team (the colleague) sees it too.
    recognition = await give_recognition(
        actor=lead, receiver_external_id="A1", message="Calm with a hard caller"
    )
    body = await api.run(
        '{ node(id: "' + global_id("Score", score.id) + '") { ... on Score { lines { id } } } }',
        as_="admin",
    )
    line_id = body["data"]["node"]["lines"][-1]["id"]
    goal = await manual_goal_with_reports("A1", reports=1)
    course = await save_course(
        actor=ADMIN,
        course=CourseInput("listening", "Active listening", "积极倾听", ("csat",), 45, "ONLINE"),
    )
    item = await add_development_item(
        actor=ADMIN,
        employee_external_id="A1",
        item=ItemInput(action="COACHING", due_on=date(2099, 1, 1), focus_kpi_code="csat"),
    )
    session = await schedule_session(
        actor=ADMIN,
        session=SessionInput(
            title="How I keep first replies short",
            starts_at=datetime(2026, 3, 20, 9, tzinfo=UTC),
            presenter_external_ids=("A1",),
            kpi_codes=("frt",),
            place="Room 2",
        ),
    )
    # Written as a row: sharing one takes a role model of a finalised cycle, which this
    # scenario has not; who may read it is what is tested here.
    best_practice = await BestPracticeNote.create(
        author_id=a1.id,
        kpi_id=(await Kpi.get(code="frt")).id,
        text="I answer with the customer's own words first.",
        written_by_label="A1",
    )
    return {
        "BestPracticeNote": (global_id("BestPracticeNote", best_practice.id), EVERY_READER),
        "KnowledgeSession": (global_id("KnowledgeSession", session.id), EVERY_READER),
        "Goal": (global_id("Goal", goal.id), OWN),
        "Employee": (global_id("Employee", a1.id), OWN),
        "Team": (global_id("Team", (await Team.get(code="hotline")).id), EVERY_READER),
        "Position": (global_id("Position", (await Position.all().first()).id), EVERY_READER),  # type: ignore[union-attr]
        "Cycle": (global_id("Cycle", (await Cycle.get(code=CYCLE)).id), EVERY_READER),
        "Kpi": (global_id("Kpi", (await Kpi.get(code="frt")).id), EVERY_READER),
        "Score": (global_id("Score", score.id), OWN),
        "ScoreLine": (line_id, OWN),
        "Observation": (global_id("Observation", observation.id), OWN),
        "Adjustment": (global_id("Adjustment", adjustment.id), OWN),
        "Appeal": (global_id("Appeal", appeal.id), OWN),
        "Token": (global_id("Token", token.id), {"admin", "employee"}),
        "CheckIn": (global_id("CheckIn", check_in.id), OWN),
        "ActionItem": (global_id("ActionItem", action_item.id), OWN),
        "FeedbackNote": (global_id("FeedbackNote", note.id), OWN),
        "Recognition": (global_id("Recognition", recognition.id), OWN | {"colleague"}),
        "Course": (global_id("Course", course.course.id), EVERY_READER),
        "DevelopmentPlan": (global_id("DevelopmentPlan", item.plan_id), OWN),
        "DevelopmentItem": (global_id("DevelopmentItem", item.id), OWN),
    }


@pytest.mark.usefixtures("db")
async def test_every_node_type_round_trips_through_node_for_those_who_may_see_it(
    api: Api,
) -> None:
    await seed(api)
    ids = await _ids(api)
    assert set(ids) == set(NODE_TYPES)
    for type_name, (node_id, seers) in ids.items():
        for reader in READERS:
            body = await api.run('{ node(id: "' + node_id + '") { __typename id } }', as_=reader)
            if reader in seers:
                assert "errors" not in body, (type_name, reader, body)
                assert body["data"]["node"] == {"__typename": type_name, "id": node_id}
            else:
                assert body["data"]["node"] is None, (type_name, reader)
                codes = [e["extensions"]["code"] for e in body["errors"]]
                assert codes == ["FORBIDDEN"], (type_name, reader, body)


@pytest.mark.usefixtures("db")
async def test_an_integration_token_fetches_no_node(api: Api) -> None:
    await seed(api)
    ids = await _ids(api)
    for node_id, _seers in ids.values():
        body = await api.run('{ node(id: "' + node_id + '") { id } }', as_="integration")
        assert body["data"]["node"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.usefixtures("db")
async def test_two_lines_of_one_kpi_have_different_ids(api: Api) -> None:
    await seed(api)
    score = await Score.filter(cycle__code=CYCLE).first()
    assert score is not None
    body = await api.run(
        '{ node(id: "' + global_id("Score", score.id) + '") '
        "{ ... on Score { lines { id kpi { code } scope } } } }",
        as_="admin",
    )
    lines: list[dict[str, Any]] = body["data"]["node"]["lines"]
    assert len({line["id"] for line in lines}) == len(lines)


@pytest.mark.parametrize(
    "node_id",
    [
        global_id("Review", 1),  # a type, but not a Node
        global_id("Nothing", 1),
        global_id("ScoreLine", "1"),  # no position on the score
        "not base64 at all!",
    ],
)
@pytest.mark.usefixtures("db")
async def test_an_id_naming_no_node_type_is_refused_clearly(api: Api, node_id: str) -> None:
    await seed(api)
    body = await api.run('{ node(id: "' + node_id + '") { id } }', as_="admin")
    assert body["data"]["node"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "is not an id this API gave out" in body["errors"][0]["message"]


@pytest.mark.usefixtures("db")
async def test_a_voided_observation_is_the_observation_with_its_void_set(api: Api) -> None:
    await seed(api)
    a2 = await Employee.get(external_id="A2")
    observation = await Observation.filter(employee_id=a2.id).first()
    assert observation is not None
    node_id = global_id("Observation", observation.id)
    body = await api.run(
        'mutation($id: ID!) { voidObservation(id: $id, reason: "duplicate ticket") { '
        "__typename ... on VoidedObservation { reason observation { id voidedAt voidReason } } } }",
        {"id": node_id},
        as_="manager",
    )
    voided = body["data"]["voidObservation"]
    assert voided["observation"]["id"] == node_id
    assert voided["observation"]["voidReason"] == "duplicate ticket"
    again = await api.run(
        '{ node(id: "' + node_id + '") { ... on Observation { id voidedAt voidReason } } }',
        as_="colleague",
    )
    assert again["data"]["node"] == voided["observation"]
