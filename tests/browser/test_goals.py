"""A manager sets a goal for 李娜 that fails the M letter, fixes it, and 李娜 sees it in
Chinese (SCORING §11)."""

from __future__ import annotations

import re
import uuid

from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, screenshot, sign_in

PAGE = "/admin/goals/2026-Q4/employee/E1101"


async def test_a_manager_fixes_a_goal_that_fails_m_and_the_employee_sees_it_in_chinese(
    page: Page, chromium: Browser, live_server: LiveServer
) -> None:
    title = f"Raise CSAT to 92 % by year end ({uuid.uuid4().hex[:6]})"
    await sign_in(page, "manager")
    await page.goto(PAGE)
    await page.fill("#goal-title", title)
    await page.select_option("#goal-kpi_code", "csat")
    await page.fill("#goal-target", "120")
    await page.fill("#goal-due_on", "2026-12-31")
    await page.click("form[data-goal-form] button[type='submit']")

    letters = page.locator("[data-form-smart] li")
    await expect(letters).to_have_count(5)
    await expect(page.locator("[data-form-smart] li[data-letter='M']")).to_have_attribute(
        "data-result", "ERROR"
    )
    await expect(page.locator("#goal-target")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("[data-field-error='target']")).to_contain_text("0 to 100")
    await screenshot(page, "goal-fails-m")

    await page.fill("#goal-target", "92")
    await page.click("form[data-goal-form] button[type='submit']")
    await page.wait_for_url(re.compile(r"/admin/goals/2026-Q4/employee/E1101\?done=saved"))
    saved = page.locator("section.goal", has_text=title)
    await expect(saved).to_have_attribute("data-state", "ACCEPTED")

    context = await chromium.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    try:
        employee = await context.new_page()
        await sign_in(employee, "employee")
        await employee.select_option("#lang-select", "zh-CN")
        await employee.click("form[action='/admin/language'] button")
        # The demo's newest active cycle is the November pilot; the goals are the quarter's.
        await employee.goto("/admin/goals?cycle=2026-Q4")
        await employee.wait_for_url(re.compile(r"/admin/goals/2026-Q4/employee/E1101"))
        await expect(employee.locator("h1")).to_contain_text("李娜的目标")
        goal = employee.locator("section.goal", has_text=title)
        await expect(goal).to_have_count(1)
        await expect(goal.locator("h2 .tag").first).to_have_text("已接受")
        await expect(goal.locator("[data-letter='S']")).to_contain_text("符合")
        await goal.scroll_into_view_if_needed()
        await screenshot(employee, "goal-seen-in-chinese")
    finally:
        await context.close()
