"""The appeals queue for managers and admins."""

from __future__ import annotations

from starlette.routing import Route

routes: list[Route] = []
