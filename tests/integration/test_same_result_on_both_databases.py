"""The same scenario gives identical stored scores, to the byte, on SQLite and PostgreSQL.

Both runs compare against one golden file, so they equal each other. Regenerate it
deliberately (FAIRSCORE_WRITE_GOLDEN=1) only when the rules or the scenario change,
and review the diff.
"""

from __future__ import annotations

import json
import os
import random
from datetime import date
from pathlib import Path
from typing import Any

from service.models import Score
from service.scoring import LANGUAGES, line_text, score_text, what_it_would_take_text
from service.scoring.stored import StoredScore
from service.settings import Settings
from service.usecases.accounts.users import create_user
from service.usecases.inputs import (
    EmployeeInput,
    FeedbackInput,
    ObservationInput,
    ReviewInput,
)
from service.usecases.scoring.ingest import record_feedback, record_observations, submit_reviews
from service.usecases.setup.organisation import upsert_employees
from tests.integration.scenario import ADMIN, CYCLE, build_organisation

GOLDEN = Path(__file__).parent / "golden" / "scenario_scores.json"
CHANNELS = ("ONLINE_SURVEY", "PHONE_CALLBACK", "FACE_TO_FACE")


async def run_scenario() -> str:
    await build_organisation(members=6)
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                "A7", "Late Joiner", date(2026, 3, 20), team_code="hotline", position_code="agent"
            ),
            EmployeeInput("X1", "No Card", date(2020, 1, 1), team_code="hotline"),
        ],
    )
    await create_user(
        actor=ADMIN,
        email="lead@example.com",
        access="MANAGER",
        password="not-used-here",
        employee_external_id="L1",
        settings=Settings.from_environment(),
    )
    rng = random.Random(20260101)
    feedback = [
        FeedbackInput(
            rating=str(rng.choice([1, 2, 3, 4, 4, 5, 5, 5])),
            channel=CHANNELS[i % 3],
            occurred_at=f"2026-0{1 + i % 3}-{1 + i % 28:02d}T{i % 24:02d}:15:00+08:00",
            source="survey",
            employee_external_id=f"A{1 + i % 5}",
            external_id=f"fb-{i}",
            comment=f"comment {i}",
        )
        for i in range(400)
    ]
    await record_feedback(actor=ADMIN, feedback=feedback)
    observations = [
        ObservationInput(
            kpi_code="frt",
            value=f"{rng.randint(20, 4000) / 100:.2f}",
            occurred_at=f"2026-02-{1 + i % 28:02d}T08:00:00Z",
            source="tickets",
            employee_external_id=f"A{1 + i % 4}",
            external_id=f"t-{i}",
        )
        for i in range(300)
    ] + [
        ObservationInput(
            kpi_code="complaints",
            value="1",
            occurred_at="2026-03-03T12:00:00+08:00",
            source="crm",
            employee_external_id=f"A{i}",
            external_id=f"c-{i}",
        )
        for i in (1, 2, 2, 3)
        for _ in [0]
    ]
    # A2 has two complaints: give the second another external id.
    observations[-2] = ObservationInput(
        kpi_code="complaints",
        value="1",
        occurred_at="2026-03-04T12:00:00+08:00",
        source="crm",
        employee_external_id="A2",
        external_id="c-2b",
    )
    await record_observations(actor=ADMIN, observations=observations)
    await submit_reviews(
        actor=ADMIN,
        reviews=[
            ReviewInput(CYCLE, f"A{i}", "quality", "lead@example.com", "MANAGER", str(2 + i % 4))
            for i in range(1, 5)
        ],
    )
    scores = await Score.filter(cycle__code=CYCLE).prefetch_related("employee")
    document = {
        s.employee.external_id: {
            "status": s.status.value,
            "reason": s.status_reason,
            "total_exact": s.total_exact,
            "total_cents": s.total_cents,
            "band": s.band_code,
            "explanation": s.explanation,
            # Rendered on read; checked here so the words stay as reviewed.
            "sentences": sentences_of(StoredScore.from_row(s.explanation)),
        }
        for s in scores
    }
    return json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def sentences_of(stored: StoredScore) -> dict[str, Any]:
    return {
        lang: {
            "score": score_text(stored, lang=lang),
            "lines": [line_text(line, lang=lang, weighted=stored.scored) for line in stored.lines],
            "what_it_would_take": [
                what_it_would_take_text(line, lang=lang) for line in stored.lines
            ],
        }
        for lang in LANGUAGES
    }


async def test_same_scenario_gives_identical_scores_on_sqlite_and_postgresql(db: str) -> None:
    produced = await run_scenario()
    if os.environ.get("FAIRSCORE_WRITE_GOLDEN") == "1" and db == "sqlite":
        GOLDEN.write_text(produced, encoding="utf-8")
    assert produced == GOLDEN.read_text(encoding="utf-8")
