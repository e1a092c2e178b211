"""The home page, by role (docs/day-with-fairscore.md): an admin's organisation, a
manager's team, an employee's own score. Each calls one read use case
(service/usecases/scoring/home.py) and renders it.

An admin who also leads a team gets the admin's home, which links to `/admin/home/team`:
their team's home, the manager's lists for the teams they lead. A manager who is scored
too reaches their own home at `/admin/home/me`.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin.charts import Column, histogram
from admin.views.people.goals import clock as goal_clock
from admin.web import Refused, _, guarded, render, signed_in, state
from service.models import OPEN_CYCLE_STATES, AccessLevel, Cycle
from service.scoring import what_it_would_take_text
from service.usecases.actor import Actor
from service.usecases.scoring.home import (
    BandCount,
    admin_home,
    as_team_lead,
    employee_home,
    manager_home,
)


def _bands_chart(request: Request, counts: list[BandCount], chart_id: str, title: str) -> Markup:
    return histogram(
        [Column(c.band, c.count) for c in counts],
        chart_id=chart_id,
        title=title,
        desc="; ".join(f"{c.band}: {c.count}" for c in counts) or _(request, "No scored members."),
    )


def _charts(request: Request, home: Any, prefix: str) -> dict[str, Markup | None]:
    choice = home.choice
    now = None
    before = None
    if choice.cycle is not None:
        now = _bands_chart(
            request,
            home.bands_now,
            f"{prefix}-bands-now",
            _(request, "Scored people per band in {cycle}", cycle=choice.cycle.code),
        )
    if choice.previous is not None:
        before = _bands_chart(
            request,
            home.bands_before,
            f"{prefix}-bands-before",
            _(request, "Scored people per band in {cycle}", cycle=choice.previous.code),
        )
    return {"chart_now": now, "chart_before": before}


def _cycle_asked(request: Request) -> str | None:
    return request.query_params.get("cycle") or None


async def _manager_page(request: Request, actor: Actor, *, team_view: bool) -> Response:
    home = await manager_home(
        actor=actor, clock=goal_clock(request), cycle_code=_cycle_asked(request)
    )
    lang = state(request).lang
    attention = [
        {
            "person": person,
            "wit": None
            if person.focus is None
            else what_it_would_take_text(person.focus.line, lang=lang),
        }
        for person in home.attention
    ]
    return render(
        request,
        "home/manager.html",
        {
            "home": home,
            "attention": attention,
            "team_view": team_view,
            "me": actor,
            **_charts(request, home, "team"),
        },
    )


async def _employee_page(request: Request, actor: Actor) -> Response:
    home = await employee_home(
        actor=actor, clock=goal_clock(request), cycle_code=_cycle_asked(request)
    )
    lang = state(request).lang
    wit = None if home.focus is None else what_it_would_take_text(home.focus.line, lang=lang)
    return render(request, "home/employee.html", {"home": home, "wit": wit, "me": actor})


async def _admin_page(request: Request, actor: Actor) -> Response:
    home = await admin_home(
        actor=actor, today=state(request).settings.today, cycle_code=_cycle_asked(request)
    )
    return render(
        request,
        "home/admin.html",
        {"home": home, "me": actor, **_charts(request, home, "organisation")},
    )


async def _other_page(request: Request, actor: Actor) -> Response:
    cycles = await Cycle.filter(state__in=OPEN_CYCLE_STATES).order_by("-starts_on")
    return render(request, "home.html", {"cycles": cycles, "me": actor})


@guarded
async def home(request: Request) -> Response:
    actor = signed_in(request)
    if actor.is_admin:
        return await _admin_page(request, actor)
    if actor.access is AccessLevel.MANAGER:
        return await _manager_page(request, actor, team_view=False)
    if actor.employee_id is not None:
        return await _employee_page(request, actor)
    return await _other_page(request, actor)


@guarded
async def team_home(request: Request) -> Response:
    """The manager's home for the teams the signed-in lead leads (an admin too)."""
    actor = signed_in(request)
    if actor.access not in (AccessLevel.ADMIN, AccessLevel.MANAGER) or actor.employee_id is None:
        raise Refused(403, "The team home is for the leads of a team.")
    return await _manager_page(request, as_team_lead(actor), team_view=True)


@guarded
async def my_home(request: Request) -> Response:
    """The employee's home for anyone with an employee record (a manager's own score)."""
    actor = signed_in(request)
    if actor.employee_id is None:
        raise Refused(403, "The personal home is for people with an employee record.")
    return await _employee_page(request, actor)


routes = [
    Route("/", home, methods=["GET"]),
    Route("/home/team", team_home, methods=["GET"]),
    Route("/home/me", my_home, methods=["GET"]),
]
