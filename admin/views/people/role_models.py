"""Role models, best practice and knowledge-sharing sessions in the admin
(docs/role-models.md): a team's role models (and the employee's own naming setting), the
notes on one KPI (share, thank, hide) and the sessions (schedule, attend).

The use cases decide who sees and does what (service/usecases/accounts/access.py) and
audit every change. Each POST checks its CSRF token, calls one use case and comes back
to the page, with the refusal above the form when there is one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.connection import get_connection

from admin.web import (
    Refused,
    checked_form,
    guarded,
    redirect,
    refusal_line,
    refusal_status,
    render,
    say,
    signed_in,
)
from service.errors import Issue, NotFound, Refusal, ValidationFailed
from service.models import (
    OPEN_CYCLE_STATES,
    AccessLevel,
    Cycle,
    Employee,
    Kpi,
    KpiKind,
    Team,
)
from service.usecases.accounts.access import (
    RoleModelView,
    led_team_ids,
)
from service.usecases.actor import Actor
from service.usecases.people import best_practice, role_models, sessions
from service.usecases.people.sessions import SessionInput
from service.usecases.setup.policy import load_policy


def _reader(request: Request) -> Actor:
    actor = signed_in(request)
    if actor.access is AccessLevel.INTEGRATION:
        raise Refused(403, "An integration token records data; sign in as a person.")
    return actor


# --- a team's role models --------------------------------------------------------------


async def _teams_for(actor: Actor) -> list[Team]:
    """The teams whose role models the viewer may open: every team for an admin, the led
    teams (and those under them) and their own for a manager, their own for anyone."""
    if actor.is_admin:
        return list(await Team.all().order_by("code"))
    ids = set(await led_team_ids(get_connection("default"), actor.employee_id))
    if actor.employee_id is not None:
        me = await Employee.get_or_none(id=actor.employee_id)
        if me is not None and me.team_id is not None:
            ids.add(me.team_id)
    return list(await Team.filter(id__in=sorted(ids)).order_by("code"))


async def _default_cycle() -> Cycle | None:
    """The open cycle the page starts on: the latest start among the open ones."""
    return (
        await Cycle.filter(state__in=list(OPEN_CYCLE_STATES))
        .order_by("-starts_on", "ends_on", "code")
        .first()
    )


async def _role_models_page(
    request: Request, actor: Actor, *, refusal: str | None = None, status: int = 200
) -> Response:
    teams = await _teams_for(actor)
    team_code = request.query_params.get("team") or (teams[0].code if teams else None)
    cycles = list(await Cycle.all().order_by("-starts_on", "code"))
    cycle_code = request.query_params.get("cycle")
    if not cycle_code:
        default = await _default_cycle()
        cycle_code = None if default is None else default.code
    board = None
    board_refusal = None
    if team_code and cycle_code:
        try:
            board = await role_models.role_models_of_team(
                get_connection("default"), actor=actor, team_code=team_code, cycle_code=cycle_code
            )
        except Refusal as error:
            board_refusal = refusal_line(request, error, named=False)
            status = refusal_status(error) if status == 200 else status
    opted_in = None
    if actor.employee_id is not None:
        opted_in = await role_models.role_model_opted_in(
            get_connection("default"), actor.employee_id
        )
    return render(
        request,
        "role_models/team.html",
        {
            "teams": teams,
            "team_code": team_code,
            "cycles": cycles,
            "cycle_code": cycle_code,
            "board": board,
            "full": board is not None and board.view is RoleModelView.FULL,
            "board_refusal": board_refusal,
            "opted_in": opted_in,
            "refusal": refusal,
            "done": request.query_params.get("done"),
        },
        status=status,
    )


@guarded
async def role_models_page(request: Request) -> Response:
    return await _role_models_page(request, _reader(request))


@guarded
async def opt_in_post(request: Request) -> Response:
    actor = _reader(request)
    form = await checked_form(request)
    try:
        await role_models.set_role_model_opt_in(
            actor=actor, opted_in=str(form.get("opted_in", "")) == "yes"
        )
    except Refusal as error:
        return await _role_models_page(
            request,
            actor,
            refusal=refusal_line(request, error, named=False),
            status=refusal_status(error),
        )
    back = {k: str(v) for k, v in form.items() if k in ("team", "cycle") and v}
    return redirect(f"/admin/role-models?{urlencode({**back, 'done': 'opt-in'})}#opt-in")


# --- best practice on one KPI -----------------------------------------------------------


def _kpi_url(code: str, anchor: str = "") -> str:
    return f"/admin/best-practice/{quote(code, safe='')}{anchor}"


async def _authors_for(actor: Actor) -> list[Employee]:
    """Whom the viewer may write a note for: themselves, and the people they manage."""
    people: list[Employee] = []
    if actor.employee_id is not None:
        me = await Employee.get_or_none(id=actor.employee_id)
        if me is not None:
            people.append(me)
    if actor.is_admin:
        people += [
            e for e in await Employee.all().order_by("name", "external_id") if e not in people
        ]
    elif actor.access is AccessLevel.MANAGER:
        teams = await led_team_ids(get_connection("default"), actor.employee_id)
        people += [
            e
            for e in await Employee.filter(team_id__in=sorted(teams)).order_by(
                "name", "external_id"
            )
            if e.id != actor.employee_id
        ]
    return people


async def _kpi_page(
    request: Request, actor: Actor, *, refusal: str | None = None, status: int = 200
) -> Response:
    code = request.path_params["kpi_code"]
    try:
        kpi, notes = await best_practice.best_practice_for_kpi(
            get_connection("default"), actor=actor, kpi_code=code
        )
    except NotFound as missing:
        return render(request, "error.html", {"message": say(request, missing)}, status=404)
    return render(
        request,
        "role_models/best_practice.html",
        {
            "kpi": kpi,
            "notes": notes,
            "may_share": kpi.kind is KpiKind.QUANTITATIVE,
            "authors": await _authors_for(actor),
            "kpis": [k for k in await Kpi.filter(kind=KpiKind.QUANTITATIVE).order_by("code")],
            "refusal": refusal,
            "done": request.query_params.get("done"),
        },
        status=status,
    )


@guarded
async def kpi_page(request: Request) -> Response:
    return await _kpi_page(request, _reader(request))


@guarded
async def share_post(request: Request) -> Response:
    actor = _reader(request)
    form = await checked_form(request)
    code = request.path_params["kpi_code"]
    author = str(form.get("author", "")).strip() or None
    me = None if actor.employee_id is None else await Employee.get_or_none(id=actor.employee_id)
    try:
        await best_practice.share_best_practice(
            actor=actor,
            kpi_code=code,
            text=str(form.get("text", "")),
            author_external_id=None if me is not None and author == me.external_id else author,
        )
    except Refusal as error:
        return await _kpi_page(
            request,
            actor,
            refusal=refusal_line(request, error, named=False),
            status=refusal_status(error),
        )
    return redirect(_kpi_url(code, "?done=shared#notes"))


@guarded
async def thank_post(request: Request) -> Response:
    actor = _reader(request)
    await checked_form(request)
    try:
        await best_practice.thank_best_practice(
            actor=actor, note_id=int(request.path_params["note_id"])
        )
    except Refusal as error:
        return await _kpi_page(
            request,
            actor,
            refusal=refusal_line(request, error, named=False),
            status=refusal_status(error),
        )
    return redirect(_kpi_url(request.path_params["kpi_code"], "?done=thanked#notes"))


@guarded
async def hide_post(request: Request) -> Response:
    actor = _reader(request)
    form = await checked_form(request)
    try:
        await best_practice.hide_best_practice(
            actor=actor,
            note_id=int(request.path_params["note_id"]),
            reason=str(form.get("reason", "")),
        )
    except Refusal as error:
        return await _kpi_page(
            request,
            actor,
            refusal=refusal_line(request, error, named=False),
            status=refusal_status(error),
        )
    return redirect(_kpi_url(request.path_params["kpi_code"], "?done=hidden#notes"))


# --- knowledge-sharing sessions ------------------------------------------------------------


async def _zone() -> ZoneInfo:
    policy, _version = await load_policy(get_connection("default"))
    return ZoneInfo(policy.timezone)


async def _sessions_page(
    request: Request,
    actor: Actor,
    *,
    refusal: str | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    conn = get_connection("default")
    zone = await _zone()
    upcoming = await sessions.sessions_list(conn, actor=actor, upcoming=True)
    past = await sessions.sessions_list(conn, actor=actor, upcoming=False)
    may_schedule = actor.is_admin or actor.access is AccessLevel.MANAGER
    return render(
        request,
        "role_models/sessions.html",
        {
            "upcoming": upcoming,
            "past": past,
            "may_schedule": may_schedule,
            "may_record": may_schedule,
            "people": await _authors_for(actor) if may_schedule else [],
            "kpis": list(await Kpi.filter(kind=KpiKind.QUANTITATIVE).order_by("code")),
            "local": lambda moment: moment.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "zone": str(zone),
            "refusal": refusal,
            "values": values or {},
            "done": request.query_params.get("done"),
        },
        status=status,
    )


@guarded
async def sessions_page(request: Request) -> Response:
    return await _sessions_page(request, _reader(request))


def _local_moment(text: str, zone: ZoneInfo) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(
            [Issue.of("startsAt", "a day and a time, e.g. 2026-03-10 14:00", "INVALID")]
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


@guarded
async def schedule_post(request: Request) -> Response:
    actor = _reader(request)
    form = await checked_form(request)
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    try:
        length_text = str(form.get("length_minutes", "60")).strip() or "60"
        if not length_text.isdigit():
            raise ValidationFailed(
                [Issue.of("lengthMinutes", "a whole number of minutes", "INVALID")]
            )
        await sessions.schedule_session(
            actor=actor,
            session=SessionInput(
                title=str(form.get("title", "")),
                starts_at=_local_moment(str(form.get("starts_at", "")), await _zone()),
                presenter_external_ids=tuple(str(v) for v in form.getlist("presenters")),
                kpi_codes=tuple(str(v) for v in form.getlist("kpi_codes")),
                length_minutes=int(length_text),
                place=str(form.get("place", "")),
                link=str(form.get("link", "")),
                description=str(form.get("description", "")),
            ),
        )
    except Refusal as error:
        return await _sessions_page(
            request,
            actor,
            refusal=refusal_line(request, error, named=False),
            values=values,
            status=refusal_status(error),
        )
    return redirect("/admin/sessions?done=scheduled")


@guarded
async def attend_post(request: Request) -> Response:
    actor = _reader(request)
    form = await checked_form(request)
    who = str(form.get("employee", "")).strip() or None
    try:
        await sessions.attend_session(
            actor=actor,
            session_id=int(request.path_params["session_id"]),
            employee_external_id=who,
        )
    except Refusal as error:
        return await _sessions_page(
            request,
            actor,
            refusal=refusal_line(request, error, named=False),
            status=refusal_status(error),
        )
    return redirect(f"/admin/sessions?done=attended#session-{request.path_params['session_id']}")


async def learn_from(actor: Actor, kpi_ids: list[int]) -> dict[int, Any]:
    """The notes beside a score's lines ("learn from"): the first three of each KPI."""
    return await best_practice.best_practice_for_kpis(
        get_connection("default"), actor=actor, kpi_ids=kpi_ids
    )


routes = [
    Route("/role-models", role_models_page, methods=["GET"]),
    Route("/role-models/opt-in", opt_in_post, methods=["POST"]),
    Route("/best-practice/{kpi_code}", kpi_page, methods=["GET"]),
    Route("/best-practice/{kpi_code}", share_post, methods=["POST"]),
    Route("/best-practice/{kpi_code}/{note_id:int}/thank", thank_post, methods=["POST"]),
    Route("/best-practice/{kpi_code}/{note_id:int}/hide", hide_post, methods=["POST"]),
    Route("/sessions", sessions_page, methods=["GET"]),
    Route("/sessions", schedule_post, methods=["POST"]),
    Route("/sessions/{session_id:int}/attend", attend_post, methods=["POST"]),
]
