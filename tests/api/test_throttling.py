"""Throttling that holds: concurrent sign-ins through the API on both databases
(issue 9, section 3)."""

from __future__ import annotations

import asyncio
from collections import Counter

from service.models import ApiToken, SignInAttempt
from tests.api.conftest import PASSWORD, Api, seed
from tests.api.test_auth import LOGIN


async def _login(api: Api, email: str, password: str) -> str:
    response = await api.post(LOGIN, {"email": email, "password": password})
    assert response.status_code == 200, response.text
    kind: str = response.json()["data"]["login"]["__typename"]
    return kind


async def test_150_concurrent_wrong_passwords_on_one_account_get_five_tries(api: Api) -> None:
    await seed(api)
    results = await asyncio.gather(
        *(_login(api, "a1@example.com", f"wrong {i}") for i in range(150))
    )
    assert Counter(results) == {"SignInError": 5, "ThrottledError": 145}
    assert await SignInAttempt.filter(email="a1@example.com").count() == 5
    # The right password waits like everything else, and no token is issued.
    assert await _login(api, "a1@example.com", PASSWORD) == "ThrottledError"
    assert not await ApiToken.filter(name="login").exists()


async def test_concurrent_failures_from_one_address_stop_at_fifty(api: Api) -> None:
    await seed(api)
    results = await asyncio.gather(
        *(_login(api, f"guess{i}@example.com", "wrong") for i in range(80))
    )
    assert Counter(results) == {"SignInError": 50, "ThrottledError": 30}
    assert await SignInAttempt.filter(address="127.0.0.1").count() == 50


async def test_a_right_password_among_concurrent_tries_signs_in_and_counts_as_success(
    api: Api,
) -> None:
    await seed(api)
    results = await asyncio.gather(
        _login(api, "a2@example.com", PASSWORD),
        *(_login(api, "a2@example.com", "wrong") for _ in range(3)),
    )
    assert results[0] == "LoginSuccess"
    assert await SignInAttempt.filter(email="a2@example.com", succeeded=True).count() == 1
    assert await SignInAttempt.filter(email="a2@example.com", succeeded=False).count() == 3


async def test_an_oversized_email_is_counted_against_the_address_not_an_error(
    api: Api,
) -> None:
    await seed(api)
    huge = "x" * 100_000 + "@example.com"
    assert await _login(api, huge, "wrong") == "SignInError"
    stored = await SignInAttempt.get(address="127.0.0.1")
    assert stored.email == ""  # not the value, which no account can have
    assert not stored.succeeded


async def test_thirty_concurrent_right_passwords_on_one_account_all_sign_in(api: Api) -> None:
    # Only answered failures count against an account: tries still being checked do not.
    await seed(api)
    results = await asyncio.gather(*(_login(api, "f1@example.com", PASSWORD) for _ in range(30)))
    assert Counter(results) == {"LoginSuccess": 30}
    assert await SignInAttempt.filter(email="f1@example.com", succeeded=True).count() == 30
    assert await ApiToken.filter(name="login").count() == 30
