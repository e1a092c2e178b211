"""GraphQL API benchmark: the team overview in process and "my score" over real HTTP,
each against a hand-written path doing the same reads (`make bench`; not part of CI).

It builds a fresh SQLite database through the use cases: one team of N employees
(plus its lead, who sits in the parent team), a scorecard of six lines (a TEAM line, a
qualitative line, a BANDS line), an ACTIVE cycle, 20 feedback rows and 20 observations
per employee and a manager rating each, so every score has lines; an admin and an
employee account with tokens. Then:

1. team overview, in process: the `TeamOverview` query (every score of the team with
   every ScoreLine leaf field) sent through the real app over `httpx.ASGITransport`
   with the page cap raised to N (Settings.max_page_size), against the same reads in
   hand-written SQL (token, then scores joined to employee, team and position) turned
   into the identical JSON document with `json.dumps`. Both documents are compared
   (parsed) before anything is timed; medians of --rounds interleaved rounds.
2. "my score", real HTTP: `uvicorn service.app:create_app --factory` and
   `uvicorn bench.plain_app:create_app --factory` (one worker each, both up, loaded one
   at a time) on 127.0.0.1, loaded by --clients concurrent keep-alive httpx clients for
   --requests requests or --seconds, whichever ends first, in --my-score-rounds rounds
   (the order of the two alternating from round to round, so that a drift of the
   machine's speed falls on both); each round's ratio of server CPU per request, their
   median, and throughput, p50 and p99 over all rounds.

The load generator runs on the same machine as the server and shares its cores.

Usage: python bench/api.py [--employees 500] [--rounds 15] [--clients 32]
       [--requests 3000] [--seconds 20] [--my-score-rounds 3] [--profile] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import platform
import pstats
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

# Run as a script (`python bench/api.py`): the checkout's root holds `service`/`bench`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.connection import get_connection
from tortoise.migrations.api import migrate

from bench.plain_app import as_datetime, decimal_text, explanation_of
from service.app import create_app
from service.models import User, tortoise_config
from service.scoring import line_text, what_it_would_take_text
from service.scoring.stored import StoredScore
from service.settings import Settings
from service.usecases.accounts.auth import actor_for, hash_token, issue_token
from service.usecases.accounts.users import create_user
from service.usecases.actor import command_line_admin
from service.usecases.inputs import (
    CycleInput,
    EmployeeInput,
    FeedbackInput,
    KpiInput,
    ObservationInput,
    PositionInput,
    ReviewInput,
    ScorecardLineInput,
    TeamInput,
)
from service.usecases.scoring.ingest import record_feedback, record_observations, submit_reviews
from service.usecases.setup.cycles import create_cycle, save_scorecard, transition_cycle
from service.usecases.setup.kpis import upsert_kpis
from service.usecases.setup.organisation import upsert_employees, upsert_positions, upsert_teams
from service.usecases.setup.policy_change import update_policy

ROOT = Path(__file__).resolve().parent.parent
ADMIN = command_line_admin("bench")
CYCLE = "2026-Q1"
TEAM = "bench"
TEAM_GOAL = 5.0  # team overview: GraphQL within 5x of the hand-written path (issue 10)
P99_GOAL = 4.0  # "my score": p99 within 4x of the plain endpoint's
CPU_GOAL = 3.0  # "my score": server CPU per request within 3x of the plain endpoint's (issue 10)
BATCH = 5_000  # rows per ingest call
_STARTED = time.perf_counter()

TEAM_OVERVIEW = """
query TeamOverview($cycle: String!, $team: String!, $first: Int!) {
  cycle(code: $cycle) {
    scores(first: $first, teamCode: $team) {
      nodes {
        total
        band { code multiplier }
        nextBand { code pointsNeeded }
        employee { externalId name team { code name } position { code } }
        lines {
          kpi { code name kind unit direction }
          scope aggregation aggregationParam sampleSize minSamples rawValue method
          threshold target stretch bands { bound points } normalized weight
          effectiveWeight contribution status sources { source channel count }
          explanation
          whatItWouldTake { kind band rawValue maxPoints observationsNeeded sentence }
        }
      }
    }
  }
}
"""

MY_SCORE = """
query MyScore($cycle: String!) {
  viewer {
    employee {
      score(cycleCode: $cycle) {
        total
        band { code multiplier }
        nextBand { code pointsNeeded }
        lines { kpi { code } rawValue normalized contribution explanation }
      }
    }
  }
}
"""

KPIS = [
    KpiInput(
        code="csat",
        name="CSAT",
        kind="QUANTITATIVE",
        direction="HIGHER_IS_BETTER",
        aggregation="SHARE_AT_LEAST",
        aggregation_param="4",
        range_min="1",
        range_max="5",
        unit="%",
        tags=("customer_satisfaction",),
    ),
    KpiInput(
        code="frt",
        name="First response",
        kind="QUANTITATIVE",
        direction="LOWER_IS_BETTER",
        aggregation="PERCENTILE",
        aggregation_param="90",
        unit="min",
    ),
    KpiInput(
        code="aht",
        name="Handling time",
        kind="QUANTITATIVE",
        direction="LOWER_IS_BETTER",
        aggregation="MEAN",
        unit="min",
    ),
    KpiInput(
        code="complaints",
        name="Complaints",
        kind="QUANTITATIVE",
        direction="LOWER_IS_BETTER",
        aggregation="COUNT",
    ),
    KpiInput(
        code="quality",
        name="Service quality",
        kind="QUALITATIVE",
        direction="HIGHER_IS_BETTER",
        aggregation="REVIEW_MEAN",
    ),
]

LINES = [
    ScorecardLineInput(kpi_code="csat", weight="30", threshold="50", target="80", stretch="95"),
    ScorecardLineInput(kpi_code="csat", scope="TEAM", weight="10", threshold="50", target="80"),
    ScorecardLineInput(kpi_code="frt", weight="15", threshold="30", target="10", stretch="5"),
    ScorecardLineInput(kpi_code="aht", weight="10", threshold="12", target="6", stretch="4"),
    ScorecardLineInput(
        kpi_code="complaints",
        weight="10",
        method="BANDS",
        bands=(("0", "100"), ("1", "80"), ("3", "40")),
    ),
    ScorecardLineInput(kpi_code="quality", weight="25"),
]


def say(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:7.1f}s] {message}", flush=True)


def employee_code(i: int) -> str:
    return f"E{i:05d}"


@dataclass(frozen=True)
class Bench:
    url: str
    settings: Settings
    admin_token: str
    employee_token: str


def cheap_settings(url: str, employees: int) -> Settings:
    # Sign-in is not measured: the cheapest Argon2 parameters keep the setup fast.
    return replace(
        Settings.from_environment({}),
        database_url=url,
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        max_page_size=max(100, employees),
    )


async def open_fresh_database(url: str) -> None:
    config = tortoise_config(url)
    await migrate(config=config)
    await Tortoise.close_connections()
    EXECUTOR_CACHE.clear()  # compiled statements are cached per connection name
    await Tortoise.init(config=config, _enable_global_fallback=True)


async def build(url: str, employees: int) -> Bench:
    """The organisation, its data and two tokens, all through the use cases."""
    settings = cheap_settings(url, employees)
    rng = random.Random(20260101)
    await update_policy(
        actor=ADMIN,
        settings={"timezone": "Asia/Shanghai", "csat_kpi_code": "csat"},
        expected_version=None,
    )
    await upsert_positions(
        actor=ADMIN, positions=[PositionInput("agent", "Agent"), PositionInput("lead", "Lead")]
    )
    await upsert_teams(
        actor=ADMIN,
        teams=[TeamInput("service", "Service"), TeamInput(TEAM, "Bench hotline", "service")],
    )
    people = [EmployeeInput("L00001", "Lena Lead", date(2020, 1, 1), None, "service", "lead")]
    people += [
        EmployeeInput(
            employee_code(i), f"Agent {i}", date(2021, 1, 1), team_code=TEAM, position_code="agent"
        )
        for i in range(employees)
    ]
    await upsert_employees(actor=ADMIN, employees=people)
    await upsert_teams(actor=ADMIN, teams=[TeamInput(TEAM, "Bench hotline", "service", "L00001")])
    await upsert_kpis(actor=ADMIN, kpis=KPIS)
    await create_cycle(
        actor=ADMIN, cycle=CycleInput(CYCLE, "Q1 2026", date(2026, 1, 1), date(2026, 3, 31))
    )
    await save_scorecard(actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=LINES)
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="ACTIVE")
    accounts = [
        ("admin@example.com", "ADMIN", None),
        ("lead@example.com", "MANAGER", "L00001"),
        ("agent@example.com", "EMPLOYEE", employee_code(0)),
    ]
    tokens: dict[str, str] = {}
    for email, access, external_id in accounts:
        await create_user(
            actor=ADMIN,
            email=email,
            access=access,
            password="bench-password",
            employee_external_id=external_id,
            settings=settings,
        )
        user = await User.get(email=email)
        issued = await issue_token(actor=actor_for(user), user=user, name="bench")
        tokens[access] = issued.token
    say("organisation set up; recording 20 feedback rows per employee")
    channels = ("ONLINE_SURVEY", "PHONE_CALLBACK", "FACE_TO_FACE")
    feedback = [
        FeedbackInput(
            rating=str(rng.choice((2, 3, 4, 4, 5, 5))),
            channel=channels[k % 3],
            occurred_at=f"2026-02-{1 + (i + k) % 27:02d}T09:{k:02d}:00+08:00",
            source="survey",
            employee_external_id=employee_code(i),
            external_id=f"f{i}-{k}",
            comment=f"visit {k}",
        )
        for i in range(employees)
        for k in range(20)
    ]
    for start in range(0, len(feedback), BATCH):
        await record_feedback(actor=ADMIN, feedback=feedback[start : start + BATCH])
    say("recording 20 observations per employee")
    observations: list[ObservationInput] = []
    for i in range(employees):
        complaints = rng.choice((0, 0, 1, 2, 3))
        kinds = ["frt"] * 10 + ["complaints"] * complaints + ["aht"] * (10 - complaints)
        observations += [
            ObservationInput(
                kpi_code=kpi,
                value=str(rng.randint(3, 35) if kpi == "frt" else rng.randint(3, 14)),
                source="tickets",
                occurred_at=f"2026-03-{1 + (i + k) % 27:02d}T10:{k:02d}:00Z",
                employee_external_id=employee_code(i),
                external_id=f"t{i}-{k}",
            )
            for k, kpi in enumerate(kinds)
        ]
    for start in range(0, len(observations), BATCH):
        await record_observations(actor=ADMIN, observations=observations[start : start + BATCH])
    say("rating every employee's service quality")
    await submit_reviews(
        actor=ADMIN,
        reviews=[
            ReviewInput(
                CYCLE,
                employee_code(i),
                "quality",
                "lead@example.com",
                "MANAGER",
                rng.choice(("2.5", "3", "3.5", "4", "4.5", "5")),
            )
            for i in range(employees)
        ],
    )
    return Bench(url, settings, tokens["ADMIN"], tokens["EMPLOYEE"])


# --- part 1: the team overview, in process ---------------------------------------------

TOKEN_SQL = (
    "SELECT u.access, u.is_active, t.expires_at, t.revoked_at "
    "FROM api_token t JOIN app_user u ON u.id = t.user_id WHERE t.token_hash = ?"
)
TEAM_SCORES_SQL = (
    "SELECT s.explanation, e.external_id, e.name, et.code AS team_code, et.name AS team_name, "
    "p.code AS position_code "
    "FROM score s JOIN cycle c ON c.id = s.cycle_id "
    "JOIN team st ON st.id = s.team_id "
    "JOIN employee e ON e.id = s.employee_id "
    "LEFT JOIN team et ON et.id = e.team_id "
    "LEFT JOIN position p ON p.id = e.position_id "
    "WHERE c.code = ? AND st.code = ? "
    "ORDER BY COALESCE(s.total_cents, -1) DESC, s.employee_id ASC LIMIT ?"
)


def line_document(
    line: dict[str, Any], sources: list[dict[str, Any]], sentence: str, wit_sentence: str | None
) -> dict[str, Any]:
    wit = line.get("what_it_would_take")
    kpi = line["kpi"]
    return {
        "kpi": {key: kpi[key] for key in ("code", "name", "kind", "unit", "direction")},
        "scope": line["scope"],
        "aggregation": line["aggregation"],
        "aggregationParam": decimal_text(line.get("aggregation_param")),
        "sampleSize": line["n"],
        "minSamples": line["min_samples"],
        "rawValue": decimal_text(line["raw_value"]),
        "method": line["method"],
        "threshold": decimal_text(line["threshold"]),
        "target": decimal_text(line["target"]),
        "stretch": decimal_text(line["stretch"]),
        "bands": [{"bound": str(b["bound"]), "points": str(b["points"])} for b in line["bands"]],
        "normalized": decimal_text(line["normalized"]),
        "weight": str(line["weight"]),
        "effectiveWeight": decimal_text(line["effective_weight"]),
        "contribution": decimal_text(line["contribution"]),
        "status": line["status"],
        "sources": [
            {"source": s["source"], "channel": s["channel"], "count": s["count"]} for s in sources
        ],
        "explanation": sentence,
        "whatItWouldTake": None
        if wit is None
        else {
            "kind": wit["kind"],
            "band": wit["band"],
            "rawValue": decimal_text(wit["raw_value"]),
            "maxPoints": decimal_text(wit["max_points"]),
            "observationsNeeded": wit["observations_needed"],
            "sentence": wit_sentence,
        },
    }


def score_document(row: dict[str, Any], lang: str = "en") -> dict[str, Any]:
    data = explanation_of(row["explanation"])
    # Sentences are rendered on read (the stored score holds none): the same work here.
    stored = StoredScore.from_row(data)
    line_sentences = [line_text(line, lang=lang, weighted=stored.scored) for line in stored.lines]
    wits = [what_it_would_take_text(line, lang=lang) for line in stored.lines]
    sources: list[list[dict[str, Any]]] = [
        line.get("sources", []) for line in data.get("lines", [])
    ]
    band = data.get("band")
    next_band = data.get("next_band")
    return {
        "total": decimal_text(data.get("total")),
        "band": None
        if band is None
        else {"code": band, "multiplier": decimal_text(data["multiplier"])},
        "nextBand": None
        if next_band is None
        else {"code": next_band["code"], "pointsNeeded": decimal_text(next_band["points_needed"])},
        "employee": {
            "externalId": row["external_id"],
            "name": row["name"],
            "team": None
            if row["team_code"] is None
            else {"code": row["team_code"], "name": row["team_name"]},
            "position": None if row["position_code"] is None else {"code": row["position_code"]},
        },
        "lines": [
            line_document(
                line,
                sources[i] if i < len(sources) else [],
                line_sentences[i] if i < len(line_sentences) else "",
                wits[i] if i < len(wits) else None,
            )
            for i, line in enumerate(data.get("lines", []))
        ],
    }


async def team_overview_by_hand(token: str, cycle: str, team: str, first: int) -> bytes:
    """The team overview's JSON, from hand-written SQL and json.dumps."""
    conn = get_connection("default")
    owners = await conn.execute_query_dict(TOKEN_SQL, [hash_token(token)])
    owner = owners[0] if owners else None
    if (
        owner is None
        or owner["revoked_at"] is not None
        or as_datetime(owner["expires_at"]) <= datetime.now(UTC)
        or not owner["is_active"]
        or owner["access"] != "ADMIN"  # the admin sees every team; nothing else is modelled
    ):
        raise PermissionError("the bench's admin token was refused")
    rows = await conn.execute_query_dict(TEAM_SCORES_SQL, [cycle, team, first])
    document = {"data": {"cycle": {"scores": {"nodes": [score_document(r) for r in rows]}}}}
    return json.dumps(document).encode("utf-8")


