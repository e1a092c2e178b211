from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0010_token_source')]

    initial = False

    operations = [
        # A KPI's name and unit in Chinese, for Chinese sentences; empty means the
        # English ones (every KPI before this migration).
        ops.AddField(
            model_name='Kpi',
            name='name_zh',
            field=fields.CharField(default='', max_length=200, db_default=''),
        ),
        ops.AddField(
            model_name='Kpi',
            name='unit_zh',
            field=fields.CharField(default='', max_length=32, db_default=''),
        ),
        # The hash of a score's written values: a recompute writes only what moved.
        # Rows without one are written once, at their next recompute.
        ops.AddField(
            model_name='Score',
            name='content_hash',
            field=fields.CharField(null=True, max_length=64),
        ),
        # A line's sources live once, in the score's explanation (service/scoring/stored).
        ops.RemoveField(model_name='ScoreLine', name='data'),
    ]
