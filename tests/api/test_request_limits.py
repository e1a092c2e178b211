"""Requests cannot stall or flood the API: body size, JSON nesting, Argon2 off the event
loop, and the transport headers (issue 9, sections 2 and 6)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from argon2 import PasswordHasher
from starlette.types import Message, Scope

from service.api import view
from service.app import STRICT_TRANSPORT_SECURITY, create_app
from service.models import ApiToken, Observation
from tests.api.conftest import PASSWORD, Api, make_settings, seed
from tests.api.test_mutations import RECORD, observation

LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { __typename }
}
"""


def _rows_of_size(size: int) -> list[dict[str, str]]:
    one = len(json.dumps(observation(0), separators=(",", ":"))) + 1
    return [observation(i) for i in range(size // one + 1)]


async def test_a_body_past_the_limit_is_refused_with_413_and_nothing_is_written(
    api: Api,
) -> None:
    await seed(api)
    before = await Observation.all().count()
    rows = _rows_of_size(1024 * 1024 + 1)
    response = await api.post(RECORD, {"rows": rows, "key": "big"}, as_="integration")
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert "larger than 1048576 bytes" in error["message"]
    assert "split the batch" in error["message"]
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert await Observation.all().count() == before
    # Just under the limit, the same rows go through.
    half = await api.post(RECORD, {"rows": rows[: len(rows) // 2]}, as_="integration")
    assert half.status_code == 200
    assert half.json()["data"]["recordObservations"]["accepted"] == len(rows) // 2


async def test_a_chunked_body_is_cut_off_at_the_limit_not_read_to_the_end(db: str) -> None:
    app = create_app(replace(make_settings(), max_body_bytes=64 * 1024))
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        # 50 MB if read to the end; there is no Content-Length to refuse it by.
        nonlocal sent
        chunk = b"[" * 16 * 1024
        for _ in range(50 * 64):
            sent += len(chunk)
            yield chunk

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        response = await client.post(
            "/graphql",
            content=endless(),
            headers={"content-type": "application/json", "accept": "application/json"},
        )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert sent <= 64 * 1024 + 16 * 1024


def _post_scope(headers: list[tuple[bytes, bytes]] | None = None) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), *(headers or [])],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }


async def test_a_declared_length_past_the_limit_is_refused_before_reading(db: str) -> None:
    app = create_app(replace(make_settings(), max_body_bytes=1000))
    pulled = 0

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"{}", "more_body": True}

    messages: list[Message] = []

    async def send(message: Message) -> None:
        messages.append(message)

    await app(_post_scope([(b"content-length", b"50000000")]), receive, send)
    assert messages[0]["status"] == 413
    assert pulled == 0


async def test_a_body_that_stops_half_way_is_cut_off_with_408(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(view, "BODY_READ_SECONDS", 0.2)
    app = create_app(make_settings())
    pulled = 0

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        if pulled == 1:
            return {"type": "http.request", "body": b'{"query": "{ vie', "more_body": True}
        await asyncio.sleep(3600)  # the client never sends the rest
        raise AssertionError("unreachable")

    messages: list[Message] = []

    async def send(message: Message) -> None:
        messages.append(message)

    await asyncio.wait_for(app(_post_scope(), receive, send), timeout=10)
    assert messages[0]["status"] == 408
    body = json.loads(b"".join(m.get("body", b"") for m in messages[1:]))
    assert body["errors"][0]["extensions"]["code"] == "REQUEST_TIMEOUT"


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _body(query: str, x: str) -> str:
    """A request body whose variable x is the given JSON text, unparsed."""
    return '{"query": ' + json.dumps(query) + ', "variables": {"x": ' + x + "}}"


@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
async def test_deeply_nested_variables_are_a_400_with_a_json_error(api: Api, accept: str) -> None:
    response = await api.client.post(
        "/graphql",
        content=_body("query($x: [String]) { viewer { email } }", _nested(100_000)),
        headers={"content-type": "application/json", "accept": accept},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(accept)
    error = response.json()["errors"][0]
    assert "nests deeper than 32 levels" in error["message"]
    assert error["extensions"]["code"] == "BAD_REQUEST"


async def test_deeply_nested_variables_in_a_get_are_a_400_too(api: Api) -> None:
    response = await api.client.get(
        "/graphql",
        params={"query": "{ viewer { email } }", "variables": '{"x": ' + _nested(5000) + "}"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    assert "nests deeper" in response.json()["errors"][0]["message"]


async def test_nesting_within_the_bound_reaches_graphql_validation(api: Api) -> None:
    response = await api.client.post(
        "/graphql",
        content=_body("query($x: String) { viewer { email } }", _nested(20)),
        headers={"content-type": "application/json", "accept": "application/json"},
    )
    assert response.status_code == 200
    assert "nests deeper" not in response.text
    assert "Variable '$x'" in response.json()["errors"][0]["message"]


async def test_concurrent_sign_ins_hash_off_the_event_loop_and_healthz_stays_prompt(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A costlier Argon2 than the other tests, so that hashing on the loop would show.
    settings = replace(make_settings(), argon2_memory_kib=8 * 1024, argon2_time_cost=1)
    app = create_app(settings)
    verified_on: list[bool] = []
    real_verify = PasswordHasher.verify

    def spying_verify(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        verified_on.append(threading.current_thread() is threading.main_thread())
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spying_verify)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        await seed(Api(client))
        done: list[str] = []

        async def sign_in(i: int) -> None:
            response = await client.post(
                "/graphql",
                json={
                    "query": LOGIN,
                    "variables": {"email": f"user{i}@example.com", "password": "wrong"},
                },
            )
            assert response.json()["data"]["login"]["__typename"] in (
                "SignInError",
                "ThrottledError",
            )
            done.append("login")

        async def healthz() -> None:
            await asyncio.sleep(0.05)  # once the sign-ins are under way
            response = await client.get("/healthz")
            assert response.status_code == 200
            done.append("healthz")

        await asyncio.gather(*(sign_in(i) for i in range(200)), healthz())
    assert "healthz" in done
    assert done[-1] == "login"  # answered while sign-ins were still being checked
    assert verified_on
    assert not any(verified_on)  # never on the event loop's thread


async def test_an_oversized_email_is_a_sign_in_error_that_writes_no_token(api: Api) -> None:
    await seed(api)
    for email in ("a" * 5000 + "@example.com", "a1@example.com\x00"):
        response = await api.post(LOGIN, {"email": email, "password": PASSWORD})
        assert response.status_code == 200
        body = response.json()
        if "errors" in body:  # NUL is refused up front, before the use case
            assert "NUL" in body["errors"][0]["message"]
        else:
            assert body["data"]["login"]["__typename"] == "SignInError"
    assert not await ApiToken.filter(name="login").exists()


@pytest.mark.parametrize("env", ["development", "production"])
async def test_graphql_answers_carry_nosniff_and_hsts_in_production(db: str, env: str) -> None:
    app = create_app(make_settings(env=env))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        answers = [
            await client.post("/graphql", json={"query": "{ viewer { email } }"}),
            await client.post("/graphql", content=_nested(100), headers={"content-type": "x"}),
            await client.get("/admin/sign-in"),
            await client.get("/healthz"),
        ]
    for response in answers:
        assert response.headers["x-content-type-options"] == "nosniff"
        if env == "production":
            assert response.headers["strict-transport-security"] == STRICT_TRANSPORT_SECURITY
        else:
            assert "strict-transport-security" not in response.headers


@pytest.mark.parametrize("env", ["development", "production"])
async def test_no_suggestion_of_any_kind_in_production(db: str, env: str) -> None:
    app = create_app(make_settings(env=env))
    queries = [
        "{ cycles(frist: 2) { edges { node { code } } } }",  # an argument
        "{ cycles(state: FINALISED) { edges { node { code } } } }",  # an enum value
        "query($x: Strin!) { kpi(code: $x) { code } }",  # a type
    ]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        for query in queries:
            response = await client.post("/graphql", json={"query": query})
            message = " ".join(e["message"] for e in response.json()["errors"])
            if env == "production":
                assert "Did you mean" not in message, message
            else:
                assert "Did you mean" in message, message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
async def test_a_nul_in_a_variable_is_refused_in_any_json_encoding(api: Api, encoding: str) -> None:
    # The view skips the walk over a body's strings when its bytes cannot hold a NUL;
    # JSON in UTF-16 or UTF-32 writes the escape differently and must still be walked.
    body = _body("query($x: String) { viewer { email } }", json.dumps("a\x00b"))
    response = await api.client.post(
        "/graphql",
        content=body.encode(encoding),
        headers={"content-type": "application/json", "accept": "application/json"},
    )
    assert response.status_code == 200  # legacy clients read it as a validation error
    assert "NUL characters" in response.json()["errors"][0]["message"]
