"""Live scores (issue 12): subscriptions over a real WebSocket served by uvicorn, on
both databases. A write through the API reaches the subscriber; nobody hears a score
they may not read; the limits hold; an expired or revoked token ends the stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from tortoise.transactions import in_transaction

from service.models import ApiToken, Cycle, Employee, Score
from service.usecases.inputs import EmployeeInput
from service.usecases.scoring.recompute import recompute_cycle
from service.usecases.setup.organisation import upsert_employees
from tests.api.conftest import Api, seed
from tests.api.live import (
    LiveServer,
    live_client,
    live_server,
    live_settings,
    rate,
    until_subscribed,
)
from tests.counting import counted_queries
from tests.integration.scenario import ADMIN, CYCLE

SCORES = """subscription ($cycle: String!, $employee: ID) {
  scoreChanged(cycleCode: $cycle, employeeId: $employee) {
    employee { externalId }
    total
    state
  }
}"""

TEAM = """subscription ($cycle: String!, $team: String!) {
  teamChanged(cycleCode: $cycle, teamCode: $team) { scored inScope average }
}"""


@pytest.fixture
async def server(db: str) -> AsyncIterator[LiveServer]:
    async with live_server(live_settings()) as live:
        yield live


@pytest.fixture
async def api(server: LiveServer) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=server.http) as client:
        api = Api(client)
        await seed(api)
        yield api


async def test_a_rating_through_the_api_reaches_the_employee_subscribed_to_their_score(
    server: LiveServer, api: Api
) -> None:
    async with live_client(server.ws, api.tokens["employee"]) as live:
        operation = await live.subscribe(SCORES, {"cycle": CYCLE})
        await until_subscribed(server.app)
        await rate(api, "A1", "2")
        payload = await live.next_payload(operation)
        stored = await Score.get(employee__external_id="A1", cycle__code=CYCLE)
        assert payload == {
            "data": {
                "scoreChanged": {
                    "employee": {"externalId": "A1"},
                    "total": f"{stored.total_cents / 100:.2f}",
                    "state": "PROVISIONAL",
                }
            }
        }


async def test_an_employee_never_hears_a_colleagues_score(server: LiveServer, api: Api) -> None:
    async with live_client(server.ws, api.tokens["employee"]) as live:
        operation = await live.subscribe(SCORES, {"cycle": CYCLE})
        await until_subscribed(server.app)
        await rate(api, "A2", "1")
        await rate(api, "A3", "1")
        await live.nothing_for(1.0)
        await rate(api, "A1", "1")
        payload = await live.next_payload(operation)
        assert payload["data"]["scoreChanged"]["employee"] == {"externalId": "A1"}


async def test_an_employee_may_not_subscribe_to_a_colleagues_score(
    server: LiveServer, api: Api
) -> None:
    colleague = await Employee.get(external_id="A2")
    from service.api.ids import global_id

    async with live_client(server.ws, api.tokens["employee"]) as live:
        operation = await live.subscribe(
            SCORES, {"cycle": CYCLE, "employee": global_id("Employee", colleague.id)}
        )
        payload = await live.next_payload(operation)
        assert payload["data"] is None
        assert payload["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        complete = await live.receive()
        assert complete == {"id": operation, "type": "complete"}


async def test_a_manager_hears_the_team_but_not_another_team(server: LiveServer, api: Api) -> None:
    async with live_client(server.ws, api.tokens["manager"]) as live:
        operation = await live.subscribe(SCORES, {"cycle": CYCLE})
        await until_subscribed(server.app)
        async with in_transaction() as conn:
            # An admin's correction in the other team: the manager must not hear it.
            await Score.filter(employee__external_id="F1").using_db(conn).update(content_hash="x")
            cycle = await Cycle.get(code=CYCLE, using_db=conn)
            outsider = await Employee.get(external_id="F1", using_db=conn)
            await recompute_cycle(conn, cycle, employee_ids={outsider.id})
        await live.nothing_for(1.0)
        await rate(api, "A2", "3")
        payload = await live.next_payload(operation)
        assert payload["data"]["scoreChanged"]["employee"] == {"externalId": "A2"}


async def test_a_whole_cycle_change_sends_each_score_the_subscriber_may_see(
    server: LiveServer, api: Api
) -> None:
    async with (
        live_client(server.ws, api.tokens["manager"]) as manager,
        live_client(server.ws, api.tokens["employee"]) as employee,
    ):
        seen_by_manager = await manager.subscribe(SCORES, {"cycle": CYCLE})
        seen_by_employee = await employee.subscribe(SCORES, {"cycle": CYCLE})
        await until_subscribed(server.app, 2)
        async with in_transaction() as conn:
            await Score.filter(employee__external_id="A1").using_db(conn).update(content_hash="x")
            await recompute_cycle(conn, await Cycle.get(code=CYCLE, using_db=conn))
        heard = [
            (await manager.next_payload(seen_by_manager))["data"]["scoreChanged"]["employee"][
                "externalId"
            ]
            for _ in range(5)
        ]
        # The lead's own score is in the cycle too (the lead position has no scorecard).
        assert sorted(heard) == ["A1", "A2", "A3", "A4", "L1"]
        await manager.nothing_for(0.5)
        own = await employee.next_payload(seen_by_employee)
        assert own["data"]["scoreChanged"]["employee"] == {"externalId": "A1"}
        await employee.nothing_for(0.5)


async def test_a_manager_hears_the_team_summary_change(server: LiveServer, api: Api) -> None:
    async with live_client(server.ws, api.tokens["manager"]) as live:
        operation = await live.subscribe(TEAM, {"cycle": CYCLE, "team": "hotline"})
        await until_subscribed(server.app)
        await rate(api, "A3", "5")
        payload = await live.next_payload(operation)
        summary = payload["data"]["teamChanged"]
        assert summary["inScope"] >= 4
        assert summary["scored"] >= 4


async def test_an_employee_may_not_watch_a_team_with_fewer_than_five_scored(
    server: LiveServer, api: Api
) -> None:
    async with live_client(server.ws, api.tokens["employee"]) as live:
        operation = await live.subscribe(TEAM, {"cycle": CYCLE, "team": "hotline"})
        payload = await live.next_payload(operation)
        assert payload["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_queries_and_mutations_are_refused_over_the_websocket(
    server: LiveServer, api: Api
) -> None:
    async with live_client(server.ws, api.tokens["admin"]) as live:
        operation = await live.subscribe("{ viewer { email } }")
        message = await live.receive()
        assert message["id"] == operation
        assert message["type"] == "error"
        assert message["payload"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_missing_or_unknown_token_closes_the_connection(
    server: LiveServer, api: Api
) -> None:
    async with live_client(server.ws, init=False) as live:
        await live.send({"type": "connection_init", "payload": {}})
        code, reason = await live.closed()
        assert code == 4403
        assert reason.startswith("UNAUTHENTICATED")
    async with live_client(server.ws, init=False) as live:
        await live.send({"type": "connection_init", "payload": {"authorization": "Bearer nope"}})
        code, reason = await live.closed()
        assert (code, reason.split(":")[0]) == (4403, "UNAUTHENTICATED")


async def test_an_integration_token_may_not_subscribe(server: LiveServer, api: Api) -> None:
    async with live_client(server.ws, init=False) as live:
        bearer = f"Bearer {api.tokens['integration']}"
        await live.send({"type": "connection_init", "payload": {"authorization": bearer}})
        code, reason = await live.closed()
        assert (code, reason.split(":")[0]) == (4403, "FORBIDDEN")


async def test_revoking_the_token_ends_the_connection(db: str) -> None:
    settings = live_settings(subscription_token_check_seconds=1)
    async with live_server(settings) as server, httpx.AsyncClient(base_url=server.http) as client:
        api = Api(client)
        await seed(api)
        async with live_client(server.ws, api.tokens["manager"]) as live:
            await live.subscribe(SCORES, {"cycle": CYCLE})
            await until_subscribed(server.app)
            await ApiToken.filter(user__email="lead@example.com").update(
                revoked_at=datetime.now(UTC)
            )
            code, reason = await live.closed(within=5)
            assert (code, reason.split(":")[0]) == (4403, "TOKEN_REVOKED")
        assert server.app.state.changes.subscriber_count == 0


async def test_a_token_expiring_ends_the_connection_when_it_expires(
    server: LiveServer, api: Api
) -> None:
    await ApiToken.filter(user__email="a1@example.com").update(
        expires_at=datetime.now(UTC) + timedelta(seconds=1.5)
    )
    async with live_client(server.ws, api.tokens["employee"]) as live:
        await live.subscribe(SCORES, {"cycle": CYCLE})
        started = asyncio.get_running_loop().time()
        code, reason = await live.closed(within=6)
        # Ended at expiry, not at the next periodic check (60 s by default).
        assert asyncio.get_running_loop().time() - started < 5
        assert (code, reason.split(":")[0]) == (4403, "TOKEN_EXPIRED")


async def test_a_change_after_revocation_is_not_delivered(server: LiveServer, api: Api) -> None:
    async with live_client(server.ws, api.tokens["employee"]) as live:
        operation = await live.subscribe(SCORES, {"cycle": CYCLE})
        await until_subscribed(server.app)
        await ApiToken.filter(user__email="a1@example.com").update(revoked_at=datetime.now(UTC))
        await rate(api, "A1", "2")
        payload = await live.next_payload(operation)
        assert payload["data"] is None
        assert payload["errors"][0]["extensions"]["code"] == "TOKEN_REVOKED"


async def test_a_connection_holds_at_most_the_configured_subscriptions(db: str) -> None:
    async with live_server(live_settings(subscriptions_per_connection=2)) as server:
        async with httpx.AsyncClient(base_url=server.http) as client:
            api = Api(client)
            await seed(api)
        async with live_client(server.ws, api.tokens["admin"]) as live:
            await live.subscribe(SCORES, {"cycle": CYCLE})
            await live.subscribe(TEAM, {"cycle": CYCLE, "team": "hotline"})
            third = await live.subscribe(SCORES, {"cycle": CYCLE})
            message = await live.receive()
            assert message["id"] == third
            assert message["type"] == "error"
            assert message["payload"][0]["message"] == "Subscription limit reached"


async def test_an_idle_connection_is_closed(db: str) -> None:
    async with live_server(live_settings(subscription_idle_seconds=1)) as server:
        async with httpx.AsyncClient(base_url=server.http) as client:
            api = Api(client)
            await seed(api)
        async with live_client(server.ws, api.tokens["admin"]) as live:
            code, reason = await live.closed(within=5)
            assert code == 1000
            assert reason.startswith("Idle")


async def test_an_origin_outside_the_allow_list_is_refused(db: str) -> None:
    from websockets.exceptions import InvalidStatus

    allowed = "https://app.example.com"
    async with live_server(live_settings(cors_origins=(allowed,))) as server:
        async with httpx.AsyncClient(base_url=server.http) as client:
            api = Api(client)
            await seed(api)
        with pytest.raises(InvalidStatus) as refused:
            async with live_client(server.ws, api.tokens["admin"], origin="https://evil.example"):
                pass
        assert refused.value.response.status_code == 403
        async with live_client(server.ws, api.tokens["admin"], origin=allowed) as live:
            await live.subscribe(SCORES, {"cycle": CYCLE})
            await until_subscribed(server.app)


async def test_sqlite_with_several_workers_refuses_subscriptions(db: str) -> None:
    if db != "sqlite":
        pytest.skip("PostgreSQL serves subscriptions from any number of workers")
    async with (
        live_server(live_settings(serve_workers=2)) as server,
        live_client(server.ws, init=False) as live,
    ):
        await live.send({"type": "connection_init", "payload": {}})
        code, reason = await live.closed()
        assert code == 4500
        assert "one server process on SQLite" in reason


async def test_a_subscription_sent_over_http_is_refused_with_a_pointer(
    server: LiveServer, api: Api
) -> None:
    response = await api.post(SCORES, {"cycle": CYCLE}, as_="employee")
    body = response.json()
    assert response.status_code == 400, body
    assert "data" not in body
    (error,) = body["errors"]
    assert error["message"].startswith("Subscriptions run over a WebSocket at /graphql")
    assert error["extensions"]["code"] == "BAD_REQUEST"


WHOLE_CYCLE = """subscription ($cycle: String!) {
  scoreChanged(cycleCode: $cycle) {
    total employee { externalId name team { code } } cycle { code }
  }
}"""


async def queries_for_a_whole_cycle_event(server: LiveServer, api: Api, scores: int) -> int:
    """Statements from the recompute to the last score delivered to an admin."""
    async with live_client(server.ws, api.tokens["admin"]) as live:
        operation = await live.subscribe(WHOLE_CYCLE, {"cycle": CYCLE})
        await until_subscribed(server.app)
        with counted_queries() as seen:
            async with in_transaction() as conn:
                await (
                    Score.filter(employee__external_id="A1").using_db(conn).update(content_hash="x")
                )
                await recompute_cycle(conn, await Cycle.get(code=CYCLE, using_db=conn))
            heard = [await live.next_payload(operation) for _ in range(scores)]
        await live.nothing_for(0.3)
    assert {p["data"]["scoreChanged"]["cycle"]["code"] for p in heard} == {CYCLE}
    return len(seen)


async def test_a_whole_cycle_event_costs_the_same_queries_for_6_and_14_scores(
    server: LiveServer, api: Api
) -> None:
    small = await queries_for_a_whole_cycle_event(server, api, 6)
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                f"B{i}", f"Agent B{i}", date(2021, 1, 1), team_code="hotline", position_code="agent"
            )
            for i in range(8)
        ],
    )
    large = await queries_for_a_whole_cycle_event(server, api, 14)
    assert small == large
