from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0022_import_failures')]

    initial = False

    operations = [
        # The goal a development item serves (issue 14) and the goal a feedback note is
        # tied to (issue 15); both optional, so every existing row keeps NULL. Deleting a goal unlinks them.
        ops.AddField(
            model_name='DevelopmentItem',
            name='goal',
            field=fields.ForeignKeyField('models.Goal', source_field='goal_id', null=True, db_constraint=True, to_field='id', related_name='development_items', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='FeedbackNote',
            name='goal',
            field=fields.ForeignKeyField('models.Goal', source_field='goal_id', null=True, db_constraint=True, to_field='id', related_name='feedback_notes', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddIndex(
            model_name='DevelopmentItem',
            index=Index(fields=['goal_id']),
        ),
        ops.AddIndex(
            model_name='FeedbackNote',
            index=Index(fields=['goal_id']),
        ),
    ]
