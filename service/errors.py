"""Domain errors raised by use cases; the API and the CLI turn them into messages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Issue:
    """One thing wrong with the input: where (row and field) and what to do."""

    field: str
    message: str
    code: str = "INVALID"
    row: int | None = None  # 0-based index in a bulk input

    def describe(self) -> str:
        where = f"row {self.row + 1}, " if self.row is not None else ""
        return f"{where}{self.field}: {self.message}"


class DomainError(Exception):
    code = "DOMAIN_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    code = "NOT_FOUND"


class ValidationFailed(DomainError):
    code = "VALIDATION_FAILED"

    def __init__(self, issues: list[Issue], message: str | None = None) -> None:
        self.issues = issues
        summary = message or "; ".join(issue.describe() for issue in issues[:5])
        if len(issues) > 5:
            summary += f"; and {len(issues) - 5} more"
        super().__init__(summary)


class StaleVersion(DomainError):
    """Someone saved first: the edit was based on an older version."""

    code = "STALE_VERSION"


class InvalidTransition(DomainError):
    code = "INVALID_TRANSITION"


class PermissionDenied(DomainError):
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
