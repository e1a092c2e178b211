"""Relay-style connections with capped `first` and keyset cursors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry

from service.api.ids import ClientError, encode_cursor

NodeType = TypeVar("NodeType")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeType]):
    node: NodeType
    cursor: str


@strawberry.type
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[NodeType]:
        return [edge.node for edge in self.edges]


def page_size(first: int | None, cap: int, default: int = 20) -> int:
    size = default if first is None else first
    if size < 0:
        raise ClientError("`first` must not be negative.")
    if size > cap:
        raise ClientError(f"`first` may be at most {cap}; page with `after` for more.")
    return size


def connection(
    rows: Sequence[Any],
    size: int,
    key: Callable[[Any], list[Any]],
    node: Callable[[Any], NodeType],
) -> Connection[NodeType]:
    """Rows were fetched with one extra, which only tells whether a next page exists."""
    visible = rows[:size]
    edges = [Edge(node=node(row), cursor=encode_cursor(key(row))) for row in visible]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > size, end_cursor=edges[-1].cursor if edges else None
        ),
    )
