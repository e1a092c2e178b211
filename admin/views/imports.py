"""CSV import of observations, feedback and reviews, with preview and row errors."""

from __future__ import annotations

from starlette.routing import Route

routes: list[Route] = []
