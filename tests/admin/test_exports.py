"""The admin's payroll CSV uses the service's one CSV writer: formula-like text is text."""

from __future__ import annotations

import csv
import io
from datetime import date

from service.usecases.csv_export import FORMULA_STARTS
from service.usecases.inputs import EmployeeInput
from service.usecases.setup.cycles import transition_cycle
from service.usecases.setup.organisation import upsert_employees
from tests.admin.conftest import Browser
from tests.integration.scenario import ADMIN, CYCLE

NAMES = {"Z-1": '=HYPERLINK("http://evil.example","x")', "Z-2": "@SUM(1)", "Z-3": "-1+2"}


async def test_the_payroll_csv_writes_formula_like_names_and_ids_as_text(
    seeded: Browser,
) -> None:
    people = [
        EmployeeInput(code, name, date(2021, 1, 1), team_code="hotline", position_code="agent")
        for code, name in NAMES.items()
    ] + [EmployeeInput("+9", "Plain", date(2021, 1, 1), team_code="hotline", position_code="agent")]
    await upsert_employees(actor=ADMIN, employees=people)
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")
    await transition_cycle(
        actor=ADMIN, cycle_code=CYCLE, to="FINALIZED", override_reason="test: exports"
    )
    seeded.client.cookies.clear()
    assert (await seeded.sign_in("admin")).status_code == 303

    response = await seeded.client.get(f"/admin/cycles/{CYCLE}/results.csv")

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (cell, row)
    by_id = {row[0]: row for row in rows[1:]}
    for code, name in NAMES.items():
        assert by_id[code][1] == "'" + name
    assert "'+9" in by_id
    scored = [row for row in rows[1:] if row[2] == "SCORED"]
    assert scored
    assert all(float(row[4]) >= 0 for row in scored)
