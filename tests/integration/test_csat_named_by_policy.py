"""A KPI is the customer-satisfaction one by its tag or by the policy's `csat_kpi_code`
(`validation.is_customer_satisfaction`): either way its stored line says its
observations are ratings, on both databases."""

from __future__ import annotations

import dataclasses

from service.models import Score
from service.scoring import line_text
from service.scoring.stored import StoredScore
from service.usecases.scoring.ingest import record_feedback
from service.usecases.setup.kpis import upsert_kpis
from tests.integration.scenario import ADMIN, CYCLE, KPIS, build_organisation
from tests.integration.test_evidence_rule import ratings


async def test_a_kpi_named_csat_only_by_the_policy_reads_as_ratings(db: str) -> None:
    await build_organisation()  # the policy's csat_kpi_code is "csat"
    untagged = dataclasses.replace(KPIS[0], tags=())
    await upsert_kpis(actor=ADMIN, kpis=[untagged, *KPIS[1:]])
    await record_feedback(actor=ADMIN, feedback=[*ratings("A1", "5", 3), *ratings("A1", "2", 1)])
    score = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    stored = StoredScore.from_row(score.explanation)
    line = stored.lines[0]
    assert (line.kpi.code, line.setting.scope) == ("csat", "INDIVIDUAL")
    assert score.explanation["lines"][0]["kpi"]["rating"] is True
    text = line_text(line, lang="en", weighted=stored.total is not None)
    assert "3 of 4 ratings were 4 or 5 (75.0000 %)" in text
    assert "observations" not in text
