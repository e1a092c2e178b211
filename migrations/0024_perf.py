from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0023_goal_links')]

    initial = False

    operations = [
        # What a recompute computed each score from (service/usecases/scoring/recompute.py):
        # equal on the next recompute means the score is not computed again. Empty for
        # every score before this migration: the first recompute after it scores everyone
        # and writes the hash (no score that did not move is rewritten).
        ops.AddField(
            model_name='Score',
            name='engine_inputs_hash',
            field=fields.CharField(null=True, max_length=64),
        ),
        # The stored hashes a recompute reads before scoring, answered from the index.
        ops.AddIndex(
            model_name='Score',
            index=Index(
                fields=['cycle_id', 'employee_id', 'content_hash', 'engine_inputs_hash', 'team_id']
            ),
        ),
    ]
