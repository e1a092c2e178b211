"""The setup pages: the KPI library, cycles with their state bar, the scorecard editor
and the payroll CSV (issue 5, items 2-4)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from tortoise.connection import get_connection

from service.models import (
    AuditEntry,
    Cycle,
    CyclePilotTeam,
    CycleState,
    Kpi,
    Scorecard,
    ScorecardLine,
)
from service.usecases.inputs import CycleInput, KpiInput, ScorecardLineInput
from service.usecases.scoring.results import payroll_results
from service.usecases.setup.cycles import create_cycle, save_scorecard, transition_cycle
from service.usecases.setup.kpis import upsert_kpis
from tests.admin.conftest import Browser
from tests.integration.scenario import ADMIN, CYCLE, LINES

DRAFT = "2026-Q2"
EDITOR = f"/admin/cycles/{CYCLE}/scorecards/agent"
DRAFT_EDITOR = f"/admin/cycles/{DRAFT}/scorecards/agent"


async def _draft_cycle() -> None:
    await create_cycle(
        actor=ADMIN, cycle=CycleInput(DRAFT, "Q2 2026", date(2026, 4, 1), date(2026, 6, 30))
    )


async def _as(browser: Browser, who: str) -> None:
    """Sign in as someone else: a fresh visitor (no cookies), then the sign-in form."""
    browser.client.cookies.clear()
    response = await browser.sign_in(who)
    assert response.status_code == 303


def _line_fields(index: int, line: ScorecardLineInput) -> dict[str, str]:
    return {
        f"lines-{index}-kpi": line.kpi_code,
        f"lines-{index}-scope": line.scope,
        f"lines-{index}-weight": str(line.weight),
        f"lines-{index}-method": line.method,
        f"lines-{index}-threshold": str(line.threshold or ""),
        f"lines-{index}-target": str(line.target or ""),
        f"lines-{index}-stretch": str(line.stretch or ""),
        f"lines-{index}-bands": ", ".join(f"{b}:{p}" for b, p in line.bands),
        f"lines-{index}-min_samples": str(line.min_samples),
    }


def _card_form(
    lines: list[ScorecardLineInput],
    *,
    action: str = "save",
    version: int | None = None,
    reason: str | None = None,
) -> dict[str, str]:
    data = {"action": action, "expected_version": "" if version is None else str(version)}
    for index, line in enumerate(lines):
        data |= _line_fields(index, line)
    if reason is not None:
        data["reason"] = reason
    return data


def _marked(page: str, name: str) -> bool:
    """Whether the input or select called `name` is marked invalid."""
    found = re.search(rf'<(?:input|select)[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert found, f"no input {name} on the page"
    return 'aria-invalid="true"' in found.group(0)


def _total(page: str, name: str) -> str:
    found = re.search(rf'data-total="{name}">([^<]+)<', page)
    assert found, f"no total {name}"
    return found.group(1)


# --- the KPI library -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/kpis", "/admin/kpis/new", "/admin/kpis/csat"])
async def test_the_kpi_pages_are_for_admins_only(seeded: Browser, path: str) -> None:
    anonymous = await seeded.client.get(path)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/admin/sign-in")
    for who in ("manager", "employee"):
        await _as(seeded, who)
        assert (await seeded.client.get(path)).status_code == 403
    await _as(seeded, "admin")
    assert (await seeded.client.get(path)).status_code == 200


async def test_the_kpi_library_lists_every_kpi_with_its_settings(seeded: Browser) -> None:
    await _as(seeded, "admin")
    page = (await seeded.client.get("/admin/kpis")).text
    for code in ("csat", "frt", "complaints", "quality"):
        assert f'href="/admin/kpis/{code}"' in page
    assert "Share at or above a bound (4)" in page  # aggregation with its parameter
    assert "Percentile (90)" in page
    assert "1 – 5" in page  # csat's range and quality's rating scale
    assert "customer_satisfaction" in page


async def test_an_admin_creates_a_kpi_from_the_form(seeded: Browser) -> None:
    await _as(seeded, "admin")
    response = await seeded.post(
        "/admin/kpis/new",
        {
            "code": "aht",
            "name": "Average handling time",
            "kind": "QUANTITATIVE",
            "direction": "LOWER_IS_BETTER",
            "aggregation": "PERCENTILE",
            "aggregation_param": "75",
            "range_min": "0",
            "range_max": "600",
            "unit": "s",
            "tags": "speed, phone",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/kpis/aht?saved=1"
    kpi = await Kpi.get(code="aht")
    assert (kpi.aggregation_param, kpi.range_max, kpi.unit) == (750_000, 6_000_000, "s")
    assert kpi.tags == ["phone", "speed"]
    page = (await seeded.client.get(response.headers["location"])).text
    assert "Saved." in page
    assert 'name="kind"' in page  # not used by any cycle: nothing frozen


async def test_kpi_errors_show_beside_their_field_and_nothing_is_created(
    seeded: Browser,
) -> None:
    await _as(seeded, "admin")
    response = await seeded.post(
        "/admin/kpis/new",
        {
            "code": "aht",
            "name": "Average handling time",
            "kind": "QUANTITATIVE",
            "direction": "LOWER_IS_BETTER",
            "aggregation": "PERCENTILE",
            "aggregation_param": "150",
        },
    )
    assert response.status_code == 400
    assert _marked(response.text, "aggregation_param")
    assert not _marked(response.text, "name")
    assert "Set the percentile of aht to a number above 0 and at most 100." in response.text
    assert 'value="Average handling time"' in response.text  # the input is kept
    assert not await Kpi.exists(code="aht")

    taken = await seeded.post(
        "/admin/kpis/new",
        {"code": "csat", "name": "Again", "kind": "QUANTITATIVE", "direction": "HIGHER_IS_BETTER"}
        | {"aggregation": "MEAN"},
    )
    assert taken.status_code == 400
    assert _marked(taken.text, "code")
    assert "a KPI with this code exists already" in taken.text
    assert (await Kpi.get(code="csat")).name == "CSAT"


async def test_fields_of_a_kpi_in_use_are_shown_frozen_with_the_reason(seeded: Browser) -> None:
    await _as(seeded, "admin")
    page = (await seeded.client.get("/admin/kpis/csat")).text
    assert "frozen: cycles past their draft use this KPI (2026-Q1)" in page
    for frozen in ("kind", "direction", "aggregation", "aggregation_param", "range_min"):
        assert f'name="{frozen}"' not in page
    assert 'name="name"' in page
    assert 'name="tags"' in page


async def test_saving_a_kpi_in_use_changes_the_free_fields_and_keeps_the_frozen(
    seeded: Browser,
) -> None:
    await _as(seeded, "admin")
    response = await seeded.post(
        "/admin/kpis/csat",
        {
            "expected_version": "1",
            "name": "Customer satisfaction",
            "unit": "%",
            "tags": "customer_satisfaction",
        },
    )
    assert response.status_code == 303
    kpi = await Kpi.get(code="csat")
    assert (kpi.name, kpi.version, kpi.aggregation_param) == ("Customer satisfaction", 2, 40_000)


async def test_a_forged_change_to_a_frozen_field_is_refused_beside_it(seeded: Browser) -> None:
    await _as(seeded, "admin")
    response = await seeded.post(
        "/admin/kpis/csat",
        {
            "expected_version": "1",
            "name": "CSAT",
            "direction": "LOWER_IS_BETTER",
            "kind": "QUANTITATIVE",
            "aggregation": "SHARE_AT_LEAST",
            "aggregation_param": "4",
            "range_min": "1",
            "range_max": "5",
            "tags": "customer_satisfaction",
            "unit": "%",
        },
        form_page="/admin/kpis/csat",
    )
    assert response.status_code == 400
    assert re.search(r'id="direction-error">is frozen: a cycle past its draft', response.text)
    kpi = await Kpi.get(code="csat")
    assert (kpi.direction.value, kpi.version) == ("HIGHER_IS_BETTER", 1)


async def test_a_stale_kpi_save_says_someone_saved_first_and_keeps_the_input(
    seeded: Browser,
) -> None:
    await _as(seeded, "admin")
    token = await seeded.csrf("/admin/kpis/frt")  # the form at version 1
    await upsert_kpis(
        actor=ADMIN,
        kpis=[
            KpiInput(
                "frt",
                "First response (minutes)",
                "QUANTITATIVE",
                "LOWER_IS_BETTER",
                "PERCENTILE",
                unit="min",
                aggregation_param="90",
            )
        ],
    )
    response = await seeded.client.post(
        "/admin/kpis/frt",
        data={
            "csrf_token": token,
            "expected_version": "1",
            "name": "My better name",
            "unit": "min",
            "tags": "",
        },
    )
    assert response.status_code == 409
    assert "Someone saved this KPI first (it is now at version 2)" in response.text
    assert 'value="My better name"' in response.text
    assert (await Kpi.get(code="frt")).name == "First response (minutes)"


async def test_kpi_posts_without_the_csrf_token_or_by_a_manager_change_nothing(
    seeded: Browser,
) -> None:
    await _as(seeded, "admin")
    new = {"code": "aht", "name": "AHT", "kind": "QUANTITATIVE"}
    new |= {"direction": "LOWER_IS_BETTER", "aggregation": "MEAN"}
    assert (await seeded.client.post("/admin/kpis/new", data=new)).status_code == 403
    edit = {"expected_version": "1", "name": "Renamed", "unit": "", "tags": ""}
    assert (await seeded.client.post("/admin/kpis/frt", data=edit)).status_code == 403
    await _as(seeded, "manager")
    refused = await seeded.post("/admin/kpis/frt", edit, form_page="/admin/")
    assert refused.status_code == 403
    assert not await Kpi.exists(code="aht")
    frt = await Kpi.get(code="frt")
    assert (frt.name, frt.version) == ("First response", 1)


# --- cycles ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/cycles", f"/admin/cycles/{CYCLE}"])
async def test_cycle_pages_are_for_admins_and_managers(seeded: Browser, path: str) -> None:
    assert (await seeded.client.get(path)).status_code == 303
    for who in ("employee", "outsider"):
        await _as(seeded, who)
        assert (await seeded.client.get(path)).status_code == 403
    for who in ("manager", "admin"):
        await _as(seeded, who)
        page = await seeded.client.get(path)
        assert page.status_code == 200
        assert "Q1 2026" in page.text


async def test_managers_see_the_cycle_but_no_way_to_change_it(seeded: Browser) -> None:
    await _as(seeded, "manager")
    page = (await seeded.client.get(f"/admin/cycles/{CYCLE}")).text
    assert "Move to Review" not in page
    assert "/transition" not in page
    assert "/scorecards/" not in page
    assert "F1 (quality)" not in page  # finalisation problems name employees of other teams
    assert "/admin/cycles/new" not in (await seeded.client.get("/admin/cycles")).text
    await _as(seeded, "admin")
    page = (await seeded.client.get(f"/admin/cycles/{CYCLE}")).text
    assert "Move to Review" in page
    assert f'href="{EDITOR}"' in page
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")
    await _as(seeded, "manager")
    page = (await seeded.client.get(f"/admin/cycles/{CYCLE}")).text
    assert "Ready." not in page  # a manager is not shown the finalisation checks at all


async def test_the_cycle_page_shows_the_state_bar_and_the_warnings(seeded: Browser) -> None:
    await _as(seeded, "admin")
    page = (await seeded.client.get(f"/admin/cycles/{CYCLE}")).text
    assert re.search(r'setup-step-current" aria-current="step">\s*<strong>Active', page)
    assert "No open appeals." in page
    # F1 has no manager review on the qualitative line: finalising would need an override.
    assert "without a manager&#39;s rating: 1 (F1 (quality))" in page
    # The lead position has no scorecard: the cycle warns about it.
    assert "lead: no scorecard; employees in this position are listed as not eligible." in page


async def test_an_admin_creates_a_cycle_with_pilot_teams(seeded: Browser) -> None:
    await _as(seeded, "admin")
    form = {"code": DRAFT, "name": "Q2 2026", "starts_on": "2026-04-01", "ends_on": "2026-06-30"}
    response = await seeded.client.post(
        "/admin/cycles/new",
        data={
            "csrf_token": await seeded.csrf("/admin/cycles/new"),
            **form,
            "pilot_teams": ["hotline", "field"],
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/cycles/{DRAFT}"
    cycle = await Cycle.get(code=DRAFT)
    assert (cycle.state, cycle.ends_on) == (CycleState.DRAFT, date(2026, 6, 30))
    pilots = await CyclePilotTeam.filter(cycle_id=cycle.id).prefetch_related("team")
    assert sorted(p.team.code for p in pilots) == ["field", "hotline"]
    page = (await seeded.client.get(f"/admin/cycles/{DRAFT}")).text
    assert "Pilot teams" in page
    assert "Hotline" in page


async def test_a_cycle_with_bad_dates_or_a_taken_code_shows_the_error_and_is_not_created(
    seeded: Browser,
) -> None:
    await _as(seeded, "admin")
    backwards = {"code": DRAFT, "name": "Q2", "starts_on": "2026-06-30", "ends_on": "2026-04-01"}
    response = await seeded.post("/admin/cycles/new", backwards)
    assert response.status_code == 400
    assert _marked(response.text, "ends_on")
    assert "is before startsOn" in response.text
    unreadable = backwards | {"starts_on": "30/06/2026"}
    response = await seeded.post("/admin/cycles/new", unreadable)
    assert response.status_code == 400
    assert _marked(response.text, "starts_on")
    taken = backwards | {"code": CYCLE, "starts_on": "2026-01-01", "ends_on": "2026-03-31"}
    response = await seeded.post("/admin/cycles/new", taken)
    assert response.status_code == 400
    assert "a cycle with this code exists already" in response.text
    assert not await Cycle.exists(code=DRAFT)
    assert (await Cycle.get(code=CYCLE)).name == "Q1 2026"


async def test_cycle_posts_without_the_csrf_token_or_by_a_manager_change_nothing(
    seeded: Browser,
) -> None:
    await _as(seeded, "admin")
    new = {"code": DRAFT, "name": "Q2", "starts_on": "2026-04-01", "ends_on": "2026-06-30"}
    assert (await seeded.client.post("/admin/cycles/new", data=new)).status_code == 403
    move = await seeded.client.post(f"/admin/cycles/{CYCLE}/transition", data={"to": "REVIEW"})
    assert move.status_code == 403
    save = await seeded.client.post(EDITOR, data=_card_form(LINES, version=1, reason="x"))
    assert save.status_code == 403
    await _as(seeded, "manager")
    assert (await seeded.post("/admin/cycles/new", new, form_page="/admin/")).status_code == 403
    refused = await seeded.post(
        f"/admin/cycles/{CYCLE}/transition", {"to": "REVIEW"}, form_page=f"/admin/cycles/{CYCLE}"
    )
    assert refused.status_code == 403
    assert not await Cycle.exists(code=DRAFT)
    assert (await Cycle.get(code=CYCLE)).state is CycleState.ACTIVE
    assert (await Scorecard.get(cycle__code=CYCLE)).version == 1


async def test_activating_a_cycle_without_a_scorecard_is_refused_with_its_message(
    seeded: Browser,
) -> None:
    await _draft_cycle()
    await _as(seeded, "admin")
    page = (await seeded.client.get(f"/admin/cycles/{DRAFT}")).text
    assert "No scorecard is saved yet." in page  # said before anyone tries
    response = await seeded.post(
        f"/admin/cycles/{DRAFT}/transition", {"to": "ACTIVE"}, form_page="/admin/"
    )
    assert response.status_code == 409
    assert "has no scorecard: save at least one before activating it." in response.text
    assert (await Cycle.get(code=DRAFT)).state is CycleState.DRAFT


async def test_the_state_bar_lists_what_activating_would_refuse_grouped_by_position(
    seeded: Browser,
) -> None:
    """The page's blockers are `activation_blockers`' (the rule `transition_cycle`
    refuses on): a saved scorecard whose weights no longer add up to 100, named by its
    position, in English and Chinese."""
    await _draft_cycle()
    await save_scorecard(actor=ADMIN, cycle_code=DRAFT, position_code="agent", lines=LINES)
    first = await ScorecardLine.get(scorecard__cycle__code=DRAFT, ordinal=0)
    first.weight = first.weight * 2 // 7  # 35 -> 10: the weights add up to 75
    await first.save()
    await _as(seeded, "admin")
    page = (await seeded.client.get(f"/admin/cycles/{DRAFT}")).text
    assert (
        "The scorecard of agent has errors: The weights add up to 75; "
        "make them add up to exactly 100." in page
    )
    assert "No scorecard is saved yet." not in page
    zh = await seeded.client.get(f"/admin/cycles/{DRAFT}", headers={"accept-language": "zh-CN"})
    assert "agent 的评分卡有错误：权重合计为 75；请使其合计恰好为 100。" in zh.text
    assert "The weights add up to" not in zh.text
    refused = await seeded.post(
        f"/admin/cycles/{DRAFT}/transition", {"to": "ACTIVE"}, form_page="/admin/"
    )
    assert refused.status_code in (400, 409)
    assert "scorecards[agent].lines: The weights add up to 75" in refused.text
    assert (await Cycle.get(code=DRAFT)).state is CycleState.DRAFT


async def test_a_cycle_moves_one_step_and_finalising_needs_reviews_or_an_override(
    seeded: Browser,
) -> None:
    await _as(seeded, "admin")
    path = f"/admin/cycles/{CYCLE}/transition"
    skipped = await seeded.post(path, {"to": "FINALIZED"}, form_page=f"/admin/cycles/{CYCLE}")
    assert skipped.status_code == 409
    assert "states only move forward one step; the next state is Review" in skipped.text

    moved = await seeded.post(path, {"to": "REVIEW", "reason": "quarter over"}, form_page="/admin/")
    assert moved.status_code == 303
    page = (await seeded.client.get(moved.headers["location"])).text
    assert "The cycle is now Review." in page
    assert 'name="override_reason"' in page  # the next step is finalising

    refused = await seeded.post(path, {"to": "FINALIZED"}, form_page="/admin/")
    assert refused.status_code == 409
    assert "cannot be finalised yet" in refused.text
    assert "F1 (quality)" in refused.text
    assert (await Cycle.get(code=CYCLE)).state is CycleState.REVIEW

    done = await seeded.post(
        path,
        {"to": "FINALIZED", "override_reason": "F1 moved to field; no reviewer"},
        form_page="/admin/",
    )
    assert done.status_code == 303
    assert (await Cycle.get(code=CYCLE)).state is CycleState.FINALIZED
    override = await AuditEntry.get(action="override_finalisation_checks")
    assert override.reason == "F1 moved to field; no reviewer"


async def test_a_finalised_cycles_payroll_results_download_as_csv(seeded: Browser) -> None:
    await _as(seeded, "admin")
    csv_path = f"/admin/cycles/{CYCLE}/results.csv"
    early = await seeded.client.get(csv_path)
    assert early.status_code == 409  # not final yet
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")
    await transition_cycle(
        actor=ADMIN, cycle_code=CYCLE, to="FINALIZED", override_reason="test: no F1 review"
    )
    page = (await seeded.client.get(f"/admin/cycles/{CYCLE}")).text
    assert f'href="{csv_path}"' in page
    response = await seeded.client.get(csv_path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="2026-Q1-results.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "employee_external_id",
        "employee_name",
        "status",
        "state",
        "total",
        "band",
        "multiplier",
        "status_reason",
    ]
    expected = await payroll_results(get_connection("default"), cycle_code=CYCLE)
    assert [row[0] for row in rows[1:]] == [r.employee_external_id for r in expected]
    by_id = {row[0]: row for row in rows[1:]}
    a1 = next(r for r in expected if r.employee_external_id == "A1")
    assert by_id["A1"][1:] == ["Agent 1", "SCORED", "FINAL", a1.total, a1.band, a1.multiplier, ""]
    assert by_id["L1"][2] == "NOT_ELIGIBLE"
    assert by_id["L1"][4] == ""
    await _as(seeded, "manager")
    assert (await seeded.client.get(csv_path)).status_code == 403


# --- the scorecard editor ---------------------------------------------------------------


async def test_the_scorecard_editor_is_for_admins_only(seeded: Browser) -> None:
    assert (await seeded.client.get(EDITOR)).status_code == 303
    for who in ("manager", "employee"):
        await _as(seeded, who)
        assert (await seeded.client.get(EDITOR)).status_code == 403
    await _as(seeded, "admin")
    page = await seeded.client.get(EDITOR)
    assert page.status_code == 200
    assert 'name="lines-4-kpi"' in page.text
    assert 'name="lines-5-kpi"' not in page.text
    missing = await seeded.client.get(f"/admin/cycles/{CYCLE}/scorecards/nobody")
    assert missing.status_code == 404


async def test_the_totals_and_the_split_are_computed_on_the_server(seeded: Browser) -> None:
    await _as(seeded, "admin")
    page = (await seeded.client.get(EDITOR)).text
    assert "data-live-totals" in page
    assert _total(page, "weight") == "100.00"
    assert _total(page, "quantitative") == "70.00"
    assert _total(page, "qualitative") == "30.00"
    assert _total(page, "satisfaction") == "45.00"  # csat individual 35 + team 10
    assert 'data-line data-kind="QUALITATIVE" data-csat="false"' in page
    # An unsaved edit is totalled too when the page comes back.
    edited = await seeded.post(EDITOR, _card_form(LINES[:3], action="refresh", version=1))
    assert edited.status_code == 200
    assert _total(edited.text, "weight") == "60.00"
    assert _total(edited.text, "qualitative") == "0.00"


async def test_adding_removing_and_moving_lines_re_renders_and_saves_nothing(
    seeded: Browser,
) -> None:
    await _draft_cycle()
    await _as(seeded, "admin")
    two = [LINES[0], LINES[2]]
    added = await seeded.post(DRAFT_EDITOR, _card_form(two, action="add"))
    assert added.status_code == 200
    assert 'name="lines-2-kpi"' in added.text
    assert 'name="lines-3-kpi"' not in added.text
    assert 'name="lines-1-weight" value="15"' in added.text  # what was typed stays

    moved = await seeded.post(DRAFT_EDITOR, _card_form(two, action="up-1"))
    assert moved.status_code == 200
    assert re.search(r'name="lines-0-weight" value="15"', moved.text)
    assert re.search(r'name="lines-1-weight" value="35"', moved.text)

    down = await seeded.post(DRAFT_EDITOR, _card_form(two, action="down-0"))
    assert re.search(r'name="lines-0-weight" value="15"', down.text)

    removed = await seeded.post(DRAFT_EDITOR, _card_form(two, action="remove-0"))
    assert removed.status_code == 200
    assert 'name="lines-0-weight" value="15"' in removed.text
    assert 'name="lines-1-kpi"' not in removed.text
    assert not await Scorecard.filter(cycle__code=DRAFT).exists()


async def test_weights_not_adding_to_100_block_saving_then_the_fix_saves_with_a_warning(
    seeded: Browser,
) -> None:
    await _draft_cycle()
    await _as(seeded, "admin")
    quantitative_only = [
        ScorecardLineInput(kpi_code="csat", weight="45", threshold="80", target="92"),
        ScorecardLineInput(kpi_code="frt", weight="50", threshold="30", target="10"),
    ]
    response = await seeded.post(DRAFT_EDITOR, _card_form(quantitative_only))
    assert response.status_code == 400
    assert re.search(
        r'id="total-error">The weights add up to 95; make them add up to exactly 100.',
        response.text,
    )
    assert "setup-totals-invalid" in response.text
    assert _total(response.text, "weight") == "95.00"
    assert 'name="lines-1-weight" value="50"' in response.text
    assert not await Scorecard.filter(cycle__code=DRAFT).exists()

    fixed = [quantitative_only[0], ScorecardLineInput("frt", "55", threshold="30", target="10")]
    saved = await seeded.post(DRAFT_EDITOR, _card_form(fixed))
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{DRAFT_EDITOR}?saved=1"
    page = (await seeded.client.get(saved.headers["location"])).text
    assert "Saved: the scorecard is now at version 1." in page
    assert "Quantitative lines hold 100 % of the weight, but the policy aims at 70 %" in page
    card = await Scorecard.get(cycle__code=DRAFT).prefetch_related("lines")
    assert [line.weight for line in sorted(card.lines, key=lambda r: r.ordinal)] == [
        450_000,
        550_000,
    ]
    cycle_page = (await seeded.client.get(f"/admin/cycles/{DRAFT}")).text
    assert "agent: Quantitative lines hold 100 %" in cycle_page  # listed on the cycle too


async def test_a_line_error_marks_the_input_of_its_row(seeded: Browser) -> None:
    await _draft_cycle()
    await _as(seeded, "admin")
    lines = [
        ScorecardLineInput(kpi_code="csat", weight="45", threshold="80", target="92"),
        ScorecardLineInput(kpi_code="frt", weight="25", threshold="10", target="30"),
        ScorecardLineInput(kpi_code="quality", weight="30", scope="TEAM"),
    ]
    response = await seeded.post(DRAFT_EDITOR, _card_form(lines))
    assert response.status_code == 400
    assert _marked(response.text, "lines-1-target")
    assert not _marked(response.text, "lines-0-target")
    assert "lower is better, so the target (30) must be lower than the threshold" in response.text
    assert _marked(response.text, "lines-2-scope")
    assert "a qualitative KPI is rated per person; use INDIVIDUAL scope." in response.text
    bad_bands = [LINES[0], ScorecardLineInput("complaints", "65", method="BANDS")]
    form = _card_form(bad_bands) | {"lines-1-bands": "0 points 100"}
    unreadable = await seeded.post(DRAFT_EDITOR, form)
    assert unreadable.status_code == 400
    assert _marked(unreadable.text, "lines-1-bands")
    assert "write the bands as bound:points pairs" in unreadable.text
    assert not await Scorecard.filter(cycle__code=DRAFT).exists()


async def test_a_stale_scorecard_save_says_someone_saved_first_and_keeps_the_input(
    seeded: Browser,
) -> None:
    await _as(seeded, "admin")
    changed = [*LINES[:4], ScorecardLineInput(kpi_code="quality", weight="30", min_samples=2)]
    first = await seeded.post(EDITOR, _card_form(changed, version=1, reason="two reviews"))
    assert first.status_code == 303
    mine = [LINES[0], ScorecardLineInput("csat", "10", scope="TEAM", threshold="70", target="91")]
    mine += LINES[2:]
    late = await seeded.post(EDITOR, _card_form(mine, version=1, reason="my change"))
    assert late.status_code == 409
    assert "Someone saved this scorecard first (it is now at version 2)" in late.text
    assert 'name="lines-1-target" value="91"' in late.text
    assert 'name="expected_version" value="1"' in late.text  # a second click stays stale
    card = await Scorecard.get(cycle__code=CYCLE).prefetch_related("lines")
    assert card.version == 2
    assert sorted(card.lines, key=lambda r: r.ordinal)[1].target == 920_000


async def test_editing_an_active_scorecard_needs_a_reason(seeded: Browser) -> None:
    await _as(seeded, "admin")
    page = (await seeded.client.get(EDITOR)).text
    assert 'name="reason"' in page
    changed = [*LINES[:4], ScorecardLineInput(kpi_code="quality", weight="30", min_samples=2)]
    response = await seeded.post(EDITOR, _card_form(changed, version=1, reason=" "))
    assert response.status_code == 400
    assert re.search(r'id="reason-error">the cycle is Active: say why', response.text)
    assert re.search(r'<textarea id="reason"[^>]*aria-invalid="true"', response.text)
    assert (await Scorecard.get(cycle__code=CYCLE)).version == 1

    saved = await seeded.post(EDITOR, _card_form(changed, version=1, reason="two reviews"))
    assert saved.status_code == 303
    assert (await Scorecard.get(cycle__code=CYCLE)).version == 2
    entries = AuditEntry.filter(action="save_scorecard", entity_key=f"{CYCLE}/agent")
    latest = await entries.order_by("-id").first()
    assert latest is not None
    assert latest.reason == "two reviews"


async def test_a_scorecard_of_a_cycle_in_review_is_shown_but_cannot_change(
    seeded: Browser,
) -> None:
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")
    await _as(seeded, "admin")
    page = await seeded.client.get(EDITOR)
    assert page.status_code == 200
    assert "its scorecards can no longer change" in page.text
    assert "data-live-totals" not in page.text
    changed = [*LINES[:4], ScorecardLineInput(kpi_code="quality", weight="30", min_samples=2)]
    token = await seeded.csrf("/admin/")
    response = await seeded.client.post(
        EDITOR, data={"csrf_token": token, **_card_form(changed, version=1, reason="late")}
    )
    assert response.status_code == 409
    assert "is Review: its scorecards can no longer change" in response.text
    assert (await Scorecard.get(cycle__code=CYCLE)).version == 1


async def test_the_setup_pages_speak_chinese(seeded: Browser) -> None:
    await _as(seeded, "admin")
    headers = {"accept-language": "zh-CN"}
    for path, text in (
        ("/admin/kpis", "指标库"),
        (f"/admin/cycles/{CYCLE}", "警告"),
        (EDITOR, "权重合计"),
    ):
        page = await seeded.client.get(path, headers=headers)
        assert text in page.text, path


async def test_a_refused_scorecard_and_its_warnings_read_in_chinese(seeded: Browser) -> None:
    """The engine's scorecard checks carry templates with values (validation.py), so a
    Chinese page says its errors and warnings in Chinese with the numbers filled in."""
    await _draft_cycle()
    await _as(seeded, "admin")
    seeded.client.headers["accept-language"] = "zh-CN"
    lines = [
        ScorecardLineInput(kpi_code="csat", weight="45", threshold="80", target="92"),
        ScorecardLineInput(kpi_code="frt", weight="25", threshold="10", target="30"),
        ScorecardLineInput(kpi_code="quality", weight="25", scope="TEAM"),
    ]
    refused = await seeded.post(DRAFT_EDITOR, _card_form(lines))
    assert refused.status_code == 400
    assert "权重合计为 95；请使其合计恰好为 100。" in refused.text
    order = "第 2 行（frt，INDIVIDUAL）：越低越好，所以目标值（30）必须低于门槛值（10）"
    assert order in refused.text
    assert "第 3 行（quality，TEAM）：定性 KPI 按个人评分" in refused.text
    assert "make them add up to exactly 100" not in refused.text
    assert not await Scorecard.filter(cycle__code=DRAFT).exists()

    quantitative_only = [lines[0], ScorecardLineInput("frt", "55", threshold="30", target="10")]
    saved = await seeded.post(DRAFT_EDITOR, _card_form(quantitative_only))
    assert saved.status_code == 303
    page = (await seeded.client.get(saved.headers["location"])).text
    assert "定量指标行占权重的 100 %，而评分规则的目标是 70 %" in page
    assert "评分卡没有定性指标行" in page
    assert "Quantitative lines hold" not in page
