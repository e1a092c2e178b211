"""The audit log, newest first: who did what, when, to which entity, before and after.

Filtered by who (part of the actor's name or email), action, entity and a range of
days (UTC); actions and entities show with their labels, the details as definition lists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin.web import guarded, render, require
from service.labels import CATALOGUE
from service.models import AccessLevel, AuditEntry
from service.usecases.parsing import MAX_PAGE, whole_or_none

ENTRIES_ON_PAGE = 50


@dataclass(frozen=True, slots=True)
class Detail:
    """One field of an entry's before or after: its name, and its value as text (or the
    code it holds, to be shown with its label)."""

    name: str
    text: str
    code_group: str | None = None


@dataclass(frozen=True, slots=True)
class EntryView:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_key: str
    before: list[Detail] | None
    after: list[Detail] | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class AuditFilters:
    who: str = ""
    action: str = ""
    entity: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def of(cls, request: Request) -> AuditFilters:
        query = request.query_params
        action = query.get("action", "")
        entity = query.get("entity", "")
        return cls(
            who=query.get("who", "").strip()[:254],
            action=action if action in CATALOGUE["audit_action"] else "",
            entity=entity if entity in CATALOGUE["audit_entity"] else "",
            since=_day(query.get("since")),
            until=_day(query.get("until")),
        )

    def query(self) -> Any:
        rows = AuditEntry.all()
        if self.who:
            rows = rows.filter(actor__icontains=self.who)
        if self.action:
            rows = rows.filter(action=self.action)
        if self.entity:
            rows = rows.filter(entity=self.entity)
        if self.since:
            rows = rows.filter(at__gte=datetime.combine(self.since, time(), UTC))
        if self.until:
            rows = rows.filter(at__lt=datetime.combine(self.until + timedelta(days=1), time(), UTC))
        return rows

    def as_query(self) -> str:
        """The filters as a query string for the pager (empty ones left out)."""
        pairs = {
            "who": self.who,
            "action": self.action,
            "entity": self.entity,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return urlencode({k: v for k, v in pairs.items() if v})


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _code_group(value: str) -> str | None:
    """The label group that holds `value` as a code (a state, a mode…), if any."""
    for group, codes in CATALOGUE.items():
        if value in codes and (value.isupper() or "_" in value):
            return group
    return None


def details(value: Any) -> list[Detail] | None:
    """Before or after, as a person reads it: one row per field, names sorted; a nested
    value as compact JSON (Chinese left as Chinese)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [Detail("", value)]
    if not isinstance(value, dict):
        value = {"": value}
    found = []
    for name in sorted(value):
        item = value[name]
        if isinstance(item, str):
            found.append(Detail(name, item, _code_group(item)))
        elif item is None:
            found.append(Detail(name, "—"))
        else:
            found.append(Detail(name, json.dumps(item, ensure_ascii=False, default=str)))
    return found


@guarded
async def audit_page(request: Request) -> Response:
    require(request, AccessLevel.ADMIN)
    page = whole_or_none(request.query_params.get("page", "1"), high=MAX_PAGE) or 1
    filters = AuditFilters.of(request)
    total = await filters.query().count()
    rows = (
        await filters.query()
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
            before=details(row.before),
            after=details(row.after),
            reason=row.reason,
        )
        for row in rows
    ]
    query = filters.as_query()
    return render(
        request,
        "audit/log.html",
        {
            "entries": entries,
            "page": page,
            "pages": max(1, -(-total // ENTRIES_ON_PAGE)),
            "total": total,
            "filters": filters,
            "filtered": bool(query),
            "pager_url": f"/admin/audit?{query}&" if query else "/admin/audit?",
            "actions": sorted(CATALOGUE["audit_action"]),
            "entities": sorted(CATALOGUE["audit_entity"]),
        },
    )


routes = [Route("/audit", audit_page, methods=["GET"])]
