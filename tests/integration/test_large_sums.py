"""Sums past 64 bits: aggregated exactly on both databases, refused clearly where a score
cannot store them (issue 10: the SUM overflow left by issue 9)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from service.errors import ValidationFailed
from service.models import Observation, Score
from service.scoring.stored import StoredScore
from service.usecases.inputs import KpiInput, ObservationInput, ScorecardLineInput
from service.usecases.scoring.ingest import record_observations
from service.usecases.setup.cycles import save_scorecard, transition_cycle
from service.usecases.setup.kpis import upsert_kpis
from tests.integration.scenario import ADMIN, CYCLE, LINES, build_organisation

LARGEST_VALUE = "999999999999"  # the most whole digits a value may have


async def _organisation_with_a_sum_line() -> None:
    await build_organisation(activate=False)
    await upsert_kpis(
        actor=ADMIN,
        kpis=[
            KpiInput(
                code="revenue",
                name="Revenue",
                kind="QUANTITATIVE",
                direction="HIGHER_IS_BETTER",
                aggregation="SUM",
                unit="CNY",
            )
        ],
    )
    lines = [
        ScorecardLineInput(kpi_code="revenue", weight="10", threshold="0", target="1000000")
        if line.kpi_code == "complaints"
        else line
        for line in LINES
    ]
    await save_scorecard(actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=lines)
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="ACTIVE")


def _sales(count: int) -> list[ObservationInput]:
    return [
        ObservationInput(
            kpi_code="revenue",
            value=LARGEST_VALUE,
            occurred_at="2026-02-01T10:00:00+08:00",
            source="crm",
            employee_external_id="A1",
            external_id=f"sale-{i}",
        )
        for i in range(count)
    ]


async def test_a_sum_a_score_cannot_store_is_refused_naming_the_kpi_and_records_nothing(
    db: str,
) -> None:
    await _organisation_with_a_sum_line()
    with pytest.raises(ValidationFailed) as refused:
        await record_observations(actor=ADMIN, observations=_sales(1000))
    assert [issue.code for issue in refused.value.issues] == ["TOO_LARGE"]
    assert "revenue sum" in refused.value.message
    assert "999999999999000.0000" in refused.value.message
    assert await Observation.filter(kpi__code="revenue").count() == 0


async def test_the_largest_sum_a_score_stores_is_stored_exactly(db: str) -> None:
    await _organisation_with_a_sum_line()
    report = await record_observations(actor=ADMIN, observations=_sales(922))
    assert report.accepted == 922
    score = await Score.get(employee__external_id="A1", cycle__code=CYCLE)
    stored = StoredScore.from_row(score.explanation)
    line = next(line for line in stored.lines if line.kpi.code == "revenue")
    assert Fraction(line.raw_value or "0") == 922 * int(LARGEST_VALUE)
