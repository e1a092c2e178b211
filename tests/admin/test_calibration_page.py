"""The calibration page (SCORING §12): figures, chart, actions and the record, in English
and Chinese, for admins and managers only."""

from __future__ import annotations

import re

from service.models import AuditEntry, Review
from service.usecases.inputs import ReviewInput
from service.usecases.scoring.ingest import submit_reviews
from service.usecases.setup.cycles import transition_cycle
from tests.admin.conftest import Browser
from tests.integration.scenario import ADMIN, CYCLE

PAGE = f"/admin/cycles/{CYCLE}/calibration"


async def review_ready(browser: Browser) -> None:
    await submit_reviews(
        actor=ADMIN,
        reviews=[ReviewInput(CYCLE, "F1", "quality", "admin@example.com", "MANAGER", "3")],
    )
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")


async def _as(browser: Browser, who: str) -> None:
    browser.client.cookies.clear()
    assert (await browser.sign_in(who)).status_code == 303


def reviewers(page: str) -> set[str]:
    return set(re.findall(r'<tr data-reviewer="([^"]+)"', page))


def gap_of(page: str, reviewer: str) -> str:
    found = re.search(
        rf'<tr data-reviewer="{re.escape(reviewer)}">.*?</td><td>[^<]*</td><td>([^<]+)</td>',
        page,
        re.S,
    )
    assert found, reviewer
    return found.group(1)


async def test_the_cycle_page_links_to_calibration_once_in_review(seeded: Browser) -> None:
    await _as(seeded, "admin")
    before = (await seeded.client.get(f"/admin/cycles/{CYCLE}")).text
    assert "data-calibration-link" not in before
    await review_ready(seeded)
    after = (await seeded.client.get(f"/admin/cycles/{CYCLE}")).text
    assert f'href="{PAGE}" data-calibration-link' in after


async def test_an_admin_sees_every_reviewer_the_chart_and_the_band_guide(seeded: Browser) -> None:
    await review_ready(seeded)
    await _as(seeded, "admin")
    response = await seeded.client.get(PAGE)
    assert response.status_code == 200
    page = response.text
    assert reviewers(page) == {"lead@example.com", "admin@example.com"}
    assert '<svg class="chart gaps" id="calibration-gaps"' in page
    assert page.count('<g class="row"') == 2
    assert "data-band-guide" in page
    assert 'data-flag="TOO_FEW"' in page
    # Acting goes through the score page's forms (rating, adjustment with a reason).
    assert f'href="/admin/scores/{CYCLE}/A1" data-rate' in page
    assert f'href="/admin/scores/{CYCLE}/A1#adjustments" data-adjust' in page


async def test_the_page_reads_in_chinese(seeded: Browser) -> None:
    await review_ready(seeded)
    await _as(seeded, "admin")
    seeded.client.cookies.set("fairscore_lang", "zh-CN")
    page = (await seeded.client.get(PAGE)).text
    assert "<h1>校准" in page
    assert "评分人" in page
    assert "样本太少" in page  # TOO_FEW
    assert "校准记录" in page


async def test_a_manager_sees_only_their_teams_reviewers_and_people(seeded: Browser) -> None:
    await review_ready(seeded)
    await _as(seeded, "manager")
    page = (await seeded.client.get(PAGE)).text
    assert reviewers(page) == {"lead@example.com"}
    assert 'data-employee="F1"' not in page
    assert 'data-employee="A1"' in page
    assert "/calibration/record" not in page  # the record is kept by admins


async def test_an_employee_is_refused_the_page(seeded: Browser) -> None:
    await review_ready(seeded)
    await _as(seeded, "employee")
    response = await seeded.client.get(PAGE)
    assert response.status_code == 403
    assert "data-reviewer" not in response.text


async def test_a_new_rating_from_the_score_page_moves_the_gap_and_an_adjustment_does_not(
    seeded: Browser,
) -> None:
    await review_ready(seeded)
    await _as(seeded, "manager")
    before = gap_of((await seeded.client.get(PAGE)).text, "lead@example.com")
    score_page = f"/admin/scores/{CYCLE}/A1"
    adjusted = await seeded.post(
        f"{score_page}/adjust",
        {"points": "3", "reason": "Calibration: covered nights."},
        form_page=score_page,
    )
    assert adjusted.status_code == 303
    assert gap_of((await seeded.client.get(PAGE)).text, "lead@example.com") == before
    rated = await seeded.post(
        f"{score_page}/review",
        {"line": "5", "rating": "1", "comment": "Calibrated down."},
        form_page=score_page,
    )
    assert rated.status_code == 303
    assert gap_of((await seeded.client.get(PAGE)).text, "lead@example.com") != before
    assert await Review.filter(rating=1 * 10_000, kind="MANAGER").count() == 1
    assert await AuditEntry.filter(action="adjust_score").count() == 1


async def test_the_record_is_saved_audited_and_shown_on_the_finalised_cycle(
    seeded: Browser,
) -> None:
    await review_ready(seeded)
    await _as(seeded, "manager")
    refused = await seeded.post(
        f"{PAGE}/record",
        {"attendees": "x", "notes": "", "decisions": "", "expected_version": "0"},
        form_page=PAGE,
    )
    assert refused.status_code == 403
    await _as(seeded, "admin")
    empty = await seeded.post(
        f"{PAGE}/record",
        {"attendees": "", "notes": "", "decisions": "", "expected_version": "0"},
        form_page=PAGE,
    )
    assert empty.status_code == 400
    saved = await seeded.post(
        f"{PAGE}/record",
        {
            "attendees": "HR; Lena Lead",
            "notes": "Lena's ratings run high.",
            "decisions": "Lena re-rates A1.",
            "expected_version": "0",
        },
        form_page=PAGE,
    )
    assert saved.status_code == 303
    assert await AuditEntry.filter(action="save_calibration_record").count() == 1
    stale = await seeded.post(
        f"{PAGE}/record",
        {"attendees": "HR", "notes": "n", "decisions": "d", "expected_version": "0"},
        form_page=PAGE,
    )
    assert stale.status_code == 409
    await transition_cycle(
        actor=ADMIN, cycle_code=CYCLE, to="FINALIZED", override_reason="Test: close it."
    )
    detail = (await seeded.client.get(f"/admin/cycles/{CYCLE}")).text
    assert "data-calibration-record" in detail
    assert "Lena&#39;s ratings run high." in detail
