"""Signing in, tokens and throttling (DESIGN.md defaults), through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.models import ApiToken, SignInAttempt
from tests.api.conftest import PASSWORD, Api, seed

LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename
    ... on LoginSuccess { token expiresAt }
    ... on SignInError { message }
    ... on ThrottledError { message retryAfterSeconds }
  }
}
"""


async def login(api: Api, email: str, password: str) -> dict[str, object]:
    body = await api.run(LOGIN, {"email": email, "password": password})
    result: dict[str, object] = body["data"]["login"]
    return result


async def test_login_returns_a_30_day_token_that_reads_the_viewer(api: Api) -> None:
    await seed(api)
    result = await login(api, "A1@Example.com ", PASSWORD)
    assert result["__typename"] == "LoginSuccess"
    expires = datetime.fromisoformat(str(result["expiresAt"]))
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    api.tokens["fresh"] = str(result["token"])
    body = await api.run("{ viewer { email access employee { externalId } } }", as_="fresh")
    assert body["data"]["viewer"] == {
        "email": "a1@example.com",
        "access": "EMPLOYEE",
        "employee": {"externalId": "A1"},
    }
    stored = await ApiToken.filter(name="login").first()
    assert stored is not None
    assert stored.token_hash != result["token"]  # only the hash is kept


async def test_a_wrong_password_says_so_without_naming_which_part_was_wrong(api: Api) -> None:
    await seed(api)
    wrong = await login(api, "a1@example.com", "nope")
    unknown = await login(api, "nobody@example.com", PASSWORD)
    assert wrong == unknown
    assert wrong["__typename"] == "SignInError"


async def test_after_five_failures_an_account_waits_before_the_next_try(api: Api) -> None:
    await seed(api)
    for _ in range(5):
        assert (await login(api, "a1@example.com", "wrong"))["__typename"] == "SignInError"
    throttled = await login(api, "a1@example.com", PASSWORD)  # even the right password waits
    assert throttled["__typename"] == "ThrottledError"
    assert 0 < int(str(throttled["retryAfterSeconds"])) <= 60
    # Once the wait is over, the right password works again.
    await SignInAttempt.filter(email="a1@example.com").update(
        at=datetime.now(UTC) - timedelta(minutes=2)
    )
    assert (await login(api, "a1@example.com", PASSWORD))["__typename"] == "LoginSuccess"


async def test_an_address_is_throttled_after_fifty_failures_in_fifteen_minutes(
    api: Api,
) -> None:
    await seed(api)
    await SignInAttempt.bulk_create(
        [
            SignInAttempt(email=f"guess{i}@example.com", address="127.0.0.1", succeeded=False)
            for i in range(50)
        ]
    )
    result = await login(api, "a1@example.com", PASSWORD)
    assert result["__typename"] == "ThrottledError"


async def test_logout_revokes_the_token_it_was_sent_with(api: Api) -> None:
    await seed(api)
    body = await api.run("mutation { logout { ok } }", as_="employee")
    assert body["data"]["logout"] == {"ok": True}
    response = await api.post("{ viewer { email } }", as_="employee")
    assert response.status_code == 401


async def test_owners_list_and_revoke_their_tokens_but_not_others(api: Api) -> None:
    await seed(api)
    mine = await api.run("{ viewer { tokens { id name revokedAt } } }", as_="employee")
    tokens = mine["data"]["viewer"]["tokens"]
    assert len(tokens) == 1
    theirs = await api.run("{ viewer { tokens { id } } }", as_="colleague")
    other_id = theirs["data"]["viewer"]["tokens"][0]["id"]
    refused = await api.run(
        "mutation($id: ID!) { revokeToken(id: $id) { __typename } }",
        {"id": other_id},
        as_="employee",
    )
    assert refused["data"]["revokeToken"]["__typename"] == "NotFoundError"
    everyone = await api.run("{ viewer { tokens { id } } }", as_="admin")
    assert len(everyone["data"]["viewer"]["tokens"]) == 6
    done = await api.run(
        "mutation($id: ID!) { revokeToken(id: $id) { __typename } }", {"id": other_id}, as_="admin"
    )
    assert done["data"]["revokeToken"]["__typename"] == "Done"
    assert (await api.post("{ viewer { email } }", as_="colleague")).status_code == 401


async def test_an_expired_token_is_refused(api: Api) -> None:
    await seed(api)
    await ApiToken.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    response = await api.post("{ viewer { email } }", as_="admin")
    assert response.status_code == 401
