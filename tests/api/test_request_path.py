"""The view's shorter path for a plain JSON POST (service/api/view.py, `_plain_request`)
and the one extension's lean runner (service/api/execution.py, OneExtensionRunner) answer
exactly as Strawberry's own `run` and runner do: same status, headers and bytes, for
every reader, in development and production, for good requests and refused ones."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from strawberry.extensions.runner import SchemaExtensionsRunner

import service.app
from service.api.schema import create_schema
from service.api.view import FairscoreGraphQL
from service.app import create_app
from service.settings import Settings
from tests.api.conftest import USERS, make_settings, seeded_tokens
from tests.integration.scenario import CYCLE

MY_SCORE = """query MyScore($cycle: String!) { viewer { employee { score(cycleCode: $cycle) {
  total band { code multiplier } nextBand { code pointsNeeded }
  lines { kpi { code } rawValue normalized contribution explanation } } } } }"""

BODIES: list[Any] = [
    {"query": MY_SCORE, "variables": {"cycle": CYCLE}},
    {"query": MY_SCORE, "variables": {"cycle": CYCLE}, "operationName": "MyScore"},
    {"query": MY_SCORE, "variables": {"cycle": CYCLE}, "operationName": "Other"},
    {"query": MY_SCORE, "variables": {"cycle": 5}},
    {"query": MY_SCORE},
    {"query": '{ employee(externalId: "A2") { name } kpis { code name } }'},
    {"query": "{ viewer { emial } }"},
    {"query": "{ viewer { "},
    {"query": "{ __schema { queryType { name } } }"},
    {"query": "query A { __typename } query B { __typename }"},
    {"query": 'subscription { scoreChanged(cycleCode: "x") { total } }'},
    {"query": "mutation { logout { ok } }", "operationName": None},
    {"query": "{ __typename }", "extensions": {"a": 1}},
    {"query": "{ __typename }", "extensions": "x"},
    {"query": "{ __typename }", "variables": [1]},
    {"query": 5},
    {"query": None},
    {"variables": {}},
    [{"query": "{ __typename }"}],
]


class StrawberrysRun(FairscoreGraphQL):
    """The view taking Strawberry's own `run` for every request."""

    def _plain_request(self, request: Any, checked: Any) -> None:
        return None


async def _client(plain_path: bool, env: str, monkeypatch: pytest.MonkeyPatch) -> httpx.AsyncClient:
    def schema_of(settings: Settings) -> Any:
        schema = create_schema(settings)
        if not plain_path:
            # Strawberry's runner for the extension's hooks, for this schema only.
            schema.create_extensions_runner = SchemaExtensionsRunner  # type: ignore[method-assign]
        return schema

    with monkeypatch.context() as patch:
        patch.setattr(service.app, "create_schema", schema_of)
        if not plain_path:
            patch.setattr(service.app, "FairscoreGraphQL", StrawberrysRun)
        app = create_app(make_settings(env=env))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture(params=["development", "production"])
async def both(
    db: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    plain = await _client(True, request.param, monkeypatch)
    standard = await _client(False, request.param, monkeypatch)
    async with plain, standard:
        yield plain, standard


def _answer(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, response.headers.multi_items(), response.content


async def test_the_plain_path_answers_as_strawberrys_own(
    both: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    plain, standard = both
    tokens = await seeded_tokens()
    # The mutation (logout) last for each token: it revokes it in both apps' database.
    readers = [None, *[who for who in USERS if who in tokens], "unknown"]
    compared = 0
    for who in readers:
        for body in BODIES:
            for accept in ("application/json", "application/graphql-response+json"):
                for media in ("application/json", "application/json; charset=utf-8"):
                    headers = {"accept": accept, "content-type": media, "accept-language": "zh"}
                    if who is not None:
                        headers["authorization"] = f"Bearer {tokens.get(who, 'no-such-token')}"
                    content = json.dumps(body).encode()
                    if "logout" in content.decode():
                        continue
                    ours = await plain.post("/graphql", content=content, headers=headers)
                    theirs = await standard.post("/graphql", content=content, headers=headers)
                    assert _answer(ours) == _answer(theirs), (who, body, accept, media)
                    compared += 1
    assert compared == len(readers) * (len(BODIES) - 1) * 4
