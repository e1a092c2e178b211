"""HR tries the agents' next scorecard on the running quarter, in Chinese: the shadow
report marks who would move band, draws the band shift matrix and exports a CSV; the
hotline manager sees only their own team."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser.conftest import screenshot, sign_in

CYCLE = "2026-Q4"


async def _in_chinese(page: Page) -> None:
    await page.select_option("#lang-select", "zh-CN")
    await page.click("form[action='/admin/language'] button")
    await expect(page.locator("h1")).to_have_text("今日组织概况")


async def test_hr_reads_the_shadow_report_in_chinese(page: Page) -> None:
    await sign_in(page, "admin")
    await _in_chinese(page)
    await page.goto(f"/admin/cycles/{CYCLE}")
    await expect(page.locator("#shadow-heading")).to_have_text("影子评分卡")
    await page.click("tr[data-shadow-position='agent'] a[data-shadow-report-link]")
    await page.wait_for_url(f"**/admin/cycles/{CYCLE}/shadow?position=agent")
    await expect(page.locator("h1")).to_contain_text("影子评分报告")

    matrix = page.locator("svg#shift-matrix")
    await expect(matrix).to_be_visible()
    await expect(matrix.locator("title").first).to_have_text(
        "档位变动矩阵：现行档位或状态 → 影子档位或状态"
    )
    await expect(matrix.locator("g[data-count]")).to_have_count(49)
    moving = int((await page.locator("[data-moving]").inner_text()).split("/")[0])
    assert moving > 0  # the demo's shadow raises the agents' own CSAT to 45 %
    await expect(page.locator("tr[data-moves]")).to_have_count(moving)
    await expect(page.locator("tr[data-moves]").first).to_contain_text("→")
    await screenshot(page, "shadow-report-zh")

    await page.check("input[name='moving']")
    await page.click("form[data-shadow-filters] button")
    await expect(page.locator("table[data-shadow-rows] tbody tr")).to_have_count(moving)

    async with page.expect_download() as download:
        await page.click("a[data-shadow-csv]")
    assert (await download.value).suggested_filename == "2026-Q4-agent-shadow.csv"


async def test_the_hotline_manager_sees_only_their_team_in_the_shadow_report(page: Page) -> None:
    await sign_in(page, "manager")
    response = await page.goto(f"/admin/cycles/{CYCLE}/shadow?position=agent")
    assert response is not None
    assert response.status == 200
    teams = await page.locator(
        "table[data-shadow-rows] tbody tr[data-employee] td:nth-child(2)"
    ).all_inner_texts()
    assert teams
    assert set(teams) == {"hotline"}
    await expect(page.locator("section[data-promote]")).to_have_count(0)
