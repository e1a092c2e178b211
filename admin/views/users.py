"""User accounts: access level, deactivation, integration tokens."""

from __future__ import annotations

from starlette.routing import Route

routes: list[Route] = []
