"""Fan-out of live scores: N subscribers, one change, time to the last delivery.

Runs `fairscore serve --workers 2` on the PostgreSQL named by DATABASE_URL (emptied
first), opens N graphql-transport-ws connections (they spread over both workers), each
subscribed to one employee's score as that employee's manager, then rates the employee
through the API: it reports how long the mutation took, and how long after its answer
(the commit, so the NOTIFY) the last subscriber received its `next`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fs_bench \\
        .venv/bin/python -m bench.live_fanout 10 100 500
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from tortoise import Tortoise
from tortoise.migrations.api import migrate
from websockets.asyncio.client import connect

from service.api.ids import global_id
from service.models import Employee, User, tortoise_config
from service.settings import Settings
from service.usecases.accounts.auth import actor_for, issue_token
from service.usecases.accounts.users import create_user
from tests.integration.scenario import ADMIN, CYCLE, build_organisation

PROJECT = Path(__file__).resolve().parents[1]
ROUNDS = 5
REVIEW = """mutation ($rating: Decimal!) {
  submitReview(cycleCode: "2026-Q1", employeeExternalId: "A1", kpiCode: "quality",
               kind: MANAGER, rating: $rating) { __typename }
}"""
SUBSCRIPTION = """subscription ($cycle: String!, $employee: ID) {
  scoreChanged(cycleCode: $cycle, employeeId: $employee) { total computedAt }
}"""


async def prepare(url: str) -> tuple[str, str]:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    await conn.close()
    config = tortoise_config(url)
    await migrate(config=config)
    await Tortoise.close_connections()
    await Tortoise.init(config=config)
    await build_organisation(members=4)
    settings = Settings.from_environment()
    await create_user(
        actor=ADMIN,
        email="lead@example.com",
        access="MANAGER",
        password="a long enough password",
        employee_external_id="L1",
        settings=settings,
    )
    user = await User.get(email="lead@example.com")
    token = (await issue_token(actor=actor_for(user), user=user, name="bench")).token
    employee = global_id("Employee", (await Employee.get(external_id="A1")).id)
    await Tortoise.close_connections()
    return token, employee


async def subscriber(
    url: str, token: str, employee: str, number: int, inbox: asyncio.Queue[tuple[int, float]]
) -> None:
    async with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=60) as socket:  # type: ignore[list-item]
        await socket.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {
                        "query": SUBSCRIPTION,
                        "variables": {"cycle": CYCLE, "employee": employee},
                    },
                }
            )
        )
        while True:
            message = json.loads(await socket.recv())
            if message["type"] != "next" or "errors" in message["payload"]:
                print(f"subscriber {number}: {message}", file=sys.stderr, flush=True)
                return
            inbox.put_nowait((number, time.perf_counter()))


def drained(inbox: asyncio.Queue[tuple[int, float]]) -> list[tuple[int, float]]:
    found = []
    while not inbox.empty():
        found.append(inbox.get_nowait())
    return found


async def measure(
    base: str, token: str, employee: str, n: int
) -> tuple[int, list[tuple[float, float]]]:
    """How many subscribed, and per round: (request time, time from the response to the
    last delivery)."""
    inbox: asyncio.Queue[tuple[int, float]] = asyncio.Queue()
    ws = base.replace("http://", "ws://") + "/graphql"
    tasks = [
        asyncio.create_task(subscriber(ws, token, employee, number, inbox)) for number in range(n)
    ]
    rating = iter(range(10**6))
    timings = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        headers = {"authorization": f"Bearer {token}"}

        async def write() -> tuple[float, float]:
            started = time.perf_counter()
            response = await client.post(
                "/graphql",
                json={"query": REVIEW, "variables": {"rating": str(1 + next(rating) % 5)}},
                headers=headers,
            )
            assert response.json()["data"]["submitReview"]["__typename"] == "Score"
            return started, time.perf_counter()

        # Every subscription registered: each has heard a change.
        heard: set[int] = set()
        for _attempt in range(60):
            await write()
            await asyncio.sleep(1)
            heard |= {number for number, _at in drained(inbox)}
            if len(heard) == n:
                break
        # On a loaded machine a few handshakes may fail: measured over those that
        # subscribed, and said.
        subscribed = len(heard)
        assert subscribed >= n * 0.95, f"only {subscribed} of {n} subscribed"
        await asyncio.sleep(1)
        drained(inbox)
        for _round in range(ROUNDS):
            started, answered = await write()
            arrivals: list[float] = []
            try:
                async with asyncio.timeout(60):
                    while len(arrivals) < subscribed:
                        arrivals.append((await inbox.get())[1])
            except TimeoutError:
                raise AssertionError(f"{len(arrivals)} of {subscribed} heard it") from None
            timings.append((answered - started, max(arrivals) - answered))
            await asyncio.sleep(0.5)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return subscribed, timings


async def main(sizes: list[int]) -> None:
    url = os.environ["DATABASE_URL"]
    token, employee = await prepare(url)
    port = 8765
    server = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as probe:
            for _ in range(120):
                try:
                    if (await probe.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.25)
        for n in sizes:
            subscribed, timings = await measure(base, token, employee, n)
            request = statistics.median(t[0] for t in timings) * 1000
            fan_out = [t[1] * 1000 for t in timings]
            print(
                f"{subscribed} of {n} subscribers: the mutation answered in {request:.0f} ms "
                f"(median); the last subscriber heard it {statistics.median(fan_out):.0f} ms "
                f"after the answer (median, max {max(fan_out):.0f} ms, {ROUNDS} rounds)",
                flush=True,
            )
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), 30)


if __name__ == "__main__":
    asyncio.run(main([int(a) for a in sys.argv[1:]] or [10, 100, 500]))
