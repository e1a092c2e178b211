"""Development plans in the admin (docs/development.md): an employee's plan page (aim,
items, suggestions to take, effects, courses attended) and the training catalogue.

The plan page is for the employee, their managers and admins; the use cases decide
(service/usecases/accounts/access.py) and audit every change. The catalogue page is
for admins. Each POST checks its CSRF token, calls one use case and comes back to the
page, with the refusal beside the form when there is one.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.connection import get_connection

from admin.web import (
    FormErrors,
    Refused,
    _,
    checked_form,
    form_errors,
    guarded,
    redirect,
    refusal_status,
    render,
    require,
    signed_in,
    typed,
)
from service.errors import Issue, NotFound, Refusal, ValidationFailed
from service.models import (
    AccessLevel,
    Course,
    CourseFormat,
    DevelopmentAction,
    DevelopmentItem,
    DevelopmentStatus,
    Employee,
    Goal,
    KnowledgeSession,
    Kpi,
)
from service.scoring import format_fixed, what_it_would_take_text
from service.usecases.accounts.access import manager_ids_of, may_see_personal_record
from service.usecases.actor import Actor
from service.usecases.people import development, sessions, training
from service.usecases.people.development import ItemChanges, ItemInput
from service.usecases.people.goals import visible_goal

ITEM_FIELDS = (
    "focus_kpi_code",
    "focus_skill",
    "action",
    "course_code",
    "shadowing_external_id",
    "action_detail",
    "owner_external_id",
    "due_on",
    "notes",
    "goal_id",
    "session_id",
)
REFUSED = "Only the employee, their managers and admins may see a development plan."
COURSE_FIELDS = ("code", "title", "title_zh", "kpi_codes", "length_minutes", "format")
# The form's field for each use-case issue field (GraphQL names).
_FIELD_OF = {
    "focus": "focus_kpi_code",
    "focusKpiCode": "focus_kpi_code",
    "focusSkill": "focus_skill",
    "courseCode": "course_code",
    "shadowingExternalId": "shadowing_external_id",
    "actionDetail": "action_detail",
    "ownerExternalId": "owner_external_id",
    "dueOn": "due_on",
    "titleZh": "title_zh",
    "kpiCodes": "kpi_codes",
    "lengthMinutes": "length_minutes",
    "attendedOn": "attended_on",
    "goalId": "goal_id",
    "sessionId": "session_id",
}


def _failed(request: Request, name: str, error: Refusal, form: FormData) -> FormErrors:
    """The page's own part of the rule: an issue is beside its field when the form has
    it or it is one of an item's fields (the item forms differ in which they show), after
    the use case's GraphQL name is turned into the form's (`_FIELD_OF`)."""
    values = typed(form)
    return form_errors(request, name, error, values, (*values, *ITEM_FIELDS), field_of=_FIELD_OF)


def _date(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed([Issue(name, "a date as YYYY-MM-DD", "INVALID")]) from None


def _int(value: Any, name: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValidationFailed([Issue(name, "a whole number", "INVALID")]) from None


def _plan_url(external_id: str, anchor: str = "") -> str:
    return f"/admin/people/{quote(external_id, safe='')}/development{anchor}"


async def _employee_for(request: Request, actor: Actor) -> Employee:
    """The employee of the URL, for those who may see their plan: 403 for anyone else,
    unknown ids included (only an admin learns that someone does not exist)."""
    external_id = request.path_params["external_id"]
    employee = await Employee.get_or_none(external_id=external_id)
    if employee is None:
        if actor.is_admin:
            raise _Missing(external_id)
        raise Refused(403, REFUSED)
    if not await may_see_personal_record(get_connection("default"), actor, employee):
        raise Refused(403, REFUSED)
    return employee


class _Missing(Exception):
    def __init__(self, external_id: str) -> None:
        super().__init__(external_id)
        self.external_id = external_id


def _item_row(
    request: Request, item: DevelopmentItem, names: dict[int, str], kpis: dict[int, Kpi]
) -> dict[str, Any]:
    kpi = None if item.focus_kpi_id is None else kpis.get(item.focus_kpi_id)
    return {
        "item": item,
        "kpi": kpi,
        "owner": names.get(item.owner_id, ""),
        "shadowing": None if item.shadowing_id is None else names.get(item.shadowing_id, ""),
    }


async def _goals_to_serve(actor: Actor, employee: Employee) -> list[Goal]:
    """The goals an item may serve, as the actor may see them: the employee's own and
    their team's, in any cycle, newest cycle first."""
    conn = get_connection("default")
    query = Goal.filter(employee_id=employee.id)
    rows = list(await query.order_by("-cycle_id", "id"))
    if employee.team_id is not None:
        rows += list(await Goal.filter(team_id=employee.team_id).order_by("-cycle_id", "id"))
    return [g for g in rows if await visible_goal(conn, actor=actor, goal_id=g.id) is not None]


