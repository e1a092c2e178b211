from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0008_recompute_indexes')]

    initial = False

    # Every score carries its reason now (SCORING §5): NO_DATA ones too, not only the
    # not-eligible. A plain RENAME COLUMN on both databases; the values carry over.
    operations = [
        ops.RenameField(
            model_name='Score',
            old_name='not_eligible_reason',
            new_name='status_reason',
        ),
        # Before the evidence rule a score was NO_DATA only when no line was scored; a
        # finalised score is never recomputed, so its reason is written here.
        ops.RunSQL(
            "UPDATE score SET status_reason = 'NO_SCORED_LINE' "
            "WHERE status = 'NO_DATA' AND status_reason IS NULL",
            reverse_sql="UPDATE score SET status_reason = NULL WHERE status = 'NO_DATA'",
        ),
        # The score's status when an appeal was filed: one against a NO_DATA score may
        # end ACCEPTED with a note naming the data added since (SCORING §9).
        ops.AddField(
            model_name='Appeal',
            name='score_status_when_filed',
            field=fields.CharField(null=True, max_length=16),
        ),
    ]
