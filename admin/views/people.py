"""People and teams: lists with search, hierarchy and leads, positions, dates."""

from __future__ import annotations

from starlette.routing import Route

routes: list[Route] = []
