"""The audit log, newest first: who did what, when, to which entity, before and after."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin.web import guarded, render, require
from service.models import AccessLevel, AuditEntry
from service.usecases.parsing import MAX_PAGE, whole_or_none

ENTRIES_ON_PAGE = 50


@dataclass(frozen=True, slots=True)
class EntryView:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_key: str
    before: str | None
    after: str | None
    reason: str | None


def readable(value: Any) -> str | None:
    """JSON as a person reads it: indented, keys sorted, Chinese left as Chinese.
    The template escapes it like any other text."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return str(value)
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


@guarded
async def audit_page(request: Request) -> Response:
    require(request, AccessLevel.ADMIN)
    page = whole_or_none(request.query_params.get("page", "1"), high=MAX_PAGE) or 1
    total = await AuditEntry.all().count()
    rows = (
        await AuditEntry.all()
        .order_by("-at", "-id")
        .offset((page - 1) * ENTRIES_ON_PAGE)
        .limit(ENTRIES_ON_PAGE)
    )
    entries = [
        EntryView(
            id=row.id,
            at=row.at,
            actor=row.actor,
            action=row.action,
            entity=row.entity,
            entity_key=row.entity_key,
            before=readable(row.before),
            after=readable(row.after),
            reason=row.reason,
        )
        for row in rows
    ]
    return render(
        request,
        "audit/log.html",
        {
            "entries": entries,
            "page": page,
            "pages": max(1, -(-total // ENTRIES_ON_PAGE)),
            "total": total,
        },
    )


routes = [Route("/audit", audit_page, methods=["GET"])]
