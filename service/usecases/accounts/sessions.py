"""Admin sessions, kept server-side (DESIGN.md: 2 h idle, 12 h at most).

The browser holds only a random id; the table keeps its SHA-256 and the session's
CSRF token. A visitor who has not signed in has no row at all: anonymous page views
(crawlers, scanners, anyone) write nothing. Signing in starts a new session with a new
id; signing out revokes it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from service.errors import Issue, ValidationFailed
from service.models import AdminSession, ApiToken, User
from service.settings import Settings
from service.usecases.accounts.auth import actor_for, sign_in
from service.usecases.accounts.users import MIN_PASSWORD_LENGTH, hash_password, verify_password
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.retries import retry_when_busy

IDLE_LIMIT = timedelta(hours=2)
ABSOLUTE_LIMIT = timedelta(hours=12)
# Writing last_seen_at on every request would cost a write per page view.
TOUCH_EVERY = timedelta(minutes=1)
# Marks an anonymous visitor's cookie; a session id (token_urlsafe) never contains a dot.
ANONYMOUS_PREFIX = "anon."


@dataclass(frozen=True, slots=True)
class LiveSession:
    session_id: int | None  # None for an anonymous visitor, who has no row
    cookie: str  # the raw value for the cookie; only a session id's hash is stored
    csrf_token: str
    user: User | None

    @property
    def actor(self) -> Actor | None:
        return None if self.user is None else actor_for(self.user)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def anonymous_session(cookie: str | None, *, settings: Settings) -> LiveSession:
    """A visitor who has not signed in, with a CSRF token and no database row.

    The sign-in form (and the language switch) still needs a CSRF token, so it is a
    signed double-submit token: the cookie holds a random value, the form an HMAC of it
    under the secret key. That is as sound as a token kept in a row: a page on another
    site can read neither the cookie (HttpOnly, SameSite=Lax) nor our page, so it cannot
    learn the pair, and without the secret key it cannot make a token for a value of
    its own choosing. Signing in replaces the value with a new session id, so a value
    planted in a browser before sign-in is worth nothing after it.
    """
    nonce = cookie or ""
    if not (nonce.startswith(ANONYMOUS_PREFIX) and 32 <= len(nonce) <= 96):
        nonce = ANONYMOUS_PREFIX + secrets.token_urlsafe(32)
    csrf = hmac.new(
        settings.secret_key.encode("utf-8"),
        b"admin sign-in csrf:" + nonce.encode("utf-8"),
        hashlib.sha256,
    ).hexdigest()
    return LiveSession(None, nonce, csrf, None)


async def _create(user: User) -> LiveSession:
    raw = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    row = await AdminSession.create(
        token_hash=_hash(raw),
        user_id=user.id,
        csrf_token=csrf,
        last_seen_at=datetime.now(UTC),
    )
    return LiveSession(row.id, raw, csrf, user)


def _is_live(row: AdminSession, now: datetime) -> bool:
    return (
        row.revoked_at is None
        and now - row.last_seen_at < IDLE_LIMIT
        and now - row.created_at < ABSOLUTE_LIMIT
    )


@retry_when_busy
async def load_session(cookie: str | None, *, settings: Settings) -> LiveSession:
    """The signed-in session behind a cookie, or an anonymous one (nothing written)."""
    now = datetime.now(UTC)
    if cookie and not cookie.startswith(ANONYMOUS_PREFIX):
        row = await AdminSession.get_or_none(token_hash=_hash(cookie)).prefetch_related("user")
        # A row without a user signs nobody in (anonymous visitors no longer get rows;
        # `fairscore purge` removes the ones left).
        if row is not None and row.user is not None and row.user.is_active and _is_live(row, now):
            if now - row.last_seen_at > TOUCH_EVERY:
                await AdminSession.filter(id=row.id).update(last_seen_at=now)
            return LiveSession(row.id, cookie, row.csrf_token, row.user)
    return anonymous_session(cookie, settings=settings)


@retry_when_busy
async def sign_in_session(
    *, current: LiveSession, email: str, password: str, address: str, settings: Settings
) -> LiveSession:
    """Check the password (throttled like the API's login), then a new session id."""
    user = await sign_in(email=email, password=password, address=address, settings=settings)
    async with in_transaction():
        if current.session_id is not None:
            await AdminSession.filter(id=current.session_id).update(revoked_at=datetime.now(UTC))
        fresh = await _create(user)
    return fresh


@retry_when_busy
async def sign_out(session: LiveSession, *, settings: Settings) -> LiveSession:
    """Ends the session; the visitor continues as an anonymous one."""
    if session.session_id is not None:
        await AdminSession.filter(id=session.session_id).update(revoked_at=datetime.now(UTC))
    return anonymous_session(None, settings=settings)


@retry_when_busy
async def change_password(
    *,
    actor: Actor,
    current_password: str,
    new_password: str,
    settings: Settings,
    keep_session_id: int | None,
) -> None:
    """Needs the current password; ends every other session and every API token of the
    account, since whoever held the old password may have made either."""
    if actor.user_id is None:
        raise ValidationFailed([Issue("current", "sign in first", "REQUIRED")])
    user = await User.get(id=actor.user_id)
    ok = user.password_hash is not None and await verify_password(
        settings, user.password_hash, current_password
    )
    issues = []
    if not ok:
        issues.append(Issue("current", "is not your current password", "WRONG_PASSWORD"))
    if len(new_password) < MIN_PASSWORD_LENGTH:
        issues.append(
            Issue.of(
                "new", "use at least {least} characters", "TOO_SHORT", least=MIN_PASSWORD_LENGTH
            )
        )
    if issues:
        raise ValidationFailed(issues)
    new_hash = await hash_password(settings, new_password)
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        await User.filter(id=user.id).using_db(conn).update(password_hash=new_hash)
        sessions = AdminSession.filter(user_id=user.id, revoked_at__isnull=True)
        if keep_session_id is not None:
            sessions = sessions.exclude(id=keep_session_id)
        sessions_ended = await sessions.using_db(conn).update(revoked_at=now)
        tokens_revoked = await (
            ApiToken.filter(user_id=user.id, revoked_at__isnull=True)
            .using_db(conn)
            .update(revoked_at=now)
        )
        await write_audit(
            conn,
            actor=actor,
            action="change_password",
            entity="user",
            entity_key=user.email,
            after={"sessions_ended": sessions_ended, "tokens_revoked": tokens_revoked},
        )
