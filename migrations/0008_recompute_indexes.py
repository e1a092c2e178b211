from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_admin_sessions')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Employee',
            index=Index(fields=['team_id']),
        ),
        ops.AddIndex(
            model_name='Review',
            index=Index(fields=['cycle_id', 'employee_id']),
        ),
    ]
