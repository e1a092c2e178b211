from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from service.models.scoring import ImportChannel
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0021_role_models_and_sessions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ImportFailure',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharEnumField(description='ADMIN_CSV: ADMIN_CSV\nCLI_CSV: CLI_CSV\nAPI_BATCH: API_BATCH', enum_type=ImportChannel, max_length=16)),
                ('kind', fields.CharField(max_length=32)),
                ('name', fields.CharField(default='', db_default='', max_length=200)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='import_failures', on_delete=OnDelete.SET_NULL)),
                ('actor_label', fields.CharField(max_length=254)),
                ('rows', fields.IntField(default=0, db_default=0)),
                ('rejected_rows', fields.IntField(default=0, db_default=0)),
                ('written', fields.BooleanField(default=False, db_default=False)),
                ('problems', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'import_failure', 'app': 'models', 'indexes': [Index(fields=['created_at']), Index(fields=['user_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
