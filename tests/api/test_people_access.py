"""A person reached through any field is filtered by the one rule of
service/usecases/accounts/access.py: the matrix of every field that returns an Employee (read from
the exported schema, so a new one cannot be missed) against every access level.

Whoever asks, every person in the answer is one the asker may see through
`employee(externalId:)`; name, email and hire date of anyone else never appear.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from graphql import GraphQLInterfaceType, GraphQLObjectType, get_named_type
from service.api.ids import global_id
from service.models import AccessLevel, Employee
from service.usecases.actor import Actor
from service.usecases.inputs import (
    CycleInput,
    EmployeeInput,
    FeedbackInput,
    ReviewInput,
    ScorecardLineInput,
    TeamInput,
)
from service.usecases.people.checkins import ActionItemInput, record_check_in
from service.usecases.people.feedback_notes import give_feedback_note
from service.usecases.people.recognition import give_recognition
from service.usecases.people.sessions import SessionInput, attend_session, schedule_session
from service.usecases.review.shadow import save_shadow_scorecard
from service.usecases.scoring.ingest import record_feedback, submit_reviews
from service.usecases.setup.cycles import create_cycle, save_scorecard, transition_cycle
from service.usecases.setup.organisation import upsert_employees, upsert_teams
from tests.api.conftest import Api, seed
from tests.api.test_generated_queries import SCHEMA
from tests.integration.scenario import ADMIN, CYCLE
from tests.integration.shadow_scenario import SHADOW_LINES

PERSON = "externalId name email hiredOn"
# H1 heads the department and F1 leads the field team: leads of other teams, seen by
# nobody but an admin (and, for F1, by F1).
SEES = {
    "admin": {"L1", "A1", "A2", "A3", "A4", "F1", "H1"},
    "manager": {"L1", "A1", "A2", "A3", "A4"},
    "employee": {"A1"},
    "colleague": {"A2"},
    "outsider": {"F1"},
}
EVERYONE = sorted(SEES["admin"])

# One or more queries per field; {person} is the selection on each Employee.
PROBES: dict[str, list[str]] = {
    "Query.employee": [
        '{{ employee(externalId: "' + code + '") {{ {person} }} }}' for code in EVERYONE
    ],
    "Query.node": ['{{ node(id: "{id}") {{ ... on Employee {{ {person} }} }} }}'],
    "Query.employees": ["{{ employees(first: 100) {{ nodes {{ {person} }} }} }}"],
    "Team.members": ["{{ teams {{ code members(first: 100) {{ nodes {{ {person} }} }} }} }}"],
    "Team.lead": [
        "{{ teams {{ code lead {{ {person} }} }} }}",
        '{{ team(code: "field") {{ lead {{ {person} }} parent {{ lead {{ {person} }} }} }} }}',
    ],
    "Employee.managers": [
        "{{ employees(first: 100) {{ nodes {{ externalId managers {{ {person} }} }} }} }}",
        "{{ viewer {{ employee {{ managers {{ {person} }} }} }} }}",
    ],
    "Score.employee": [
        '{{ cycle(code: "' + CYCLE + '") {{ scores(first: 100) {{ nodes {{ employee '
        "{{ {person} }} }} }} }} }}"
    ],
    "Viewer.employee": ["{{ viewer {{ employee {{ {person} }} }} }}"],
    "CalibrationEmployee.employee": [
        '{{ cycle(code: "' + CYCLE + '") {{ calibration {{ reviewers {{ employees {{ employee '
        "{{ {person} }} }} }} }} }} }}",
        '{{ teams {{ code calibration(cycleCode: "' + CYCLE + '") {{ reviewers {{ employees '
        "{{ employee {{ {person} }} }} }} }} }} }}",
    ],
    "ShadowReportRow.employee": [
        '{{ cycle(code: "' + CYCLE + '") {{ shadowReport(positionCode: "agent") {{ rows '
        "{{ employee {{ {person} }} }} }} }} }}",
    ],
    "HeatmapRow.employee": [
        '{{ team(code: "' + code + '") {{ heatmap(cycleCode: "' + CYCLE + '") '
        "{{ employee {{ {person} }} }} }} }}"
        for code in ("hotline", "field", "service")
    ],
    "CheckIn.recordedBy": [
        "{{ employees(first: 100) {{ nodes {{ checkIns(first: 100) {{ nodes {{ recordedBy "
        "{{ {person} }} }} }} }} }} }}"
    ],
    "ActionItem.owner": [
        "{{ employees(first: 100) {{ nodes {{ checkIns(first: 100) {{ nodes {{ actionItems "
        "{{ owner {{ {person} }} }} }} }} }} }} }}",
        "{{ employees(first: 100) {{ nodes {{ nextCheckIn {{ openActionItems {{ owner "
        "{{ {person} }} }} }} }} }} }}",
    ],
    "FeedbackNote.employee": [
        "{{ employees(first: 100) {{ nodes {{ feedbackNotes(first: 100) {{ nodes {{ employee "
        "{{ {person} }} }} }} }} }} }}"
    ],
    "FeedbackNote.giver": [
        "{{ employees(first: 100) {{ nodes {{ feedbackNotes(first: 100) {{ nodes {{ giver "
        "{{ {person} }} }} }} }} }} }}"
    ],
    "Recognition.receiver": [
        "{{ employees(first: 100) {{ nodes {{ recognitions(first: 100) {{ nodes {{ receiver "
        "{{ {person} }} }} }} }} }} }}",
        '{{ team(code: "hotline") {{ recognitions(first: 100) {{ nodes {{ receiver '
        "{{ {person} }} }} }} }} }}",
    ],
    "Recognition.giver": [
        "{{ employees(first: 100) {{ nodes {{ recognitions(first: 100) {{ nodes {{ giver "
        "{{ {person} }} }} }} }} }} }}",
        "{{ employees(first: 100) {{ nodes {{ recognitionsGiven(first: 100) {{ nodes {{ giver "
        "{{ {person} }} }} }} }} }} }}",
        '{{ team(code: "hotline") {{ recognitions(first: 100) {{ nodes {{ giver '
        "{{ {person} }} }} }} }} }}",
    ],
    "RecognitionTradingFlag.first": ["{{ recognitionTradingFlags {{ first {{ {person} }} }} }}"],
    "RecognitionTradingFlag.second": ["{{ recognitionTradingFlags {{ second {{ {person} }} }} }}"],
    "RoleModel.employee": [
        '{{ teams {{ code roleModels(cycleCode: "' + CYCLE + '") {{ lines {{ roleModels '
        "{{ employee {{ {person} }} }} }} }} }} }}"
    ],
    "KnowledgeSession.attendees": ["{{ sessions {{ attendees {{ {person} }} }} }}"],
}
PEOPLE_SIDE = (
    "CheckIn.recordedBy",
    "ActionItem.owner",
    "FeedbackNote.employee",
    "FeedbackNote.giver",
    "Recognition.receiver",
    "Recognition.giver",
)
# Calibration and shadow reports are refused to employees as a whole (FORBIDDEN), not
# filtered person by person.
REFUSED_AS_A_WHOLE = (
    "Query.employee",
    "Query.node",
    "CalibrationEmployee.employee",
    "ShadowReportRow.employee",
    # A team's recognition wall is refused to anyone outside the team.
    "Recognition.receiver",
    "Recognition.giver",
    "HeatmapRow.employee",
    # The trading flags are for admins only.
    "RecognitionTradingFlag.first",
    "RecognitionTradingFlag.second",
    # A team's role models are refused outside the team, its managers and admins.
    "RoleModel.employee",
)


def employee_fields() -> set[str]:
    """Fields returning an Employee: directly, as an interface it implements, or as the
    nodes of a connection."""
    employee = SCHEMA.type_map["Employee"]
    assert isinstance(employee, GraphQLObjectType)
    found = set()
    for type_name, graphql_type in SCHEMA.type_map.items():
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        if "pageInfo" in graphql_type.fields or type_name.endswith("Edge"):
            continue  # the connection's own plumbing, reached through the field below
        for field_name, field in graphql_type.fields.items():
            target = get_named_type(field.type)
            if isinstance(target, GraphQLObjectType) and "pageInfo" in target.fields:
                target = get_named_type(target.fields["nodes"].type)
            if target is employee or (
                isinstance(target, GraphQLInterfaceType) and target in employee.interfaces
            ):
                found.add(f"{type_name}.{field_name}")
    return found


def test_every_field_that_returns_a_person_is_in_the_access_matrix() -> None:
    fields = employee_fields()
    assert "Team.lead" in fields
    assert fields == set(PROBES), (
        f"fields returning an Employee without a probe here: {sorted(fields - set(PROBES))}; "
        f"probes for fields the schema no longer has: {sorted(set(PROBES) - fields)}"
    )


async def seed_with_leads(api: Api) -> None:
    await seed(api)
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                "H1", "Hua Head", date(2018, 5, 2), email="h1@example.com", team_code="service"
            )
        ],
    )
    await upsert_teams(
        actor=ADMIN,
        teams=[
            TeamInput("service", "Service", None, "H1"),
            TeamInput("field", "Field", "service", "F1"),
        ],
    )


async def calibration_ready() -> None:
    """The seeded cycle in REVIEW, with F1 (outside the manager's teams) rated too."""
    await submit_reviews(
        actor=ADMIN,
        reviews=[ReviewInput(CYCLE, "F1", "quality", "admin@example.com", "MANAGER", "3")],
    )
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")


async def trading_ready() -> None:
    """Two flagged pairs, each recognising only the other: H1 and F1 (outside the
    manager's teams), A3 and A4 (in them), so every reader has someone they may not see
    on either side of a flag."""
    for giver, receiver, access in (
        ("H1", "F1", AccessLevel.MANAGER),
        ("F1", "H1", AccessLevel.MANAGER),
        ("A3", "A4", AccessLevel.EMPLOYEE),
        ("A4", "A3", AccessLevel.EMPLOYEE),
    ):
        person = await Employee.get(external_id=giver)
        for i in range(3):
            await give_recognition(
                actor=Actor(giver, access, employee_id=person.id),
                receiver_external_id=receiver,
                message=f"Thanks {i}",
            )


async def people_side_ready() -> None:
    """Check-ins with action items and feedback notes from two managers: L1 on A1 and H1
    (who heads the department) on F1, each owning the item they raised."""
    for manager, person in (("L1", "A1"), ("H1", "F1")):
        actor = Actor(
            label=manager,
            access=AccessLevel.MANAGER,
            employee_id=(await Employee.get(external_id=manager)).id,
        )
        await record_check_in(
            actor=actor,
            employee_external_id=person,
            held_on=date(2026, 3, 19),
            action_items=[ActionItemInput("Follow up", manager, date(2026, 4, 1))],
        )
        await give_feedback_note(
            actor=actor, employee_external_id=person, kind="PRAISE", text="Well handled"
        )
        await give_recognition(actor=actor, receiver_external_id=person, message="Thanks")
    a2 = await Employee.get(external_id="A2")
    await give_recognition(
        actor=Actor("A2", AccessLevel.EMPLOYEE, employee_id=a2.id),
        receiver_external_id="A1",
        message="Thanks",
    )


async def role_models_ready() -> None:
    """A finalised 2025-Q4 (CSAT alone) before the seeded 2026-Q1, so that every team has
    role models; and a session that A1, A2 and F1 attended."""
    await create_cycle(
        actor=ADMIN, cycle=CycleInput("2025-Q4", "Q4 2025", date(2025, 10, 1), date(2025, 12, 31))
    )
    await save_scorecard(
        actor=ADMIN,
        cycle_code="2025-Q4",
        position_code="agent",
        lines=[ScorecardLineInput(kpi_code="csat", weight="100", threshold="40", target="90")],
    )
    await record_feedback(
        actor=ADMIN,
        feedback=[
            FeedbackInput(
                rating=str(2 + (i + n) % 4),
                channel="ONLINE_SURVEY",
                occurred_at="2025-12-10T10:00:00+08:00",
                source="survey",
                employee_external_id=who,
                external_id=f"q4-{who}-{i}",
            )
            for n, who in enumerate(("A1", "A2", "A3", "A4", "F1"))
            for i in range(4)
        ],
    )
    for state in ("ACTIVE", "REVIEW", "FINALIZED"):
        await transition_cycle(actor=ADMIN, cycle_code="2025-Q4", to=state)
    session = await schedule_session(
        actor=ADMIN,
        session=SessionInput(
            title="Calm calls",
            starts_at=datetime.now(UTC) - timedelta(days=1),
            presenter_external_ids=("L1",),
            place="Room 1",
        ),
    )
    for who in ("A1", "A2", "F1"):
        await attend_session(actor=ADMIN, session_id=session.id, employee_external_id=who)


def people_in(value: Any) -> list[dict[str, Any]]:
    """Every Employee object in an answer (the only objects with an `externalId`)."""
    if isinstance(value, dict):
        found = [value] if "externalId" in value else []
        return found + [p for v in value.values() for p in people_in(v)]
    if isinstance(value, list):
        return [p for v in value for p in people_in(v)]
    return []


async def ask(api: Api, field: str, who: str) -> list[dict[str, Any]]:
    ids = [global_id("Employee", e.id) for e in await Employee.all()]
    people = []
    for template in PROBES[field]:
        for query in sorted({template.format(person=PERSON, id=pk) for pk in ids}):
            body = await api.run(query, as_=who)
            for error in body.get("errors", []):
                # Asking for someone by key is refused; nothing else fails.
                assert error["extensions"]["code"] == "FORBIDDEN", (query, error)
                assert field in REFUSED_AS_A_WHOLE, (query, error)
            people += people_in(body["data"])
    return people


@pytest.mark.parametrize("field", sorted(PROBES))
async def test_a_person_reached_through_any_field_is_one_the_asker_may_see(
    api: Api, field: str
) -> None:
    await seed_with_leads(api)
    if field == "CalibrationEmployee.employee":
        await calibration_ready()
    if field == "ShadowReportRow.employee":
        await save_shadow_scorecard(
            actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=SHADOW_LINES
        )
    if field in PEOPLE_SIDE:
        await people_side_ready()
    if field.startswith("RecognitionTradingFlag."):
        await trading_ready()
    if field in ("RoleModel.employee", "KnowledgeSession.attendees"):
        await role_models_ready()
    reached_by_admin = {p["externalId"] for p in await ask(api, field, "admin")}
    for who, sees in SEES.items():
        people = await ask(api, field, who)
        assert {p["externalId"] for p in people} <= sees, (field, who)
        # The probe reaches people the asker may not see, so the rule is what held.
        if who != "admin" and field != "Viewer.employee":
            assert reached_by_admin - sees, (field, who)


async def test_an_employee_reading_team_leads_sees_no_other_persons_email_or_hire_date(
    api: Api,
) -> None:
    await seed_with_leads(api)
    query = "{ teams { code lead { externalId email hiredOn } } }"

    as_employee = (await api.run(query, as_="employee"))["data"]["teams"]
    as_admin = (await api.run(query, as_="admin"))["data"]["teams"]

    assert {t["code"]: t["lead"] for t in as_employee} == {
        "field": None,
        "hotline": None,
        "service": None,
    }
    assert {t["code"]: (t["lead"] or {}).get("externalId") for t in as_admin} == {
        "field": "F1",
        "hotline": "L1",
        "service": "H1",
    }
    refused = await api.run('{ employee(externalId: "H1") { email } }', as_="employee")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_manager_sees_the_lead_of_the_team_they_lead_and_no_one_above(
    api: Api,
) -> None:
    await seed_with_leads(api)
    body = await api.run(
        '{ team(code: "hotline") { lead { externalId hiredOn } parent { lead { email } } } '
        "viewer { employee { externalId managers { externalId } } } }",
        as_="manager",
    )
    assert body["data"]["team"]["lead"] == {"externalId": "L1", "hiredOn": "2020-01-01"}
    assert body["data"]["team"]["parent"]["lead"] is None
    assert body["data"]["viewer"]["employee"] == {"externalId": "L1", "managers": []}
