from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from service.scoring.goals import GoalState
from service.scoring.types import Direction, Scope
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0012_calibration_record')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Goal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('cycle', fields.ForeignKeyField('models.Cycle', source_field='cycle_id', db_constraint=True, to_field='id', related_name='goals', on_delete=OnDelete.RESTRICT)),
                ('employee', fields.ForeignKeyField('models.Employee', source_field='employee_id', null=True, db_constraint=True, to_field='id', related_name='goals', on_delete=OnDelete.RESTRICT)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', null=True, db_constraint=True, to_field='id', related_name='goals', on_delete=OnDelete.RESTRICT)),
                ('parent', fields.ForeignKeyField('models.Goal', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='serving', on_delete=OnDelete.RESTRICT)),
                ('state', fields.CharEnumField(default=GoalState.PROPOSED, description='PROPOSED: PROPOSED\nRETURNED: RETURNED\nACCEPTED: ACCEPTED', enum_type=GoalState, max_length=16)),
                ('title', fields.CharField(max_length=400)),
                ('description', fields.TextField(default='', unique=False)),
                ('kpi', fields.ForeignKeyField('models.Kpi', source_field='kpi_id', null=True, db_constraint=True, to_field='id', related_name='goals', on_delete=OnDelete.RESTRICT)),
                ('scope', fields.CharEnumField(null=True, description='INDIVIDUAL: INDIVIDUAL\nTEAM: TEAM', enum_type=Scope, max_length=16)),
                ('unit', fields.CharField(default='', max_length=32)),
                ('direction', fields.CharEnumField(null=True, description='HIGHER_IS_BETTER: HIGHER_IS_BETTER\nLOWER_IS_BETTER: LOWER_IS_BETTER', enum_type=Direction, max_length=20)),
                ('range_min', fields.BigIntField(null=True)),
                ('range_max', fields.BigIntField(null=True)),
                ('related_kpi', fields.ForeignKeyField('models.Kpi', source_field='related_kpi_id', null=True, db_constraint=True, to_field='id', related_name='related_goals', on_delete=OnDelete.RESTRICT)),
                ('target', fields.BigIntField()),
                ('baseline', fields.BigIntField(null=True)),
                ('baseline_computed', fields.BooleanField(default=False)),
                ('weight', fields.BigIntField(default=10000)),
                ('due_on', fields.DateField()),
                ('accepted_on', fields.DateField(null=True)),
                ('smart', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('current_value', fields.BigIntField(null=True)),
                ('return_note', fields.TextField(default='', unique=False)),
                ('created_by_label', fields.CharField(max_length=254)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'goal', 'app': 'models', 'indexes': [Index(fields=['cycle_id', 'employee_id']), Index(fields=['cycle_id', 'team_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GoalUpdate',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('goal', fields.ForeignKeyField('models.Goal', source_field='goal_id', db_constraint=True, to_field='id', related_name='updates', on_delete=OnDelete.CASCADE)),
                ('value', fields.BigIntField()),
                ('note', fields.TextField(unique=False)),
                ('reported_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reported_by', fields.ForeignKeyField('models.User', source_field='reported_by_id', null=True, db_constraint=True, to_field='id', related_name='goal_updates', on_delete=OnDelete.SET_NULL)),
                ('reported_by_label', fields.CharField(max_length=254)),
            ],
            options={'table': 'goal_update', 'app': 'models', 'indexes': [Index(fields=['goal_id', 'reported_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
