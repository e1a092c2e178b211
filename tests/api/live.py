"""A real server for live tests: uvicorn on a loopback port, and a graphql-transport-ws
client speaking the protocol over a real WebSocket (the `websockets` library)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from service.app import create_app
from service.settings import Settings
from service.usecases.scoring.changes import hearing_changes
from tests.api.conftest import Api, make_settings
from tests.conftest import active_database_url

REVIEW = """mutation ($employee: String!, $rating: Decimal!) {
  submitReview(cycleCode: "2026-Q1", employeeExternalId: $employee, kpiCode: "quality",
               kind: MANAGER, rating: $rating) {
    __typename
    ... on Score { total }
  }
}"""

PROTOCOL = "graphql-transport-ws"
WAIT_SECONDS = 10.0


def live_settings(**changes: Any) -> Settings:
    """The API tests' settings, on the database of the running test."""
    return replace(make_settings(), database_url=active_database_url(), **changes)


async def rate(api: Api, employee: str, rating: str) -> None:
    """The manager rates an employee's quality through the API: their score moves."""
    body = await api.run(REVIEW, {"employee": employee, "rating": rating}, as_="manager")
    assert body["data"]["submitReview"]["__typename"] == "Score", body


@dataclass
class LiveServer:
    host: str
    app: Starlette

    @property
    def http(self) -> str:
        return f"http://{self.host}"

    @property
    def ws(self) -> str:
        return f"ws://{self.host}/graphql"


@asynccontextmanager
async def live_server(settings: Settings) -> AsyncIterator[LiveServer]:
    """The app served by uvicorn in this event loop, on the ORM the test set up (its
    lifespan would start another), hearing score changes as its lifespan would."""
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while not server.started:  # noqa: ASYNC110 (uvicorn offers no event)
                await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        async with hearing_changes(app.state.changes, settings.database_url):
            yield LiveServer(f"127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        await task


class LiveClient:
    """One graphql-transport-ws connection, as graphql-ws speaks it."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self._ids = 0

    async def send(self, message: dict[str, Any]) -> None:
        await self.socket.send(json.dumps(message))

    async def receive(self, within: float = WAIT_SECONDS) -> dict[str, Any]:
        async with asyncio.timeout(within):
            message: dict[str, Any] = json.loads(await self.socket.recv())
        return message

    async def init(self, token: str | None, **extra: Any) -> dict[str, Any]:
        payload = dict(extra)
        if token is not None:
            payload["authorization"] = f"Bearer {token}"
        await self.send({"type": "connection_init", "payload": payload})
        return await self.receive()

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._ids += 1
        operation_id = str(self._ids)
        await self.send(
            {
                "id": operation_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}},
            }
        )
        return operation_id

    async def next_payload(self, operation_id: str) -> dict[str, Any]:
        message = await self.receive()
        assert message["id"] == operation_id, message
        assert message["type"] == "next", message
        payload: dict[str, Any] = message["payload"]
        return payload

    async def nothing_for(self, seconds: float) -> None:
        try:
            message = await self.receive(within=seconds)
        except TimeoutError:
            return
        raise AssertionError(f"expected nothing, got {message}")

    async def closed(self, within: float = WAIT_SECONDS) -> tuple[int, str]:
        """The close code and reason once the server ends the connection."""
        frame = None
        try:
            async with asyncio.timeout(within):
                while True:
                    await self.socket.recv()
        except ConnectionClosed as closed:
            frame = closed.rcvd
        assert frame is not None, "closed without a close frame"
        return frame.code, frame.reason


@asynccontextmanager
async def live_client(
    url: str, token: str | None = None, *, origin: str | None = None, init: bool = True
) -> AsyncIterator[LiveClient]:
    headers = {"Origin": origin} if origin is not None else None
    async with connect(url, subprotocols=[PROTOCOL], additional_headers=headers) as socket:  # type: ignore[list-item]
        client = LiveClient(socket)
        if init:
            ack = await client.init(token)
            assert ack["type"] == "connection_ack", ack
        yield client


async def until_subscribed(app: Starlette, count: int = 1) -> None:
    """A subscription is registered once its first checks have run; wait for it."""
    async with asyncio.timeout(WAIT_SECONDS):
        while app.state.changes.subscriber_count < count:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
