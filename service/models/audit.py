"""The audit log: who did what, when, and why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # relations are named by string at run time ("models.X")
    from service.models.accounts import User


class AuditEntry(Model):
    # Append-only: use cases add rows; nothing updates or deletes them.

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True)
    actor = fields.CharField(max_length=254)
    actor_user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="audit_entries", null=True, on_delete=fields.RESTRICT
    )
    action = fields.CharField(max_length=64)
    entity = fields.CharField(max_length=64)
    entity_key = fields.CharField(max_length=254)
    before: Any = fields.JSONField(null=True)
    after: Any = fields.JSONField(null=True)
    reason = fields.TextField(null=True)

    class Meta:
        table = "audit_entry"
        indexes = (("entity", "entity_key"),)
