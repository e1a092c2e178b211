"""Best-practice notes (docs/role-models.md): a role model (or their manager, or an
admin, on their behalf) writes how they work on one KPI; everyone reads the notes beside
the line of that KPI, most-thanked first, then newest; a reader thanks a note once;
admins hide a note with a reason. The author is named to those who may see their score
and, if they opted in, to everyone; otherwise the note says it is by a role model. A
note carries no number: nobody learns a score from it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from service.errors import InvalidTransition, Issue, NotFound, PermissionDenied, ValidationFailed
from service.models import (
    AccessLevel,
    BestPracticeNote,
    BestPracticeThanks,
    Employee,
    Kpi,
    KpiKind,
)
from service.sql import fetch_all, int_values, placeholders
from service.usecases.accounts.access import (
    manager_ids_in,
    may_name_role_model,
    require_admin_or_manager_of,
    team_leads,
    team_parents,
)
from service.usecases.accounts.permissions import require_admin
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.people.role_models import is_role_model_on, opted_in_ids
from service.usecases.retries import retry_when_busy

MAX_NOTE = 2_000
MAX_REASON = 2_000
AUDIT_ENTITY = "best_practice_note"


@dataclass(frozen=True, slots=True)
class NoteView:
    note: BestPracticeNote
    kpi: Kpi
    author: Employee | None  # None: the viewer is told only that a role model wrote it
    thanked: bool  # the viewer thanked it already
    may_thank: bool


def _text(field: str, value: str, limit: int, what: str) -> str:
    text = value.strip()
    if not text:
        raise ValidationFailed([Issue.of(field, what, "REQUIRED")])
    if len(text) > limit:
        raise ValidationFailed(
            [Issue.of(field, "at most {most} characters", "TOO_LONG", most=limit)]
        )
    return text


@retry_when_busy
async def share_best_practice(
    *, actor: Actor, kpi_code: str, text: str, author_external_id: str | None = None
) -> BestPracticeNote:
    """The author is you unless named; naming someone else takes being their manager or
    an admin. The author must be a role model on the KPI in the comparable previous
    cycle of an open cycle (role_models.is_role_model_on)."""
    body = _text("text", text, MAX_NOTE, "say how you work on this KPI")
    if actor.access is AccessLevel.INTEGRATION:
        raise PermissionDenied("An integration token records data, not best practice.")
    async with in_transaction() as conn:
        kpi = await Kpi.get_or_none(code=kpi_code, using_db=conn)
        if kpi is None:
            raise ValidationFailed(
                [Issue.of("kpiCode", "there is no KPI {kpi}", "NOT_FOUND", kpi=kpi_code)]
            )
        if kpi.kind is not KpiKind.QUANTITATIVE:
            raise ValidationFailed(
                [Issue.of("kpiCode", "best practice is shared on a quantitative KPI", "INVALID")]
            )
        if author_external_id is None:
            if actor.employee_id is None:
                raise ValidationFailed(
                    [Issue.of("authorExternalId", "name the role model you write for", "REQUIRED")]
                )
            author = await Employee.get(id=actor.employee_id, using_db=conn)
        else:
            found = await Employee.get_or_none(external_id=author_external_id, using_db=conn)
            if found is None:
                raise ValidationFailed(
                    [
                        Issue.of(
                            "authorExternalId",
                            "there is no employee {id}",
                            "NOT_FOUND",
                            id=author_external_id,
                        )
                    ]
                )
            author = found
            if author.id != actor.employee_id:
                await require_admin_or_manager_of(conn, actor, author)
        if not await is_role_model_on(conn, employee_id=author.id, kpi_code=kpi.code):
            raise ValidationFailed(
                [
                    Issue.of(
                        "kpiCode",
                        "{person} is not a role model on {kpi} in the cycle role models come from",
                        "NOT_A_ROLE_MODEL",
                        person=author.external_id,
                        kpi=kpi.code,
                    )
                ]
            )
        note = await BestPracticeNote.create(
            using_db=conn,
            author_id=author.id,
            kpi_id=kpi.id,
            text=body,
            written_by_employee_id=actor.employee_id,
            written_by_label=actor.label,
        )
        await write_audit(
            conn,
            actor=actor,
            action="share_best_practice",
            entity=AUDIT_ENTITY,
            entity_key=str(note.id),
            after={"author": author.external_id, "kpi": kpi.code, "text": body},
        )
        return note


@retry_when_busy
async def thank_best_practice(*, actor: Actor, note_id: int) -> BestPracticeNote:
    """A reader thanks a note once; a second thanks is refused. Not one's own note."""
    if actor.user_id is None or actor.access is AccessLevel.INTEGRATION:
        raise PermissionDenied("Only a signed-in person thanks a note.")
    async with in_transaction() as conn:
        note = await BestPracticeNote.select_for_update().using_db(conn).get_or_none(id=note_id)
        if note is None or (note.hidden_at is not None and not actor.is_admin):
            raise NotFound("No best-practice note has the id {id}.", id=note_id)
        if note.hidden_at is not None:
            raise InvalidTransition("Best-practice note {id} is hidden.", id=note_id)
        if actor.employee_id is not None and actor.employee_id == note.author_id:
            raise PermissionDenied("Nobody thanks their own note.")
        if await BestPracticeThanks.exists(note_id=note.id, user_id=actor.user_id, using_db=conn):
            raise InvalidTransition("You have thanked this note already.")
        await BestPracticeThanks.create(using_db=conn, note_id=note.id, user_id=actor.user_id)
        note.thanks += 1
        await note.save(using_db=conn, update_fields=["thanks"])
        await write_audit(
            conn,
            actor=actor,
            action="thank_best_practice",
            entity=AUDIT_ENTITY,
            entity_key=str(note.id),
            after={"thanks": note.thanks},
        )
        return note


