from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0009_score_status_reason')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ApiToken',
            name='source',
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
