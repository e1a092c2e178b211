"""Signing in, bearer tokens and their throttling (DESIGN.md, Access and defaults).

Failed sign-ins are counted in the database, so every process agrees: after 5
failures in a row an account waits before the next try (1 minute, doubling up to 15),
and an address is refused after 50 failures in 15 minutes. The GraphQL `login` and
the admin's sign-in share these counters. Failures count for a day at most.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from service.errors import Issue, NotFound, PermissionDenied, Refusal, ValidationFailed
from service.models import AccessLevel, ApiToken, Employee, SignInAttempt, User
from service.settings import Settings
from service.sql import columns_of, execute, fetch_all, field_value, is_postgres, model_of
from service.usecases.accounts.users import hash_password, normalise_email, verify_password
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.parsing import too_long
from service.usecases.retries import is_transient, retry_when_busy

ACCOUNT_FREE_FAILURES = 5
ACCOUNT_FIRST_WAIT = timedelta(minutes=1)
ACCOUNT_MAX_WAIT = timedelta(minutes=15)
ADDRESS_MAX_FAILURES = 50
ADDRESS_WINDOW = timedelta(minutes=15)
# Failures older than this no longer count against an account (and are purged), so
# purging them never changes a decision.
ATTEMPTS_KEPT = timedelta(days=1)
MAX_EMAIL_LENGTH = 254  # User.email's column
DEFAULT_TOKEN_DAYS = 30
MAX_TOKEN_DAYS = 365


_dummy_hashes: dict[tuple[int, int, int], str] = {}


async def _dummy_hash(settings: Settings) -> str:
    """Verified against when the email is unknown, so both cases take the same time."""
    key = (settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = await hash_password(settings, secrets.token_hex(16))
    return _dummy_hashes[key]


class SignInRefused(Refusal):
    """Wrong email or password, or an inactive account: one message for all three."""

    code = "SIGN_IN_REFUSED"


class SignInThrottled(Refusal):
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
    return _user_actor(user.email, user.access, user.id, user.employee_id)


def _user_actor(
    email: str,
    access: AccessLevel,
    user_id: int,
    employee_id: int | None,
    *,
    token_id: int | None = None,
    source: str | None = None,
) -> Actor:
    """Who a user acts as (named by their email), from a User or from a token's row."""
    return Actor(
        label=email,
        access=access,
        user_id=user_id,
        employee_id=employee_id,
        token_id=token_id,
        source=source,
    )


