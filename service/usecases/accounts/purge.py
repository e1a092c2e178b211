"""Deleting records past their lifetime: ended admin sessions, old sign-in attempts and
old idempotency records. Run by `fairscore purge` and at every start-up.

Nothing here is business data and no decision reads these rows any more (a session past
its limits is refused, a failure older than a day no longer counts), so purging writes
no audit row. An idempotency key is remembered for IDEMPOTENCY_KEPT; a batch retried
after that runs again, and rows carrying external ids still come back as duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from service.models import AdminSession, IngestRequest, SignInAttempt
from service.usecases.accounts.auth import ATTEMPTS_KEPT
from service.usecases.accounts.sessions import ABSOLUTE_LIMIT, IDLE_LIMIT

IDEMPOTENCY_KEPT = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class PurgeReport:
    sessions: int
    sign_in_attempts: int
    idempotency_records: int


async def purge_expired(*, now: datetime | None = None) -> PurgeReport:
    now = now or datetime.now(UTC)
    async with in_transaction() as conn:
        sessions = await (
            AdminSession.filter(
                Q(revoked_at__isnull=False)
                | Q(user_id__isnull=True)  # anonymous sessions of older versions
                | Q(last_seen_at__lt=now - IDLE_LIMIT)
                | Q(created_at__lt=now - ABSOLUTE_LIMIT)
            )
            .using_db(conn)
            .delete()
        )
        attempts = await SignInAttempt.filter(at__lt=now - ATTEMPTS_KEPT).using_db(conn).delete()
        records = await (
            IngestRequest.filter(created_at__lt=now - IDEMPOTENCY_KEPT).using_db(conn).delete()
        )
    return PurgeReport(sessions, attempts, records)
