from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0014_shadow_scorecards')]

    initial = False

    operations = [
        # A team's and a position's name in Chinese, as KPIs have; empty means the
        # English name (every team and position before this migration).
        ops.AddField(
            model_name='Team',
            name='name_zh',
            field=fields.CharField(default='', max_length=200, db_default=''),
        ),
        ops.AddField(
            model_name='Position',
            name='name_zh',
            field=fields.CharField(default='', max_length=200, db_default=''),
        ),
    ]
