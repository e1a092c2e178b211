"""Sign-in accounts: created by an admin, passwords kept only as Argon2id hashes."""

from __future__ import annotations

import asyncio
import os
import weakref

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from service.errors import Issue, ValidationFailed
from service.models import AccessLevel, Employee, User
from service.settings import Settings
from service.usecases.accounts.permissions import require_admin
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.retries import retry_when_busy

MIN_PASSWORD_LENGTH = 8
# Access levels that only make sense for a person on the payroll: a manager manages the
# teams their employee leads, an employee sees their own employee's score.
_NEEDS_EMPLOYEE = (AccessLevel.MANAGER, AccessLevel.EMPLOYEE)


def password_hasher(settings: Settings) -> PasswordHasher:
    """Argon2id (argon2-cffi's default type) with the cost the settings ask for."""
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )


# Argon2 is slow and memory-hard by design: run on the event loop, each hash would stall
# every other request of the process (200 sign-ins at once froze /healthz). It runs in
# worker threads instead (argon2-cffi releases the GIL), at most one per CPU at a time so
# that a burst of sign-ins queues rather than holding 19 MiB per waiting thread.
_HASHING_SLOTS = max(1, os.cpu_count() or 1)
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _hashing_limiter() -> anyio.CapacityLimiter:
    # One per event loop: a limiter's waiters belong to the loop that made them.
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(_HASHING_SLOTS)
    return limiter


async def hash_password(settings: Settings, password: str) -> str:
    hasher = password_hasher(settings)
    return await anyio.to_thread.run_sync(hasher.hash, password, limiter=_hashing_limiter())


async def verify_password(settings: Settings, stored_hash: str, password: str) -> bool:
    """True when the password matches; a malformed stored hash is a mismatch."""
    hasher = password_hasher(settings)

    def verify() -> bool:
        try:
            return hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(verify, limiter=_hashing_limiter())


def access_level(access: str, issues: list[Issue]) -> AccessLevel | None:
    """The access level named, or None with the issue on `access` added to `issues`."""
    try:
        return AccessLevel(access)
    except ValueError:
        issues.append(
            Issue.of(
                "access",
                "{value} is not one of {allowed}",
                "INVALID_CHOICE",
                value=repr(access),
                allowed=", ".join(member.value for member in AccessLevel),
            )
        )
        return None


def normalise_email(email: str) -> str:
    # Sign-in compares addresses case-insensitively, so they are stored lower-case.
    return email.strip().lower()


@retry_when_busy
async def create_user(
    *,
    actor: Actor,
    email: str,
    access: str,
    password: str,
    settings: Settings,
    employee_external_id: str | None = None,
) -> User:
    """Create an account; a taken email or an employee who already has one is refused."""
    require_admin(actor)
    address = normalise_email(email)
    issues: list[Issue] = []
    local, _at, domain = address.partition("@")
    if not local or "." not in domain or any(ch.isspace() for ch in address):
        issues.append(
            Issue.of(
                "email",
                "{email} is not an email address; write it like ana@example.com",
                "INVALID_EMAIL",
                email=repr(email),
            )
        )
    level = access_level(access, issues)
    if len(password) < MIN_PASSWORD_LENGTH:
        issues.append(
            Issue.of(
                "password",
                "is too short; use at least {least} characters",
                "TOO_SHORT",
                least=MIN_PASSWORD_LENGTH,
            )
        )
    if level in _NEEDS_EMPLOYEE and not employee_external_id:
        issues.append(
            Issue.of(
                "employee",
                "an account with {level} access belongs to an employee; name them with their "
                "external id",
                "REQUIRED",
                level=level,
            )
        )
    if level is AccessLevel.INTEGRATION and employee_external_id:
        issues.append(
            Issue(
                "employee",
                "an INTEGRATION account is a system, not a person; leave the employee out",
                "NOT_ALLOWED",
            )
        )
    if issues:
        raise ValidationFailed(issues)
    assert level is not None
    # Hashing is deliberately slow: do it before taking the transaction.
    password_hash = await hash_password(settings, password)
    async with in_transaction() as conn:
        if await User.filter(email=address).using_db(conn).exists():
            raise ValidationFailed(
                [
                    Issue.of(
                        "email",
                        "{email} already has an account; choose another address",
                        "DUPLICATE",
                        email=address,
                    )
                ]
            )
        employee: Employee | None = None
        if employee_external_id:
            employee = await Employee.get_or_none(external_id=employee_external_id, using_db=conn)
            if employee is None:
                raise ValidationFailed(
                    [
                        Issue.of(
                            "employee",
                            "no employee has the external id {id}; create the employee first",
                            "UNKNOWN_EMPLOYEE",
                            id=repr(employee_external_id),
                        )
                    ]
                )
            holder = await User.filter(employee_id=employee.id).using_db(conn).first()
            if holder is not None:
                raise ValidationFailed(
                    [
                        Issue.of(
                            "employee",
                            "{employee} already signs in as {email}; one person has one account",
                            "DUPLICATE",
                            employee=employee_external_id,
                            email=holder.email,
                        )
                    ]
                )
        try:
            user = await User.create(
                using_db=conn,
                email=address,
                access=level,
                password_hash=password_hash,
                employee_id=employee.id if employee else None,
            )
        except IntegrityError:
            # Someone created the same address between our check and the insert.
            raise ValidationFailed(
                [
                    Issue.of(
                        "email",
                        "{email} already has an account; choose another address",
                        "DUPLICATE",
                        email=address,
                    )
                ]
            ) from None
        await write_audit(
            conn,
            actor=actor,
            action="create_user",
            entity="user",
            entity_key=address,
            after={
                "email": address,
                "access": level.value,
                "employee": employee.external_id if employee else None,
            },
        )
    return user
