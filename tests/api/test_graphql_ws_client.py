"""The subscription example of docs/api.md section 17, run with the real graphql-ws
client (tests/clients/live.mjs, on node with `ws`) against a real server."""

from __future__ import annotations

import asyncio
import json

import httpx

from tests.api.conftest import Api, seed
from tests.api.live import live_server, live_settings, rate, until_subscribed
from tests.integration.scenario import CYCLE
from tests.node import CLIENTS, node_tools


async def test_graphql_ws_hears_the_employees_score_change(db: str) -> None:
    node = node_tools()
    async with (
        live_server(live_settings()) as server,
        httpx.AsyncClient(base_url=server.http) as client,
    ):
        api = Api(client)
        await seed(api)
        process = await asyncio.create_subprocess_exec(
            node,
            str(CLIENTS / "live.mjs"),
            server.ws,
            api.tokens["employee"],
            CYCLE,
            "1",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await until_subscribed(server.app)
            await rate(api, "A2", "1")  # a colleague: not heard
            await rate(api, "A1", "1")
            async with asyncio.timeout(30):
                stdout, stderr = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    lines = [json.loads(line) for line in stdout.decode().splitlines()]
    assert process.returncode == 0, stderr.decode()
    assert lines[0] == {"connected": True}
    (event,) = lines[1:]
    assert event["data"]["scoreChanged"]["employee"] == {"externalId": "A1"}
