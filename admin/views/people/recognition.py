"""Recognition in the admin: the hub (the walls one may see; trading flags for admins), a
team's wall (paged, with the form to recognise a colleague, the receiver's visibility
switch and the admins' hide form), and a person's page (what they received, and for
their managers the customer praise to turn into a recognition with one click).

Each form calls one use case; who sees what is service/usecases/accounts/access.py's."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.connection import get_connection

from admin.web import (
    Failed,
    Refused,
    checked_form,
    guarded,
    person_from_url,
    render,
    require,
    signed_in,
    submit_form,
)
from service.errors import (
    NotFound,
    PermissionDenied,
)
from service.models import AccessLevel, Employee, Kpi, Recognition, RecognitionVisibility, Team
from service.usecases.accounts.access import (
    WallView,
    led_team_ids,
    manager_ids_of,
    may_see_recognition,
)
from service.usecases.actor import Actor
from service.usecases.parsing import largest_key, whole_or_none
from service.usecases.people.recognition import (
    customer_praise_of,
    give_recognition,
    given_at,
    hide_recognition,
    recognize_customer_praise,
    set_recognition_visibility,
    trading_flags,
    wall_page,
)
from service.usecases.people.recognition_rules import TRADING_MIN_EACH_WAY, TRADING_WINDOW_DAYS

WALL_PAGE = 20


@dataclass(frozen=True, slots=True)
class Shown:
    """A recognition as a page shows it: names, never a score."""

    row: Recognition
    receiver: Employee | None
    giver: Employee | None
    kpi: Kpi | None

    @property
    def given_at(self) -> object:
        return given_at(self.row)


async def _shown(rows: list[Recognition]) -> list[Shown]:
    people_ids = {r.receiver_id for r in rows} | {r.giver_employee_id for r in rows}
    people = {e.id: e for e in await Employee.filter(id__in=list(people_ids))} if rows else {}
    kpi_ids = [r.kpi_id for r in rows if r.kpi_id is not None]
    kpis = {k.id: k for k in await Kpi.filter(id__in=kpi_ids)} if kpi_ids else {}
    return [
        Shown(
            row,
            people.get(row.receiver_id),
            people.get(row.giver_employee_id),
            kpis.get(row.kpi_id or 0),
        )
        for row in rows
    ]


async def _walls_seen(actor: Actor) -> list[Team]:
    """The teams whose wall the actor may open: every team for an admin; the teams one
    leads (and those under them) and one's own team otherwise."""
    if actor.is_admin:
        return list(await Team.all().order_by("code"))
    conn = get_connection("default")
    ids = set(await led_team_ids(conn, actor.employee_id))
    if actor.employee_id is not None:
        me = await Employee.get_or_none(id=actor.employee_id)
        if me is not None and me.team_id is not None:
            ids.add(me.team_id)
    return list(await Team.filter(id__in=list(ids)).order_by("code")) if ids else []


@guarded
async def hub_page(request: Request) -> Response:
    actor = signed_in(request)
    me = None
    if actor.employee_id is not None:
        me = await Employee.get_or_none(id=actor.employee_id)
    flags = await trading_flags(actor=actor) if actor.is_admin else []
    return render(
        request,
        "recognition/hub.html",
        {
            "teams": await _walls_seen(actor),
            "me": me,
            "flags": flags,
            "window_days": TRADING_WINDOW_DAYS,
            "min_each_way": TRADING_MIN_EACH_WAY,
        },
    )


async def _team(request: Request) -> Team:
    team = await Team.get_or_none(code=request.path_params["team_code"])
    if team is None:
        raise Refused(404, "No such team.")
    return team


async def _wall(
    request: Request, actor: Actor, team: Team, failed: Failed | None = None, status: int = 200
) -> Response:
    after = whole_or_none(request.query_params.get("after", ""), high=largest_key(Recognition))
    conn = get_connection("default")
    try:
        view, rows = await wall_page(
            conn, actor=actor, team_id=team.id, size=WALL_PAGE + 1, after=after
        )
    except PermissionDenied as refused:
        raise Refused(403, refused.message) from None
    more = len(rows) > WALL_PAGE
    rows = rows[:WALL_PAGE]
    members = [
        e
        for e in await Employee.filter(team_id=team.id).order_by("name", "id")
        if e.id != actor.employee_id
    ]
    return render(
        request,
        "recognition/wall.html",
        {
            "team": team,
            "rows": await _shown(rows),
            "next_after": rows[-1].id if more and rows else None,
            "members": members,
            "kpis": list(await Kpi.all().order_by("code")),
            "may_give": actor.employee_id is not None and bool(members),
            "is_admin": view is WallView.ADMIN,
            "me": actor.employee_id,
            "failed": failed,
            "done": request.query_params.get("done"),
            "visibilities": RecognitionVisibility,
        },
        status=status,
    )


@guarded
async def wall_page_view(request: Request) -> Response:
    return await _wall(request, signed_in(request), await _team(request))


@guarded
async def give_post(request: Request) -> Response:
    form = await checked_form(request)
    actor = signed_in(request)
    team = await _team(request)
    values = {k: str(form.get(k, "")) for k in ("receiver", "message", "kpi_code", "value_tag")}
    return await submit_form(
        request,
        lambda: give_recognition(
            actor=actor,
            receiver_external_id=values["receiver"],
            message=values["message"],
            kpi_code=values["kpi_code"] or None,
            value_tag=values["value_tag"] or None,
        ),
        form="give",
        values=values,
        again=lambda failed, status: _wall(request, actor, team, failed, status),
        done=f"/admin/teams/{team.code}/recognition?done=given",
    )


