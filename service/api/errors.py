"""Errors as data: what a mutation returns when the request cannot be carried out."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

import strawberry

from graphql import GraphQLError, GraphQLSyntaxError
from service.errors import (
    DatabaseBusy,
    DomainError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from service.usecases.accounts.auth import SignInRefused, SignInThrottled
from service.usecases.inputs import RowError
from service.usecases.scoring.idempotency import IdempotencyConflict

MASKED_MESSAGE = "Unexpected error."
# graphql-core's validation rules about variables (NoUnusedVariables, NoUndefinedVariables,
# VariablesInAllowedPosition, VariablesAreInputTypes): the document is wrong, not a value.
_VARIABLE_RULE = re.compile(
    r"Variable '\$\w+' (is never used|is not defined|of type '.+' used in position|is of type '|"
    r"cannot be non-input type)"
)


def error_code(error: GraphQLError) -> str:
    """The `extensions.code` of an error in `errors` (docs/api.md lists them): its own
    when it has one (ClientError), else told by where it arose."""
    given = (error.extensions or {}).get("code")
    if isinstance(given, str):
        return given
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if isinstance(error.original_error, DatabaseBusy):
        return "BUSY"
    if isinstance(error.original_error, PermissionDenied):
        return "FORBIDDEN"
    if isinstance(error.original_error, DomainError):
        # Raised by a use case a query field called: the caller's to fix.
        return "BAD_USER_INPUT"
    if error.message == MASKED_MESSAGE:
        return "INTERNAL_SERVER_ERROR"
    if error.path is None:
        # Variables' values are checked against their types before anything runs; the
        # document's own use of variables (unused, undefined, wrong position) is validation.
        if error.message.startswith("Variable ") and not _VARIABLE_RULE.match(error.message):
            return "BAD_USER_INPUT"
        return "GRAPHQL_VALIDATION_FAILED"
    return "INTERNAL_SERVER_ERROR"


UNION_DESCRIPTION = (
    "What the mutation did, or why it did nothing: branch on __typename (errors as data)."
)

P = ParamSpec("P")
R = TypeVar("R")


@strawberry.type(
    description="What is wrong with one field of the input, or of one row of a bulk "
    "input: the one per-row error type of ingest reports, reviews and every ValidationError."
)
class FieldError:
    field: str = strawberry.field(description="The field at fault, e.g. `rating`.")
    message: str = strawberry.field(description="For people: what is wrong and what to do.")
    code: str = strawberry.field(description="For programs to branch on, e.g. OUT_OF_RANGE.")
    row: int | None = strawberry.field(
        description="The 0-based index of the row in a bulk input; null for an input that "
        "is not a list."
    )

    @strawberry.field(
        description="The row's 0-based index (as `row`).",
        deprecation_reason="Use `row`: one per-row error type for every bulk input.",
    )
    def index(self) -> int | None:
        return self.row


@strawberry.type(
    description="The input is wrong; each issue names the field (and row); nothing was written."
)
class ValidationError:
    message: str = strawberry.field(
        description="For people: the issues in one line (the first few)."
    )
    issues: list[FieldError] = strawberry.field(
        description="Every problem found, each naming its field, a code and, for bulk "
        "inputs, the row."
    )


@strawberry.type(description="Something the request names does not exist; nothing was written.")
class NotFoundError:
    message: str = strawberry.field(description="For people: what was not found (e.g. which code).")


@strawberry.type(
    description="You may not do this (a manager acting outside their teams, anyone on their own "
    "score, ...); nothing was written."
)
class AccessDeniedError:
    message: str = strawberry.field(description="For people: what you may not do and why.")


@strawberry.type(
    description="Someone saved after the version you edited, or an idempotency key was reused "
    "for another payload; nothing was written."
)
class ConflictError:
    message: str = strawberry.field(
        description="For people: what conflicts; read again (for a new version) or use a "
        "new idempotency key."
    )


@strawberry.type(
    description="The request does not fit the current state (e.g. a cycle in the wrong state); "
    "nothing was written."
)
class InvalidStateError:
    message: str = strawberry.field(
        description="For people: what state the request needs and what it found."
    )


@strawberry.type(
    description="Wrong email or password, or an inactive account (one message for all three)."
)
class SignInError:
    message: str = strawberry.field(
        description="For people; deliberately the same for every cause."
    )


@strawberry.type(description="Too many failed sign-ins: wait `retryAfterSeconds`.")
class ThrottledError:
    message: str = strawberry.field(
        description="For people: what is throttled (the account or the address) and for how long."
    )
    retry_after_seconds: int = strawberry.field(
        description="Seconds to wait before the next sign-in can succeed (a right password "
        "does not help before)."
    )


@strawberry.type(
    description="Other writers kept the database busy and nothing was saved: send the "
    "same request again after `retryAfterSeconds`."
)
class BusyError:
    message: str = strawberry.field(
        description="For people: the database was busy and nothing was saved."
    )
    retry_after_seconds: int = strawberry.field(
        description="Seconds to wait before sending the same request (with the same "
        "idempotency key) again."
    )


ErrorType = (
    ValidationError
    | NotFoundError
    | AccessDeniedError
    | ConflictError
    | InvalidStateError
    | SignInError
    | ThrottledError
    | BusyError
)


def error_of(error: DomainError) -> ErrorType:
    if isinstance(error, DatabaseBusy):
        return BusyError(message=error.message, retry_after_seconds=error.retry_after_seconds)
    if isinstance(error, ValidationFailed):
        return ValidationError(
            message=error.message,
            issues=[
                FieldError(field=i.field, message=i.message, code=i.code, row=i.row)
                for i in error.issues
            ],
        )
    if isinstance(error, NotFound):
        return NotFoundError(message=error.message)
    if isinstance(error, PermissionDenied):
        return AccessDeniedError(message=error.message)
    if isinstance(error, (StaleVersion, IdempotencyConflict)):
        return ConflictError(message=error.message)
    if isinstance(error, SignInThrottled):
        return ThrottledError(message=error.message, retry_after_seconds=error.retry_after_seconds)
    if isinstance(error, SignInRefused):
        return SignInError(message=error.message)
    if isinstance(error, InvalidTransition):
        return InvalidStateError(message=error.message)
    return InvalidStateError(message=error.message)


CommonError = (
    AccessDeniedError
    | ValidationError
    | NotFoundError
    | ConflictError
    | InvalidStateError
    | BusyError
)


def common_error_of(error: DomainError) -> CommonError:
    """The errors every mutation may return (sign-in errors belong to `login` only)."""
    result = error_of(error)
    if isinstance(result, (SignInError, ThrottledError)):
        return InvalidStateError(message=result.message)
    return result


def errors_as_data(
    resolver: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[R | CommonError]]:
    """The one place a mutation's domain error becomes data: the resolver calls its use
    case and renders the result; a DomainError raised on the way comes back as the
    matching member of its result union (DESIGN rule 8), nothing written."""

    @functools.wraps(resolver)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R | CommonError:
        try:
            return await resolver(*args, **kwargs)
        except DomainError as error:
            return common_error_of(error)

    return run


def row_errors(rows: list[RowError]) -> list[FieldError]:
    return [FieldError(field=r.field, message=r.message, code=r.code, row=r.index) for r in rows]


def rejected_rows(rows: list[RowError]) -> ValidationError:
    return ValidationError(
        message="; ".join(f"row {r.index}: {r.field}: {r.message}" for r in rows[:5]),
        issues=row_errors(rows),
    )