def kpi_name(kpi: Kpi | None, lang: str) -> str:
    if kpi is None:
        return ""
    return kpi.name_zh if lang == "zh-CN" and kpi.name_zh else kpi.name


def course_title(course: Course | None, lang: str) -> str:
    if course is None:
        return ""
    return course.title_zh if lang == "zh-CN" else course.title


async def _plan_page(
    request: Request,
    actor: Actor,
    employee: Employee,
    *,
    failed: FormErrors | None = None,
    status: int = 200,
) -> Response:
    conn = get_connection("default")
    lang = request.state.admin.lang
    _person, plan, items = await development.development_plan_of(
        conn, actor=actor, employee_external_id=employee.external_id
    )
    effects = await development.effects_of_items(conn, items)
    view = await development.suggestions_for(
        conn, actor=actor, employee_external_id=employee.external_id
    )
    attended = await training.attendance_of(conn, actor=actor, employee=employee)
    managers = await manager_ids_of(conn, employee)
    people_ids = {employee.id, *managers}
    people_ids |= {i.owner_id for i in items} | {i.shadowing_id for i in items if i.shadowing_id}
    names = {e.id: e.name for e in await Employee.filter(id__in=list(people_ids))}
    # The employee first: the owner an item gets unless someone else is chosen.
    owners = [(employee.external_id, employee.name)] + [
        (e.external_id, e.name)
        for e in await Employee.filter(id__in=sorted(managers)).order_by("id")
    ]
    kpis = {k.id: k for k in await Kpi.all().order_by("code")}
    courses = {c.id: c for c in await Course.all().order_by("code")}
    goals = await _goals_to_serve(actor, employee)
    goal_by_id = {g.id: g for g in goals}
    may_record = actor.is_admin or (
        actor.access is AccessLevel.MANAGER and actor.employee_id in managers
    )
    default_due = (date.today() + timedelta(days=30)).isoformat()
    # Sessions an item may name: the ones they attended and the ones still to come.
    plan_sessions = await sessions.sessions_for_plan(conn, actor=actor, employee_id=employee.id)
    named_sessions = {i.session_id for i in items if i.session_id is not None}
    return render(
        request,
        "development/plan.html",
        {
            "employee": employee,
            "plan": plan,
            "rows": [_item_row(request, i, names, kpis) for i in items],
            "effects": effects,
            "suggestions": [
                {
                    "suggestion": s,
                    "kpi_name": kpi_name(s.kpi, lang),
                    "points_left": None
                    if s.focus.points_left is None
                    else format_fixed(s.focus.points_left, 2),
                    "what": what_it_would_take_text(s.focus.line, lang=lang),
                    "courses": [(c.code, course_title(c, lang)) for c in s.courses],
                }
                for s in view.suggestions
            ],
            "suggestion_cycle": view.cycle,
            "suggestion_status": view.status,
            "attended": [(a, course_title(a.course, lang)) for a in attended],
            "kpis": list(kpis.values()),
            "courses": list(courses.values()),
            "course_by_id": courses,
            "goals": goals,
            "goal_by_id": goal_by_id,
            "owners": owners,
            "actions": [a.value for a in DevelopmentAction],
            "statuses": [s.value for s in DevelopmentStatus],
            "may_record": may_record,
            "default_due": default_due,
            "plan_sessions": plan_sessions,
            "session_by_id": {
                s.id: s for s in await KnowledgeSession.filter(id__in=sorted(named_sessions))
            },
            "today": date.today().isoformat(),
            "failed": failed,
            "done": request.query_params.get("done"),
            "kpi_name": lambda kpi: kpi_name(kpi, lang),
            "course_title": lambda course: course_title(course, lang),
        },
        status=status,
    )


