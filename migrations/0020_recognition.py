from tortoise import migrations
from tortoise.migrations import operations as ops
from service.models.recognition import RecognitionVisibility
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0019_development_plans')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Recognition',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('receiver', fields.ForeignKeyField('models.Employee', source_field='receiver_id', db_constraint=True, to_field='id', related_name='recognitions_received', on_delete=OnDelete.RESTRICT)),
                ('giver_employee', fields.ForeignKeyField('models.Employee', source_field='giver_employee_id', db_constraint=True, to_field='id', related_name='recognitions_given', on_delete=OnDelete.RESTRICT)),
                ('giver', fields.ForeignKeyField('models.User', source_field='giver_id', null=True, db_constraint=True, to_field='id', related_name='recognitions_given', on_delete=OnDelete.SET_NULL)),
                ('giver_label', fields.CharField(max_length=254)),
                ('message', fields.TextField(unique=False)),
                ('kpi', fields.ForeignKeyField('models.Kpi', source_field='kpi_id', null=True, db_constraint=True, to_field='id', related_name='recognitions', on_delete=OnDelete.RESTRICT)),
                ('value_tag', fields.CharField(null=True, max_length=40)),
                ('visibility', fields.CharEnumField(description='PUBLIC: PUBLIC\nPRIVATE: PRIVATE', enum_type=RecognitionVisibility, max_length=16)),
                ('observation', fields.OneToOneField('models.Observation', source_field='observation_id', null=True, db_constraint=True, to_field='id', related_name='recognition', on_delete=OnDelete.RESTRICT)),
                ('given_at_us', fields.BigIntField()),
                ('hidden_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('hidden_reason', fields.TextField(null=True, unique=False)),
                ('hidden_by_label', fields.CharField(null=True, max_length=254)),
            ],
            options={'table': 'recognition', 'app': 'models', 'indexes': [Index(fields=['receiver_id', 'given_at_us']), Index(fields=['giver_employee_id', 'given_at_us'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
