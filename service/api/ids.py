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


def global_id(type_name: str, pk: int) -> str:
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


def parse_global_id(value: str, expected: str | None = None) -> tuple[str, int]:
    refused = ClientError(f"{shown(value, 64)!r} is not an id this API gave out.")
    try:
        type_name, _, raw_pk = _b64decode(value).partition(":")
    except (ValueError, binascii.Error, UnicodeError):
        raise refused from None
    table = _TABLES.get(type_name)
    pk = whole_or_none(raw_pk, high=largest_key(table) if table is not None else 2**63 - 1)
    if pk is None:
        raise refused
    if expected is not None and type_name != expected:
        raise ClientError(
            f"{shown(value, 64)!r} is the id of a {shown(type_name, 64)}, not of a {expected}."
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
    id: strawberry.ID
