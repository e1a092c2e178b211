"""Recognition over HTTP, on both databases: who sees what (the wall, the employee field,
a node) as a matrix, that a private one stays private and that nothing here carries a
score, the mutations' refusals as data, and a whole wall at a flat number of queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from graphql import GraphQLObjectType
from service.api.ids import global_id
from service.api.schema import create_schema
from service.models import AccessLevel, Employee, Observation, User
from service.usecases.accounts.auth import actor_for, issue_token
from service.usecases.accounts.users import create_user
from service.usecases.actor import Actor
from service.usecases.inputs import EmployeeInput, TeamInput
from service.usecases.people.recognition import give_recognition, set_recognition_visibility
from service.usecases.setup.organisation import upsert_employees, upsert_teams
from service.usecases.setup.policy_change import update_policy
from tests.api.conftest import PASSWORD, Api, make_settings, seed
from tests.counting import counted_queries
from tests.integration.scenario import ADMIN

WALL = """query($first: Int) { team(code: "hotline") { recognitions(first: $first) {
  nodes { id message receiverName giverName visibility } } } }"""
RECEIVED = """{ employee(externalId: "A1") { recognitions { nodes { id message } } } }"""
NODE = """query($id: ID!) { node(id: $id) { ... on Recognition { id message } } }"""


async def person(external_id: str, access: AccessLevel = AccessLevel.EMPLOYEE) -> Actor:
    employee = await Employee.get(external_id=external_id)
    return Actor(label=external_id, access=access, employee_id=employee.id)


async def with_other_manager(api: Api) -> None:
    """M2 leads another team (desk): a manager, but not of the hotline."""
    await upsert_employees(
        actor=ADMIN,
        employees=[EmployeeInput("M2", "Desk Lead", date(2020, 1, 1), team_code="service")],
    )
    await upsert_teams(actor=ADMIN, teams=[TeamInput("desk", "Desk", "service", "M2")])
    await create_user(
        actor=ADMIN,
        email="m2@example.com",
        access="MANAGER",
        password=PASSWORD,
        employee_external_id="M2",
        settings=make_settings(),
    )
    user = await User.get(email="m2@example.com")
    api.tokens["other manager"] = (await issue_token(actor=actor_for(user), user=user)).token


async def public_and_private() -> tuple[str, str]:
    """A2 thanks A1 (public); A3 thanks A1, and A1 makes that one private."""
    public = await give_recognition(
        actor=await person("A2"), receiver_external_id="A1", message="Public thanks"
    )
    private = await give_recognition(
        actor=await person("A3"), receiver_external_id="A1", message="Quiet thanks"
    )
    await set_recognition_visibility(
        actor=await person("A1"), recognition_id=private.id, visibility="PRIVATE"
    )
    return global_id("Recognition", public.id), global_id("Recognition", private.id)


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def test_who_sees_a_public_and_a_private_recognition_through_every_field(
    api: Api,
) -> None:
    await seed(api)
    await with_other_manager(api)
    public, private = await public_and_private()
    # (the wall, Employee.recognitions, node(private)) for each reader: the messages seen,
    # or the refusal.
    expected: dict[str, tuple[Any, Any, Any]] = {
        "admin": ({"Public thanks", "Quiet thanks"}, {"Public thanks", "Quiet thanks"}, True),
        "manager": ({"Public thanks", "Quiet thanks"}, {"Public thanks", "Quiet thanks"}, True),
        "other manager": ("FORBIDDEN", "FORBIDDEN", "FORBIDDEN"),
        "employee": ({"Public thanks", "Quiet thanks"}, {"Public thanks", "Quiet thanks"}, True),
        "colleague": ({"Public thanks"}, "FORBIDDEN", "FORBIDDEN"),
        "outsider": ("FORBIDDEN", "FORBIDDEN", "FORBIDDEN"),
    }
    for who, (wall, received, node) in expected.items():
        body = await api.run(WALL, {"first": 10}, as_=who)
        if wall == "FORBIDDEN":
            assert codes(body) == ["FORBIDDEN"], who
        else:
            nodes = body["data"]["team"]["recognitions"]["nodes"]
            assert {n["message"] for n in nodes} == wall, who
        body = await api.run(RECEIVED, as_=who)
        if received == "FORBIDDEN":
            assert codes(body) == ["FORBIDDEN"], who
        else:
            nodes = body["data"]["employee"]["recognitions"]["nodes"]
            assert {n["message"] for n in nodes} == received, who
        body = await api.run(NODE, {"id": private}, as_=who)
        if node == "FORBIDDEN":
            assert codes(body) == ["FORBIDDEN"], who
            assert body["data"]["node"] is None
        else:
            assert body["data"]["node"]["message"] == "Quiet thanks", who
    body = await api.run(NODE, {"id": public}, as_="colleague")
    assert body["data"]["node"]["message"] == "Public thanks"


def test_no_recognition_type_carries_a_score() -> None:
    schema = create_schema(make_settings())._schema
    for name in ("Recognition", "RecognitionConnection", "RecognitionEdge"):
        graphql_type = schema.type_map[name]
        assert isinstance(graphql_type, GraphQLObjectType)
        fields = set(graphql_type.fields)
        for word in ("score", "total", "band", "rating", "points", "normalized"):
            assert not any(word in f.lower() for f in fields), (name, fields)


async def test_a_colleague_learns_no_score_from_the_wall_or_a_recognition(api: Api) -> None:
    await seed(api)
    await public_and_private()
    body = await api.run(
        """{ team(code: "hotline") { recognitions { nodes { receiver { score(cycleCode: "2026-Q1")
        { total } } giver { externalId } } } } }""",
        as_="colleague",
    )
    nodes = body["data"]["team"]["recognitions"]["nodes"]
    # A colleague's record (and so their score) is not reachable from the wall.
    assert [n["receiver"] for n in nodes] == [None]
    assert [n["giver"] for n in nodes] == [{"externalId": "A2"}]  # themselves


async def test_the_mutations_answer_refusals_as_data(api: Api) -> None:
    await seed(api)
    give = """mutation($to: String!) { giveRecognition(employeeExternalId: $to, message: "Thanks",
      valueTag: "teamwork") { __typename ... on Recognition { id visibility valueTag }
      ... on ValidationError { issues { field code } } } }"""
    itself = await api.run(give, {"to": "A1"}, as_="employee")
    assert itself["data"]["giveRecognition"] == {
        "__typename": "ValidationError",
        "issues": [{"field": "employeeExternalId", "code": "SELF"}],
    }
    given = (await api.run(give, {"to": "A2"}, as_="employee"))["data"]["giveRecognition"]
    assert (given["visibility"], given["valueTag"]) == ("PUBLIC", "teamwork")
    for _ in range(2):
        await api.run(give, {"to": "A2"}, as_="employee")
    fourth = await api.run(give, {"to": "A2"}, as_="employee")
    assert fourth["data"]["giveRecognition"]["issues"] == [
        {"field": "employeeExternalId", "code": "LIMIT_REACHED"}
    ]
    visibility = """mutation($id: ID!) { setRecognitionVisibility(recognitionId: $id,
      visibility: PRIVATE) { __typename ... on Recognition { visibility } } }"""
    not_mine = await api.run(visibility, {"id": given["id"]}, as_="employee")
    assert not_mine["data"]["setRecognitionVisibility"]["__typename"] == "AccessDeniedError"
    mine = await api.run(visibility, {"id": given["id"]}, as_="colleague")
    assert mine["data"]["setRecognitionVisibility"] == {
        "__typename": "Recognition",
        "visibility": "PRIVATE",
    }
    hide = """mutation($id: ID!) { hideRecognition(recognitionId: $id, reason: "Off topic") {
      __typename ... on Recognition { hidden hiddenReason } } }"""
    by_manager = await api.run(hide, {"id": given["id"]}, as_="manager")
    assert codes(by_manager) == ["FORBIDDEN"]
    hidden = await api.run(hide, {"id": given["id"]}, as_="admin")
    assert hidden["data"]["hideRecognition"] == {
        "__typename": "Recognition",
        "hidden": True,
        "hiddenReason": "Off topic",
    }
    seen = await api.run(
        '{ employee(externalId: "A2") { recognitions { nodes { id } } } }', as_="colleague"
    )
    left = [n["id"] for n in seen["data"]["employee"]["recognitions"]["nodes"]]
    assert len(left) == 2
    assert given["id"] not in left


async def test_a_manager_turns_customer_praise_into_a_private_recognition_by_its_id(
    api: Api,
) -> None:
    await seed(api)
    # seed(): ratings 2 + i % 4; the fives (i % 4 == 3) with "visit {i}" comments.
    top = await Observation.filter(employee__external_id="A1", value=50_000).first()
    low = await Observation.filter(employee__external_id="A1", value=20_000).first()
    assert top is not None
    assert low is not None
    praise = """mutation($id: ID!) { recognizeCustomerPraise(observationId: $id) { __typename
      ... on Recognition { message visibility fromCustomerPraise receiverName }
      ... on ValidationError { issues { field code } } } }"""
    by_colleague = await api.run(praise, {"id": global_id("Observation", top.id)}, as_="colleague")
    assert by_colleague["data"]["recognizeCustomerPraise"]["__typename"] == "AccessDeniedError"
    made = await api.run(praise, {"id": global_id("Observation", top.id)}, as_="manager")
    assert made["data"]["recognizeCustomerPraise"] == {
        "__typename": "Recognition",
        "message": top.comment,
        "visibility": "PRIVATE",
        "fromCustomerPraise": True,
        "receiverName": "Agent 1",
    }
    twice = await api.run(praise, {"id": global_id("Observation", top.id)}, as_="manager")
    assert twice["data"]["recognizeCustomerPraise"]["__typename"] == "InvalidStateError"
    not_top = await api.run(praise, {"id": global_id("Observation", low.id)}, as_="manager")
    assert not_top["data"]["recognizeCustomerPraise"]["issues"] == [
        {"field": "observationId", "code": "NOT_TOP_OF_SCALE"}
    ]


async def test_update_policy_sets_the_weekly_recognition_limit(api: Api) -> None:
    await seed(api)
    body = await api.run(
        "mutation { updatePolicy(policy: {recognitionsPerColleaguePerWeek: 0}) { __typename "
        "... on ValidationError { issues { field } } } }",
        as_="admin",
    )
    assert body["data"]["updatePolicy"]["issues"] == [
        {"field": "policy.recognitions_per_colleague_per_week"}
    ]


async def recognitions_for(receivers: list[str], each: int) -> None:
    await update_policy(
        actor=ADMIN,
        settings={
            "timezone": "Asia/Shanghai",
            "csat_kpi_code": "csat",
            "recognitions_per_colleague_per_week": 50,
        },
        expected_version=None,
    )
    giver = await person("L1", AccessLevel.MANAGER)
    start = datetime(2026, 2, 2, tzinfo=UTC)
    for index, receiver in enumerate(receivers):
        for n in range(each):
            await give_recognition(
                actor=giver,
                receiver_external_id=receiver,
                message=f"Thanks {n}",
                kpi_code="csat" if n % 2 == 0 else None,
                now=start + timedelta(minutes=index * each + n),
            )


WALL_AND_PEOPLE = """query($first: Int!) { team(code: "hotline") {
  recognitions(first: $first) { nodes { id message kpiCode valueTag visibility givenAt
    receiverName giverName receiver { externalId } giver { externalId } } }
  members(first: 100) { nodes { externalId recognitions(first: 5) { nodes { id kpiCode
    giverName } } } } } }"""


async def test_a_wall_and_everyones_recognitions_cost_the_same_queries_for_5_and_50_rows(
    api: Api,
) -> None:
    await seed(api)
    await recognitions_for([f"A{i}" for i in range(1, 5)], 1)
    await api.run("{ viewer { email } }", as_="manager")

    async def count(first: int) -> int:
        with counted_queries() as seen:
            body = await api.run(WALL_AND_PEOPLE, {"first": first}, as_="manager")
        assert "errors" not in body, body
        assert len(body["data"]["team"]["recognitions"]["nodes"]) == min(first, rows)
        return len(seen)

    rows = 4
    small = await count(4)
    newcomers = [f"N{i:02d}" for i in range(10)]
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(code, code, date(2021, 1, 1), team_code="hotline", position_code="agent")
            for code in newcomers
        ],
    )
    await recognitions_for(newcomers, 5)
    rows = 54
    large = await count(50)
    # Ten more people, fifty more recognitions: no query per person or per row. Two
    # branches may ask a loader a moment apart, which splits one batch on a busy database.
    assert abs(large - small) <= 2, (small, large)
    assert max(small, large) <= 14


TRADING = """{ recognitionTradingFlags { first { externalId } second { externalId }
  firstToSecond secondToFirst firstGave secondGave } }"""


async def test_only_admins_read_the_pairs_who_mostly_recognise_each_other(api: Api) -> None:
    await seed(api)
    a1, a2, a3 = [await person(code) for code in ("A1", "A2", "A3")]
    start = datetime.now(UTC) - timedelta(days=20)
    for day in range(3):
        moment = start + timedelta(days=day)
        await give_recognition(actor=a2, receiver_external_id="A1", message="x", now=moment)
        await give_recognition(actor=a1, receiver_external_id="A2", message="x", now=moment)
        # A3 thanks A1 as often, but A1 never thanks A3: not a pair.
        await give_recognition(actor=a3, receiver_external_id="A1", message="x", now=moment)
    await give_recognition(actor=a1, receiver_external_id="A3", message="x", now=start)
    body = await api.run(TRADING, as_="admin")
    assert body["data"]["recognitionTradingFlags"] == [
        {
            "first": {"externalId": "A1"},
            "second": {"externalId": "A2"},
            "firstToSecond": 3,
            "secondToFirst": 3,
            "firstGave": 4,
            "secondGave": 3,
        }
    ]
    for who in ("manager", "employee", "colleague", "outsider", "integration"):
        body = await api.run(TRADING, as_=who)
        assert codes(body) == ["FORBIDDEN"], who
        assert body["data"] is None, who


GIVEN = """query($first: Int, $after: String) { employee(externalId: "A1") {
  recognitionsGiven(first: $first, after: $after) { nodes { message receiverName }
    pageInfo { hasNextPage endCursor } } } }"""


async def test_who_sees_what_a_person_gave_and_a_private_one_stays_with_its_readers(
    api: Api,
) -> None:
    await seed(api)
    await with_other_manager(api)
    a1 = await person("A1")
    for receiver, message, private in (
        ("A2", "To A2", False),
        ("A3", "Private to A3", True),
        ("F1", "To F1", False),
        ("F1", "Private to F1", True),
    ):
        row = await give_recognition(actor=a1, receiver_external_id=receiver, message=message)
        if private:
            await set_recognition_visibility(
                actor=await person(receiver), recognition_id=row.id, visibility="PRIVATE"
            )
    everything = ["Private to F1", "To F1", "Private to A3", "To A2"]
    expected: dict[str, Any] = {
        "admin": everything,
        "employee": everything,
        # A1's lead manages A3 (hotline), not F1 (field): F1's ones are not theirs to read.
        "manager": ["Private to A3", "To A2"],
        "other manager": "FORBIDDEN",
        "colleague": "FORBIDDEN",
        "outsider": "FORBIDDEN",
    }
    for who, seen in expected.items():
        body = await api.run(GIVEN, {"first": 10}, as_=who)
        if seen == "FORBIDDEN":
            assert codes(body) == ["FORBIDDEN"], who
            continue
        nodes = body["data"]["employee"]["recognitionsGiven"]["nodes"]
        assert [n["message"] for n in nodes] == seen, who
    # The manager's first page of two holds nothing they may read, yet pages on to the rest.
    body = await api.run(GIVEN, {"first": 2}, as_="manager")
    given = body["data"]["employee"]["recognitionsGiven"]
    assert given["nodes"] == []
    assert given["pageInfo"]["hasNextPage"] is True
    body = await api.run(
        GIVEN, {"first": 2, "after": given["pageInfo"]["endCursor"]}, as_="manager"
    )
    given = body["data"]["employee"]["recognitionsGiven"]
    assert [n["message"] for n in given["nodes"]] == ["Private to A3", "To A2"]
    assert given["pageInfo"]["hasNextPage"] is False


async def gifts_among(people: list[str], each: int) -> None:
    """Each person thanks the next one `each` times."""
    await recognitions_for([], 0)  # the policy's limit raised to 50
    start = datetime(2026, 2, 2, tzinfo=UTC)
    for index, giver in enumerate(people):
        actor = await person(giver)
        receiver = people[(index + 1) % len(people)]
        for n in range(each):
            await give_recognition(
                actor=actor,
                receiver_external_id=receiver,
                message=f"From {giver} {n}",
                kpi_code="csat" if n % 2 == 0 else None,
                now=start + timedelta(minutes=index * each + n),
            )


EVERYONES_GIFTS = """{ team(code: "hotline") { members(first: 100) { nodes { externalId
  recognitionsGiven(first: 5) { nodes { id kpiCode receiverName giverName }
    pageInfo { hasNextPage } } } } } }"""


async def test_what_everyone_gave_costs_the_same_queries_for_4_and_14_givers(api: Api) -> None:
    await seed(api)
    await gifts_among([f"A{i}" for i in range(1, 5)], 1)
    await api.run("{ viewer { email } }", as_="manager")

    async def count() -> int:
        with counted_queries() as seen:
            body = await api.run(EVERYONES_GIFTS, as_="manager")
        assert "errors" not in body, body
        return len(seen)

    small = await count()
    newcomers = [f"N{i:02d}" for i in range(10)]
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(code, code, date(2021, 1, 1), team_code="hotline", position_code="agent")
            for code in newcomers
        ],
    )
    await gifts_among(newcomers, 6)
    body = await api.run(EVERYONES_GIFTS, as_="manager")
    lists = {
        n["externalId"]: n["recognitionsGiven"] for n in body["data"]["team"]["members"]["nodes"]
    }
    assert len(lists["N00"]["nodes"]) == 5
    assert lists["N00"]["pageInfo"]["hasNextPage"]
    large = await count()
    assert abs(large - small) <= 2, (small, large)
    assert max(small, large) <= 14, (small, large)
