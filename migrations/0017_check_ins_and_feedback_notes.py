from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from service.models.checkins import FeedbackKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0015_team_position_names_zh')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CheckIn',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('employee', fields.ForeignKeyField('models.Employee', source_field='employee_id', db_constraint=True, to_field='id', related_name='check_ins', on_delete=OnDelete.RESTRICT)),
                ('held_on', fields.DateField()),
                ('recorded_by_employee', fields.ForeignKeyField('models.Employee', source_field='recorded_by_employee_id', null=True, db_constraint=True, to_field='id', related_name='check_ins_recorded', on_delete=OnDelete.RESTRICT)),
                ('recorded_by', fields.ForeignKeyField('models.User', source_field='recorded_by_id', null=True, db_constraint=True, to_field='id', related_name='check_ins_recorded', on_delete=OnDelete.SET_NULL)),
                ('recorded_by_label', fields.CharField(max_length=254)),
                ('shared_notes', fields.TextField(default='', unique=False)),
                ('private_notes', fields.TextField(default='', unique=False)),
                ('snapshot', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('acknowledged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('acknowledgement_comment', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'check_in', 'app': 'models', 'indexes': [Index(fields=['employee_id', 'held_on'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ActionItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('employee', fields.ForeignKeyField('models.Employee', source_field='employee_id', db_constraint=True, to_field='id', related_name='action_items', on_delete=OnDelete.RESTRICT)),
                ('raised_in', fields.ForeignKeyField('models.CheckIn', source_field='raised_in_id', db_constraint=True, to_field='id', related_name='action_items', on_delete=OnDelete.CASCADE)),
                ('text', fields.TextField(unique=False)),
                ('owner', fields.ForeignKeyField('models.Employee', source_field='owner_id', db_constraint=True, to_field='id', related_name='action_items_owned', on_delete=OnDelete.RESTRICT)),
                ('due_on', fields.DateField()),
                ('closed_in', fields.ForeignKeyField('models.CheckIn', source_field='closed_in_id', null=True, db_constraint=True, to_field='id', related_name='action_items_closed', on_delete=OnDelete.SET_NULL)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'action_item', 'app': 'models', 'indexes': [Index(fields=['employee_id', 'closed_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FeedbackNote',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('employee', fields.ForeignKeyField('models.Employee', source_field='employee_id', db_constraint=True, to_field='id', related_name='feedback_notes', on_delete=OnDelete.RESTRICT)),
                ('giver_employee', fields.ForeignKeyField('models.Employee', source_field='giver_employee_id', null=True, db_constraint=True, to_field='id', related_name='feedback_notes_given', on_delete=OnDelete.RESTRICT)),
                ('giver', fields.ForeignKeyField('models.User', source_field='giver_id', null=True, db_constraint=True, to_field='id', related_name='feedback_notes_given', on_delete=OnDelete.SET_NULL)),
                ('giver_label', fields.CharField(max_length=254)),
                ('kind', fields.CharEnumField(description='PRAISE: PRAISE\nSUGGESTION: SUGGESTION', enum_type=FeedbackKind, max_length=16)),
                ('text', fields.TextField(unique=False)),
                ('cycle', fields.ForeignKeyField('models.Cycle', source_field='cycle_id', null=True, db_constraint=True, to_field='id', related_name='feedback_notes', on_delete=OnDelete.RESTRICT)),
                ('line_ordinal', fields.IntField(null=True)),
                ('kpi', fields.ForeignKeyField('models.Kpi', source_field='kpi_id', null=True, db_constraint=True, to_field='id', related_name='feedback_notes', on_delete=OnDelete.RESTRICT)),
                ('observation', fields.ForeignKeyField('models.Observation', source_field='observation_id', null=True, db_constraint=True, to_field='id', related_name='feedback_notes', on_delete=OnDelete.RESTRICT)),
                ('hidden_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('hidden_reason', fields.TextField(null=True, unique=False)),
                ('hidden_by_label', fields.CharField(null=True, max_length=254)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'feedback_note', 'app': 'models', 'indexes': [Index(fields=['employee_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
