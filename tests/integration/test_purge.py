"""Expired sessions, old sign-in attempts and old idempotency records are purged, by the
use case and at every start of the app; live ones stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from asgi_lifespan import LifespanManager

from service.app import create_app
from service.models import AdminSession, IngestRequest, SignInAttempt, User
from service.settings import Settings
from service.usecases.accounts.purge import purge_expired
from service.usecases.accounts.users import create_user
from tests.conftest import active_database_url
from tests.integration.scenario import ADMIN

NOW = datetime.now(UTC)


async def _records() -> None:
    """One of each kind to keep and one of each kind to purge."""
    user = await create_user(
        actor=ADMIN,
        email="ops@example.com",
        access="ADMIN",
        password="correct horse battery",
        settings=Settings(database_url="", argon2_memory_kib=1024, argon2_time_cost=1),
    )
    sessions: dict[str, dict[str, object]] = {
        "live": {},
        "revoked": {"revoked_at": NOW},
        "idle": {"last_seen_at": NOW - timedelta(hours=3)},
        "too old": {"created_at": NOW - timedelta(hours=13)},
        "anonymous": {"user_id": None},
    }
    for name, changes in sessions.items():
        row = await AdminSession.create(
            token_hash=name, user_id=user.id, csrf_token="c", last_seen_at=NOW
        )
        await AdminSession.filter(id=row.id).update(**changes)
    for days in (0, 2):
        attempt = await SignInAttempt.create(
            email=f"{days}@x.io", address="1.2.3.4", succeeded=False
        )
        await SignInAttempt.filter(id=attempt.id).update(at=NOW - timedelta(days=days))
    for days in (1, 8):
        record = await IngestRequest.create(
            user_id=user.id, idempotency_key=f"k{days}", kind="observations", payload_hash="h",
            report={"accepted": 0, "duplicates": 0, "late": 0, "rejected": []},
        )  # fmt: skip
        await IngestRequest.filter(id=record.id).update(created_at=NOW - timedelta(days=days))


async def _kept() -> tuple[list[str], list[str], list[str]]:
    return (
        [row.token_hash for row in await AdminSession.all()],
        [row.email for row in await SignInAttempt.all()],
        [row.idempotency_key for row in await IngestRequest.all()],
    )


async def test_purging_deletes_what_expired_and_keeps_what_lives(db: str) -> None:
    await _records()
    report = await purge_expired()
    assert (report.sessions, report.sign_in_attempts, report.idempotency_records) == (4, 1, 1)
    assert await _kept() == (["live"], ["0@x.io"], ["k1"])
    assert await User.filter(email="ops@example.com").exists()
    again = await purge_expired()
    assert (again.sessions, again.sign_in_attempts, again.idempotency_records) == (0, 0, 0)


async def test_the_app_purges_when_it_starts(db: str, own_orm: None) -> None:
    await _records()
    app = create_app(Settings(database_url=active_database_url()))
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://test"
        ) as client,
    ):
        assert (await client.get("/healthz")).status_code == 200
        assert await _kept() == (["live"], ["0@x.io"], ["k1"])
