from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('xiaowai', '0010_idempotent_writes')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Institution',
            index=Index(fields=['license_status', 'operating_status', 'list_name']),
        ),
    ]
