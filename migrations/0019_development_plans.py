from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from service.models import CourseFormat, DevelopmentAction, DevelopmentStatus, FocusKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0017_check_ins_and_feedback_notes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Course',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('title', fields.CharField(max_length=200)),
                ('title_zh', fields.CharField(max_length=200)),
                ('kpi_codes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('length_minutes', fields.IntField()),
                ('format', fields.CharEnumField(description='CLASSROOM: CLASSROOM\nONLINE: ONLINE\nWORKSHOP: WORKSHOP\nSELF_PACED: SELF_PACED', enum_type=CourseFormat, max_length=16)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'course', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CourseAttendance',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('course', fields.ForeignKeyField('models.Course', source_field='course_id', db_constraint=True, to_field='id', related_name='attendances', on_delete=OnDelete.RESTRICT)),
                ('employee', fields.ForeignKeyField('models.Employee', source_field='employee_id', db_constraint=True, to_field='id', related_name='course_attendances', on_delete=OnDelete.RESTRICT)),
                ('attended_on', fields.DateField()),
                ('note', fields.TextField(default='', unique=False)),
                ('recorded_by_label', fields.CharField(max_length=254)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'course_attendance', 'app': 'models', 'unique_together': (('course', 'employee', 'attended_on'),), 'indexes': [Index(fields=['employee_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DevelopmentPlan',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('employee', fields.OneToOneField('models.Employee', source_field='employee_id', db_constraint=True, to_field='id', related_name='development_plan', on_delete=OnDelete.RESTRICT)),
                ('aim', fields.TextField(default='', unique=False)),
                ('version', fields.IntField(default=1)),
                ('updated_by_label', fields.CharField(max_length=254)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'development_plan', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DevelopmentItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('plan', fields.ForeignKeyField('models.DevelopmentPlan', source_field='plan_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.CASCADE)),
                ('focus_kind', fields.CharEnumField(description='KPI: KPI\nSKILL: SKILL', enum_type=FocusKind, max_length=8)),
                ('focus_kpi', fields.ForeignKeyField('models.Kpi', source_field='focus_kpi_id', null=True, db_constraint=True, to_field='id', related_name='development_items', on_delete=OnDelete.RESTRICT)),
                ('focus_skill', fields.CharField(default='', max_length=200)),
                ('action', fields.CharEnumField(description='COURSE: COURSE\nCOACHING: COACHING\nSHADOWING: SHADOWING\nSESSION: SESSION\nCUSTOM: CUSTOM', enum_type=DevelopmentAction, max_length=16)),
                ('course', fields.ForeignKeyField('models.Course', source_field='course_id', null=True, db_constraint=True, to_field='id', related_name='development_items', on_delete=OnDelete.RESTRICT)),
                ('shadowing', fields.ForeignKeyField('models.Employee', source_field='shadowing_id', null=True, db_constraint=True, to_field='id', related_name='shadowed_in', on_delete=OnDelete.RESTRICT)),
                ('action_detail', fields.TextField(default='', unique=False)),
                ('owner', fields.ForeignKeyField('models.Employee', source_field='owner_id', db_constraint=True, to_field='id', related_name='development_items_owned', on_delete=OnDelete.RESTRICT)),
                ('due_on', fields.DateField()),
                ('status', fields.CharEnumField(default=DevelopmentStatus.PLANNED, description='PLANNED: PLANNED\nIN_PROGRESS: IN_PROGRESS\nDONE: DONE\nDROPPED: DROPPED', enum_type=DevelopmentStatus, max_length=16)),
                ('notes', fields.TextField(default='', unique=False)),
                ('started_on', fields.DateField(null=True)),
                ('done_on', fields.DateField(null=True)),
                ('version', fields.IntField(default=1)),
                ('created_by_label', fields.CharField(max_length=254)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'development_item', 'app': 'models', 'indexes': [Index(fields=['plan_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
