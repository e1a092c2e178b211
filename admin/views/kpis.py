"""The KPI library: list, create, edit; frozen fields shown as such."""

from __future__ import annotations

from starlette.routing import Route

routes: list[Route] = []
