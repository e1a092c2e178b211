"""An admin imports a feedback CSV with a bad row: the row's error, and nothing written."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.async_api import Locator, Page, expect

from tests.browser.conftest import screenshot, sign_in
from tests.browser.score_page import line_number_of, open_score, sample_size

# 何丽, a front-desk agent: no other test reads or changes the front desk's scores.
EMPLOYEE = "E1305"


def _count(page: Page, heading: str) -> Locator:
    """A number of the import report, by its row heading."""
    return page.locator(f"table.import-report th:text-is('{heading}') + td")


def _feedback_file(folder: Path) -> Path:
    batch = uuid.uuid4().hex[:8]
    rows = [
        "employee_external_id,channel,rating,occurred_at,source,external_id,comment",
        f"{EMPLOYEE},ONLINE_SURVEY,5,2026-11-20T10:15:00+08:00,browser-test,{batch}-1,很好",
        f"{EMPLOYEE},CARRIER_PIGEON,4,2026-11-20T11:00:00+08:00,browser-test,{batch}-2,",
        f"{EMPLOYEE},PHONE_CALLBACK,4,2026-11-21T09:30:00+08:00,browser-test,{batch}-3,Quick",
    ]
    path = folder / "feedback-november.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


async def test_an_admin_sees_the_bad_row_and_nothing_is_written_until_valid_rows_are_chosen(
    page: Page, tmp_path: Path
) -> None:
    await sign_in(page, "admin")
    await open_score(page, EMPLOYEE)
    csat = await line_number_of(page, "Customer satisfaction")
    before = await sample_size(page, csat)

    await page.click("header nav a:text-is('Import')")
    await page.wait_for_url("**/admin/imports")
    await page.select_option("#kind", "feedback")
    await page.set_input_files("#file", _feedback_file(tmp_path))
    await page.click("button.primary")

    # The preview: the rows as read, nothing written yet.
    await expect(page.locator("h1")).to_have_text("Preview: feedback-november.csv")
    await expect(page.locator("main")).to_contain_text(
        "3 rows of feedback. Nothing has been written yet."
    )
    preview = page.locator("table.import-preview tbody tr")
    await expect(preview).to_have_count(3)
    await expect(preview.nth(1).locator("td").first).to_have_text("3")
    await expect(preview.nth(1)).to_contain_text("CARRIER_PIGEON")
    await expect(page.locator("input[name='keep_valid']")).not_to_be_checked()
    await page.click("form.confirm-import button.primary")

    # The report: line 3 (the header is line 1), its field and what is wrong.
    await expect(page.locator("h1")).to_have_text("Import report: feedback-november.csv")
    await expect(page.locator("p.error[role='alert']")).to_contain_text("Nothing was written")
    problems = page.locator("table.import-errors tbody tr")
    await expect(problems).to_have_count(1)
    cells = problems.first.locator("td")
    await expect(cells.nth(0)).to_have_text("3")
    await expect(cells.nth(1)).to_have_text("channel")
    await expect(cells.nth(2)).to_have_text("must be ONLINE_SURVEY, PHONE_CALLBACK or FACE_TO_FACE")
    await expect(_count(page, "Rows read")).to_have_text("3")
    await expect(_count(page, "Accepted")).to_have_text("0")
    await expect(_count(page, "Rejected rows")).to_have_text("1")
    await screenshot(page, "import-errors")

    # Nothing was written: the employee's satisfaction line counts what it counted before.
    score = await page.context.new_page()
    await open_score(score, EMPLOYEE)
    assert await sample_size(score, csat) == before

    # Importing the valid rows writes the two good ones (none was a duplicate) and skips line 3.
    await expect(page.locator("input[name='keep_valid']")).to_be_checked()
    await page.click("form.confirm-import button.primary")
    await expect(page.locator("p.warning[role='status']")).to_have_text(
        "The valid rows were written; the rows listed below were skipped."
    )
    await expect(_count(page, "Accepted")).to_have_text("2")
    await expect(_count(page, "Duplicates (already recorded, skipped)")).to_have_text("0")
    await expect(_count(page, "Rejected rows")).to_have_text("1")
    await expect(page.locator("table.import-errors tbody tr td").first).to_have_text("3")
    await screenshot(page, "import-report")

    await open_score(score, EMPLOYEE)
    assert await sample_size(score, csat) == before + 2
