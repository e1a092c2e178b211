"""The ASGI application: /healthz, /graphql and the admin at /admin."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise.connection import get_connection
from tortoise.contrib.starlette import RegisterTortoise

from admin.app import create_admin
from service.api.schema import create_schema
from service.api.view import FairscoreGraphQL, LimitedBody
from service.models import tortoise_config
from service.settings import Settings
from service.usecases.accounts.purge import purge_expired
from service.usecases.scoring import scoring_pool
from service.usecases.scoring.changes import ChangeHub, hearing_changes

log = logging.getLogger("fairscore")

# A year; without includeSubDomains, since other hosts of the domain are not ours to bind.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


class TransportHeaders:
    """Headers every response needs, the API's as much as the admin's: no MIME sniffing,
    and in production HTTPS only (the admin adds its page-level headers itself)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.production = settings.is_production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if self.production:
                    headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _nothing_to_purge(database_url: str) -> bool:
    """A SQLite file that does not exist yet holds nothing. Not even tried: after one
    failed connection Tortoise's SQLite client hangs on the next, and /healthz must
    still be able to answer "unreachable"."""
    if not database_url.startswith("sqlite://"):
        return False
    location = database_url.removeprefix("sqlite://").split("?", 1)[0]
    return location == ":memory:" or not Path(location).is_file()


async def _purge_at_start(database_url: str) -> None:
    if _nothing_to_purge(database_url):
        return
    try:
        purged = await purge_expired()
    except Exception as error:  # housekeeping must not stop the server starting
        # E.g. a database unreachable or not migrated yet: /healthz says so.
        log.warning("start-up purge skipped: %s: %s", type(error).__name__, error)
    else:
        log.info("start-up purge: %s", purged)


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

    changes = ChangeHub()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            async with RegisterTortoise(app, config=tortoise_config(settings.database_url)):
                await _purge_at_start(settings.database_url)
                async with hearing_changes(changes, settings.database_url):
                    yield
        finally:
            # The scoring workers, if a large recompute started them, end with the app.
            scoring_pool.shutdown()

    graphql_view = FairscoreGraphQL(create_schema(settings), settings, changes)
    graphql_app: ASGIApp = LimitedBody(graphql_view, settings.max_body_bytes)
    if settings.cors_origins:
        # /graphql only: the admin signs in by cookie and stays same-origin. Bearer
        # tokens are not ambient, so no credentials: a page must send its token itself.
        graphql_app = CORSMiddleware(
            graphql_app,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type", "accept", "accept-language"],
            expose_headers=["www-authenticate"],
            allow_credentials=False,
            max_age=600,
        )
    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            # Every method reaches the view, which answers the ones it does not take
            # with a JSON 405 and a code (docs/api.md section 8), not a plain-text one.
            Route("/graphql", graphql_app),
            # Live subscriptions: the view checks the Origin against the same list as CORS.
            WebSocketRoute("/graphql", graphql_view),
            Route("/admin", lambda _request: RedirectResponse("/admin/", status_code=307)),
            Mount("/admin", app=create_admin(settings)),
        ],
        middleware=[Middleware(TransportHeaders, settings=settings)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.changes = changes
    return app
