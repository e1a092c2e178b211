"""Checks of what an actor may do, raised as PermissionDenied with what to do instead."""

from __future__ import annotations

from service.errors import PermissionDenied
from service.usecases.actor import Actor


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Only an admin may do this; ask an admin of your organisation.")
