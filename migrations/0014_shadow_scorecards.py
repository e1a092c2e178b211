from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from service.scoring.types import Method, Scope
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0013_goals')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ShadowScorecard',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('cycle', fields.ForeignKeyField('models.Cycle', source_field='cycle_id', db_constraint=True, to_field='id', related_name='shadow_scorecards', on_delete=OnDelete.CASCADE)),
                ('position', fields.ForeignKeyField('models.Position', source_field='position_id', db_constraint=True, to_field='id', related_name='shadow_scorecards', on_delete=OnDelete.RESTRICT)),
                ('version', fields.IntField(default=1)),
                ('warnings', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'shadow_scorecard', 'app': 'models', 'unique_together': (('cycle', 'position'),), 'pk_attr': 'id', 'table_description': "A draft of a position's next scorecard, kept beside the live one on a cycle in"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ShadowScorecardLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('scorecard', fields.ForeignKeyField('models.ShadowScorecard', source_field='scorecard_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('ordinal', fields.IntField()),
                ('kpi', fields.ForeignKeyField('models.Kpi', source_field='kpi_id', db_constraint=True, to_field='id', related_name='shadow_scorecard_lines', on_delete=OnDelete.RESTRICT)),
                ('scope', fields.CharEnumField(description='INDIVIDUAL: INDIVIDUAL\nTEAM: TEAM', enum_type=Scope, max_length=16)),
                ('weight', fields.BigIntField()),
                ('method', fields.CharEnumField(description='LINEAR: LINEAR\nBANDS: BANDS\nBINARY: BINARY', enum_type=Method, max_length=16)),
                ('threshold', fields.BigIntField(null=True)),
                ('target', fields.BigIntField(null=True)),
                ('stretch', fields.BigIntField(null=True)),
                ('bands', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('min_samples', fields.IntField(default=1)),
            ],
            options={'table': 'shadow_scorecard_line', 'app': 'models', 'unique_together': (('scorecard', 'ordinal'),), 'pk_attr': 'id', 'table_description': 'A line of a shadow scorecard: the columns of a live scorecard line.'},
            bases=['Model'],
        ),
    ]
