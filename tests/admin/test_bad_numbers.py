"""Numbers in the admin's forms and addresses (issue 9, section 1): read as text first,
a number past what the store holds is an error beside its field, never a 500 page,
and nothing changes."""

from __future__ import annotations

import re

import httpx
import pytest

from service.models import Appeal, AppealState
from service.usecases.inputs import ScorecardLineInput
from tests.admin.conftest import Browser
from tests.admin.test_appeals_and_audit import QUEUE, appeal_by, switch_to
from tests.admin.test_import_pages import HEADER, SOURCE, recorded, run_import
from tests.admin.test_score_pages import A1_PAGE, line_section
from tests.admin.test_setup_pages import EDITOR, _card_form, _marked
from tests.api.test_bad_numbers import PYTHON_INTERNALS, database_state
from tests.integration.scenario import LINES

TOO_LARGE = "is too large: a number here has at most 12 digits before the decimal point"


def shown_cleanly(page: httpx.Response) -> str:
    assert not any(marker in page.text for marker in PYTHON_INTERNALS)
    assert "Unexpected error" not in page.text
    return page.text


async def test_adjusting_by_a_huge_exponent_shows_the_error_beside_points(
    seeded: Browser,
) -> None:
    await seeded.sign_in("manager")
    before = await database_state()
    refused = await seeded.post(
        f"{A1_PAGE}/adjust", {"points": "1e10000000", "reason": "huge"}, form_page=A1_PAGE
    )
    assert refused.status_code == 400
    text = shown_cleanly(refused)
    assert 'id="adjust-points-error"' in text
    assert f"1e10000000 {TOO_LARGE}" in text
    assert await database_state() == before


async def test_a_rating_with_a_huge_exponent_is_refused_beside_its_line(seeded: Browser) -> None:
    await seeded.sign_in("manager")
    before = await database_state()
    refused = await seeded.post(
        f"{A1_PAGE}/review", {"line": "5", "rating": "1e999990"}, form_page=A1_PAGE
    )
    assert refused.status_code == 400
    shown_cleanly(refused)
    assert 'aria-invalid="true"' in line_section(refused, 5)
    assert f"1e999990 {TOO_LARGE}" in refused.text
    assert await database_state() == before


async def test_a_scorecard_threshold_past_the_store_is_marked_and_nothing_saved(
    seeded: Browser,
) -> None:
    await switch_to(seeded, "admin")
    before = await database_state()
    lines = [
        ScorecardLineInput(kpi_code="csat", weight="35", threshold="3e15", target="92"),
        *LINES[1:],
    ]
    form = _card_form(lines, version=1, reason="bigger") | {"lines-4-min_samples": "99999999999"}
    refused = await seeded.post(EDITOR, form)
    assert refused.status_code == 400
    shown_cleanly(refused)
    assert _marked(refused.text, "lines-0-threshold")
    assert f"3e15 {TOO_LARGE}" in refused.text
    assert _marked(refused.text, "lines-4-min_samples")
    assert "at most 1,000,000 samples may be required" in refused.text
    assert await database_state() == before


async def test_a_weight_with_a_huge_exponent_counts_nothing_in_the_live_totals(
    seeded: Browser,
) -> None:
    await switch_to(seeded, "admin")
    lines = [ScorecardLineInput(kpi_code="csat", weight="1e999990", threshold="80"), *LINES[1:]]
    # "refresh" re-renders the editor with its totals and saves nothing.
    page = await seeded.post(EDITOR, _card_form(lines, action="refresh", version=1))
    assert page.status_code == 200
    total = re.search(r'data-total="weight">([^<]+)<', shown_cleanly(page))
    assert total is not None
    assert total.group(1).strip().startswith("65")  # 100 less the unreadable 35


async def test_a_kpi_range_past_the_store_is_shown_beside_its_field(seeded: Browser) -> None:
    await switch_to(seeded, "admin")
    before = await database_state()
    refused = await seeded.post(
        "/admin/kpis/new",
        {
            "code": "aht",
            "name": "Average handling time",
            "kind": "QUANTITATIVE",
            "direction": "LOWER_IS_BETTER",
            "aggregation": "MEAN",
            "range_min": "0",
            "range_max": "99999999999999999999",
        },
    )
    assert refused.status_code == 400
    shown_cleanly(refused)
    assert _marked(refused.text, "range_max")
    assert f"99999999999999999999 {TOO_LARGE}" in refused.text
    assert await database_state() == before


async def test_resolving_an_appeal_with_numbers_past_the_store_changes_nothing(
    seeded: Browser,
) -> None:
    appeal = await appeal_by("employee", "A1", "please look again")
    await seeded.sign_in("manager")
    before = await database_state()
    action = f"/admin/appeals/{appeal.id}/resolve"
    points = await seeded.post(
        action,
        {"outcome": "ACCEPTED", "points": "99999999999999999999", "note": "n"},
        form_page=QUEUE,
    )
    assert points.status_code == 400
    assert f"99999999999999999999 {TOO_LARGE}" in shown_cleanly(points)
    void = await seeded.post(
        action,
        {"outcome": "ACCEPTED", "voidObservationId": "99999999999999999999", "note": "n"},
        form_page=QUEUE,
    )
    assert void.status_code == 400
    assert "give the observation&#39;s number" in shown_cleanly(void)
    assert await database_state() == before
    assert (await Appeal.get(id=appeal.id)).state is AppealState.OPEN
    # An id no 32-bit key can be is no address at all.
    token = await seeded.csrf(QUEUE)
    past = await seeded.client.post(
        "/admin/appeals/99999999999999999999/resolve",
        data={"csrf_token": token, "outcome": "REJECTED", "note": "n"},
    )
    assert past.status_code == 404
    assert await database_state() == before


@pytest.mark.parametrize(
    "path",
    ["/admin/audit", QUEUE, "/admin/people", A1_PAGE],
)
async def test_a_page_number_past_any_list_shows_the_first_page(seeded: Browser, path: str) -> None:
    await switch_to(seeded, "admin")
    for page in ("99999999999999999999", "9" * 5000, "-3", "٣"):
        response = await seeded.client.get(path, params={"page": page})
        assert response.status_code == 200, (path, page)
        shown_cleanly(response)


async def test_an_import_refuses_values_past_the_store_and_future_dates(
    seeded: Browser,
) -> None:
    await switch_to(seeded, "admin")
    before = await database_state()
    content = (
        HEADER
        + f"A1,PHONE_CALLBACK,1e20,2026-02-10T10:00:00+08:00,{SOURCE},CB-1,\n"
        + f"A2,ONLINE_SURVEY,4,2027-05-30T09:00:00+08:00,{SOURCE},SV-1,\n"
    ).encode()
    report = await run_import(seeded, content)
    assert report.status_code == 400  # rejected rows: nothing was written
    text = re.sub(r"<[^>]+>", "", shown_cleanly(report))  # as read: what was sent is marked
    assert f"1e20 {TOO_LARGE}" in text
    assert "2027-05-30T09:00:00+08:00 has not happened yet" in text
    assert await recorded() == 0
    assert await database_state() == before
