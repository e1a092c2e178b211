from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0008_recompute_indexes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ApiToken',
            name='source',
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
