"""An admin sets up a new cycle's scorecard: a wrong weight total is refused, then saved."""

from __future__ import annotations

import re
import uuid

from playwright.async_api import Page, expect

from tests.browser.conftest import screenshot, sign_in


async def _create_draft_cycle(page: Page) -> str:
    code = f"BT-{uuid.uuid4().hex[:8]}"
    await page.goto("/admin/cycles/new")
    await expect(page.locator("h1")).to_have_text("New cycle")
    await page.fill("#code", code)
    await page.fill("#name", f"Browser test {code}")
    await page.fill("#starts_on", "2027-01-01")
    await page.fill("#ends_on", "2027-03-31")
    await page.click("button.primary")
    await page.wait_for_url(f"**/admin/cycles/{code}")
    await expect(page.locator("h1")).to_contain_text(f"Browser test {code}")
    await expect(page.locator(".setup-step[aria-current='step'] strong")).to_have_text("Draft")
    return code


async def _fill_line(
    page: Page, index: int, kpi: str, weight: str, threshold: str, target: str
) -> None:
    await page.select_option(f"select[name='lines-{index}-kpi']", kpi)
    await page.fill(f"input[name='lines-{index}-weight']", weight)
    await page.select_option(f"select[name='lines-{index}-method']", "LINEAR")
    await page.fill(f"input[name='lines-{index}-threshold']", threshold)
    await page.fill(f"input[name='lines-{index}-target']", target)


async def test_an_admin_sees_a_wrong_weight_total_refused_then_the_70_30_warning(
    page: Page,
) -> None:
    await sign_in(page, "admin")
    await screenshot(page, "start-admin")
    code = await _create_draft_cycle(page)

    # From the cycle page to the (not yet saved) scorecard of the hotline agents.
    await page.click(f"a[href='/admin/cycles/{code}/scorecards/agent']")
    await page.wait_for_url(f"**/admin/cycles/{code}/scorecards/agent")
    heading = page.locator("h1")
    await expect(heading).to_contain_text("Scorecard of Hotline agent")
    await expect(heading).to_contain_text("not saved yet")
    await expect(page.locator("#warnings-title + p")).to_have_text(
        "Shown once the scorecard is saved."
    )

    # Two quantitative lines, 60 + 30: the live total says 90 before anything is sent.
    await _fill_line(page, 0, "csat", "60", "70", "90")
    await page.click("button[name='action'][value='add']")
    await expect(page.locator("tr[data-line]")).to_have_count(2)
    await expect(page.locator("input[name='lines-0-weight']")).to_have_value("60")
    await _fill_line(page, 1, "first_response_minutes", "30", "30", "10")
    total = page.locator("[data-total='weight']")
    await expect(total).to_have_text("90.00")

    await page.click("button[name='action'][value='save']")
    await expect(page.locator("p.error[role='alert']")).to_have_text(
        "Nothing was saved: correct the marked fields."
    )
    await expect(page.locator("#total-error")).to_have_text(
        "The weights add up to 90; make them add up to exactly 100."
    )
    await expect(page.locator("#totals")).to_have_class(re.compile(r"\bsetup-totals-invalid\b"))
    await expect(total).to_have_text("90.00")
    await expect(heading).to_contain_text("not saved yet")
    # What was typed is kept for correcting.
    await expect(page.locator("input[name='lines-1-weight']")).to_have_value("30")
    await screenshot(page, "scorecard-error")

    # Nothing was saved: the editor, opened afresh, still has no scorecard.
    await page.goto(f"/admin/cycles/{code}/scorecards/agent")
    await expect(heading).to_contain_text("not saved yet")
    await expect(page.locator("tr[data-line]")).to_have_count(1)
    await expect(page.locator("select[name='lines-0-kpi']")).to_have_value("")

    # Corrected to 60 + 40 it saves, with the 70/30 warning beside the card.
    await _fill_line(page, 0, "csat", "60", "70", "90")
    await page.click("button[name='action'][value='add']")
    await _fill_line(page, 1, "first_response_minutes", "40", "30", "10")
    await expect(total).to_have_text("100.00")
    await page.click("button[name='action'][value='save']")
    await page.wait_for_url(f"**/admin/cycles/{code}/scorecards/agent?saved=1")
    await expect(page.locator("p.notice[role='status']")).to_have_text(
        "Saved: the scorecard is now at version 1."
    )
    await expect(heading).to_contain_text("version 1")
    await expect(page.locator(".field-error")).to_have_count(0)
    await expect(total).to_have_text("100.00")
    await expect(page.locator("[data-total='quantitative']")).to_have_text("100.00")
    await expect(page.locator("[data-total='qualitative']")).to_have_text("0.00")
    warnings = page.locator("aside[aria-labelledby='warnings-title'] ul.warning li")
    await expect(
        warnings.filter(has_text="Quantitative lines hold 100 % of the weight")
    ).to_have_text(re.compile(r"the policy aims at 70 % ± \d+ points; rebalance the weights\."))
    await expect(warnings.filter(has_text="no qualitative line")).to_have_count(1)
    await screenshot(page, "scorecard-warning")

    # The cycle page lists the same warning under the position's code.
    await page.goto(f"/admin/cycles/{code}")
    await expect(page.locator("ul.setup-warnings")).to_contain_text(
        "agent: Quantitative lines hold 100 % of the weight"
    )
