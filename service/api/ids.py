"""Relay global ids ("Type:pk", base64url) and opaque cursors."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import strawberry

from graphql import GraphQLError
from service.models import (
    Adjustment,
    ApiToken,
    Appeal,
    Cycle,
    Employee,
    Kpi,
    Observation,
    Position,
    Score,
    Team,
)
from service.usecases.parsing import largest_key, shown, whole_or_none


class ClientError(GraphQLError):
    """An error the caller can fix: kept visible, never masked or logged as ours."""

    def __init__(self, message: str, code: str = "BAD_USER_INPUT") -> None:
        super().__init__(message, extensions={"code": code})


def global_id(type_name: str, pk: int | str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def _b64decode(text: str) -> str:
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")


# Keys are 64-bit in both databases: anything outside cannot be one of ours.
_KEY_RANGE = range(-(2**63), 2**63)
# The table of each kind of node: some keys are 32-bit, and a key past its column is
# no row of it (PostgreSQL would refuse the query instead of finding nothing).
_TABLES: dict[str, Any] = {
    "Adjustment": Adjustment,
    "Appeal": Appeal,
    "Cycle": Cycle,
    "Employee": Employee,
    "Kpi": Kpi,
    "Observation": Observation,
    "Position": Position,
    "Score": Score,
    "Team": Team,
    "Token": ApiToken,
}


def not_ours(value: str) -> ClientError:
    return ClientError(f"{shown(value, 64)!r} is not an id this API gave out.")


def decode_global_id(value: str) -> tuple[str, str]:
    """The type name and the key text of a global id, neither checked yet."""
    try:
        type_name, _, key = _b64decode(value).partition(":")
    except (ValueError, binascii.Error, UnicodeError):
        raise not_ours(value) from None
    return type_name, key


# A score line has no row of its own in the API's eyes: it is the line at a position on
# a score, so its key is the score's key and the 0-based position, "score:ordinal".
SCORE_LINE = "ScoreLine"


def score_line_id(score_pk: int, ordinal: int) -> str:
    return global_id(SCORE_LINE, f"{score_pk}.{ordinal}")


def parse_score_line_id(value: str) -> tuple[int, int]:
    type_name, key = decode_global_id(value)
    score_text, _, ordinal_text = key.partition(".")
    score_pk = whole_or_none(score_text, high=largest_key(Score))
    ordinal = whole_or_none(ordinal_text, low=0, high=10_000)
    if type_name != SCORE_LINE or score_pk is None or ordinal is None:
        raise not_ours(value)
    return score_pk, ordinal


def parse_global_id(value: str, expected: str | None = None) -> tuple[str, int]:
    refused = not_ours(value)
    type_name, raw_pk = decode_global_id(value)
    table = _TABLES.get(type_name)
    pk = whole_or_none(raw_pk, high=largest_key(table) if table is not None else 2**63 - 1)
    if pk is None:
        raise refused
    if expected is not None and type_name != expected:
        raise ClientError(
            # "of type": no article to get wrong ("a Employee", "a Observation").
            f"{shown(value, 64)!r} is an id of type {shown(type_name, 64)}, not of type {expected}."
        )
    return type_name, pk


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(value: str, length: int) -> list[Any]:
    try:
        decoded = json.loads(_b64decode(value))
    except (ValueError, binascii.Error, UnicodeError):
        decoded = None
    if (
        not isinstance(decoded, list)
        or len(decoded) != length
        or any(isinstance(v, int) and v not in _KEY_RANGE for v in decoded)
    ):
        raise ClientError(
            "The cursor in `after` is not one this API gave out; page again from the start."
        )
    return decoded


@strawberry.interface(description="Anything with a global id, fetched again with `node(id)`.")
class Node:
    id: strawberry.ID = strawberry.field(
        description="The object's global id: opaque (never parse or build one), stable across "
        "requests, and never the id of another type, so a normalised cache may key by it. "
        "`node(id:)` fetches the object again."
    )
