from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops


class _RunSQLOnSQLite(ops.RunSQL):
    """Run on SQLite only: PostgreSQL kept the constraint (it is there since 0002)."""

    async def database_forward(
        self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None
    ) -> None:
        if state_editor is not None and state_editor.DIALECT == "sqlite":
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(
        self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None
    ) -> None:
        if state_editor is not None and state_editor.DIALECT == "sqlite":
            await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [("models", "0026_explanation_as_json_text")]

    initial = False

    operations = [
        # 0011 removed `score_line.data`; on SQLite Tortoise does that by rebuilding the
        # table, and the rebuilt table lost the unique (score_id, ordinal) of 0002: every
        # delete or read of a score's lines scanned the whole table (one new observation
        # took 3.5 ms more at 10,000 employees than at 1,000, in that one DELETE). The
        # index comes back under the name PostgreSQL's constraint has. Rows that repeat a
        # (score_id, ordinal) are copies (a recompute updates a line by that pair), so the
        # first of each is kept and the index can be built.
        _RunSQLOnSQLite(
            [
                "DELETE FROM score_line WHERE id NOT IN "
                "(SELECT MIN(id) FROM score_line GROUP BY score_id, ordinal)",
                'CREATE UNIQUE INDEX IF NOT EXISTS "uid_score_line_score_i_a317e1" '
                'ON "score_line" ("score_id", "ordinal")',
            ],
            reverse_sql='DROP INDEX IF EXISTS "uid_score_line_score_i_a317e1"',
        ),
    ]
