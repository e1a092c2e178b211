"""A manager turns a customer's praise into a recognition with one click; it is private,
so it shows on the team's wall to the manager; the agent, reading in Chinese, shows it
to the team and the wall marks it public."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, screenshot, sign_in


async def test_a_customers_praise_becomes_a_recognition_on_the_team_wall(
    page: Page, chromium: Browser, live_server: LiveServer
) -> None:
    # 陈静 leads the hotline; 李娜 (E1101) is one of her agents.
    await sign_in(page, "manager")
    await page.click("header nav a:text-is('Recognition')")
    await page.wait_for_url("**/admin/recognition")
    await page.goto("/admin/people/E1101/recognition")
    offered = page.locator("#customer-praise li[data-praise]").first
    comment = (await offered.locator("[data-praise-comment]").inner_text()).strip()
    assert comment
    await offered.locator("button").click()
    await page.wait_for_url(re.compile(r"/admin/people/E1101/recognition\?done=praise"))
    made = page.locator("#received article.recognition").first
    await expect(made.locator("[data-customer-praise]")).to_have_count(1)
    await expect(made.locator("[data-message]")).to_have_text(comment)
    await expect(made.locator("[data-visibility]")).to_have_attribute("data-visibility", "PRIVATE")
    recognition_id = await made.get_attribute("data-recognition")
    await page.click("p.crumbs a[href='/admin/teams/hotline/recognition']")
    await page.wait_for_url("**/admin/teams/hotline/recognition")
    on_wall = page.locator(f"#wall article[data-recognition='{recognition_id}']")
    await expect(on_wall.locator("[data-message]")).to_have_text(comment)
    # The comment only: no rating ("5", "5/5", stars) and no word of one. The time the
    # recognition was given is on the card too, so a bare digit is no evidence either way.
    await expect(on_wall).not_to_contain_text(re.compile(r"\b5\s*/\s*5\b|★|rating|评分", re.I))
    await expect(on_wall.locator("[data-rating]")).to_have_count(0)
    await screenshot(page, "recognition-customer-praise-wall")

    context = await chromium.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    try:
        agent = await context.new_page()
        await sign_in(agent, "employee")
        await agent.click("header nav a:text-is('认可')")
        await agent.wait_for_url("**/admin/recognition")
        await agent.click("[data-my-recognition]")
        await agent.wait_for_url("**/admin/people/E1101/recognition")
        mine = agent.locator(f"#recognition-{recognition_id}")
        await expect(mine.locator("[data-message]")).to_have_text(comment)
        await agent.locator(
            f"form[action='/admin/recognition/{recognition_id}/visibility'] button"
        ).click()
        await agent.wait_for_url(re.compile(r"\?done=visibility"))
        await expect(agent.locator("p.notice[role='status']")).to_have_text("可见范围已修改。")
        await agent.goto("/admin/teams/hotline/recognition")
        shown = agent.locator(f"#wall article[data-recognition='{recognition_id}']")
        await expect(shown.locator("[data-visibility]")).to_have_attribute(
            "data-visibility", "PUBLIC"
        )
        await expect(shown.locator("[data-visibility]")).to_have_text("公开：团队可见")
        await screenshot(agent, "recognition-wall-zh")
    finally:
        await context.close()
