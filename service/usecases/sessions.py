"""Admin sessions, kept server-side (DESIGN.md: 2 h idle, 12 h at most).

The browser holds only a random id; the table keeps its SHA-256 and the session's
CSRF token. Every visitor gets an anonymous session first (so the sign-in form has a
synchronizer token too); signing in revokes it and starts a new one with a new id.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.transactions import in_transaction

from service.errors import Issue, ValidationFailed
from service.models import AdminSession, User
from service.settings import Settings
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.auth import actor_for, sign_in
from service.usecases.retries import retry_when_busy
from service.usecases.users import MIN_PASSWORD_LENGTH, password_hasher

IDLE_LIMIT = timedelta(hours=2)
ABSOLUTE_LIMIT = timedelta(hours=12)
# Writing last_seen_at on every request would cost a write per page view.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class LiveSession:
    session_id: int
    cookie: str  # the raw id, for the cookie; only its hash is stored
    csrf_token: str
    user: User | None

    @property
    def actor(self) -> Actor | None:
        return None if self.user is None else actor_for(self.user)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


async def _create(user: User | None) -> LiveSession:
    raw = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    row = await AdminSession.create(
        token_hash=_hash(raw),
        user_id=None if user is None else user.id,
        csrf_token=csrf,
        last_seen_at=datetime.now(UTC),
    )
    return LiveSession(row.id, raw, csrf, user)


@retry_when_busy
async def load_session(cookie: str | None) -> LiveSession:
    """The live session behind a cookie, or a new anonymous one."""
    now = datetime.now(UTC)
    if cookie:
        row = await AdminSession.get_or_none(token_hash=_hash(cookie)).prefetch_related("user")
        if (
            row is not None
            and row.revoked_at is None
            and now - row.last_seen_at < IDLE_LIMIT
            and now - row.created_at < ABSOLUTE_LIMIT
            and (row.user is None or row.user.is_active)
        ):
            if now - row.last_seen_at > TOUCH_EVERY:
                await AdminSession.filter(id=row.id).update(last_seen_at=now)
            return LiveSession(row.id, cookie, row.csrf_token, row.user)
    return await _create(None)


@retry_when_busy
async def sign_in_session(
    *, current: LiveSession, email: str, password: str, address: str, settings: Settings
) -> LiveSession:
    """Check the password (throttled like the API's login), then a new session id."""
    user = await sign_in(email=email, password=password, address=address, settings=settings)
    async with in_transaction():
        await AdminSession.filter(id=current.session_id).update(revoked_at=datetime.now(UTC))
        fresh = await _create(user)
    return fresh


@retry_when_busy
async def sign_out(session: LiveSession) -> None:
    await AdminSession.filter(id=session.session_id).update(revoked_at=datetime.now(UTC))


@retry_when_busy
async def change_password(
    *,
    actor: Actor,
    current_password: str,
    new_password: str,
    settings: Settings,
    keep_session_id: int,
) -> None:
    """Needs the current password; ends every other session of the account."""
    if actor.user_id is None:
        raise ValidationFailed([Issue("current", "sign in first", "REQUIRED")])
    user = await User.get(id=actor.user_id)
    hasher = password_hasher(settings)
    try:
        ok = user.password_hash is not None and hasher.verify(user.password_hash, current_password)
    except (VerificationError, InvalidHashError):
        ok = False
    issues = []
    if not ok:
        issues.append(Issue("current", "is not your current password", "WRONG_PASSWORD"))
    if len(new_password) < MIN_PASSWORD_LENGTH:
        issues.append(Issue("new", f"use at least {MIN_PASSWORD_LENGTH} characters", "TOO_SHORT"))
    if issues:
        raise ValidationFailed(issues)
    new_hash = hasher.hash(new_password)
    async with in_transaction() as conn:
        await User.filter(id=user.id).using_db(conn).update(password_hash=new_hash)
        await (
            AdminSession.filter(user_id=user.id, revoked_at__isnull=True)
            .exclude(id=keep_session_id)
            .using_db(conn)
            .update(revoked_at=datetime.now(UTC))
        )
        await write_audit(
            conn, actor=actor, action="change_password", entity="user", entity_key=user.email
        )
