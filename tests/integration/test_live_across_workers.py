"""Live scores across server processes (issue 12): on PostgreSQL a write through one
`fairscore serve` reaches a subscriber connected to another (NOTIFY after commit, a
LISTEN connection per process); on SQLite `serve --workers 2` says it refuses them."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.api.conftest import Api, seed
from tests.api.live import LiveClient, live_client, rate
from tests.conftest import active_database_url
from tests.integration.scenario import CYCLE
from tests.integration.test_several_workers import two_servers, wait_until_up

SCORES = """subscription ($cycle: String!) {
  scoreChanged(cycleCode: $cycle) { employee { externalId } total }
}"""
ATTEMPTS = 10


async def heard_after_writes(api: Api, live: LiveClient, operation: str) -> dict[str, object]:
    """Writes through the other server until the subscriber hears one: a subscription
    is registered some moments after `subscribe` is sent, and nothing says when."""
    for attempt in range(ATTEMPTS):
        await rate(api, "A1", str(1 + attempt % 5))
        try:
            message = await live.receive(within=2)
        except TimeoutError:
            continue
        assert message["id"] == operation, message
        payload: dict[str, object] = message["payload"]
        return payload
    raise AssertionError(f"nothing heard after {ATTEMPTS} writes")


async def test_a_write_through_one_server_reaches_a_subscriber_on_another(
    db: str, tmp_path: Path
) -> None:
    if db != "postgres":
        pytest.skip("on SQLite a change is heard in its own process only")
    async with httpx.AsyncClient(timeout=30) as probe:
        api = Api(probe)
        await seed(api)
        with two_servers(active_database_url(), tmp_path) as servers:
            (first, first_log), (second, second_log) = servers
            await wait_until_up(probe, first, first_log)
            await wait_until_up(probe, second, second_log)
            for writer, listener in ((first, second), (second, first)):
                async with httpx.AsyncClient(base_url=writer, timeout=30) as client:
                    api.client = client
                    ws = listener.replace("http://", "ws://") + "/graphql"
                    async with live_client(ws, api.tokens["employee"]) as live:
                        operation = await live.subscribe(SCORES, {"cycle": CYCLE})
                        payload = await heard_after_writes(api, live, operation)
                        assert payload["data"]["scoreChanged"]["employee"] == {  # type: ignore[index]
                            "externalId": "A1"
                        }


async def test_serve_with_two_workers_on_sqlite_says_it_refuses_subscriptions(
    db: str, tmp_path: Path
) -> None:
    if db != "sqlite":
        pytest.skip("PostgreSQL serves subscriptions from every worker")
    async with httpx.AsyncClient(timeout=30) as probe:
        with two_servers(active_database_url(), tmp_path) as servers:
            (several, log), _single = servers
            await wait_until_up(probe, several, log)
            ws = several.replace("http://", "ws://") + "/graphql"
            async with live_client(ws, init=False) as live:
                await live.send({"type": "connection_init", "payload": {}})
                code, reason = await live.closed()
            assert code == 4500
            assert "one server process on SQLite" in reason
            assert "live subscriptions (/graphql over WebSocket) are refused" in log.read_text()
