"""Each role's home page at a phone's 390 px and a desktop's 1280 px, in English and in
Chinese: the role's own sections are there (and another role's are not), nothing is wider
than the screen, and axe-core finds no serious or critical problem. The screenshots are
the ones docs/day-with-fairscore.md shows: docs/images/home-<role>-<lang>-<width>.png."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import LiveServer, sign_in
from tests.browser.test_readable_layouts import BLOCKING, axe_source

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
WIDTHS = {390: 844, 1280: 900}
# What each home shows, and a section it must not show.
SECTIONS = {
    "manager": (["attention", "missing-ratings", "appeals", "low-ratings", "bands"], "freshness"),
    "employee": (["my-score", "my-goals", "my-comments", "my-appeals"], "attention"),
    "admin": (["cycles", "freshness", "import-failures", "bands"], "attention"),
}
HEADINGS = {
    ("manager", "en"): "Your team today",
    ("manager", "zh-CN"): "今日团队概况",
    ("employee", "en"): "My day",
    ("employee", "zh-CN"): "我的今日",
    ("admin", "en"): "The organisation today",
    ("admin", "zh-CN"): "今日组织概况",
}


@pytest.mark.parametrize("role", list(SECTIONS))
async def test_each_home_page_reads_at_both_widths_in_both_languages(
    chromium: Browser, live_server: LiveServer, role: str
) -> None:
    source = axe_source()
    shown, hidden = SECTIONS[role]
    problems: list[str] = []
    DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS.items():
        for lang in ("en", "zh-CN"):
            context = await chromium.new_context(
                base_url=live_server.url, viewport={"width": width, "height": height}
            )
            try:
                page = await context.new_page()
                await sign_in(page, role)
                await context.add_cookies(
                    [{"name": "fairscore_lang", "value": lang, "url": live_server.url}]
                )
                await page.goto("/admin/")
                await expect(page.locator("h1")).to_have_text(HEADINGS[role, lang])
                await expect(page.locator(f'[data-home="{role}"]')).to_have_count(1)
                for section in shown:
                    await expect(page.locator(f'[data-section="{section}"]')).to_have_count(1)
                await expect(page.locator(f'[data-section="{hidden}"]')).to_have_count(0)
                overflow = await page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                if overflow > 0:
                    problems.append(f"{role} {lang} {width}: {overflow} px too wide")
                await page.screenshot(
                    path=str(DOCS_IMAGES / f"home-{role}-{lang}-{width}.png"), full_page=True
                )
                await page.evaluate(source)
                found = await page.evaluate(
                    "async () => (await axe.run(document, {resultTypes: ['violations']}))"
                    ".violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes"
                    ".slice(0, 3).map(n => n.target.join(' '))}))"
                )
                problems += [
                    f"{role} {lang} {width}: axe {v['impact']} {v['id']} at "
                    f"{json.dumps(v['nodes'])}"
                    for v in found
                    if v["impact"] in BLOCKING
                ]
            finally:
                await context.close()
    assert not problems, "\n".join(problems)


async def test_the_manager_opens_a_person_who_needs_attention(
    chromium: Browser, live_server: LiveServer
) -> None:
    context = await chromium.new_context(base_url=live_server.url)
    try:
        page = await context.new_page()
        await sign_in(page, "manager")
        first = page.locator("[data-attention] a").first
        await first.click()
        await page.wait_for_url("**/admin/scores/**")
        await expect(page.locator("h1")).to_be_visible()
    finally:
        await context.close()
