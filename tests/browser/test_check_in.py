"""A manager records a check-in with an action item and a goal discussed; the employee
reads it in Chinese (without the private notes, with the goal's value then) and
acknowledges it."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, screenshot, sign_in


async def test_a_manager_records_a_check_in_and_the_employee_acknowledges_it_in_chinese(
    page: Page, chromium: Browser, live_server: LiveServer
) -> None:
    tag = uuid.uuid4().hex[:6]
    item = f"Listen back to the 3 calls of last week ({tag})"
    private = f"Thinks about the team-lead track ({tag})"
    # 陈静 leads the hotline; 李娜 (E1101) is one of her agents.
    await sign_in(page, "manager")
    await page.click("header nav a:text-is('Check-ins')")
    await page.wait_for_url("**/admin/check-ins")
    await page.goto("/admin/people/E1101/check-ins")
    await expect(page.locator("h1")).to_contain_text("李娜")
    await page.fill("#shared_notes", f"Went through the survey comments ({tag}).")
    await page.fill("#private_notes", private)
    await page.fill("#item-0-text", item)
    await page.select_option("#item-0-owner", "E1101")
    await page.fill("#item-0-due", (date.today() + timedelta(days=7)).isoformat())
    # Her goals of the quarter are offered with their values now; the first is discussed.
    goal_box = page.locator("[data-goals-to-discuss] input[name='discussed_goal']").first
    goal_id = await goal_box.get_attribute("value")
    await goal_box.check()
    await page.click("#record button.primary")
    await page.wait_for_url(re.compile(r"/admin/people/E1101/check-ins\?done=recorded"))
    recorded = page.locator("article.check-in").first
    await expect(recorded.locator("[data-action-items]")).to_contain_text(item)
    await expect(recorded.locator("[data-private-notes]")).to_contain_text(private)
    await expect(recorded.locator(f"[data-goal='{goal_id}'][data-discussed]")).to_have_count(1)
    await screenshot(page, "check-in-recorded")

    context = await chromium.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    try:
        employee = await context.new_page()
        await sign_in(employee, "employee")
        await employee.click("header nav a:text-is('一对一面谈')")
        await employee.wait_for_url("**/admin/people/E1101/check-ins")
        await expect(employee.locator("#next-heading")).to_have_text("下次面谈")
        await expect(employee.locator("[data-open-items]")).to_contain_text(item)
        latest = employee.locator("article.check-in").first
        await expect(latest.locator("[data-action-items]")).to_contain_text(item)
        await expect(latest.locator("[data-private-notes]")).to_have_count(0)
        goals = latest.locator("[data-check-in-goals]")
        await expect(goals.locator("caption")).to_have_text("当时的目标")
        await expect(goals.locator(f"[data-goal='{goal_id}'][data-discussed]")).to_contain_text(
            "已讨论"
        )
        await expect(employee.locator("body")).not_to_contain_text(private)
        await latest.locator("textarea[name='comment']").fill("好的，我这周听。")
        await latest.locator("button.primary").click()
        await employee.wait_for_url(re.compile(r"\?done=acknowledged"))
        await expect(employee.locator("p.notice[role='status']")).to_have_text("您已确认这次面谈。")
        await expect(
            employee.locator("article.check-in").first.locator("[data-acknowledged]")
        ).to_contain_text("好的，我这周听。")
        await screenshot(employee, "check-in-acknowledged-zh")
    finally:
        await context.close()
