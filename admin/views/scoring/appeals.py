"""The appeals queue for managers and admins: open appeals first, then the answered ones."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.connection import get_connection

from admin.i18n import name_text
from admin.views.scoring.scores import explanation_of, field_error
from admin.web import (
    FormErrors,
    Refused,
    checked_form,
    form_errors,
    guarded,
    redirect,
    refusal_status,
    render,
    require,
    state,
    typed,
)
from service.errors import Refusal
from service.models import (
    AccessLevel,
    Appeal,
    AppealState,
    Cycle,
    Employee,
    Observation,
    Score,
)
from service.scoring.stored import StoredScore
from service.usecases.accounts.access import visible_employee_ids
from service.usecases.actor import Actor
from service.usecases.parsing import MAX_PAGE, largest_key, whole_or_none
from service.usecases.scoring.appeals import resolve_appeal

RESOLVED_ON_PAGE = 50
FIELDS = ("outcome", "points", "voidObservationId", "note")


@dataclass(frozen=True, slots=True)
class AppealRow:
    appeal: Appeal
    employee: Employee
    cycle: Cycle
    line: str | None  # "2. Customer satisfaction"; None for the whole score
    total: str | None
    band: str | None


async def _actionable_ids(actor: Actor) -> set[int] | None:
    """Whose appeals the actor answers: everyone's for an admin; for a manager, the
    people of the teams they lead, never their own (access.require_may_act_on)."""
    visible = await visible_employee_ids(get_connection("default"), actor)
    if visible is None:
        return None
    return {pk for pk in visible if pk != actor.employee_id}


def _line_label(appeal: Appeal, data: StoredScore, lang: str) -> str | None:
    if appeal.line_ordinal is None:
        return None
    number = appeal.line_ordinal + 1
    lines = data.lines
    if appeal.line_ordinal < len(lines):
        return f"{number}. {name_text(lines[appeal.line_ordinal].kpi, lang)}"
    return str(number)


async def _rows(appeals: list[Appeal], lang: str) -> list[AppealRow]:
    employees = {
        e.id: e for e in await Employee.filter(id__in=list({a.employee_id for a in appeals}))
    }
    cycles = {c.id: c for c in await Cycle.filter(id__in=list({a.cycle_id for a in appeals}))}
    scores = {
        (s.cycle_id, s.employee_id): s
        for s in await Score.filter(cycle_id__in=list(cycles), employee_id__in=list(employees))
    }
    rows = []
    for appeal in appeals:
        score = scores.get((appeal.cycle_id, appeal.employee_id))
        data = explanation_of(None if score is None else score.explanation)
        rows.append(
            AppealRow(
                appeal=appeal,
                employee=employees[appeal.employee_id],
                cycle=cycles[appeal.cycle_id],
                line=_line_label(appeal, data, lang),
                total=data.total,
                band=data.band,
            )
        )
    return rows


def _page(request: Request) -> int:
    return whole_or_none(request.query_params.get("page", "1"), high=MAX_PAGE) or 1


async def _render_queue(
    request: Request, actor: Actor, failed: FormErrors | None = None, status: int = 200
) -> Response:
    ids = await _actionable_ids(actor)
    query = Appeal.all() if ids is None else Appeal.filter(employee_id__in=list(ids))
    open_appeals = await query.filter(state=AppealState.OPEN).order_by("created_at", "id")
    resolved_query = (
        Appeal.all() if ids is None else Appeal.filter(employee_id__in=list(ids))
    ).exclude(state=AppealState.OPEN)
    resolved_total = await resolved_query.count()
    page = _page(request)
    resolved = (
        await resolved_query.order_by("-resolved_at", "-id")
        .offset((page - 1) * RESOLVED_ON_PAGE)
        .limit(RESOLVED_ON_PAGE)
    )
    return render(
        request,
        "appeals/queue.html",
        {
            "open_rows": await _rows(list(open_appeals), state(request).lang),
            "resolved_rows": await _rows(list(resolved), state(request).lang),
            "page": page,
            "pages": max(1, -(-resolved_total // RESOLVED_ON_PAGE)),
            "failed": failed,
            "done": request.query_params.get("done") == "resolved" and failed is None,
        },
        status=status,
    )


@guarded
async def queue_page(request: Request) -> Response:
    actor = require(request, AccessLevel.ADMIN, AccessLevel.MANAGER)
    return await _render_queue(request, actor)


@guarded
async def resolve_post(request: Request) -> Response:
    form = await checked_form(request)
    actor = require(request, AccessLevel.ADMIN, AccessLevel.MANAGER)
    appeal_id = int(request.path_params["appeal_id"])
    ids = await _actionable_ids(actor)
    appeal = await Appeal.get_or_none(id=appeal_id)
    if appeal is None or (ids is not None and appeal.employee_id not in ids):
        raise Refused(403, "You may not answer this appeal: it is not one of your teams'.")
    form_name = f"appeal-{appeal_id}"
    points = str(form.get("points", "")).strip()
    raw_void = str(form.get("voidObservationId", "")).strip()
    void_id: int | None = None
    if raw_void:
        void_id = whole_or_none(raw_void, high=largest_key(Observation))
        if void_id is None:
            failed = field_error(
                request, form_name, form, "voidObservationId", "give the observation's number"
            )
            return await _render_queue(request, actor, failed, 400)
    try:
        await resolve_appeal(
            actor=actor,
            appeal_id=appeal_id,
            outcome=str(form.get("outcome", "")),
            note=str(form.get("note", "")),
            adjustment_points=points or None,
            void_observation_id=void_id,
        )
    except Refusal as error:
        failed = form_errors(request, form_name, error, typed(form, FIELDS))
        return await _render_queue(request, actor, failed, refusal_status(error))
    return redirect("/admin/appeals?done=resolved")


routes = [
    Route("/appeals", queue_page, methods=["GET"]),
    Route("/appeals/{appeal_id:key}/resolve", resolve_post, methods=["POST"]),
]
