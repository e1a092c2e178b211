from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('models', '0005_api_tokens_sign_ins_idempotency')]

    initial = False

    operations = [
        ops.AddConstraint(
            model_name='IngestRequest',
            constraint=UniqueConstraint(fields=('user', 'idempotency_key'), name=None),
        ),
        ops.AddIndex(
            model_name='SignInAttempt',
            index=Index(fields=['email', 'at']),
        ),
        ops.AddIndex(
            model_name='SignInAttempt',
            index=Index(fields=['address', 'at']),
        ),
    ]
