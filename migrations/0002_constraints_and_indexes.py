from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='AuditEntry',
            index=Index(fields=['entity', 'entity_key']),
        ),
        ops.AddConstraint(
            model_name='CyclePilotTeam',
            constraint=UniqueConstraint(fields=('cycle', 'team'), name=None),
        ),
        ops.AddIndex(
            model_name='Observation',
            index=Index(fields=['kpi_id', 'employee_id', 'occurred_at_us']),
        ),
        ops.AddIndex(
            model_name='Observation',
            index=Index(fields=['kpi_id', 'team_id', 'occurred_at_us']),
        ),
        ops.AddConstraint(
            model_name='Observation',
            constraint=UniqueConstraint(fields=('source', 'kpi', 'external_id'), name=None),
        ),
        ops.AddConstraint(
            model_name='Review',
            constraint=UniqueConstraint(fields=('cycle', 'employee', 'kpi', 'reviewer', 'kind'), name=None),
        ),
        ops.AddIndex(
            model_name='Score',
            index=Index(fields=['cycle_id', 'total_cents']),
        ),
        ops.AddIndex(
            model_name='Score',
            index=Index(fields=['cycle_id', 'team_id']),
        ),
        ops.AddConstraint(
            model_name='Score',
            constraint=UniqueConstraint(fields=('cycle', 'employee'), name=None),
        ),
        ops.AddConstraint(
            model_name='ScoreLine',
            constraint=UniqueConstraint(fields=('score', 'ordinal'), name=None),
        ),
        ops.AddConstraint(
            model_name='Scorecard',
            constraint=UniqueConstraint(fields=('cycle', 'position'), name=None),
        ),
        ops.AddConstraint(
            model_name='ScorecardLine',
            constraint=UniqueConstraint(fields=('scorecard', 'ordinal'), name=None),
        ),
    ]
