"""Errors a client can branch on: every error has `extensions.code` (each listed in
docs/api.md), a refused token is a 401 a client library recognises, and a request
that never ran has no `data` key (GraphQL-over-HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from service.models import ApiToken, User
from tests.api.conftest import Api, seed

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
GRAPHQL_RESPONSE = "application/graphql-response+json"
# Every code the API puts in `extensions.code` (tests below meet most of them).
CODES = {
    "UNAUTHENTICATED",
    "TOKEN_EXPIRED",
    "TOKEN_REVOKED",
    "ACCOUNT_INACTIVE",
    "FORBIDDEN",
    "BAD_USER_INPUT",
    "BAD_REQUEST",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "INTERNAL_SERVER_ERROR",
    "BUSY",
    "PAYLOAD_TOO_LARGE",
    "REQUEST_TIMEOUT",
    "NOT_ACCEPTABLE",
    "METHOD_NOT_ALLOWED",
    "UNSUPPORTED_MEDIA_TYPE",
}


def test_every_error_code_is_listed_in_the_api_docs() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert sorted(code for code in CODES if f"`{code}`" not in text) == []


def _refused(response: Any, code: str, bearer_error: str) -> None:
    assert response.status_code == 401
    assert response.headers["cache-control"] == "no-store"
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'error="{bearer_error}"' in challenge
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]


async def _post_with(api: Api, authorization: str) -> Any:
    return await api.client.post(
        "/graphql",
        json={"query": "{ viewer { email } }"},
        headers={"authorization": authorization, "accept": "application/json"},
    )


async def test_an_unknown_token_is_a_401_with_a_bearer_challenge_and_a_code(api: Api) -> None:
    _refused(await _post_with(api, "Bearer fs_nope"), "UNAUTHENTICATED", "invalid_token")


async def test_a_header_that_is_not_bearer_is_a_401_invalid_request(api: Api) -> None:
    _refused(await _post_with(api, "Basic dXNlcjpwYXNz"), "UNAUTHENTICATED", "invalid_request")


async def test_an_expired_token_says_so(api: Api) -> None:
    await seed(api)
    await ApiToken.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    token = api.tokens["employee"]
    _refused(await _post_with(api, f"Bearer {token}"), "TOKEN_EXPIRED", "invalid_token")


async def test_a_revoked_token_says_so(api: Api) -> None:
    await seed(api)
    await ApiToken.all().update(revoked_at=datetime.now(UTC))
    token = api.tokens["employee"]
    _refused(await _post_with(api, f"Bearer {token}"), "TOKEN_REVOKED", "invalid_token")


async def test_the_token_of_an_inactive_account_says_so(api: Api) -> None:
    await seed(api)
    await User.filter(email="a1@example.com").update(is_active=False)
    token = api.tokens["employee"]
    _refused(await _post_with(api, f"Bearer {token}"), "ACCOUNT_INACTIVE", "invalid_token")


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ viewer { email }", "GRAPHQL_PARSE_FAILED"),
        ("{ viewer { emial } }", "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: Int!) { employees(first: $n) { nodes { name } } }", "BAD_USER_INPUT"),
    ],
)
async def test_a_request_that_never_ran_has_no_data_and_a_code(
    api: Api, accept: str, query: str, code: str
) -> None:
    response = await api.post(query, {"n": "many"}, accept=accept)
    body = response.json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]


async def test_errors_of_a_run_request_carry_codes_and_keep_data(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(api)
    forbidden = await api.run('{ employee(externalId: "A2") { name } }', as_="employee")
    assert forbidden["data"] == {"employee": None}
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await api.run("{ kpis { code } }")
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    from service.models import Kpi

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr(Kpi, "all", broken)
    masked = await api.run("{ kpis { code } }", as_="admin")
    assert masked["errors"][0]["message"] == "Unexpected error."
    assert masked["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "data" in masked  # it ran: data is null, not absent


async def test_errors_before_graphql_carry_codes(api: Api) -> None:
    not_acceptable = await api.client.post(
        "/graphql", json={"query": "{ viewer { email } }"}, headers={"accept": "text/csv"}
    )
    assert not_acceptable.status_code == 406
    assert not_acceptable.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"
    batched = await api.client.post("/graphql", json=[{"query": "{ viewer { email } }"}])
    assert batched.status_code == 400
    assert batched.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("body", [b"null", b'"{ viewer { email } }"', b"1", b"true", b" null "])
@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
async def test_a_json_body_that_is_not_an_object_is_a_400_saying_what_to_send(
    api: Api, body: bytes, accept: str
) -> None:
    refused = await api.client.post(
        "/graphql",
        content=body,
        headers={"content-type": "application/json; charset=utf-8", "accept": accept},
    )
    assert refused.status_code == 400
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert '{"query": ' in error["message"]


@pytest.mark.parametrize(
    ("query", "variables", "named"),
    [
        (
            'mutation($to: CycleState!) { transitionCycle(cycleCode: "2026-Q1", to: $to) '
            "{ __typename } }",
            {"to": "CLOSED-ish"},
            "CycleState",
        ),
        (
            'mutation { recordFeedback(feedback: [{rating: "5", channel: BY_PIGEON, '
            'occurredAt: "2026-03-01T10:00:00Z", source: "s", employeeExternalId: "A1"}]) '
            "{ __typename } }",
            None,
            "Channel",
        ),
        (
            'mutation($o: AppealOutcome!) { resolveAppeal(id: "x", outcome: $o, note: "n") '
            "{ __typename } }",
            {"o": "MAYBE"},
            "AppealOutcome",
        ),
    ],
)
async def test_an_enum_input_refuses_an_unknown_value_naming_the_enum(
    api: Api, query: str, variables: dict[str, Any] | None, named: str
) -> None:
    await seed(api)
    body = (await api.post(query, variables, as_="admin")).json()
    assert "data" not in body
    (error,) = body["errors"]
    assert named in error["message"]
    assert error["extensions"]["code"] in ("BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED")


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("query($d: Date!) { __typename }", {"d": "2026-01-01"}, "GRAPHQL_VALIDATION_FAILED"),
        ("{ kpi(code: $c) { code } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($c: Int) { kpi(code: $c) { code } }", {"c": 1}, "GRAPHQL_VALIDATION_FAILED"),
        ("query($c: String!) { kpi(code: $c) { code } }", {}, "BAD_USER_INPUT"),
        ("query($c: String!) { kpi(code: $c) { code } }", {"c": 7}, "BAD_USER_INPUT"),
    ],
)
async def test_a_document_misusing_a_variable_is_a_validation_error_a_bad_value_bad_input(
    api: Api, query: str, variables: dict[str, Any] | None, code: str
) -> None:
    """Unused, undefined or misplaced variables are the document's fault (it never
    validates, whatever the values); a missing or mistyped value is the input's."""
    body = (await api.post(query, variables, as_=None)).json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
