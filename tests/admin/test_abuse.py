"""The admin under careless and hostile input (issue 9, sections 2 and 3): anonymous
visitors write nothing, sign-in CSRF stays bound to the browser, oversized values are
plain refusals, a password change ends API tokens, a header of commas is refused early."""

from __future__ import annotations

import httpx

from service.app import create_app
from service.models import AdminSession, ApiToken, Observation, SignInAttempt
from tests.admin.conftest import CSRF, Browser
from tests.admin.test_import_pages import upload
from tests.api.conftest import PASSWORD, Api, make_settings


async def test_anonymous_visits_write_no_session_row(seeded: Browser) -> None:
    for path in ("/admin/sign-in", "/admin/", "/admin/kpis", "/admin/sign-in?next=/admin/x"):
        await seeded.client.get(path)
    seeded.client.cookies.clear()  # a crawler without cookies, page after page
    for _ in range(5):
        await seeded.client.get("/admin/sign-in")
    assert await AdminSession.all().count() == 0
    response = await seeded.sign_in("manager")
    assert response.status_code == 303
    assert await AdminSession.all().count() == 1


async def test_an_anonymous_visitor_keeps_one_csrf_token_across_pages(seeded: Browser) -> None:
    first = await seeded.csrf()
    assert await seeded.csrf() == first
    assert seeded.client.cookies["fairscore_session"].startswith("anon.")


async def test_a_sign_in_token_from_another_browser_is_refused(seeded: Browser) -> None:
    # The attacker's own token, posted from the victim's browser (its own cookie).
    app = create_app(make_settings())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as attacker:
        page = await attacker.get("/admin/sign-in")
        found = CSRF.search(page.text)
        assert found
        attackers_token = found.group(1)
    await seeded.client.get("/admin/sign-in")
    response = await seeded.client.post(
        "/admin/sign-in",
        data={"csrf_token": attackers_token, "email": "lead@example.com", "password": PASSWORD},
    )
    assert response.status_code == 403
    assert await AdminSession.all().count() == 0
    assert await SignInAttempt.all().count() == 0


async def test_a_made_up_anonymous_cookie_gets_no_usable_token(seeded: Browser) -> None:
    seeded.client.cookies.set("fairscore_session", "anon." + "a" * 43, path="/admin")
    response = await seeded.client.post(
        "/admin/sign-in",
        data={"csrf_token": "a" * 64, "email": "lead@example.com", "password": PASSWORD},
    )
    assert response.status_code == 403
    assert await AdminSession.all().count() == 0


async def test_an_oversized_email_is_a_wrong_sign_in_not_an_error_page(seeded: Browser) -> None:
    token = await seeded.csrf()
    huge = "lead" * 20_000 + "@example.com"
    response = await seeded.client.post(
        "/admin/sign-in", data={"csrf_token": token, "email": huge, "password": "x"}
    )
    assert response.status_code == 400
    assert "Wrong email or password" in response.text
    assert await AdminSession.all().count() == 0
    assert await SignInAttempt.filter(email="").count() == 1


async def test_changing_the_password_revokes_the_accounts_api_tokens(seeded: Browser) -> None:
    api = Api(seeded.client)
    login = await api.run(
        'mutation { login(email: "a1@example.com", password: "correct horse battery") '
        "{ ... on LoginSuccess { token } } }"
    )
    api.tokens["phone"] = login["data"]["login"]["token"]
    assert (await api.post("{ viewer { email } }", as_="phone")).status_code == 200
    await seeded.sign_in("employee")
    done = await seeded.post("/admin/password", {"current": PASSWORD, "new": "a new secret"})
    assert "API tokens revoked" in done.text
    assert (await api.post("{ viewer { email } }", as_="phone")).status_code == 401
    assert not await ApiToken.filter(user__email="a1@example.com", revoked_at=None).exists()
    # The session that changed it carries on.
    assert (await seeded.client.get("/admin/")).status_code == 200


async def test_a_header_of_megabytes_of_commas_is_refused_with_a_short_message(
    seeded: Browser,
) -> None:
    await seeded.sign_in("admin")
    before = await Observation.all().count()
    response = await upload(seeded, b"," * (4 * 1024 * 1024) + b"\nA1,x\n")
    assert response.status_code == 400
    assert "too many for a header" in response.text
    assert len(response.content) < 20_000
    assert await Observation.all().count() == before


async def test_a_header_of_too_many_short_columns_is_refused_too(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    header = ",".join(f"c{i}" for i in range(60))
    response = await upload(seeded, header.encode() + b"\n")
    assert response.status_code == 400
    assert "60 columns, too many for a header" in response.text