async def _recognition(request: Request) -> tuple[Recognition, Employee]:
    row = await Recognition.get_or_none(id=int(request.path_params["recognition_id"]))
    if row is None:
        raise Refused(404, "No such recognition.")
    return row, await Employee.get(id=row.receiver_id)


@guarded
async def hide_post(request: Request) -> Response:
    form = await checked_form(request)
    actor = require(request, AccessLevel.ADMIN)
    row, receiver = await _recognition(request)
    team = await Team.get_or_none(id=receiver.team_id or 0)

    async def again(failed: Failed, status: int) -> Response:
        # Back to the team's wall, which holds the hide form; a receiver without a team
        # has only their own page, which has no hide form to show the messages by.
        if team is None:
            return await _person(request, actor, receiver, None, status)
        return await _wall(request, actor, team, failed, status)

    return await submit_form(
        request,
        lambda: hide_recognition(
            actor=actor, recognition_id=row.id, reason=str(form.get("reason", ""))
        ),
        form=f"hide-{row.id}",
        again=again,
        done=f"/admin/people/{receiver.external_id}/recognition?done=hidden"
        if team is None
        else f"/admin/teams/{team.code}/recognition?done=hidden",
    )


@guarded
async def visibility_post(request: Request) -> Response:
    form = await checked_form(request)
    actor = signed_in(request)
    row, receiver = await _recognition(request)
    return await submit_form(
        request,
        lambda: set_recognition_visibility(
            actor=actor, recognition_id=row.id, visibility=str(form.get("visibility", ""))
        ),
        form=f"visibility-{row.id}",
        again=lambda failed, status: _person(request, actor, receiver, failed, status),
        done=f"/admin/people/{receiver.external_id}/recognition?done=visibility",
    )


async def _person(
    request: Request,
    actor: Actor,
    employee: Employee,
    failed: Failed | None = None,
    status: int = 200,
) -> Response:
    conn = get_connection("default")
    managers = await manager_ids_of(conn, employee)
    manages = actor.is_admin or (
        actor.access is AccessLevel.MANAGER and actor.employee_id in managers
    )
    if not manages and actor.employee_id != employee.id:
        raise Refused(
            403,
            "A person's recognitions are listed for them, their managers and admins; "
            "their team sees the public ones on the team's wall.",
        )
    viewer_team = None
    if actor.employee_id is not None:
        me = await Employee.get_or_none(id=actor.employee_id)
        viewer_team = None if me is None else me.team_id
    received = [
        row
        for row in await Recognition.filter(receiver_id=employee.id).order_by("-id").limit(100)
        if may_see_recognition(
            actor,
            receiver_id=employee.id,
            receiver_team_id=employee.team_id,
            giver_employee_id=row.giver_employee_id,
            manager_ids=managers,
            public=row.visibility is RecognitionVisibility.PUBLIC,
            hidden=row.hidden_at is not None,
            viewer_team_id=viewer_team,
        )
    ]
    praise = []
    if manages and actor.employee_id is not None and actor.employee_id != employee.id:
        praise = await customer_praise_of(conn, employee)
    # What the person gave, on their own page: the giver sees every one they gave
    # (hidden ones excepted), whoever's team it went to.
    gave = []
    if actor.employee_id == employee.id:
        gave = list(
            await Recognition.filter(giver_employee_id=employee.id, hidden_at__isnull=True)
            .order_by("-id")
            .limit(100)
        )
    team = await Team.get_or_none(id=employee.team_id or 0)
    return render(
        request,
        "recognition/person.html",
        {
            "person": employee,
            "team": team,
            "rows": await _shown(received),
            "gave": await _shown(gave),
            "praise": praise,
            "is_person": actor.employee_id == employee.id,
            "is_admin": actor.is_admin,
            "failed": failed,
            "done": request.query_params.get("done"),
            "visibilities": RecognitionVisibility,
        },
        status=status,
    )


@guarded
async def person_page(request: Request) -> Response:
    actor = signed_in(request)
    return await _person(request, actor, await person_from_url(request))


@guarded
async def praise_post(request: Request) -> Response:
    form = await checked_form(request)
    actor = require(request, AccessLevel.ADMIN, AccessLevel.MANAGER)
    employee = await person_from_url(request)
    observation_id = whole_or_none(str(form.get("observation_id", "")), high=2**63 - 1)

    async def recognize() -> object:
        if observation_id is None:
            raise NotFound("No such customer feedback.")
        return await recognize_customer_praise(actor=actor, observation_id=observation_id)

    return await submit_form(
        request,
        recognize,
        form="praise",
        again=lambda failed, status: _person(request, actor, employee, failed, status),
        done=f"/admin/people/{employee.external_id}/recognition?done=praise",
    )


routes = [
    Route("/recognition", hub_page, methods=["GET"]),
    Route("/teams/{team_code}/recognition", wall_page_view, methods=["GET"]),
    Route("/teams/{team_code}/recognition", give_post, methods=["POST"]),
    Route("/recognition/{recognition_id:key}/hide", hide_post, methods=["POST"]),
    Route("/recognition/{recognition_id:key}/visibility", visibility_post, methods=["POST"]),
    Route("/people/{external_id}/recognition", person_page, methods=["GET"]),
    Route("/people/{external_id}/recognition/praise", praise_post, methods=["POST"]),
]
