"""Relay-style connections with capped `first` and keyset cursors.

Every connection pages over a `Keyset`: an order whose last field is unique, so it is
a total order. A cursor carries the whole sort key of the last row it returned, and the
next page starts strictly after that key in lexicographic order — never after one of
its fields alone, which would drop rows tied on a leading field (or repeat them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from tortoise.expressions import Q

from service.api.ids import ClientError, decode_cursor, encode_cursor

FIRST_DESCRIPTION = "Page size: 20 when omitted, at most the server's cap (100 by default)."
AFTER_DESCRIPTION = "The `endCursor` of the previous page; omit for the first page."
# The arguments of every connection field: `first: First = None, after: After = None`.
First = Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)]
After = Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)]

NodeType = TypeVar("NodeType")
RowType = TypeVar("RowType")


@strawberry.type(
    description="Where a page sits in its connection (Relay). Paging is forward only "
    "(`first`/`after`): `hasPreviousPage` is false, as the Relay spec allows."
)
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether rows follow this page.")
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last row: pass it as `after` for the next page."
    )
    has_previous_page: bool = strawberry.field(
        description="Always false: connections page forward only (no `last`/`before`)."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first row; null for an empty page."
    )


@strawberry.type(description="One row of a page and its cursor.")
class Edge(Generic[NodeType]):
    node: NodeType = strawberry.field(description="The row.")
    cursor: str = strawberry.field(
        description="Opaque: pass it as `after` to page on from just after this row."
    )


@strawberry.type(
    description="A page of a list that can grow (Relay connection): ask for `first` rows and "
    "pass `pageInfo.endCursor` back as `after` while `pageInfo.hasNextPage`."
)
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]] = strawberry.field(
        description="The page's rows with their cursors, in the list's order."
    )
    page_info: PageInfo = strawberry.field(description="Where the page sits in the list.")

    @strawberry.field(description="The page's rows without cursors (the edges' nodes).")
    def nodes(self) -> list[NodeType]:
        return [edge.node for edge in self.edges]


def page_size(first: int | None, cap: int, default: int = 20) -> int:
    size = default if first is None else first
    if size < 0:
        raise ClientError("`first` must not be negative.")
    if size > cap:
        raise ClientError(f"`first` may be at most {cap}; page with `after` for more.")
    return size


@dataclass(frozen=True)
class SortField:
    """One field of a sort key: `name` is the row's attribute (and ORM field); `sql`,
    when the connection pages in raw SQL, the expression it is computed by."""

    name: str
    descending: bool = False
    kind: type[int] | type[str] = int
    sql: str | None = None

    @property
    def expression(self) -> str:
        return self.sql or self.name


def asc(name: str, kind: type[int] | type[str] = int, *, sql: str | None = None) -> SortField:
    return SortField(name, False, kind, sql)


def desc(name: str, kind: type[int] | type[str] = int, *, sql: str | None = None) -> SortField:
    return SortField(name, True, kind, sql)


_NOT_OURS = "The cursor in `after` is not one this API gave out; page again from the start."


@dataclass(frozen=True)
class Keyset:
    """A connection's order; the last field must be unique among the rows paged."""

    fields: tuple[SortField, ...]

    def __init__(self, *fields: SortField) -> None:
        object.__setattr__(self, "fields", fields)

    def order_by(self) -> list[str]:
        return [("-" if f.descending else "") + f.name for f in self.fields]

    def key(self, row: Any) -> list[Any]:
        return [getattr(row, f.name) for f in self.fields]

    def decode(self, cursor: str) -> list[Any]:
        """The sort key a cursor carries, checked against this order's fields."""
        values = decode_cursor(cursor, len(self.fields))
        for field, value in zip(self.fields, values, strict=True):
            # bool is an int to Python, never one of our keys.
            if type(value) is not field.kind:
                raise ClientError(_NOT_OURS)
        return values

    def after(self, cursor: str) -> Q:
        """Rows strictly after the cursor's key: the ORM form of `_lexicographic`."""
        values = self.decode(cursor)
        alternatives = []
        for i, field in enumerate(self.fields):
            equal = {f.name: v for f, v in zip(self.fields[:i], values[:i], strict=True)}
            beyond = f"{field.name}__{'lt' if field.descending else 'gt'}"
            alternatives.append(Q(**equal, **{beyond: values[i]}))
        return Q(*alternatives, join_type=Q.OR)

    def after_sql(self, cursor: str) -> tuple[str, list[Any]]:
        """The same condition for raw SQL (`?` placeholders), fields being expressions."""
        values = self.decode(cursor)
        alternatives = []
        params: list[Any] = []
        for i, field in enumerate(self.fields):
            terms = [f"{f.expression} = ?" for f in self.fields[:i]]
            terms.append(f"{field.expression} {'<' if field.descending else '>'} ?")
            alternatives.append("(" + " AND ".join(terms) + ")")
            params.extend(values[: i + 1])
        return "(" + " OR ".join(alternatives) + ")", params

    def order_sql(self) -> str:
        return ", ".join(f"{f.expression} {'DESC' if f.descending else 'ASC'}" for f in self.fields)

    def page_of(self, rows: Sequence[RowType], after: str | None) -> list[RowType]:
        """Rows already in memory, sorted by this order, from just after the cursor."""
        ordered = sorted(rows, key=self._sortable)
        if after is None:
            return ordered
        last = self._sortable_values(self.decode(after))
        return [row for row in ordered if self._sortable(row) > last]

    def _sortable(self, row: Any) -> tuple[Any, ...]:
        return self._sortable_values(self.key(row))

    def _sortable_values(self, values: list[Any]) -> tuple[Any, ...]:
        if any(f.descending and f.kind is str for f in self.fields):
            raise TypeError("A descending text field cannot be sorted in memory.")
        return tuple(-v if f.descending else v for f, v in zip(self.fields, values, strict=True))


def connection(
    rows: Sequence[RowType],
    size: int,
    key: Callable[[RowType], list[Any]],
    node: Callable[[RowType], NodeType],
) -> Connection[NodeType]:
    """Rows were fetched with one extra, which only tells whether a next page exists."""
    visible = rows[:size]
    edges = [Edge(node=node(row), cursor=encode_cursor(key(row))) for row in visible]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > size,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=False,
            start_cursor=edges[0].cursor if edges else None,
        ),
    )
