from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_appeals_adjustments_snapshots')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Adjustment',
            index=Index(fields=['cycle_id', 'employee_id']),
        ),
        ops.AddIndex(
            model_name='Appeal',
            index=Index(fields=['cycle_id', 'state']),
        ),
    ]
