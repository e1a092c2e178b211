"""Several server processes on one database, written to at once over real HTTP
(issue 9 §4).

Each test run starts `fairscore serve --workers 2` and another `fairscore serve` on
free loopback ports, on the session's database (a SQLite file in WAL mode, or the
PostgreSQL test database), and sends them concurrent sign-ins, reviews and ingests
that share observations across idempotency keys. A request may come back as a
`BusyError` (the typed, retryable answer of a database kept busy past the retries);
the client then sends it again, as a client should. Nothing may come back as
"Unexpected error.", and the stored scores must equal a full recompute.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from itertools import cycle
from pathlib import Path
from typing import Any

import httpx
from tortoise.transactions import in_transaction

from service.models import ApiToken, Cycle, Observation, Review, Score
from service.settings import Settings
from service.usecases.accounts.auth import create_token_for
from service.usecases.accounts.users import create_user
from service.usecases.scoring.recompute import recompute_cycle
from tests.conftest import active_database_url
from tests.integration.scenario import ADMIN, CYCLE, build_organisation

PROJECT = Path(__file__).resolve().parents[2]
PASSWORD = "a long enough password"
MEMBERS = 15  # employees the lead rates: 2 concurrent ratings each, 30 reviews
WRITERS = 6  # ingest clients, each sending ROUNDS batches under its own keys
ROUNDS = 4
OWN_ROWS = 4  # per batch, recorded by this batch only
SHARED_ROWS = 3  # per round, sent identically by every writer: one is accepted
SIGN_INS = 20
BUSY_RESENDS = 8  # a client gives up after this many BusyErrors in a row
STARTUP_SECONDS = 60
WRITES_SECONDS = 240

LOGIN = """mutation ($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename
    ... on LoginSuccess { token }
    ... on BusyError { message retryAfterSeconds }
    ... on SignInError { message }
    ... on ThrottledError { message }
  }
}"""

REVIEW = """mutation ($employee: String!, $rating: Decimal!) {
  submitReview(cycleCode: "2026-Q1", employeeExternalId: $employee, kpiCode: "quality",
               kind: MANAGER, rating: $rating) {
    __typename
    ... on Score { total }
    ... on BusyError { message retryAfterSeconds }
    ... on ValidationError { message }
    ... on InvalidStateError { message }
  }
}"""

FEEDBACK = """mutation ($rows: [FeedbackInput!]!, $key: String!) {
  recordFeedback(feedback: $rows, idempotencyKey: $key, mode: KEEP_VALID) {
    __typename
    ... on IngestReport { accepted duplicates late rejected { index field code message } }
    ... on BusyError { message retryAfterSeconds }
    ... on ConflictError { message }
    ... on ValidationError { message }
  }
}"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def two_servers(url: str, logs: Path) -> Iterator[list[tuple[str, Path]]]:
    """`fairscore serve --workers 2` and a second `fairscore serve` beside it, on one
    database: requests alternate between the two ports, so at least two processes
    always write at once. Stopped however the test ends."""
    env = {**os.environ, "DATABASE_URL": url, "FAIRSCORE_ENV": "development"}
    started: list[tuple[subprocess.Popen[bytes], str, Path]] = []
    try:
        for n, workers in enumerate((2, 1)):
            port = free_port()
            log = logs / f"server-{n}.log"
            command = ["serve", "--port", str(port), "--workers", str(workers)]
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "service.cli", *command],
                    cwd=PROJECT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            started.append((process, f"http://127.0.0.1:{port}", log))
        yield [(base, log) for _process, base, log in started]
    finally:
        for process, _base, _log in started:
            process.terminate()
        for process, _base, _log in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