def _lock_key(kind: str, value: str) -> int:
    digest = hashlib.sha256(f"{kind}:{value}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def _serialise_counters(conn: BaseDBAsyncClient, email: str, address: str) -> None:
    """Makes deciding and counting one step per account and per address.

    PostgreSQL: two transactions could each count 4 failures and both answer, so each
    takes the account's and then the address's advisory lock (always in this order: no
    deadlock) until it commits. SQLite has one writer, and its write transactions begin
    IMMEDIATE (service/sqlite_client.py): the lock is held from the count to the commit.
    """
    if is_postgres(conn):
        await execute(conn, "SELECT pg_advisory_xact_lock(?)", [_lock_key("account", email)])
        await execute(conn, "SELECT pg_advisory_xact_lock(?)", [_lock_key("address", address)])


async def _throttle(conn: BaseDBAsyncClient, email: str, address: str, now: datetime) -> None:
    """Raises SignInThrottled when the address or the account has failed too often."""
    attempts = SignInAttempt.filter(at__gte=now - ATTEMPTS_KEPT)
    recent = await (
        attempts.filter(address=address, succeeded=False, at__gte=now - ADDRESS_WINDOW)
        .using_db(conn)
        .count()
    )
    if recent >= ADDRESS_MAX_FAILURES:
        raise SignInThrottled(
            "Too many failed sign-ins from your address; try again in 15 minutes.",
            int(ADDRESS_WINDOW.total_seconds()),
        )
    last_success = (
        await attempts.filter(email=email, succeeded=True).using_db(conn).order_by("-id").first()
    )
    failures = attempts.filter(email=email, succeeded=False)
    if last_success is not None:
        failures = failures.filter(id__gt=last_success.id)
    count = await failures.using_db(conn).count()
    if count < ACCOUNT_FREE_FAILURES:
        return
    latest = await failures.using_db(conn).order_by("-id").first()
    assert latest is not None
    wait = min(ACCOUNT_FIRST_WAIT * 2 ** (count - ACCOUNT_FREE_FAILURES), ACCOUNT_MAX_WAIT)
    opens_at = latest.at + wait
    if opens_at > now:
        seconds = int((opens_at - now).total_seconds()) + 1
        raise SignInThrottled(
            f"Too many failed sign-ins for this account; try again in {seconds} seconds.",
            seconds,
        )


async def _answer(email: str, address: str, succeeded: bool) -> None:
    """Decides whether this attempt may be answered, and records it, in one step.

    The password is checked before (off the event loop, without a transaction held
    open); its outcome is only told when the counters allow it. So 150 wrong passwords
    sent at once get 5 answers and 145 refusals, however they interleave, and nothing is
    learnt from the refused ones, while right passwords sent at once all succeed: only
    answered failures count against an account.
    """
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        await _serialise_counters(conn, email, address)
        await _throttle(conn, email, address, now)
        await SignInAttempt.create(using_db=conn, email=email, address=address, succeeded=succeeded)


async def sign_in(*, email: str, password: str, address: str, settings: Settings) -> User:
    """Check a password, counting the attempt; raises SignInRefused or SignInThrottled."""
    address_key = address[:64] or "unknown"
    login = normalise_email(email)
    # No account has an email longer than the column or with NUL in it: such a try is a
    # wrong sign-in like any other (counted for the address, under one shared name),
    # never a database error that echoes the value.
    possible = 0 < len(login) <= MAX_EMAIL_LENGTH and "\x00" not in login
    email_key = login if possible else ""
    # A throttled account or address is refused before any hashing (a cheap early no);
    # the decision that counts is taken again, atomically, in _answer.
    await _throttle(get_connection("default"), email_key, address_key, datetime.now(UTC))
    user = await User.get_or_none(email=login) if possible else None
    stored = user.password_hash if user and user.password_hash else await _dummy_hash(settings)
    ok = await verify_password(settings, stored, password)
    succeeded = ok and user is not None and user.is_active and user.password_hash is not None
    await _answer(email_key, address_key, succeeded)
    if not succeeded or user is None:
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
        issues.append(Issue.of("expires", "give 1 to {most} days", "RANGE", most=MAX_TOKEN_DAYS))
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
        raise NotFound(
            "No user has the email {email}; create it with `fairscore user create`.",
            email=repr(email),
        )
    if not user.is_active:
        raise ValidationFailed([Issue("user", "the account is deactivated", "INACTIVE")])
    return await issue_token(actor=actor, user=user, name=name or "cli", days=days, source=source)


class TokenRefused(Refusal):
    """A bearer token that signs nobody in; `code` says why, for the client to branch on
    (whoever sends the token holds it, so saying it expired tells them nothing new)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


async def authenticate(token: str) -> Actor | None:
    """The actor behind a bearer token, or None when it is unknown, expired or revoked."""
    try:
        return await actor_of_token(token)
    except TokenRefused:
        return None


# What the token rule reads of the token and its user: not whole rows. Their other
# columns (the password hash, three timestamps the rule never looks at) cost a parse
# each on every request signed in by a token.
_TOKEN_COLUMNS = (
    (ApiToken, "t", "id"),
    (ApiToken, "t", "expires_at"),
    (ApiToken, "t", "last_used_at"),
    (ApiToken, "t", "revoked_at"),
    (ApiToken, "t", "source"),
    (User, "u", "email"),
    (User, "u", "access"),
    (User, "u", "is_active"),
)


@cache
def _token_sql() -> str:
    """The token's and its user's columns the rule reads and the user's employee (if any)
    in one fixed statement (the user's columns prefixed `user__`, the employee's
    `employee__`)."""
    read = ", ".join(
        f"{alias}.{column} AS {'user__' if alias == 'u' else ''}{column}"
        for _model, alias, column in _TOKEN_COLUMNS
    )
    return (
        f"SELECT {read}, u.id AS user__id, u.employee_id AS user__employee_id, "
        f"{columns_of(Employee, 'e', 'employee__')} "
        "FROM api_token t JOIN app_user u ON u.id = t.user_id "
        "LEFT JOIN employee e ON e.id = u.employee_id WHERE t.token_hash = ?"
    )


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The actor behind a bearer token, with the row of its employee as the token's own
    statement read it (``"My score"`` asks for it on every request)."""

    actor: Actor
    row: Mapping[str, object]

    def employee(self) -> Employee | None:
        """The actor's employee; None for an account that is no employee. Built when
        asked, not with the actor: most requests signed in by a token never ask."""
        if self.row["employee__id"] is None:
            return None
        employee: Employee = model_of(Employee, self.row, "employee__")
        return employee


async def actor_of_token(token: str) -> Actor:
    """The actor behind a bearer token; TokenRefused says why there is none."""
    return (await sign_in_by_token(token)).actor


async def sign_in_by_token(token: str) -> SignedIn:
    """The actor behind a bearer token and its employee's row; TokenRefused says why
    there is none.

    Every request signed in by a token runs this: one fixed statement instead of a query
    composed by the ORM each time, reading only the columns the rule needs, each
    converted as the ORM converts it (`field_value`: the same values and types as the
    instances' attributes)."""
    rows = await fetch_all(get_connection("default"), _token_sql(), [hash_token(token)])
    now = datetime.now(UTC)
    if not rows:
        raise TokenRefused(
            "UNAUTHENTICATED",
            "The token is unknown; sign in again with the `login` mutation.",
        )
    row = rows[0]
    if row["revoked_at"] is not None:
        raise TokenRefused(
            "TOKEN_REVOKED",
            "The token was revoked; sign in again with the `login` mutation.",
        )
    expires_at: datetime = field_value(ApiToken, "expires_at", row["expires_at"])
    if expires_at <= now:
        raise TokenRefused(
            "TOKEN_EXPIRED",
            "The token has expired; sign in again with the `login` mutation.",
        )
    if not field_value(User, "is_active", row["user__is_active"]):
        raise TokenRefused(
            "ACCOUNT_INACTIVE", "The token's account is no longer active; ask an admin."
        )
    token_id: int = field_value(ApiToken, "id", row["id"])
    last_used_at: datetime | None = field_value(ApiToken, "last_used_at", row["last_used_at"])
    # Written at most every few minutes: a write per request would cost every read.
    if last_used_at is None or now - last_used_at > timedelta(minutes=5):
        try:
            await ApiToken.filter(id=token_id).update(last_used_at=now)
        except OperationalError as error:
            # A hint for the token's owner: a busy database must not fail the read.
            if not is_transient(error):
                raise
    return SignedIn(
        actor=_user_actor(
            field_value(User, "email", row["user__email"]),
            field_value(User, "access", row["user__access"]),
            field_value(User, "id", row["user__id"]),
            field_value(User, "employee_id", row["user__employee_id"]),
            token_id=token_id,
            source=field_value(ApiToken, "source", row["source"]),
        ),
        row=row,
    )


async def token_expires_at(token: str) -> datetime | None:
    """When a bearer token stops signing in; None for an unknown token."""
    row = await ApiToken.get_or_none(token_hash=hash_token(token))
    return None if row is None else row.expires_at


@retry_when_busy
async def revoke_token(*, actor: Actor, token_id: int) -> ApiToken:
    async with in_transaction() as conn:
        row = await ApiToken.get_or_none(id=token_id, using_db=conn)
        if row is None or (not actor.is_admin and row.user_id != actor.user_id):
            raise NotFound("You have no token with the id {id}.", id=token_id)
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
