"""HR moves the demo quarter to review and calibrates it, in Chinese: the field lead's
generous ratings stand out on the chart and in the table, and the meeting is recorded.
The hotline manager sees only the reviewers of their own team."""

from __future__ import annotations

import uuid

from playwright.async_api import Page, expect

from tests.browser.conftest import screenshot, sign_in

CYCLE = "2026-Q4"
LENIENT = "field.lead@demo.fairscore.example"


async def _in_chinese(page: Page) -> None:
    await page.select_option("#lang-select", "zh-CN")
    await page.click("form[action='/admin/language'] button")
    await expect(page.locator("h1")).to_have_text("今日组织概况")


async def test_hr_calibrates_the_quarter_in_chinese_and_records_the_meeting(page: Page) -> None:
    await sign_in(page, "admin")
    await _in_chinese(page)
    await page.goto(f"/admin/cycles/{CYCLE}")
    link = page.locator("a[data-calibration-link]")
    if await link.count() == 0:  # still ACTIVE: move it on, as HR would
        await page.fill("#reason", "季度复核开始。")
        await page.click("section.setup-transition button.primary")
        await expect(page.locator("p.notice[role='status']")).to_contain_text("复核")
    await page.click("a[data-calibration-link]")
    await page.wait_for_url(f"**/admin/cycles/{CYCLE}/calibration")
    await expect(page.locator("h1")).to_contain_text("校准")

    lenient = page.locator(f"tr[data-reviewer='{LENIENT}']")
    await expect(lenient.locator("td[data-flag]")).to_have_attribute("data-flag", "LENIENT")
    await expect(lenient.locator("td[data-flag]")).to_have_text("偏宽")
    chart = page.locator("svg#calibration-gaps")
    await expect(chart).to_be_visible()
    await expect(chart.locator("title").first).to_have_text("评分人偏差：定性得分减定量得分")
    await expect(chart.locator("g.row")).to_have_count(
        await page.locator("tr[data-reviewer]").count()
    )
    await expect(page.locator("table[data-band-guide]")).to_be_visible()
    await screenshot(page, "calibration-zh")

    # The field lead's people link to their score pages, where a new rating or an
    # adjustment with a reason is made.
    section = page.locator("section", has=page.locator("h3", has_text=LENIENT))
    first = section.locator("a[data-rate]").first
    href = await first.get_attribute("href")
    assert href is not None
    assert href.startswith(f"/admin/scores/{CYCLE}/")

    decision = f"Daniel 重新评定外勤组的服务质量（{uuid.uuid4().hex[:6]}）。"
    await page.fill("#record-attendees", "人事部、王丹尼、林晓梅、张伟")
    await page.fill("#record-notes", "外勤组主管评分明显偏宽。")
    await page.fill("#record-decisions", decision)
    await page.click("#record button.primary")
    await page.wait_for_url(f"**/admin/cycles/{CYCLE}/calibration?saved=1#record")
    await expect(page.locator("#record p.notice[role='status']")).to_have_text("已保存。")
    await expect(page.locator("#record-decisions")).to_have_value(decision)


async def test_the_hotline_manager_sees_only_their_teams_reviewers(page: Page) -> None:
    await sign_in(page, "manager")
    response = await page.goto(f"/admin/cycles/{CYCLE}/calibration")
    assert response is not None
    assert response.status == 200
    if await page.locator("[data-calibration-refusal]").count():
        # Run on its own, the quarter is still ACTIVE: the page says so and lists nobody.
        await expect(page.locator("[data-calibration-refusal]")).to_contain_text("Review")
        await expect(page.locator("tr[data-reviewer]")).to_have_count(0)
        return
    await expect(page.locator(f"tr[data-reviewer='{LENIENT}']")).to_have_count(0)
    await expect(page.locator("tr[data-reviewer='manager@demo.fairscore.example']")).to_have_count(
        1
    )
    await expect(page.locator("#record form")).to_have_count(0)
