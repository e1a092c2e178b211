"""Safely retried bulk ingest: the same idempotency key with the same payload returns
the first report and writes nothing again; with another payload it is refused."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from typing import Any

from tortoise.transactions import in_transaction

from service.errors import Issue, Refusal, ValidationFailed
from service.models import ImportChannel, IngestRequest
from service.usecases.actor import Actor
from service.usecases.inputs import IngestReport, RowError
from service.usecases.retries import retry_when_busy
from service.usecases.scoring.import_failures import problems_of_rows, record_import_failure


class IdempotencyConflict(Refusal):
    code = "IDEMPOTENCY_CONFLICT"


def payload_hash(kind: str, mode: str, rows: Sequence[Any]) -> str:
    document = {"kind": kind, "mode": mode, "rows": [asdict(row) for row in rows]}
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _report_data(report: IngestReport) -> dict[str, Any]:
    return {
        "accepted": report.accepted,
        "duplicates": report.duplicates,
        "late": report.late,
        "rejected": [asdict(error) for error in report.rejected],
    }


def _report_from(data: dict[str, Any]) -> IngestReport:
    return IngestReport(
        accepted=data["accepted"],
        duplicates=data["duplicates"],
        late=data["late"],
        rejected=[RowError(**error) for error in data["rejected"]],
    )


async def ingest_once(
    *,
    actor: Actor,
    kind: str,
    mode: str,
    rows: Sequence[Any],
    idempotency_key: str | None,
    ingest: Callable[[], Awaitable[IngestReport]],
) -> IngestReport:
    """Run `ingest` at most once per (user, key), in one transaction with its record.

    A batch with rejected rows (the API's refused batches) is recorded as a failed
    import once its own transaction has ended; a replayed key's report is not recorded
    again."""
    report, fresh = await _ingest_once(
        actor=actor,
        kind=kind,
        mode=mode,
        rows=rows,
        idempotency_key=idempotency_key,
        ingest=ingest,
    )
    if fresh and report.rejected:
        await record_import_failure(
            actor=actor,
            channel=ImportChannel.API_BATCH,
            kind=kind,
            name=(idempotency_key or "").strip(),
            rows=len(rows),
            rejected_rows=len({error.index for error in report.rejected}),
            written=mode == "KEEP_VALID" and report.accepted + report.duplicates > 0,
            problems=problems_of_rows(report.rejected),
        )
    return report


@retry_when_busy
async def _ingest_once(
    *,
    actor: Actor,
    kind: str,
    mode: str,
    rows: Sequence[Any],
    idempotency_key: str | None,
    ingest: Callable[[], Awaitable[IngestReport]],
) -> tuple[IngestReport, bool]:
    if idempotency_key is None:
        return await ingest(), True
    key = idempotency_key.strip()
    if not key or len(key) > 128:
        raise ValidationFailed(
            [Issue("idempotencyKey", "give 1 to 128 characters, e.g. a UUID per batch", "INVALID")]
        )
    if actor.user_id is None:
        raise ValidationFailed([Issue("idempotencyKey", "needs a signed-in caller", "INVALID")])
    digest = payload_hash(kind, mode, rows)
    # Two requests with one key race to insert its record: the loser's unique violation
    # runs it again (retry_when_busy), and then it finds the winner's report here.
    async with in_transaction():
        previous = await IngestRequest.get_or_none(user_id=actor.user_id, idempotency_key=key)
        if previous is not None:
            return _checked(previous, kind, digest), False
        report = await ingest()
        await IngestRequest.create(
            user_id=actor.user_id,
            idempotency_key=key,
            kind=kind,
            payload_hash=digest,
            report=_report_data(report),
        )
        return report, True


def _checked(previous: IngestRequest, kind: str, digest: str) -> IngestReport:
    if previous.kind != kind or previous.payload_hash != digest:
        raise IdempotencyConflict(
            "This idempotency key was already used for a different payload; use a new key "
            "for a new batch."
        )
    return _report_from(previous.report)
