from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from service.models import AppealState
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_constraints_and_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Appeal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('cycle', fields.ForeignKeyField('models.Cycle', source_field='cycle_id', db_constraint=True, to_field='id', related_name='appeals', on_delete=OnDelete.RESTRICT)),
                ('employee', fields.ForeignKeyField('models.Employee', source_field='employee_id', db_constraint=True, to_field='id', related_name='appeals', on_delete=OnDelete.RESTRICT)),
                ('line_ordinal', fields.IntField(null=True)),
                ('kpi', fields.ForeignKeyField('models.Kpi', source_field='kpi_id', null=True, db_constraint=True, to_field='id', related_name='appeals', on_delete=OnDelete.RESTRICT)),
                ('reason', fields.TextField(unique=False)),
                ('state', fields.CharEnumField(default=AppealState.OPEN, description='OPEN: OPEN\nACCEPTED: ACCEPTED\nREJECTED: REJECTED', enum_type=AppealState, max_length=16)),
                ('filed_by', fields.ForeignKeyField('models.User', source_field='filed_by_id', null=True, db_constraint=True, to_field='id', related_name='appeals_filed', on_delete=OnDelete.RESTRICT)),
                ('filed_by_label', fields.CharField(max_length=254)),
                ('resolution_note', fields.TextField(null=True, unique=False)),
                ('resolved_by', fields.ForeignKeyField('models.User', source_field='resolved_by_id', null=True, db_constraint=True, to_field='id', related_name='appeals_resolved', on_delete=OnDelete.RESTRICT)),
                ('resolved_by_label', fields.CharField(null=True, max_length=254)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('voided_observation', fields.ForeignKeyField('models.Observation', source_field='voided_observation_id', null=True, db_constraint=True, to_field='id', related_name='appeals', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'appeal', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Adjustment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('cycle', fields.ForeignKeyField('models.Cycle', source_field='cycle_id', db_constraint=True, to_field='id', related_name='adjustments', on_delete=OnDelete.RESTRICT)),
                ('employee', fields.ForeignKeyField('models.Employee', source_field='employee_id', db_constraint=True, to_field='id', related_name='adjustments', on_delete=OnDelete.RESTRICT)),
                ('points', fields.BigIntField()),
                ('reason', fields.TextField(unique=False)),
                ('made_by', fields.ForeignKeyField('models.User', source_field='made_by_id', null=True, db_constraint=True, to_field='id', related_name='adjustments_made', on_delete=OnDelete.RESTRICT)),
                ('made_by_label', fields.CharField(max_length=254)),
                ('appeal', fields.ForeignKeyField('models.Appeal', source_field='appeal_id', null=True, db_constraint=True, to_field='id', related_name='adjustments', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'adjustment', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Cycle',
            name='finalized_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Cycle',
            name='snapshot',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Score',
            name='snapshot',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
