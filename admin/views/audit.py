"""The audit log, newest first."""

from __future__ import annotations

from starlette.routing import Route

routes: list[Route] = []
