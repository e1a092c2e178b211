"""The landing page: where each kind of user starts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin.web import guarded, render, signed_in
from service.models import OPEN_CYCLE_STATES, Cycle


@guarded
async def home(request: Request) -> Response:
    actor = signed_in(request)
    cycles = await Cycle.filter(state__in=OPEN_CYCLE_STATES).order_by("-starts_on")
    return render(request, "home.html", {"cycles": cycles, "me": actor})


routes = [Route("/", home, methods=["GET"])]
