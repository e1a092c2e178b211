"""Paging loses nothing: every connection of the schema, any `first`, both databases.

A connection paged `first` rows at a time, following `endCursor` until `hasNextPage` is
false, returns exactly the rows (and cursors) of one unpaged read, in the same order,
each once. The data has ties on every leading sort field: observations sharing a moment
(recorded later moments first, so ids run against time), scores sharing a total (and
the NULL totals of no data), employees whose external ids sort differently by byte and
by locale.

The connections are read from the exported schema, and a test fails when one has no
query here, so a new connection cannot be forgotten.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphql import GraphQLObjectType, get_named_type
from service.app import create_app
from service.models import AccessLevel, Employee
from service.usecases.actor import Actor
from service.usecases.inputs import CycleInput, EmployeeInput, FeedbackInput, ObservationInput
from service.usecases.people.checkins import record_check_in
from service.usecases.people.feedback_notes import give_feedback_note
from service.usecases.people.recognition import give_recognition, set_recognition_visibility
from service.usecases.scoring.ingest import record_feedback, record_observations
from service.usecases.setup.cycles import create_cycle, save_scorecard, transition_cycle
from service.usecases.setup.organisation import upsert_employees
from tests.api.conftest import Api, make_settings, seed
from tests.api.test_generated_queries import SCHEMA
from tests.integration.goal_scenario import manual_goal_with_reports
from tests.integration.scenario import ADMIN, CYCLE, LINES

# One unpaged read: the page-size setting raised above every list in the seed.
UNPAGED = 5_000
PAGE = "edges {{ cursor node {{ {identity} }} }} pageInfo {{ hasNextPage endCursor }}"


@dataclass(frozen=True)
class Reach:
    """How a query reaches one connection, and where the connection is in the answer."""

    query: str  # with {args} for `(first:, after:)` and {page} for the selection
    identity: str
    find: Callable[[dict[str, Any]], dict[str, Any]]
    # Errors the path itself raises on siblings of the connection (a TEAM line refuses
    # to list observations), recognised by path.
    tolerated: Callable[[dict[str, Any], list[Any]], bool] = lambda data, path: False


def _individual_frt_line(data: dict[str, Any]) -> dict[str, Any]:
    (line,) = [
        line
        for line in data["employee"]["score"]["lines"]
        if line["kpi"]["code"] == "frt" and line["scope"] == "INDIVIDUAL"
    ]
    connection: dict[str, Any] = line["observations"]
    return connection


def _team_line(data: dict[str, Any], path: list[Any]) -> bool:
    return (
        path[:4] == ["employee", "score", "lines", path[3]]
        and data["employee"]["score"]["lines"][path[3]]["scope"] == "TEAM"
    )


REACH: dict[str, Reach] = {
    "Query.employees": Reach("{{ employees{args} {{ {page} }} }}", "id", lambda d: d["employees"]),
    "Query.cycles": Reach("{{ cycles{args} {{ {page} }} }}", "code", lambda d: d["cycles"]),
    "Team.members": Reach(
        '{{ team(code: "hotline") {{ members{args} {{ {page} }} }} }}',
        "externalId",
        lambda d: d["team"]["members"],
    ),
    "Employee.scores": Reach(
        '{{ employee(externalId: "A1") {{ scores{args} {{ {page} }} }} }}',
        "id",
        lambda d: d["employee"]["scores"],
    ),
    "Cycle.scores": Reach(
        '{{ cycle(code: "' + CYCLE + '") {{ scores{args} {{ {page} }} }} }}',
        "id total",
        lambda d: d["cycle"]["scores"],
    ),
    "Cycle.results": Reach(
        '{{ cycle(code: "' + CYCLE + '") {{ results{args} {{ {page} }} }} }}',
        "employeeExternalId",
        lambda d: d["cycle"]["results"],
    ),
    "Goal.updates": Reach(
        '{{ employee(externalId: "A1") {{ goals(cycleCode: "' + CYCLE + '") {{ '
        "updates{args} {{ {page} }} }} }} }}",
        "value note",
        lambda d: d["employee"]["goals"][0]["updates"],
    ),
    "Employee.checkIns": Reach(
        '{{ employee(externalId: "A1") {{ checkIns{args} {{ {page} }} }} }}',
        "id heldOn",
        lambda d: d["employee"]["checkIns"],
    ),
    "Employee.feedbackNotes": Reach(
        '{{ employee(externalId: "A1") {{ feedbackNotes{args} {{ {page} }} }} }}',
        "id kind",
        lambda d: d["employee"]["feedbackNotes"],
    ),
    "Employee.recognitions": Reach(
        '{{ employee(externalId: "A1") {{ recognitions{args} {{ {page} }} }} }}',
        "id message",
        lambda d: d["employee"]["recognitions"],
    ),
    "Employee.recognitionsGiven": Reach(
        '{{ employee(externalId: "A1") {{ recognitionsGiven{args} {{ {page} }} }} }}',
        "id message",
        lambda d: d["employee"]["recognitionsGiven"],
    ),
    "Team.recognitions": Reach(
        '{{ team(code: "hotline") {{ recognitions{args} {{ {page} }} }} }}',
        "id message",
        lambda d: d["team"]["recognitions"],
    ),
    "ScoreLine.observations": Reach(
        '{{ employee(externalId: "A1") {{ score(cycleCode: "' + CYCLE + '") {{ lines {{ '
        "kpi {{ code }} scope observations{args} {{ {page} }} }} }} }} }}",
        "id occurredAt",
        _individual_frt_line,
        _team_line,
    ),
}


def schema_connections() -> set[str]:
    """Every field of the schema that returns a connection (a type with `pageInfo`)."""
    found = set()
    for type_name, graphql_type in SCHEMA.type_map.items():
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        for field_name, field in graphql_type.fields.items():
            target = get_named_type(field.type)
            if isinstance(target, GraphQLObjectType) and "pageInfo" in target.fields:
                found.add(f"{type_name}.{field_name}")
    return found


def test_every_connection_of_the_schema_is_covered_by_the_paging_property() -> None:
    connections = schema_connections()
    assert connections, "the schema has connections; none were found"
    assert connections == set(REACH), (
        f"connections without a paging query here: {sorted(connections - set(REACH))}; "
        f"queries for connections the schema no longer has: {sorted(set(REACH) - connections)}"
    )


# External ids whose order differs between bytes and a locale's collation, besides A1...
EXTRA_PEOPLE = ["agent-b", "Agent-C", "agent_a", "Zed", "zed-2", "ÅSA", "b10", "B9"]


async def seed_with_ties(api: Api) -> None:
    await seed(api, members=6)
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                code, f"Person {code}", date(2021, 1, 1), team_code="hotline", position_code="agent"
            )
            for code in EXTRA_PEOPLE
        ]
        # Leads have no scorecard: no total, ranked last together.
        + [
            EmployeeInput(
                code, f"Lead {code}", date(2021, 1, 1), team_code="field", position_code="lead"
            )
            for code in ("lead-2", "Lead-3")
        ],
    )
    # Identical data for two people: the same total, tied on the leaderboard.
    await record_feedback(
        actor=ADMIN,
        feedback=[
            FeedbackInput(
                rating="5" if i % 3 else "3",
                channel="ONLINE_SURVEY",
                occurred_at=f"2026-02-{1 + i:02d}T09:00:00+08:00",
                source="survey",
                employee_external_id=person,
                external_id=f"tie-{person}-{i}",
            )
            for person in ("agent-b", "Agent-C")
            for i in range(9)
        ],
    )
    # Response times too, so that their own data carries enough of the weight to be
    # scored (SCORING §2): ratings alone are 35 % of it.
    await record_observations(
        actor=ADMIN,
        observations=[
            ObservationInput(
                kpi_code="frt",
                value=str(12 + i),
                source="tickets",
                occurred_at=f"2026-02-{1 + i:02d}T10:00:00+08:00",
                employee_external_id=person,
                external_id=f"tie-frt-{person}-{i}",
            )
            for person in ("agent-b", "Agent-C")
            for i in range(4)
        ],
    )
    # Forty observations on five moments, later moments recorded first: ids run against
    # time, the case a keyset on the moment alone (or on the id alone) gets wrong.
    moments = [f"2026-03-{day:02d}T10:00:00Z" for day in (25, 19, 11, 4, 2)]
    await record_observations(
        actor=ADMIN,
        observations=[
            ObservationInput(
                kpi_code="frt",
                value=str(5 + i % 7),
                source=("tickets", "chat")[i % 2],
                occurred_at=moments[i % 5],
                employee_external_id="A1",
                external_id=f"tie-{i}",
            )
            for i in range(40)
        ],
    )
    # A manual goal's values, all reported at the same pinned instant: tied on the time.
    await manual_goal_with_reports("A1", reports=7)
    # Check-ins and feedback notes of A1, several on one day: their order is the id's.
    for i in range(25):
        await record_check_in(
            actor=ADMIN, employee_external_id="A1", held_on=date(2026, 3, 1 + i // 3)
        )
        await give_feedback_note(
            actor=ADMIN,
            employee_external_id="A1",
            kind=("PRAISE", "SUGGESTION")[i % 2],
            text=f"note {i}",
        )
    # Recognitions of A1 from five colleagues, a day apart (within the weekly limit); a
    # third made private by A1: the wall and A1's list page through them alike.
    a1 = await Employee.get(external_id="A1")
    for i in range(25):
        giver = await Employee.get(external_id=f"A{2 + i % 5}")
        given = await give_recognition(
            actor=Actor(giver.external_id, AccessLevel.EMPLOYEE, employee_id=giver.id),
            receiver_external_id="A1",
            message=f"thanks {i}",
            now=datetime(2026, 2, 1, tzinfo=UTC) + timedelta(days=i),
        )
        if i % 3 == 0:
            await set_recognition_visibility(
                actor=Actor("A1", AccessLevel.EMPLOYEE, employee_id=a1.id),
                recognition_id=given.id,
                visibility="PRIVATE",
            )
    # And A1 thanks each of them back, once: what A1 gave pages too.
    for i in range(5):
        await give_recognition(
            actor=Actor("A1", AccessLevel.EMPLOYEE, employee_id=a1.id),
            receiver_external_id=f"A{2 + i}",
            message=f"thanks back {i}",
            now=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=i),
        )
    # Earlier cycles, so that an employee has several scores and the cycle list pages.
    for year, quarter, starts, ends in (
        (2025, 3, date(2025, 7, 1), date(2025, 9, 30)),
        (2025, 4, date(2025, 10, 1), date(2025, 12, 31)),
        (2025, 2, date(2025, 4, 1), date(2025, 6, 30)),
    ):
        code = f"{year}-Q{quarter}"
        await create_cycle(actor=ADMIN, cycle=CycleInput(code, code, starts, ends))
        await save_scorecard(actor=ADMIN, cycle_code=code, position_code="agent", lines=LINES)
        if quarter != 2:
            await transition_cycle(actor=ADMIN, cycle_code=code, to="ACTIVE")


@pytest.fixture
async def paging_api(db: str) -> AsyncIterator[Api]:
    app = create_app(make_settings(max_page_size=UNPAGED))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield Api(client)


async def read_page(
    api: Api, reach: Reach, as_: str, first: int, after: str | None
) -> dict[str, Any]:
    args = f"(first: {first}" + ("" if after is None else f', after: "{after}"') + ")"
    query = reach.query.format(args=args, page=PAGE.format(identity=reach.identity))
    body = await api.run(query, as_=as_)
    data = body["data"]
    for error in body.get("errors", []):
        assert reach.tolerated(data, error.get("path") or []), (query, error)
    return reach.find(data)


async def read_all(api: Api, reach: Reach, as_: str, first: int) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    after = None
    while True:
        page = await read_page(api, reach, as_, first, after)
        assert len(page["edges"]) <= first
        rows += [(edge["cursor"], edge["node"]) for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return rows
        # A page that says more follow is full, and its end cursor is its last row's.
        assert len(page["edges"]) == first
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]


# Enough rows that paging matters: at least this many in each unpaged read by an admin.
MINIMUM_ROWS = {
    "Query.employees": 15,
    "Query.cycles": 4,
    "Team.members": 14,
    "Employee.scores": 3,
    "Cycle.scores": 15,
    "Cycle.results": 15,
    "ScoreLine.observations": 40,
    "Employee.checkIns": 25,
    "Employee.feedbackNotes": 25,
    "Employee.recognitions": 25,
    "Team.recognitions": 25,
    "Employee.recognitionsGiven": 5,
}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(sorted(REACH)),
    first=st.integers(1, 45),
    as_=st.sampled_from(["admin", "manager", "employee"]),
)
async def test_paging_any_connection_returns_exactly_the_rows_of_one_unpaged_read(
    paging_api: Api, name: str, first: int, as_: str
) -> None:
    if not paging_api.tokens:
        await seed_with_ties(paging_api)
        await check_the_seed_has_ties(paging_api)
    reach = REACH[name]
    unpaged = await read_page(paging_api, reach, as_, UNPAGED, None)
    assert unpaged["pageInfo"]["hasNextPage"] is False
    expected = [(edge["cursor"], edge["node"]) for edge in unpaged["edges"]]
    paged = await read_all(paging_api, reach, as_, first)
    assert paged == expected
    assert len({cursor for cursor, _node in paged}) == len(paged)


async def check_the_seed_has_ties(api: Api) -> None:
    """The property means something only if the data has ties and enough rows."""
    for name, minimum in MINIMUM_ROWS.items():
        rows = (await read_page(api, REACH[name], "admin", UNPAGED, None))["edges"]
        assert len(rows) >= minimum, name
    observations = [
        edge["node"]
        for edge in (await read_page(api, REACH["ScoreLine.observations"], "admin", UNPAGED, None))[
            "edges"
        ]
    ]
    moments = [node["occurredAt"] for node in observations]
    assert len(set(moments)) < len(moments) / 4
    scores = (await read_page(api, REACH["Cycle.scores"], "admin", UNPAGED, None))["edges"]
    totals = [edge["node"]["total"] for edge in scores]
    scored = [total for total in totals if total is not None]
    assert len(set(scored)) < len(scored), "two scored people share a total"
    assert totals.count(None) >= 2, "several scores without a total"


async def test_paging_a_lines_observations_twenty_at_a_time_keeps_rows_sharing_a_moment(
    paging_api: Api,
) -> None:
    await seed_with_ties(paging_api)
    reach = REACH["ScoreLine.observations"]
    paged = await read_all(paging_api, reach, "admin", 20)
    unpaged = await read_page(paging_api, reach, "admin", UNPAGED, None)
    assert len(paged) == len(unpaged["edges"]) >= 40
    assert [node["id"] for _cursor, node in paged] == [
        edge["node"]["id"] for edge in unpaged["edges"]
    ]
