"""The main pages at a phone's 390 px and a desktop's 1280 px, in both languages: nothing
wider than the screen, and axe-core finds no serious or critical accessibility problem.

axe-core comes from tests/clients (pinned in its package-lock.json, installed with
`npm ci`); it runs offline, injected through the browser's debugging protocol, so the
page's Content-Security-Policy stays as it is. Screenshots land in tests/browser/screenshots.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext

from service.demo import DEMO_CYCLE_CODE
from tests.browser.conftest import LiveServer, screenshot, sign_in
from tests.conftest import IN_CI
from tests.node import CLIENTS

AXE = CLIENTS / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
PAGES = {
    "score": ("employee", f"/admin/scores/{DEMO_CYCLE_CODE}/me"),
    "team": ("admin", f"/admin/teams/hotline/{DEMO_CYCLE_CODE}"),
    "cycle": ("admin", f"/admin/cycles/{DEMO_CYCLE_CODE}"),
    "scorecard-editor": ("admin", f"/admin/cycles/{DEMO_CYCLE_CODE}/scorecards/agent"),
    "audit": ("admin", "/admin/audit"),
}
BLOCKING = ("serious", "critical")


def axe_source() -> str:
    if not AXE.is_file():
        reason = "tests/clients has no axe-core: run `npm ci` there"
        if IN_CI:
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
async def signed_in(
    chromium: object, live_server: LiveServer
) -> AsyncIterator[dict[tuple[str, str, str], BrowserContext]]:
    """One signed-in context per (role, width, language), made when first asked for."""
    assert isinstance(chromium, Browser)
    made: dict[tuple[str, str, str], BrowserContext] = {}
    try:
        for role in sorted({role for role, _ in PAGES.values()}):
            for width, (x, y) in WIDTHS.items():
                for lang in ("en", "zh-CN"):
                    context = await chromium.new_context(
                        base_url=live_server.url, viewport={"width": x, "height": y}
                    )
                    page = await context.new_page()
                    await sign_in(page, role)
                    await context.add_cookies(
                        [{"name": "fairscore_lang", "value": lang, "url": live_server.url}]
                    )
                    await page.close()
                    made[(role, width, lang)] = context
        yield made
    finally:
        for context in made.values():
            await context.close()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("width", list(WIDTHS))
async def test_the_main_pages_fit_the_screen_and_pass_axe(
    signed_in: dict[tuple[str, str, str], BrowserContext], width: str, lang: str
) -> None:
    source = axe_source()
    problems: list[str] = []
    for name, (role, path) in PAGES.items():
        page = await signed_in[(role, width, lang)].new_page()
        response = await page.goto(path)
        assert response is not None
        assert response.status == 200, path
        assert await page.evaluate("document.documentElement.lang") == lang
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            problems.append(f"{name}: {overflow} px wider than the {width} screen")
        await screenshot(page, f"{name}-{width}-{lang}")
        await page.evaluate(source)
        found = await page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3)"
            ".map(n => n.target.join(' '))}))"
        )
        problems += [
            f"{name}: axe {v['impact']} {v['id']} at {json.dumps(v['nodes'])}"
            for v in found
            if v["impact"] in BLOCKING
        ]
        await page.close()
    assert not problems, "\n".join(problems)
