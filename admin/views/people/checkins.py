"""Check-ins and feedback notes in the admin: a person's page (their next check-in and
open action items, what changed since the last one, their check-ins and notes, and the
forms to record, acknowledge, give and hide) and the managers' list of due check-ins.

Each form calls one use case; who sees what is service/usecases/accounts/access.py's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.connection import get_connection

from admin.i18n import name_text
from admin.views.people.goals import clock as goal_clock
from admin.web import (
    Failed,
    Refused,
    _,
    checked_form,
    guarded,
    person_from_url,
    redirect,
    render,
    require,
    signed_in,
    submit_form,
)
from service.labels import label
from service.models import (
    OPEN_CYCLE_STATES,
    AccessLevel,
    ActionItem,
    CheckIn,
    Employee,
    FeedbackNote,
    Goal,
    Score,
)
from service.scoring.stored import StoredScore
from service.usecases.accounts.access import (
    CheckInView,
    check_in_view,
    manager_ids_of,
    may_see_feedback_note,
)
from service.usecases.actor import Actor
from service.usecases.parsing import ParseError, largest_key, parse_date, whole_or_none
from service.usecases.people.checkins import (
    ActionItemInput,
    CheckInSnapshot,
    acknowledge_check_in,
    carried_action_items,
    check_in_agenda,
    due_check_ins,
    local_today,
    next_check_in,
    record_check_in,
    snapshot_goals,
)
from service.usecases.people.feedback_notes import give_feedback_note, hide_feedback_note
from service.usecases.people.goals import visible_goal
from service.usecases.setup.policy import load_policy

CHECK_INS_ON_PAGE = 20
NOTES_ON_PAGE = 50
ACTION_ITEM_ROWS = 3


ACTION_ITEM = "Action item {n}"


@dataclass(frozen=True, slots=True)
class CheckInRow:
    check_in: CheckIn
    view: CheckInView
    snapshot: CheckInSnapshot
    raised: list[ActionItem]
    carried: list[ActionItem]
    recorded_by: Employee | None


async def _person_page(
    request: Request,
    actor: Actor,
    employee: Employee,
    failed: Failed | None = None,
    status: int = 200,
) -> Response:
    conn = get_connection("default")
    managers = await manager_ids_of(conn, employee)
    own_view = check_in_view(
        actor, employee_id=employee.id, manager_ids=managers, recorded_by_employee_id=None
    )
    if own_view is CheckInView.NONE:
        raise Refused(
            403, "An employee's check-ins are seen by the employee, their managers and admins."
        )
    may_record = own_view is CheckInView.MANAGER and actor.employee_id != employee.id
    upcoming = await next_check_in(actor=actor, employee_external_id=employee.external_id)
    clock = goal_clock(request)
    agenda = await check_in_agenda(
        actor=actor, employee_external_id=employee.external_id, clock=clock
    )
    rows = list(
        await CheckIn.filter(employee_id=employee.id).order_by("-id").limit(CHECK_INS_ON_PAGE)
    )
    items = list(await ActionItem.filter(employee_id=employee.id).order_by("due_on", "id"))
    people = {
        e.id: e
        for e in await Employee.filter(
            id__in=list(
                {employee.id, *managers}
                | {r.recorded_by_employee_id for r in rows if r.recorded_by_employee_id}
                | {i.owner_id for i in items}
            )
        )
    }
    check_ins = [
        CheckInRow(
            check_in=row,
            view=check_in_view(
                actor,
                employee_id=employee.id,
                manager_ids=managers,
                recorded_by_employee_id=row.recorded_by_employee_id,
            ),
            snapshot=CheckInSnapshot.from_row(row.snapshot),
            raised=[i for i in items if i.raised_in_id == row.id],
            carried=carried_action_items(row, items),
            recorded_by=people.get(row.recorded_by_employee_id or 0),
        )
        for row in rows
    ]
    notes = [
        note
        for note in await FeedbackNote.filter(employee_id=employee.id)
        .order_by("-id")
        .limit(NOTES_ON_PAGE)
        if may_see_feedback_note(
            actor,
            employee_id=employee.id,
            giver_employee_id=note.giver_employee_id,
            manager_ids=managers,
            hidden=note.hidden_at is not None,
        )
    ]
    policy, _version = await load_policy(conn)
    # The goals a check-in recorded today would keep: to tick as discussed, or to tie a
    # note to (the form is for managers and admins, who see them all).
    goals_now = (
        await snapshot_goals(conn, employee, on=clock.today(policy.timezone), clock=clock)
        if may_record
        else ()
    )
    note_goals: dict[int, Goal] = {}
    for goal_id in sorted({n.goal_id for n in notes if n.goal_id is not None}):
        goal = await visible_goal(conn, actor=actor, goal_id=goal_id)
        if goal is not None:
            note_goals[goal_id] = goal
    return render(
        request,
        "checkins/person.html",
        {
            "person": employee,
            "people": people,
            "upcoming": upcoming,
            "agenda": agenda,
            "check_ins": check_ins,
            "notes": notes,
            "may_record": may_record,
            "may_give": may_record,
            "is_person": actor.employee_id == employee.id,
            "owners": [people[i] for i in sorted({employee.id, *managers}) if i in people],
            "snapshot_lines": await _current_lines(employee, request.state.admin.lang),
            "goals_now": goals_now,
            "note_goals": note_goals,
            "open_items": upcoming.open_action_items,
            "item_rows": range(ACTION_ITEM_ROWS),
            "today": local_today(policy, None).isoformat(),
            "failed": failed,
            "done": request.query_params.get("done"),
            "views": CheckInView,
        },
        status=status,
    )


async def _current_lines(employee: Employee, lang: str) -> list[tuple[int, str]]:
    """The lines of the score a new check-in keeps (numbers and KPI names), to tick."""
    score = (
        await Score.filter(employee_id=employee.id, cycle__state__in=list(OPEN_CYCLE_STATES))
        .order_by("-cycle__starts_on", "-cycle_id")
        .first()
    )
    if score is None:
        return []
    data = StoredScore.from_row(score.explanation)
    return [
        (
            number,
            f"{name_text(line.setting.kpi, lang)}"
            f" ({label(line.setting.scope, lang, group='Scope')})",
        )
        for number, line in enumerate(data.lines, start=1)
    ]


def _again(
    request: Request, actor: Actor, employee: Employee
) -> Callable[[Failed, int], Awaitable[Response]]:
    """The person's page shown again with a refused form."""

    async def show(failed: Failed, status: int) -> Response:
        return await _person_page(request, actor, employee, failed, status)

    return show


