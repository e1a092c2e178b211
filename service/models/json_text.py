"""JSON kept as the text it was written in, on PostgreSQL too.

Tortoise's ``JSONField`` is ``jsonb`` on PostgreSQL: every write is parsed into a
binary tree and every read printed back. A column that is only ever written whole and
read whole by Python, never queried inside by SQL, pays that for nothing; ``json``
only checks the syntax and keeps the text (≈ 6.5 kB per stored score, 10,000 of them
per whole-cycle recompute: docs/performance.md). No JSON operator or index may be used
on such a column (``json`` has no equality either); SQLite stores both as text alike.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields


class TextJSONField(fields.JSONField[Any]):
    """A ``JSONField`` stored as ``json`` (text, syntax-checked) on PostgreSQL."""

    # Tortoise's per-dialect override, named as Tortoise reads it.
    class _db_postgres:  # noqa: N801
        SQL_TYPE = "JSON"