@retry_when_busy
async def hide_best_practice(
    *, actor: Actor, note_id: int, reason: str, now: datetime | None = None
) -> BestPracticeNote:
    """An admin hides a note, with a reason: only admins see it afterwards."""
    require_admin(actor)
    why = _text("reason", reason, MAX_REASON, "say why the note is hidden")
    async with in_transaction() as conn:
        note = await BestPracticeNote.select_for_update().using_db(conn).get_or_none(id=note_id)
        if note is None:
            raise NotFound("No best-practice note has the id {id}.", id=note_id)
        if note.hidden_at is not None:
            raise InvalidTransition("Best-practice note {id} is hidden already.", id=note_id)
        note.hidden_at = now or datetime.now(UTC)
        note.hidden_reason = why
        note.hidden_by_label = actor.label
        await note.save(
            using_db=conn, update_fields=["hidden_at", "hidden_reason", "hidden_by_label"]
        )
        await write_audit(
            conn,
            actor=actor,
            action="hide_best_practice",
            entity=AUDIT_ENTITY,
            entity_key=str(note_id),
            before={"hidden": False},
            after={"hidden": True},
            reason=why,
        )
        return note


# --- reads ---------------------------------------------------------------------------


async def note_views(
    conn: BaseDBAsyncClient, actor: Actor, notes: list[BestPracticeNote]
) -> list[NoteView]:
    """The notes as the viewer may see them: the author named or not, whether they
    thanked it. A fixed number of queries whatever the number of notes."""
    if not notes:
        return []
    author_ids = sorted({n.author_id for n in notes})
    authors = {e.id: e for e in await Employee.filter(id__in=author_ids).using_db(conn)}
    kpis = {
        k.id: k for k in await Kpi.filter(id__in=sorted({n.kpi_id for n in notes})).using_db(conn)
    }
    named = await opted_in_ids(conn, author_ids)
    parents = await team_parents(conn)
    leads = await team_leads(conn)
    thanked: set[int] = set()
    if actor.user_id is not None:
        thanked = set(
            await int_values(
                BestPracticeThanks.filter(user_id=actor.user_id, note_id__in=[n.id for n in notes])
                .using_db(conn)
                .values_list("note_id", flat=True)
            )
        )
    views: list[NoteView] = []
    for note in notes:
        author = authors[note.author_id]
        shown = may_name_role_model(
            actor,
            employee_id=author.id,
            manager_ids=manager_ids_in(author.id, author.team_id, parents, leads),
            opted_in=author.id in named,
        )
        views.append(
            NoteView(
                note=note,
                kpi=kpis[note.kpi_id],
                author=author if shown else None,
                thanked=note.id in thanked,
                may_thank=note.hidden_at is None
                and actor.user_id is not None
                and note.id not in thanked
                and actor.employee_id != note.author_id,
            )
        )
    return views


