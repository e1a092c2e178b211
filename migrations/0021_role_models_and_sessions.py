from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0020_recognition')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BestPracticeNote',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('author', fields.ForeignKeyField('models.Employee', source_field='author_id', db_constraint=True, to_field='id', related_name='best_practice_notes', on_delete=OnDelete.RESTRICT)),
                ('kpi', fields.ForeignKeyField('models.Kpi', source_field='kpi_id', db_constraint=True, to_field='id', related_name='best_practice_notes', on_delete=OnDelete.RESTRICT)),
                ('text', fields.TextField(unique=False)),
                ('written_by_employee', fields.ForeignKeyField('models.Employee', source_field='written_by_employee_id', null=True, db_constraint=True, to_field='id', related_name='best_practice_notes_written', on_delete=OnDelete.RESTRICT)),
                ('written_by_label', fields.CharField(max_length=254)),
                ('thanks', fields.IntField(default=0, db_default=0)),
                ('hidden_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('hidden_reason', fields.TextField(null=True, unique=False)),
                ('hidden_by_label', fields.CharField(null=True, max_length=254)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'best_practice_note', 'app': 'models', 'indexes': [Index(fields=['kpi_id', 'thanks']), Index(fields=['author_id']), Index(fields=['written_by_employee_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BestPracticeThanks',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('note', fields.ForeignKeyField('models.BestPracticeNote', source_field='note_id', db_constraint=True, to_field='id', related_name='thanked_by', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='best_practice_thanks', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'best_practice_thanks', 'app': 'models', 'unique_together': (('note', 'user'),), 'indexes': [Index(fields=['user_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KnowledgeSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('kpi_codes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('length_minutes', fields.IntField(default=60, db_default=60)),
                ('place', fields.CharField(default='', db_default='', max_length=200)),
                ('link', fields.CharField(default='', db_default='', max_length=500)),
                ('scheduled_by_label', fields.CharField(max_length=254)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'knowledge_session', 'app': 'models', 'indexes': [Index(fields=['starts_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RoleModelSetting',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('employee', fields.OneToOneField('models.Employee', source_field='employee_id', db_constraint=True, to_field='id', related_name='role_model_setting', on_delete=OnDelete.CASCADE)),
                ('opted_in', fields.BooleanField(default=False, db_default=False)),
                ('changed_by_label', fields.CharField(max_length=254)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'role_model_setting', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SessionAttendance',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('models.KnowledgeSession', source_field='session_id', db_constraint=True, to_field='id', related_name='attendances', on_delete=OnDelete.CASCADE)),
                ('employee', fields.ForeignKeyField('models.Employee', source_field='employee_id', db_constraint=True, to_field='id', related_name='sessions_attended', on_delete=OnDelete.RESTRICT)),
                ('recorded_by_label', fields.CharField(max_length=254)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'session_attendance', 'app': 'models', 'unique_together': (('session', 'employee'),), 'indexes': [Index(fields=['employee_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SessionPresenter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('models.KnowledgeSession', source_field='session_id', db_constraint=True, to_field='id', related_name='presenters', on_delete=OnDelete.CASCADE)),
                ('employee', fields.ForeignKeyField('models.Employee', source_field='employee_id', db_constraint=True, to_field='id', related_name='sessions_presented', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'session_presenter', 'app': 'models', 'unique_together': (('session', 'employee'),), 'indexes': [Index(fields=['employee_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='DevelopmentItem',
            name='session',
            field=fields.ForeignKeyField('models.KnowledgeSession', source_field='session_id', null=True, db_constraint=True, to_field='id', related_name='development_items', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddIndex(
            model_name='DevelopmentItem',
            index=Index(fields=['session_id']),
        ),
    ]
