"""Sign-in, sessions, CSRF and security headers of the admin."""

from __future__ import annotations

import pytest

from admin.security import SECURITY_HEADERS
from service.models import AdminSession
from tests.admin.conftest import Browser


async def test_anonymous_visitors_are_sent_to_sign_in(seeded: Browser) -> None:
    response = await seeded.client.get("/admin/")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/sign-in?next=/admin/"


async def test_signing_in_starts_a_new_session_id_and_shows_the_start_page(
    seeded: Browser,
) -> None:
    await seeded.client.get("/admin/sign-in")
    anonymous = seeded.client.cookies["fairscore_session"]
    response = await seeded.sign_in("manager")
    assert response.status_code == 303
    assert seeded.client.cookies["fairscore_session"] != anonymous
    page = await seeded.client.get("/admin/")
    assert page.status_code == 200
    assert "lead@example.com" in page.text
    assert await AdminSession.all().count() == 1  # the visit before signing in wrote none


async def test_a_wrong_password_is_refused_with_a_message(seeded: Browser) -> None:
    token = await seeded.csrf()
    response = await seeded.client.post(
        "/admin/sign-in",
        data={"csrf_token": token, "email": "lead@example.com", "password": "nope"},
    )
    assert response.status_code == 400
    assert "Wrong email or password" in response.text


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    seeded: Browser,
) -> None:
    response = await seeded.client.post(
        "/admin/sign-in", data={"email": "lead@example.com", "password": "correct horse battery"}
    )
    assert response.status_code == 403
    assert not await AdminSession.filter(user_id__isnull=False).exists()
    await seeded.sign_in("manager")
    forged = await seeded.client.post("/admin/sign-out", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert (await seeded.client.get("/admin/")).status_code == 200  # still signed in


async def test_signing_out_revokes_the_session(seeded: Browser) -> None:
    await seeded.sign_in("employee")
    cookie = seeded.client.cookies["fairscore_session"]
    await seeded.post("/admin/sign-out", {}, form_page="/admin/")
    seeded.client.cookies.set("fairscore_session", cookie, path="/admin")
    response = await seeded.client.get("/admin/")
    assert response.status_code == 303  # the old id no longer works


@pytest.mark.parametrize("path", ["/admin/sign-in", "/admin/"])
async def test_every_page_carries_the_security_headers(seeded: Browser, path: str) -> None:
    await seeded.sign_in("admin")
    response = await seeded.client.get(path, follow_redirects=True)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "<script>" not in response.text  # no inline script anywhere


async def test_the_language_follows_the_browser_then_the_users_choice(seeded: Browser) -> None:
    page = await seeded.client.get("/admin/sign-in", headers={"accept-language": "zh-CN"})
    assert "登录" in page.text
    await seeded.post(
        "/admin/language", {"lang": "en", "next": "/admin/sign-in"}, form_page="/admin/sign-in"
    )
    page = await seeded.client.get("/admin/sign-in", headers={"accept-language": "zh-CN"})
    assert "Sign in" in page.text
    assert "登录" not in page.text.split('<main id="main" tabindex="-1">')[1]


async def test_changing_the_password_needs_the_current_one(seeded: Browser) -> None:
    await seeded.sign_in("employee")
    wrong = await seeded.post("/admin/password", {"current": "nope", "new": "a new secret"})
    assert wrong.status_code == 400
    assert "is not your current password" in wrong.text
    done = await seeded.post(
        "/admin/password", {"current": "correct horse battery", "new": "a new secret"}
    )
    assert "Your password was changed" in done.text


async def test_user_input_is_escaped(seeded: Browser) -> None:
    token = await seeded.csrf()
    response = await seeded.client.post(
        "/admin/sign-in",
        data={"csrf_token": token, "email": "<script>alert(1)</script>@x.io", "password": "x"},
    )
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text
