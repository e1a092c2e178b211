"""Signing in, bearer tokens and their throttling (DESIGN.md, Access and defaults).

Failed sign-ins are counted in the database, so every process agrees: after 5
failures in a row an account waits before the next try (1 minute, doubling up to 15),
and an address is refused after 50 failures in 15 minutes. The GraphQL `login` and
the admin's sign-in share these counters.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from service.errors import DomainError, Issue, NotFound, PermissionDenied, ValidationFailed
from service.models import AccessLevel, ApiToken, SignInAttempt, User
from service.settings import Settings
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.parsing import too_long
from service.usecases.retries import is_transient, retry_when_busy
from service.usecases.users import normalise_email, password_hasher

ACCOUNT_FREE_FAILURES = 5
ACCOUNT_FIRST_WAIT = timedelta(minutes=1)
ACCOUNT_MAX_WAIT = timedelta(minutes=15)
ADDRESS_MAX_FAILURES = 50
ADDRESS_WINDOW = timedelta(minutes=15)
DEFAULT_TOKEN_DAYS = 30
MAX_TOKEN_DAYS = 365


@lru_cache(maxsize=4)
def _dummy_hash(memory_kib: int, time_cost: int, parallelism: int) -> str:
    """Verified against when the email is unknown, so both cases take the same time."""
    settings = Settings(
        database_url="",
        argon2_memory_kib=memory_kib,
        argon2_time_cost=time_cost,
        argon2_parallelism=parallelism,
    )
    return password_hasher(settings).hash(secrets.token_hex(16))


class SignInRefused(DomainError):
    """Wrong email or password, or an inactive account: one message for all three."""

    code = "SIGN_IN_REFUSED"


class SignInThrottled(DomainError):
    code = "SIGN_IN_THROTTLED"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str  # shown once; only its hash is stored
    token_id: int
    expires_at: datetime


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def actor_for(user: User) -> Actor:
    return Actor(
        label=user.email, access=user.access, user_id=user.id, employee_id=user.employee_id
    )


async def _throttle(email: str, address: str, now: datetime) -> None:
    recent = await SignInAttempt.filter(
        address=address, succeeded=False, at__gte=now - ADDRESS_WINDOW
    ).count()
    if recent >= ADDRESS_MAX_FAILURES:
        raise SignInThrottled(
            "Too many failed sign-ins from your address; try again in 15 minutes.",
            int(ADDRESS_WINDOW.total_seconds()),
        )
    last_success = await SignInAttempt.filter(email=email, succeeded=True).order_by("-at").first()
    failures = SignInAttempt.filter(email=email, succeeded=False)
    if last_success is not None:
        failures = failures.filter(at__gt=last_success.at)
    count = await failures.count()
    if count < ACCOUNT_FREE_FAILURES:
        return
    latest = await failures.order_by("-at").first()
    assert latest is not None
    wait = min(ACCOUNT_FIRST_WAIT * 2 ** (count - ACCOUNT_FREE_FAILURES), ACCOUNT_MAX_WAIT)
    opens_at = latest.at + wait
    if opens_at > now:
        seconds = int((opens_at - now).total_seconds()) + 1
        raise SignInThrottled(
            f"Too many failed sign-ins for this account; try again in {seconds} seconds.",
            seconds,
        )


async def sign_in(*, email: str, password: str, address: str, settings: Settings) -> User:
    """Check a password, counting the attempt; raises SignInRefused or SignInThrottled."""
    address_key = address[:64] or "unknown"
    login = normalise_email(email)
    now = datetime.now(UTC)
    await _throttle(login, address_key, now)
    user = await User.get_or_none(email=login)
    hasher = password_hasher(settings)
    ok = False
    try:
        stored = (
            user.password_hash
            if user and user.password_hash
            else _dummy_hash(
                settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism
            )
        )
        ok = hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        ok = False
    ok = ok and user is not None and user.is_active and user.password_hash is not None
    await SignInAttempt.create(email=login, address=address_key, succeeded=ok)
    if not ok or user is None:
        raise SignInRefused("Wrong email or password, or the account is deactivated.")
    return user


def _source_issues(user: User, source: str | None) -> list[Issue]:
    if source is None:
        return []
    if user.access is not AccessLevel.INTEGRATION:
        return [
            Issue(
                "source",
                "only an INTEGRATION account's token is bound to a source",
                "NOT_INTEGRATION",
            )
        ]
    if not source:
        return [Issue("source", "name the system, e.g. survey-tool, or leave it out", "REQUIRED")]
    return too_long(ApiToken, {"source": source})


@retry_when_busy
async def issue_token(
    *,
    actor: Actor,
    user: User,
    name: str = "",
    days: int = DEFAULT_TOKEN_DAYS,
    source: str | None = None,
) -> IssuedToken:
    """`source` binds an INTEGRATION token to the rows of one source (ingest refuses
    the others as row errors)."""
    source = None if source is None else source.strip()
    issues = _source_issues(user, source)
    if not 1 <= days <= MAX_TOKEN_DAYS:
        issues.append(Issue("expires", f"give 1 to {MAX_TOKEN_DAYS} days", "RANGE"))
    if issues:
        raise ValidationFailed(issues)
    token = "fs_" + secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + timedelta(days=days)
    async with in_transaction() as conn:
        row = await ApiToken.create(
            using_db=conn,
            user_id=user.id,
            token_hash=hash_token(token),
            name=name,
            expires_at=expires_at,
            source=source,
        )
        await write_audit(
            conn,
            actor=actor,
            action="issue_token",
            entity="api_token",
            entity_key=str(row.id),
            after={
                "user": user.email,
                "name": name,
                "expires_at": expires_at.isoformat(),
                "source": source,
            },
        )
    return IssuedToken(token, row.id, expires_at)


@retry_when_busy
async def login(*, email: str, password: str, address: str, settings: Settings) -> IssuedToken:
    user = await sign_in(email=email, password=password, address=address, settings=settings)
    return await issue_token(actor=actor_for(user), user=user, name="login")


async def create_token_for(
    *,
    actor: Actor,
    email: str,
    days: int = DEFAULT_TOKEN_DAYS,
    name: str = "",
    source: str | None = None,
) -> IssuedToken:
    """An admin issues a token, e.g. for an integration (`fairscore token create`)."""
    if not actor.is_admin:
        raise PermissionDenied("Only an admin issues tokens for other accounts.")
    user = await User.get_or_none(email=normalise_email(email))
    if user is None:
        raise NotFound(f"No user has the email {email!r}; create it with `fairscore user create`.")
    if not user.is_active:
        raise ValidationFailed([Issue("user", "the account is deactivated", "INACTIVE")])
    return await issue_token(actor=actor, user=user, name=name or "cli", days=days, source=source)


async def authenticate(token: str) -> Actor | None:
    """The actor behind a bearer token, or None when it is unknown, expired or revoked."""
    row = await ApiToken.get_or_none(token_hash=hash_token(token)).select_related("user")
    now = datetime.now(UTC)
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user: User = row.user
    if not user.is_active:
        return None
    # Written at most every few minutes: a write per request would cost every read.
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        try:
            await ApiToken.filter(id=row.id).update(last_used_at=now)
        except OperationalError as error:
            # A hint for the token's owner: a busy database must not fail the read.
            if not is_transient(error):
                raise
    actor = actor_for(user)
    return Actor(
        label=actor.label,
        access=actor.access,
        user_id=actor.user_id,
        employee_id=actor.employee_id,
        token_id=row.id,
        source=row.source,
    )


@retry_when_busy
async def revoke_token(*, actor: Actor, token_id: int) -> ApiToken:
    async with in_transaction() as conn:
        row = await ApiToken.get_or_none(id=token_id, using_db=conn)
        if row is None or (not actor.is_admin and row.user_id != actor.user_id):
            raise NotFound(f"You have no token with the id {token_id}.")
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            await row.save(using_db=conn)
            await write_audit(
                conn,
                actor=actor,
                action="revoke_token",
                entity="api_token",
                entity_key=str(token_id),
            )
        return row


async def tokens_of(*, actor: Actor, user_id: int | None = None) -> list[ApiToken]:
    """A user's own tokens; an admin may list anyone's (or everyone's with no user)."""
    query = ApiToken.all().order_by("-created_at")
    if not actor.is_admin:
        query = query.filter(user_id=actor.user_id)
    elif user_id is not None:
        query = query.filter(user_id=user_id)
    return list(await query)
