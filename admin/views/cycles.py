"""Cycles: create, state bar and transitions, warnings, scorecard editor, payroll CSV."""

from __future__ import annotations

from starlette.routing import Route

routes: list[Route] = []
