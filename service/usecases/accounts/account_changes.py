"""Changing an account after it exists: its access level, and whether it may sign in.

Only an admin changes accounts, and never their own: an admin who demoted or
deactivated themselves could lock the organisation out of its own admin.
Deactivating ends the account's admin sessions and revokes its API tokens in the
same transaction, so nothing it holds keeps working; reactivating restores signing
in but not the tokens (issue new ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from service.errors import Issue, NotFound, PermissionDenied, ValidationFailed
from service.models import AccessLevel, AdminSession, ApiToken, User
from service.usecases.accounts.permissions import require_admin
from service.usecases.accounts.users import access_level, normalise_email
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.retries import retry_when_busy

# As in create_user: these levels belong to a person on the payroll.
_NEEDS_EMPLOYEE = (AccessLevel.MANAGER, AccessLevel.EMPLOYEE)


@dataclass(frozen=True, slots=True)
class AccountChange:
    user: User
    changed: bool  # False when the account already was as asked (nothing written)
    sessions_ended: int = 0
    tokens_revoked: int = 0


async def _locked_user(conn: BaseDBAsyncClient, email: str) -> User:
    address = normalise_email(email)
    user = await User.filter(email=address).using_db(conn).select_for_update().first()
    if user is None:
        raise NotFound("No account has the email {email}.", email=repr(address))
    return user


def _own_account(actor: Actor, user: User) -> bool:
    return actor.user_id is not None and actor.user_id == user.id


@retry_when_busy
async def set_user_access(*, actor: Actor, email: str, access: str) -> AccountChange:
    """Give an account another access level; takes effect on its next request."""
    require_admin(actor)
    issues: list[Issue] = []
    level = access_level(access, issues)
    if level is None:
        raise ValidationFailed(issues)
    async with in_transaction() as conn:
        user = await _locked_user(conn, email)
        if user.access is level:
            return AccountChange(user, changed=False)
        if _own_account(actor, user):
            raise PermissionDenied(
                "You cannot change the access level of your own account; ask another admin "
                "to do it."
            )
        if level in _NEEDS_EMPLOYEE and user.employee_id is None:
            raise ValidationFailed(
                [
                    Issue.of(
                        "access",
                        "an account with {level} access belongs to an employee and this one "
                        "has none; create a new account for the employee instead",
                        "NEEDS_EMPLOYEE",
                        level=level,
                    )
                ]
            )
        if level is AccessLevel.INTEGRATION and user.employee_id is not None:
            raise ValidationFailed(
                [
                    Issue(
                        "access",
                        "an INTEGRATION account is a system, not a person, and this account "
                        "belongs to an employee; create a separate account for the system",
                        "NOT_ALLOWED",
                    )
                ]
            )
        before = user.access.value
        user.access = level
        await user.save(using_db=conn, update_fields=["access", "updated_at"])
        await write_audit(
            conn,
            actor=actor,
            action="set_user_access",
            entity="user",
            entity_key=user.email,
            before={"access": before},
            after={"access": level.value},
        )
    return AccountChange(user, changed=True)


@retry_when_busy
async def set_user_active(*, actor: Actor, email: str, active: bool) -> AccountChange:
    """Deactivate (ending its sessions and tokens) or reactivate an account."""
    require_admin(actor)
    async with in_transaction() as conn:
        user = await _locked_user(conn, email)
        if user.is_active is active:
            return AccountChange(user, changed=False)
        if not active and _own_account(actor, user):
            raise PermissionDenied(
                "You cannot deactivate your own account; ask another admin to do it."
            )
        user.is_active = active
        await user.save(using_db=conn, update_fields=["is_active", "updated_at"])
        sessions_ended = tokens_revoked = 0
        if not active:
            now = datetime.now(UTC)
            sessions_ended = await (
                AdminSession.filter(user_id=user.id, revoked_at__isnull=True)
                .using_db(conn)
                .update(revoked_at=now)
            )
            tokens_revoked = await (
                ApiToken.filter(user_id=user.id, revoked_at__isnull=True)
                .using_db(conn)
                .update(revoked_at=now)
            )
        after: dict[str, object] = {"active": active}
        if not active:
            after |= {"sessions_ended": sessions_ended, "tokens_revoked": tokens_revoked}
        await write_audit(
            conn,
            actor=actor,
            action="activate_user" if active else "deactivate_user",
            entity="user",
            entity_key=user.email,
            before={"active": not active},
            after=after,
        )
    return AccountChange(
        user, changed=True, sessions_ended=sessions_ended, tokens_revoked=tokens_revoked
    )
