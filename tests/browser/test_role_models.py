"""李娜 (the demo's hotline agent) reads, in Chinese, a role model's note beside her
weakest line; she thanks it once, and the role models page names only who opted in,
without a number."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.conftest import screenshot, sign_in

SCORE = "/admin/scores/2026-Q4/me"


async def test_an_agent_reads_a_role_models_note_beside_her_weakest_line_in_chinese(
    page: Page,
) -> None:
    await sign_in(page, "employee")
    await page.select_option("#lang-select", "zh-CN")
    await page.click("form[action='/admin/language'] button")
    await expect(page.locator("h1")).to_have_text("我的今日")
    await page.goto(SCORE)
    # Her weakest individual quantitative line: the lowest normalised points on the page.
    weakest = await page.evaluate(
        """() => {
          let best = null;
          const lines = document.querySelectorAll(
            'section.line[data-scope="INDIVIDUAL"][data-kind="QUANTITATIVE"]');
          for (const s of lines) {
            const dd = s.querySelector('dd[data-normalized]');
            if (!dd || dd.dataset.normalized === '') continue;
            const points = Number(dd.dataset.normalized);
            if (best === null || points < best.points) best = {id: s.id, points};
          }
          return best && best.id;
        }"""
    )
    assert weakest, "her score has an individual quantitative line"
    line = page.locator(f"section#{weakest}")
    learn = line.locator("aside[data-learn-from]")
    await expect(learn.locator("h4")).to_have_text("向榜样学习")
    # A note from her own team's role models, in their words (Chinese on the hotline).
    note = learn.locator("blockquote").filter(has_text=re.compile(r"[\u4e00-\u9fff]")).first
    await expect(note).to_be_visible()
    # Named only if the role model chose it; never with their points.
    await expect(note.locator("footer")).to_contain_text(re.compile(r"作者：|来自一位榜样"))
    await expect(note.locator("footer")).to_contain_text("获得")
    await screenshot(page, "role-model-note-beside-weakest-line-zh")

    await learn.locator("a").click()
    await page.wait_for_url(re.compile(r"/admin/best-practice/"))
    await expect(page.locator("h1")).to_contain_text("最佳实践")
    thank = page.locator("button[data-thank]").first
    await thank.click()
    await page.wait_for_url(re.compile(r"\?done=thanked"))
    await expect(page.locator("span.tag").filter(has_text="你已感谢").first).to_be_visible()

    await page.goto("/admin/role-models")
    await expect(page.locator("h1")).to_have_text("榜样")
    await expect(page.locator("table")).to_have_count(0)  # a colleague's view: no numbers
    await expect(page.locator("#opt-in h2")).to_have_text("你的设置")
