"""The score and team pages keep current (issue 12): each carries its version and a
reload button that works without JavaScript; admin.js polls a small version endpoint,
signed in by the session cookie and checked like the page."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from service.usecases.inputs import ReviewInput
from service.usecases.scoring.ingest import submit_reviews
from tests.admin.conftest import Browser
from tests.integration.scenario import ADMIN, CYCLE

VERSION = re.compile(r'data-version-url="([^"]+)" data-version="([^"]+)"')
SCORE_PAGE = f"/admin/scores/{CYCLE}/A1"
TEAM_PAGE = f"/admin/teams/hotline/{CYCLE}"


def version_on(page: httpx.Response) -> tuple[str, str]:
    found = VERSION.search(page.text)
    assert found, "no version on the page"
    return found.group(1), found.group(2)


async def version_from(browser: Browser, url: str) -> str:
    response = await browser.client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    version: str = response.json()["version"]
    return version


async def rate_a1(rating: str) -> None:
    await submit_reviews(
        actor=ADMIN,
        reviews=[ReviewInput(CYCLE, "A1", "quality", "lead@example.com", "MANAGER", rating)],
    )


async def test_the_score_version_moves_when_the_score_does(seeded: Browser) -> None:
    await seeded.sign_in("manager")
    page = await seeded.client.get(SCORE_PAGE)
    url, shown = version_on(page)
    assert url == f"{SCORE_PAGE}/version"
    assert await version_from(seeded, url) == shown
    await rate_a1("1")
    moved = await version_from(seeded, url)
    assert moved != shown
    reloaded = await seeded.client.get(SCORE_PAGE)
    assert version_on(reloaded)[1] == moved


async def test_the_team_version_moves_when_a_members_score_does(seeded: Browser) -> None:
    await seeded.sign_in("manager")
    url, shown = version_on(await seeded.client.get(TEAM_PAGE))
    assert await version_from(seeded, url) == shown
    await rate_a1("2")
    assert await version_from(seeded, url) != shown


async def test_the_version_endpoint_is_refused_to_whoever_may_not_see_the_page(
    seeded: Browser,
) -> None:
    await seeded.sign_in("colleague")
    assert (await seeded.client.get(f"{SCORE_PAGE}/version")).status_code == 403
    assert (await seeded.client.get(f"{TEAM_PAGE}/version")).status_code == 403


async def test_an_anonymous_visitor_gets_no_version(seeded: Browser) -> None:
    response = await seeded.client.get(f"{SCORE_PAGE}/version")
    assert response.status_code in (302, 303, 307)
    assert "/admin/sign-in" in response.headers["location"]


async def test_the_pages_offer_a_reload_button_without_javascript(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    for path in (SCORE_PAGE, TEAM_PAGE):
        page = await seeded.client.get(path, headers={"accept-language": "zh-CN"})
        assert f'<form method="get" action="{path}"><button type="submit">' in page.text
        # The policy is unchanged: no inline script, the poller is admin.js.
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "<script>" not in page.text


def test_the_poller_reads_the_version_url_from_the_page() -> None:
    script = (Path(__file__).resolve().parents[2] / "admin" / "static" / "admin.js").read_text()
    assert "[data-version-url]" in script
    assert 'credentials: "same-origin"' in script