def _visible(actor: Actor) -> QuerySet[BestPracticeNote]:
    query = BestPracticeNote.all()
    if not actor.is_admin:
        query = query.filter(hidden_at__isnull=True)
    return query


# Most-thanked first, then newest: the one order of notes, in the ORM and in SQL.
NOTE_ORDER = ("-thanks", "-created_at", "-id")
NOTE_ORDER_SQL = "thanks DESC, created_at DESC, id DESC"


async def first_notes_by_kpi(
    conn: BaseDBAsyncClient, kpi_ids: list[int], size: int, *, with_hidden: bool
) -> dict[int, list[BestPracticeNote]]:
    """The first ``size`` notes of each KPI, in :data:`NOTE_ORDER`, in two statements
    whatever the number of KPIs (a window function picks each KPI's first rows)."""
    ids = sorted(set(kpi_ids))
    if not ids:
        return {}
    where = f"kpi_id IN ({placeholders(len(ids))})"
    if not with_hidden:
        where += " AND hidden_at IS NULL"
    rows = await fetch_all(
        conn,
        "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY kpi_id "
        f"ORDER BY {NOTE_ORDER_SQL}) AS place FROM best_practice_note WHERE {where}) ranked "
        "WHERE place <= ?",
        [*ids, size],
    )
    wanted = [int(r["id"]) for r in rows]
    found: dict[int, list[BestPracticeNote]] = defaultdict(list)
    if wanted:
        for note in (
            await BestPracticeNote.filter(id__in=wanted).using_db(conn).order_by(*NOTE_ORDER)
        ):
            found[note.kpi_id].append(note)
    return dict(found)


async def best_practice_for_kpi(
    conn: BaseDBAsyncClient, *, actor: Actor, kpi_code: str, limit: int = 50, offset: int = 0
) -> tuple[Kpi, list[NoteView]]:
    """Every note on one KPI (hidden ones for admins only), most-thanked first, then newest."""
    kpi = await Kpi.get_or_none(code=kpi_code, using_db=conn)
    if kpi is None:
        raise NotFound("No KPI has the code {code}.", code=kpi_code)
    notes = list(
        await _visible(actor)
        .filter(kpi_id=kpi.id)
        .using_db(conn)
        .order_by(*NOTE_ORDER)
        .offset(offset)
        .limit(limit)
    )
    return kpi, await note_views(conn, actor, notes)


async def best_practice_for_kpis(
    conn: BaseDBAsyncClient, *, actor: Actor, kpi_ids: list[int], per_kpi: int = 3
) -> dict[int, list[NoteView]]:
    """The first ``per_kpi`` notes of each KPI (the "learn from" beside a score's lines),
    without hidden ones, in a fixed number of queries."""
    kept = await first_notes_by_kpi(conn, kpi_ids, per_kpi, with_hidden=False)
    views = await note_views(conn, actor, [n for found in kept.values() for n in found])
    grouped: dict[int, list[NoteView]] = defaultdict(list)
    for view in views:
        grouped[view.note.kpi_id].append(view)
    return dict(grouped)
