"""An employee questions a line of their score; their manager finds it in the queue."""

from __future__ import annotations

import re
import uuid

from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, screenshot, sign_in
from tests.browser.score_page import line_number_of


async def test_an_employee_files_an_appeal_on_a_line_and_the_manager_sees_it(
    page: Page, chromium: Browser, live_server: LiveServer
) -> None:
    reason = f"The outage week made my first responses slow ({uuid.uuid4().hex[:6]})."
    await sign_in(page, "employee")
    await page.goto("/admin/scores/2026-Q4/me")
    await expect(page.locator("h1")).to_contain_text("李娜")
    number = await line_number_of(page, "First response time")
    appeals = page.locator("#appeals table tbody")

    # A reason is required: without one nothing is filed.
    await page.select_option("#appeal-line", str(number))
    await page.click("#appeals button.primary")
    await expect(page.locator("#appeal-reason")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#appeal-reason-error")).to_be_visible()
    await expect(appeals.locator("tr", has_text=reason)).to_have_count(0)

    await page.select_option("#appeal-line", str(number))
    await page.fill("#appeal-reason", reason)
    await page.click("#appeals button.primary")
    await page.wait_for_url(re.compile(r"/admin/scores/2026-Q4/E1101\?done=appeal"))
    await expect(page.locator("p.notice[role='status']")).to_have_text(
        "Your appeal was filed; a manager or an admin will answer it."
    )
    filed = appeals.locator("tr", has_text=reason)
    await expect(filed).to_have_count(1)
    await expect(filed.locator("td").nth(1)).to_have_text(f"{number}. First response time")
    await expect(filed.locator("td").nth(3)).to_have_text("Open")
    await expect(filed.locator("td").nth(4)).to_have_text("—")
    await filed.scroll_into_view_if_needed()
    await screenshot(page, "appeal-filed")

    # 陈静, the hotline's lead, sees it among the open appeals with the score it is about.
    context = await chromium.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    try:
        manager = await context.new_page()
        await sign_in(manager, "manager")
        await manager.click("header nav a:text-is('Appeals')")
        await manager.wait_for_url("**/admin/appeals")
        card = manager.locator("section[aria-labelledby='open-heading'] article.appeal").filter(
            has_text=reason
        )
        await expect(card).to_have_count(1)
        await expect(card.locator("h3")).to_contain_text("李娜")
        await expect(card.locator("h3")).to_contain_text("E1101")
        await expect(card.locator("dt:text-is('Line') + dd")).to_have_text(
            f"{number}. First response time"
        )
        await expect(card.locator("dt:text-is('Filed') + dd")).to_contain_text(
            "employee@demo.fairscore.example"
        )
        await expect(card.locator("button.primary")).to_have_text("Answer the appeal")
        await card.scroll_into_view_if_needed()
        await screenshot(manager, "appeals-queue")
    finally:
        await context.close()
