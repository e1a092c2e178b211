"""A person signs in, sees the start page, switches to Chinese, and signs out."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.conftest import screenshot, sign_in


async def test_a_manager_signs_in_switches_to_chinese_and_signs_out(page: Page) -> None:
    await sign_in(page, "manager")
    await expect(page.locator("h1")).to_have_text("Your team today")
    await screenshot(page, "start-en")
    await page.select_option("#lang-select", "zh-CN")
    await page.click("form[action='/admin/language'] button")
    await expect(page.locator("h1")).to_have_text("今日团队概况")
    await expect(page.locator("header nav")).to_contain_text("申诉")
    await screenshot(page, "start-zh")
    await page.click("form[action='/admin/sign-out'] button")
    await page.wait_for_url("**/admin/sign-in")
    await page.goto("/admin/")
    await expect(page).to_have_url(re.compile(r"/admin/sign-in\?next="))
