"""The ASGI application: /healthz, /graphql and the admin at /admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Mount, Route
from tortoise.connection import get_connection
from tortoise.contrib.starlette import RegisterTortoise

from admin.app import create_admin
from service.api.schema import create_schema
from service.api.view import FairscoreGraphQL
from service.models import tortoise_config
from service.settings import Settings


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_environment()

    async def healthz(_request: Request) -> JSONResponse:
        try:
            await get_connection("default").execute_query("SELECT 1")
        except Exception as error:  # any failure means "not reachable", said plainly
            return JSONResponse(
                {"status": "unavailable", "database": "unreachable", "error": type(error).__name__},
                status_code=503,
            )
        return JSONResponse({"status": "ok", "database": "reachable"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with RegisterTortoise(app, config=tortoise_config(settings.database_url)):
            yield

    graphql_app = FairscoreGraphQL(create_schema(settings), settings)
    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            Route("/admin", lambda _request: RedirectResponse("/admin/", status_code=307)),
            Mount("/admin", app=create_admin(settings)),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    return app
