from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_stored_score_shape')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CalibrationRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('cycle', fields.OneToOneField('models.Cycle', source_field='cycle_id', db_constraint=True, to_field='id', related_name='calibration_record', on_delete=OnDelete.CASCADE)),
                ('attendees', fields.TextField(default='', unique=False)),
                ('notes', fields.TextField(default='', unique=False)),
                ('decisions', fields.TextField(default='', unique=False)),
                ('version', fields.IntField(default=1)),
                ('updated_by_label', fields.CharField(max_length=254)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'calibration_record', 'app': 'models', 'pk_attr': 'id', 'table_description': 'What a calibration meeting agreed for a cycle (SCORING.md §12): who met, notes,'},
            bases=['Model'],
        ),
    ]
