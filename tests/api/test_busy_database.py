"""A database kept busy by another writer: a typed, retryable error, never a crash.

Another process holds SQLite's write lock (a plain sqlite3 connection in an immediate
transaction) and the app's connection waits only 50 ms for it, so the use case's
retries run out quickly. Writes come back as `BusyError` (GraphQL) (the admin's
page is tested in tests/admin/test_busy_database.py), having changed nothing; reads go
on working.
"""

from __future__ import annotations

import pytest

from service.models import SignInAttempt, Team
from tests.api.conftest import PASSWORD, Api, seed
from tests.write_lock import another_writer_holds_the_lock

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


UPSERT_TEAM = """mutation {
  upsertTeams(teams: [{code: "night", name: "Night shift"}]) {
    __typename
    ... on UpsertReport { created }
    ... on BusyError { message retryAfterSeconds }
  }
}"""

LOGIN = """mutation ($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename
    ... on LoginSuccess { token }
    ... on BusyError { message retryAfterSeconds }
  }
}"""


@pytest.fixture
async def seeded_api(api: Api) -> Api:
    await seed(api)
    return api


async def test_a_mutation_on_a_busy_database_returns_a_busy_error_and_writes_nothing(
    seeded_api: Api,
) -> None:
    async with another_writer_holds_the_lock():
        body = await seeded_api.run(UPSERT_TEAM, as_="admin")
    result = body["data"]["upsertTeams"]
    assert result["__typename"] == "BusyError"
    assert "database is busy" in result["message"]
    assert "try again" in result["message"]
    assert result["retryAfterSeconds"] >= 1
    assert not await Team.exists(code="night")
    body = await seeded_api.run(UPSERT_TEAM, as_="admin")  # sent again once it is free
    assert body["data"]["upsertTeams"] == {"__typename": "UpsertReport", "created": 1}


async def test_a_sign_in_on_a_busy_database_returns_a_busy_error(seeded_api: Api) -> None:
    attempts = await SignInAttempt.all().count()
    variables = {"email": "lead@example.com", "password": PASSWORD}
    async with another_writer_holds_the_lock():
        body = await seeded_api.run(LOGIN, variables)
    assert body["data"]["login"]["__typename"] == "BusyError"
    assert await SignInAttempt.all().count() == attempts
    body = await seeded_api.run(LOGIN, variables)
    assert body["data"]["login"]["__typename"] == "LoginSuccess"


async def test_reads_go_on_while_another_writer_holds_the_lock(seeded_api: Api) -> None:
    async with another_writer_holds_the_lock():
        body = await seeded_api.run("{ kpis { code } viewer { email } }", as_="admin")
    assert "errors" not in body, body
    assert {k["code"] for k in body["data"]["kpis"]} == {"csat", "frt", "complaints", "quality"}
    assert body["data"]["viewer"]["email"] == "admin@example.com"