@guarded
async def person_page(request: Request) -> Response:
    actor = signed_in(request)
    return await _person_page(request, actor, await person_from_url(request))


def _action_items(request: Request, form: FormData) -> tuple[list[ActionItemInput], list[str]]:
    items: list[ActionItemInput] = []
    problems: list[str] = []
    for index in range(ACTION_ITEM_ROWS):
        text = str(form.get(f"item-{index}-text", "")).strip()
        if not text:
            continue
        owner = str(form.get(f"item-{index}-owner", "")).strip()
        try:
            due_on = parse_date(str(form.get(f"item-{index}-due", "")))
        except ParseError as error:
            problems.append(f"{_(request, ACTION_ITEM, n=index + 1)}: {error}")
            continue
        items.append(ActionItemInput(text, owner, due_on))
    return items, problems


@guarded
async def record_post(request: Request) -> Response:
    form = await checked_form(request)
    actor = require(request, AccessLevel.ADMIN, AccessLevel.MANAGER)
    employee = await person_from_url(request)
    values = {k: str(form.get(k, "")) for k in ("held_on", "shared_notes", "private_notes")}
    items, messages = _action_items(request, form)
    held_on: date | None = None
    try:
        held_on = parse_date(values["held_on"])
    except ParseError as error:
        messages.append(f"{_(request, 'Held on')}: {_(request, str(error))}")
    if messages or held_on is None:
        return await _person_page(request, actor, employee, Failed("record", messages, values), 400)
    discussed = [
        number
        for raw in form.getlist("discussed")
        if (number := whole_or_none(str(raw), high=1000)) is not None
    ]
    discussed_goals = [
        pk
        for raw in form.getlist("discussed_goal")
        if (pk := whole_or_none(str(raw), high=largest_key(Goal))) is not None
    ]
    closing = [
        pk
        for raw in form.getlist("close")
        if (pk := whole_or_none(str(raw), high=largest_key(ActionItem))) is not None
    ]
    return await submit_form(
        request,
        lambda: record_check_in(
            actor=actor,
            employee_external_id=employee.external_id,
            held_on=held_on,
            shared_notes=values["shared_notes"],
            private_notes=values["private_notes"],
            discussed_lines=discussed,
            discussed_goals=discussed_goals,
            action_items=items,
            close_action_item_ids=closing,
            clock=goal_clock(request),
        ),
        form="record",
        values=values,
        row=ACTION_ITEM,
        again=_again(request, actor, employee),
        done=f"/admin/people/{employee.external_id}/check-ins?done=recorded",
    )


