"""Models and migrations agree: no pending change, and every model column exists."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.connection import get_connection
from tortoise.migrations.autodetector import MigrationAutodetector

from service.models import tortoise_config
from service.sql import fetch_all


async def _columns(table: str, backend: str) -> set[str]:
    conn = get_connection("default")
    if backend == "sqlite":
        rows = await fetch_all(conn, f"SELECT name FROM pragma_table_info('{table}')")
        return {row["name"] for row in rows}
    rows = await fetch_all(
        conn,
        "SELECT column_name AS name FROM information_schema.columns WHERE table_name = ?",
        [table],
    )
    return {row["name"] for row in rows}


async def test_migrated_tables_have_every_column_the_models_declare(db: str) -> None:
    for model in Tortoise.apps["models"].values():
        meta: Any = model._meta
        expected = set(meta.fields_db_projection.values())
        assert await _columns(meta.db_table, db) == expected, meta.db_table


async def test_models_have_no_changes_missing_from_the_migrations(db: str) -> None:
    config: dict[str, Any] = tortoise_config("sqlite://:memory:")
    apps = config["apps"]
    detector = MigrationAutodetector(Tortoise.apps, apps)
    writers = await detector.changes()
    assert [w.name for w in writers] == []
