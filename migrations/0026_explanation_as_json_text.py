import functools
from json import dumps, loads
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

from service.models.json_text import TextJSONField


class _AlterFieldOnPostgres(ops.AlterField):
    """Alter the column on PostgreSQL only. SQLite stores JSON as text whatever the field
    says (nothing changes there), and Tortoise would rebuild its whole score table."""

    async def database_forward(
        self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None
    ) -> None:
        if state_editor is not None and state_editor.DIALECT == 'postgres':
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(
        self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None
    ) -> None:
        if state_editor is not None and state_editor.DIALECT == 'postgres':
            await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [('models', '0025_freshness_index')]

    initial = False

    operations = [
        # A score's explanation as `json` (text, syntax-checked) instead of `jsonb` on
        # PostgreSQL (service/models/json_text.py): a whole-cycle recompute writes ≈ 6.5 kB
        # of it per score, and parsing it into jsonb was most of the write. ALTER COLUMN
        # TYPE rewrites the table once, converting every stored explanation (the text
        # jsonb prints, the same values); scores rewritten later keep the text as written.
        _AlterFieldOnPostgres(
            model_name='Score',
            name='explanation',
            field=TextJSONField(
                default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads
            ),
        ),
    ]
