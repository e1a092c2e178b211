"""A write that recomputes reads the policy once (issue 10 §3): the checks it makes and
the recompute that follows share what the use case loaded."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import pytest

from service.settings import Settings
from service.usecases.accounts.users import create_user
from service.usecases.inputs import (
    CycleInput,
    EmployeeInput,
    ObservationInput,
    ReviewInput,
)
from service.usecases.scoring.ingest import record_observations, submit_reviews
from service.usecases.setup import policy as policy_module
from service.usecases.setup.cycles import create_cycle, save_scorecard, transition_cycle
from service.usecases.setup.kpis import upsert_kpis
from service.usecases.setup.organisation import upsert_employees
from tests.integration.scenario import ADMIN, CYCLE, KPIS, LINES, build_organisation

SECOND = "2026-Q2"


@pytest.fixture
def policy_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the stored policy was read (``load_policy`` parses it each time)."""
    reads = [0]
    parse = policy_module.policy_from_data

    def counted(data: dict[str, Any]) -> Any:
        reads[0] += 1
        return parse(data)

    monkeypatch.setattr(policy_module, "policy_from_data", counted)
    return reads


async def _reads_of(reads: list[int], write: Callable[[], Awaitable[Any]]) -> int:
    before = reads[0]
    await write()
    return reads[0] - before


async def test_each_write_that_recomputes_reads_the_policy_once(
    db: str, policy_reads: list[int]
) -> None:
    await build_organisation()
    await create_cycle(
        actor=ADMIN, cycle=CycleInput(SECOND, "Q2 2026", date(2026, 4, 1), date(2026, 6, 30))
    )
    await save_scorecard(actor=ADMIN, cycle_code=SECOND, position_code="agent", lines=LINES)
    await create_user(
        actor=ADMIN,
        email="lead@example.com",
        access="MANAGER",
        password="long-enough",
        employee_external_id="L1",
        settings=Settings.from_environment(),
    )

    writes: dict[str, Callable[[], Awaitable[Any]]] = {
        "activating a cycle": lambda: transition_cycle(actor=ADMIN, cycle_code=SECOND, to="ACTIVE"),
        "saving an active scorecard": lambda: save_scorecard(
            actor=ADMIN,
            cycle_code=CYCLE,
            position_code="agent",
            lines=[*LINES[:-1], dataclasses.replace(LINES[-1], target="4")],
            reason="a lower target for quality",
        ),
        "recording observations": lambda: record_observations(
            actor=ADMIN,
            observations=[
                ObservationInput("csat", "5", "2026-02-03T10:00:00+08:00", "survey", "A1"),
                ObservationInput("csat", "4", "2026-05-03T10:00:00+08:00", "survey", "A2"),
            ],
        ),
        "rating in two cycles": lambda: submit_reviews(
            actor=ADMIN,
            reviews=[
                ReviewInput(CYCLE, "A1", "quality", "lead@example.com", "MANAGER", "4"),
                ReviewInput(SECOND, "A1", "quality", "lead@example.com", "MANAGER", "4"),
            ],
        ),
        "changing an employee": lambda: upsert_employees(
            actor=ADMIN,
            employees=[
                EmployeeInput(
                    "A3", "Agent 3", date(2021, 2, 1), team_code="hotline", position_code="agent"
                )
            ],
        ),
        "changing a KPI": lambda: upsert_kpis(
            actor=ADMIN,
            kpis=[dataclasses.replace(KPIS[1], name_zh="首次响应")],
        ),
    }
    reads = {name: await _reads_of(policy_reads, write) for name, write in writes.items()}

    assert reads == dict.fromkeys(writes, 1)
