"""Models and migrations agree: no pending change, and every model column exists."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.connection import get_connection
from tortoise.migrations.api import migrate
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.transactions import in_transaction

from service.models import Cycle, Score, tortoise_config
from service.scoring.stored import StoredScore
from service.sql import fetch_all
from service.usecases.scoring.ingest import record_feedback
from service.usecases.scoring.recompute import recompute_cycle
from tests.conftest import ACTIVE_CONFIG
from tests.integration.scenario import ADMIN, CYCLE, build_organisation, survey_ratings


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


async def _indexes(table: str, backend: str) -> set[tuple[bool, tuple[str, ...]]]:
    """(unique, columns) of each index of ``table`` in the migrated database."""
    conn = get_connection("default")
    if backend == "sqlite":
        found = set()
        for index in await fetch_all(
            conn, f"SELECT name, \"unique\" FROM pragma_index_list('{table}')"
        ):
            columns = await fetch_all(
                conn, f"SELECT name FROM pragma_index_info('{index['name']}') ORDER BY seqno"
            )
            found.add((bool(index["unique"]), tuple(str(c["name"]) for c in columns)))
        return found
    rows = await fetch_all(
        conn,
        "SELECT i.indisunique AS uniq, array_agg(a.attname ORDER BY k.ord) AS columns "
        "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
        "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
        "WHERE t.relname = ? GROUP BY i.indexrelid, i.indisunique",
        [table],
    )
    return {(bool(row["uniq"]), tuple(row["columns"])) for row in rows}


def _column(meta: Any, name: str) -> str:
    """The column of a model's field named in its Meta (a relation: its id column)."""
    projection: dict[str, str] = meta.fields_db_projection
    return projection.get(name) or str(meta.fields_map[name].source_field)


async def test_migrated_tables_have_every_index_the_models_declare(db: str) -> None:
    """Each `unique_together` and `indexes` entry of a model is an index of the migrated
    database: on SQLite a table rebuilt by a migration (a removed column) once lost
    score_line's unique (score_id, ordinal), and every score's lines were read by a scan."""
    missing = []
    for model in Tortoise.apps["models"].values():
        meta: Any = model._meta
        found = await _indexes(meta.db_table, db)
        declared = [(True, names) for names in meta.unique_together] + [
            (False, getattr(index, "fields", index)) for index in meta.indexes
        ]
        for unique, names in declared:
            columns = tuple(_column(meta, name) for name in names)
            if not any(
                cols == columns and (found_unique or not unique) for found_unique, cols in found
            ):
                missing.append((meta.db_table, unique, columns))
    assert missing == []


async def test_models_have_no_changes_missing_from_the_migrations(db: str) -> None:
    config: dict[str, Any] = tortoise_config("sqlite://:memory:")
    apps = config["apps"]
    detector = MigrationAutodetector(Tortoise.apps, apps)
    writers = await detector.changes()
    assert [w.name for w in writers] == []


async def _explanation_type(backend: str) -> str:
    if backend == "sqlite":
        rows = await fetch_all(
            get_connection("default"),
            "SELECT type FROM pragma_table_info('score') WHERE name = 'explanation'",
        )
        return str(rows[0]["type"]).lower()
    rows = await fetch_all(
        get_connection("default"),
        "SELECT data_type FROM information_schema.columns "
        "WHERE table_name = 'score' AND column_name = 'explanation'",
    )
    return str(rows[0]["data_type"])


async def _stored_scores() -> dict[int, tuple[StoredScore, str | None]]:
    return {
        score.id: (StoredScore.from_row(score.explanation), score.content_hash)
        for score in await Score.all()
    }


async def test_migration_0026_keeps_every_stored_explanation_and_stores_json_text_on_postgres(
    db: str, own_orm: None
) -> None:
    await build_organisation()
    await record_feedback(actor=ADMIN, feedback=survey_ratings(["A1", "A2", "A3", "A4"], 40))
    stored = await _stored_scores()
    assert stored
    assert all(digest for _score, digest in stored.values())
    config = ACTIVE_CONFIG["config"]
    # Back to before 0026 (PostgreSQL: jsonb again), then forward over the stored scores.
    await migrate(config=config, target="models.0025_freshness_index")
    assert await _explanation_type(db) == ("jsonb" if db == "postgres" else "json")
    assert await _stored_scores() == stored
    await migrate(config=config)
    assert await _explanation_type(db) == "json"
    assert await _stored_scores() == stored
    # The converted text holds the same values: a recompute finds nothing moved.
    cycle = await Cycle.get(code=CYCLE)
    async with in_transaction() as conn:
        assert await recompute_cycle(conn, cycle) == 0
