"""Who is acting: every use case takes one and writes it to the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from service.models import AccessLevel


@dataclass(frozen=True, slots=True)
class Actor:
    label: str  # what the audit log shows, e.g. "admin@example.com" or "cli"
    access: AccessLevel
    user_id: int | None = None
    employee_id: int | None = None
    token_id: int | None = None  # the bearer token of this request, for `logout`
    # The one source an INTEGRATION token may record rows for; None: any.
    source: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.access is AccessLevel.ADMIN


def command_line_admin(label: str = "cli") -> Actor:
    """The CLI acts as an admin; the label names who ran it in the audit log."""
    return Actor(label=label, access=AccessLevel.ADMIN)
