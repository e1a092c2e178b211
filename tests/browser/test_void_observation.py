"""A manager voids one of a team member's observations with a reason; the score follows."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.conftest import LiveServer, screenshot, sign_in
from tests.browser.score_page import api_score, line_number_of, open_score, sample_size

# 王强, a hotline agent on 陈静's team whose observations no other test touches. The
# first-response line is individual only, so voiding one of its observations moves no
# teammate's score.
EMPLOYEE = "E1103"


async def test_a_manager_voids_an_observation_and_the_line_counts_one_fewer(
    page: Page, live_server: LiveServer
) -> None:
    await sign_in(page, "manager")
    await open_score(page, EMPLOYEE)
    await expect(page.locator("h1")).to_contain_text("王强")
    number = await line_number_of(page, "First response time")
    line = page.locator(f"#line-{number}")
    before = await sample_size(page, number)
    assert before > 0

    observations = line.locator("details.observations")
    await expect(observations.locator("summary")).to_contain_text(f"({before})")
    await observations.locator("summary").click()
    first = observations.locator("table.observations tbody tr").first
    row_id = await first.get_attribute("id")
    assert row_id is not None
    assert row_id.startswith("observation-")
    observation_id = row_id.removeprefix("observation-")

    # Without a reason nothing is voided, and the form says why.
    await first.locator("button", has_text="Void").click()
    await expect(page.locator(f"#void-reason-{observation_id}")).to_have_attribute(
        "aria-invalid", "true"
    )
    await expect(page.locator(f"#void-{observation_id}-reason-error")).to_be_visible()
    assert await sample_size(page, number) == before

    reason = "Browser test: logged twice by the ticketing system."
    await page.fill(f"#void-reason-{observation_id}", reason)
    await page.locator(f"#observation-{observation_id} button", has_text="Void").click()
    await page.wait_for_url(re.compile(rf"/admin/scores/2026-Q4/{EMPLOYEE}\?done=void"))
    await expect(page.locator("p.notice[role='status']")).to_have_text(
        "The observation was voided and the score recomputed."
    )

    # The line now counts one observation fewer, and the voided one is gone from its list.
    await expect(line.locator("dt:text-is('Sample size') + dd")).to_have_text(
        re.compile(rf"^{before - 1}\b")
    )
    await expect(line.locator("details.observations summary")).to_contain_text(f"({before - 1})")
    await expect(page.locator(f"#observation-{observation_id}")).to_have_count(0)
    await expect(line.locator("p.sentence")).to_contain_text(f"of {before - 1} observations")
    await screenshot(page, "void-observation")

    # The API agrees with the page after the recompute.
    api = await api_score(live_server.url, "manager", EMPLOYEE)
    assert api["lines"][number - 1]["sampleSize"] == before - 1
    await expect(page.locator("dd[data-total]")).to_have_attribute("data-total", api["total"])
