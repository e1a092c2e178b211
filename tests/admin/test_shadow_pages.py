"""The shadow report and pilot report pages (SCORING §13): figures, the SVG matrix and
charts, CSV exports, the team filter, the shadow editor, promote and roll out, in
English and Chinese, for admins and managers only."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from service.models import AuditEntry, Cycle, CycleState, ShadowScorecard
from service.usecases.inputs import CycleInput
from service.usecases.review.shadow import save_shadow_scorecard
from service.usecases.setup.cycles import create_cycle, save_scorecard, transition_cycle
from tests.admin.conftest import Browser
from tests.integration.scenario import ADMIN, CYCLE, LINES
from tests.integration.shadow_scenario import SHADOW_LINES

PAGE = f"/admin/cycles/{CYCLE}/shadow?position=agent"


async def _as(browser: Browser, who: str) -> None:
    browser.client.cookies.clear()
    assert (await browser.sign_in(who)).status_code == 303


async def with_shadow(browser: Browser) -> None:
    await save_shadow_scorecard(
        actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=SHADOW_LINES
    )


def people(page: str) -> set[str]:
    return set(re.findall(r'<tr data-employee="([^"]+)"', page))


async def test_an_admin_sees_everyone_the_matrix_and_the_budgets(seeded: Browser) -> None:
    await with_shadow(seeded)
    await _as(seeded, "admin")
    cycle_page = (await seeded.client.get(f"/admin/cycles/{CYCLE}")).text
    assert "data-shadow-report-link" in cycle_page
    response = await seeded.client.get(PAGE)
    assert response.status_code == 200
    page = response.text
    assert people(page) == {"A1", "A2", "A3", "A4", "F1"}
    assert '<svg class="chart matrix" id="shift-matrix"' in page
    cells = [int(n) for n in re.findall(r'data-count="(\d+)"', page)]
    assert len(cells) == 49
    assert sum(cells) == 5
    assert "data-live-budget" in page
    assert "data-promote" in page
    field = (await seeded.client.get(PAGE + "&team=field")).text
    assert people(field) == {"F1"}


async def test_only_those_who_move_are_listed_when_asked(seeded: Browser) -> None:
    await with_shadow(seeded)
    await _as(seeded, "admin")
    page = (await seeded.client.get(PAGE)).text
    moving = set(re.findall(r'<tr data-employee="([^"]+)" class="moves"', page))
    filtered = (await seeded.client.get(PAGE + "&moving=1")).text
    assert people(filtered) == moving


async def test_the_shadow_csv_has_a_row_per_person(seeded: Browser) -> None:
    await with_shadow(seeded)
    await _as(seeded, "admin")
    response = await seeded.client.get(f"/admin/cycles/{CYCLE}/shadow.csv?position=agent")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"), newline="")))
    assert {r["employee_external_id"] for r in rows} == {"A1", "A2", "A3", "A4", "F1"}
    assert set(rows[0]) >= {"live_total", "shadow_total", "change", "moves"}


async def test_a_manager_sees_their_teams_and_cannot_promote(seeded: Browser) -> None:
    await with_shadow(seeded)
    await _as(seeded, "manager")
    page = (await seeded.client.get(PAGE)).text
    assert people(page) == {"A1", "A2", "A3", "A4"}
    assert "data-promote" not in page
    other = (await seeded.client.get(PAGE + "&team=field")).text
    assert "data-shadow-refusal" in other
    assert people(other) == set()
    refused = await seeded.post(
        f"/admin/cycles/{CYCLE}/shadow/promote",
        {"new_cycle_code": "X", "name": "X", "starts_on": "2026-04-01", "ends_on": "2026-06-30"},
        form_page=PAGE,
    )
    assert refused.status_code == 403
    assert await Cycle.filter(code="X").count() == 0


async def test_employees_never_see_the_shadow_or_pilot_pages(seeded: Browser) -> None:
    await with_shadow(seeded)
    await _as(seeded, "employee")
    for path in (PAGE, f"/admin/cycles/{CYCLE}/shadow.csv?position=agent"):
        response = await seeded.client.get(path)
        assert response.status_code == 403, path
        assert "data-employee" not in response.text


async def test_the_shadow_editor_saves_without_moving_a_score(seeded: Browser) -> None:
    await _as(seeded, "admin")
    editor = f"/admin/cycles/{CYCLE}/shadow/agent/scorecard"
    page = (await seeded.client.get(editor)).text
    assert "data-shadow-editor" in page
    data = {"expected_version": "", "action": "save"}
    for i, line in enumerate(LINES):
        data |= {
            f"lines-{i}-kpi": line.kpi_code,
            f"lines-{i}-scope": line.scope,
            f"lines-{i}-weight": "45"
            if i == 0
            else ("20" if line.kpi_code == "quality" else str(line.weight)),
            f"lines-{i}-method": line.method,
            f"lines-{i}-threshold": str(line.threshold or ""),
            f"lines-{i}-target": str(line.target or ""),
            f"lines-{i}-stretch": str(line.stretch or ""),
            f"lines-{i}-bands": ", ".join(f"{b}:{p}" for b, p in line.bands),
            f"lines-{i}-min_samples": "1",
        }
    saved = await seeded.post(editor, data)
    assert saved.status_code == 303, saved.text
    card = await ShadowScorecard.get(cycle__code=CYCLE, position__code="agent")
    assert card.version == 1
    assert await AuditEntry.filter(action="save_shadow_scorecard").count() == 1
    assert await AuditEntry.filter(action="save_scorecard").count() == 1  # the live one only


async def test_the_shadow_editor_deletes_the_shadow_in_chinese_too(seeded: Browser) -> None:
    await with_shadow(seeded)
    editor = f"/admin/cycles/{CYCLE}/shadow/agent/scorecard"
    delete = f"/admin/cycles/{CYCLE}/shadow/agent/delete"
    await _as(seeded, "manager")
    refused = await seeded.post(delete, {"expected_version": "1"}, form_page=PAGE)
    assert refused.status_code == 403
    await _as(seeded, "admin")
    seeded.client.cookies.set("fairscore_lang", "zh-CN")
    assert "data-shadow-delete" in (await seeded.client.get(editor)).text
    stale = await seeded.post(delete, {"expected_version": "2"}, form_page=editor)
    assert stale.status_code == 400
    assert "有人先保存了" in stale.text
    deleted = await seeded.post(delete, {"expected_version": "1"}, form_page=editor)
    assert deleted.status_code == 303
    assert deleted.headers["location"] == editor + "?deleted=1"
    page = (await seeded.client.get(deleted.headers["location"])).text
    assert "已删除：影子评分卡已移除" in page
    assert "data-shadow-delete" not in page
    assert not await ShadowScorecard.exists()
    assert await AuditEntry.filter(action="delete_shadow_scorecard").count() == 1


async def test_promote_from_the_page_creates_the_draft_cycle(seeded: Browser) -> None:
    await with_shadow(seeded)
    await _as(seeded, "admin")
    response = await seeded.post(
        f"/admin/cycles/{CYCLE}/shadow/promote",
        {
            "new_cycle_code": "2026-Q2",
            "name": "Q2",
            "starts_on": "2026-04-01",
            "ends_on": "2026-06-30",
        },
        form_page=PAGE,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/cycles/2026-Q2?moved=promoted"
    assert (await Cycle.get(code="2026-Q2")).state is CycleState.DRAFT
    again = await seeded.post(
        f"/admin/cycles/{CYCLE}/shadow/promote",
        {
            "new_cycle_code": "2026-Q2",
            "name": "Q2",
            "starts_on": "2026-04-01",
            "ends_on": "2026-06-30",
        },
        form_page=PAGE,
    )
    assert again.status_code == 400
    assert "newCycleCode" in again.text


async def test_the_shadow_page_reads_in_chinese(seeded: Browser) -> None:
    await with_shadow(seeded)
    await _as(seeded, "admin")
    seeded.client.cookies.set("fairscore_lang", "zh-CN")
    page = (await seeded.client.get(PAGE)).text
    assert "影子评分报告" in page
    assert "档位变动矩阵" in page
    assert "无数据" in page  # the matrix names NO_DATA in Chinese too


async def test_a_refusal_with_a_value_reads_in_chinese(seeded: Browser) -> None:
    await with_shadow(seeded)
    await _as(seeded, "admin")
    seeded.client.cookies.set("fairscore_lang", "zh-CN")
    form = {
        "new_cycle_code": CYCLE,
        "name": "Q",
        "starts_on": "2026-04-01",
        "ends_on": "2026-06-30",
    }
    taken = await seeded.post(f"/admin/cycles/{CYCLE}/shadow/promote", form, form_page=PAGE)
    assert taken.status_code == 400
    assert f"newCycleCode: 周期 {CYCLE} 已存在" in taken.text
    assert "exists already" not in taken.text
    missing = (await seeded.client.get(f"/admin/cycles/{CYCLE}/shadow?position=lead")).text
    assert f"周期 {CYCLE} 没有岗位 lead 的影子评分卡" in missing
    assert "set one first" not in missing


async def pilot_cycle() -> None:
    await create_cycle(
        actor=ADMIN,
        cycle=CycleInput(
            "2026-03", "March", date(2026, 3, 1), date(2026, 3, 31), pilot_team_codes=("hotline",)
        ),
    )
    await save_scorecard(actor=ADMIN, cycle_code="2026-03", position_code="agent", lines=LINES)
    await transition_cycle(actor=ADMIN, cycle_code="2026-03", to="ACTIVE")


async def test_the_pilot_page_charts_and_exports_and_rolls_out(seeded: Browser) -> None:
    await pilot_cycle()
    await _as(seeded, "admin")
    assert "data-pilot-link" in (await seeded.client.get("/admin/cycles/2026-03")).text
    page = (await seeded.client.get("/admin/cycles/2026-03/pilot")).text
    assert set(re.findall(r'<tr data-kpi="([^"]+)"', page)) == {"complaints", "csat", "frt"}
    assert page.count('<svg class="chart') == 3
    exported = await seeded.client.get("/admin/cycles/2026-03/pilot.csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"), newline="")))
    assert [r["kpi"] for r in rows] == ["complaints", "csat", "frt"]
    rolled = await seeded.post(
        "/admin/cycles/2026-03/pilot/roll-out",
        {
            "new_cycle_code": "2026-04",
            "name": "April",
            "starts_on": "2026-04-01",
            "ends_on": "2026-04-30",
        },
        form_page="/admin/cycles/2026-03/pilot",
    )
    assert rolled.status_code == 303
    assert (await Cycle.get(code="2026-04")).state is CycleState.DRAFT
    await _as(seeded, "manager")
    managed = await seeded.client.get("/admin/cycles/2026-03/pilot")
    assert managed.status_code == 200
    assert "data-roll-out" not in managed.text
    await _as(seeded, "employee")
    assert (await seeded.client.get("/admin/cycles/2026-03/pilot")).status_code == 403
    assert (await seeded.client.get("/admin/cycles/2026-03/pilot.csv")).status_code == 403
