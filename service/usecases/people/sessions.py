"""Knowledge-sharing sessions (docs/role-models.md): managers and admins schedule them,
with presenters, KPI tags, a time and a place or a link; attendance is recorded by the
attendee's managers or an admin, or by the attendee themselves once the session has
started. Sessions are seen by everyone; who attended, by each attendee, their managers
and admins. An attended (or upcoming) session can be an item of a development plan
(service/usecases/people/development.py, action SESSION).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from service.errors import InvalidTransition, Issue, NotFound, PermissionDenied, ValidationFailed
from service.models import (
    AccessLevel,
    Employee,
    KnowledgeSession,
    Kpi,
    SessionAttendance,
    SessionPresenter,
)
from service.usecases.accounts.access import (
    manager_ids_in,
    may_see_scores_of,
    require_admin_or_manager_of,
    require_may_schedule_session,
    team_leads,
    team_parents,
)
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.retries import retry_when_busy

AUDIT_ENTITY = "knowledge_session"
MAX_TITLE = 200
MAX_DESCRIPTION = 5_000
MAX_PLACE = 200
MAX_LINK = 500
MAX_PRESENTERS = 10


@dataclass(frozen=True, slots=True)
class SessionInput:
    title: str
    starts_at: datetime
    presenter_external_ids: tuple[str, ...]
    kpi_codes: tuple[str, ...] = ()
    length_minutes: int = 60
    place: str = ""
    link: str = ""
    description: str = ""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@retry_when_busy
async def schedule_session(*, actor: Actor, session: SessionInput) -> KnowledgeSession:
    require_may_schedule_session(actor)
    issues: list[Issue] = []
    title = session.title.strip()
    if not title:
        issues.append(Issue.of("title", "name the session", "REQUIRED"))
    elif len(title) > MAX_TITLE:
        issues.append(Issue.of("title", "at most {most} characters", "TOO_LONG", most=MAX_TITLE))
    description = session.description.strip()
    if len(description) > MAX_DESCRIPTION:
        issues.append(
            Issue.of("description", "at most {most} characters", "TOO_LONG", most=MAX_DESCRIPTION)
        )
    place, link = session.place.strip(), session.link.strip()
    if not place and not link:
        issues.append(Issue.of("place", "give a place or a link", "REQUIRED"))
    if len(place) > MAX_PLACE:
        issues.append(Issue.of("place", "at most {most} characters", "TOO_LONG", most=MAX_PLACE))
    if link and (not link.startswith(("https://", "http://")) or len(link) > MAX_LINK):
        issues.append(Issue.of("link", "a web address starting with https://", "INVALID"))
    if not 5 <= session.length_minutes <= 8 * 60:
        issues.append(
            Issue.of(
                "lengthMinutes",
                "between {least} and {most} minutes",
                "OUT_OF_RANGE",
                least=5,
                most=8 * 60,
            )
        )
    presenters = list(dict.fromkeys(p.strip() for p in session.presenter_external_ids if p.strip()))
    if not presenters:
        issues.append(Issue.of("presenterExternalIds", "name at least one presenter", "REQUIRED"))
    elif len(presenters) > MAX_PRESENTERS:
        issues.append(
            Issue.of(
                "presenterExternalIds", "at most {most} presenters", "TOO_MANY", most=MAX_PRESENTERS
            )
        )
    codes = list(dict.fromkeys(c.strip() for c in session.kpi_codes if c.strip()))
    async with in_transaction() as conn:
        known = {k.code for k in await Kpi.filter(code__in=codes).using_db(conn)}
        for code in codes:
            if code not in known:
                issues.append(Issue.of("kpiCodes", "there is no KPI {kpi}", "NOT_FOUND", kpi=code))
        people = {
            e.external_id: e
            for e in await Employee.filter(external_id__in=presenters).using_db(conn)
        }
        for external_id in presenters:
            if external_id not in people:
                issues.append(
                    Issue.of(
                        "presenterExternalIds",
                        "there is no employee {id}",
                        "NOT_FOUND",
                        id=external_id,
                    )
                )
        if issues:
            raise ValidationFailed(issues)
        row = await KnowledgeSession.create(
            using_db=conn,
            title=title,
            description=description,
            kpi_codes=codes,
            starts_at=_aware(session.starts_at),
            length_minutes=session.length_minutes,
            place=place,
            link=link,
            scheduled_by_label=actor.label,
        )
        for external_id in presenters:
            await SessionPresenter.create(
                using_db=conn, session_id=row.id, employee_id=people[external_id].id
            )
        await write_audit(
            conn,
            actor=actor,
            action="schedule_session",
            entity=AUDIT_ENTITY,
            entity_key=str(row.id),
            after={
                "title": title,
                "starts_at": row.starts_at.isoformat(),
                "kpis": codes,
                "presenters": presenters,
                "place": place,
                "link": link,
            },
        )
        return row


@retry_when_busy
async def attend_session(
    *,
    actor: Actor,
    session_id: int,
    employee_external_id: str | None = None,
    now: datetime | None = None,
) -> SessionAttendance:
    """Record that someone attended (default: you). Yourself once the session has
    started; someone else as their manager or an admin. Recorded once."""
    if actor.access is AccessLevel.INTEGRATION:
        raise PermissionDenied("An integration token records data, not attendance.")
    async with in_transaction() as conn:
        session = await KnowledgeSession.get_or_none(id=session_id, using_db=conn)
        if session is None:
            raise NotFound("No knowledge-sharing session has the id {id}.", id=session_id)
        if employee_external_id is None:
            if actor.employee_id is None:
                raise ValidationFailed(
                    [Issue.of("employeeExternalId", "name who attended", "REQUIRED")]
                )
            employee = await Employee.get(id=actor.employee_id, using_db=conn)
        else:
            found = await Employee.get_or_none(external_id=employee_external_id, using_db=conn)
            if found is None:
                raise NotFound("No employee has the id {id}.", id=employee_external_id)
            employee = found
        moment = now or datetime.now(UTC)
        if employee.id == actor.employee_id:
            if _aware(session.starts_at) > moment:
                raise InvalidTransition(
                    "The session has not started yet: mark it attended once it has."
                )
        else:
            await require_admin_or_manager_of(conn, actor, employee)
        if await SessionAttendance.exists(
            session_id=session.id, employee_id=employee.id, using_db=conn
        ):
            raise InvalidTransition(
                "{person} is recorded as attending already.", person=employee.external_id
            )
        row = await SessionAttendance.create(
            using_db=conn,
            session_id=session.id,
            employee_id=employee.id,
            recorded_by_label=actor.label,
        )
        await write_audit(
            conn,
            actor=actor,
            action="attend_session",
            entity=AUDIT_ENTITY,
            entity_key=str(session.id),
            after={"employee": employee.external_id},
        )
        return row


# --- reads ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionView:
    session: KnowledgeSession
    presenters: tuple[Employee, ...]
    kpis: tuple[Kpi, ...]
    attendees: tuple[Employee, ...]  # those the viewer may see
    attended_count: int
    attended_by_viewer: bool


async def session_views(
    conn: BaseDBAsyncClient, actor: Actor, sessions: list[KnowledgeSession]
) -> list[SessionView]:
    """Presenters, tags and attendance of many sessions in a fixed number of queries.
    Attendees are listed to themselves, their managers and admins."""
    if not sessions:
        return []
    ids = [s.id for s in sessions]
    presenter_rows = await SessionPresenter.filter(session_id__in=ids).using_db(conn).order_by("id")
    attendance_rows = (
        await SessionAttendance.filter(session_id__in=ids).using_db(conn).order_by("id")
    )
    people_ids = {r.employee_id for r in presenter_rows} | {r.employee_id for r in attendance_rows}
    people = {e.id: e for e in await Employee.filter(id__in=sorted(people_ids)).using_db(conn)}
    codes = sorted({c for s in sessions for c in s.kpi_codes})
    kpis = {k.code: k for k in await Kpi.filter(code__in=codes).using_db(conn)}
    parents = await team_parents(conn)
    leads = await team_leads(conn)
    views = []
    for s in sessions:
        attended = [people[r.employee_id] for r in attendance_rows if r.session_id == s.id]
        seen = tuple(
            e
            for e in attended
            if may_see_scores_of(
                actor,
                employee_id=e.id,
                manager_ids=manager_ids_in(e.id, e.team_id, parents, leads),
            )
        )
        views.append(
            SessionView(
                session=s,
                presenters=tuple(
                    people[r.employee_id] for r in presenter_rows if r.session_id == s.id
                ),
                kpis=tuple(kpis[c] for c in s.kpi_codes if c in kpis),
                attendees=seen,
                attended_count=len(attended),
                attended_by_viewer=any(e.id == actor.employee_id for e in attended),
            )
        )
    return views


async def session_rows(
    conn: BaseDBAsyncClient,
    *,
    upcoming: bool | None = None,
    now: datetime | None = None,
    limit: int = 50,
) -> list[KnowledgeSession]:
    """Upcoming sessions soonest first, past ones newest first, or all newest first."""
    moment = now or datetime.now(UTC)
    query = KnowledgeSession.all().using_db(conn)
    if upcoming is True:
        query = query.filter(starts_at__gte=moment).order_by("starts_at", "id")
    elif upcoming is False:
        query = query.filter(starts_at__lt=moment).order_by("-starts_at", "-id")
    else:
        query = query.order_by("-starts_at", "-id")
    return list(await query.limit(limit))


async def sessions_list(
    conn: BaseDBAsyncClient,
    *,
    actor: Actor,
    upcoming: bool | None = None,
    now: datetime | None = None,
    limit: int = 50,
) -> list[SessionView]:
    """:func:`session_rows` with their presenters, tags and attendance."""
    rows = await session_rows(conn, upcoming=upcoming, now=now, limit=limit)
    return await session_views(conn, actor, rows)


async def session_for_plan(
    conn: BaseDBAsyncClient, *, session_id: int, employee_id: int, today_start: datetime
) -> KnowledgeSession | None:
    """The session a development item may name: one the employee attended, or one that
    has not started yet (to attend). None when it may not be named."""
    session = await KnowledgeSession.get_or_none(id=session_id, using_db=conn)
    if session is None:
        return None
    if _aware(session.starts_at) >= today_start:
        return session
    attended = await SessionAttendance.exists(
        session_id=session.id, employee_id=employee_id, using_db=conn
    )
    return session if attended else None


async def sessions_for_plan(
    conn: BaseDBAsyncClient, *, actor: Actor, employee_id: int, now: datetime | None = None
) -> list[SessionView]:
    """The sessions a development item of the employee may name: those they attended
    (newest first), then those still to come (soonest first)."""
    moment = now or datetime.now(UTC)
    attended = (
        await SessionAttendance.filter(employee_id=employee_id)
        .using_db(conn)
        .values_list("session_id", flat=True)
    )
    past = list(
        await KnowledgeSession.filter(id__in=list(attended), starts_at__lt=moment)
        .using_db(conn)
        .order_by("-starts_at", "-id")
        .limit(20)
    )
    coming = list(
        await KnowledgeSession.filter(starts_at__gte=moment)
        .using_db(conn)
        .order_by("starts_at", "id")
        .limit(20)
    )
    return await session_views(conn, actor, past + coming)
