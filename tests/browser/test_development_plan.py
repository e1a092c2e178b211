"""李娜 (the demo's hotline agent) opens her development plan in Chinese, takes a
suggested focus, and her manager 陈静 sees the new item on the same plan."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser.conftest import screenshot, sign_in

PLAN = "/admin/people/E1101/development"


async def test_an_employee_takes_a_suggestion_in_chinese_and_her_manager_sees_it(
    page: Page,
) -> None:
    await sign_in(page, "employee")
    await page.select_option("#lang-select", "zh-CN")
    await page.click("form[action='/admin/language'] button")
    await expect(page.locator("h1")).to_have_text("我的今日")
    await page.click("a[data-my-development-plan]")
    await page.wait_for_url(f"**{PLAN}")
    await expect(page.locator("h1")).to_contain_text("发展计划")
    await expect(page.locator("#suggestions-heading")).to_have_text("建议的重点")

    suggestions = page.locator("li[data-suggestion]")
    assert await suggestions.count() >= 1
    last = suggestions.last
    kpi = await last.get_attribute("data-suggestion")
    assert kpi is not None
    before = await page.locator(f"tr[data-item][data-focus='{kpi}']").count()
    await last.locator("button[data-take]").click()
    await page.wait_for_url(f"**{PLAN}?done=added#items")
    await expect(page.locator("p.notice[role='status']")).to_have_text("已保存。")
    taken = page.locator(f"tr[data-item][data-focus='{kpi}']")
    await expect(taken).to_have_count(before + 1)
    await expect(taken.last.locator("td[data-status]")).to_contain_text("计划中")
    await screenshot(page, "development-plan-zh")

    await page.context.clear_cookies()
    await sign_in(page, "manager")
    await page.goto(PLAN)
    await expect(page.locator("h1")).to_contain_text("Development plan")
    await expect(page.locator(f"tr[data-item][data-focus='{kpi}']")).to_have_count(before + 1)