def _missing(request: Request, missing: _Missing) -> Response:
    return render(
        request,
        "error.html",
        {"message": _(request, "No employee has the id {id}.", id=missing.external_id)},
        status=404,
    )


@guarded
async def my_plan(request: Request) -> Response:
    actor = signed_in(request)
    if actor.employee_id is None:
        return redirect("/admin/courses" if actor.is_admin else "/admin/")
    me = await Employee.get(id=actor.employee_id)
    return redirect(_plan_url(me.external_id))


@guarded
async def plan_page(request: Request) -> Response:
    actor = signed_in(request)
    try:
        employee = await _employee_for(request, actor)
    except _Missing as missing:
        return _missing(request, missing)
    return await _plan_page(request, actor, employee)


async def _posted(request: Request) -> tuple[Actor, Employee, FormData] | Response:
    actor = signed_in(request)
    form = await checked_form(request)
    try:
        employee = await _employee_for(request, actor)
    except _Missing as missing:
        return _missing(request, missing)
    return actor, employee, form


@guarded
async def aim_post(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    actor, employee, form = posted
    try:
        await development.set_development_plan(
            actor=actor,
            employee_external_id=employee.external_id,
            aim=str(form.get("aim", "")),
            expected_version=_int(form.get("expected_version", ""), "expected_version"),
        )
    except Refusal as error:
        failed = _failed(request, "aim", error, form)
        return await _plan_page(
            request, actor, employee, failed=failed, status=refusal_status(error)
        )
    return redirect(_plan_url(employee.external_id, "?done=aim#aim"))


def _text_or_none(form: FormData, name: str) -> str | None:
    value = str(form.get(name, "")).strip()
    return value or None


def _goal_or_none(form: FormData, name: str) -> int | None:
    value = _text_or_none(form, name)
    return None if value is None else _int(value, "goalId")


def _goal_change(form: FormData) -> dict[str, Any]:
    """The edit form shows the goal the viewer may see (or none) and posts it back with
    what it showed: a goal changes only when the choice differs from what was shown, so
    an item serving a goal the viewer may not see keeps it."""
    chosen = _goal_or_none(form, "goal_id")
    if chosen == _goal_or_none(form, "goal_shown"):
        return {}
    return {"clear_goal": True} if chosen is None else {"goal_id": chosen}


@guarded
async def add_item_post(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    actor, employee, form = posted
    form_name = str(form.get("form", "add"))
    try:
        await development.add_development_item(
            actor=actor,
            employee_external_id=employee.external_id,
            item=ItemInput(
                action=str(form.get("action", "")),
                due_on=_date(form.get("due_on", ""), "dueOn"),
                focus_kpi_code=_text_or_none(form, "focus_kpi_code"),
                focus_skill=_text_or_none(form, "focus_skill"),
                course_code=_text_or_none(form, "course_code"),
                shadowing_external_id=_text_or_none(form, "shadowing_external_id"),
                action_detail=str(form.get("action_detail", "")),
                owner_external_id=_text_or_none(form, "owner_external_id"),
                notes=str(form.get("notes", "")),
                goal_id=_goal_or_none(form, "goal_id"),
                session_id=_int(form.get("session_id"), "sessionId")
                if _text_or_none(form, "session_id")
                else None,
            ),
        )
    except Refusal as error:
        failed = _failed(request, form_name, error, form)
        return await _plan_page(
            request, actor, employee, failed=failed, status=refusal_status(error)
        )
    return redirect(_plan_url(employee.external_id, "?done=added#items"))


@guarded
async def update_item_post(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    actor, employee, form = posted
    item_id = _int(request.path_params["item_id"], "item")
    try:
        item = await DevelopmentItem.get_or_none(id=item_id, plan__employee_id=employee.id)
        if item is None:
            raise NotFound(f"There is no development item {item_id} in this plan.")
        await development.update_development_item(
            actor=actor,
            item_id=item.id,
            changes=ItemChanges(
                status=_text_or_none(form, "status"),
                notes=str(form.get("notes", "")),
                **_goal_change(form),
            ),
            expected_version=_int(form.get("expected_version", ""), "expected_version"),
        )
    except Refusal as error:
        failed = _failed(request, f"item-{item_id}", error, form)
        return await _plan_page(
            request, actor, employee, failed=failed, status=refusal_status(error)
        )
    return redirect(_plan_url(employee.external_id, f"?done=updated#item-{item_id}"))


@guarded
async def attendance_post(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    actor, employee, form = posted
    try:
        await training.record_attendance(
            actor=actor,
            course_code=str(form.get("course_code", "")),
            employee_external_id=employee.external_id,
            attended_on=_date(form.get("attended_on", ""), "attendedOn"),
            note=str(form.get("note", "")),
        )
    except Refusal as error:
        failed = _failed(request, "attendance", error, form)
        return await _plan_page(
            request, actor, employee, failed=failed, status=refusal_status(error)
        )
    return redirect(_plan_url(employee.external_id, "?done=attended#attended"))


# --- the catalogue (admins) ----------------------------------------------------------


async def _courses_page(
    request: Request, *, failed: FormErrors | None = None, status: int = 200
) -> Response:
    courses = await Course.all().order_by("code")
    kpis = {k.code: k for k in await Kpi.all()}
    return render(
        request,
        "development/courses.html",
        {
            "courses": [(c, [(code, kpis.get(code)) for code in c.kpi_codes]) for c in courses],
            "kpis": sorted(kpis.values(), key=lambda k: k.code),
            "formats": [f.value for f in CourseFormat],
            "failed": failed,
            "done": request.query_params.get("done"),
        },
        status=status,
    )


@guarded
async def courses_page(request: Request) -> Response:
    require(request, AccessLevel.ADMIN)
    return await _courses_page(request)


@guarded
async def course_post(request: Request) -> Response:
    actor = require(request, AccessLevel.ADMIN)
    form = await checked_form(request)
    version_text = str(form.get("expected_version", "")).strip()
    try:
        await training.save_course(
            actor=actor,
            course=training.CourseInput(
                code=str(form.get("code", "")),
                title=str(form.get("title", "")),
                title_zh=str(form.get("title_zh", "")),
                kpi_codes=tuple(str(v) for v in form.getlist("kpi_codes")),
                length_minutes=_int(form.get("length_minutes", ""), "lengthMinutes"),
                format=str(form.get("format", "")),
            ),
            expected_version=_int(version_text, "expected_version") if version_text else None,
        )
    except Refusal as error:
        failed = _failed(request, "course", error, form)
        for name in COURSE_FIELDS:
            failed.values.setdefault(name, "")
        return await _courses_page(request, failed=failed, status=refusal_status(error))
    return redirect("/admin/courses?done=saved")


routes = [
    Route("/development", my_plan, methods=["GET"]),
    Route("/people/{external_id}/development", plan_page, methods=["GET"]),
    Route("/people/{external_id}/development/aim", aim_post, methods=["POST"]),
    Route("/people/{external_id}/development/items", add_item_post, methods=["POST"]),
    Route("/people/{external_id}/development/items/{item_id}", update_item_post, methods=["POST"]),
    Route("/people/{external_id}/development/attendance", attendance_post, methods=["POST"]),
    Route("/courses", courses_page, methods=["GET"]),
    Route("/courses", course_post, methods=["POST"]),
]