@guarded
async def acknowledge_post(request: Request) -> Response:
    form = await checked_form(request)
    actor = signed_in(request)
    check_in = await CheckIn.get_or_none(id=int(request.path_params["check_in_id"]))
    if check_in is None:
        raise Refused(404, "No such check-in.")
    employee = await Employee.get(id=check_in.employee_id)
    return await submit_form(
        request,
        lambda: acknowledge_check_in(
            actor=actor, check_in_id=check_in.id, comment=str(form.get("comment", ""))
        ),
        form=f"acknowledge-{check_in.id}",
        again=_again(request, actor, employee),
        done=f"/admin/people/{employee.external_id}/check-ins?done=acknowledged",
    )


@guarded
async def give_post(request: Request) -> Response:
    form = await checked_form(request)
    actor = signed_in(request)
    employee = await person_from_url(request)
    values = {k: str(form.get(k, "")) for k in ("kind", "text", "line", "goal")}
    line = whole_or_none(values["line"], high=1000) if values["line"].strip() else None
    goal_id = (
        whole_or_none(values["goal"], high=largest_key(Goal)) if values["goal"].strip() else None
    )
    cycle_code = str(form.get("cycle_code", "")).strip() or None
    return await submit_form(
        request,
        lambda: give_feedback_note(
            actor=actor,
            employee_external_id=employee.external_id,
            kind=values["kind"],
            text=values["text"],
            cycle_code=cycle_code if line is not None else None,
            line=line,
            goal_id=goal_id,
        ),
        form="give",
        values=values,
        again=_again(request, actor, employee),
        done=f"/admin/people/{employee.external_id}/check-ins?done=given",
    )


@guarded
async def hide_post(request: Request) -> Response:
    form = await checked_form(request)
    actor = require(request, AccessLevel.ADMIN)
    note = await FeedbackNote.get_or_none(id=int(request.path_params["note_id"]))
    if note is None:
        raise Refused(404, "No such feedback note.")
    employee = await Employee.get(id=note.employee_id)
    return await submit_form(
        request,
        lambda: hide_feedback_note(
            actor=actor, note_id=note.id, reason=str(form.get("reason", ""))
        ),
        form=f"hide-{note.id}",
        again=_again(request, actor, employee),
        done=f"/admin/people/{employee.external_id}/check-ins?done=hidden",
    )


@guarded
async def due_page(request: Request) -> Response:
    actor = signed_in(request)
    if actor.access not in (AccessLevel.ADMIN, AccessLevel.MANAGER):
        if actor.employee_id is None:
            raise Refused(403, "You do not have access to this page. Ask an admin if you need it.")
        person = await Employee.get(id=actor.employee_id)
        return redirect(f"/admin/people/{person.external_id}/check-ins")
    rows = await due_check_ins(actor=actor)
    me = None
    if actor.employee_id is not None:
        me = await Employee.get_or_none(id=actor.employee_id)
    return render(request, "checkins/due.html", {"rows": rows, "me": me})


routes = [
    Route("/check-ins", due_page, methods=["GET"]),
    Route("/people/{external_id}/check-ins", person_page, methods=["GET"]),
    Route("/people/{external_id}/check-ins", record_post, methods=["POST"]),
    Route("/check-ins/{check_in_id:key}/acknowledge", acknowledge_post, methods=["POST"]),
    Route("/people/{external_id}/feedback-notes", give_post, methods=["POST"]),
    Route("/feedback-notes/{note_id:key}/hide", hide_post, methods=["POST"]),
]
