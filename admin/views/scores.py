"""A score's explanation page, and the team dashboard."""

from __future__ import annotations

from starlette.routing import Route

routes: list[Route] = []
