from __future__ import annotations

from decimal import Decimal

from service.models import Score, ScoreLine
from service.scoring.types import ScoreStatus
from service.usecases.inputs import FeedbackInput, IngestMode, ObservationInput
from service.usecases.scoring.ingest import record_feedback, record_observations
from tests.integration.scenario import ADMIN, CYCLE, build_organisation


def feedback(employee: str, rating: str, n: int, day: int = 10) -> list[FeedbackInput]:
    return [
        FeedbackInput(
            rating=rating,
            channel="ONLINE_SURVEY",
            occurred_at=f"2026-02-{day:02d}T10:00:00+08:00",
            source="survey",
            employee_external_id=employee,
            external_id=f"{employee}-{rating}-{i}",
        )
        for i in range(n)
    ]


async def test_recording_feedback_updates_the_stored_score_in_the_same_call(db: str) -> None:
    await build_organisation()
    report = await record_feedback(
        actor=ADMIN, feedback=feedback("A1", "5", 9) + feedback("A1", "3", 1)
    )
    assert (report.accepted, report.duplicates, report.rejected) == (10, 0, [])
    score = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    line = await ScoreLine.get(score_id=score.id, ordinal=0)
    assert (line.sample_size, line.raw_value) == (10, 900_000)  # 90.0000 %
    # Own CSAT (35 %) and the complaints count beside it (10 %): 45 % of the weight
    # rests on A1's own data, under the 50 % a score needs (SCORING §2).
    assert score.status is ScoreStatus.NO_DATA
    assert score.status_reason == "NOT_ENOUGH_EVIDENCE"
    assert score.explanation["evidence_weight"] == "45.00"


async def test_resending_the_same_feedback_changes_nothing(db: str) -> None:
    await build_organisation()
    await record_feedback(actor=ADMIN, feedback=feedback("A1", "5", 3))
    before = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    report = await record_feedback(actor=ADMIN, feedback=feedback("A1", "5", 3))
    assert (report.accepted, report.duplicates) == (0, 3)
    after = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    assert after.total_exact == before.total_exact


async def test_a_changed_resend_is_a_conflict_naming_the_row(db: str) -> None:
    await build_organisation()
    await record_feedback(actor=ADMIN, feedback=feedback("A1", "5", 1))
    changed = feedback("A1", "5", 1)[0]
    changed = (
        FeedbackInput(**{**changed.__dict__, "rating": "2"})
        if False
        else FeedbackInput(
            rating="2",
            channel=changed.channel,
            occurred_at=changed.occurred_at,
            source=changed.source,
            employee_external_id="A1",
            external_id=changed.external_id,
        )
    )
    report = await record_feedback(actor=ADMIN, feedback=[changed])
    assert report.accepted == 0
    assert [(e.index, e.field, e.code) for e in report.rejected] == [(0, "externalId", "CONFLICT")]


async def test_one_bad_row_writes_nothing_unless_valid_rows_are_kept(db: str) -> None:
    await build_organisation()
    rows = [
        ObservationInput(
            kpi_code="frt",
            value="12.5",
            occurred_at="2026-02-01T09:00:00Z",
            source="tickets",
            employee_external_id="A1",
            external_id="t1",
        ),
        ObservationInput(
            kpi_code="frt",
            value="1.23456",
            occurred_at="2026-02-01T09:00:00",
            source="tickets",
            employee_external_id="nobody",
            external_id="t2",
        ),
    ]
    report = await record_observations(actor=ADMIN, observations=rows)
    assert report.accepted == 0
    assert {(e.index, e.field) for e in report.rejected} == {
        (1, "employeeExternalId"),
        (1, "value"),
        (1, "occurredAt"),
    }
    from service.models import Observation

    assert await Observation.all().count() == 0
    kept = await record_observations(actor=ADMIN, observations=rows, mode=IngestMode.KEEP_VALID)
    assert kept.accepted == 1
    assert await Observation.all().count() == 1


async def test_team_line_counts_every_member_and_moves_the_whole_team(db: str) -> None:
    await build_organisation()
    await record_feedback(actor=ADMIN, feedback=feedback("A1", "5", 4) + feedback("A2", "2", 4))
    for person in ("A1", "A2", "A3"):
        score = await Score.get(cycle__code=CYCLE, employee__external_id=person)
        team_line = await ScoreLine.get(score_id=score.id, ordinal=1)
        assert (team_line.sample_size, team_line.raw_value) == (8, 500_000), person
    field = await Score.get(cycle__code=CYCLE, employee__external_id="F1")
    assert (await ScoreLine.get(score_id=field.id, ordinal=1)).sample_size == 0


async def test_observations_outside_the_cycle_days_in_the_org_timezone_do_not_count(
    db: str,
) -> None:
    await build_organisation()
    # 2026-03-31T16:30Z is already 1 April in Shanghai: outside Q1.
    rows = [
        ObservationInput(
            kpi_code="complaints",
            value="1",
            occurred_at=moment,
            source="crm",
            employee_external_id="A1",
            external_id=moment,
        )
        for moment in ("2026-03-31T15:30:00Z", "2026-03-31T16:30:00Z", "2025-12-31T16:00:00Z")
    ]
    await record_observations(actor=ADMIN, observations=rows)
    score = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    line = await ScoreLine.get(score_id=score.id, ordinal=3)
    assert line.sample_size == 2  # the last is 1 January 00:00 in Shanghai: inside
    assert Decimal(line.raw_value) / 10_000 == 2
