"""A score without enough evidence on the admin's pages and in its payroll CSV (SCORING §2, §5)."""

from __future__ import annotations

import csv
import io
from datetime import date

from service.usecases.inputs import EmployeeInput
from service.usecases.setup.cycles import transition_cycle
from service.usecases.setup.organisation import upsert_employees
from tests.admin.conftest import Browser
from tests.integration.scenario import ADMIN, CYCLE


async def _newcomer() -> None:
    """An agent with nothing of their own yet: only the team's CSAT and a count of none."""
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                "A9", "New Agent", date(2025, 1, 1), team_code="hotline", position_code="agent"
            )
        ],
    )


async def test_the_score_page_says_why_there_is_no_total_and_how_much_is_own_data(
    seeded: Browser,
) -> None:
    await _newcomer()
    await seeded.sign_in("admin")
    page = (await seeded.client.get(f"/admin/scores/{CYCLE}/A9")).text
    assert 'data-status-reason="NOT_ENOUGH_EVIDENCE"' in page
    assert "0.00 % of the weight (50.00 % needed)" in page
    assert "evidence for 0 % of the weight; 50 % needed" in page
    chinese = await seeded.client.get(
        f"/admin/scores/{CYCLE}/A9", headers={"accept-language": "zh-CN"}
    )
    assert "本人数据不足" in chinese.text
    assert "有依据的权重为 0 %，需要 50 %" in chinese.text
    scored = (await seeded.client.get(f"/admin/scores/{CYCLE}/A1")).text
    assert 'data-status-reason=""' in scored


async def test_the_payroll_csv_names_the_status_reason(seeded: Browser) -> None:
    await _newcomer()
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")
    await transition_cycle(
        actor=ADMIN, cycle_code=CYCLE, to="FINALIZED", override_reason="test: reviews pending"
    )
    await seeded.sign_in("admin")
    response = await seeded.client.get(f"/admin/cycles/{CYCLE}/results.csv")
    assert response.status_code == 200
    rows = {
        row["employee_external_id"]: row
        for row in csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")))
    }
    assert (rows["A9"]["status"], rows["A9"]["status_reason"], rows["A9"]["band"]) == (
        "NO_DATA",
        "NOT_ENOUGH_EVIDENCE",
        "",
    )
    assert rows["L1"]["status_reason"] == "NO_SCORECARD"
    assert rows["A1"]["status_reason"] == ""
