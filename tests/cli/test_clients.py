"""The client libraries named in docs/api.md, used as their developers use them, against
`fairscore serve` over real HTTP with the demo's data and the documents of
graphql/operations as they are: Python's `gql` and Node's `graphql-request` and `urql`
(@urql/core, and its normalised graphcache). Each signs in, reads "my score" in English
and in Chinese, and ingests a batch twice under one idempotency key (the retry writes
nothing).

The Node clients run from tests/clients/clients.mjs (packages pinned by its lockfile;
`npm ci` in .ci/run): without node or the packages those tests skip, and under CI=true
they fail, so a green CI means they ran.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXTransport

from tests.cli.conftest import Fairscore
from tests.cli.test_operations import _server
from tests.conftest import copy_sqlite
from tests.node import CLIENTS, node_tools

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "graphql" / "operations"
SCHEMA = (ROOT / "graphql" / "schema.graphql").read_text(encoding="utf-8")
CYCLE = "2026-Q4"
EMPLOYEE = ("employee@demo.fairscore.example", "fairscore-employee")
MANAGER = ("manager@demo.fairscore.example", "fairscore-manager")


def _document(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Server:
    url: str
    integration_token: str
    database: Fairscore


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo_sqlite: Path) -> Iterator[Server]:
    """The demo behind `fairscore serve`, with an INTEGRATION account and its token."""
    database = Fairscore(tmp_path_factory.mktemp("clients") / "demo.sqlite3", in_subprocess=True)
    copy_sqlite(demo_sqlite, database.path)
    database.ok(
        "user", "create", "survey-tool@demo.fairscore.example", "--access", "INTEGRATION",
        input="a-long-random-password\n",
    )  # fmt: skip
    token = database.ok(
        "token", "create", "--user", "survey-tool@demo.fairscore.example", "--name", "clients"
    ).stdout.strip()
    with _server(database) as client:
        yield Server(str(client.base_url.join("/graphql")), token, database)


def _feedback(source: str) -> list[dict[str, str]]:
    return [
        {"rating": "5", "channel": "PHONE_CALLBACK", "occurredAt": "2026-11-27T16:05:00+08:00",
         "source": source, "employeeExternalId": "E1101", "externalId": f"{source}-1",
         "comment": "Solved on the first call"},
        {"rating": "2", "channel": "ONLINE_SURVEY", "occurredAt": "2026-11-27T17:40:00+08:00",
         "source": source, "employeeExternalId": "E1101", "externalId": f"{source}-2"},
    ]  # fmt: skip


def _gql(url: str, token: str | None = None, language: str = "en") -> Client:
    headers = {"accept-language": language}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    # With the SDL, gql validates every document before sending it, as a Python client
    # built against graphql/schema.graphql does.
    return Client(transport=HTTPXTransport(url=url, headers=headers, timeout=30), schema=SCHEMA)


def _run(client: Client, name: str, variables: dict[str, Any]) -> dict[str, Any]:
    with client as session:
        result: dict[str, Any] = session.execute(
            GraphQLRequest(_document(name), variable_values=variables)
        )
    return result


def _observations_from(server: Server, source: str) -> int:
    return server.database.count("observation", "source = ?", [source])


def test_python_gql_signs_in_reads_my_score_in_english_and_chinese_and_ingests_once(
    server: Server,
) -> None:
    email, password = EMPLOYEE
    login = _run(_gql(server.url), "Login", {"email": email, "password": password})["login"]
    assert login["__typename"] == "LoginSuccess"
    english = _run(_gql(server.url, login["token"]), "MyScore", {"cycleCode": CYCLE})
    chinese = _run(_gql(server.url, login["token"], "zh-CN,zh;q=0.9"), "MyScore",
                   {"cycleCode": CYCLE})  # fmt: skip
    score_en = english["viewer"]["employee"]["score"]
    score_zh = chinese["viewer"]["employee"]["score"]
    assert score_en["total"] == score_zh["total"]
    assert score_en["status"] == "SCORED"
    assert score_en["explanation"].startswith(f"Total {score_en['total']} points")
    assert score_zh["explanation"].startswith(f"总分 {score_zh['total']} 分")
    assert score_zh["lines"][0]["explanation"].startswith("客户满意度")
    assert [line["id"] for line in score_en["lines"]] == [line["id"] for line in score_zh["lines"]]

    ingest = _gql(server.url, server.integration_token)
    batch = {"feedback": _feedback("python-gql"), "idempotencyKey": "python-gql-1"}
    first = _run(ingest, "RecordFeedback", batch)["recordFeedback"]
    again = _run(ingest, "RecordFeedback", batch)["recordFeedback"]
    assert first == again == {
        "__typename": "IngestReport", "accepted": 2, "duplicates": 0, "late": 0, "rejected": [],
    }  # fmt: skip
    assert _observations_from(server, "python-gql") == 2


def test_python_gql_sees_a_refused_token_as_an_error_with_a_code(server: Server) -> None:
    with pytest.raises(TransportQueryError) as refused:
        _run(_gql(server.url, "fs_not-a-token"), "MyScore", {"cycleCode": CYCLE})
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.fixture(scope="module")
def node_clients(server: Server) -> dict[str, Any]:
    """What clients.mjs saw through graphql-request, urql and urql's graphcache."""
    node = node_tools()
    ran = subprocess.run(
        [node, str(CLIENTS / "clients.mjs"), server.url, server.integration_token, CYCLE,
         *EMPLOYEE, *MANAGER, "hotline"],
        capture_output=True, text=True, timeout=180, check=False, cwd=CLIENTS,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    result: dict[str, Any] = json.loads(ran.stdout)
    return result


@pytest.mark.parametrize("library", ["graphql-request", "urql"])
def test_node_client_signs_in_reads_my_score_in_english_and_chinese_and_ingests_once(
    library: str, node_clients: dict[str, Any], server: Server
) -> None:
    seen = node_clients[library]
    assert seen["login"] == "LoginSuccess"
    english, chinese = seen["english"], seen["chinese"]
    assert english["total"] == chinese["total"]
    assert english["band"] == chinese["band"]
    assert english["explanation"].startswith(f"Total {english['total']} points")
    assert chinese["explanation"].startswith(f"总分 {chinese['total']} 分")
    assert english["line"].startswith("Customer satisfaction: ")
    assert chinese["line"].startswith("客户满意度：")
    assert english["lines"] == chinese["lines"]
    assert len(english["lines"]) > 1
    report = {"__typename": "IngestReport", "accepted": 2, "duplicates": 0, "late": 0,
              "rejected": []}  # fmt: skip
    assert seen["ingest"] == [report, report]
    assert _observations_from(server, f"node-{library}") == 2


def test_graphql_request_reports_a_refused_token_as_401_with_a_code(
    node_clients: dict[str, Any],
) -> None:
    assert node_clients["graphql-request"]["refused"] == {"status": 401, "code": "UNAUTHENTICATED"}


def test_urql_graphcache_keeps_my_score_unchanged_after_reading_the_team_overview(
    node_clients: dict[str, Any],
) -> None:
    """A manager reads their score, then their team's leaderboard (which holds their own
    score again, with fewer fields) into one normalised cache: the first answer comes
    back whole and unchanged from the cache alone."""
    cached = node_clients["graphcache"]
    assert cached["teamScores"] > 1
    assert cached["stale"] is False
    assert cached["after"] == cached["before"]
    assert cached["before"]["lines"]
    assert cached["before"]["total"] is not None
