"""Changing accounts: access levels and deactivation, audited, never on oneself."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service.errors import NotFound, PermissionDenied, ValidationFailed
from service.models import AccessLevel, AdminSession, ApiToken, AuditEntry, User
from service.settings import Settings
from service.usecases.accounts.account_changes import set_user_access, set_user_active
from service.usecases.accounts.auth import (
    SignInRefused,
    actor_for,
    authenticate,
    create_token_for,
    issue_token,
    sign_in,
)
from service.usecases.accounts.users import create_user
from service.usecases.actor import Actor
from tests.integration.scenario import ADMIN, build_organisation

PASSWORD = "correct horse battery"


def _settings() -> Settings:
    return Settings(database_url="", argon2_memory_kib=1024, argon2_time_cost=1)


async def _account(email: str, access: str, employee: str | None) -> User:
    return await create_user(
        actor=ADMIN,
        email=email,
        access=access,
        password=PASSWORD,
        employee_external_id=employee,
        settings=_settings(),
    )


@pytest.fixture
async def accounts(db: str) -> dict[str, User]:
    await build_organisation()
    return {
        "admin": await _account("admin@example.com", "ADMIN", None),
        "manager": await _account("lead@example.com", "MANAGER", "L1"),
        "employee": await _account("a1@example.com", "EMPLOYEE", "A1"),
        "integration": await _account("tool@example.com", "INTEGRATION", None),
    }


async def test_an_admin_changes_an_access_level_and_the_change_is_audited(
    accounts: dict[str, User],
) -> None:
    admin = actor_for(accounts["admin"])
    change = await set_user_access(actor=admin, email="A1@example.com", access="MANAGER")
    assert change.changed
    assert (await User.get(email="a1@example.com")).access is AccessLevel.MANAGER
    entry = await AuditEntry.get(action="set_user_access")
    assert entry.actor == "admin@example.com"
    assert entry.entity_key == "a1@example.com"
    assert entry.before == {"access": "EMPLOYEE"}
    assert entry.after == {"access": "MANAGER"}


async def test_setting_the_access_level_an_account_already_has_writes_nothing(
    accounts: dict[str, User],
) -> None:
    change = await set_user_access(
        actor=actor_for(accounts["admin"]), email="a1@example.com", access="EMPLOYEE"
    )
    assert not change.changed
    assert not await AuditEntry.filter(action="set_user_access").exists()


async def test_an_admin_cannot_demote_or_deactivate_themselves(
    accounts: dict[str, User],
) -> None:
    admin = actor_for(accounts["admin"])
    with pytest.raises(PermissionDenied):
        await set_user_access(actor=admin, email="admin@example.com", access="EMPLOYEE")
    with pytest.raises(PermissionDenied):
        await set_user_active(actor=admin, email="admin@example.com", active=False)
    me = await User.get(email="admin@example.com")
    assert me.access is AccessLevel.ADMIN
    assert me.is_active
    assert not await AuditEntry.filter(entity="user", action__not="create_user").exists()


@pytest.mark.parametrize("who", ["manager", "employee", "integration"])
async def test_only_an_admin_changes_accounts(accounts: dict[str, User], who: str) -> None:
    actor = actor_for(accounts[who])
    with pytest.raises(PermissionDenied):
        await set_user_access(actor=actor, email="a1@example.com", access="ADMIN")
    with pytest.raises(PermissionDenied):
        await set_user_active(actor=actor, email="a1@example.com", active=False)
    employee = await User.get(email="a1@example.com")
    assert employee.access is AccessLevel.EMPLOYEE
    assert employee.is_active


async def test_access_levels_keep_accounts_and_employees_consistent(
    accounts: dict[str, User],
) -> None:
    admin = actor_for(accounts["admin"])
    with pytest.raises(ValidationFailed) as no_employee:
        await set_user_access(actor=admin, email="tool@example.com", access="MANAGER")
    assert no_employee.value.issues[0].code == "NEEDS_EMPLOYEE"
    with pytest.raises(ValidationFailed) as a_person:
        await set_user_access(actor=admin, email="a1@example.com", access="INTEGRATION")
    assert a_person.value.issues[0].code == "NOT_ALLOWED"
    with pytest.raises(ValidationFailed) as unknown_level:
        await set_user_access(actor=admin, email="a1@example.com", access="OWNER")
    assert unknown_level.value.issues[0].field == "access"
    with pytest.raises(NotFound):
        await set_user_access(actor=admin, email="nobody@example.com", access="ADMIN")
    assert not await AuditEntry.filter(action="set_user_access").exists()


async def test_deactivating_ends_sessions_and_tokens_and_is_audited(
    accounts: dict[str, User],
) -> None:
    employee = accounts["employee"]
    issued = await issue_token(actor=actor_for(employee), user=employee, name="phone")
    await AdminSession.create(
        token_hash="h1", user_id=employee.id, csrf_token="c", last_seen_at=datetime.now(UTC)
    )
    other = await AdminSession.create(
        token_hash="h2",
        user_id=accounts["manager"].id,
        csrf_token="c",
        last_seen_at=datetime.now(UTC),
    )
    assert await authenticate(issued.token) is not None

    change = await set_user_active(
        actor=actor_for(accounts["admin"]), email="a1@example.com", active=False
    )

    assert change.changed
    assert change.sessions_ended == 1
    assert change.tokens_revoked == 1
    assert not (await User.get(id=employee.id)).is_active
    assert not await AdminSession.filter(user_id=employee.id, revoked_at__isnull=True).exists()
    assert (await AdminSession.get(id=other.id)).revoked_at is None
    assert (await ApiToken.get(id=issued.token_id)).revoked_at is not None
    assert await authenticate(issued.token) is None
    with pytest.raises(SignInRefused):
        await sign_in(
            email="a1@example.com", password=PASSWORD, address="test", settings=_settings()
        )
    entry = await AuditEntry.get(action="deactivate_user")
    assert entry.entity_key == "a1@example.com"
    assert entry.before == {"active": True}
    assert entry.after == {"active": False, "sessions_ended": 1, "tokens_revoked": 1}


async def test_reactivating_restores_sign_in_but_not_the_revoked_tokens(
    accounts: dict[str, User],
) -> None:
    admin = actor_for(accounts["admin"])
    employee = accounts["employee"]
    issued = await issue_token(actor=actor_for(employee), user=employee)
    await set_user_active(actor=admin, email="a1@example.com", active=False)
    change = await set_user_active(actor=admin, email="a1@example.com", active=True)
    assert change.changed
    assert (await User.get(id=employee.id)).is_active
    assert await authenticate(issued.token) is None
    user = await sign_in(
        email="a1@example.com", password=PASSWORD, address="test", settings=_settings()
    )
    assert user.id == employee.id
    assert await AuditEntry.filter(action="activate_user", entity_key="a1@example.com").count() == 1


async def test_no_token_is_issued_for_a_deactivated_account(accounts: dict[str, User]) -> None:
    admin = actor_for(accounts["admin"])
    await set_user_active(actor=admin, email="tool@example.com", active=False)
    with pytest.raises(ValidationFailed):
        await create_token_for(actor=admin, email="tool@example.com")
    assert not await ApiToken.filter(user_id=accounts["integration"].id).exists()


async def test_the_command_line_admin_may_change_any_account(accounts: dict[str, User]) -> None:
    cli: Actor = ADMIN  # no account of its own, so no account is "its own"
    await set_user_access(actor=cli, email="admin@example.com", access="INTEGRATION")
    await set_user_active(actor=cli, email="admin@example.com", active=False)
    admin = await User.get(email="admin@example.com")
    assert admin.access is AccessLevel.INTEGRATION
    assert not admin.is_active
