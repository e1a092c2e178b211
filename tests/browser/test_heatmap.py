"""The team heatmap in Chromium at a phone's 390 px and a desktop's 1280 px, in both
languages: it fits the screen (the table scrolls inside its own box), axe-core finds no
serious or critical problem, a column heading sorts the rows without JavaScript, and each
row opens the person's explanation. The screenshots go to docs/images/heatmap-*.png,
which docs/heatmap-and-trends.md shows."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from service.demo import PILOT_CYCLE_CODE
from tests.browser.conftest import LiveServer, sign_in
from tests.browser.test_readable_layouts import BLOCKING, WIDTHS, axe_source

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
HEATMAP = f"/admin/teams/hotline/{PILOT_CYCLE_CODE}/heatmap"
HEADINGS = {"en": ("Heatmap", "Customer satisfaction"), "zh-CN": ("热力图", "客户满意度")}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("width", list(WIDTHS))
async def test_the_managers_heatmap_fits_the_screen_sorts_by_a_line_and_links_each_person(
    chromium: Browser, live_server: LiveServer, width: str, lang: str
) -> None:
    x, y = WIDTHS[width]
    context = await chromium.new_context(
        base_url=live_server.url, viewport={"width": x, "height": y}
    )
    try:
        page = await context.new_page()
        await sign_in(page, "manager")
        await context.add_cookies(
            [{"name": "fairscore_lang", "value": lang, "url": live_server.url}]
        )
        # Reached from the team page, as a manager would.
        await page.goto(f"/admin/teams/hotline/{PILOT_CYCLE_CODE}")
        await page.click("a.heatmap-link")
        await page.wait_for_url(f"**{HEATMAP}")
        heading, _csat = HEADINGS[lang]
        await expect(page.locator("h1")).to_contain_text(heading)
        agents = page.locator('table.heatmap[data-position="agent"]')
        await expect(agents.locator("tbody tr")).to_have_count(17)
        assert await page.locator("td.heat[data-band]").count() > 50
        assert await page.locator("td.heat.insufficient").count() > 0
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{overflow} px wider than the {width} screen"
        await page.screenshot(path=str(DOCS_IMAGES / f"heatmap-{width}-{lang}.png"), full_page=True)

        # Sort by the agents' own first response, smallest points first: a plain link.
        column = agents.locator('th a[data-sort="INDIVIDUAL:first_response_minutes"]')
        await column.click()
        await page.wait_for_url(re.compile(r"sort=INDIVIDUAL%3Afirst_response_minutes"))
        await expect(
            agents.locator(
                'th[aria-sort="descending"] a[data-sort="INDIVIDUAL:first_response_minutes"]'
            )
        ).to_have_count(1)
        await agents.locator('th a[data-sort="INDIVIDUAL:first_response_minutes"]').click()
        await page.wait_for_url(re.compile(r"order=asc"))
        cells = page.locator(
            'table.heatmap[data-position="agent"] '
            'td[data-kpi="first_response_minutes"][data-scope="INDIVIDUAL"]'
        )
        values = [
            Decimal(v)
            for v in await cells.evaluate_all("cells => cells.map(c => c.dataset.normalized)")
            if v
        ]
        assert len(values) >= 10
        assert values == sorted(values)

        source = axe_source()
        await page.evaluate(source)
        found = await page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3)"
            ".map(n => n.target.join(' '))}))"
        )
        blocking = [
            f"axe {v['impact']} {v['id']} at {json.dumps(v['nodes'])}"
            for v in found
            if v["impact"] in BLOCKING
        ]
        assert not blocking, "\n".join(blocking)

        first = page.locator('table.heatmap[data-position="agent"] tbody tr').first
        person = await first.get_attribute("data-employee")
        await first.locator("th a").click()
        await page.wait_for_url(f"**/admin/scores/{PILOT_CYCLE_CODE}/{person}")
        await expect(page.locator("#trend svg.chart.trend")).to_have_count(1)
        await expect(page.locator("dd.change")).to_contain_text("2026-10")
    finally:
        await context.close()
