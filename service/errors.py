"""Domain errors raised by use cases; the API and the CLI turn them into messages.

A message that carries values is a template (`"No cycle has the code {code}."`) with the
values beside it, so that the admin can show it in Chinese as well: `message` is the
English text, `template` and `values` are what a translation starts from. An enum value
is written with its label (service/labels.py) in each language.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any

from service.labels import label


def fill(template: str, values: Mapping[str, Any], lang: str = "en") -> str:
    """The template with its values; codes (enum members) as their labels in `lang`."""
    if not values:
        return template
    shown = {name: _shown(value, lang) for name, value in values.items()}
    return template.format(**shown)


def _shown(value: Any, lang: str) -> Any:
    if isinstance(value, Enum):
        return label(value, lang)
    if isinstance(value, Issue | DomainError):  # a message inside a message: its English text
        return value.message
    if isinstance(value, Mapping):  # a stored message ({"message": ..., "template": ...})
        return value.get("message", "")
    return value


@dataclass(frozen=True, slots=True)
class Issue:
    """One thing wrong with the input: where (row and field) and what to do."""

    field: str
    message: str
    code: str = "INVALID"
    row: int | None = None  # 0-based index in a bulk input
    template: str | None = None  # the message before its values were filled in
    values: Mapping[str, Any] = dataclasses.field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(
        cls,
        field_name: str,
        template: str,
        code: str = "INVALID",
        *,
        row: int | None = None,
        **values: Any,
    ) -> Issue:
        """An issue whose message is a template with values (the admin translates it)."""
        return cls(
            field_name, fill(template, values), code, row, template, MappingProxyType(values)
        )

    def describe(self) -> str:
        where = f"row {self.row + 1}, " if self.row is not None else ""
        return f"{where}{self.field}: {self.message}"


class DomainError(Exception):
    """`raise NotFound("No cycle has the code {code}.", code=code)`: the message in
    English is the template filled in; the template and values stay for translation."""

    code = "DOMAIN_ERROR"

    def __init__(self, message: str, /, **values: Any) -> None:
        filled = fill(message, values)
        super().__init__(filled)
        self.message = filled
        self.template = message
        self.values: Mapping[str, Any] = MappingProxyType(values)


class Refusal(DomainError):
    """The use case refused what was asked (input, access, a stale or wrong state): a
    form can show it again with this message, and sending the same again would fail the
    same way. Every DomainError is one except DatabaseBusy, which says nothing about the
    request and is answered by retrying it.

    The one home of "what a form may display": the admin's views catch `Refusal`, never
    `DomainError`, so that a busy database always reaches `admin.web.guarded`'s 503 busy
    page (with Retry-After) instead of being shown as the form's fault. The GraphQL API
    keeps catching DomainError (service/api/errors.py), DatabaseBusy included, and maps
    it to BusyError / BUSY: nothing there changes.
    """


class NotFound(Refusal):
    code = "NOT_FOUND"


class ValidationFailed(Refusal):
    code = "VALIDATION_FAILED"

    def __init__(self, issues: list[Issue], message: str | None = None) -> None:
        self.issues = issues
        summary = message or "; ".join(issue.describe() for issue in issues[:5])
        if len(issues) > 5:
            summary += f"; and {len(issues) - 5} more"
        super().__init__(summary)


class StaleVersion(Refusal):
    """Someone saved first: the edit was based on an older version."""

    code = "STALE_VERSION"


class InvalidTransition(Refusal):
    code = "INVALID_TRANSITION"


class PermissionDenied(Refusal):
    code = "PERMISSION_DENIED"


class DatabaseBusy(DomainError):
    """Other writers kept the database busy past every retry; nothing was saved.

    Retryable: the same request, sent again a moment later, normally succeeds.
    """

    code = "DATABASE_BUSY"
    retry_after_seconds = 1

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "The database is busy with other changes and nothing was saved; "
            "try again in a moment."
        )


class GoalNotSmart(ValidationFailed):
    """A goal failed a letter of the SMART check (SCORING.md §11) and was not saved.

    ``findings`` holds every letter's result as data (letter, result, code, field,
    values), warnings and passes included, so a form can show all five letters.
    """

    code = "GOAL_NOT_SMART"

    def __init__(self, issues: list[Issue], findings: list[dict[str, object]]) -> None:
        self.findings = findings
        super().__init__(issues)
