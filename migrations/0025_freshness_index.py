from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0024_perf')]

    initial = False

    operations = [
        # The admin home's data freshness (service/usecases/scoring/home.py): the (source,
        # KPI) pairs, each pair's last observation and its counts of the last 15 days are
        # read in this index alone, in time that does not grow with the table.
        ops.AddIndex(
            model_name='Observation',
            index=Index(fields=['source', 'kpi_id', 'occurred_at_us', 'voided_at']),
        ),
    ]