async def wait_until_up(client: httpx.AsyncClient, base: str, log: Path) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_SECONDS
    while True:
        try:
            if (await client.get(f"{base}/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if loop.time() > deadline:
            output = await asyncio.to_thread(log.read_text, errors="replace")
            raise AssertionError(f"{base} did not start:\n{output}")
        await asyncio.sleep(0.25)


@dataclass
class Caller:
    """Sends each request to the next server in turn; resends on BusyError, as documented."""

    client: httpx.AsyncClient
    bases: Iterator[str]
    busy: Counter[str] = field(default_factory=Counter)

    async def call(
        self, name: str, query: str, variables: dict[str, Any], token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for _attempt in range(BUSY_RESENDS):
            response = await self.client.post(
                f"{next(self.bases)}/graphql",
                json={"query": query, "variables": variables},
                headers=headers,
            )
            assert response.status_code == 200, response.text
            body = response.json()
            assert "errors" not in body, body  # "Unexpected error." would be here
            result: dict[str, Any] = body["data"][name]
            if result["__typename"] != "BusyError":
                return result
            self.busy[name] += 1
            assert result["retryAfterSeconds"] >= 1
            await asyncio.sleep(0.1)
        raise AssertionError(f"{name}: still busy after {BUSY_RESENDS} sends")


def feedback_batch(writer: int, round_: int) -> list[dict[str, Any]]:
    def row(external_id: str, employee: str, rating: float, minute: int) -> dict[str, Any]:
        return {
            "rating": f"{rating:g}",
            "channel": "PHONE_CALLBACK",
            "occurredAt": f"2026-02-{1 + round_:02d}T10:{minute:02d}:00+08:00",
            "source": "callbacks",
            "employeeExternalId": employee,
            "externalId": external_id,
        }

    own = [
        row(f"w{writer}-r{round_}-{i}", f"A{1 + (writer + i) % MEMBERS}", 1 + (writer + i) % 5, i)
        for i in range(OWN_ROWS)
    ]
    shared = [
        row(f"shared-r{round_}-{i}", f"A{1 + i}", 1 + (round_ + i) % 5, 30 + i)
        for i in range(SHARED_ROWS)
    ]
    # The same external id with a different rating from every writer: one wins, the
    # others are conflicts, whichever process records it first.
    contested = [row(f"contested-r{round_}", "A1", 1 + writer / 2, 50)]
    return own + shared + contested


async def stored_scores() -> dict[int, tuple[Any, ...]]:
    return {
        s.employee_id: (s.status, s.total_exact, s.explanation)
        for s in await Score.filter(cycle__code=CYCLE)
    }


@asynccontextmanager
async def servers(db: str, logs: Path) -> AsyncIterator[Caller]:
    with two_servers(active_database_url(), logs) as started:
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=64)) as client:
            for base, log in started:
                await wait_until_up(client, base, log)
            yield Caller(client, cycle([base for base, _log in started]))
    for _base, log in started:
        text = log.read_text(errors="replace")
        assert "Traceback" not in text, text
        assert "database is locked" not in text, text


async def test_two_workers_take_concurrent_writes_without_losing_any(
    db: str, tmp_path: Path
) -> None:
    await build_organisation(members=MEMBERS)
    settings = Settings.from_environment()
    for email, access, employee in (
        ("lead@example.com", "MANAGER", "L1"),
        ("agent@example.com", "EMPLOYEE", "A1"),
        ("feeds@example.com", "INTEGRATION", None),
    ):
        await create_user(
            actor=ADMIN,
            email=email,
            access=access,
            password=PASSWORD,
            settings=settings,
            employee_external_id=employee,
        )
    lead = (await create_token_for(actor=ADMIN, email="lead@example.com")).token
    feeds = (await create_token_for(actor=ADMIN, email="feeds@example.com")).token
    tokens_before = await ApiToken.all().count()

    async with servers(db, tmp_path) as caller:

        async def sign_in(n: int) -> dict[str, Any]:
            email = "lead@example.com" if n % 2 else "agent@example.com"
            return await caller.call("login", LOGIN, {"email": email, "password": PASSWORD})

        async def review(n: int) -> dict[str, Any]:
            # Each employee rated twice at once, differently: the later replaces the earlier.
            employee, rating = f"A{1 + n % MEMBERS}", str(1 + n % 3 + n // MEMBERS)
            return await caller.call(
                "submitReview", REVIEW, {"employee": employee, "rating": rating}, lead
            )

        async def ingest(writer: int, round_: int) -> dict[str, Any]:
            variables = {"rows": feedback_batch(writer, round_), "key": f"w{writer}-r{round_}"}
            return await caller.call("recordFeedback", FEEDBACK, variables, feeds)

        batches = [(w, r) for r in range(ROUNDS) for w in range(WRITERS)]
        work = asyncio.gather(
            asyncio.gather(*(sign_in(n) for n in range(SIGN_INS))),
            asyncio.gather(*(review(n) for n in range(2 * MEMBERS))),
            # Every batch twice at once: the same key must give the same report.
            asyncio.gather(*(ingest(w, r) for w, r in batches + batches)),
        )
        sign_ins, reviews, reports = await asyncio.wait_for(work, WRITES_SECONDS)
        print(f"{db}: BusyError answers resent: {dict(caller.busy)}")

    assert [s["__typename"] for s in sign_ins] == ["LoginSuccess"] * SIGN_INS
    assert await ApiToken.all().count() == tokens_before + SIGN_INS

    assert [r["__typename"] for r in reviews] == ["Score"] * (2 * MEMBERS)
    stored_reviews = await Review.all()
    assert len(stored_reviews) == MEMBERS  # a newer rating replaces the older one
    assert len({r.employee_id for r in stored_reviews}) == MEMBERS

    first, again = reports[: len(batches)], reports[len(batches) :]
    assert first == again  # one key, one report, whichever process answered
    assert [r["__typename"] for r in first] == ["IngestReport"] * len(batches)
    accepted = sum(r["accepted"] for r in first)
    duplicates = sum(r["duplicates"] for r in first)
    rejected = [row for r in first for row in r["rejected"]]
    assert accepted == WRITERS * ROUNDS * OWN_ROWS + ROUNDS * (SHARED_ROWS + 1)
    assert duplicates == (WRITERS - 1) * ROUNDS * SHARED_ROWS
    assert len(rejected) == (WRITERS - 1) * ROUNDS
    assert {(row["field"], row["code"]) for row in rejected} == {("externalId", "CONFLICT")}
    assert await Observation.all().count() == accepted

    incremental = await stored_scores()
    async with in_transaction() as conn:
        await recompute_cycle(conn, await Cycle.get(code=CYCLE))
    assert incremental == await stored_scores()
    assert len({total for _status, total, _lines in incremental.values()}) > 1
