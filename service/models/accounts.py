"""Accounts: users, API tokens, admin sessions and sign-in attempts."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # relations are named by string at run time ("models.X")
    from service.models.setup import Employee


class AccessLevel(StrEnum):
    ADMIN = "ADMIN"
    MANAGER = "MANAGER"
    EMPLOYEE = "EMPLOYEE"
    INTEGRATION = "INTEGRATION"


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    access = fields.CharEnumField(AccessLevel, max_length=16)
    employee: fields.ForeignKeyNullableRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="users", null=True, on_delete=fields.SET_NULL
    )
    password_hash = fields.CharField(max_length=255, null=True)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    employee_id: int | None

    class Meta:
        table = "app_user"


class ApiToken(Model):
    # Only the SHA-256 of the token is kept: a leaked table reveals no usable token.
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="api_tokens", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    # An INTEGRATION token bound to one source records rows of that source only, so a
    # leaked survey-tool token cannot pass as the ticket system. NULL: any source.
    source = fields.CharField(max_length=64, null=True)

    user_id: int

    class Meta:
        table = "api_token"


class AdminSession(Model):
    # Server-side admin sessions: the cookie holds a random id, the table its SHA-256.
    # A row is written at sign-in only (visitors who have not signed in have none:
    # service/usecases/accounts/sessions.py); a row without a user signs nobody in.
    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="admin_sessions", null=True, on_delete=fields.CASCADE
    )
    csrf_token = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    user_id: int | None

    class Meta:
        table = "admin_session"


class SignInAttempt(Model):
    # Counted in the database so every process agrees on throttling (DESIGN.md Access).
    id = fields.BigIntField(primary_key=True)
    email = fields.CharField(max_length=254)
    address = fields.CharField(max_length=64)
    succeeded = fields.BooleanField()
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sign_in_attempt"
        indexes = (("email", "at"), ("address", "at"))
