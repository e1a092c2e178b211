"""What the admin's home reads, on both databases: data freshness per source and KPI (a
source quieter than half its usual daily rows is quiet) and failed imports, each
recorded in its own transaction so that the refused import still writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

from tortoise.connection import get_connection

from service.models import AuditEntry, ImportChannel, ImportFailure, Observation
from service.usecases.inputs import FeedbackInput, IngestMode, ObservationInput
from service.usecases.scoring.home import data_freshness
from service.usecases.scoring.idempotency import ingest_once
from service.usecases.scoring.ingest import record_feedback, record_observations
from service.usecases.setup.csv_import import RecordKind, import_records, read_records
from tests.integration.scenario import ADMIN, build_organisation

# Noon in Shanghai, 20 March 2026: inside the scenario's Q1 cycle.
NOW = datetime(2026, 3, 20, 4, 0, tzinfo=UTC)


def _at(moment: datetime) -> str:
    return moment.isoformat()


async def _rows(source: str, kpi: str, moments: list[datetime], prefix: str) -> None:
    await record_observations(
        actor=ADMIN,
        observations=[
            ObservationInput(
                kpi_code=kpi,
                value="10",
                occurred_at=_at(moment),
                source=source,
                employee_external_id="A1",
                external_id=f"{prefix}-{i}",
            )
            for i, moment in enumerate(moments)
        ],
    )


async def test_freshness_counts_the_last_day_and_the_usual_rate_per_source_and_kpi(
    db: str,
) -> None:
    await build_organisation()
    usual = [NOW - timedelta(days=d, hours=2) for d in range(1, 15) for _ in range(4)]
    # "tickets": 4 a day for 14 days, then 1 in the last 24 h: quiet (1 < 4 / 2).
    await _rows("tickets", "frt", [*usual, NOW - timedelta(hours=3)], "t")
    # "helpdesk": 4 a day, then 2 in the last 24 h: not quiet (2 is half, not below it).
    await _rows(
        "helpdesk", "frt", [*usual, NOW - timedelta(hours=1), NOW - timedelta(hours=5)], "h"
    )
    # A voided row does not count, and a row after "now" is not yet seen.
    await _rows("helpdesk", "frt", [NOW + timedelta(hours=1)], "future")
    rows = await data_freshness(get_connection("default"), now=NOW)
    by_source = {(r.source, r.kpi.code): r for r in rows}
    tickets, helpdesk = by_source["tickets", "frt"], by_source["helpdesk", "frt"]
    assert tickets.last_day == 1
    assert tickets.usual_per_day == Fraction(4)
    assert tickets.quiet
    assert helpdesk.last_day == 2
    assert not helpdesk.quiet
    assert helpdesk.last_at is not None
    assert helpdesk.last_at.astimezone(UTC) == NOW - timedelta(hours=1)
    assert rows[0].source == "tickets"  # quiet sources first


async def test_a_source_without_history_is_never_quiet(db: str) -> None:
    await build_organisation()
    await _rows("new-tool", "frt", [NOW - timedelta(hours=2)], "n")
    (row,) = [r for r in await data_freshness(get_connection("default"), now=NOW)]
    assert row.usual_per_day == 0
    assert not row.quiet


async def test_a_csv_import_refused_whole_is_recorded_and_writes_nothing_else(
    db: str, tmp_path: Path
) -> None:
    await build_organisation()
    path = tmp_path / "export.csv"
    path.write_text(
        "kpi_code,value,occurred_at,source,employee_external_id\n"
        "frt,12,2026-03-02T09:00:00Z,tickets,A1\n"
        "frt,twelve,2026-03-02T09:00:00Z,tickets,A1\n"
        "frt,13,2026-03-02T09:00:00Z,tickets,NOBODY\n",
        encoding="utf-8",
    )
    audit_before = await AuditEntry.all().count()
    report = await import_records(
        actor=ADMIN,
        records=read_records(RecordKind.OBSERVATIONS, path),
        keep_valid=False,
        channel=ImportChannel.CLI_CSV,
        name=path.name,
    )
    assert not report.written
    assert await Observation.all().count() == 0
    failure = await ImportFailure.get()
    assert failure.channel is ImportChannel.CLI_CSV
    assert failure.name == "export.csv"
    assert failure.actor_label == ADMIN.label
    assert (failure.rows, failure.rejected_rows, failure.written) == (3, 2, False)
    assert [(p["place"], p["number"], p["field"]) for p in failure.problems] == [
        ("LINE", 3, "value"),
        ("LINE", 4, "employee_external_id"),
    ]
    # Only the failure's own audit row was added: the import's were rolled back.
    assert await AuditEntry.all().count() == audit_before + 1
    assert await AuditEntry.filter(action="record_import_failure").count() == 1


async def test_keeping_the_valid_rows_records_a_partly_refused_import(
    db: str, tmp_path: Path
) -> None:
    await build_organisation()
    path = tmp_path / "export.csv"
    path.write_text(
        "kpi_code,value,occurred_at,source,employee_external_id\n"
        "frt,12,2026-03-02T09:00:00Z,tickets,A1\n"
        "frt,twelve,2026-03-02T09:00:00Z,tickets,A1\n",
        encoding="utf-8",
    )
    await import_records(
        actor=ADMIN,
        records=read_records(RecordKind.OBSERVATIONS, path),
        keep_valid=True,
        channel=ImportChannel.ADMIN_CSV,
        name=path.name,
    )
    assert await Observation.all().count() == 1
    failure = await ImportFailure.get()
    assert failure.written
    assert failure.rejected_rows == 1


async def test_a_clean_import_records_no_failure(db: str, tmp_path: Path) -> None:
    await build_organisation()
    path = tmp_path / "export.csv"
    path.write_text(
        "kpi_code,value,occurred_at,source,employee_external_id\n"
        "frt,12,2026-03-02T09:00:00Z,tickets,A1\n",
        encoding="utf-8",
    )
    await import_records(
        actor=ADMIN,
        records=read_records(RecordKind.OBSERVATIONS, path),
        keep_valid=False,
        channel=ImportChannel.ADMIN_CSV,
    )
    assert await ImportFailure.all().count() == 0


async def test_a_refused_api_batch_is_recorded_and_writes_nothing(db: str) -> None:
    await build_organisation()
    batch = [
        FeedbackInput(
            rating="4",
            channel="EMAIL",
            occurred_at="2026-02-01T09:00:00+08:00",
            source="survey",
            employee_external_id="A1",
            external_id="x1",
        ),
        FeedbackInput(
            rating="5",
            channel="ONLINE_SURVEY",
            occurred_at="2026-02-01T09:00:00+08:00",
            source="survey",
            employee_external_id="A2",
            external_id="x2",
        ),
    ]

    async def send() -> None:
        report = await ingest_once(
            actor=ADMIN,
            kind="feedback",
            mode=IngestMode.ALL_OR_NOTHING.value,
            rows=batch,
            idempotency_key=None,
            ingest=lambda: record_feedback(
                actor=ADMIN, feedback=batch, mode=IngestMode.ALL_OR_NOTHING
            ),
        )
        assert len(report.rejected) == 1

    await send()
    assert await Observation.all().count() == 0
    failure = await ImportFailure.get()
    assert failure.channel is ImportChannel.API_BATCH
    assert (failure.rows, failure.rejected_rows, failure.written) == (2, 1, False)
    assert failure.problems[0]["place"] == "ROW"
    assert failure.problems[0]["number"] == 1
    assert failure.problems[0]["field"] == "channel"


async def test_freshness_finds_every_source_and_kpi_pair_as_a_full_scan_would(db: str) -> None:
    """The index walk (migration 0025) against the rule computed over every row: sources
    holding several KPIs, a voided last row, a pair of voided rows only and a pair of
    future rows only (neither is listed)."""
    await build_organisation()
    hour = timedelta(hours=1)
    await _rows("tickets", "frt", [NOW - 30 * hour, NOW - 2 * hour], "t-frt")
    await _rows("tickets", "complaints", [NOW - 5 * hour, NOW - 400 * hour], "t-complaints")
    await _rows("crm", "frt", [NOW - 3 * hour, NOW - hour], "c-frt")
    await _rows("crm", "complaints", [NOW - 3 * hour], "c-complaints")
    await _rows("later", "frt", [NOW + hour], "later")
    await _rows("aaa", "complaints", [NOW - 10 * hour], "voided-only")
    await Observation.filter(external_id__in=["c-frt-1", "voided-only-0"]).update(
        voided_at=NOW - hour
    )
    end = int(NOW.timestamp() * 1_000_000)
    day_ago, window = end - 86_400_000_000, end - 15 * 86_400_000_000
    expected: dict[tuple[str, int], tuple[int, int, int]] = {}
    for row in await Observation.filter(voided_at__isnull=True, occurred_at_us__lt=end):
        last, last_day, before = expected.get((row.source, row.kpi_id), (0, 0, 0))
        expected[row.source, row.kpi_id] = (
            max(last, row.occurred_at_us),
            last_day + (day_ago <= row.occurred_at_us),
            before + (window <= row.occurred_at_us < day_ago),
        )
    found = await data_freshness(get_connection("default"), now=NOW)
    assert {
        (f.source, f.kpi.id): (
            int(f.last_at.timestamp() * 1_000_000) if f.last_at else 0,
            f.last_day,
            int(f.usual_per_day * 14),
        )
        for f in found
    } == expected
    pairs = {(f.source, f.kpi.code) for f in found}
    assert {("crm", "frt"), ("crm", "complaints"), ("tickets", "frt")} <= pairs
    assert ("tickets", "complaints") in pairs
    assert not {"later", "aaa"} & {f.source for f in found}
    crm_frt = next(f for f in found if (f.source, f.kpi.code) == ("crm", "frt"))
    assert crm_frt.last_at is not None
    assert crm_frt.last_at.astimezone(UTC) == NOW - 3 * hour
