"""Payroll results of a cycle (SCORING.md §5): every employee, with total, band and
multiplier for the scored ones and only their status for the others."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from service.errors import NotFound
from service.models import Cycle
from service.scoring.stored import StoredScore
from service.scoring.types import ScoreStatus
from service.sql import fetch_all


@dataclass(frozen=True, slots=True)
class PayrollRow:
    employee_external_id: str
    employee_name: str
    status: str
    state: str
    total: str | None
    band: str | None
    multiplier: str | None
    # NO_SCORED_LINE, NOT_ENOUGH_EVIDENCE or the not-eligible reason; None when scored.
    status_reason: str | None


async def payroll_results(conn: BaseDBAsyncClient, *, cycle_code: str) -> list[PayrollRow]:
    cycle = await Cycle.get_or_none(code=cycle_code, using_db=conn)
    if cycle is None:
        raise NotFound("No cycle has the code {code}.", code=repr(cycle_code))
    rows = await fetch_all(
        conn,
        "SELECT e.external_id, e.name, s.status, s.state, s.status_reason, "
        "s.explanation FROM score s JOIN employee e ON e.id = s.employee_id "
        "WHERE s.cycle_id = ? ORDER BY e.external_id",
        [cycle.id],
    )
    results = []
    for row in rows:
        stored = StoredScore.from_row(row["explanation"])
        scored = row["status"] == ScoreStatus.SCORED.value
        results.append(
            PayrollRow(
                employee_external_id=row["external_id"],
                employee_name=row["name"],
                status=row["status"],
                state=row["state"],
                total=stored.total if scored else None,
                band=stored.band if scored else None,
                multiplier=stored.multiplier if scored else None,
                status_reason=row["status_reason"],
            )
        )
    return results
