"""The audit log: one row per change, written inside the change's transaction."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from service.models import AuditEntry
from service.usecases.actor import Actor


async def write_audit(
    conn: BaseDBAsyncClient,
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_key: str,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
) -> None:
    await AuditEntry.create(
        using_db=conn,
        actor=actor.label,
        actor_user_id=actor.user_id,
        action=action,
        entity=entity,
        entity_key=entity_key,
        before=before,
        after=after,
        reason=reason,
    )