async def post_graphql(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
) -> bytes:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}", "accept": "application/json"},
    )
    if response.status_code != 200:
        raise RuntimeError(f"GraphQL answered {response.status_code}: {response.text[:500]}")
    return response.content


def count_fields(value: object) -> int:
    """Fields in a response: one per key of every object, lists counted through."""
    if isinstance(value, dict):
        return sum(1 + count_fields(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_fields(v) for v in value)
    return 0


@dataclass(frozen=True)
class TeamResult:
    graphql_ms: float
    by_hand_ms: float
    fields: int
    body_bytes: int
    profile: str | None

    @property
    def ratio(self) -> float:
        return self.graphql_ms / self.by_hand_ms


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def bench_team_overview(
    bench: Bench, employees: int, rounds: int, profile: bool
) -> TeamResult:
    app = create_app(bench.settings)
    variables = {"cycle": CYCLE, "team": TEAM, "first": employees}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:

        async def graphql() -> bytes:
            return await post_graphql(client, bench.admin_token, TEAM_OVERVIEW, variables)

        async def by_hand() -> bytes:
            return await team_overview_by_hand(bench.admin_token, CYCLE, TEAM, employees)

        served = json.loads(await graphql())
        if served.get("errors"):
            raise RuntimeError(f"the team overview failed: {served['errors']}")
        handmade = json.loads(await by_hand())
        nodes = served["data"]["cycle"]["scores"]["nodes"]
        if len(nodes) != employees or any(not n["lines"] for n in nodes):
            raise RuntimeError(f"expected {employees} scores with lines, got {len(nodes)}")
        if served != handmade:
            raise AssertionError("the GraphQL and hand-written documents differ")
        say(f"team overview: both paths give the same document ({len(nodes)} scores)")
        for _ in range(3):  # warm-up: caches, the statement cache, the allocator
            await graphql()
            await by_hand()
        times: dict[str, list[float]] = {"graphql": [], "hand": []}
        for _ in range(rounds):
            for name, call in (("graphql", graphql), ("hand", by_hand)):
                started = time.perf_counter()
                await call()
                times[name].append(time.perf_counter() - started)
        report = None
        if profile:
            report = await profile_calls(graphql, 5)
        body = await graphql()
    return TeamResult(
        graphql_ms=median_ms(times["graphql"]),
        by_hand_ms=median_ms(times["hand"]),
        fields=count_fields(served["data"]),
        body_bytes=len(body),
        profile=report,
    )


async def profile_calls(call: Callable[[], Awaitable[bytes]], times: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(times):
        await call()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs()
    out.write(f"cProfile of {times} team-overview requests, by own time:\n")
    stats.sort_stats("tottime").print_stats(25)
    out.write("by cumulative time:\n")
    stats.sort_stats("cumulative").print_stats(30)
    return out.getvalue()


# --- part 2: "my score" over real HTTP ---------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Server:
    base: str
    pid: int


@contextmanager
def uvicorn_server(app: str, database_url: str) -> Iterator[Server]:
    """`uvicorn <app> --factory`, one worker, on a free port; stopped however we leave."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, FAIRSCORE_ENV="development")
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{app} exited with {process.returncode} before it was up")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{app} did not answer /healthz within 30 s")
            time.sleep(0.1)
        yield Server(base, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    token: str
    body: dict[str, Any]

    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}", "accept": "application/json"}


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    latencies: list[float]
    server_cpu: float  # seconds of CPU the server process used while measured
    client_cpu: float  # and the load generator (this process)

    def cpu_ms_per_request(self, seconds: float) -> float:
        return seconds * 1000 / self.requests

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile_ms(self, p: float) -> float:
        ordered = sorted(self.latencies)
        index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[index] * 1000


async def fetch_document(base: str, target: Target) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.post(target.path, json=target.body, headers=target.headers())
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


async def load(
    server: Server, target: Target, clients: int, requests: int, seconds: float
) -> LoadResult:
    """`clients` keep-alive connections sending back to back until either bound."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    payload = json.dumps(target.body).encode("utf-8")
    headers = target.headers() | {"content-type": "application/json"}
    latencies: list[float] = []
    failures: list[str] = []
    async with httpx.AsyncClient(base_url=server.base, limits=limits, timeout=60) as client:

        async def client_loop(budget: list[int], deadline: float) -> None:
            while budget[0] > 0 and time.perf_counter() < deadline:
                budget[0] -= 1
                started = time.perf_counter()
                response = await client.post(target.path, content=payload, headers=headers)
                elapsed = time.perf_counter() - started
                if response.status_code != 200 or b'"errors"' in response.content:
                    failures.append(f"{response.status_code} {response.text[:200]}")
                latencies.append(elapsed)

        warm_up = [min(requests, 10 * clients)]
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(client_loop(warm_up, deadline) for _ in range(clients)))
        latencies.clear()
        budget = [requests]
        server_cpu, client_cpu = process_cpu_seconds(server.pid), time.process_time()
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(client_loop(budget, deadline) for _ in range(clients)))
        elapsed = time.perf_counter() - started
        server_cpu = process_cpu_seconds(server.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
    if failures:
        raise RuntimeError(f"{len(failures)} failed requests to {target.name}: {failures[0]}")
    return LoadResult(len(latencies), elapsed, latencies, server_cpu, client_cpu)


async def bench_my_score(
    bench: Bench, clients: int, requests: int, seconds: float, rounds: int
) -> dict[str, list[LoadResult]]:
    """Each target's load, round by round (see the module's docstring)."""
    targets = [
        (
            "service.app:create_app",
            Target(
                "GraphQL MyScore",
                "/graphql",
                bench.employee_token,
                {"query": MY_SCORE, "variables": {"cycle": CYCLE}},
            ),
        ),
        (
            "bench.plain_app:create_app",
            Target("plain endpoint", "/my-score", bench.employee_token, {"cycleCode": CYCLE}),
        ),
    ]
    results: dict[str, list[LoadResult]] = {target.name: [] for _app, target in targets}
    with ExitStack() as stack:
        servers = [stack.enter_context(uvicorn_server(app, bench.url)) for app, _t in targets]
        documents = []
        for server, (_app, target) in zip(servers, targets, strict=True):
            document = await fetch_document(server.base, target)
            documents.append(document.get("data", document))
        if documents[0] != documents[1]:
            raise AssertionError(f"MyScore documents differ:\n{documents[0]}\n{documents[1]}")
        score = documents[0]["viewer"]["employee"]["score"]
        if score is None or not score["lines"]:
            raise RuntimeError("the employee has no score with lines")
        for round_ in range(rounds):
            order = list(zip(servers, targets, strict=True))
            for server, (_app, target) in order if round_ % 2 == 0 else reversed(order):
                say(
                    f"round {round_ + 1}/{rounds}, loading {target.name}: {clients} clients, "
                    f"{requests} requests or {seconds:g} s"
                )
                results[target.name].append(await load(server, target, clients, requests, seconds))
    return results


def cpu_ratio(graphql: LoadResult, plain: LoadResult) -> float:
    """Server CPU per request of the GraphQL path over the plain endpoint's."""
    return (graphql.server_cpu / graphql.requests) / (plain.server_cpu / plain.requests)


def together(results: list[LoadResult]) -> LoadResult:
    """Several rounds' loads of one target as one."""
    return LoadResult(
        sum(r.requests for r in results),
        sum(r.seconds for r in results),
        [latency for r in results for latency in r.latencies],
        sum(r.server_cpu for r in results),
        sum(r.client_cpu for r in results),
    )


# --- report ------------------------------------------------------------------------------


def machine() -> list[str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    load_average = (
        " ".join(Path("/proc/loadavg").read_text().split()[:3])
        if Path("/proc/loadavg").exists()
        else "unknown"
    )
    return [
        f"cores (nproc): {os.cpu_count()}; memory: {memory}; CPU: {cpu}; "
        f"load average at the end: {load_average}",
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}",
    ]


def goal(met: bool) -> str:
    return "MET" if met else "MISSED"


async def run(args: argparse.Namespace) -> int:
    tmp = tempfile.mkdtemp(prefix="fairscore-bench-api-")
    url = f"sqlite://{tmp}/bench.sqlite3"
    try:
        say(f"building {args.employees} employees in {url}")
        await open_fresh_database(url)
        bench = await build(url, args.employees)
        say("team overview, in process")
        team = await bench_team_overview(bench, args.employees, args.rounds, args.profile)
        await Tortoise.close_connections()
        EXECUTOR_CACHE.clear()
        rounds = await bench_my_score(
            bench, args.clients, args.requests, args.seconds, args.my_score_rounds
        )
    finally:
        await Tortoise.close_connections()
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    loads = {name: together(results) for name, results in rounds.items()}
    graphql, plain = loads["GraphQL MyScore"], loads["plain endpoint"]
    p99_ratio = graphql.percentile_ms(99) / plain.percentile_ms(99)
    ratios = [
        cpu_ratio(g, p)
        for g, p in zip(rounds["GraphQL MyScore"], rounds["plain endpoint"], strict=True)
    ]
    median_ratio = statistics.median(ratios)
    per_field_us = (team.graphql_ms - team.by_hand_ms) * 1000 / team.fields
    print()
    for line in machine():
        print(line)
    print(
        f"The load generator ({args.clients} asyncio + httpx clients) shares these "
        f"{os.cpu_count()} cores with the uvicorn server it measures."
    )
    print()
    print(
        f"1. Team overview, {args.employees} scores with all lines, in process "
        f"(median of {args.rounds} rounds)"
    )
    print(f"   {'path':<44} {'ms':>9}")
    print(f"   {'GraphQL (real app, httpx.ASGITransport)':<44} {team.graphql_ms:9.1f}")
    print(f"   {'hand-written SQL + json.dumps':<44} {team.by_hand_ms:9.1f}")
    print(
        f"   ratio {team.ratio:.1f}x (goal <= {TEAM_GOAL:g}x: {goal(team.ratio <= TEAM_GOAL)}); "
        f"{team.fields} fields, {team.body_bytes / 1024:.0f} KiB; "
        f"{per_field_us:.1f} us per field above the hand-written path"
    )
    print()
    print(
        f'2. "My score" over HTTP, uvicorn 1 worker, {args.clients} clients '
        f"(<= {args.requests} requests or {args.seconds:g} s per target and round; "
        f"{args.my_score_rounds} rounds, totals below)"
    )
    print(
        f"   {'target':<22} {'requests':>9} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} "
        f"{'server CPU ms/req':>18} {'client CPU ms/req':>18}"
    )
    for name, result in loads.items():
        print(
            f"   {name:<22} {result.requests:>9} {result.throughput:>9.0f} "
            f"{result.percentile_ms(50):>9.1f} {result.percentile_ms(99):>9.1f} "
            f"{result.cpu_ms_per_request(result.server_cpu):>18.2f} "
            f"{result.cpu_ms_per_request(result.client_cpu):>18.2f}"
        )
    print(
        f"   p99 ratio {p99_ratio:.1f}x (goal <= {P99_GOAL:g}x: {goal(p99_ratio <= P99_GOAL)}); "
        f"throughput ratio {plain.throughput / graphql.throughput:.1f}x; server CPU per "
        f"request ratio {median_ratio:.1f}x, median of the rounds' "
        f"{', '.join(f'{r:.2f}x' for r in ratios)} "
        f"(goal <= {CPU_GOAL:g}x: {goal(median_ratio <= CPU_GOAL)})"
    )
    if team.profile is not None:
        print()
        print(team.profile)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--employees", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=3000, help="per target and round")
    parser.add_argument("--seconds", type=float, default=20.0, help="per target and round, at most")
    parser.add_argument("--my-score-rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile the team overview")
    parser.add_argument("--keep", action="store_true", help="keep the database directory")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
