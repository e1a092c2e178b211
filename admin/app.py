"""The admin, mounted at /admin by service.app: server-rendered, English and Chinese."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from admin.security import SecurityHeaders
from admin.views import audit, home
from admin.views.accounts import auth, users
from admin.views.people import checkins, development, goals, recognition, role_models
from admin.views.review import calibration, shadow
from admin.views.scoring import appeals, heatmap, scores
from admin.views.setup import cycles, imports, kpis, people, policy
from admin.web import AdminSessions
from service.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"


def create_admin(settings: Settings) -> Starlette:
    routes: list[Route | Mount] = [
        Mount("/static", app=StaticFiles(directory=STATIC), name="admin-static"),
        *auth.routes,
        *home.routes,
        *kpis.routes,
        *policy.routes,
        *calibration.routes,
        *shadow.routes,
        *goals.routes,
        *cycles.routes,
        *people.routes,
        *development.routes,
        *role_models.routes,
        *users.routes,
        *imports.routes,
        *recognition.routes,
        *heatmap.routes,
        *scores.routes,
        *appeals.routes,
        *checkins.routes,
        *audit.routes,
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders), Middleware(AdminSessions, settings=settings)],
    )
